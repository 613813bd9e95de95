/**
 * A small fleet: ten instances, each with its own clients and connection pool, start at the same
 * moment against a vault and a store whose quotas are far below what ten unthrottled instances
 * would send. Every instance must start, and the services' counters must show every throttled
 * request retried once more and nothing fetched twice.
 */
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationBuilder } from '../../src/builder.js';
import { AzureKeyVaultProvider } from '../../src/providers/azureKeyVault.js';
import { AzureAppConfigurationProvider } from '../../src/providers/azureAppConfiguration.js';
import { keyVaultReference, startAppConfigurationEmulator, type AppConfigurationEmulator } from '../emulators/appConfiguration.js';
import { loopbackLookup, startKeyVaultEmulator, vaultAgent, type KeyVaultEmulator } from '../emulators/keyVault.js';
import { testCertificates } from '../support/tls.js';

const INSTANCES = 10;
const SECRETS = 5;
const REFERENCES = 3;
let kv: KeyVaultEmulator;
let ac: AppConfigurationEmulator;
let caPem: string;

beforeAll(async () => {
  const certs = await testCertificates();
  caPem = certs.caPem;
  [kv, ac] = await Promise.all([startKeyVaultEmulator({ name: 'fleet', certs }), startAppConfigurationEmulator({ pageSize: 10 })]);
  for (let i = 0; i < SECRETS; i++) kv.setSecret(`Db--Secret${i}`, `secret-${i}`);
  ac.replaceAll([
    ...Array.from({ length: 27 }, (_, i) => ({ key: `App:Key${String(i).padStart(2, '0')}`, value: `v${i}` })),
    ...Array.from({ length: REFERENCES }, (_, i) => keyVaultReference(`App:Ref${i}`, kv.secretId(`Db--Secret${i}`))),
  ]);
});
afterAll(async () => Promise.all([kv.close(), ac.close()]));

describe('a fleet of ten starting together under tight quotas', () => {
  it('starts every instance, with every throttled request retried and none duplicated', async () => {
    kv.resetCounters();
    ac.resetAll();
    // Ten instances need 10 × (1 list + 5 + 3 gets) = 90 vault and 10 × 3 = 30 store requests.
    kv.setQuota({ ratePerSecond: 40, burst: 10 });
    ac.setQuota({ ratePerSecond: 20, burst: 5 });
    const agents: https.Agent[] = [];
    const instances = Array.from({ length: INSTANCES }, async () => {
      const kvAgent = vaultAgent(caPem);
      const acAgent = new https.Agent({ ca: caPem, keepAlive: true, lookup: loopbackLookup });
      agents.push(kvAgent, acAgent);
      const credential = kv.credential();
      return new ConfigurationBuilder()
        .add(new AzureAppConfigurationProvider({ connectionString: ac.connectionString, clientOptions: { agent: acAgent }, keyVault: { credential, clientOptions: { agent: kvAgent } } }))
        .add(new AzureKeyVaultProvider({ vaultUrl: kv.vaultUrl, credential, clientOptions: { agent: kvAgent } }))
        .build();
    });
    const results = await Promise.allSettled(instances);
    try {
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      for (const r of results) {
        const root = (r as PromiseFulfilledResult<Awaited<(typeof instances)[number]>>).value;
        expect(root.get('App:Key26')).toBe('v26');
        expect(root.get('App:Ref2')).toBe('secret-2');
        expect(root.get('Db:Secret4')).toBe('secret-4');
      }
      // The quotas were really in the way…
      expect(kv.quota!.throttled + ac.quota!.throttled).toBeGreaterThan(0);
      // …and yet each instance fetched each secret once per reader and listed each page once.
      const gets = kv.requests.filter((r) => r.kind === 'get' && r.status === 200);
      expect(gets).toHaveLength(INSTANCES * (SECRETS + REFERENCES));
      expect(ac.requests.filter((r) => r.route === 'list' && r.status === 200)).toHaveLength(INSTANCES * 3);
      // Nothing but accepted and throttled requests reached the services (401 challenges aside).
      expect(kv.requests.filter((r) => r.authorized)).toHaveLength(kv.quota!.accepted + kv.quota!.throttled);
      expect(ac.stats.total).toBe(ac.quota!.accepted + ac.quota!.throttled);
    } finally {
      await Promise.all(results.map((r) => (r.status === 'fulfilled' ? r.value.dispose() : undefined)));
      for (const a of agents) a.destroy();
    }
  });
});
