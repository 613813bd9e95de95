/**
 * Runs the App Configuration and Key Vault emulators in a worker thread for the benchmark, so their
 * own CPU work (TLS, JSON) does not share the event loop with the providers being measured.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { keyVaultReference, startAppConfigurationEmulator, type EmulatorSetting } from '../test/emulators/appConfiguration.js';
import { startKeyVaultEmulator } from '../test/emulators/keyVault.js';
import { testCertificates } from '../test/support/tls.js';

const { settings, references, latencyMs } = workerData as { settings: number; references: number; latencyMs: number };
const certs = await testCertificates();
const [ac, kv] = await Promise.all([startAppConfigurationEmulator({ latencyMs, pageSize: 100 }), startKeyVaultEmulator({ name: 'benchrefs', latencyMs, certs })]);

// References spread evenly over the pages (every settings/references-th key), each to its own secret.
const every = Math.floor(settings / references);
const data: EmulatorSetting[] = [];
for (let i = 0; i < settings; i++) {
  const key = `Bench:Section${String(i % 50).padStart(2, '0')}:Key${String(i).padStart(5, '0')}`;
  if (i % every === every - 1 && data.filter((d) => d.contentType).length < references) {
    const name = `ref-${i}`;
    kv.setSecret(name, `secret-${i}`);
    data.push(keyVaultReference(key, kv.secretId(name)));
  } else {
    data.push({ key, value: `value-${i}` });
  }
}
ac.replaceAll(data);

parentPort!.on('message', async (message: string) => {
  if (message === 'reset') {
    ac.resetStats();
    kv.resetCounters();
  }
  if (message === 'counters') parentPort!.postMessage({ counters: { ac: { ...ac.stats }, kv: { ...kv.counters } } });
  if (message === 'close') {
    await Promise.all([ac.close(), kv.close()]);
    parentPort!.close();
  }
});
parentPort!.postMessage({ ready: { endpoint: ac.endpoint, connectionString: ac.connectionString, vaultUrl: kv.vaultUrl, caPem: certs.caPem } });
