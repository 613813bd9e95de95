import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigurationBuilder } from '../../../src/builder.js';
import { ConfigurationError } from '../../../src/core/errors.js';
import type { ConfigurationRoot } from '../../../src/core/root.js';
import { RedisConnectionStringError, RedisSettingsError } from '../../../src/binders/redis/errors.js';
import { findRedisSettings, getRedisSettings, type GetRedisSettingsOptions } from '../../../src/binders/redis/settings.js';
import type { RedisSettings } from '../../../src/binders/redis/types.js';
import { DotenvProvider } from '../../../src/providers/dotenv.js';
import { EnvironmentVariablesProvider } from '../../../src/providers/environment.js';
import { JsonFileProvider } from '../../../src/providers/jsonFile.js';

const KEY = 'settings-access-key-0d9a7c3e+/=';
const CLIENT_SECRET = 'settings-client-secret-4b1f88aa';
const HOST = 'contoso.redis.cache.windows.net';

const seen: string[] = [];
afterAll(() => {
  for (const text of seen) {
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(CLIENT_SECRET);
  }
});

const memory = (values: Record<string, string | null>) => new ConfigurationBuilder().addInMemory(values).build();
const fromEnv = (env: Record<string, string>) => new ConfigurationBuilder().add(new EnvironmentVariablesProvider({ env })).build();

async function settingsOf(values: Record<string, string>, options?: GetRedisSettingsOptions): Promise<RedisSettings> {
  const settings = getRedisSettings(await fromEnv(values), options);
  seen.push(inspect(settings, { depth: 10 }), JSON.stringify(settings), String(settings));
  return settings;
}

async function errorOf(values: Record<string, string>, options?: GetRedisSettingsOptions): Promise<ConfigurationError> {
  const config = await fromEnv(values);
  try {
    getRedisSettings(config, options);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigurationError);
    const e = err as ConfigurationError;
    seen.push(e.message, inspect(e, { depth: 10 }), JSON.stringify(e), e.stack ?? '');
    return e;
  }
  throw new Error('expected an error');
}

