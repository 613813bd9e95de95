/**
 * Health probes as the Management SDK's RestHealthCheckService sends them, and endpoints following
 * configuration reloads as its ServiceEndpointManager does. Scripted HTTPS stand-ins play the
 * service; the vectors (OK then 502×3 → offline; 502, 404 and a network error are unhealthy) are
 * RestHealthCheckServiceFacts'.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { jwtVerify } from 'jose';
import type https from 'node:https';
import { ConfigurationBuilder } from '../../../src/builder.js';
import type { ConfigurationError } from '../../../src/core/errors.js';
import { createServiceEndpoint } from '../../../src/binders/signalr/endpoints.js';
import { createSignalRService } from '../../../src/binders/signalr/service.js';
import { healthUrl } from '../../../src/binders/signalr/health.js';
import { DEFAULT_KEY, expectNothingLeaked, KEY_B, KEY_C, recordError, recordShown } from './leaks.js';
import { startFakeService, SwappableProvider, testAgent, times, type FakeService } from './service-fake.js';

const utf8 = (s: string) => new TextEncoder().encode(s);
const health = (r: { path: string }) => r.path === '/api/health';

afterAll(({}, file) => expectNothingLeaked([], file));

let east: FakeService;
let west: FakeService;
let north: FakeService;
let agent: https.Agent;
beforeAll(async () => {
  [east, west, north] = await Promise.all([startFakeService(), startFakeService(), startFakeService()]);
  agent = await testAgent();
});
afterEach(() => {
  for (const f of [east, west, north]) {
    f.script = undefined;
    f.requests.length = 0;
  }
});
afterAll(async () => {
  await Promise.all([east.close(), west.close(), north.close()]);
  agent.destroy();
});

function pair() {
  return [
    createServiceEndpoint(east.connectionString(DEFAULT_KEY), { name: 'east', type: 'primary' }),
    createServiceEndpoint(west.connectionString(KEY_B), { name: 'west', type: 'secondary' }),
  ];
}

describe('health probes', () => {
  it('sends HEAD {ServerEndpoint}api/health?api-version=2022-06-01 without a token', () => {
    expect(healthUrl('https://a.service.signalr.net/')).toBe('https://a.service.signalr.net/api/health?api-version=2022-06-01');
    expect(healthUrl('https://a.service.signalr.net:8443')).toBe('https://a.service.signalr.net:8443/api/health?api-version=2022-06-01');
  });

  it('marks an endpoint offline after the probe and its two retries fail, and online again when it answers', async () => {
    const s = createSignalRService(pair(), { agent, healthCheckIntervalMs: 0, healthCheckRetryIntervalMs: 1 });
    await s.checkHealth();
    expect(s.endpoints.map((e) => e.online)).toEqual([true, true]);
    const probe = east.requests[0]!;
    expect([probe.method, probe.url, probe.headers.authorization]).toEqual(['HEAD', '/api/health?api-version=2022-06-01', undefined]);

    east.requests.length = 0;
    east.script = times(3, health, { status: 502 });
    await s.checkHealth();
    expect(east.requests.filter(health)).toHaveLength(3);
    expect(s.endpoints.map((e) => [e.name, e.online])).toEqual([
      ['east', false],
      ['west', true],
    ]);
    // East is down: clients go to the secondary.
    expect((await s.negotiate('chat')).url).toBe(`${west.endpoint}/client/?hub=chat`);

    await s.checkHealth();
    expect(s.endpoints.map((e) => e.online)).toEqual([true, true]);
    expect((await s.negotiate('chat')).url).toBe(`${east.endpoint}/client/?hub=chat`);
    await s.dispose();
  });

  it('stays online when one retry succeeds', async () => {
    const s = createSignalRService(pair(), { agent, healthCheckIntervalMs: 0, healthCheckRetryIntervalMs: 1 });
    east.script = times(2, health, { status: 503 });
    await s.checkHealth();
    expect(east.requests.filter(health)).toHaveLength(3);
    expect(s.endpoints[0]!.online).toBe(true);
    await s.dispose();
  });

  it.each([
    ['a 404', { status: 404 }],
    ['no answer in time', { status: 200, delayMs: 60_000 }],
  ])('counts %s as unhealthy', async (_, answer) => {
    const s = createSignalRService(pair(), { agent, healthCheckIntervalMs: 0, healthCheckRetryIntervalMs: 1, healthCheckTimeoutMs: 100 });
    east.script = (r) => (health(r) ? answer : undefined);
    await s.checkHealth();
    expect(s.endpoints[0]!.online).toBe(false);
    await s.dispose();
  });

  it('counts a refused connection as unhealthy', async () => {
    const gone = await startFakeService();
    const cs = gone.connectionString(DEFAULT_KEY);
    await gone.close();
    const s = createSignalRService([createServiceEndpoint(cs, { name: 'gone' }), pair()[1]!], { agent, healthCheckIntervalMs: 0, healthCheckRetryIntervalMs: 1 });
    await s.checkHealth();
    expect(s.endpoints.map((e) => e.online)).toEqual([false, true]);
    await s.dispose();
  });

  it('probes the ServerEndpoint when one is set', async () => {
    const cs = `Endpoint=https://unreachable.invalid;AccessKey=${DEFAULT_KEY};ServerEndpoint=${east.endpoint};Version=1.0`;
    const s = createSignalRService([createServiceEndpoint(cs, { name: 'a' }), pair()[1]!], { agent, healthCheckIntervalMs: 0 });
    await s.checkHealth();
    expect(east.requests.filter(health)).toHaveLength(1);
    expect(s.endpoints[0]!.online).toBe(true);
    await s.dispose();
  });

  it('does not probe a single online endpoint (nowhere else to send clients), as the SDK', async () => {
    const s = createSignalRService([pair()[0]!], { agent, healthCheckIntervalMs: 0 });
    await s.checkHealth();
    expect(east.requests).toHaveLength(0);
    await s.dispose();
  });

  it('moves new negotiations to the secondary on the periodic probes alone, and back', async () => {
    const s = createSignalRService(pair(), { agent, healthCheckIntervalMs: 10, healthCheckRetryIntervalMs: 1 });
    east.script = (r) => (health(r) ? { status: 503 } : undefined);
    await vi.waitFor(() => expect(s.endpoints[0]!.online).toBe(false), { timeout: 20_000, interval: 10 });
    expect((await s.negotiate('chat')).url).toBe(`${west.endpoint}/client/?hub=chat`);
    east.script = undefined;
    await vi.waitFor(() => expect(s.endpoints[0]!.online).toBe(true), { timeout: 20_000, interval: 10 });
    expect((await s.negotiate('chat')).url).toBe(`${east.endpoint}/client/?hub=chat`);
    await s.dispose();
  });

  it('runs the first round at start, not one interval later (RestHealthCheckServiceFacts: the first check at creation)', async () => {
    east.script = (r) => (health(r) ? { status: 502 } : undefined);
    // an interval far beyond the test: only the round at start can mark east offline
    const s = createSignalRService(pair(), { agent, healthCheckIntervalMs: 3_600_000, healthCheckRetryIntervalMs: 1 });
    await vi.waitFor(() => expect(s.endpoints.map((e) => e.online)).toEqual([false, true]), { timeout: 10_000, interval: 10 });
    expect(east.requests.filter(health)).toHaveLength(3);
    expect(west.requests.filter(health)).toHaveLength(1);
    await s.dispose();
  });

  it('probes on the interval until disposed', async () => {
    const s = createSignalRService(pair(), { agent, healthCheckIntervalMs: 10 });
    await vi.waitFor(() => expect(east.requests.filter(health).length).toBeGreaterThanOrEqual(3), { timeout: 20_000, interval: 20 });
    await s.dispose();
    await expect(s.checkHealth()).rejects.toThrow('disposed');
  });
});

describe('endpoints follow configuration reloads', () => {
  const key = 'Azure:SignalR:ConnectionString';
  it('adds, removes and replaces endpoints, keeping the state of those unchanged', async () => {
    const provider = new SwappableProvider({
      [`${key}:east`]: east.connectionString(DEFAULT_KEY),
      [`${key}:west:secondary`]: west.connectionString(KEY_B),
    });
    const config = await new ConfigurationBuilder().add(provider).build();
    const errors: ConfigurationError[] = [];
    const s = createSignalRService(config, { agent, healthCheckIntervalMs: 0, healthCheckRetryIntervalMs: 1, onError: (e) => errors.push(e) });
    expect(s.endpoints.map((e) => [e.name, e.type])).toEqual([
      ['east', 'primary'],
      ['west', 'secondary'],
    ]);
    west.script = (r) => (health(r) ? { status: 503 } : undefined);
    await s.checkHealth();
    expect(s.endpoints.map((e) => e.online)).toEqual([true, false]);

    // north is added; west (unchanged) keeps its offline state
    provider.set({
      [`${key}:east`]: east.connectionString(DEFAULT_KEY),
      [`${key}:west:secondary`]: west.connectionString(KEY_B),
      [`${key}:north`]: north.connectionString(KEY_C),
    });
    await config.reload();
    expect(s.endpoints.map((e) => [e.name, e.online])).toEqual([
      ['east', true],
      ['north', true],
      ['west', false],
    ]);
    await s.hub('chat').sendToAll('m');
    expect([east, north, west].map((f) => f.requests.filter((r) => r.method === 'POST').length)).toEqual([1, 1, 0]);

    // east's key changes and west is removed: east is a new endpoint (signs with the new key), west is gone
    provider.set({ [`${key}:east`]: east.connectionString(KEY_B), [`${key}:north`]: north.connectionString(KEY_C) });
    await config.reload();
    expect(s.endpoints.map((e) => e.name)).toEqual(['east', 'north']);
    east.requests.length = 0;
    await s.hub('chat').sendToAll('m');
    const token = east.requests[0]!.headers.authorization!.slice(7);
    await expect(jwtVerify(token, utf8(KEY_B))).resolves.toBeTruthy();

    // an invalid reload keeps the last good endpoints and is reported
    provider.set({ [`${key}:east:secondary`]: east.connectionString(KEY_B) });
    await config.reload();
    expect(s.endpoints.map((e) => e.name)).toEqual(['east', 'north']);
    expect(errors.map((e) => e.code)).toEqual(['SIGNALR_NO_PRIMARY']);
    recordError(errors[0]);
    recordShown(s.endpoints);

    // after dispose, reloads are not followed
    await s.dispose();
    provider.set({ [`${key}:solo`]: north.connectionString(KEY_C) });
    await config.reload();
    expect(s.endpoints.map((e) => e.name)).toEqual(['east', 'north']);
    await config.dispose();
  });

  it('reads a section: the Azure:SignalR section itself, or a section holding Azure:SignalR', async () => {
    const config = await new ConfigurationBuilder()
      .addInMemory({
        'Azure:SignalR:ConnectionString': east.connectionString(DEFAULT_KEY),
        'Tenants:Contoso:Azure:SignalR:Endpoints:one': west.connectionString(KEY_B),
      })
      .build();
    const own = createSignalRService(config.getSection('Azure:SignalR'), { healthCheckIntervalMs: 0 });
    expect(own.endpoints.map((e) => e.endpoint)).toEqual([east.endpoint]);
    const tenant = createSignalRService(config.getSection('Tenants:Contoso'), { healthCheckIntervalMs: 0 });
    expect(tenant.endpoints.map((e) => [e.name, e.endpoint])).toEqual([['one', west.endpoint]]);
    const nested = createSignalRService(config.getSection('tenants:contoso:azure:signalr'), { healthCheckIntervalMs: 0 });
    expect(nested.endpoints.map((e) => e.name)).toEqual(['one']);
    await Promise.all([own.dispose(), tenant.dispose(), nested.dispose()]);
    await config.dispose();
  });
});
