import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SecretClient } from '@azure/keyvault-secrets';
import { startKeyVaultEmulator, type KeyVaultEmulator } from './keyVault.js';
import { setProcessEnv, startFakeIdentityEndpoint, type FakeIdentityEndpoint } from '../support/identity.js';
import { ManagedIdentityCredential } from '@azure/identity';

let kv: KeyVaultEmulator;
beforeAll(async () => {
  kv = await startKeyVaultEmulator({ name: 'emu-test' });
});
afterAll(async () => kv.close());
beforeEach(() => kv.resetCounters());

const newClient = (extra: object = {}) =>
  new SecretClient(kv.vaultUrl, kv.credential(), kv.clientOptions({ retryOptions: { maxRetries: 0 }, ...extra }));

describe('Key Vault emulator with the unmodified SecretClient', () => {
  it('lists every secret over several pages with absolute nextLinks and a null end', async () => {
    for (let i = 0; i < 60; i++) kv.setSecret(`Page-${i}`, `v${i}`);
    try {
      const client = newClient();
      const names: string[] = [];
      for await (const p of client.listPropertiesOfSecrets()) names.push(p.name);
      expect(names.filter((n) => n.startsWith('Page-'))).toHaveLength(60);
      expect(kv.counters.list).toBe(Math.ceil(kv.names().length / 25));
      const lists = kv.requests.filter((r) => r.kind === 'list' && r.authorized);
      expect(lists[0]?.query).toMatch(/api%2Dversion=|api-version=/);
      expect(lists.slice(1).every((r) => /\$skiptoken=/.test(r.query))).toBe(true);
      const pages = await client.listPropertiesOfSecrets().byPage({ maxPageSize: 7 }).next();
      expect(pages.value).toHaveLength(7);
      expect(kv.requests.at(-1)?.query).toMatch(/maxresults=7/);
    } finally {
      for (let i = 0; i < 60; i++) kv.deleteSecret(`Page-${i}`);
    }
  });

  it('gets latest and by version, names case-insensitive, ids echo host and port', async () => {
    const first = kv.setSecret('Db--Password', 'one');
    kv.setSecret('Db--Password', 'two', { contentType: 'text/plain' });
    const client = newClient();
    const latest = await client.getSecret('db--password');
    expect(latest.value).toBe('two');
    expect(latest.properties.name).toBe('Db--Password');
    expect(latest.properties.vaultUrl).toBe(kv.vaultUrl);
    expect(latest.properties.contentType).toBe('text/plain');
    const old = await client.getSecret('DB--PASSWORD', { version: first.version });
    expect(old.value).toBe('one');
    expect(old.properties.version).toBe(first.version);
    expect(kv.requests.some((r) => r.kind === 'get' && r.path.endsWith('/'))).toBe(true);
  });

  it('sends one 401 challenge per fresh client, then checks the bearer token', async () => {
    kv.setSecret('Challenge', 'x');
    const credential = kv.credential();
    const client = new SecretClient(kv.vaultUrl, credential, kv.clientOptions());
    await client.getSecret('Challenge');
    await client.getSecret('Challenge');
    expect(kv.counters.unauthorized).toBe(1);
    expect(credential.calls[0]).toEqual({ scopes: ['https://vault.azure.net/.default'], tenantId: kv.tenantId });
    const rejected = new SecretClient(kv.vaultUrl, { getToken: async () => ({ token: 'a.b.c', expiresOnTimestamp: Date.now() + 3600_000 }) }, kv.clientOptions({ retryOptions: { maxRetries: 0 } }));
    await expect(rejected.getSecret('Challenge')).rejects.toMatchObject({ statusCode: 401 });
  });

  it('answers 403 SecretDisabled for a disabled secret and 404 for a missing one', async () => {
    kv.setSecret('Off', 'hidden', { enabled: false });
    const client = newClient();
    const props: Record<string, boolean | undefined> = {};
    for await (const p of client.listPropertiesOfSecrets()) props[p.name] = p.enabled;
    expect(props.Off).toBe(false);
    await expect(client.getSecret('Off')).rejects.toMatchObject({ statusCode: 403, message: expect.stringContaining('disabled secret') });
    await expect(client.getSecret('Nope')).rejects.toMatchObject({ statusCode: 404, code: 'SecretNotFound' });
  });

  it('injects faults: bare 429, 503, dropped connections, and counts peak concurrency', async () => {
    kv.setSecret('F', 'x');
    const client = newClient();
    await client.getSecret('F');
    kv.fault({ status: 429 }, { on: 'get' });
    await expect(client.getSecret('F')).rejects.toMatchObject({ statusCode: 429 });
    kv.fault({ status: 503 }, { on: 'get' });
    await expect(client.getSecret('F')).rejects.toMatchObject({ statusCode: 503 });
    kv.fault({ drop: 'before' }, { on: 'get' });
    await expect(client.getSecret('F')).rejects.toThrow();
    // Long enough that all five are in flight together even when opening four more TLS
    // connections is slow (a loaded CI machine): 30 ms once let the first finish too early.
    kv.latencyMs = 400;
    try {
      await Promise.all(Array.from({ length: 5 }, () => client.getSecret('F')));
    } finally {
      kv.latencyMs = 0;
    }
    expect(kv.counters.peakConcurrentGets).toBe(5);
    expect(kv.counters.faults).toBe(3);
  });

  it('accepts tokens from the real ManagedIdentityCredential via the fake identity endpoint', async () => {
    const identity: FakeIdentityEndpoint = await startFakeIdentityEndpoint();
    const restoreEnv = setProcessEnv(identity.env());
    try {
      kv.setSecret('Mi', 'ok');
      const client = new SecretClient(kv.vaultUrl, new ManagedIdentityCredential(), kv.clientOptions());
      expect((await client.getSecret('Mi')).value).toBe('ok');
      expect(identity.requests).toEqual([{ resource: 'https://vault.azure.net' }]);
    } finally {
      restoreEnv();
      await identity.close();
    }
  });
});

describe('Key Vault emulator quota', () => {
  it('throttles past the quota with 429 Throttled and Retry-After seconds; throttled requests take no token', async () => {
    kv.setSecret('Q', 'x');
    const client = newClient();
    await client.getSecret('Q');
    kv.setQuota({ ratePerSecond: 0.5, burst: 2 });
    try {
      await client.getSecret('Q');
      await client.getSecret('Q');
      const error = (await client.getSecret('Q').catch((e: unknown) => e)) as { statusCode: number; code: string; message: string; response: { headers: { get(n: string): string | undefined } } };
      expect(error.statusCode).toBe(429);
      expect(error.code).toBe('Throttled');
      expect(error.message).toContain('VaultRequestTypeLimitReached');
      expect(error.response.headers.get('retry-after')).toBe('2');
      await expect(client.getSecret('Q')).rejects.toMatchObject({ statusCode: 429 });
      expect(kv.quota).toMatchObject({ accepted: 2, throttled: 2 });
      expect(kv.counters.throttled).toBe(2);
      kv.setQuota({ ratePerSecond: 0.5, burst: 1, retryAfter: 'none' });
      await client.getSecret('Q');
      const bare = (await client.getSecret('Q').catch((e: unknown) => e)) as { statusCode: number; response: { headers: { get(n: string): string | undefined } } };
      expect(bare.statusCode).toBe(429);
      expect(bare.response.headers.get('retry-after')).toBeUndefined();
    } finally {
      kv.setQuota(undefined);
    }
  });
});