describe('Service Connector variables, one set per auth mode and client type', () => {
  it('system-assigned managed identity: AZURE_REDIS_HOST only → 6380 with TLS', async () => {
    const s = await settingsOf({ AZURE_REDIS_HOST: HOST });
    expect(s).toMatchObject({ host: HOST, port: 6380, tls: true, database: 0, format: 'serviceConnector', azure: 'azureCacheForRedis' });
    expect(s.auth).toEqual({ kind: 'systemAssignedIdentity' });
    expect(s.sources).toEqual([{ key: 'AZURE_REDIS_HOST', provider: expect.any(String), source: expect.stringContaining('AZURE_REDIS_HOST') }]);
  });

  it('user-assigned managed identity: HOST + CLIENTID', async () => {
    const s = await settingsOf({ AZURE_REDIS_HOST: HOST, AZURE_REDIS_CLIENTID: '11111111-2222-3333-4444-555555555555' });
    expect(s.auth).toEqual({ kind: 'userAssignedIdentity', clientId: '11111111-2222-3333-4444-555555555555' });
    expect([s.port, s.tls]).toEqual([6380, true]);
  });

  it('service principal: HOST + CLIENTID + CLIENTSECRET + TENANTID', async () => {
    const s = await settingsOf({ AZURE_REDIS_HOST: HOST, AZURE_REDIS_CLIENTID: 'app-id', AZURE_REDIS_CLIENTSECRET: CLIENT_SECRET, AZURE_REDIS_TENANTID: 'tenant-id' });
    expect(s.auth).toMatchObject({ kind: 'servicePrincipal', clientId: 'app-id', tenantId: 'tenant-id' });
    expect(s.auth.kind === 'servicePrincipal' && s.auth.clientSecret).toBe(CLIENT_SECRET);
    expect(JSON.stringify(s.auth)).toContain('redacted sha256:');
  });

  it('Azure Managed Redis hosts default to port 10000 with TLS', async () => {
    const s = await settingsOf({ AZURE_REDIS_HOST: 'contoso.westus2.redis.azure.net' });
    expect([s.port, s.tls, s.azure]).toEqual([10000, true, 'azureManagedRedis']);
  });

  it('connection string, .NET client type (StackExchange.Redis form)', async () => {
    const s = await settingsOf({ AZURE_REDIS_CONNECTIONSTRING: `${HOST}:6380,password=${KEY},ssl=True,defaultDatabase=0` });
    expect(s).toMatchObject({ host: HOST, port: 6380, tls: true, database: 0, format: 'stackExchange' });
    expect(s.auth.kind === 'accessKey' && s.auth.password).toBe(KEY);
    expect(s.sources.map((x) => x.key)).toEqual(['AZURE_REDIS_CONNECTIONSTRING']);
  });

  it('connection string, Java/Python/Go/Node.js client types (rediss:// URL)', async () => {
    const s = await settingsOf({ AZURE_REDIS_CONNECTIONSTRING: `rediss://:${encodeURIComponent(KEY)}@${HOST}:6380/0` });
    expect(s).toMatchObject({ host: HOST, port: 6380, tls: true, database: 0, format: 'url' });
    expect(s.auth.kind === 'accessKey' && s.auth.password).toBe(KEY);
  });

  it('client type None: HOST, PORT, DATABASE, PASSWORD, SSL', async () => {
    const s = await settingsOf({ AZURE_REDIS_HOST: HOST, AZURE_REDIS_PORT: '6380', AZURE_REDIS_DATABASE: '2', AZURE_REDIS_PASSWORD: KEY, AZURE_REDIS_SSL: 'true' });
    expect(s).toMatchObject({ host: HOST, port: 6380, tls: true, database: 2, format: 'serviceConnector' });
    expect(s.auth.kind === 'accessKey' && s.auth.password).toBe(KEY);
    expect(s.sources.map((x) => x.key).sort()).toEqual(['AZURE_REDIS_DATABASE', 'AZURE_REDIS_HOST', 'AZURE_REDIS_PASSWORD', 'AZURE_REDIS_PORT', 'AZURE_REDIS_SSL']);
    const plain = await settingsOf({ AZURE_REDIS_HOST: 'localhost', AZURE_REDIS_PASSWORD: KEY, AZURE_REDIS_SSL: 'False' });
    expect([plain.port, plain.tls]).toEqual([6379, false]);
  });

  it('client type Spring Boot: spring.redis.* properties, dotted in one key or split into sections', async () => {
    const dotted = getRedisSettings(await memory({ 'spring.redis.host': HOST, 'spring.redis.port': '6380', 'spring.redis.database': '0', 'spring.redis.password': KEY, 'spring.redis.ssl': 'true' }));
    const split = getRedisSettings(await memory({ 'spring:redis:host': HOST, 'spring:redis:port': '6380', 'spring:redis:password': KEY, 'spring:redis:ssl': 'true' }));
    const boot3 = getRedisSettings(await memory({ 'spring.data.redis.host': HOST, 'spring.data.redis.password': KEY, 'spring.data.redis.ssl.enabled': 'true' }));
    for (const s of [dotted, split, boot3]) {
      expect(s).toMatchObject({ host: HOST, port: 6380, tls: true, database: 0 });
      expect(s.auth.kind === 'accessKey' && s.auth.password).toBe(KEY);
    }
  });

  it('a second connection AZURE_REDIS_<NAME>_* through the name option', async () => {
    const env = {
      AZURE_REDIS_HOST: HOST,
      AZURE_REDIS_CACHE2_HOST: 'second.redis.cache.windows.net',
      AZURE_REDIS_CACHE2_CLIENTID: 'uami-2',
    };
    expect((await settingsOf(env)).host).toBe(HOST);
    const second = await settingsOf(env, { name: 'cache2' });
    expect(second).toMatchObject({ host: 'second.redis.cache.windows.net', auth: { kind: 'userAssignedIdentity', clientId: 'uami-2' } });
    expect(second.sources.map((x) => x.key).sort()).toEqual(['AZURE_REDIS_CACHE2_CLIENTID', 'AZURE_REDIS_CACHE2_HOST']);
    // the named connection does not fall back to the first one's variables
    await expect(fromEnv({ AZURE_REDIS_HOST: HOST }).then((c) => getRedisSettings(c, { name: 'cache2' }))).rejects.toThrow(/No Redis settings found/);
  });

  it('honours a different prefix', async () => {
    const s = await settingsOf({ MYAPP_REDIS_HOST: HOST }, { prefix: 'MYAPP_REDIS' });
    expect(s.auth.kind).toBe('systemAssignedIdentity');
  });
});

