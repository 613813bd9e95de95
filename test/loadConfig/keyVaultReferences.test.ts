import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig, type LoadConfigOptions } from '../../src/loadConfig.js';
import { ConfigurationBuilder } from '../../src/builder.js';
import type { ConfigurationRoot } from '../../src/core/root.js';
import {
  KEY_VAULT_REFERENCE_REFRESH_MS,
  KeyVaultReferenceResolutionError,
  KeyVaultReferences,
} from '../../src/remote/keyvault/references.js';
import { InvalidKeyVaultReferenceError } from '../../src/parsers/keyVaultReference.js';
import { AzureAppConfigurationProvider } from '../../src/providers/azureAppConfiguration.js';
import { startKeyVaultEmulator, type KeyVaultEmulator } from '../emulators/keyVault.js';
import { startAppConfigurationEmulator } from '../emulators/appConfiguration.js';
import { RECORD_RESOLVED_PACKAGES } from '../support/resolvedPackages.js';

let kv: KeyVaultEmulator;
const dirs: string[] = [];
const SECRETS = { db: 'db-password-from-vault-1', api: 'api-key-from-vault-2', cli: 'cli-secret-from-vault-3', pinned: 'pinned-value-4', file: 'file-secret-5', user: 'user-secret-6' };
let pinnedVersion: string;

