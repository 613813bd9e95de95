/**
 * App Configuration start-up: 10,000 key-values of which 500 are Key Vault references, 20 ms of
 * latency on every request to either service, in one run:
 *  - the floor: 100 list pages × 20 ms, every reference resolved while the pages list;
 *  - the machine floor (100 bare HTTPS round trips to a server that only waits) and the measured
 *    floor (the SDK listing the pages): what this machine and the SDK add before any provider;
 *  - layered-config's provider;
 *  - Microsoft's `@azure/app-configuration-provider` `load()` (replica discovery off), with its
 *    default sequential reference resolution and with `parallelSecretResolutionEnabled`.
 * Then a refresh when nothing changed (watch-all by page etags, and by a sentinel key): requests
 * sent and time taken, ours vs theirs. Every load uses fresh clients, so each pays its challenges.
 */
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import https from 'node:https';
import type { TokenCredential } from '@azure/core-auth';
import { load } from '@azure/app-configuration-provider';
import { AzureAppConfigurationProvider } from '../src/providers/azureAppConfiguration.js';
import { vaultAgent, type KeyVaultCounters } from '../test/emulators/keyVault.js';
import type { EmulatorStats } from '../test/emulators/appConfiguration.js';

const SETTINGS = 10_000;
const REFERENCES = 500;
const LATENCY_MS = 20;
const PAGES = SETTINGS / 100;
const RUNS = 5;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function startRemoteEmulators() {
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./appConfigurationWorker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  const worker = new Worker(bootstrap, { eval: true, workerData: { settings: SETTINGS, references: REFERENCES, latencyMs: LATENCY_MS } });
  const [ready] = (await once(worker, 'message')) as [{ ready: { floorUrl: string; endpoint: string; connectionString: string; vaultUrl: string; caPem: string } }];
  const { caPem, connectionString, floorUrl } = ready.ready;
  const agents: https.Agent[] = [];
  const agent = <T extends https.Agent>(a: T): T => (agents.push(a), a);
  return {
    connectionString,
    /** `PAGES` sequential HTTPS GETs to the worker's latency-only server, each body read and parsed. */
    machineFloor: async (): Promise<number> => {
      const a = agent(new https.Agent({ ca: caPem, keepAlive: true }));
      const started = performance.now();
      for (let i = 0; i < PAGES; i++) {
        const body = await new Promise<string>((resolve, reject) => {
          https
            .get(`${floorUrl}/kv?page=${i}`, { agent: a }, (res) => {
              let text = '';
              res.setEncoding('utf8');
              res.on('data', (chunk: string) => (text += chunk));
              res.on('end', () => resolve(text));
            })
            .on('error', reject);
        });
        JSON.parse(body);
      }
      return performance.now() - started;
    },
    // Fresh agents per load: a start-up opens its own connections.
    appConfigClientOptions: () => ({ agent: agent(new https.Agent({ ca: caPem, keepAlive: true })) }),
    keyVaultClientOptions: () => ({ agent: agent(vaultAgent(caPem)) }),
    credential: (): TokenCredential => ({ getToken: async () => ({ token: 'bench-opaque-token', expiresOnTimestamp: Date.now() + 3_600_000 }) }),
    reset: () => worker.postMessage('reset'),
    counters: async (): Promise<{ ac: EmulatorStats; kv: KeyVaultCounters }> => {
      worker.postMessage('counters');
      const [reply] = (await once(worker, 'message')) as [{ counters: { ac: EmulatorStats; kv: KeyVaultCounters } }];
      return reply.counters;
    },
    close: async () => {
      for (const a of agents) a.destroy();
      worker.postMessage('close');
      await once(worker, 'exit');
    },
  };
}

type Emulators = Awaited<ReturnType<typeof startRemoteEmulators>>;

async function timeOurs(emu: Emulators, refresh?: { sentinel?: { key: string } }) {
  const provider = new AzureAppConfigurationProvider({
    connectionString: emu.connectionString,
    clientOptions: emu.appConfigClientOptions(),
    keyVault: { credential: emu.credential(), clientOptions: emu.keyVaultClientOptions() },
    ...(refresh ? { refresh: { intervalMs: 1000, ...refresh } } : {}),
  });
  emu.reset();
  const started = performance.now();
  const data = await provider.load();
  const ms = performance.now() - started;
  if (data.size !== SETTINGS) throw new Error(`ours loaded ${data.size} of ${SETTINGS}`);
  return { ms, counters: await emu.counters(), provider };
}

async function timeTheirs(emu: Emulators, parallel: boolean, refresh?: { sentinel?: { key: string } }) {
  emu.reset();
  const started = performance.now();
  const settings = await load(emu.connectionString, {
    clientOptions: emu.appConfigClientOptions(),
    replicaDiscoveryEnabled: false,
    keyVaultOptions: { credential: emu.credential(), clientOptions: emu.keyVaultClientOptions(), parallelSecretResolutionEnabled: parallel },
    ...(refresh
      ? { refreshOptions: { enabled: true, refreshIntervalInMs: 1000, ...(refresh.sentinel ? { watchedSettings: [{ key: refresh.sentinel.key }] } : {}) } }
      : {}),
  });
  const ms = performance.now() - started;
  if (settings.size !== SETTINGS) throw new Error(`theirs loaded ${settings.size} of ${SETTINGS}`);
  return { ms, counters: await emu.counters(), settings };
}

const row = (approach: string, ms: number, floor: number, requests: number | string, extra: Record<string, string | number> = {}) => ({
  scenario: 'start-up',
  approach,
  'time (ms)': Math.round(ms),
  'vs floor': `${(ms / floor).toFixed(2)}×`,
  'requests (AC + KV)': requests,
  ...extra,
});

