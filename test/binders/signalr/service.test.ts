/**
 * The app-server service below the end-to-end tests: routing (the SDK's DefaultEndpointRouter),
 * names checked before any request, the REST client (paths, bodies, audiences, status mapping,
 * retries) and multi-endpoint results, against scripted HTTPS stand-ins for the service.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jwtVerify } from 'jose';
import { inspect } from 'node:util';
import type https from 'node:https';
import { ConfigurationBuilder } from '../../../src/builder.js';
import { createServiceEndpoint } from '../../../src/binders/signalr/endpoints.js';
import { createSignalRService, type SignalRService } from '../../../src/binders/signalr/service.js';
import { defaultMessageEndpoints, defaultNegotiateEndpoint, type RoutedEndpoint } from '../../../src/binders/signalr/router.js';
import {
  SignalRArgumentError,
  SignalRDeliveryError,
  SignalRDisposedError,
  SignalRNotConnectedError,
  SignalRRestError,
  SignalRRouterError,
} from '../../../src/binders/signalr/serviceErrors.js';
import { SignalREndpointsError } from '../../../src/binders/signalr/errors.js';
import { captureErrorAsync, DEFAULT_KEY, expectNothingLeaked, KEY_B, recordError, recordShown } from './leaks.js';
import { startFakeService, testAgent, times, type FakeService } from './service-fake.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

afterAll(({}, file) => expectNothingLeaked([], file));

function routed(cs: string, name: string, type: 'primary' | 'secondary', online: boolean): RoutedEndpoint {
  const serviceEndpoint = createServiceEndpoint(cs, { name, type });
  return { name, type, endpoint: serviceEndpoint.endpoint, online, serviceEndpoint };
}

describe('routing as DefaultEndpointRouter / DefaultMessageRouter', () => {
  const eastP = routed(`Endpoint=https://east.service.signalr.net;AccessKey=${DEFAULT_KEY}`, 'east', 'primary', true);
  const northP = routed(`Endpoint=https://north.service.signalr.net;AccessKey=${DEFAULT_KEY}`, 'north', 'primary', true);
  const westS = routed(`Endpoint=https://west.service.signalr.net;AccessKey=${DEFAULT_KEY}`, 'west', 'secondary', true);
  const off = (e: RoutedEndpoint): RoutedEndpoint => ({ ...e, online: false });

  it('picks uniformly among the online primaries only', () => {
    const set = [westS, eastP, northP];
    expect(defaultNegotiateEndpoint(set, () => 0)).toBe(eastP);
    expect(defaultNegotiateEndpoint(set, () => 0.49)).toBe(eastP);
    expect(defaultNegotiateEndpoint(set, () => 0.5)).toBe(northP);
    expect(defaultNegotiateEndpoint(set, () => 0.999)).toBe(northP);
    // one primary offline: the other takes every client
    expect(defaultNegotiateEndpoint([westS, off(eastP), northP], () => 0)).toBe(northP);
  });

  it('falls back to the online secondaries when no primary is online', () => {
    const set = [off(eastP), westS, off(northP)];
    expect(defaultNegotiateEndpoint(set, () => 0.7)).toBe(westS);
  });

  it('throws the SDK\'s not-connected error naming every endpoint\'s state when none is online', () => {
    const set = [off(eastP), off(westS)];
    let error: unknown;
    try {
      defaultNegotiateEndpoint(set);
    } catch (err) {
      error = err;
      recordError(err);
    }
    expect(error).toBeInstanceOf(SignalRNotConnectedError);
    const e = error as SignalRNotConnectedError;
    expect(e.code).toBe('SIGNALR_NOT_CONNECTED');
    expect(e.message).toContain('Azure SignalR Service is not connected yet, please try again later.');
    expect(e.message).toContain('[east](Primary)https://east.service.signalr.net: offline');
    expect(e.message).toContain('[west](Secondary)https://west.service.signalr.net: offline');
    expect(e.endpoints).toEqual([
      { name: 'east', type: 'primary', endpoint: 'https://east.service.signalr.net', online: false },
      { name: 'west', type: 'secondary', endpoint: 'https://west.service.signalr.net', online: false },
    ]);
  });

  it('returns a single endpoint whatever its state (the Management SDK\'s AutoHealthCheckRouter)', () => {
    const lone = off(eastP);
    expect(defaultNegotiateEndpoint([lone])).toBe(lone);
  });

  it('sends messages to every online endpoint, primary and secondary alike', () => {
    expect(defaultMessageEndpoints([eastP, westS, off(northP)])).toEqual([eastP, westS]);
  });
});

describe('createSignalRService: bad input is a typed error and nothing is sent', () => {
  let east: FakeService;
  let agent: https.Agent;
  let service: SignalRService;
  beforeAll(async () => {
    east = await startFakeService();
    agent = await testAgent();
    service = createSignalRService([east.connectionString(DEFAULT_KEY)], { agent, healthCheckIntervalMs: 0 });
  });
  afterAll(async () => {
    await service.dispose();
    await east.close();
    agent.destroy();
  });

  it('refuses an empty endpoint set, a set without primary, and a configuration without SignalR', async () => {
    expect(() => createSignalRService([])).toThrow(SignalREndpointsError);
    const noPrimary = createServiceEndpoint(`Endpoint=https://a.service.signalr.net;AccessKey=${DEFAULT_KEY}`, { name: 'a', type: 'secondary' });
    const err = (() => {
      try {
        createSignalRService([noPrimary]);
      } catch (e) {
        return e as SignalREndpointsError;
      }
    })()!;
    recordError(err);
    expect(err.code).toBe('SIGNALR_NO_PRIMARY');
    expect(err.message).toMatch(/^No primary endpoint defined\./);
    const config = await new ConfigurationBuilder().addInMemory({ Other: 'x' }).build();
    expect(() => createSignalRService(config)).toThrow(/No connection string was specified/);
    expect(() => createSignalRService([42 as unknown as string])).toThrow(SignalRArgumentError);
    await config.dispose();
  });

  it.each([
    ['1chat'],
    ['_chat'],
    ['chat-room'],
    ['chat room'],
    [''],
    ['a'.repeat(129)],
  ])('rejects the hub name %j as the service does', async (hub) => {
    const err = await captureErrorAsync(() => service.negotiate(hub));
    expect(err).toBeInstanceOf(SignalRArgumentError);
    expect((err as SignalRArgumentError).argument).toBe('hub');
    expect(() => service.hub(hub)).toThrow(SignalRArgumentError);
  });

  it('accepts the hub names the service pattern allows', async () => {
    for (const hub of ['chat', 'Chat_1', 'a`,.[]', `a${'b'.repeat(127)}`]) {
      await expect(service.negotiate(hub)).resolves.toHaveProperty('accessToken');
    }
  });

  it('rejects user ids, groups, connection ids, methods, ttls and messages the service would refuse, before any request', async () => {
    const hub = service.hub('chat');
    const before = east.requests.length;
    const cases: Array<[() => Promise<unknown>, string]> = [
      [() => service.negotiate('chat', { userId: 42 as unknown as string }), 'userId'],
      [() => service.negotiate('chat', { userId: '' }), 'userId'],
      [() => service.negotiate('chat', { lifetimeMs: -5 }), 'lifetimeMs'],
      [() => hub.sendToUser(7 as unknown as string, 'm'), 'userId'],
      [() => hub.sendToGroup('   ', 'm'), 'group'],
      [() => hub.sendToGroup('g'.repeat(1025), 'm'), 'group'],
      [() => hub.sendToConnection('', 'm'), 'connectionId'],
      [() => hub.sendToAll('', 'x'), 'method'],
      [() => hub.addUserToGroup('alice', 'room', { ttlMs: -1 }), 'ttlMs'],
      [() => hub.closeConnection('c1', 5 as unknown as string), 'reason'],
    ];
    for (const [call, argument] of cases) {
      const err = await captureErrorAsync(call);
      expect(err, argument).toBeInstanceOf(SignalRArgumentError);
      expect((err as SignalRArgumentError).argument).toBe(argument);
      expect((err as SignalRArgumentError).code).toBe('SIGNALR_INVALID_ARGUMENT');
    }
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const cycle = await captureErrorAsync(() => hub.sendToAll('m', cyclic));
    expect(cycle.message).toBe("The arguments of 'm' cannot be serialised as JSON: they contain a cycle; nothing was sent.");
    const big = await captureErrorAsync(() => hub.sendToAll('m', 10n));
    expect(big.message).toContain('they contain a BigInt');
    // The group rule is the service's: 1–1024 characters, not only white space.
    await expect(hub.sendToGroup(' a b ', 'm')).resolves.toHaveLength(1);
    expect(east.requests.length - before).toBe(1);
  });

  it('refuses what a custom router returns when it is not one of the endpoints it was given', async () => {
    const stranger = createServiceEndpoint(`Endpoint=https://stranger.service.signalr.net;AccessKey=${KEY_B}`);
    const custom = createSignalRService([east.connectionString(DEFAULT_KEY)], {
      agent,
      healthCheckIntervalMs: 0,
      router: { negotiate: () => stranger, messages: () => [stranger] },
    });
    const before = east.requests.length;
    const n = await captureErrorAsync(() => custom.negotiate('chat'));
    expect(n).toBeInstanceOf(SignalRRouterError);
    expect(n.message).toContain('https://stranger.service.signalr.net');
    const m = await captureErrorAsync(() => custom.hub('chat').sendToAll('m'));
    expect(m).toBeInstanceOf(SignalRRouterError);
    expect(east.requests.length).toBe(before);
    await custom.dispose();
  });

  it('is unusable after dispose()', async () => {
    const s = createSignalRService([east.connectionString(DEFAULT_KEY)], { agent, healthCheckIntervalMs: 0 });
    await s.dispose();
    await expect(s.negotiate('chat')).rejects.toBeInstanceOf(SignalRDisposedError);
    expect(() => s.hub('chat')).toThrow(SignalRDisposedError);
    await s.dispose();
  });
});

describe('the REST client against two endpoints', () => {
  let east: FakeService;
  let west: FakeService;
  let agent: https.Agent;
  let service: SignalRService;
  beforeAll(async () => {
    [east, west] = await Promise.all([startFakeService(), startFakeService()]);
    agent = await testAgent();
    service = createSignalRService(
      [
        createServiceEndpoint(east.connectionString(DEFAULT_KEY), { name: 'east', type: 'primary' }),
        createServiceEndpoint(west.connectionString(KEY_B), { name: 'west', type: 'secondary' }),
      ],
      { agent, healthCheckIntervalMs: 0, retry: { delayMs: 1, maxRetries: 2 } },
    );
  });
  afterEach(() => {
    east.script = undefined;
    west.script = undefined;
    east.requests.length = 0;
    west.requests.length = 0;
  });
  afterAll(async () => {
    await service.dispose();
    await Promise.all([east.close(), west.close()]);
    agent.destroy();
  });

  it('sends {"target","arguments"} to /api/hubs/{hub}/:send?api-version=2022-06-01 on every endpoint, each with its own token', async () => {
    const outcomes = await service.hub('Chat').sendToAll('newMessage', 'hello', { n: 1 });
    expect(outcomes.map((o) => [o.name, o.ok])).toEqual([
      ['east', true],
      ['west', true],
    ]);
    for (const [fake, key] of [
      [east, DEFAULT_KEY],
      [west, KEY_B],
    ] as const) {
      expect(fake.requests).toHaveLength(1);
      const r = fake.requests[0]!;
      expect(r.method).toBe('POST');
      expect(r.path).toBe('/api/hubs/chat/:send');
      expect(r.query.get('api-version')).toBe('2022-06-01');
      expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(JSON.parse(r.body)).toEqual({ target: 'newMessage', arguments: ['hello', { n: 1 }] });
      const token = r.headers.authorization!.replace(/^Bearer /, '');
      // The audience is the request path on scheme://host/ with the port dropped, no query (the SDK's AccessTokenHttpMessageHandler).
      const { payload } = await jwtVerify(token, utf8(key), { audience: 'https://127.0.0.1/api/hubs/chat/:send' });
      expect(payload.nameid).toMatch(/_[0-9a-f]{32}$/);
    }
  });

  it('builds each operation\'s path and query as RestApiProvider does, escaping names as Uri.EscapeDataString', async () => {
    const hub = service.hub('chat');
    const user = "a b!'()*é";
    const escaped = 'a%20b%21%27%28%29%2A%C3%A9';
    await hub.sendToUser(user, 'm');
    await hub.sendToGroup('room/1', 'm');
    await hub.sendToConnection('c:1', 'm');
    await hub.addUserToGroup(user, 'room1', { ttlMs: 90_999 });
    await hub.removeUserFromGroup(user, 'room1');
    await hub.removeUserFromAllGroups(user);
    await hub.addConnectionToGroup('c1', 'room1');
    await hub.removeConnectionFromGroup('c1', 'room1');
    await hub.removeConnectionFromAllGroups('c1');
    await hub.closeConnection('c1', 'bye now');
    await hub.userExists(user);
    await hub.groupExists('room1');
    await hub.connectionExists('c1');
    await hub.userInGroup(user, 'room1');
    const seen = east.requests.map((r) => `${r.method} ${r.url}`);
    const v = 'api-version=2022-06-01';
    expect(seen).toEqual([
      `POST /api/hubs/chat/users/${escaped}/:send?${v}`,
      `POST /api/hubs/chat/groups/room%2F1/:send?${v}`,
      `POST /api/hubs/chat/connections/c%3A1/:send?${v}`,
      `PUT /api/hubs/chat/users/${escaped}/groups/room1?${v}&ttl=90`,
      `DELETE /api/hubs/chat/users/${escaped}/groups/room1?${v}`,
      `DELETE /api/hubs/chat/users/${escaped}/groups?${v}`,
      `PUT /api/hubs/chat/groups/room1/connections/c1?${v}`,
      `DELETE /api/hubs/chat/groups/room1/connections/c1?${v}`,
      `DELETE /api/hubs/chat/connections/c1/groups?${v}`,
      `DELETE /api/hubs/chat/connections/c1?${v}&reason=bye%20now`,
      `HEAD /api/hubs/chat/users/${escaped}?${v}`,
      `HEAD /api/hubs/chat/groups/room1?${v}`,
      `HEAD /api/hubs/chat/connections/c1?${v}`,
      `GET /api/hubs/chat/users/${escaped}/groups/room1?${v}`,
    ]);
    // Every operation went to both endpoints.
    expect(west.requests.map((r) => `${r.method} ${r.url}`)).toEqual(seen);
    // Bodies only on sends.
    expect(east.requests.filter((r) => r.body !== '').map((r) => r.method)).toEqual(['POST', 'POST', 'POST']);
  });

  it('reads …Exists from 200 / 404 with the x-ms-error-code the service sends, any endpoint counting', async () => {
    const notFound = (code: string) => ({ status: 404, headers: { 'x-ms-error-code': code } });
    east.script = () => notFound('Warning.User.NotExisted');
    west.script = () => ({ status: 200 });
    await expect(service.hub('chat').userExists('alice')).resolves.toBe(true);
    west.script = () => notFound('Warning.User.NotExisted');
    await expect(service.hub('chat').userExists('alice')).resolves.toBe(false);
    east.script = west.script = () => notFound('Warning.Group.NotExisted');
    await expect(service.hub('chat').groupExists('g')).resolves.toBe(false);
    east.script = west.script = () => notFound('Info.User.NotInGroup');
    await expect(service.hub('chat').userInGroup('alice', 'g')).resolves.toBe(false);
    // A 404 with another code (or none) is an inaccessible endpoint, not "does not exist".
    east.script = () => notFound('Warning.Group.NotExisted');
    west.script = () => ({ status: 200 });
    const wrong = await captureErrorAsync(() => service.hub('chat').userExists('alice'));
    expect(wrong).toBeInstanceOf(SignalRDeliveryError);
    const inner = (wrong as SignalRDeliveryError).outcomes.find((o) => !o.ok)!.error as SignalRRestError;
    expect(inner.code).toBe('SIGNALR_REST_NOT_FOUND');
    expect(inner.errorCode).toBe('Warning.Group.NotExisted');
  });

  it('answers connectionExists as soon as one endpoint holds the connection (ids are unique to one endpoint)', async () => {
    east.script = () => ({ status: 200 });
    west.script = () => ({ status: 200, delayMs: 60_000 });
    await expect(service.hub('chat').connectionExists('c1')).resolves.toBe(true);
  });

  it('accepts the 404s an operation expects (close, add connection to group) as the SDK does', async () => {
    east.script = (r) => (r.method === 'DELETE' ? { status: 404, headers: { 'x-ms-error-code': 'Warning.Connection.NotExisted' } } : undefined);
    west.script = (r) => (r.method === 'PUT' ? { status: 404, headers: { 'x-ms-error-code': 'Error.Connection.NotExisted' } } : undefined);
    await expect(service.hub('chat').closeConnection('c1')).resolves.toHaveLength(2);
    await expect(service.hub('chat').addConnectionToGroup('c1', 'g')).resolves.toHaveLength(2);
  });

  it.each([
    [400, 'SIGNALR_REST_INVALID_ARGUMENT', /^Bad Request from SignalR endpoint \[west\]\(Secondary\)https:\/\/127\.0\.0\.1:\d+\. The service said: Invalid user id\./],
    [401, 'SIGNALR_REST_UNAUTHORIZED', /^401 Unauthorized from SignalR endpoint \[west\].*check the connection string and see if the AccessKey is correct/],
    [403, 'SIGNALR_REST_FORBIDDEN', /^403 Forbidden from SignalR endpoint \[west\].*Networking settings/],
    [404, 'SIGNALR_REST_NOT_FOUND', /^Unable to access SignalR endpoint \[west\].*make sure the endpoint or DNS setting is correct/],
    [409, 'SIGNALR_REST_RUNTIME', /^Azure SignalR service runtime error from endpoint \[west\].*status 409/],
  ])('maps a %i to a typed error naming the endpoint, reported per endpoint', async (status, code, message) => {
    west.script = () => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: 'X', message: 'Invalid user id.' }) });
    const err = await captureErrorAsync(() => service.hub('chat').sendToUser('alice', 'm', 'x'));
    expect(err).toBeInstanceOf(SignalRDeliveryError);
    const outcomes = (err as SignalRDeliveryError).outcomes;
    expect(outcomes.map((o) => [o.name, o.ok])).toEqual([
      ['east', true],
      ['west', false],
    ]);
    const inner = outcomes[1]!.error as SignalRRestError;
    expect(inner).toBeInstanceOf(SignalRRestError);
    expect(inner.code).toBe(code);
    expect(inner.statusCode).toBe(status);
    expect(inner.message).toMatch(message);
    expect(inner.url).toMatch(/\/api\/hubs\/chat\/users\/alice\/:send\?api-version=2022-06-01$/);
    expect(err.message).toContain('failed on 1 of 2 SignalR endpoint(s)');
    expect(err.message).toContain('Succeeded on: [east](Primary)');
    // 4xx is never retried.
    expect(west.requests).toHaveLength(1);
    recordShown(inner);
    const text = `${err.message} ${inspect(err, { depth: 6 })} ${JSON.stringify(err)}`;
    expect(text).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
  });

  it('retries a message on 502/503/504 and 429 honouring Retry-After, but not on 500 (it may have been delivered)', async () => {
    east.script = times(2, () => true, { status: 503, headers: { 'retry-after': '0' } });
    west.script = times(1, () => true, { status: 429, headers: { 'retry-after-ms': '1' } });
    await expect(service.hub('chat').sendToAll('m')).resolves.toHaveLength(2);
    expect(east.requests).toHaveLength(3);
    expect(west.requests).toHaveLength(2);

    east.requests.length = 0;
    east.script = times(1, () => true, { status: 500 });
    const err = await captureErrorAsync(() => service.hub('chat').sendToAll('m'));
    const inner = (err as SignalRDeliveryError).outcomes[0]!.error as SignalRRestError;
    expect(inner.code).toBe('SIGNALR_REST_RUNTIME');
    expect(east.requests).toHaveLength(1);
  });

  it('retries idempotent operations on 500 and 408 up to maxRetries, then names the attempts', async () => {
    east.script = times(1, () => true, { status: 500 });
    west.script = times(1, () => true, { status: 408 });
    await expect(service.hub('chat').addUserToGroup('alice', 'g')).resolves.toHaveLength(2);
    expect([east.requests.length, west.requests.length]).toEqual([2, 2]);

    east.requests.length = 0;
    east.script = () => ({ status: 503 });
    const err = await captureErrorAsync(() => service.hub('chat').removeUserFromGroup('alice', 'g'));
    const inner = (err as SignalRDeliveryError).outcomes[0]!.error as SignalRRestError;
    expect(east.requests).toHaveLength(3);
    expect(inner.attempts).toBe(3);
    expect(inner.message).toContain('status 503 after 3 attempts');
  });

  it('does not wait out a Retry-After longer than maxDelayMs', async () => {
    const slow = createSignalRService([east.connectionString(DEFAULT_KEY)], { agent, healthCheckIntervalMs: 0, retry: { maxDelayMs: 1_000 } });
    east.script = () => ({ status: 503, headers: { 'retry-after': '3600' } });
    const err = await captureErrorAsync(() => slow.hub('chat').sendToAll('m'));
    expect(((err as SignalRDeliveryError).outcomes[0]!.error as SignalRRestError).attempts).toBe(1);
    expect(east.requests).toHaveLength(1);
    await slow.dispose();
  });

  it('times out an attempt, retries an idempotent one, and reports SIGNALR_REST_TIMEOUT', async () => {
    const quick = createSignalRService([east.connectionString(DEFAULT_KEY)], { agent, healthCheckIntervalMs: 0, timeoutMs: 50, retry: { delayMs: 1, maxRetries: 1 } });
    east.script = () => ({ status: 200, delayMs: 60_000 });
    const err = await captureErrorAsync(() => quick.hub('chat').userExists('alice'));
    const inner = (err as SignalRDeliveryError).outcomes[0]!.error as SignalRRestError;
    expect(inner.code).toBe('SIGNALR_REST_TIMEOUT');
    expect(east.requests).toHaveLength(2);
    // A message that went out and timed out is not sent again.
    east.requests.length = 0;
    const send = await captureErrorAsync(() => quick.hub('chat').sendToAll('m'));
    expect(((send as SignalRDeliveryError).outcomes[0]!.error as SignalRRestError).code).toBe('SIGNALR_REST_TIMEOUT');
    expect(east.requests).toHaveLength(1);
    await quick.dispose();
  });

  it('reports a network error naming the endpoint, and fails at once when no endpoint is online', async () => {
    const gone = await startFakeService();
    const cs = gone.connectionString(DEFAULT_KEY);
    await gone.close();
    const s = createSignalRService([cs], { agent, healthCheckIntervalMs: 0, retry: { delayMs: 1, maxRetries: 1 } });
    const err = await captureErrorAsync(() => s.hub('chat').sendToAll('m'));
    const inner = (err as SignalRDeliveryError).outcomes[0]!.error as SignalRRestError;
    expect(inner.code).toBe('SIGNALR_REST_NETWORK');
    expect(inner.message).toMatch(/^SignalR endpoint \(Primary\)https:\/\/127\.0\.0\.1:\d+ could not be reached after 2 attempts: ECONNREFUSED/);
    await s.dispose();

    const offline = createSignalRService([createServiceEndpoint(cs, { name: 'a' }), createServiceEndpoint(cs.replace('127.0.0.1', 'localhost'), { name: 'b' })], {
      agent,
      healthCheckIntervalMs: 0,
      healthCheckRetryIntervalMs: 1,
      healthCheckTimeoutMs: 500,
    });
    await offline.checkHealth();
    expect(offline.endpoints.map((e) => e.online)).toEqual([false, false]);
    const none = await captureErrorAsync(() => offline.hub('chat').sendToAll('m'));
    expect(none).toBeInstanceOf(SignalRNotConnectedError);
    expect(none.message).toContain('nothing was sent');
    await offline.dispose();
  });

  it('lets a custom message router narrow the endpoints', async () => {
    const onlyWest = createSignalRService(
      [createServiceEndpoint(east.connectionString(DEFAULT_KEY), { name: 'east' }), createServiceEndpoint(west.connectionString(KEY_B), { name: 'west', type: 'secondary' })],
      { agent, healthCheckIntervalMs: 0, router: { messages: (eps, target) => eps.filter((e) => e.name === (target.kind === 'user' ? 'west' : 'east')) } },
    );
    await onlyWest.hub('chat').sendToUser('alice', 'm');
    await onlyWest.hub('chat').sendToAll('m');
    expect([east.requests.length, west.requests.length]).toEqual([1, 1]);
    expect(west.requests[0]!.path).toBe('/api/hubs/chat/users/alice/:send');
    await onlyWest.dispose();
  });
});

describe('negotiate through the service', () => {
  it('routes with a custom negotiate router and signs for the chosen endpoint (ServiceEndpoint or routed entry)', async () => {
    const a = createServiceEndpoint(`Endpoint=https://a.service.signalr.net;AccessKey=${DEFAULT_KEY}`, { name: 'a' });
    const b = createServiceEndpoint(`Endpoint=https://b.service.signalr.net:8443;AccessKey=${KEY_B}`, { name: 'b' });
    const seen: string[] = [];
    const s = createSignalRService([a, b], {
      healthCheckIntervalMs: 0,
      router: {
        negotiate: (eps, ctx) => {
          seen.push(`${ctx.hub}/${ctx.userId}`);
          // What a router sees of the endpoints shows no key either.
          recordShown(eps);
          return ctx.userId === 'bob' ? b : eps[0]!;
        },
      },
    });
    const forBob = await s.negotiate('Chat', { userId: 'bob', lifetimeMs: 120_000 });
    expect(forBob.url).toBe('https://b.service.signalr.net:8443/client/?hub=chat');
    const { payload } = await jwtVerify(forBob.accessToken, utf8(KEY_B), { audience: 'https://b.service.signalr.net/client/?hub=chat' });
    expect(payload['asrs.s.uid']).toBe('bob');
    expect(payload.exp! - payload.iat!).toBe(120);
    const forAnn = await s.negotiate('Chat', { userId: 'ann', claims: { role: 'admin' } });
    expect(forAnn.url).toBe('https://a.service.signalr.net/client/?hub=chat');
    expect((await jwtVerify(forAnn.accessToken, utf8(DEFAULT_KEY))).payload.role).toBe('admin');
    expect(seen).toEqual(['Chat/bob', 'Chat/ann']);
    expect(s.endpoints).toEqual([
      { name: 'a', type: 'primary', endpoint: 'https://a.service.signalr.net', online: true },
      { name: 'b', type: 'primary', endpoint: 'https://b.service.signalr.net:8443', online: true },
    ]);
    recordShown(s.endpoints);
    await s.dispose();
  });

  it('uses the SDK de-duplication: one endpoint per resource, the primary kept', async () => {
    const s = createSignalRService(
      [
        `Endpoint=https://a.service.signalr.net;AccessKey=${DEFAULT_KEY}`,
        createServiceEndpoint(`Endpoint=https://a.service.signalr.net;AccessKey=${KEY_B}`, { name: 'dup', type: 'secondary' }),
      ],
      { healthCheckIntervalMs: 0 },
    );
    expect(s.endpoints.map((e) => [e.name, e.type])).toEqual([['', 'primary']]);
    await s.dispose();
  });
});


describe('the package entry', () => {
  it('exports the app-server API and its errors', async () => {
    const api = await import('../../../src/index.js');
    for (const name of ['createSignalRService', 'defaultNegotiateEndpoint', 'defaultMessageEndpoints'] as const) expect(typeof api[name], name).toBe('function');
    for (const E of [api.SignalRArgumentError, api.SignalRNotConnectedError, api.SignalRRouterError, api.SignalRDisposedError, api.SignalRRestError, api.SignalRDeliveryError]) {
      expect(E.prototype).toBeInstanceOf(api.ConfigurationError);
    }
    expect(api.HEALTH_CHECK_DEFAULTS).toEqual({ intervalMs: 120_000, retryIntervalMs: 3_000, timeoutMs: 2_000, retries: 2 });
  });
});
