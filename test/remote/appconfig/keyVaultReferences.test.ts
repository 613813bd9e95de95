import { inspect } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { keyVaultReference, startAppConfigurationEmulator, type AppConfigurationEmulator } from '../../emulators/appConfiguration.js';
import { startKeyVaultEmulator, type KeyVaultEmulator } from '../../emulators/keyVault.js';
import { KeyVaultReferenceError, parseKeyVaultReference } from '../../../src/remote/appconfig/keyVaultReferences.js';
import { buildRoot, hmacOptions } from './helpers.js';
import type { AzureAppConfigurationOptions } from '../../../src/providers/azureAppConfiguration.js';

const DB_PASSWORD = 'S3cr3t-db-password-value';
const API_KEY = 'api-key-value-from-second-vault';
const OLD_VALUE = 'old-version-value';

let emu: AppConfigurationEmulator;
let kv1: KeyVaultEmulator;
let kv2: KeyVaultEmulator;
let oldVersion: string;
beforeAll(async () => {
  [emu, kv1, kv2] = await Promise.all([startAppConfigurationEmulator(), startKeyVaultEmulator({ name: 'refs-one' }), startKeyVaultEmulator({ name: 'refs-two' })]);
  oldVersion = kv1.setSecret('Db-Password', OLD_VALUE).version;
  kv1.setSecret('Db-Password', DB_PASSWORD);
  kv1.setSecret('Disabled-Secret', 'disabled-secret-value', { enabled: false });
  kv2.setSecret('Api-Key', API_KEY);
});
afterAll(async () => Promise.all([emu.close(), kv1.close(), kv2.close()]));
beforeEach(() => {
  emu.resetStats();
  kv1.resetCounters();
  kv2.resetCounters();
});

function options(extra: Partial<AzureAppConfigurationOptions> = {}): AzureAppConfigurationOptions {
  return hmacOptions(emu, { keyVault: { credential: kv1.credential(), clientOptions: kv1.clientOptions() }, ...extra });
}

function noSecretIn(text: string): void {
  for (const value of [DB_PASSWORD, API_KEY, OLD_VALUE, 'disabled-secret-value']) expect(text).not.toContain(value);
}

