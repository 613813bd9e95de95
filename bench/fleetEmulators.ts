/**
 * The fleet benchmark's services, in a worker thread so their CPU work (TLS, JSON) does not share
 * the event loop with the instances measured: one App Configuration store and one Key Vault, each
 * enforcing a request quota (token bucket), with a fixed latency per answer.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { keyVaultReference, startAppConfigurationEmulator, type EmulatorSetting } from '../test/emulators/appConfiguration.js';
import { startKeyVaultEmulator } from '../test/emulators/keyVault.js';
import { testCertificates } from '../test/support/tls.js';

interface Setup {
  settings: number;
  references: number;
  latencyMs: number;
  store: { ratePerSecond: number; burst: number };
  vault: { ratePerSecond: number; burst: number };
}
const setup = workerData as Setup;
const certs = await testCertificates();
const [ac, kv] = await Promise.all([
  startAppConfigurationEmulator({ latencyMs: setup.latencyMs, pageSize: 100 }),
  startKeyVaultEmulator({ name: 'fleetbench', latencyMs: setup.latencyMs, certs }),
]);
const data: EmulatorSetting[] = Array.from({ length: setup.settings }, (_, i) => ({ key: `Fleet:Key${String(i).padStart(4, '0')}`, value: `value-${i}` }));
for (let i = 0; i < setup.references; i++) {
  kv.setSecret(`ref-${i}`, `secret-${i}`);
  data[i * Math.floor(setup.settings / setup.references)] = keyVaultReference(`Fleet:Ref${i}`, kv.secretId(`ref-${i}`));
}
// The sentinel is one of the settings, so the store holds exactly `settings` key-values.
data[setup.settings - 1] = { key: 'Fleet:Sentinel', value: '0' };
ac.replaceAll(data);

const quotas = (on: boolean): void => {
  ac.setQuota(on ? setup.store : undefined);
  kv.setQuota(on ? { ...setup.vault, retryAfter: 'seconds' } : undefined);
};
quotas(true);

type Message = 'reset' | 'counters' | 'close' | { change: string } | { quotas: boolean };
parentPort!.on('message', async (message: Message) => {
  if (message === 'reset') {
    ac.resetStats();
    kv.resetCounters();
    quotas(true);
  } else if (message === 'counters') {
    parentPort!.postMessage({
      counters: {
        ac: { total: ac.stats.total, get: ac.stats.get, list: ac.stats.list, throttled: ac.stats.throttled },
        kv: { total: kv.counters.total, get: kv.counters.get, unauthorized: kv.counters.unauthorized, throttled: kv.counters.throttled },
      },
    });
  } else if (message === 'close') {
    await Promise.all([ac.close(), kv.close()]);
    parentPort!.close();
  } else if ('change' in message) {
    ac.set([{ key: 'Fleet:Key0001', value: message.change }, { key: 'Fleet:Sentinel', value: message.change }]);
    parentPort!.postMessage({ changed: { syncToken: ac.syncToken() } });
  } else if ('quotas' in message) {
    quotas(message.quotas);
  }
});
parentPort!.postMessage({ ready: { endpoint: ac.endpoint, connectionString: ac.connectionString, vaultUrl: kv.vaultUrl, caPem: certs.caPem } });
