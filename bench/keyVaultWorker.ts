/**
 * Runs the Key Vault emulator in a worker thread for the benchmark, so the emulator's own CPU
 * work (TLS, JSON) does not share the event loop with the provider being measured — as with a
 * real, remote vault.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startKeyVaultEmulator } from '../test/emulators/keyVault.js';
import { testCertificates } from '../test/support/tls.js';

const { secrets, latencyMs } = workerData as { secrets: number; latencyMs: number };
const certs = await testCertificates();
const kv = await startKeyVaultEmulator({ name: 'bench', latencyMs, certs });
for (let i = 0; i < secrets; i++) kv.setSecret(`Bench--Section${i % 20}--Key${i}`, `value-${i}`);

parentPort!.on('message', async (message: string) => {
  if (message === 'reset') kv.resetCounters();
  if (message === 'counters') parentPort!.postMessage({ counters: { ...kv.counters } });
  if (message === 'close') {
    await kv.close();
    parentPort!.close();
  }
});
parentPort!.postMessage({ ready: { vaultUrl: kv.vaultUrl, caPem: certs.caPem } });