describe('Key Vault references', () => {
  it('resolves references (deduplicated, one client per vault, versions honoured) into secret values', async () => {
    emu.replaceAll([
      { key: 'App:Plain', value: 'plain' },
      keyVaultReference('Db:Password', kv1.secretId('Db-Password')),
      keyVaultReference('Db:PasswordAgain', kv1.secretId('Db-Password')),
      keyVaultReference('Db:OldPassword', kv1.secretId('Db-Password', oldVersion)),
      keyVaultReference('Api:Key', kv2.secretId('Api-Key')),
      // Parameters of the content type are ignored.
      { ...keyVaultReference('Api:KeyNoCharset', kv2.secretId('Api-Key')), contentType: 'application/vnd.microsoft.appconfig.keyvaultref+json' },
    ]);
    const { root } = await buildRoot(options());
    expect(root.get('Db:Password')).toBe(DB_PASSWORD);
    expect(root.get('Db:PasswordAgain')).toBe(DB_PASSWORD);
    expect(root.get('Db:OldPassword')).toBe(OLD_VALUE);
    expect(root.get('Api:Key')).toBe(API_KEY);
    expect(root.get('Api:KeyNoCharset')).toBe(API_KEY);
    const gets = (kv: KeyVaultEmulator, name: string) => kv.requests.filter((r) => r.kind === 'get' && r.authorized && r.name === name).length;
    expect(gets(kv1, 'Db-Password')).toBe(2); // latest once, the old version once
    expect(gets(kv2, 'Api-Key')).toBe(1);

    const explained = JSON.stringify(root.explain('Db:Password'));
    expect(explained).toContain("key 'Db:Password'");
    expect(explained).toContain(`${new URL(kv1.vaultUrl).origin}/secrets/Db-Password`);
    noSecretIn(explained);
    noSecretIn(root.debugView());
    noSecretIn(inspect(root, { depth: 10 }));
    noSecretIn(JSON.stringify(root));
    await root.dispose();
  });

  it('starts resolving while later pages are still listing, within maxConcurrency', async () => {
    const refs = Array.from({ length: 40 }, (_, i) => {
      kv1.setSecret(`Bulk-${i}`, `bulk-value-${i}`);
      return keyVaultReference(`Bulk:${String(i).padStart(2, '0')}`, kv1.secretId(`Bulk-${i}`));
    });
    emu.replaceAll(refs);
    // Ten pages at 25 ms leave the first references well over 100 ms to reach the vault
    // before the last page is asked for, even on a busy machine.
    emu.pageSize = 4;
    emu.latencyMs = 25;
    kv1.latencyMs = 5;
    const getsWhenListed: number[] = [];
    emu.onRequest = (r) => {
      if (r.route === 'list') getsWhenListed.push(kv1.counters.get);
    };
    try {
      const { root } = await buildRoot(options({ keyVault: { credential: kv1.credential(), clientOptions: kv1.clientOptions(), maxConcurrency: 4 } }));
      expect(root.get('Bulk:39')).toBe('bulk-value-39');
      expect(getsWhenListed).toHaveLength(10);
      expect(getsWhenListed.at(-1)).toBeGreaterThan(0);
      expect(kv1.counters.peakConcurrentGets).toBeLessThanOrEqual(4);
      await root.dispose();
    } finally {
      emu.onRequest = undefined;
      emu.pageSize = 100;
      emu.latencyMs = 0;
      kv1.latencyMs = 0;
    }
  });

  it('reports a reference that is not JSON with a uri, naming key, label and store but not the value', async () => {
    emu.replaceAll([{ ...keyVaultReference('Bad:Json', 'x', 'dev'), value: '{"url": "not-the-right-field"}' }]);
    const error = await buildRoot(options({ selectors: [{ keyFilter: '*', labelFilter: 'dev' }] })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyVaultReferenceError);
    const e = error as KeyVaultReferenceError;
    expect(e.problem).toBe('INVALID_REFERENCE');
    expect(e.settingKey).toBe('Bad:Json');
    expect(e.label).toBe('dev');
    expect(e.message).toContain("'Bad:Json' 'dev'");
    expect(e.message).toContain('127.0.0.1');
    expect(e.message).not.toContain('not-the-right-field');
  });

  it('reports a bad secret URI naming key and vault host', async () => {
    emu.replaceAll([keyVaultReference('Bad:Uri', 'https://refs-one.vault.azure.net/keys/Db-Password')]);
    const error = (await buildRoot(options()).catch((e: unknown) => e)) as KeyVaultReferenceError;
    expect(error).toBeInstanceOf(KeyVaultReferenceError);
    expect(error.problem).toBe('INVALID_SECRET_ID');
    expect(error.message).toMatch(/Invalid Key Vault secret identifier.*'Bad:Uri' \(no label\).*refs-one\.vault\.azure\.net/);
    expect(() => parseKeyVaultReference({ key: 'K', value: JSON.stringify({ uri: 'http://v.vault.azure.net/secrets/a' }) }, 's')).toThrow(KeyVaultReferenceError);
    expect(parseKeyVaultReference({ key: 'K', value: JSON.stringify({ uri: 'https://v.vault.azure.net/secrets/a/abc123' }) }, 's')).toMatchObject({
      vaultUrl: 'https://v.vault.azure.net',
      name: 'a',
      version: 'abc123',
    });
  });

  it('reads a certificate reference as the secret Key Vault keeps beside the certificate (KeyVaultReferenceTests UseCertificate)', async () => {
    const certValue = 'MIIC-certificate-and-key-as-pfx-base64';
    const version = kv1.setSecret('TestCertificate', certValue).version;
    const certificateId = (name: string, v?: string) => kv1.secretId(name, v).replace('/secrets/', '/certificates/');
    emu.replaceAll([keyVaultReference('Tls:Cert', certificateId('TestCertificate')), keyVaultReference('Tls:Pinned', certificateId('TestCertificate', version))]);
    const { root } = await buildRoot(options());
    expect(root.get('Tls:Cert')).toBe(certValue);
    expect(root.get('Tls:Pinned')).toBe(certValue);
    const reference = parseKeyVaultReference({ key: 'K', value: JSON.stringify({ uri: 'https://v.vault.azure.net/certificates/c/abc123' }) }, 's');
    expect(reference).toMatchObject({ vaultUrl: 'https://v.vault.azure.net', name: 'c', version: 'abc123', secretId: 'https://v.vault.azure.net/secrets/c/abc123' });
  });

  it('parses identifiers as the resolver does: one it would refuse is an invalid identifier, not a failed resolution', async () => {
    for (const uri of [kv1.secretId('Db-Password', 'not-a-version'), 'https://refs-one.vault.azure.net/secrets//Db-Password']) {
      emu.replaceAll([keyVaultReference('Odd:Uri', uri)]);
      const error = (await buildRoot(options()).catch((e: unknown) => e)) as KeyVaultReferenceError;
      expect(error).toBeInstanceOf(KeyVaultReferenceError);
      expect(error.problem).toBe('INVALID_SECRET_ID');
      expect(error.settingKey).toBe('Odd:Uri');
    }
  });

  it('reports a missing secret with status 404, the key, label and vault', async () => {
    emu.replaceAll([keyVaultReference('Missing:Ref', kv1.secretId('Does-Not-Exist'), 'prod')]);
    const error = (await buildRoot(options({ selectors: [{ keyFilter: '*', labelFilter: 'prod' }] })).catch((e: unknown) => e)) as KeyVaultReferenceError;
    expect(error).toBeInstanceOf(KeyVaultReferenceError);
    expect(error.problem).toBe('RESOLUTION_FAILED');
    expect(error.statusCode).toBe(404);
    expect(error.vaultUrl).toBe(new URL(kv1.vaultUrl).origin);
    expect(error.secretName).toBe('Does-Not-Exist');
    expect(error.message).toContain("'Missing:Ref' 'prod'");
    expect(error.message).toContain("secret 'Does-Not-Exist'");
  });

  it('reports a disabled secret with status 403 and never its value', async () => {
    emu.replaceAll([keyVaultReference('Disabled:Ref', kv1.secretId('Disabled-Secret')), keyVaultReference('Db:Password', kv1.secretId('Db-Password'))]);
    const error = (await buildRoot(options()).catch((e: unknown) => e)) as KeyVaultReferenceError;
    expect(error).toBeInstanceOf(KeyVaultReferenceError);
    expect(error.statusCode).toBe(403);
    expect((error.cause as { code?: string }).code).toBe('KEY_VAULT_SECRET_DISABLED');
    expect(error.message).toContain("'Disabled:Ref'");
    noSecretIn(error.message);
    noSecretIn(inspect(error, { depth: 10 }));
    noSecretIn(JSON.stringify(error));
  });

  it('keeps a custom resolver\'s foreign error only as a sanitized copy (no request headers, no response body)', async () => {
    emu.replaceAll([keyVaultReference('Custom:Ref', kv1.secretId('Db-Password'))]);
    const foreign = Object.assign(new Error('Forbidden by policy'), {
      name: 'RestError',
      statusCode: 403,
      code: 'Forbidden',
      request: { headers: { authorization: 'Bearer leaked-bearer-token' } },
      response: { status: 403, bodyAsText: `{"value":"${DB_PASSWORD}"}`, headers: {} },
    });
    const resolver = { resolve: () => Promise.reject(foreign) };
    const error = (await buildRoot(options({ keyVault: { resolver } })).catch((e: unknown) => e)) as KeyVaultReferenceError;
    expect(error).toBeInstanceOf(KeyVaultReferenceError);
    expect(error.problem).toBe('RESOLUTION_FAILED');
    expect(error.statusCode).toBe(403);
    expect(error.message).toContain('Forbidden by policy');
    expect(error.cause).not.toBe(foreign);
    expect(error.cause).toMatchObject({ name: 'RestError', statusCode: 403, code: 'Forbidden' });
    for (const text of [error.message, inspect(error, { depth: 10 }), JSON.stringify(error), JSON.stringify(error.cause)]) {
      expect(text).not.toContain('leaked-bearer-token');
      noSecretIn(text);
    }
  });

  it('holds startupTimeoutMs for a Key Vault reference whose vault does not answer', async () => {
    emu.replaceAll([keyVaultReference('Slow:Ref', kv1.secretId('Db-Password'))]);
    kv1.fault({ delayMs: 4_000 }, { on: 'get', times: Infinity });
    try {
      const started = Date.now();
      const error = (await buildRoot(options({ startupTimeoutMs: 500 })).catch((e: unknown) => e)) as { code?: string; message: string };
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(error.code).toBe('APP_CONFIGURATION_TIMEOUT');
      expect(error.message).toContain('did not load within 500 ms');
      noSecretIn(inspect(error, { depth: 10 }));
    } finally {
      kv1.clearFaults();
    }
  });

  it('does not park a refresh behind a vault asking to retry after an hour: the refresh fails at once and keeps the data', async () => {
    emu.replaceAll([{ key: 'App:Plain', value: 'before' }, keyVaultReference('Db:Password', kv1.secretId('Db-Password'))]);
    const { root } = await buildRoot(options());
    const errors: unknown[] = [];
    root.onError((e) => errors.push(e));
    emu.set({ key: 'App:Plain', value: 'after' });
    kv1.fault({ status: 429, retryAfterSeconds: 3_600 }, { on: 'get', times: Infinity });
    try {
      const started = Date.now();
      const error = (await root.reload().catch((e: unknown) => e)) as KeyVaultReferenceError;
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(error).toBeInstanceOf(KeyVaultReferenceError);
      expect(error.statusCode).toBe(429);
      expect((error.cause as { code?: string }).code).toBe('KEY_VAULT_THROTTLED');
      expect(error.message).toContain("'Db:Password'");
      expect(errors).toEqual([error]);
      // All or nothing: the refresh that failed changed nothing.
      expect(root.get('App:Plain')).toBe('before');
      expect(root.get('Db:Password')).toBe(DB_PASSWORD);
    } finally {
      kv1.clearFaults();
    }
    await root.reload();
    expect(root.get('App:Plain')).toBe('after');
    expect(root.get('Db:Password')).toBe(DB_PASSWORD);
    await root.dispose();
  });

  it('says so when no credential can reach Key Vault', async () => {
    emu.replaceAll([keyVaultReference('Needs:Vault', kv1.secretId('Db-Password'))]);
    const error = (await buildRoot(hmacOptions(emu)).catch((e: unknown) => e)) as KeyVaultReferenceError;
    expect(error.problem).toBe('NO_CREDENTIAL');
    expect(error.message).toContain("'Needs:Vault'");
  });
});