beforeAll(async () => {
  kv = await startKeyVaultEmulator({ name: 'refvault' });
  kv.setSecret('Db-Password', SECRETS.db);
  kv.setSecret('Api-Key', SECRETS.api);
  kv.setSecret('Cli-Secret', SECRETS.cli);
  pinnedVersion = kv.setSecret('Pinned', SECRETS.pinned).version;
  kv.setSecret('Pinned', 'a-later-version');
  kv.setSecret('File-Secret', SECRETS.file);
  kv.setSecret('User-Secret', SECRETS.user);
});
afterAll(async () => {
  await kv.close();
});
afterEach(() => {
  vi.useRealTimers();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const byUri = (name: string, version?: string) => `@Microsoft.KeyVault(SecretUri=${kv.secretId(name, version)})`;
const byName = (name: string, extra = '') => `@Microsoft.KeyVault(VaultName=${kv.name};SecretName=${name}${extra})`;

function app(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lc-kvref-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

function options(extra: LoadConfigOptions = {}): LoadConfigOptions {
  const { keyVaultReferences, ...rest } = extra;
  return {
    env: {},
    args: [],
    reloadOnChange: false,
    credential: kv.credential(),
    ...rest,
    keyVaultReferences:
      keyVaultReferences === false
        ? false
        : {
            clientOptions: kv.clientOptions(),
            vaultUrlFromName: (name) => `https://${name}.vault.azure.net:${kv.port}`,
            ...(typeof keyVaultReferences === 'object' ? keyVaultReferences : {}),
          },
  };
}

const gets = (name: string) => kv.requests.filter((r) => r.kind === 'get' && r.authorized && r.name?.toLowerCase() === name.toLowerCase()).length;

function expectNoSecretIn(...texts: string[]): void {
  for (const text of texts) for (const value of Object.values(SECRETS)) expect(text).not.toContain(value);
}

describe('Key Vault references in every local layer', () => {
  it('resolves both forms in JSON, user secrets, .env, environment, key-per-file and the command line at once', async () => {
    const cwd = app({
      'appsettings.json': JSON.stringify({ Db: { Password: byUri('Db-Password') }, Plain: 'json' }),
      '.env': `Api__Key=${byName('Api-Key')}\n`,
      'mount/File__Secret': byUri('File-Secret') + '\n',
      'home/.microsoft/usersecrets/refs-app/secrets.json': JSON.stringify({ User: { Secret: byName('User-Secret') } }),
    });
    const config = await loadConfig(
      options({
        cwd,
        environment: 'Development',
        userSecretsId: 'refs-app',
        env: { HOME: path.join(cwd, 'home'), Pinned__Value: byUri('Pinned', pinnedVersion) },
        args: [`--Cli:Secret=${byName('Cli-Secret', ';SecretVersion=')}`],
        keyPerFile: path.join(cwd, 'mount'),
      }),
    );
    try {
      expect(config.get('Db:Password')).toBe(SECRETS.db);
      expect(config.get('Api:Key')).toBe(SECRETS.api);
      expect(config.get('Pinned:Value')).toBe(SECRETS.pinned);
      expect(config.get('File:Secret')).toBe(SECRETS.file);
      expect(config.get('User:Secret')).toBe(SECRETS.user);
      expect(config.get('Cli:Secret')).toBe(SECRETS.cli);
      expect(config.get('Plain')).toBe('json');
      // A resolved reference is secret, whatever its key is called.
      expect(config.isSecret('Pinned:Value')).toBe(true);
      expect(config.isSecret('Plain')).toBe(false);

      // explain names the layer that held the reference and the vault and secret, never the value.
      const pinned = config.explain('Pinned:Value')!;
      expect(pinned.provider).toBe('EnvironmentVariablesConfigurationProvider');
      expect(pinned.source).toBe(`Key Vault reference ${kv.vaultUrl}/secrets/Pinned/${pinnedVersion} in env Pinned__Value`);
      expect(config.explain('Api:Key')).toMatchObject({ provider: expect.stringContaining('DotenvConfigurationProvider'), secret: true });
      expect(config.explain('Api:Key')!.source).toContain(`${kv.vaultUrl}/secrets/Api-Key`);
      expect(config.explain('Cli:Secret')!.provider).toBe('CommandLineConfigurationProvider');
      expectNoSecretIn(config.debugView(), JSON.stringify(config), inspect(config, { depth: 8 }), JSON.stringify(config.explain('Db:Password')));
    } finally {
      await config.dispose();
    }
  });

  it('reads a reference written in two layers once (one client per vault, de-duplicated)', async () => {
    const before = gets('Db-Password');
    const cwd = app({ 'appsettings.json': JSON.stringify({ A: byUri('Db-Password') }), '.env': `B=${byUri('Db-Password')}\n` });
    const config = await loadConfig(options({ cwd, env: { C: byName('db-password') } }));
    try {
      expect([config.get('A'), config.get('B'), config.get('C')]).toEqual([SECRETS.db, SECRETS.db, SECRETS.db]);
      expect(gets('Db-Password') - before).toBe(1);
    } finally {
      await config.dispose();
    }
  });

  it('loads no Key Vault client and makes no request when no value is a reference, and keyVaultReferences: false keeps the literal', async () => {
    const before = kv.counters.total;
    const plain = await loadConfig(options({ cwd: app({ 'appsettings.json': JSON.stringify({ A: 'plain' }) }) }));
    expect(plain.get('A')).toBe('plain');
    await plain.dispose();
    const literal = byUri('Db-Password');
    const off = await loadConfig(options({ cwd: app({ 'appsettings.json': JSON.stringify({ A: literal }) }), keyVaultReferences: false }));
    expect(off.get('A')).toBe(literal);
    await off.dispose();
    expect(kv.counters.total).toBe(before);
  });

  it('keeps the provider itself visible: instanceof and its own members still work through the decorator', async () => {
    const refs = new KeyVaultReferences({}, { credential: () => Promise.resolve(kv.credential()) });
    const store = new AzureAppConfigurationProvider({ endpoint: 'https://store.azconfig.io', credential: kv.credential() });
    const decorated = refs.decorate(store);
    expect(decorated).toBeInstanceOf(AzureAppConfigurationProvider);
    expect(decorated.name).toBe(store.name);
    // A getter reading private fields: it would throw if called with the proxy as `this`.
    expect(decorated.refresher).toMatchObject({ store: 'store.azconfig.io' });
    await decorated.dispose?.();
  });
});

describe('Key Vault references in App Configuration plain values', () => {
  it('resolves a setting whose plain value is a reference (not the keyvaultref content type), naming the store layer', async () => {
    const emu = await startAppConfigurationEmulator();
    try {
      emu.replaceAll([
        { key: 'Store:Plain', value: 'from-store' },
        { key: 'Store:Ref', value: byName('Api-Key') },
      ]);
      const config = await loadConfig(
        options({
          cwd: app({}),
          env: { AZURE_APPCONFIGURATION_CONNECTIONSTRING: emu.connectionString },
          appConfiguration: { clientOptions: emu.clientOptions },
        }),
      );
      try {
        expect(config.get('Store:Plain')).toBe('from-store');
        expect(config.get('Store:Ref')).toBe(SECRETS.api);
        expect(config.explain('Store:Ref')).toMatchObject({ provider: expect.stringMatching(/AppConfiguration/), secret: true });
        expect(config.explain('Store:Ref')!.source).toMatch(new RegExp(`^Key Vault reference ${kv.vaultUrl}/secrets/Api-Key`));
        expectNoSecretIn(config.debugView());
      } finally {
        await config.dispose();
      }
    } finally {
      await emu.close();
    }
  });
});

describe('reload and the refresh interval', () => {
  it('re-reads versionless references on reload(); a versioned one is read once', async () => {
    kv.setSecret('Rotating', 'rotation-1');
    const cwd = app({ 'appsettings.json': JSON.stringify({ R: byUri('Rotating'), P: byUri('Pinned', pinnedVersion) }) });
    const config = await loadConfig(options({ cwd }));
    try {
      expect(config.get('R')).toBe('rotation-1');
      const pinnedReads = gets('Pinned');
      kv.setSecret('Rotating', 'rotation-2');
      const changed = vi.fn();
      config.onChange(changed);
      await config.reload();
      expect(config.get('R')).toBe('rotation-2');
      expect(config.get('P')).toBe(SECRETS.pinned);
      expect(gets('Pinned')).toBe(pinnedReads);
      expect(changed).toHaveBeenCalled();
    } finally {
      await config.dispose();
    }
  });

  it('a reload whose reference fails keeps every layer\'s last good data (all or nothing)', async () => {
    kv.setSecret('Vanishing', 'here-1');
    const cwd = app({ 'appsettings.json': JSON.stringify({ V: byUri('Vanishing'), Plain: 'old' }) });
    const env: Record<string, string> = { Other: 'env-old' };
    const config = await loadConfig(options({ cwd, env }));
    try {
      writeFileSync(path.join(cwd, 'appsettings.json'), JSON.stringify({ V: byUri('Vanishing'), Plain: 'new' }));
      env.Other = 'env-new';
      kv.deleteSecret('Vanishing');
      const errors: unknown[] = [];
      config.onError((e) => errors.push(e));
      const error = await config.reload().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KeyVaultReferenceResolutionError);
      expect(error).toMatchObject({ code: 'KEY_VAULT_REFERENCE_UNRESOLVED', key: 'V', statusCode: 404, secretName: 'Vanishing' });
      expect([config.get('V'), config.get('Plain'), config.get('Other')]).toEqual(['here-1', 'old', 'env-old']);
      expect(errors).toHaveLength(1);
    } finally {
      await config.dispose();
    }
  });

  it('re-reads versionless references every 24 hours (fake interval timer), reporting failures and keeping the last value', async () => {
    expect(KEY_VAULT_REFERENCE_REFRESH_MS).toBe(24 * 60 * 60 * 1000);
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    kv.setSecret('Daily', 'day-1');
    const cwd = app({ 'appsettings.json': JSON.stringify({ D: byUri('Daily'), P: byUri('Pinned', pinnedVersion) }) });
    const config = await loadConfig(options({ cwd }));
    try {
      expect(vi.getTimerCount()).toBe(1);
      kv.setSecret('Daily', 'day-2');
      const changed = new Promise<void>((resolve) => config.onChange(() => resolve()));
      vi.advanceTimersByTime(KEY_VAULT_REFERENCE_REFRESH_MS - 1);
      expect(config.get('D')).toBe('day-1');
      vi.advanceTimersByTime(1);
      await changed;
      expect(config.get('D')).toBe('day-2');

      kv.deleteSecret('Daily');
      const failed = new Promise<unknown>((resolve) => config.onError((e) => resolve(e)));
      vi.advanceTimersByTime(KEY_VAULT_REFERENCE_REFRESH_MS);
      expect(await failed).toMatchObject({ code: 'KEY_VAULT_REFERENCE_UNRESOLVED', key: 'D' });
      expect(config.get('D')).toBe('day-2');
    } finally {
      await config.dispose();
    }
    // dispose() stops the interval.
    expect(vi.getTimerCount()).toBe(0);
  });

  it('an interval refresh is all or nothing across layers', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    kv.setSecret('Left', 'left-1');
    kv.setSecret('Right', 'right-1');
    const cwd = app({ 'appsettings.json': JSON.stringify({ L: byUri('Left') }) });
    const config = await loadConfig(options({ cwd, env: { R: byName('Right') } }));
    try {
      kv.setSecret('Left', 'left-2');
      kv.deleteSecret('Right');
      const errors: unknown[] = [];
      const failed = new Promise<void>((resolve) => config.onError((e) => (errors.push(e), resolve())));
      vi.advanceTimersByTime(KEY_VAULT_REFERENCE_REFRESH_MS);
      await failed;
      expect(errors[0]).toMatchObject({ code: 'KEY_VAULT_REFERENCE_UNRESOLVED', key: 'R' });
      // The layer whose reference did resolve is not swapped in alone.
      expect([config.get('L'), config.get('R')]).toEqual(['left-1', 'right-1']);

      kv.setSecret('Right', 'right-2');
      // Listeners hear of the refresh once, and already see every layer's new value.
      const seen: Array<[unknown, unknown]> = [];
      const changed = new Promise<void>((resolve) => config.onChange(() => (seen.push([config.get('L'), config.get('R')]), resolve())));
      vi.advanceTimersByTime(KEY_VAULT_REFERENCE_REFRESH_MS);
      await changed;
      expect([config.get('L'), config.get('R')]).toEqual(['left-2', 'right-2']);
      await new Promise((resolve) => setImmediate(resolve));
      expect(seen).toEqual([['left-2', 'right-2']]);
    } finally {
      await config.dispose();
    }
  });

  it('a watched file that changes reads its references again', async () => {
    kv.setSecret('Watched-A', 'watched-a');
    kv.setSecret('Watched-B', 'watched-b');
    const cwd = app({ 'appsettings.json': JSON.stringify({ W: byUri('Watched-A') }) });
    const config = await loadConfig(options({ cwd, reloadOnChange: true }));
    try {
      expect(config.get('W')).toBe('watched-a');
      const changed = new Promise<void>((resolve) => config.onChange(() => resolve()));
      writeFileSync(path.join(cwd, 'appsettings.json'), JSON.stringify({ W: byUri('Watched-B') }));
      await changed;
      expect(config.get('W')).toBe('watched-b');
      expect(config.origin('W')).toMatchObject({ secret: true, source: expect.stringContaining('/secrets/Watched-B') });
    } finally {
      await config.dispose();
    }
  });

  it('sets no interval when every reference names a version, or when refreshIntervalMs is false', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const pinned = await loadConfig(options({ cwd: app({ 'appsettings.json': JSON.stringify({ P: byUri('Pinned', pinnedVersion) }) }) }));
    // A pinned version never changes: nothing to refresh, so no timer at all.
    expect(pinned.get('P')).toBe(SECRETS.pinned);
    expect(vi.getTimerCount()).toBe(0);
    await pinned.dispose();
    const plain = await loadConfig(options({ cwd: app({ 'appsettings.json': JSON.stringify({ A: 'plain' }) }) }));
    expect(vi.getTimerCount()).toBe(0);
    await plain.dispose();
    const off = await loadConfig(options({ cwd: app({ 'appsettings.json': JSON.stringify({ R: byUri('Api-Key') }) }), keyVaultReferences: { refreshIntervalMs: false } }));
    expect(vi.getTimerCount()).toBe(0);
    await off.dispose();
  });
});