describe('ConnectionStrings and sections', () => {
  it('falls back to ConnectionStrings:<name>, also from the App Service REDISCACHECONNSTR_ prefix', async () => {
    const s = getRedisSettings(await fromEnv({ REDISCACHECONNSTR_Redis: `${HOST}:6380,password=${KEY},ssl=True` }));
    expect(s).toMatchObject({ host: HOST, port: 6380, tls: true });
    expect(s.sources[0]!.key).toMatch(/^ConnectionStrings:Redis$/i);
    const named = getRedisSettings(await memory({ 'ConnectionStrings:cache': 'redis://localhost:6379/4' }), { name: 'cache' });
    expect(named).toMatchObject({ host: 'localhost', port: 6379, tls: false, database: 4, auth: { kind: 'none' } });
  });

  it('prefers Service Connector variables over ConnectionStrings over the section', async () => {
    const config = await memory({ AZURE_REDIS_HOST: HOST, 'ConnectionStrings:Redis': 'other:6379', 'Redis:Host': 'third' });
    expect(getRedisSettings(config).host).toBe(HOST);
    expect(getRedisSettings(await memory({ 'ConnectionStrings:Redis': 'other:6379', 'Redis:Host': 'third' })).host).toBe('other');
  });

  it('reads the Redis section shape', async () => {
    const s = getRedisSettings(await memory({ 'Redis:Host': 'cache.internal', 'Redis:Port': '6390', 'Redis:Ssl': 'true', 'Redis:Database': '1', 'Redis:User': 'app', 'Redis:Password': KEY }));
    expect(s).toMatchObject({ host: 'cache.internal', port: 6390, tls: true, database: 1, user: 'app', format: 'section', auth: { kind: 'accessKey', user: 'app' } });
    const local = getRedisSettings(await memory({ 'Redis:Host': 'localhost', 'Redis:Ssl': 'false' }));
    expect(local).toMatchObject({ port: 6379, tls: false, auth: { kind: 'none' } });
    // an Azure host accepts no anonymous clients: a host alone means the managed identity
    expect(getRedisSettings(await memory({ 'Redis:Host': HOST })).auth.kind).toBe('systemAssignedIdentity');
    expect(getRedisSettings(await memory({ 'Redis:ConnectionString': `${HOST}:6380,password=${KEY}` })).tls).toBe(true);
    expect(getRedisSettings(await memory({ 'Cache:Main:Host': 'h', 'Cache:Main:Port': '1' }), { section: 'Cache:Main' }).port).toBe(1);
  });

  it('returns undefined from findRedisSettings and a clear error from getRedisSettings when nothing is set', async () => {
    const config = await memory({ Other: 'x' });
    expect(findRedisSettings(config)).toBeUndefined();
    const e = await errorOf({ OTHER: 'x' });
    expect(e).toBeInstanceOf(RedisSettingsError);
    expect(e.message).toMatch(/No Redis settings found.*AZURE_REDIS_HOST.*ConnectionStrings:Redis.*Redis:Host/);
  });
});

