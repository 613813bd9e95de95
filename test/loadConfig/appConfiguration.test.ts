import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, remoteLayers } from '../../src/loadConfig.js';
import { appConfigurationLayer, discoverAppConfiguration } from '../../src/discovery/appConfiguration.js';
import { ConfigurationError } from '../../src/core/errors.js';
import { appConfigurationRefreshers } from '../../src/providers/azureAppConfiguration.js';
import { startAppConfigurationEmulator, type AppConfigurationEmulator } from '../emulators/appConfiguration.js';

let emu: AppConfigurationEmulator;
let dir: string | undefined;
let hmacSecret: string;

beforeAll(async () => {
  emu = await startAppConfigurationEmulator();
  emu.replaceAll([
    { key: 'Winner', value: 'appconfig' },
    { key: 'FromStore', value: 'store-value' },
    { key: 'Json', value: '{"A":{"B":true}}', contentType: 'application/json' },
  ]);
  hmacSecret = /Secret=(.*)$/.exec(emu.connectionString)![1]!;
});
afterAll(async () => emu.close());
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function app(settings: object): string {
  dir = mkdtempSync(path.join(os.tmpdir(), 'lc-ac-'));
  writeFileSync(path.join(dir, 'appsettings.json'), JSON.stringify(settings));
  return dir;
}

const tree = (values: Record<string, string>) => ({
  get: (k: string) => values[k],
  origin: (k: string) => (k in values ? { provider: 'JsonConfigurationProvider', source: 'appsettings.json' } : undefined),
});

describe('discoverAppConfiguration', () => {
  it('takes an option first, then the Service Connector variables (endpoint before connection string), then AppConfiguration:Endpoint', () => {
    const env = {
      AZURE_APPCONFIGURATION_ENDPOINT: 'https://env.azconfig.io',
      AZURE_APPCONFIGURATION_CONNECTIONSTRING: 'Endpoint=https://cs.azconfig.io;Id=x;Secret=c2VjcmV0',
    };
    const fromTree = tree({ 'AppConfiguration:Endpoint': 'https://tree.azconfig.io' });
    expect(discoverAppConfiguration(fromTree, env, { endpoint: 'https://opt.azconfig.io' })).toEqual({ endpoint: 'https://opt.azconfig.io', source: 'options.appConfiguration.endpoint' });
    expect(discoverAppConfiguration(fromTree, env, { connectionString: 'Endpoint=https://o.azconfig.io;Id=a;Secret=b' })?.source).toBe('options.appConfiguration.connectionString');
    expect(discoverAppConfiguration(fromTree, env, {})).toEqual({ endpoint: 'https://env.azconfig.io', source: 'env AZURE_APPCONFIGURATION_ENDPOINT' });
    const cs = discoverAppConfiguration(fromTree, { AZURE_APPCONFIGURATION_CONNECTIONSTRING: env.AZURE_APPCONFIGURATION_CONNECTIONSTRING });
    expect(cs?.connectionString).toBe(env.AZURE_APPCONFIGURATION_CONNECTIONSTRING);
    expect(cs?.source).toBe('env AZURE_APPCONFIGURATION_CONNECTIONSTRING');
    expect(discoverAppConfiguration(fromTree, {})).toEqual({
      endpoint: 'https://tree.azconfig.io',
      source: 'AppConfiguration:Endpoint from JsonConfigurationProvider (appsettings.json)',
    });
    expect(discoverAppConfiguration(tree({}), { AZURE_APPCONFIGURATION_ENDPOINT: '  ' })).toBeUndefined();
    expect(discoverAppConfiguration(fromTree, env, false)).toBeUndefined();
  });

  it('names where a bad endpoint came from', async () => {
    const error = await appConfigurationLayer
      .create({ discovery: tree({}), env: { AZURE_APPCONFIGURATION_ENDPOINT: 'not a url' }, options: {}, credential: async () => emu.credential })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain('(from env AZURE_APPCONFIGURATION_ENDPOINT)');
  });
});

describe('loadConfig with Azure App Configuration', () => {
  it('is registered before Key Vault', () => {
    expect(remoteLayers.map((l) => l.name).slice(0, 2)).toEqual(['AzureAppConfiguration', 'AzureKeyVault']);
  });

  it('discovers AppConfiguration:Endpoint from appsettings.json and layers the store between the environment and the command line', async () => {
    const root = await loadConfig({
      cwd: app({ AppConfiguration: { Endpoint: emu.endpoint }, Winner: 'json' }),
      env: { Winner: 'env' },
      args: [],
      credential: emu.credential,
      appConfiguration: { clientOptions: emu.clientOptions },
    });
    try {
      expect(root.get('Winner')).toBe('appconfig');
      expect(root.get('FromStore')).toBe('store-value');
      expect(root.get('Json:A:B')).toBe('True');
      expect(JSON.stringify(root.explain('Winner'))).toContain("key 'Winner'");
    } finally {
      await root.dispose();
    }
    const withArgs = await loadConfig({
      cwd: app({ AppConfiguration: { Endpoint: emu.endpoint } }),
      env: {},
      args: ['--Winner=cli'],
      credential: emu.credential,
      appConfiguration: { clientOptions: emu.clientOptions },
    });
    expect(withArgs.get('Winner')).toBe('cli');
    await withArgs.dispose();
  });

  it('uses AZURE_APPCONFIGURATION_CONNECTIONSTRING with HMAC and never shows its secret', async () => {
    const root = await loadConfig({
      cwd: app({}),
      env: { AZURE_APPCONFIGURATION_CONNECTIONSTRING: emu.connectionString },
      args: [],
      appConfiguration: { clientOptions: emu.clientOptions },
    });
    try {
      expect(root.get('FromStore')).toBe('store-value');
      for (const text of [root.debugView(), inspect(root, { depth: 10 }), JSON.stringify(root), JSON.stringify(root.explain('FromStore'))]) {
        expect(text).not.toContain(hmacSecret);
      }
    } finally {
      await root.dispose();
    }
  });

  it('takes a replica list (connectionStrings / endpoints), fails over, and gives its push refresher', async () => {
    const store = await startAppConfigurationEmulator({ replicas: 1 });
    try {
      store.replaceAll([{ key: 'FromReplica', value: 'yes' }]);
      expect(discoverAppConfiguration(tree({}), {}, { endpoints: [store.endpoint, store.replicas[0]!.endpoint] })).toMatchObject({
        endpoint: store.endpoint,
        source: 'options.appConfiguration.endpoints',
      });
      await store.takeDown('refuse');
      const root = await loadConfig({
        cwd: app({}),
        env: {},
        args: [],
        appConfiguration: { connectionStrings: [store.connectionString, store.replicas[0]!.connectionString], clientOptions: store.clientOptions },
      });
      try {
        expect(root.get('FromReplica')).toBe('yes');
        expect(store.replicas[0]!.stats.list).toBe(1);
        expect(appConfigurationRefreshers(root).map((r) => r.store)).toEqual([new URL(store.endpoint).host]);
      } finally {
        await root.dispose();
      }
    } finally {
      await store.close();
    }
  });

  it('stays out of the stack when turned off or not configured', async () => {
    const before = emu.stats.total;
    const off = await loadConfig({ cwd: app({ AppConfiguration: { Endpoint: emu.endpoint } }), env: {}, args: [], appConfiguration: false });
    expect(off.get('FromStore')).toBeUndefined();
    await off.dispose();
    const none = await loadConfig({ cwd: app({ Other: 'x' }), env: {}, args: [] });
    expect(none.get('Other')).toBe('x');
    await none.dispose();
    expect(emu.stats.total).toBe(before);
  });
});
