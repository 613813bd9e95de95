/**
 * Fleet start-up and refresh against quota-enforcing emulators (`npm run bench -- fleet`).
 *
 * N instances (1, 10, 50, 200) start at the same moment, each with its own clients and connection
 * pools, against one App Configuration store (300 key-values in 3 pages, 5 Key Vault references)
 * and one vault, whose quotas are scaled down so a run takes seconds. For each N, side by side in
 * one run: layered-config, Microsoft's `@azure/app-configuration-provider` (parallel secret
 * resolution on) and a naive loop over the SDK clients. Reported: time until every instance is
 * ready against the physical floor (requests beyond the burst ÷ quota rate, plus a round trip),
 * the share of throttled answers, requests per instance and failed starts. Then refresh: requests
 * per hour per instance with sentinel polling and with push refresh, and the time from a change
 * to the whole fleet seeing it.
 *
 * The instances run in this thread (their CPU work is what a fleet of processes would spread over
 * machines, and is small); the services run in a worker thread.
 */
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import https from 'node:https';
import type { TokenCredential } from '@azure/core-auth';
import { load } from '@azure/app-configuration-provider';
import { AppConfigurationClient, isSecretReference, parseSecretReference } from '@azure/app-configuration';
import { SecretClient } from '@azure/keyvault-secrets';
import { AzureAppConfigurationProvider, appConfigurationRefreshers } from '../src/providers/azureAppConfiguration.js';
import { ConfigurationBuilder } from '../src/builder.js';
import type { ConfigurationRoot } from '../src/core/root.js';
import { vaultAgent } from '../test/emulators/keyVault.js';
import type { BenchTable } from './table.js';

/** Key-values in the store, the refresh sentinel among them: 3 pages of 100. */
const SETTINGS = 300;
const PAGES = 3;
const REFERENCES = 5;
const LATENCY_MS = 10;
const STORE = { ratePerSecond: 75, burst: 10 };
const VAULT = { ratePerSecond: 125, burst: 20 };
const SIZES = (process.env.FLEET_SIZES ?? '1,10,50,200').split(',').map(Number);
/** No contender waits longer than this for one instance. */
const START_TIMEOUT_MS = Number(process.env.FLEET_START_TIMEOUT_MS ?? 30_000);

interface Counters {
  ac: { total: number; get: number; list: number; throttled: number };
  kv: { total: number; get: number; unauthorized: number; throttled: number };
}

async function startServices() {
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./fleetEmulators.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  const worker = new Worker(bootstrap, { eval: true, workerData: { settings: SETTINGS, references: REFERENCES, latencyMs: LATENCY_MS, store: STORE, vault: VAULT } });
  const [ready] = (await once(worker, 'message')) as [{ ready: { connectionString: string; endpoint: string; caPem: string } }];
  const ask = async <T>(message: unknown, key: string): Promise<T> => {
    worker.postMessage(message);
    for (;;) {
      const [reply] = (await once(worker, 'message')) as [Record<string, unknown>];
      if (key in reply) return reply[key] as T;
    }
  };
  return {
    ...ready.ready,
    reset: () => worker.postMessage('reset'),
    counters: () => ask<Counters>('counters', 'counters'),
    change: (value: string) => ask<{ syncToken: string }>({ change: value }, 'changed'),
    close: async () => {
      worker.postMessage('close');
      await once(worker, 'exit');
    },
  };
}
type Services = Awaited<ReturnType<typeof startServices>>;

/** What one instance owns: its agents (connection pools) and a credential. */
function instanceKit(services: Services) {
  const acAgent = new https.Agent({ ca: services.caPem, keepAlive: true });
  const kvAgent = vaultAgent(services.caPem);
  const credential: TokenCredential = { getToken: async () => ({ token: 'fleet-bench-opaque-token', expiresOnTimestamp: Date.now() + 3_600_000 }) };
  return { acAgent, kvAgent, credential, destroy: () => (acAgent.destroy(), kvAgent.destroy()) };
}

type Contender = (services: Services, kit: ReturnType<typeof instanceKit>, jitterMs: number) => Promise<{ size: number; dispose(): Promise<void> }>;

/** What a deployment can do for any library: start each instance after a random wait. */
const delayed = (jitterMs: number): Promise<void> => (jitterMs > 0 ? new Promise((r) => setTimeout(r, Math.random() * jitterMs)) : Promise.resolve());

