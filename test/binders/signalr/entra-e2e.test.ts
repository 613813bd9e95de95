/**
 * Identity-only SignalR end to end: an app server on node:http built with the library serves
 * `/chat/negotiate` for endpoints whose only auth is a managed identity (the real
 * ManagedIdentityCredential, against the fake identity endpoint); the real @microsoft/signalr
 * client negotiates through it, connects to the emulator (access keys disabled) and receives what
 * the app server broadcasts through `restApi`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { HubConnection } from '@microsoft/signalr';
import { startSignalREmulator, type SignalREmulator } from '../../emulators/signalr.js';
import { useFakeIdentityEndpoint } from '../../support/identity.js';
import { connectHub } from './client.js';
import { captureErrorAsync, expectNothingLeaked, recordError } from './leaks.js';
import { ConfigurationBuilder } from '../../../src/builder.js';
import { getSignalREndpoints, type ServiceEndpoint } from '../../../src/binders/signalr/endpoints.js';
import { negotiate, restApi } from '../../../src/binders/signalr/tokens.js';
import { SignalRAccessKeyCache } from '../../../src/binders/signalr/accessKey.js';
import { SignalRAccessKeyError } from '../../../src/binders/signalr/errors.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const fake = useFakeIdentityEndpoint();
const emulators: SignalREmulator[] = [];
const caches: SignalRAccessKeyCache[] = [];
const connections: HubConnection[] = [];
const servers: http.Server[] = [];

async function emulator(): Promise<SignalREmulator> {
  const e = await startSignalREmulator({ allowAccessKeys: false });
  emulators.push(e);
  return e;
}

async function endpointsOf(values: Record<string, string>): Promise<ServiceEndpoint[]> {
  return getSignalREndpoints(await new ConfigurationBuilder().addInMemory(values, { name: 'Memory' }).build());
}

function post(agent: https.Agent, url: string, token: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/**
 * The app server: `POST /chat/negotiate` answers `{ url, accessToken }` from the endpoint named in
 * `?endpoint=` (default the first primary), user from `x-user`; `broadcast()` sends to every endpoint
 * over REST, as the SDK's message router does. Errors become a 500 with the error's code.
 */
