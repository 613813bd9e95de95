/**
 * Runs the App Configuration and Key Vault emulators in a worker thread for the benchmark, so their
 * own CPU work (TLS, JSON) does not share the event loop with the providers being measured.
 */
import { parentPort, workerData } from 'node:worker_threads';
import https from 'node:https';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { keyVaultReference, startAppConfigurationEmulator, type EmulatorSetting } from '../test/emulators/appConfiguration.js';
import { startKeyVaultEmulator } from '../test/emulators/keyVault.js';
import { testCertificates } from '../test/support/tls.js';

const { settings, references, latencyMs } = workerData as { settings: number; references: number; latencyMs: number };
const certs = await testCertificates();
const [ac, kv] = await Promise.all([startAppConfigurationEmulator({ latencyMs, pageSize: 100 }), startKeyVaultEmulator({ name: 'benchrefs', latencyMs, certs })]);

// References spread evenly over the pages: every (settings/references)-th key in the order the
// store lists them (by key), so each page carries the same share. Keys interleave sections, so
// picking by creation index would pile them onto a few pages (the last one among them).
const keys = Array.from({ length: settings }, (_, i) => `Bench:Section${String(i % 50).padStart(2, '0')}:Key${String(i).padStart(5, '0')}`).sort();
const every = Math.floor(settings / references);
const data: EmulatorSetting[] = keys.map((key, i) => {
  if (i % every !== every - 1) return { key, value: `value-${i}` };
  const name = `ref-${i}`;
  kv.setSecret(name, `secret-${i}`);
  return keyVaultReference(key, kv.secretId(name));
});
ac.replaceAll(data);

// The machine floor: a server with no App Configuration logic that waits the same latency and
// answers every request with one page-sized body. Sequential round trips to it, with no SDK,
// show what loopback TLS and timers on this machine add to the theoretical floor.
const page = JSON.stringify({
  items: data.slice(0, 100).map((s) => ({ etag: 'e'.repeat(43), key: s.key, label: null, content_type: s.contentType ?? null, value: s.value, tags: {}, locked: false, last_modified: new Date(0).toISOString() })),
  etag: 'e'.repeat(43),
  '@nextLink': '/kv?key=*&label=%00&after=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
});
const floorServer = https.createServer({ cert: certs.certPem, key: certs.keyPem, keepAliveTimeout: 30_000 }, (req, res) => {
  req.resume();
  req.on('end', () =>
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(page);
    }, latencyMs),
  );
});
floorServer.listen(0, '127.0.0.1');
await once(floorServer, 'listening');
const floorUrl = `https://127.0.0.1:${(floorServer.address() as AddressInfo).port}`;

parentPort!.on('message', async (message: string) => {
  if (message === 'reset') {
    ac.resetStats();
    kv.resetCounters();
  }
  if (message === 'counters') parentPort!.postMessage({ counters: { ac: { ...ac.stats }, kv: { ...kv.counters } } });
  if (message === 'close') {
    floorServer.closeAllConnections();
    await Promise.all([ac.close(), kv.close(), new Promise((resolve) => floorServer.close(resolve))]);
    parentPort!.close();
  }
});
parentPort!.postMessage({ ready: { floorUrl, endpoint: ac.endpoint, connectionString: ac.connectionString, vaultUrl: kv.vaultUrl, caPem: certs.caPem } });