describe('errors', () => {
  async function loadError(files: Record<string, string>, extra: LoadConfigOptions = {}): Promise<unknown> {
    return loadConfig(options({ cwd: app(files), ...extra })).then(
      (c: ConfigurationRoot) => c.dispose().then(() => undefined),
      (e: unknown) => e,
    );
  }

  it('a malformed reference is a typed error naming the key and the layer', async () => {
    const error = await loadError({ '.env': 'Bad__Ref=@Microsoft.KeyVault(VaultName=refvault)\n' });
    expect(error).toBeInstanceOf(InvalidKeyVaultReferenceError);
    expect(error).toMatchObject({ code: 'KEY_VAULT_REFERENCE_INVALID', key: 'Bad:Ref', provider: expect.stringContaining(`DotenvConfigurationProvider for '${path.join(dirs.at(-1)!, '.env')}'`) });
    expect((error as Error).message).toMatch(/Bad:Ref.*DotenvConfigurationProvider.*SecretName is missing/);
  });

  it('a missing secret and a refusing vault (403) are typed errors; the message names key, layer, vault and secret, never a value', async () => {
    const missing = (await loadError({ 'appsettings.json': JSON.stringify({ Gone: byUri('No-Such-Secret') }) })) as KeyVaultReferenceResolutionError;
    expect(missing).toBeInstanceOf(KeyVaultReferenceResolutionError);
    expect(missing).toMatchObject({ key: 'Gone', statusCode: 404, vaultUrl: kv.vaultUrl, secretName: 'No-Such-Secret' });
    expect(missing.message).toContain('JsonConfigurationProvider');
    expect((missing.cause as { code?: string }).code).toBe('KEY_VAULT_SECRET_NOT_FOUND');

    kv.fault({ status: 403, code: 'Forbidden', message: 'Caller is not authorized to perform action on resource.' }, { on: 'get', times: 1 });
    const refused = (await loadError({}, { env: { Api__Key: byUri('Api-Key') } })) as KeyVaultReferenceResolutionError;
    expect(refused).toMatchObject({ code: 'KEY_VAULT_REFERENCE_UNRESOLVED', key: 'Api:Key', statusCode: 403, provider: 'EnvironmentVariablesConfigurationProvider' });
    expect((refused.cause as { code?: string }).code).toBe('KEY_VAULT_FORBIDDEN');
    expectNoSecretIn(missing.message, refused.message, inspect(refused, { depth: 6 }), String(refused.cause));
  });

  it("onUnresolved: 'keep' keeps the literal and warns, as the platform does", async () => {
    const warnings: string[] = [];
    const literal = byUri('No-Such-Secret');
    const config = await loadConfig(
      options({
        cwd: app({ 'appsettings.json': JSON.stringify({ Gone: literal, Ok: byUri('Api-Key') }) }),
        logger: { warn: (m) => warnings.push(m) },
        keyVaultReferences: { onUnresolved: 'keep' },
      }),
    );
    try {
      expect(config.get('Gone')).toBe(literal);
      expect(config.get('Ok')).toBe(SECRETS.api);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/'Gone'.*No-Such-Secret.*literal reference is kept/);
      expectNoSecretIn(...warnings);
    } finally {
      await config.dispose();
    }
  });
});

