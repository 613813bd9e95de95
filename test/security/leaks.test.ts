import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ConfigurationBuilder } from '../../src/builder.js';
import type { ConfigurationProvider, ProviderWatchSink } from '../../src/core/provider.js';
import { providerData } from '../../src/core/provider.js';
import { loadConfig } from '../../src/loadConfig.js';
import { parseRedisConnectionString } from '../../src/binders/redis/connectionString.js';
import { RedisConnectionStringError } from '../../src/binders/redis/errors.js';
import { AzureAppConfigurationProvider } from '../../src/providers/azureAppConfiguration.js';
import { startAppConfigurationEmulator } from '../emulators/appConfiguration.js';

const fixture = fileURLToPath(new URL('../../fixtures/app', import.meta.url));
const appdata = path.join(fixture, 'appdata');

/** Every secret value planted in fixtures/app. */
const SECRETS = [
  'Zml4dHVyZS1zaWduYWxyLWtleS1wcm9kdWN0aW9u',
  'Zml4dHVyZS1zaWduYWxyLWtleS1lYXN0',
  'fixture-redis-password-3b9d',
  'fixture-merchant-code-91c2',
];

/** Everything the library printed or threw during this file; checked once at the end. */
const seen: string[] = [];
const keep = (text: unknown) => seen.push(typeof text === 'string' ? text : inspect(text, { depth: 10 }));
const keepError = (error: unknown) => {
  keep(error);
  if (error instanceof Error) keep(`${error.message}\n${error.stack ?? ''}\n${JSON.stringify(error)}`);
};

afterAll(() => {
  expect(seen.length).toBeGreaterThan(10);
  for (const text of seen) for (const secret of SECRETS) expect(text).not.toContain(secret);
});

