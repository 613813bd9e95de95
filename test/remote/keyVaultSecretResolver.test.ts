import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { KeyVaultSecretResolver, parseKeyVaultSecretId } from '../../src/remote/keyvault/secretResolver.js';
import { KeyVaultError } from '../../src/remote/keyvault/errors.js';
import { startKeyVaultEmulator, type KeyVaultEmulator } from '../emulators/keyVault.js';
import { setProcessEnv, startFakeIdentityEndpoint } from '../support/identity.js';

let kv: KeyVaultEmulator;
let kv2: KeyVaultEmulator;
beforeAll(async () => {
  kv = await startKeyVaultEmulator({ name: 'refs-one', latencyMs: 10 });
  kv2 = await startKeyVaultEmulator({ name: 'refs-two' });
});
afterAll(async () => {
  await kv.close();
  await kv2.close();
});
beforeEach(() => {
  kv.resetCounters();
  kv2.resetCounters();
  kv.clearFaults();
});

const resolver = (maxConcurrency?: number) =>
  new KeyVaultSecretResolver({
    credential: kv.credential(),
    clientOptions: kv.clientOptions(),
    retry: { baseDelayMs: 10, maxDelayMs: 50 },
    ...(maxConcurrency ? { maxConcurrency } : {}),
  });

describe('parseKeyVaultSecretId', () => {
  it('accepts latest and versioned identifiers', () => {
    expect(parseKeyVaultSecretId('https://my.vault.azure.net/secrets/Db--Password')).toEqual({ vaultUrl: 'https://my.vault.azure.net', name: 'Db--Password' });
    expect(parseKeyVaultSecretId('https://my.vault.azure.net:8443/secrets/a/0123abcd/')).toEqual({ vaultUrl: 'https://my.vault.azure.net:8443', name: 'a', version: '0123abcd' });
  });
  it.each([
    ['not a url', /not an absolute URL/],
    ['http://my.vault.azure.net/secrets/a', /https/],
    ['https://my.vault.azure.net/keys/a', /secrets/],
    ['https://my.vault.azure.net/secrets/', /secrets/],
    ['https://my.vault.azure.net/secrets/a/b/c', /secrets/],
    // the rule a SecretUri= reference follows too (parsers/keyVaultSecretId.ts): letters and digits, up to 64
    ['https://my.vault.azure.net/secrets/a/v-1', /version/],
    [`https://my.vault.azure.net/secrets/a/${'0'.repeat(65)}`, /version/],
    ['https://my.vault.azure.net/secrets/bad_name', /name/],
    ['https://my.vault.azure.net/secrets/a?x=1', /query/],
    // A malformed %-escape: a typed error, not decodeURIComponent's URIError.
    ['https://my.vault.azure.net/secrets/a%E0%A4%A', /malformed %-escape/],
    ['https://my.vault.azure.net/secrets/a/%ZZ', /malformed %-escape/],
  ])('rejects %s', (id, why) => {
    expect(() => parseKeyVaultSecretId(id)).toThrowError(why);
    expect(() => parseKeyVaultSecretId(id)).toThrowError(expect.objectContaining({ code: 'KEY_VAULT_SECRET_ID' }));
  });
  it('never echoes user info or a query string (they may carry credentials) in the error', () => {
    for (const id of [
      'https://user:hunter2-pass@my.vault.azure.net/secrets/a',
      'https://my.vault.azure.net/secrets/a?sig=sas-token-value',
      // No scheme: parses as scheme `user:` with the password in its path.
      'user:hunter2-pass@my.vault.azure.net/secrets/a',
      'ftp://user:hunter2-pass@my.vault.azure.net/secrets/a',
    ]) {
      const error = (() => {
        try {
          parseKeyVaultSecretId(id);
        } catch (e) {
          return e as Error & { source?: string };
        }
        throw new Error('expected a failure');
      })();
      const shown = `${error.message} ${error.source} ${inspect(error, { depth: 5 })} ${JSON.stringify(error)}`;
      expect(shown).toContain('my.vault.azure.net/secrets/a');
      expect(shown).not.toContain('hunter2-pass');
      expect(shown).not.toContain('sas-token-value');
    }
  });
});