const contenders: Record<string, Contender> = {
  'layered-config': async (services, kit, jitterMs) => {
    const provider = new AzureAppConfigurationProvider({
      startupJitterMs: jitterMs,
      connectionString: services.connectionString,
      clientOptions: { agent: kit.acAgent },
      keyVault: { credential: kit.credential, clientOptions: { agent: kit.kvAgent } },
      startupTimeoutMs: START_TIMEOUT_MS,
    });
    const data = await provider.load();
    return { size: data.size, dispose: () => provider.dispose() };
  },
  '@azure/app-configuration-provider (parallel secrets)': async (services, kit, jitterMs) => {
    await delayed(jitterMs);
    const settings = await load(services.connectionString, {
      clientOptions: { agent: kit.acAgent },
      replicaDiscoveryEnabled: false,
      startupOptions: { timeoutInMs: START_TIMEOUT_MS },
      keyVaultOptions: { credential: kit.credential, clientOptions: { agent: kit.kvAgent }, parallelSecretResolutionEnabled: true },
    });
    return { size: settings.size, dispose: async () => undefined };
  },
  'naive loop (SDK defaults, 3 tries)': async (services, kit, jitterMs) => {
    await delayed(jitterMs);
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const client = new AppConfigurationClient(services.connectionString, { agent: kit.acAgent } as never);
        const values = new Map<string, string>();
        const secrets: Array<Promise<void>> = [];
        const vaults = new Map<string, SecretClient>();
        for await (const setting of client.listConfigurationSettings({ keyFilter: '*', labelFilter: '\0' })) {
          if (isSecretReference(setting)) {
            const url = new URL(parseSecretReference(setting).value.secretId);
            const name = url.pathname.split('/')[2]!;
            let vault = vaults.get(url.origin);
            if (!vault) vaults.set(url.origin, (vault = new SecretClient(url.origin, kit.credential, { agent: kit.kvAgent } as never)));
            const key = setting.key;
            secrets.push(vault.getSecret(name).then((s) => void values.set(key, s.value ?? '')));
          } else values.set(setting.key, setting.value ?? '');
        }
        await Promise.all(secrets);
        return { size: values.size, dispose: async () => undefined };
      } catch (error) {
        lastError = error;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    throw lastError;
  },
};

const ms = (n: number): string => `${Math.round(n)}`;

/** The part of the floor the quotas set: requests beyond the burst at the quota rate, for the busier service. */
function quotaMs(n: number): number {
  const store = Math.max(0, n * PAGES - STORE.burst) / STORE.ratePerSecond;
  const vault = Math.max(0, n * REFERENCES - VAULT.burst) / VAULT.ratePerSecond;
  return Math.max(store, vault) * 1000;
}

/** The physical floor: the quotas' part plus one instance's round trips (its pages one after another, then its references). */
function floorMs(n: number): number {
  return quotaMs(n) + (PAGES + 1) * LATENCY_MS;
}

async function startFleet(services: Services, n: number, contender: Contender, jitterMs = 0) {
  services.reset();
  const kits = Array.from({ length: n }, () => instanceKit(services));
  const started = performance.now();
  const ready: number[] = [];
  const results = await Promise.allSettled(
    kits.map(async (kit) => {
      const instance = await contender(services, kit, jitterMs);
      ready.push(performance.now() - started);
      if (instance.size < SETTINGS) throw new Error(`loaded ${instance.size} of ${SETTINGS}`);
      return instance;
    }),
  );
  const allReadyMs = performance.now() - started;
  const counters = await services.counters();
  await Promise.all(results.map((r) => (r.status === 'fulfilled' ? r.value.dispose() : undefined)));
  for (const kit of kits) kit.destroy();
  const firstFailure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason as { message?: string; cause?: { message?: string } } | undefined;
  const why = firstFailure ? `${firstFailure.message ?? firstFailure}${firstFailure.cause?.message ? ` (${firstFailure.cause.message})` : ''}`.slice(0, 160) : '';
  return { allReadyMs, failed: results.filter((r) => r.status === 'rejected').length, counters, why };
}