describe('no secret value leaks', () => {
  it('from debugView, explain, inspect and JSON of a loaded fixture', async () => {
    const warnings: string[] = [];
    const config = await loadConfig({ cwd: fixture, environment: 'Development', env: { APPDATA: appdata }, args: [], logger: { warn: (m) => warnings.push(m) } });
    // the secrets really are loaded, so redaction is what keeps them out
    expect(config.get('Payments:MerchantCode')).toBe('fixture-merchant-code-91c2');
    expect(config.get('Redis:Password')).toBe('fixture-redis-password-3b9d');
    keep(config.debugView());
    for (const [key] of config.entries()) keep(JSON.stringify(config.explain(key)));
    keep(inspect(config));
    keep(JSON.stringify(config));
    keep(inspect(config.getSection('Azure')));
    keep(JSON.stringify(config.getSection('Payments')));
    keep(warnings.join('\n'));
    await config.dispose();
  });

  it('from binder errors about secret values', async () => {
    const config = await loadConfig({ cwd: fixture, environment: 'Development', env: { APPDATA: appdata }, args: [] });
    const failures = [
      () => config.bind('Redis', { Password: 0 }),
      () => config.bind('Payments', { MerchantCode: true }),
      () => config.bind('Payments', { MerchantCode: new Date(0) }),
      () => config.bind('Redis', { Password: { format: 'int', default: 0 } }),
    ];
    for (const fail of failures) {
      let error: unknown;
      try {
        fail();
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ code: expect.stringMatching(/^(BINDING|VALIDATION)$/) });
      keepError(error);
    }
    await config.dispose();
  });

  it('from parse errors in files that hold secrets', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lc-leak-'));
    try {
      const file = path.join(dir, 'appsettings.json');
      const bad = [
        '{ "Redis": { "Password": "fixture-redis-password-3b9d" x } }',
        '{ "Redis": { "Password": "fixture-redis-password-3b9d", "password": "fixture-merchant-code-91c2" } }',
        '["fixture-redis-password-3b9d"]',
        '{ "Redis": { "Password": fixture-redis-password-3b9d } }',
        '{ "Redis": { "Password": "fixture-redis-password-3b9d',
      ];
      for (const text of bad) {
        writeFileSync(file, text);
        const error = await new ConfigurationBuilder().addJsonFile(file).build().catch((e: unknown) => e);
        expect(error).toMatchObject({ code: expect.any(String) });
        keepError(error);
      }
      const cli = await new ConfigurationBuilder()
        .addCommandLine(['-p=fixture-redis-password-3b9d'])
        .build()
        .catch((e: unknown) => e);
      expect(cli).toMatchObject({ code: 'COMMAND_LINE' });
      keepError(cli);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('from Redis connection strings whose unknown "keyword" is a mistyped URL holding the password', () => {
    const pw = 'fixture-redis-password-3b9d';
    for (const text of [
      `rediss//:${pw}@contoso.redis.cache.windows.net:6380=1`,
      `contoso.redis.cache.windows.net:6380,rediss://:${pw}@host=1`,
      `host:6380,user:${pw}=x`,
      `host,${pw}${pw}=x`,
    ]) {
      let error: unknown;
      try {
        parseRedisConnectionString(text);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(RedisConnectionStringError);
      keepError(error);
    }
    // A keyword-shaped unknown is still named, so the message stays useful.
    expect(() => parseRedisConnectionString('host,sslx=true')).toThrow("Keyword 'sslx' is not supported.");
  });

  it('from key-per-file mounts (every value is secret)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lc-leak-kpf-'));
    try {
      writeFileSync(path.join(dir, 'Redis__Password'), 'fixture-redis-password-3b9d\n');
      writeFileSync(path.join(dir, 'Merchant__Code'), 'fixture-merchant-code-91c2');
      const config = await new ConfigurationBuilder().addKeyPerFile(dir).build();
      expect(config.get('Merchant:Code')).toBe('fixture-merchant-code-91c2');
      keep(config.debugView());
      keep(config.explain('Merchant:Code'));
      keep(config);
      keep(JSON.stringify(config));
      writeFileSync(path.join(dir, 'merchant__code'), 'x');
      keepError(await new ConfigurationBuilder().addKeyPerFile(dir).build().catch((e: unknown) => e));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('no secret value leaks from the process warning of an unheard failure', () => {
  it('scrubs secret values out of a foreign error message a watcher or an onChange listener reports', async () => {
    let sink: ProviderWatchSink | undefined;
    const watched: ConfigurationProvider = {
      name: 'Watched',
      load: async () => providerData([{ key: 'Db:Password', value: 'fixture-redis-password-3b9d' }]),
      watch: (s) => {
        sink = s;
        return () => {};
      },
    };
    const config = await new ConfigurationBuilder().add(watched).build();
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      sink!.error(new Error('login failed with password fixture-redis-password-3b9d'));
      config.onChange(() => {
        throw new Error('listener saw fixture-redis-password-3b9d');
      });
      sink!.update(providerData([{ key: 'Db:Password', value: 'fixture-redis-password-3b9d' }]));
      const messages = warn.mock.calls.map((call) => String(call[0]));
      expect(messages).toHaveLength(2);
      expect(messages[0]).toContain('login failed with password <redacted sha256:');
      for (const m of messages) keep(m);
    } finally {
      warn.mockRestore();
      await config.dispose();
    }
  });
});

describe('prototype pollution', () => {
  it('JSON, environment and command-line keys named __proto__ never reach a prototype', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lc-proto-'));
    try {
      writeFileSync(path.join(dir, 'appsettings.json'), '{"__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 2}}}');
      const config = await loadConfig({
        cwd: dir,
        env: { __proto____polluted: '1', constructor__prototype__polluted: '3' },
        args: ['--__proto__:polluted=1', '--prototype:polluted=4'],
      });
      expect(config.get('__proto__:polluted')).toBe('1');
      expect(config.get('constructor:prototype:polluted')).toBe('3');
      expect(config.get('prototype:polluted')).toBe('4');
      const whole = config.bind('constructor', {} as Record<string, string>);
      const bound = config.bind('__proto__', { polluted: 0 });
      expect(bound.polluted).toBe(1);
      keep(inspect(whole));
      keep(JSON.stringify(config));
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
      expect((Function.prototype as unknown as Record<string, unknown>).polluted).toBeUndefined();
      await config.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('no secret value leaks from the SignalR Microsoft Entra key exchange', () => {
  it('errors, inspect and JSON of keys and caches never show an Entra token, a fetched key, a signed token or a client secret', async () => {
    const { startSignalREmulator } = await import('../emulators/signalr.js');
    const { createServiceEndpoint, negotiate, restApi, SignalRAccessKeyCache, connectSignalR } = await import('../../src/index.js');
    const sr = await startSignalREmulator({ allowAccessKeys: false });
    const cache = new SignalRAccessKeyCache();
    const inner = sr.credential();
    const entraTokens: string[] = [];
    const credential = {
      async getToken(scopes: string | string[]) {
        const t = (await inner.getToken(scopes))!;
        entraTokens.push(t.token);
        return t;
      },
    };
    const clientSecret = 'sr-app-secret.9c1f~Qz7';
    const shown: string[] = [];
    const show = (v: unknown) => {
      shown.push(inspect(v, { depth: 10, showHidden: true }), JSON.stringify(v) ?? '', String(v));
      if (v instanceof Error) shown.push(v.message, v.stack ?? '', inspect(v.cause, { depth: 10 }));
    };
    try {
      const endpoint = createServiceEndpoint(sr.connectionString('azure.msi'), { key: 'Azure:SignalR:ConnectionString', provider: 'Memory' });
      const options = { credential, agent: sr.agent, accessKeys: cache };
      const signed = [(await negotiate(endpoint, 'chat', { ...options, userId: 'u' })).accessToken];
      const api = await restApi(endpoint, 'chat', options);
      signed.push(api.accessToken, (await api.request('/:send')).accessToken);
      const key = cache.keyFor(endpoint, { credential });
      show(key);
      show(key.status());
      show(cache);
      show(endpoint);
      for (const mode of [401, 403, 404, 500] as const) {
        sr.failAccessKey(mode);
        show((await connectSignalR([endpoint], { credential, agent: sr.agent })).errors[0]);
      }
      sr.failAccessKey(null);
      // An application credential the authority refuses: the message quotes the SDK's error, scrubbed.
      const { startFakeAuthority } = await import('../support/authority.js');
      const { testCertificates, trustingAgent } = await import('../support/tls.js');
      const authority = await startFakeAuthority(await testCertificates(), { clientSecrets: { 'c-1': 'the-right-one' } });
      const authorityAgent = trustingAgent((await testCertificates()).caPem);
      try {
        const app = createServiceEndpoint(`Endpoint=${sr.endpoint};AuthType=azure.app;ClientId=c-1;TenantId=t-1;ClientSecret=${clientSecret}`);
        const failed = await connectSignalR([app], {
          credentialOptions: { authorityHost: authority.authorityHost, disableInstanceDiscovery: true, agent: authorityAgent } as never,
        });
        expect(failed.errors[0]?.code).toBe('SIGNALR_ACCESS_KEY_CREDENTIAL');
        show(failed.errors[0]);
      } finally {
        authorityAgent.destroy();
        await authority.close();
      }
      const secrets = [...entraTokens, ...signed, sr.keys.current().key, clientSecret];
      expect(entraTokens.length).toBeGreaterThan(0);
      for (const text of shown) for (const secret of secrets) expect(text).not.toContain(secret);
    } finally {
      cache.dispose();
      await sr.stop();
    }
  });
});

describe('no secret value leaks from App Configuration replicas, push refresh and throttling', () => {
  it('keeps the HMAC secret out of errors, warnings and inspection with several endpoints, discovery and a throttled store', async () => {
    const emu = await startAppConfigurationEmulator({ replicas: 1, hostname: 'leaks.azconfig.io' });
    const secret = /Secret=(.*)$/.exec(emu.connectionString)![1]!;
    const texts: string[] = [];
    const record = (e: unknown) => texts.push(inspect(e, { depth: 10 }), String(e), JSON.stringify(e) ?? '', e instanceof Error ? `${e.message}\n${e.stack}` : '');
    try {
      emu.replaceAll([{ key: 'A', value: '1' }]);
      // A malformed second connection string: the error says so without quoting it.
      try {
        new AzureAppConfigurationProvider({ connectionStrings: [emu.connectionString, `Endpont=x;Id=y;Secret=${secret}`] });
      } catch (e) {
        record(e);
      }
      // Every endpoint down or throttling, replicas discovered with the primary's secret: the time-out error and warnings.
      await emu.takeDown('refuse');
      emu.replicas[0]!.setQuota({ ratePerSecond: 0.001, burst: 1 });
      const provider = new AzureAppConfigurationProvider({
        connectionString: emu.connectionString,
        clientOptions: emu.clientOptions,
        startupTimeoutMs: 1_000,
        logger: { warn: (m) => texts.push(m) },
        replicaDiscovery: {
          resolveSrv: async (name) => {
            if (name.startsWith('_origin.')) return [{ name: 'leaks.azconfig.io', port: 443, priority: 1, weight: 1 }];
            if (name.startsWith('_alt0.')) return [{ name: 'leaks-replica1.azconfig.io', port: Number(new URL(emu.replicas[0]!.endpoint).port), priority: 1, weight: 1 }];
            throw Object.assign(new Error('nx'), { code: 'ENOTFOUND' });
          },
        },
      });
      await provider.load().catch(record);
      texts.push(inspect(provider, { depth: 10, showHidden: true }), JSON.stringify(provider) ?? '');
      try {
        provider.refresher.processPushNotification({ subject: 'https://leaks.azconfig.io/kv/A', eventType: 'x', data: { syncToken: secret } });
      } catch (e) {
        record(e);
      }
      await provider.dispose();
      expect(texts.length).toBeGreaterThan(8);
      for (const text of texts) expect(text).not.toContain(secret);
    } finally {
      await emu.close();
    }
  });
});

describe('no secret value leaks from Key Vault references in any layer', () => {
  it('keeps resolved secrets out of output, errors, warnings and refresh failures', async () => {
    const { startKeyVaultEmulator } = await import('../emulators/keyVault.js');
    const kv = await startKeyVaultEmulator({ name: 'leaks-refs' });
    const values = ['kv-ref-json-secret-7a1f', 'kv-ref-env-secret-0c9e', 'kv-ref-cli-secret-44d2'];
    kv.setSecret('Json-Value', values[0]!);
    kv.setSecret('Env-Value', values[1]!);
    kv.setSecret('Cli-Value', values[2]!);
    const ref = (name: string) => `@Microsoft.KeyVault(SecretUri=${kv.secretId(name)}/)`;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'leaks-refs-'));
    const texts: string[] = [];
    const record = (e: unknown) => texts.push(inspect(e, { depth: 10 }), String(e), JSON.stringify(e) ?? '', e instanceof Error ? `${e.message}\n${e.stack}` : '');
    const base = {
      cwd: dir,
      args: [`--Cli:Value=${ref('Cli-Value')}`],
      reloadOnChange: false,
      credential: kv.credential(),
      logger: { warn: (m: string) => texts.push(m) },
    };
    try {
      // Keys that do not look secret: the reference alone makes the values secret.
      writeFileSync(path.join(dir, 'appsettings.json'), JSON.stringify({ Json: { Value: ref('Json-Value') } }));
      const config = await loadConfig({ ...base, env: { Env__Value: ref('Env-Value') }, keyVaultReferences: { clientOptions: kv.clientOptions() } });
      try {
        expect([config.get('Json:Value'), config.get('Env:Value'), config.get('Cli:Value')]).toEqual(values);
        texts.push(config.debugView(), inspect(config, { depth: 10 }), JSON.stringify(config));
        for (const key of ['Json:Value', 'Env:Value', 'Cli:Value']) texts.push(JSON.stringify(config.explain(key)), JSON.stringify(config.origin(key)));
        // A reload that fails (the vault refuses) reports without quoting any value held.
        kv.fault({ status: 403, code: 'Forbidden', message: `denied; had ${values[0]}` }, { on: 'get', times: Infinity });
        config.onError(record);
        await config.reload().catch(record);
      } finally {
        await config.dispose();
      }
      // 'keep' mode warns instead; the warning names key, vault and secret only.
      kv.clearFaults();
      kv.fault({ status: 403, code: 'Forbidden', message: 'Caller is not authorized.' }, { on: 'get', times: Infinity });
      const kept = await loadConfig({ ...base, env: { Env__Value: ref('Env-Value') }, keyVaultReferences: { clientOptions: kv.clientOptions(), onUnresolved: 'keep' } });
      texts.push(kept.debugView());
      await kept.dispose();
      kv.clearFaults();
      // A malformed reference whose text carries a value-like query.
      await loadConfig({
        ...base,
        env: { Bad: `@Microsoft.KeyVault(SecretUri=${kv.vaultUrl}/secrets/x?sig=${values[1]})` },
        keyVaultReferences: { clientOptions: kv.clientOptions() },
      }).catch(record);
      expect(texts.length).toBeGreaterThan(10);
      expect(texts.some((t) => t.includes('KEY_VAULT_REFERENCE_UNRESOLVED'))).toBe(true);
      for (const text of texts) for (const value of values) expect(text).not.toContain(value);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await kv.close();
    }
  });
});

describe('no secret value leaks from Standard Schema validation, withOverrides views and describe', () => {
  it('keeps the fixture secrets out of zod, valibot and arktype issues, a throwing validator, views and descriptions', async () => {
    const { z } = await import('zod');
    const v = await import('valibot');
    const { type } = await import('arktype');
    const { describeSchema, formatDescriptionTable, formatDotenvExample } = await import('../../src/binding/describe.js');
    const config = await loadConfig({ cwd: fixture, environment: 'Development', env: { APPDATA: appdata }, args: [] });
    const failing = [
      z.object({ Password: z.string().max(5), Host: z.literal('x') }),
      z.object({ Password: z.string().superRefine((s, ctx) => ctx.addIssue({ code: 'custom', message: `rejected ${s}` })) }),
      z.object({ Password: z.email() }),
      v.object({ Password: v.pipe(v.string(), v.length(3)) }),
      v.object({ Password: v.picklist(['a', 'b']) }),
      type({ Password: "'a' | 'b'" }),
      type({ Password: 'string < 4' }),
      { '~standard': { version: 1 as const, vendor: 'x', validate: (input: unknown) => { throw new Error(`bad ${JSON.stringify(input)}`); } } },
    ];
    for (const schema of failing) {
      const error = (() => {
        try {
          config.bind('Redis', schema);
        } catch (e) {
          return e;
        }
        throw new Error('expected an error');
      })();
      expect(error).toMatchObject({ code: expect.stringMatching(/^(VALIDATION|SCHEMA_THREW)$/) });
      keepError(error);
      keep(inspect((error as Error).cause, { depth: 10 }));
    }
    const merchant = await config.bindAsync('Payments', v.objectAsync({ MerchantCode: v.pipeAsync(v.string(), v.checkAsync(async (s) => s.length < 3, 'too long')) })).catch((e: unknown) => e);
    keepError(merchant);
    const view = config.withOverrides({ 'Redis:Host': 'localhost' });
    keep(view.debugView());
    keep(inspect(view));
    keep(JSON.stringify(view.explain('Redis:Password')));
    const describedSecret = describeSchema({ Redis: { Password: { default: 'fixture-redis-password-3b9d', format: String, sensitive: true } } });
    keep(formatDescriptionTable(describedSecret));
    keep(formatDotenvExample(describedSecret));
    await view.dispose();
    await config.dispose();
  });
});

describe('no secret value leaks from local.settings.json', () => {
  it('keeps connection strings, encrypted values and malformed members out of output and errors', async () => {
    const values = ['ls-conn-secret-d41c', 'ls-cipher-9f03', 'ls-nested-secret-77ab'];
    const dir = mkdtempSync(path.join(os.tmpdir(), 'leaks-ls-'));
    const texts: string[] = [];
    const record = (e: unknown) => texts.push(inspect(e, { depth: 10 }), String(e), JSON.stringify(e) ?? '', e instanceof Error ? `${e.message}\n${e.stack}` : '');
    const load = () => loadConfig({ cwd: dir, env: {}, args: [], reloadOnChange: false });
    try {
      writeFileSync(path.join(dir, 'host.json'), '{}');
      const file = path.join(dir, 'local.settings.json');
      writeFileSync(file, JSON.stringify({ Values: { Plain: 'x' }, ConnectionStrings: { Sql: `Server=db;Password=${values[0]}` } }));
      const config = await load();
      expect(config.getConnectionString('Sql')).toContain(values[0]);
      texts.push(config.debugView(), inspect(config, { depth: 10 }), JSON.stringify(config), JSON.stringify(config.explain('ConnectionStrings:Sql')));
      await config.dispose();
      writeFileSync(file, JSON.stringify({ IsEncrypted: true, Values: { Sql: values[1] } }));
      await load().catch(record);
      writeFileSync(file, JSON.stringify({ Values: { Nested: { Password: values[2] } } }));
      await load().catch(record);
      expect(texts.length).toBeGreaterThan(8);
      for (const text of texts) for (const value of values) expect(text).not.toContain(value);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
