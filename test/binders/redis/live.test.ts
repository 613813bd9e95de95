/**
 * Against a real redis-server: TLS with a certificate generated at test time, access keys with
 * requirepass, and Microsoft Entra ID with an ACL user named after the token's oid whose password
 * is the token — fetched by the real @azure/identity credentials from fake identity services on
 * loopback — including token refresh with the ACL password rotated as tokens are minted.
 */
import { inspect } from 'node:util';
import { createClient } from 'redis';
import { EntraIdCredentialsProviderFactory } from '@redis/entraid';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigurationBuilder } from '../../../src/builder.js';
import { createRedisClient, createRedisCredentialsProvider } from '../../../src/binders/redis/client.js';
import { parseRedisConnectionString } from '../../../src/binders/redis/connectionString.js';
import { RedisConnectionError, RedisSettingsError } from '../../../src/binders/redis/errors.js';
import { getRedisSettings } from '../../../src/binders/redis/settings.js';
import type { RedisSettings } from '../../../src/binders/redis/types.js';
import { startFakeAuthority, type FakeAuthority } from '../../support/authority.js';
import { startFakeIdentityEndpoint, type FakeIdentityEndpoint } from '../../support/identity.js';
import { startRedisServer, type RedisServer } from '../../support/redisServer.js';
import { testCertificates, trustingAgent, type TestCertificates } from '../../support/tls.js';
import type { MintedToken } from '../../support/tokens.js';

const PASSWORD = 'live-requirepass-9f2c41d7';
const WRONG_PASSWORD = 'live-wrong-password-5e81aa03';
const SP_SECRET = 'live-sp-client-secret-77c0e2b1';
const CACHE_HOST = 'contoso.redis.cache.windows.net';

let server: RedisServer;
let certs: TestCertificates;
let identity: FakeIdentityEndpoint;
const savedEnv = { IDENTITY_ENDPOINT: process.env.IDENTITY_ENDPOINT, IDENTITY_HEADER: process.env.IDENTITY_HEADER };

/** Everything the library said: thrown errors, warnings, console output. Checked for secrets at the end. */
const seen: string[] = [];
const keepError = (err: unknown) => {
  seen.push(inspect(err, { depth: 10 }));
  if (err instanceof Error) seen.push(`${err.message}\n${err.stack ?? ''}\n${JSON.stringify(err)}`);
};
const onWarning = (w: Error) => keepError(w);
const consoleSpies: Array<ReturnType<typeof vi.spyOn>> = [];
/** Tokens from other fake services, secret like the rest. */
const extraSecrets: string[] = [];

/** Every token minted for Redis is registered as an ACL password of its oid the moment it is minted. */
const expiries: Array<ReturnType<typeof setTimeout>> = [];
function rotateAclOnMint(issued: ReadonlyArray<MintedToken>): void {
  const list = issued as MintedToken[];
  const push = list.push.bind(list);
  list.push = (...tokens: MintedToken[]) => {
    for (const t of tokens) {
      // Written before the identity endpoint even sends its response, so the server knows the
      // token before any client can present it.
      void server.command(['ACL', 'SETUSER', t.oid, 'on', `>${t.token}`, '~*', '&*', '+@all']);
      // An expired token stops being a valid password, as on Azure.
      const ms = t.exp * 1000 - Date.now() + 250;
      expiries.push(setTimeout(() => void server.command(['ACL', 'SETUSER', t.oid, `<${t.token}`]).catch(() => {}), Math.max(ms, 0)));
    }
    return push(...tokens);
  };
}

function settingsFrom(values: Record<string, string>): Promise<RedisSettings> {
  return new ConfigurationBuilder().addInMemory(values).build().then((config) => getRedisSettings(config));
}

/** Points the client at the local server while keeping the Azure host name for TLS verification. */
const local = () => ({ socket: { host: '127.0.0.1', port: server.port, ca: certs.caPem } });

beforeAll(async () => {
  certs = await testCertificates();
  server = await startRedisServer({ tls: true, password: PASSWORD });
  identity = await startFakeIdentityEndpoint({ lifetimeSeconds: 3600 });
  rotateAclOnMint(identity.issued);
  Object.assign(process.env, identity.env());
  process.on('warning', onWarning);
  for (const m of ['log', 'info', 'warn', 'error'] as const) {
    consoleSpies.push(vi.spyOn(console, m).mockImplementation((...args: unknown[]) => void seen.push(args.map((a) => inspect(a, { depth: 10 })).join(' '))));
  }
});