async function benchStartup(services: Services): Promise<BenchTable> {
  // Warm-up (imports, JIT, TLS setup), not measured.
  for (const [name, contender] of Object.entries(contenders)) {
    const warm = await startFleet(services, 2, contender);
    if (warm.failed > 0) console.error(`warm-up of ${name} failed: ${warm.why}`);
  }
  const rows: BenchTable['rows'] = [];
  const [ours, official, naive] = Object.entries(contenders);
  for (const n of SIZES) {
    const floor = floorMs(n);
    // Start-up jitter over a little more than the time the quotas need anyway: instances then
    // arrive at about 90 % of the services' rate instead of all in the first millisecond (at 100 %,
    // random clumps alone keep the services throttling).
    const spread = Math.round(1.1 * quotaMs(n));
    const runs: Array<[string, Contender, number]> = [[ours![0], ours![1], 0], [official![0], official![1], 0]];
    if (spread > 0) runs.push([ours![0], ours![1], spread], [official![0], official![1], spread], [naive![0], naive![1], spread]);
    else runs.push([naive![0], naive![1], 0]);
    for (const [name, contender, jitter] of runs) {
      const { allReadyMs, failed, counters, why } = await startFleet(services, n, contender, jitter);
      const total = counters.ac.total + counters.kv.total;
      const throttled = counters.ac.throttled + counters.kv.throttled;
      rows.push({
        N: n,
        approach: name,
        'start-up jitter (ms)': jitter,
        'all ready (ms)': ms(allReadyMs),
        'floor (ms)': ms(floor),
        'vs floor': `${(allReadyMs / floor).toFixed(2)}×`,
        throttled: `${((100 * throttled) / Math.max(1, total)).toFixed(1)} %`,
        'requests / instance (AC + KV)': `${(counters.ac.total / n).toFixed(1)} + ${(counters.kv.total / n).toFixed(1)}`,
        'failed starts': failed,
        ...(why ? { 'first failure': why } : {}),
      });
    }
  }
  return {
    title: `Fleet start-up: N instances at once, ${SETTINGS} key-values (${PAGES} pages) + ${REFERENCES} Key Vault references each; store quota ${STORE.ratePerSecond}/s (burst ${STORE.burst}), vault ${VAULT.ratePerSecond}/s (burst ${VAULT.burst}), ${LATENCY_MS} ms per answer`,
    goal: 'at N = 200: every instance ready, 0 failed starts, within 1.3× the floor, throttled < 10 % of requests',
    rows,
  };
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const start = performance.now();
  while (!condition()) {
    if (performance.now() - start > timeoutMs) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

async function benchRefresh(services: Services): Promise<BenchTable> {
  const N = 50;
  const POLL_MS = 2_000;
  const WINDOW_MS = 6_000;
  const PUSH_WINDOW_MS = 5_000;
  const rows: BenchTable['rows'] = [];
  let change = 0;
  for (const mode of ['sentinel polling', 'push refresh'] as const) {
    services.reset();
    const kits = Array.from({ length: N }, () => instanceKit(services));
    const roots: ConfigurationRoot[] = await Promise.all(
      kits.map((kit) =>
        new ConfigurationBuilder()
          .add(
            new AzureAppConfigurationProvider({
              connectionString: services.connectionString,
              clientOptions: { agent: kit.acAgent },
              keyVault: { credential: kit.credential, clientOptions: { agent: kit.kvAgent } },
              // Push refresh still polls, rarely, as a safety net for lost events.
              refresh: { intervalMs: mode === 'push refresh' ? 3_600_000 : POLL_MS, sentinel: { key: 'Fleet:Sentinel' } },
            }),
          )
          .build(),
      ),
    );
    // Quiet period: what watching costs when nothing changes.
    services.reset();
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const quiet = await services.counters();
    const perHour = (quiet.ac.total / N) * (3_600_000 / WINDOW_MS);

    // A change, and how long until every instance has it.
    services.reset();
    const value = `changed-${++change}`;
    const { syncToken } = await services.change(value);
    const changedAt = performance.now();
    if (mode === 'push refresh') {
      // What a webhook handler does with the Event Grid delivery, on each instance.
      const event = { subject: `${services.endpoint}/kv/Fleet:Sentinel`, eventType: 'Microsoft.AppConfiguration.KeyValueModified', data: { key: 'Fleet:Sentinel', syncToken } };
      for (const root of roots) for (const refresher of appConfigurationRefreshers(root)) refresher.processPushNotification([event], { maxDelayMs: PUSH_WINDOW_MS });
    }
    const seen = await until(() => roots.every((r) => r.get('Fleet:Key0001') === value), 60_000);
    const seenMs = performance.now() - changedAt;
    const afterChange = await services.counters();
    rows.push({
      mode,
      'poll interval': mode === 'push refresh' ? '1 h (safety net)' : `${POLL_MS / 1000} s ±10 %`,
      'requests / hour / instance, nothing changing': perHour.toFixed(0),
      'change → whole fleet has it (ms)': seen ? ms(seenMs) : 'not within 60 s',
      'requests / instance for the change': (afterChange.ac.total / N).toFixed(1),
      throttled: `${afterChange.ac.throttled + quiet.ac.throttled}`,
    });
    await Promise.all(roots.map((r) => r.dispose()));
    for (const kit of kits) kit.destroy();
  }
  return {
    title: `Fleet refresh: ${N} instances, sentinel key, same quotas; push refresh spreads its refresh over ${PUSH_WINDOW_MS / 1000} s (maxDelayMs)`,
    goal: 'push refresh: near-zero requests while nothing changes, the change seen by the fleet within the push window',
    rows,
  };
}

export async function benchFleet(): Promise<BenchTable[]> {
  const services = await startServices();
  try {
    return [await benchStartup(services), await benchRefresh(services)];
  } finally {
    await services.close();
  }
}