/** One table: start-up rows first, then refresh-with-nothing-changed rows (`scenario` tells them apart). */
export async function benchAppConfiguration(): Promise<{ title: string; goal?: string; rows: Array<Record<string, string | number>> }> {
  const emu = await startRemoteEmulators();
  try {
    const floor = PAGES * LATENCY_MS;
    // Warm-up: JIT, module imports and TLS session setup for both, not measured.
    await (await timeOurs(emu)).provider.dispose();
    await timeTheirs(emu, true);

    const ours: number[] = [];
    const theirsParallel: number[] = [];
    let ourCounters: Awaited<ReturnType<Emulators['counters']>> | undefined;
    let theirParallelCounters: typeof ourCounters;
    // What the machine itself adds: the same round trips with no SDK and no App Configuration
    // logic. Measured in the same runs as ours, so that load on the machine falls on both alike.
    const machine: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      machine.push(await emu.machineFloor());
      const o = await timeOurs(emu);
      ours.push(o.ms);
      ourCounters = o.counters;
      await o.provider.dispose();
      const t = await timeTheirs(emu, true);
      theirsParallel.push(t.ms);
      theirParallelCounters = t.counters;
    }
    // What paging alone costs through the SDK against this emulator (TLS, JSON, signing, timers):
    // the floor any SDK-based provider can reach, measured rather than assumed.
    const listed: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const { AppConfigurationClient } = await import('@azure/app-configuration');
      const client = new AppConfigurationClient(emu.connectionString, { ...emu.appConfigClientOptions(), retryOptions: { maxRetries: 0 } });
      const started = performance.now();
      let items = 0;
      for await (const page of client.listConfigurationSettings({ keyFilter: '*', labelFilter: '\0' }).byPage()) items += page.items.length;
      listed.push(performance.now() - started);
      if (items !== SETTINGS) throw new Error(`listed ${items} of ${SETTINGS}`);
    }
    // Their default resolves references one after another: one run is enough to see it.
    const sequential = await timeTheirs(emu, false);

    const rows: Array<Record<string, string | number>> = [
        row(`floor: ${PAGES} pages × ${LATENCY_MS} ms, references overlapped`, floor, floor, `${PAGES} + ${REFERENCES}`),
        row(`machine floor: ${PAGES} sequential HTTPS round trips, ${LATENCY_MS} ms each, no SDK`, median(machine), floor, `${PAGES} + 0`),
        row(`measured floor: the SDK listing the ${PAGES} pages, nothing else`, median(listed), floor, `${PAGES} + 0`),
        row('layered-config addAzureAppConfiguration', median(ours), floor, `${ourCounters!.ac.total} + ${ourCounters!.kv.total}`, {
          'peak concurrent KV gets': ourCounters!.kv.peakConcurrentGets,
          'vs machine floor': `${(median(ours) / median(machine)).toFixed(2)}×`,
          'vs measured floor': `${(median(ours) / median(listed)).toFixed(2)}×`,
        }),
        row('@azure/app-configuration-provider, parallelSecretResolutionEnabled', median(theirsParallel), floor, `${theirParallelCounters!.ac.total} + ${theirParallelCounters!.kv.total}`, {
          'peak concurrent KV gets': theirParallelCounters!.kv.peakConcurrentGets,
        }),
        row('@azure/app-configuration-provider, default (sequential references)', sequential.ms, floor, `${sequential.counters.ac.total} + ${sequential.counters.kv.total}`, {
          'peak concurrent KV gets': sequential.counters.kv.peakConcurrentGets,
        }),
    ];

    // Refresh with nothing changed.
    for (const mode of ['watch-all (page etags)', 'sentinel key'] as const) {
      const refresh = mode === 'sentinel key' ? { sentinel: { key: 'Bench:Section00:Key00000' } } : {};
      const o = await timeOurs(emu, refresh);
      emu.reset();
      let started = performance.now();
      await o.provider.load();
      const ourMs = performance.now() - started;
      const ourAfter = await emu.counters();
      await o.provider.dispose();

      const t = await timeTheirs(emu, true, refresh);
      // Their refresh is a no-op until the interval has passed since the load.
      await new Promise((r) => setTimeout(r, 1100));
      emu.reset();
      started = performance.now();
      await t.settings.refresh();
      const theirMs = performance.now() - started;
      const theirAfter = await emu.counters();
      const refreshRow = (approach: string, ms: number, c: { ac: EmulatorStats }) => ({
        scenario: `refresh, nothing changed: ${mode}`,
        approach,
        'time (ms)': Math.round(ms),
        'vs floor': '',
        'requests (AC + KV)': `${c.ac.total} + 0 (${c.ac.listNotModified + c.ac.getNotModified} × 304, ${c.ac.list - c.ac.listNotModified} relisted)`,
      });
      rows.push(refreshRow('layered-config', ourMs, ourAfter), refreshRow('@azure/app-configuration-provider', theirMs, theirAfter));
    }
    return {
      title: `App Configuration: ${SETTINGS.toLocaleString('en')} key-values, ${REFERENCES} Key Vault references, ${LATENCY_MS} ms per request (start-up: median of ${RUNS})`,
      goal:
        `never slower than @azure/app-configuration-provider; at most 1.1× the machine floor measured in this run ` +
        `(here ${(median(ours) / median(machine)).toFixed(2)}×; the measured SDK floor is ${(median(listed) / median(machine)).toFixed(2)}× of it)`,
      rows,
    };
  } finally {
    await emu.close();
  }
}