describe('decorating a builder provider', () => {
  it('works on any provider, with the credential given', async () => {
    const refs = new KeyVaultReferences(
      { clientOptions: kv.clientOptions() },
      { credential: () => Promise.resolve(kv.credential()) },
    );
    const builder = new ConfigurationBuilder();
    const { MemoryProvider } = await import('../../src/providers/memory.js');
    builder.add(refs.decorate(new MemoryProvider({ 'Redis:Password': byUri('Db-Password') })));
    const config = await builder.build();
    try {
      expect(config.get('Redis:Password')).toBe(SECRETS.db);
      expect(config.origin('Redis:Password')).toMatchObject({ provider: 'MemoryConfigurationProvider', secret: true });
    } finally {
      await config.dispose();
    }
  });
});

describe('the example app walkthrough (npm start)', () => {
  it('resolves the reference against the emulator and prints it redacted, with its layer and source', async () => {
    const repo = fileURLToPath(new URL('../..', import.meta.url));
    const { stdout } = await promisify(execFile)(path.join(repo, 'node_modules/.bin/tsx'), ['fixtures/app/walkthrough.mts'], { cwd: repo });
    expect(stdout).toMatch(/^Payments:ApiKey = <redacted sha256:[0-9a-f]{8}>/m);
    expect(stdout).toMatch(/^ {2}from {2}EnvironmentVariablesConfigurationProvider$/m);
    expect(stdout).toMatch(/via {3}Key Vault reference https:\/\/orders-fixture-kv\.vault\.azure\.net:\d+\/secrets\/Payments-ApiKey in env Payments__ApiKey/);
    // The committed .env.local of the example is a layer of its own.
    expect(stdout).toMatch(/LayeredConfig=Trace \(DotenvConfigurationProvider for '.*\.env\.local'/);
    // The zod schema of the example validates the tree and converts its strings.
    expect(stdout).toContain('Redis.Port = 6379 (number), Redis.Ssl = false (boolean)');
    expect(stdout).toMatch(/^Service = \{"Name":"orders-local","Port":5000,"Enabled":true,/m);
    expect(stdout).not.toContain('walkthrough-payments-api-key-5e1a');
  }, 60_000);
});

describe('cold start', () => {
  it('loadConfig loads no Azure module when no value is a reference, and the Key Vault SDK once one is (built package)', () => {
    const repo = fileURLToPath(new URL('../..', import.meta.url));
    const cwd = app({ 'appsettings.json': JSON.stringify({ A: 'plain' }) });
    const script = `
      ${RECORD_RESOLVED_PACKAGES}
      const { loadConfig } = await import(${JSON.stringify(new URL('../../dist/index.js', import.meta.url).href)});
      const plain = await loadConfig({ cwd: ${JSON.stringify(cwd)}, env: {}, args: [], reloadOnChange: false });
      await plain.dispose();
      await settle();
      const afterPlain = [...seen];
      // A reference to an unreachable vault: the SDK is imported to try it (the load then fails).
      await loadConfig({ cwd: ${JSON.stringify(cwd)}, env: { R: '@Microsoft.KeyVault(SecretUri=https://127.0.0.1:9/secrets/x)' }, args: [], reloadOnChange: false,
        credential: { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 3600000 }) },
        keyVaultReferences: { retry: { maxRetries: 0 } } }).catch(() => undefined);
      await settle();
      port1.close();
      process.stdout.write(JSON.stringify({ afterPlain, afterReference: [...seen] }));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
    const { afterPlain, afterReference } = JSON.parse(out) as { afterPlain: string[]; afterReference: string[] };
    expect(afterPlain.filter((name) => name.startsWith('@azure/'))).toEqual([]);
    expect(afterReference).toContain('@azure/keyvault-secrets');
  }, 90_000);
});