describe('contradictory, incomplete and bad settings', () => {
  it('a client secret without a tenant names both keys and where the secret came from, never the secret', async () => {
    const e = await errorOf({ AZURE_REDIS_HOST: HOST, AZURE_REDIS_CLIENTID: 'app', AZURE_REDIS_CLIENTSECRET: CLIENT_SECRET });
    expect(e).toBeInstanceOf(RedisSettingsError);
    expect(e.message).toContain("'AZURE_REDIS_CLIENTSECRET'");
    expect(e.message).toContain("'AZURE_REDIS_TENANTID'");
    expect(e.message).toMatch(/from .*Environment/i);
    expect((e as RedisSettingsError).keys).toEqual(expect.arrayContaining(['AZURE_REDIS_CLIENTSECRET', 'AZURE_REDIS_TENANTID']));
    expect(e.key).toBe('AZURE_REDIS_CLIENTSECRET');
  });

  it('a client secret without client id and tenant', async () => {
    const e = await errorOf({ AZURE_REDIS_HOST: HOST, AZURE_REDIS_CLIENTSECRET: CLIENT_SECRET });
    expect(e.message).toMatch(/'AZURE_REDIS_CLIENTID' and 'AZURE_REDIS_TENANTID'/);
  });

  it('a tenant without a client secret', async () => {
    const e = await errorOf({ AZURE_REDIS_HOST: HOST, AZURE_REDIS_CLIENTID: 'app', AZURE_REDIS_TENANTID: 't' });
    expect(e.message).toMatch(/'AZURE_REDIS_TENANTID'.*without 'AZURE_REDIS_CLIENTSECRET'/);
  });

  it('a connection string whose host disagrees with AZURE_REDIS_HOST', async () => {
    const e = await errorOf({ AZURE_REDIS_HOST: 'other.redis.cache.windows.net', AZURE_REDIS_CONNECTIONSTRING: `${HOST}:6380,password=${KEY},ssl=True` });
    expect(e).toBeInstanceOf(RedisSettingsError);
    expect(e.message).toContain("'AZURE_REDIS_HOST'");
    expect(e.message).toContain("'AZURE_REDIS_CONNECTIONSTRING'");
    // the same host in another case is no contradiction
    expect((await settingsOf({ AZURE_REDIS_HOST: HOST.toUpperCase(), AZURE_REDIS_CONNECTIONSTRING: `${HOST}:6380,password=${KEY},ssl=True` })).host).toBe(HOST);
  });

  it('a connection string next to a different password, or next to Entra settings', async () => {
    expect((await errorOf({ AZURE_REDIS_CONNECTIONSTRING: `${HOST}:6380,password=${KEY}`, AZURE_REDIS_PASSWORD: `${KEY}x` })).message).toMatch(/password .*disagrees/);
    expect((await errorOf({ AZURE_REDIS_CONNECTIONSTRING: `${HOST}:6380,password=${KEY}`, AZURE_REDIS_CLIENTID: 'app' })).message).toMatch(/both set/);
    expect((await errorOf({ AZURE_REDIS_HOST: HOST, AZURE_REDIS_PASSWORD: KEY, AZURE_REDIS_CLIENTSECRET: CLIENT_SECRET })).message).toMatch(/both set/);
  });

  it('port, database and SSL variables that are not what they should be', async () => {
    expect((await errorOf({ AZURE_REDIS_HOST: HOST, AZURE_REDIS_PASSWORD: KEY, AZURE_REDIS_PORT: '70000' })).message).toMatch(/'AZURE_REDIS_PORT'.*between 1 and 65535.*'70000'/);
    expect((await errorOf({ AZURE_REDIS_HOST: HOST, AZURE_REDIS_PASSWORD: KEY, AZURE_REDIS_PORT: '0' })).message).toMatch(/between 1 and 65535/);
    expect((await errorOf({ AZURE_REDIS_HOST: HOST, AZURE_REDIS_PASSWORD: KEY, AZURE_REDIS_DATABASE: 'two' })).message).toMatch(/'AZURE_REDIS_DATABASE'.*non-negative integer/);
    expect((await errorOf({ AZURE_REDIS_HOST: HOST, AZURE_REDIS_PASSWORD: KEY, AZURE_REDIS_SSL: 'maybe' })).message).toMatch(/'AZURE_REDIS_SSL'.*true or false/);
    expect((await errorOf({ AZURE_REDIS_HOST: HOST, AZURE_REDIS_SSL: 'false' })).message).toMatch(/TLS only/);
  });

  it('an empty host, a URL in the host variable, and a missing host', async () => {
    expect((await errorOf({ AZURE_REDIS_HOST: '', AZURE_REDIS_CLIENTID: 'app' })).message).toMatch(/'AZURE_REDIS_HOST'.*is empty/);
    expect((await errorOf({ AZURE_REDIS_HOST: `rediss://${HOST}:6380` })).message).toMatch(/is a URL/);
    const e = await errorOf({ AZURE_REDIS_PASSWORD: KEY, AZURE_REDIS_PORT: '6380' });
    expect(e.message).toMatch(/host 'AZURE_REDIS_HOST' is not/);
    expect((e as RedisSettingsError).keys).toContain('AZURE_REDIS_HOST');
  });

  it('a malformed connection string names its key and provider, keeps the parser wording and hides the password', async () => {
    const e = await errorOf({ AZURE_REDIS_CONNECTIONSTRING: `${HOST}:6380,password=${KEY},flibble=1` });
    expect(e).toBeInstanceOf(RedisConnectionStringError);
    expect(e.message).toMatch(/'AZURE_REDIS_CONNECTIONSTRING' \(from .*\): Keyword 'flibble' is not supported\./);
    expect((e as RedisConnectionStringError).keyword).toBe('flibble');
    expect(e.key).toBe('AZURE_REDIS_CONNECTIONSTRING');
    // ignoreUnknown passes through
    expect((await settingsOf({ AZURE_REDIS_CONNECTIONSTRING: `${HOST}:6380,password=${KEY},flibble=1` }, { ignoreUnknown: true })).host).toBe(HOST);
    const url = await errorOf({ AZURE_REDIS_CONNECTIONSTRING: `rediss://:${KEY}@${HOST}:6380/0` });
    expect(url.message).toMatch(/percent-encode/);
  });
});

