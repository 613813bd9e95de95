import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManagedIdentityCredential } from '@azure/identity';
import { loadConfig, remoteLayers } from '../../src/loadConfig.js';
import { discoverKeyVault, keyVaultLayer } from '../../src/discovery/keyVault.js';
import { startKeyVaultEmulator, type KeyVaultEmulator } from '../emulators/keyVault.js';
import { startAppConfigurationEmulator } from '../emulators/appConfiguration.js';
import { startFakeIdentityEndpoint, type FakeIdentityEndpoint } from '../support/identity.js';

let kv: KeyVaultEmulator;
let identity: FakeIdentityEndpoint;
let dir: string;
const savedEnv: Record<string, string | undefined> = {};
const SECRET_VALUES = ['kv-db-password-1', 'kv-api-key-2'];
// Until the lead registers the layer in loadConfig, the test does; afterwards this is a no-op.
const registered = !remoteLayers.some((l) => l.name === keyVaultLayer.name);

function setEnv(name: string, value: string | undefined): void {
  if (!(name in savedEnv)) savedEnv[name] = process.env[name];
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

beforeAll(async () => {
  if (registered) remoteLayers.push(keyVaultLayer);
  kv = await startKeyVaultEmulator({ name: 'lcvault' });
  kv.setSecret('Db--Password', SECRET_VALUES[0]!);
  kv.setSecret('Api--Key', SECRET_VALUES[1]!);
  kv.setSecret('Winner', 'vault');
  identity = await startFakeIdentityEndpoint();
  // msal-node reads the managed-identity variables from process.env, not from loadConfig's env.
  for (const [k, v] of Object.entries(identity.env())) setEnv(k, v);
  for (const k of ['AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_TENANT_ID', 'AZURE_FEDERATED_TOKEN_FILE', 'AZURE_TOKEN_CREDENTIALS', 'AZURE_USERNAME']) setEnv(k, undefined);
});
afterAll(async () => {
  if (registered) remoteLayers.splice(remoteLayers.indexOf(keyVaultLayer), 1);
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await identity.close();
  await kv.close();
});
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function app(settings: object): string {
  dir = mkdtempSync(path.join(os.tmpdir(), 'lc-kv-'));
  writeFileSync(path.join(dir, 'appsettings.json'), JSON.stringify(settings));
  return dir;
}

function expectNoSecrets(...texts: string[]): void {
  for (const t of texts) for (const v of SECRET_VALUES) expect(t).not.toContain(v);
}

describe('loadConfig with Azure Key Vault', () => {
  // First: msal-node shares managed-identity tokens across credential instances in a process, so
  // only the first token request for the vault reaches the endpoint.
  it('discovers KeyVault:VaultUri from appsettings.json and uses DefaultAzureCredential (managed identity)', async () => {
    const before = identity.requests.length;
    const config = await loadConfig({
      cwd: app({ KeyVault: { VaultUri: `${kv.vaultUrl}/` }, Winner: 'json' }),
      env: {},
      args: ['--Winner=cli'],
      keyVault: { clientOptions: kv.clientOptions() },
    });
    try {
      expect(config.get('Api:Key')).toBe(SECRET_VALUES[1]);
      expect(config.get('Winner')).toBe('cli');
      expect(identity.requests.length).toBeGreaterThan(before);
      expect(identity.requests.at(-1)?.resource).toBe('https://vault.azure.net');
      expect(config.isSecret('Winner')).toBe(false);
      expectNoSecrets(config.debugView(), JSON.stringify(config.explain('Api:Key')));
    } finally {
      await config.dispose();
    }
  });

  it('discovers the vault from the Service Connector variable, with a real ManagedIdentityCredential', async () => {
    const before = identity.requests.length;
    const config = await loadConfig({
      cwd: app({ Winner: 'json' }),
      env: { AZURE_KEYVAULT_RESOURCEENDPOINT: kv.vaultUrl, Winner: 'env' },
      args: [],
      credential: new ManagedIdentityCredential(),
      keyVault: { clientOptions: kv.clientOptions() },
    });
    try {
      expect(config.get('Db:Password')).toBe(SECRET_VALUES[0]);
      // Key Vault comes after the environment variables.
      expect(config.get('Winner')).toBe('vault');
      expect(config.origin('Db:Password')?.source).toContain('Db--Password');
      // The token is reused from the first test (msal-node's shared cache) or fetched now.
      expect(identity.requests.slice(before).every((r) => r.resource === 'https://vault.azure.net')).toBe(true);
      expect(identity.issued.length).toBeGreaterThan(0);
      expectNoSecrets(config.debugView(), JSON.stringify(config.explain('Db:Password')), inspect(config, { depth: 6 }));
    } finally {
      await config.dispose();
    }
  });

  it('adds no vault when none is configured, and keyVault: false turns a configured one off', async () => {
    const requests = kv.counters.total;
    const plain = await loadConfig({ cwd: app({ Winner: 'json' }), env: {}, args: [] });
    expect(plain.get('Db:Password')).toBeUndefined();
    await plain.dispose();
    const off = await loadConfig({ cwd: app({ Winner: 'json' }), env: { AZURE_KEYVAULT_RESOURCEENDPOINT: kv.vaultUrl }, args: [], keyVault: false });
    expect(off.get('Db:Password')).toBeUndefined();
    await off.dispose();
    expect(kv.counters.total).toBe(requests);
  });

  it('finds the vault from KeyVault:VaultUri held in App Configuration, a layer above it (SPEC §7)', async () => {
    const store = await startAppConfigurationEmulator();
    try {
      store.replaceAll([
        { key: 'KeyVault:VaultUri', value: `${kv.vaultUrl}/` },
        { key: 'Winner', value: 'appconfig' },
      ]);
      const config = await loadConfig({
        cwd: app({ Winner: 'json' }),
        env: {},
        args: [],
        credential: kv.credential(),
        appConfiguration: { connectionString: store.connectionString, clientOptions: store.clientOptions },
        keyVault: { clientOptions: kv.clientOptions() },
      });
      try {
        expect(config.get('Db:Password')).toBe(SECRET_VALUES[0]);
        // the vault still comes after App Configuration
        expect(config.get('Winner')).toBe('vault');
        expect(config.providers.map((p) => p.name).filter((n) => /Azure/.test(n))).toEqual([
          expect.stringMatching(/^AzureAppConfigurationProvider/),
          expect.stringMatching(/^AzureKeyVault/),
        ]);
        expectNoSecrets(config.debugView());
      } finally {
        await config.dispose();
      }
    } finally {
      await store.close();
    }
  });

  it('names where a bad vault URL came from', async () => {
    const error = await loadConfig({ cwd: app({ KeyVault: { VaultUri: 'not a url' } }), env: {}, args: [] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'KEY_VAULT_OPTIONS' });
    expect((error as Error).message).toMatch(/KeyVault:VaultUri.*appsettings\.json/);
  });
});

describe('discoverKeyVault', () => {
  const tree = (values: Record<string, string>) => ({ get: (k: string) => values[k] });
  it('prefers the option, then the Service Connector variable, then KeyVault:VaultUri', () => {
    const t = tree({ 'KeyVault:VaultUri': 'https://fromtree.vault.azure.net/' });
    const env = { AZURE_KEYVAULT_RESOURCEENDPOINT: 'https://fromenv.vault.azure.net/' };
    expect(discoverKeyVault(t, env, { vaultUrl: 'https://explicit.vault.azure.net' })).toEqual({ vaultUrl: 'https://explicit.vault.azure.net', source: 'options.keyVault.vaultUrl' });
    expect(discoverKeyVault(t, env, {})).toEqual({ vaultUrl: 'https://fromenv.vault.azure.net/', source: 'env AZURE_KEYVAULT_RESOURCEENDPOINT' });
    expect(discoverKeyVault(t, {}, undefined)?.vaultUrl).toBe('https://fromtree.vault.azure.net/');
    expect(discoverKeyVault(tree({}), { AZURE_KEYVAULT_RESOURCEENDPOINT: '  ' }, undefined)).toBeUndefined();
    expect(discoverKeyVault(t, env, false)).toBeUndefined();
  });
});