describe('KeyVaultSecretResolver', () => {
  it('resolves latest and versioned secrets across vaults, one challenge per vault, deduplicated', async () => {
    const v1 = kv.setSecret('Ref--One', 'ref-one-v1');
    kv.setSecret('Ref--One', 'ref-one-v2');
    kv2.setSecret('Other', 'other-vault');
    for (let i = 0; i < 20; i++) kv.setSecret(`Many${i}`, `many-${i}`);
    const r = resolver();
    const [latest, pinned, other, ...many] = await Promise.all([
      r.resolve(kv.secretId('ref--one')),
      r.resolve(kv.secretId('Ref--One', v1.version)),
      r.resolve(kv2.secretId('Other')),
      ...Array.from({ length: 20 }, (_, i) => r.resolve(kv.secretId(`Many${i}`))),
      r.resolve(kv.secretId('REF--ONE')),
    ]);
    expect(latest).toMatchObject({ value: 'ref-one-v2', vaultUrl: kv.vaultUrl, name: 'Ref--One' });
    expect(pinned).toEqual({ value: 'ref-one-v1', vaultUrl: kv.vaultUrl, name: 'Ref--One', version: v1.version });
    expect(other?.value).toBe('other-vault');
    expect(many.at(-1)?.value).toBe('ref-one-v2');
    expect(kv.counters.unauthorized).toBe(1);
    expect(kv2.counters.unauthorized).toBe(1);
    expect(kv.counters.get).toBe(22); // REF--ONE shared the ref--one fetch
    await r.resolve(kv.secretId('Ref--One'));
    expect(kv.counters.get).toBe(22);
    r.clear();
    await r.resolve(kv.secretId('Ref--One'));
    expect(kv.counters.get).toBe(23);
    expect(inspect(r)).not.toContain('ref-one');
    expect(JSON.stringify(r)).not.toContain('ref-one');
    await r.dispose();
  });

  it('bounds concurrency and retries a bare 429 and a 503', async () => {
    for (let i = 0; i < 30; i++) kv.setSecret(`Bound${i}`, `bound-${i}`);
    const r = resolver(4);
    await r.resolve(kv.secretId('Bound0'));
    kv.fault({ status: 429 }, { on: 'get', times: 2 });
    kv.fault({ status: 503 }, { on: 'get' });
    const values = await Promise.all(Array.from({ length: 30 }, (_, i) => r.resolve(kv.secretId(`Bound${i}`))));
    expect(values.map((v) => v.value)).toEqual(Array.from({ length: 30 }, (_, i) => `bound-${i}`));
    expect(kv.counters.peakConcurrentGets).toBeLessThanOrEqual(4);
    expect(kv.counters.faults).toBe(3);
    await r.dispose();
  });

  it('dispose() stops a fetch waiting out a long Retry-After', async () => {
    kv.setSecret('Throttled', 'throttled-value');
    const r = resolver();
    kv.fault({ status: 429, retryAfterSeconds: 60 }, { on: 'get', times: Infinity });
    const pending = r.resolve(kv.secretId('Throttled')).catch((e: unknown) => e);
    const deadline = Date.now() + 5_000;
    while (kv.counters.faults === 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
    expect(kv.counters.faults).toBe(1);
    const started = Date.now();
    await r.dispose();
    const error = await pending;
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(error).toBeInstanceOf(KeyVaultError);
    expect(String(error)).not.toContain('throttled-value');
  });

  it('tries to create the default credential again after it failed once', async () => {
    kv.setSecret('Default--Credential', 'default-credential-value');
    const identity = await startFakeIdentityEndpoint();
    // DefaultAzureCredential's constructor throws on an unknown AZURE_TOKEN_CREDENTIALS; the
    // Environment credential must not find a client secret on this machine.
    const restoreEnv = setProcessEnv({
      ...identity.env(),
      AZURE_TOKEN_CREDENTIALS: 'NoSuchCredential',
      AZURE_CLIENT_ID: undefined,
      AZURE_CLIENT_SECRET: undefined,
      AZURE_TENANT_ID: undefined,
    });
    const r = new KeyVaultSecretResolver({ clientOptions: kv.clientOptions(), retry: { baseDelayMs: 10, maxDelayMs: 50 } });
    try {
      const first = await r.resolve(kv.secretId('Default--Credential')).catch((e: unknown) => e);
      expect(first).toBeInstanceOf(KeyVaultError);
      expect((first as Error).message).toContain('AZURE_TOKEN_CREDENTIALS');
      // A credential that cannot be built is a credential error, not a network one.
      expect(first).toMatchObject({ code: 'KEY_VAULT_CREDENTIAL', vaultUrl: kv.vaultUrl });
      expect((first as Error).message).toMatch(/failed with a credential error: could not create DefaultAzureCredential: /);
      expect(kv.counters.get).toBe(0);
      // The cause is gone: the next resolve builds the credential again instead of replaying the failure.
      process.env.AZURE_TOKEN_CREDENTIALS = 'ManagedIdentityCredential';
      const second = await r.resolve(kv.secretId('Default--Credential'));
      expect(second.value).toBe('default-credential-value');
      expect(identity.requests.at(-1)?.resource).toBe('https://vault.azure.net');
    } finally {
      await r.dispose();
      restoreEnv();
      await identity.close();
    }
  });

  it('fails with typed errors naming the vault and secret: 404, 403 disabled, bad identifier', async () => {
    kv.setSecret('Disabled', 'disabled-value', { enabled: false });
    const r = resolver();
    const missing = await r.resolve(kv.secretId('Missing')).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(KeyVaultError);
    expect(missing).toMatchObject({ code: 'KEY_VAULT_SECRET_NOT_FOUND', statusCode: 404, vaultUrl: kv.vaultUrl, secretName: 'Missing' });
    expect((missing as Error).message).toContain(kv.vaultUrl);
    const disabled = await r.resolve(kv.secretId('Disabled')).catch((e: unknown) => e);
    expect(disabled).toMatchObject({ code: 'KEY_VAULT_SECRET_DISABLED', statusCode: 403, secretName: 'Disabled' });
    expect((disabled as Error).message).toMatch(/403.*disabled/);
    expect(inspect(disabled, { depth: 8 })).not.toContain('disabled-value');
    await expect(r.resolve('https://x.vault.azure.net/certificates/a')).rejects.toMatchObject({ code: 'KEY_VAULT_SECRET_ID' });
    // Failures are not cached.
    kv.setSecret('Missing', 'now-present');
    expect((await r.resolve(kv.secretId('Missing'))).value).toBe('now-present');
    await r.dispose();
  });
});