describe('the same settings from environment variables, appsettings.json and .env', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'layered-config-redis-settings-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const comparable = (s: RedisSettings) => ({ ...JSON.parse(JSON.stringify(s)), sources: undefined, secret: s.auth.kind === 'accessKey' ? s.auth.password : s.auth.kind === 'servicePrincipal' ? s.auth.clientSecret : undefined });

  async function threeWays(vars: Record<string, string>, json: unknown): Promise<RedisSettings[]> {
    const jsonPath = path.join(dir, `appsettings.${Math.random().toString(36).slice(2)}.json`);
    const envPath = path.join(dir, `.env.${Math.random().toString(36).slice(2)}`);
    writeFileSync(jsonPath, JSON.stringify(json));
    writeFileSync(envPath, Object.entries(vars).map(([k, v]) => `${k}="${v}"`).join('\n'));
    const configs: ConfigurationRoot[] = [
      await new ConfigurationBuilder().add(new EnvironmentVariablesProvider({ env: vars })).build(),
      await new ConfigurationBuilder().add(new JsonFileProvider(jsonPath)).build(),
      await new ConfigurationBuilder().add(new DotenvProvider(envPath)).build(),
    ];
    const all = configs.map((c) => getRedisSettings(c));
    for (const s of all) seen.push(inspect(s, { depth: 10 }), JSON.stringify(s));
    await Promise.all(configs.map((c) => c.dispose()));
    return all;
  }

  it('Service Connector variables (client type None)', async () => {
    const vars = { AZURE_REDIS_HOST: HOST, AZURE_REDIS_PORT: '6380', AZURE_REDIS_DATABASE: '1', AZURE_REDIS_PASSWORD: KEY, AZURE_REDIS_SSL: 'true' };
    const [env, json, dotenv] = await threeWays(vars, vars);
    expect(comparable(json!)).toEqual(comparable(env!));
    expect(comparable(dotenv!)).toEqual(comparable(env!));
    expect(env!.auth.kind === 'accessKey' && env!.auth.password).toBe(KEY);
    expect(env!.sources[0]!.provider).not.toBe(json!.sources[0]!.provider);
  });

  it('service principal variables', async () => {
    const vars = { AZURE_REDIS_HOST: HOST, AZURE_REDIS_CLIENTID: 'app', AZURE_REDIS_CLIENTSECRET: CLIENT_SECRET, AZURE_REDIS_TENANTID: 'tenant' };
    const [env, json, dotenv] = await threeWays(vars, vars);
    expect(comparable(json!)).toEqual(comparable(env!));
    expect(comparable(dotenv!)).toEqual(comparable(env!));
    expect(comparable(env!).secret).toBe(CLIENT_SECRET);
  });

  it('the Redis section (Redis__Host in env and .env, nested objects in JSON)', async () => {
    const vars = { Redis__Host: 'cache.internal', Redis__Port: '6390', Redis__Ssl: 'true', Redis__Password: KEY };
    const [env, json, dotenv] = await threeWays(vars, { Redis: { Host: 'cache.internal', Port: 6390, Ssl: true, Password: KEY } });
    expect(env).toMatchObject({ host: 'cache.internal', port: 6390, tls: true, format: 'section' });
    expect(comparable(json!)).toEqual(comparable(env!));
    expect(comparable(dotenv!)).toEqual(comparable(env!));
  });
});