async function startAppServer(endpoints: ServiceEndpoint[], agent: https.Agent, accessKeys: SignalRAccessKeyCache) {
  const errors: unknown[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://app');
    if (req.method !== 'POST' || url.pathname !== '/chat/negotiate') return void res.writeHead(404).end();
    const name = url.searchParams.get('endpoint');
    const endpoint = endpoints.find((e) => (name === null ? e.type === 'primary' : e.name === name))!;
    const userId = req.headers['x-user'];
    negotiate(endpoint, 'chat', { ...(typeof userId === 'string' ? { userId } : {}), agent, accessKeys }).then(
      (body) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      },
      (err: unknown) => {
        errors.push(err);
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: (err as { code?: string }).code ?? 'ERROR' }));
      },
    );
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/chat`,
    errors,
    accessKeys,
    async broadcast(target: string, ...args: unknown[]): Promise<number[]> {
      return Promise.all(
        endpoints.map(async (e) => {
          const api = await restApi(e, 'chat', { agent, accessKeys });
          const { url, accessToken } = await api.request('/:send');
          return post(agent, url, accessToken, { target, arguments: args });
        }),
      );
    },
  };
}

function received(connection: HubConnection, target: string): unknown[][] {
  const got: unknown[][] = [];
  connection.on(target, (...args: unknown[]) => got.push(args));
  return got;
}

async function connect(url: string, ca: string, user?: string): Promise<HubConnection> {
  const { connection } = await connectHub(url, ca, user ? { headers: { 'x-user': user } } : {});
  connections.push(connection);
  return connection;
}

/** Every key the emulators issued, for the leak check at the end. */
const issuedKeys: string[] = [];

afterEach(async () => {
  vi.useRealTimers();
  for (const e of emulators) issuedKeys.push(e.keys.current().key);
  await Promise.all(connections.splice(0).map((c) => c.stop()));
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  for (const c of caches.splice(0)) c.dispose();
  await Promise.all(emulators.splice(0).map((e) => e.stop()));
});
afterAll(({}, file) => expectNothingLeaked([...issuedKeys, ...fake.endpoint.issued.map((t) => t.token)], file));

function newCache(): SignalRAccessKeyCache {
  const c = new SignalRAccessKeyCache();
  caches.push(c);
  return c;
}

describe('identity-only SignalR with the real client', () => {
  it('AuthType=azure.msi: negotiate through the app server, connect, receive a REST broadcast and a user message', async () => {
    const sr = await emulator();
    const [endpoint] = await endpointsOf({ 'Azure:SignalR:ConnectionString': sr.connectionString('azure.msi') });
    const app = await startAppServer([endpoint!], sr.agent, newCache());
    const before = fake.endpoint.requests.length;

    const connection = await connect(app.url, sr.ca, 'alice');
    await sr.waitForConnections('chat', 1);
    expect(sr.connections('chat')[0]?.userId).toBe('alice');
    // The managed identity was asked for a SignalR token once, and the key fetched once.
    expect(fake.endpoint.requests.slice(before)).toEqual([{ resource: 'https://signalr.azure.com' }]);
    expect(sr.counters.accessKey).toBe(1);
    const negotiated = sr.acceptedTokens.find((t) => t.kind === 'negotiate')!;
    expect(negotiated.header.kid).toBe(sr.keys.current().kid);

    const messages = received(connection, 'notify');
    expect(await app.broadcast('notify', 'hello', 42)).toEqual([202]);
    await expect.poll(() => messages).toEqual([['hello', 42]]);
    expect(sr.acceptedTokens.at(-1)).toMatchObject({ kind: 'rest', header: { kid: sr.keys.current().kid } });

    const direct = received(connection, 'direct');
    const api = await restApi(endpoint!, 'chat', { agent: sr.agent, accessKeys: app.accessKeys });
    const toAlice = await api.request('/users/alice/:send');
    expect(await post(sr.agent, toAlice.url, toAlice.accessToken, { target: 'direct', arguments: ['hi alice'] })).toBe(202);
    await expect.poll(() => direct).toEqual([['hi alice']]);
    expect(sr.sent.at(-1)).toMatchObject({ target: 'user', name: 'alice' });
    expect(sr.counters.accessKey).toBe(1);
    expect(sr.counters.rejectedTokens).toBe(0);
  });

  it('two identity-based endpoints (primary + secondary) from the serviceUri form: one key each, broadcasts reach both', async () => {
    const east = await emulator();
    const west = await emulator();
    const endpoints = await endpointsOf({
      'Azure:SignalR:Endpoints:east:serviceUri': east.endpoint,
      'Azure:SignalR:Endpoints:east:credential': 'managedidentity',
      'Azure:SignalR:Endpoints:west:serviceUri': west.endpoint,
      'Azure:SignalR:Endpoints:west:credential': 'managedidentity',
      'Azure:SignalR:Endpoints:west:type': 'secondary',
    });
    expect(endpoints.map((e) => [e.name, e.type])).toEqual([['east', 'primary'], ['west', 'secondary']]);
    const app = await startAppServer(endpoints, east.agent, newCache());
    const a = await connect(app.url, east.ca);
    const b = await connect(`${app.url}?endpoint=west`, west.ca);
    await east.waitForConnections('chat', 1);
    await west.waitForConnections('chat', 1);
    const gotA = received(a, 'tick');
    const gotB = received(b, 'tick');
    expect(await app.broadcast('tick', 1)).toEqual([202, 202]);
    await expect.poll(() => [gotA, gotB]).toEqual([[[1]], [[1]]]);
    expect([east.counters.accessKey, west.counters.accessKey]).toEqual([1, 1]);
    expect(east.keys.current().kid).not.toBe(west.keys.current().kid);
  });

  it('key rotation mid-way: after the 55-minute refresh the next negotiate carries the new kid, old connections keep working', async () => {
    const sr = await emulator();
    const [endpoint] = await endpointsOf({ 'Azure:SignalR:ConnectionString': sr.connectionString('azure.msi') });
    const cache = newCache();
    const app = await startAppServer([endpoint!], sr.agent, cache);
    const first = await connect(app.url, sr.ca);
    await sr.waitForConnections('chat', 1);
    const oldKid = sr.keys.current().kid;

    issuedKeys.push(sr.keys.current().key);
    const rotated = sr.keys.rotate();
    // Only the clock moves: the refresh is due 55 minutes after the fetch, and update() is what the tick calls.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 56 * 60_000);
    await cache.keyFor(endpoint!, {}).update();
    expect(sr.counters.accessKey).toBe(2);

    const second = await connect(app.url, sr.ca);
    await sr.waitForConnections('chat', 2);
    const kids = sr.acceptedTokens.filter((t) => t.kind === 'negotiate').map((t) => t.header.kid);
    expect(kids).toEqual([oldKid, rotated.kid]);

    const one = received(first, 'after');
    const two = received(second, 'after');
    expect(await app.broadcast('after', 'rotated')).toEqual([202]);
    await expect.poll(() => [one, two]).toEqual([[['rotated']], [['rotated']]]);
    expect(sr.acceptedTokens.at(-1)?.header.kid).toBe(rotated.kid);
  });

  it('a 401 from the key endpoint: typed error naming the role, no token issued, the client fails to start', async () => {
    const sr = await emulator();
    const [endpoint] = await endpointsOf({ 'Azure:SignalR:ConnectionString': sr.connectionString('azure.msi') });
    const app = await startAppServer([endpoint!], sr.agent, newCache());
    sr.failAccessKey(401);
    const err = await captureErrorAsync(() => connect(app.url, sr.ca));
    expect(err.message).toMatch(/500|SIGNALR_ACCESS_KEY_UNAUTHORIZED/);
    const cause = app.errors[0] as SignalRAccessKeyError;
    recordError(cause);
    expect(cause).toBeInstanceOf(SignalRAccessKeyError);
    expect([cause.code, cause.key, cause.provider]).toEqual(['SIGNALR_ACCESS_KEY_UNAUTHORIZED', 'Azure:SignalR:ConnectionString', 'Memory']);
    expect(cause.message).toContain('"SignalR App Server" role');
    for (const t of fake.endpoint.issued) expect(JSON.stringify(cause) + cause.message).not.toContain(t.token);
    expect(sr.counters.negotiate).toBe(0);
    expect(sr.connections()).toEqual([]);
  }, 20_000);

  it('a process that used an identity-based endpoint exits by itself: the refresh timer never keeps it alive', async () => {
    const sr = await emulator();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lc-exit-'));
    try {
      writeFileSync(path.join(dir, 'ca.pem'), sr.ca);
      const entra = (await sr.credential().getToken('https://signalr.azure.com/.default'))!.token;
      const script = [
        `import { createServiceEndpoint, negotiate } from ${JSON.stringify(pathToFileURL(path.join(repo, 'dist/index.js')).href)};`,
        'const credential = { getToken: async () => ({ token: process.env.ENTRA, expiresOnTimestamp: Date.now() + 3600_000 }) };',
        "const { accessToken } = await negotiate(createServiceEndpoint(process.env.CS), 'chat', { credential });",
        "console.log(JSON.parse(Buffer.from(accessToken.split('.')[0], 'base64url').toString()).kid);",
      ].join('\n');
      // No dispose() in the script: if the 1-minute refresh timer were not unref'd, the child would never exit.
      const result = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
        execFile(process.execPath, ['--input-type=module', '-e', script], {
          env: { PATH: process.env.PATH ?? '', NODE_EXTRA_CA_CERTS: path.join(dir, 'ca.pem'), CS: sr.connectionString('azure'), ENTRA: entra },
          timeout: 20_000,
        }, (error, stdout) => resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout }));
      });
      expect(result).toEqual({ code: 0, stdout: `${sr.keys.current().kid}\n` });
      expect(sr.counters.accessKey).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