afterAll(async () => {
  for (const t of expiries) clearTimeout(t);
  process.off('warning', onWarning);
  for (const spy of consoleSpies) spy.mockRestore();
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  seen.push(server?.log() ?? '');
  await identity?.close();
  await server?.stop();
  const secrets = [PASSWORD, WRONG_PASSWORD, SP_SECRET, ...identity.issued.map((t) => t.token), ...extraSecrets];
  expect(seen.length).toBeGreaterThan(3);
  for (const text of seen) for (const secret of secrets) expect(text).not.toContain(secret);
});

const clients: Array<{ isOpen: boolean; destroy(): void }> = [];
afterEach(() => {
  for (const c of clients.splice(0)) if (c.isOpen) c.destroy();
});

describe('access keys over TLS against redis-server', () => {
  it('connects with the Service Connector "None" variables, verifying the certificate for the Azure host name', async () => {
    const settings = await settingsFrom({
      AZURE_REDIS_HOST: CACHE_HOST,
      AZURE_REDIS_PORT: String(server.port),
      AZURE_REDIS_DATABASE: '3',
      AZURE_REDIS_PASSWORD: PASSWORD,
      AZURE_REDIS_SSL: 'true',
    });
    const client = await createRedisClient(settings, { socket: { host: '127.0.0.1', ca: certs.caPem } });
    clients.push(client);
    await client.set('live:key', 'value');
    expect(await client.get('live:key')).toBe('value');
    // the database from AZURE_REDIS_DATABASE was selected
    expect(await server.command(['SELECT', '3']).then(() => server.command(['EXISTS', 'live:key']))).toBe(1);
    await server.command(['SELECT', '0']);
    seen.push(inspect(settings), JSON.stringify(settings));
  });

  it('connects from a rediss:// URL without ever handing node-redis a URL (url + socket.tls throws there)', async () => {
    const settings = parseRedisConnectionString(`REDISS://:${encodeURIComponent(PASSWORD)}@${CACHE_HOST}:${server.port}/1`);
    const client = await createRedisClient(settings, local());
    clients.push(client);
    expect(await client.ping()).toBe('PONG');
    expect(client.options?.url).toBeUndefined();
    // the trap this avoids, in node-redis itself
    expect(() => createClient({ url: `rediss://${CACHE_HOST}:6380`, socket: { tls: false } })).toThrow(TypeError);
  });

  it('connects from the StackExchange.Redis form', async () => {
    const settings = parseRedisConnectionString(`${CACHE_HOST}:${server.port},password=${PASSWORD},ssl=True,abortConnect=False,name=live-test`);
    const client = await createRedisClient(settings, local());
    clients.push(client);
    expect(await client.sendCommand(['CLIENT', 'GETNAME'])).toBe('live-test');
  });

  it('fails with a clear error and no secret for a wrong password', async () => {
    const settings = await settingsFrom({ 'Redis:Host': CACHE_HOST, 'Redis:Port': String(server.port), 'Redis:Password': WRONG_PASSWORD });
    const error = await createRedisClient(settings, local()).then(
      () => undefined,
      (e: unknown) => e,
    );
    keepError(error);
    expect(error).toBeInstanceOf(RedisConnectionError);
    const message = (error as Error).message;
    expect(message).toContain(`${CACHE_HOST}:${server.port}`);
    expect(message).toContain('TLS, access key');
    expect(message).toMatch(/WRONGPASS/);
    expect(inspect(error)).not.toContain(WRONG_PASSWORD);
  });

  it('refuses a server certificate from an untrusted CA', async () => {
    const settings = parseRedisConnectionString(`${CACHE_HOST}:${server.port},password=${PASSWORD},ssl=true,connectRetry=0`);
    const error = await createRedisClient(settings, { socket: { host: '127.0.0.1' } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    keepError(error);
    expect(error).toBeInstanceOf(RedisConnectionError);
    expect((error as Error).message).toMatch(/certificate/i);
  });

  it('refuses clientOptions that would override the settings (a URL with a password, credentials)', async () => {
    const settings = parseRedisConnectionString(`${CACHE_HOST}:${server.port},password=${PASSWORD},ssl=true`);
    // the trap behind refusing url: in node-redis a URL's password replaces the credentials provider
    const { ManagedIdentityCredential } = await import('@azure/identity');
    const streaming = await createRedisCredentialsProvider(await settingsFrom({ AZURE_REDIS_HOST: CACHE_HOST }), { credential: new ManagedIdentityCredential() });
    const raw = createClient({ url: `rediss://:${PASSWORD}@${CACHE_HOST}:6380`, credentialsProvider: streaming });
    expect(raw.options?.credentialsProvider?.type).toBe('async-credentials-provider');
    for (const clientOptions of [{ url: `rediss://:${PASSWORD}@${CACHE_HOST}` }, { password: PASSWORD }, { credentialsProvider: undefined }]) {
      const error = await createRedisClient(settings, { ...local(), clientOptions: clientOptions as never }).then(
        () => undefined,
        (e: unknown) => e,
      );
      keepError(error);
      expect(error).toBeInstanceOf(RedisSettingsError);
    }
  });
});

describe('Microsoft Entra ID against redis-server (token as password, oid as user)', () => {
  it('authenticates a system-assigned identity with a token from ManagedIdentityCredential', async () => {
    const before = identity.issued.length;
    const settings = await settingsFrom({ AZURE_REDIS_HOST: CACHE_HOST, AZURE_REDIS_PORT: String(server.port) });
    expect(settings.auth).toEqual({ kind: 'systemAssignedIdentity' });
    const client = await createRedisClient(settings, local());
    clients.push(client);
    expect(await client.sendCommand(['ACL', 'WHOAMI'])).toBe(identity.oidFor());
    expect(identity.issued.length).toBeGreaterThan(before);
    expect(identity.requests.at(-1)).toEqual({ resource: 'https://redis.azure.com' });
    expect(client.options?.credentialsProvider?.type).toBe('streaming-credentials-provider');
  });

  it('authenticates a user-assigned identity by its client id', async () => {
    const clientId = '5d3e7a1c-0000-4000-8000-0000000000aa';
    const settings = await settingsFrom({ AZURE_REDIS_HOST: CACHE_HOST, AZURE_REDIS_PORT: String(server.port), AZURE_REDIS_CLIENTID: clientId });
    const client = await createRedisClient(settings, local());
    clients.push(client);
    expect(await client.sendCommand(['ACL', 'WHOAMI'])).toBe(identity.oidFor(clientId));
    expect(identity.requests.at(-1)).toEqual({ resource: 'https://redis.azure.com', clientId });
  });

  it('authenticates a service principal with ClientSecretCredential against the tenant authority', async () => {
    const clientId = '0a6f0c2e-0000-4000-8000-0000000000bb';
    const tenantId = '72f988bf-0000-4000-8000-0000000000cc';
    const authority: FakeAuthority = await startFakeAuthority(certs, { clientSecrets: { [clientId]: SP_SECRET } });
    rotateAclOnMint(authority.issued);
    const agent = trustingAgent(certs.caPem);
    try {
      const settings = await settingsFrom({
        AZURE_REDIS_HOST: CACHE_HOST,
        AZURE_REDIS_PORT: String(server.port),
        AZURE_REDIS_CLIENTID: clientId,
        AZURE_REDIS_CLIENTSECRET: SP_SECRET,
        AZURE_REDIS_TENANTID: tenantId,
      });
      seen.push(inspect(settings), JSON.stringify(settings), String(settings));
      const client = await createRedisClient(settings, {
        ...local(),
        credentialOptions: { authorityHost: authority.authorityHost, disableInstanceDiscovery: true, agent } as never,
      });
      clients.push(client);
      expect(await client.sendCommand(['ACL', 'WHOAMI'])).toBe(authority.oidFor(clientId));
      expect(authority.requests.at(-1)).toMatchObject({ tenant: tenantId, clientId, scope: expect.stringContaining('https://redis.azure.com/.default') });
      extraSecrets.push(...authority.issued.map((t) => t.token));
    } finally {
      agent.destroy();
      await authority.close();
    }
  });

  it('uses an injected credential instead of building one', async () => {
    const settings = await settingsFrom({ AZURE_REDIS_HOST: CACHE_HOST, AZURE_REDIS_PORT: String(server.port), AZURE_REDIS_CLIENTID: 'not-used' });
    const { ManagedIdentityCredential } = await import('@azure/identity');
    let calls = 0;
    const inner = new ManagedIdentityCredential();
    const credential = { getToken: (scopes: string | string[], o?: object) => (calls++, inner.getToken(scopes, o)) };
    const client = await createRedisClient(settings, { ...local(), credential });
    clients.push(client);
    expect(calls).toBeGreaterThan(0);
    // the injected credential is the system identity, not the client id in the settings
    expect(await client.sendCommand(['ACL', 'WHOAMI'])).toBe(identity.oidFor());
  });

  it('passes a token manager config even when the caller gives none (the bare factory fails without one)', async () => {
    const { ManagedIdentityCredential } = await import('@azure/identity');
    const credential = new ManagedIdentityCredential();
    expect(() =>
      EntraIdCredentialsProviderFactory.createForDefaultAzureCredential({ credential, scopes: 'https://redis.azure.com/.default' } as never),
    ).toThrow(TypeError);
    const settings = await settingsFrom({ AZURE_REDIS_HOST: CACHE_HOST });
    const provider = await createRedisCredentialsProvider(settings, { credential });
    const [initial, subscription] = await provider.subscribe({ onNext: () => {}, onError: () => {} });
    expect(initial.username).toBe(identity.oidFor());
    expect(identity.issued.filter((t) => t.oid === identity.oidFor()).map((t) => t.token)).toContain(initial.password);
    subscription.dispose();
  });

  it('releases the token manager when connecting fails, so no token is fetched afterwards', async () => {
    // A well-formed token for an oid the server has no ACL user for: HELLO fails with WRONGPASS.
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const token = `${b64({ alg: 'none' })}.${b64({ oid: 'no-such-acl-user' })}.c2ln`;
    extraSecrets.push(token);
    let calls = 0;
    const credential = { getToken: async () => (calls++, { token, expiresOnTimestamp: Date.now() + 1000 }) };
    const settings = await settingsFrom({ AZURE_REDIS_HOST: CACHE_HOST, AZURE_REDIS_PORT: String(server.port) });
    const error = await createRedisClient(settings, {
      ...local(),
      credential,
      // a new token at 10 % of its 1 s lifetime: a token manager left running would fetch several within 600 ms
      tokenManagerConfig: { expirationRefreshRatio: 0.1 },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RedisConnectionError);
    keepError(error);
    const after = calls;
    expect(after).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 600));
    expect(calls).toBe(after);
  });

  it('refuses Entra auth without TLS', async () => {
    const settings = await settingsFrom({ AZURE_REDIS_HOST: CACHE_HOST, AZURE_REDIS_PORT: String(server.port) });
    const error = await createRedisClient(settings, { socket: { host: '127.0.0.1', tls: false } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RedisSettingsError);
    expect((error as Error).message).toMatch(/needs TLS/);
  });

  it('re-authenticates with each new short-lived token before the old one expires, with no failed command', async () => {
    const LIFETIME = 5;
    identity.lifetimeSeconds = LIFETIME;
    const firstIssued = identity.issued.length;
    const settings = await settingsFrom({ AZURE_REDIS_HOST: CACHE_HOST, AZURE_REDIS_PORT: String(server.port), AZURE_REDIS_CLIENTID: 'rotating-identity' });
    const reauthErrors: unknown[] = [];
    const client = await createRedisClient(settings, { ...local(), onReAuthenticationError: (e) => reauthErrors.push(e) });
    clients.push(client);
    let reconnects = 0;
    const errors: unknown[] = [];
    client.on('reconnecting', () => reconnects++);
    client.on('error', (e) => errors.push(e));
    const id = await client.sendCommand(['CLIENT', 'ID']);

    const authCalls = async () => {
      const info = String(await server.command(['INFO', 'commandstats']));
      return Number(/cmdstat_auth:calls=(\d+)/.exec(info)?.[1] ?? 0);
    };
    const authsAt: number[] = [];
    let lastAuthCalls = await authCalls();
    const failures: unknown[] = [];
    let ok = 0;
    const deadline = Date.now() + 12_000;
    while (Date.now() < deadline) {
      try {
        await client.incr('live:counter');
        ok++;
      } catch (err) {
        failures.push(err);
      }
      const calls = await authCalls();
      if (calls > lastAuthCalls) authsAt.push(Date.now());
      lastAuthCalls = calls;
      await new Promise((r) => setTimeout(r, 50));
    }
    const minted = identity.issued.slice(firstIssued);
    for (const e of [...failures, ...errors, ...reauthErrors]) keepError(e);
    expect(failures).toEqual([]);
    expect(reauthErrors).toEqual([]);
    expect(reconnects).toBe(0);
    expect(await client.sendCommand(['CLIENT', 'ID'])).toBe(id);
    expect(ok).toBeGreaterThan(20);
    // 12 s of 5 s tokens refreshed at 70 % of their lifetime: the first token and at least two more
    expect(minted.length).toBeGreaterThanOrEqual(3);
    expect(authsAt.length).toBeGreaterThanOrEqual(2);
    // each new token was presented (AUTH seen by the server, detected at the next poll) before the
    // one it replaced expired; a token minted at t has exp = floor(t) + LIFETIME
    for (let i = 1; i < minted.length; i++) {
      if (minted[i - 1]!.exp * 1000 > deadline) break;
      const presented = authsAt.find((t) => t >= (minted[i]!.exp - LIFETIME) * 1000);
      expect(presented).toBeDefined();
      expect(presented!).toBeLessThan(minted[i - 1]!.exp * 1000);
    }
    // the old tokens really stopped working once expired: a fresh connection with the first one fails
    const expired = minted[0]!;
    const probe = createClient({ socket: { host: '127.0.0.1', port: server.port, tls: true, ca: certs.caPem, reconnectStrategy: false }, username: expired.oid, password: expired.token });
    probe.on('error', () => {});
    await expect(probe.connect()).rejects.toThrow(/WRONGPASS/);
    identity.lifetimeSeconds = 3600;
  }, 40_000);
});
