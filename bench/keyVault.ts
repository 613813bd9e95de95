/**
 * Key Vault start-up: 1,000 secrets behind 20 ms of latency per request, against the local
 * emulator. Compared in the same run with (a) the floor — the list pages alone, ⌈1000/25⌉ × 20 ms,
 * as if every fetch overlapped perfectly — and (b) a plain sequential list-then-get loop with the
 * SDK. Each provider load uses a fresh client, so it pays the 401 challenge like a real start-up.
 */
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import type { TokenCredential } from '@azure/core-auth';
import { SecretClient } from '@azure/keyvault-secrets';
import { AzureKeyVaultProvider } from '../src/providers/azureKeyVault.js';
import { vaultAgent, type KeyVaultCounters } from '../test/emulators/keyVault.js';
import type { BenchTable } from './table.js';

const SECRETS = 1000;
const LATENCY_MS = 20;
const PAGE = 25;
const RUNS = 5;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The emulator in a worker thread, reached through an agent that trusts its CA. */
async function startRemoteEmulator() {
  // An eval bootstrap registers tsx inside the worker first: Node 20 rejects a `.ts` worker entry
  // before any --import hook runs.
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./keyVaultWorker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  const worker = new Worker(bootstrap, { eval: true, workerData: { secrets: SECRETS, latencyMs: LATENCY_MS } });
  const [ready] = (await once(worker, 'message')) as [{ ready: { vaultUrl: string; caPem: string } }];
  const agent = vaultAgent(ready.ready.caPem);
  const ask = async (): Promise<KeyVaultCounters> => {
    worker.postMessage('counters');
    const [reply] = (await once(worker, 'message')) as [{ counters: KeyVaultCounters }];
    return reply.counters;
  };
  return {
    vaultUrl: ready.ready.vaultUrl,
    clientOptions: () => ({ agent }),
    // An opaque bearer token: the emulator accepts any non-JWT token, so no cross-thread signing key is needed.
    credential: (): TokenCredential => ({ getToken: async () => ({ token: 'bench-opaque-token', expiresOnTimestamp: Date.now() + 3_600_000 }) }),
    resetCounters: () => worker.postMessage('reset'),
    counters: ask,
    close: async () => {
      agent.destroy();
      worker.postMessage('close');
      await once(worker, 'exit');
    },
  };
}

export async function benchKeyVault(): Promise<BenchTable> {
  const kv = await startRemoteEmulator();
  try {
    const floor = Math.ceil(SECRETS / PAGE) * LATENCY_MS;

    const ours: number[] = [];
    let requests = 0;
    let peak = 0;
    for (let run = 0; run < RUNS; run++) {
      kv.resetCounters();
      const provider = new AzureKeyVaultProvider({ vaultUrl: kv.vaultUrl, credential: kv.credential(), clientOptions: kv.clientOptions() });
      const started = performance.now();
      const data = await provider.load();
      ours.push(performance.now() - started);
      if (data.size !== SECRETS) throw new Error(`loaded ${data.size} of ${SECRETS} secrets`);
      const counters = await kv.counters();
      requests = counters.total;
      peak = counters.peakConcurrentGets;
      await provider.dispose();
    }

    kv.resetCounters();
    const client = new SecretClient(kv.vaultUrl, kv.credential(), kv.clientOptions());
    const started = performance.now();
    const values = new Map<string, string | undefined>();
    const names: string[] = [];
    for await (const p of client.listPropertiesOfSecrets()) if (p.enabled) names.push(p.name);
    for (const name of names) values.set(name, (await client.getSecret(name)).value);
    const sequential = performance.now() - started;
    if (values.size !== SECRETS) throw new Error(`sequential loop loaded ${values.size} secrets`);
    const sequentialRequests = (await kv.counters()).total;

    const ourMedian = median(ours);
    return {
      title: `Key Vault start-up: ${SECRETS} secrets, ${LATENCY_MS} ms per request (median of ${RUNS} loads)`,
      goal: 'within 1.25× the floor and at least 10× faster than the sequential loop',
      rows: [
        { approach: `floor: ${Math.ceil(SECRETS / PAGE)} list pages × ${LATENCY_MS} ms, fetches overlapped`, 'time (ms)': floor, 'vs floor': '1.00×', requests: Math.ceil(SECRETS / PAGE) + SECRETS, 'peak concurrent gets': '' },
        { approach: 'layered-config addAzureKeyVault (maxConcurrency 32)', 'time (ms)': Math.round(ourMedian), 'vs floor': `${(ourMedian / floor).toFixed(2)}×`, requests, 'peak concurrent gets': peak },
        { approach: 'SDK list then get, sequential', 'time (ms)': Math.round(sequential), 'vs floor': `${(sequential / floor).toFixed(2)}×`, requests: sequentialRequests, 'peak concurrent gets': 1 },
        { approach: 'speed-up over sequential', 'time (ms)': '', 'vs floor': `${(sequential / ourMedian).toFixed(1)}× faster`, requests: '', 'peak concurrent gets': '' },
      ],
    };
  } finally {
    await kv.close();
  }
}
