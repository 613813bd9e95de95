import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RECORD_RESOLVED_PACKAGES } from '../support/resolvedPackages.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Cold start matters on serverless: importing the package must not load the Azure SDKs or the
 * Redis client. A child process imports the built package with a module hook that records every
 * package it resolves; the test reads that list.
 */
describe('importing the package', () => {
  it('loads no dependency at all: no Azure SDK, Redis, identity, convict, jose or dotenv module', () => {
    const script = `
      ${RECORD_RESOLVED_PACKAGES}
      const api = await import(${JSON.stringify(new URL('../../dist/index.js', import.meta.url).href)});
      if (typeof api.ConfigurationBuilder !== 'function' || typeof api.loadConfig !== 'function') process.exit(3);
      await settle();
      const atImport = [...seen];
      await import('jose');
      await settle();
      port1.close();
      process.stdout.write(JSON.stringify({ atImport, afterJose: [...seen] }));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    const { atImport, afterJose } = JSON.parse(out) as { atImport: string[]; afterJose: string[] };
    // Not even dotenv or convict: every dependency waits for the feature that needs it.
    expect(atImport).toEqual([]);
    // the hook does see packages, so the empty list is meaningful
    expect(afterJose).toContain('jose');
  });
});

describe('importing the built package', () => {
  it('loads none of the network, TLS or crypto builtins until a feature needs them', () => {
    const dist = new URL('../../dist/index.js', import.meta.url).href;
    const script = `
      const before = new Set(process.moduleLoadList);
      const api = await import(${JSON.stringify(dist)});
      const atImport = process.moduleLoadList.filter((m) => !before.has(m));
      api.fingerprint('x'); // the first hash loads node:crypto
      const afterHash = process.moduleLoadList.filter((m) => !before.has(m));
      process.stdout.write(JSON.stringify({ atImport, afterHash }));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    const { atImport, afterHash } = JSON.parse(out) as { atImport: string[]; afterHash: string[] };
    const heavy = ['NativeModule net', 'NativeModule http', 'NativeModule https', 'NativeModule tls', 'NativeModule crypto', 'NativeModule child_process'];
    expect(atImport.filter((m) => heavy.includes(m))).toEqual([]);
    expect(afterHash).toContain('NativeModule crypto');
  });
});

describe('builtins loaded on first use by the built package', () => {
  it('work as the real ones: HMAC signing, hashing, IP checks', async () => {
    const api = (await import(new URL('../../dist/index.js', import.meta.url).href)) as typeof import('../../src/index.js');
    const { createHash, createHmac } = await import('node:crypto');
    const accessKey = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg=';
    const connection = api.parseSignalRConnectionString(`Endpoint=https://demo.service.signalr.net;AccessKey=${accessKey};Version=1.0;`);
    const token = await api.generateAccessToken(connection, { audience: 'https://demo.service.signalr.net/api/hubs/chat' });
    const [header, payload, signature] = token.split('.');
    expect(createHmac('sha256', Buffer.from(accessKey, 'utf8')).update(`${header}.${payload}`).digest('base64url')).toBe(signature);

    expect(api.fingerprint('value')).toBe(createHash('sha256').update('value').digest('hex').slice(0, 8));

    const config = await new api.ConfigurationBuilder().addInMemory({ 'Net:Ip': '10.0.0.1', 'Bad:Ip': 'not-an-ip' }).build();
    expect(config.bind('Net', { Ip: { format: 'ipaddress', default: '' } })).toEqual({ Ip: '10.0.0.1' });
    expect(() => config.bind('Bad', { Ip: { format: 'ipaddress', default: '' } })).toThrow(/Bad:Ip/);
  });
});

/**
 * Most of the library is bundled into groups that load on first use (`dist/lazy-<group>.js`, see
 * docs/package.md): the module importing the package holds a facade for each of their exports.
 * These tests hold the facades to the real exports, and the groups to loading only when used.
 */
describe('the groups of the built package that load on first use', () => {
  const dist = new URL('../../dist/index.js', import.meta.url).href;

  it('stay unloaded through import and a loadConfig() of JSON, .env and environment; each loads with its first use', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lc-lazy-'));
    writeFileSync(path.join(dir, 'appsettings.json'), JSON.stringify({ Service: { Name: 'demo', Port: 8080 } }));
    writeFileSync(path.join(dir, '.env'), 'Service__Region=westeurope\n');
    const script = `
      import { createRequire } from 'node:module';
      const cache = createRequire(import.meta.url).cache;
      const groups = () => Object.keys(cache).map((f) => /dist[\\\\/](lazy-\\w+)\\.js$/.exec(f)?.[1]).filter(Boolean).sort();
      const api = await import(${JSON.stringify(dist)});
      const steps = { import: groups() };
      const config = await api.loadConfig({ cwd: ${JSON.stringify(dir)}, args: ['--Service:Tier=gold'], env: { Service__Owner: 'ops' } });
      const values = ['Service:Name', 'Service:Region', 'Service:Owner', 'Service:Tier'].map((k) => config.get(k));
      steps.loadConfig = groups();
      const bound = config.bind('Service', { Name: '', Port: 0 });
      steps.bind = groups();
      api.parseRedisConnectionString('cache.redis.cache.windows.net:6380,ssl=True');
      steps.redis = groups();
      api.parseSignalRConnectionString('Endpoint=https://demo.service.signalr.net;AuthType=azure.msi;Version=1.0;');
      steps.signalr = groups();
      new api.AdaptiveLimiter({ max: 2 });
      steps.azure = groups();
      await config.dispose();
      process.stdout.write(JSON.stringify({ steps, values, bound }));
    `;
    try {
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8' });
      const { steps, values, bound } = JSON.parse(out) as { steps: Record<string, string[]>; values: unknown[]; bound: unknown };
      expect(values).toEqual(['demo', 'westeurope', 'ops', 'gold']);
      expect(bound).toEqual({ Name: 'demo', Port: 8080 });
      expect(steps).toEqual({
        import: [],
        loadConfig: [],
        bind: ['lazy-binding'],
        redis: ['lazy-binding', 'lazy-redis'],
        signalr: ['lazy-binding', 'lazy-redis', 'lazy-signalr'],
        azure: ['lazy-azure', 'lazy-binding', 'lazy-redis', 'lazy-signalr'],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /** Runs `body` in a child Node process (not vitest's module runner) with `api` imported from dist; returns what it writes. */
  function inNode<T>(body: string): T {
    const script = `const api = await import(${JSON.stringify(dist)}); ${body}`;
    return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as T;
  }

  it('name what is missing when Node cannot require() an ES module (before 20.19 / 22.12), not a file path', () => {
    const script = `
      const api = await import(${JSON.stringify(dist)});
      let thrown;
      try { api.parseSignalRConnectionString('Endpoint=https://demo.service.signalr.net;AuthType=azure.msi;Version=1.0;'); } catch (error) { thrown = error; }
      process.stdout.write(JSON.stringify({ typed: thrown instanceof api.ConfigurationError, code: thrown?.code, message: thrown?.message }));
    `;
    // Node 20.20 can be told to behave as the versions before require(esm)
    const out = execFileSync(process.execPath, ['--no-experimental-require-module', '--input-type=module', '-e', script], { encoding: 'utf8' });
    const found = JSON.parse(out) as { typed: boolean; code: string; message: string };
    expect(found).toMatchObject({ typed: true, code: 'UNSUPPORTED_RUNTIME' });
    expect(found.message).toMatch(/^layered-config loads its signalr code on first use with require\(\) of an ES module, which needs Node 20\.19\+ or 22\.12\+ \(this is Node \d+\.\d+\.\d+/);
    expect(found.message).not.toMatch(/dist[\\/]/);
  });

  it('export the same names, each of the same kind, as the sources', async () => {
    const source = (await import('../../src/index.js')) as Record<string, unknown>;
    const kindOf = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);
    // constants and frozen data are copied into the facades, so they must equal the real ones
    const copied = (v: unknown) => v === null || typeof v !== 'object' ? typeof v !== 'function' : Object.isFrozen(v);
    const built = inNode<{ kinds: Record<string, string>; values: Record<string, unknown> }>(`
      const kindOf = ${kindOf.toString()};
      const copied = ${copied.toString()};
      const kinds = {}, values = {};
      for (const [name, value] of Object.entries(api)) {
        kinds[name] = kindOf(value);
        if (copied(value)) values[name] = { value, frozen: Object.isFrozen(value) };
      }
      process.stdout.write(JSON.stringify({ kinds, values }));
    `);
    expect(Object.keys(built.kinds).sort()).toEqual(Object.keys(source).sort());
    for (const [name, value] of Object.entries(source)) {
      expect(built.kinds[name], name).toBe(kindOf(value));
      if (copied(value)) expect(built.values[name], name).toEqual({ value, frozen: Object.isFrozen(value) });
    }
    // the copies include frozen data, not only primitives
    expect(built.values.HEALTH_CHECK_DEFAULTS).toEqual({ value: { intervalMs: 120_000, retryIntervalMs: 3_000, timeoutMs: 2_000, retries: 2 }, frozen: true });
  });

  it('stand in for classes: construct, extend, answer instanceof for the real instances, and keep their names and prototypes', () => {
    const found = inNode<Record<string, unknown>>(`
      let thrown;
      try { api.parseSignalRConnectionString('Endpoint=nowhere'); } catch (error) { thrown = error; }
      const made = new api.SignalRConnectionStringError('bad', { property: 'endpoint' });
      class EndpointsProblem extends api.SignalREndpointsError { extra = 'mine'; }
      const mine = new EndpointsProblem('no endpoints', 'SIGNALR_NO_ENDPOINTS', { key: 'Azure:SignalR' });
      let called;
      try { api.SignalREndpointsError('x', 'y'); } catch (error) { called = error.constructor.name; }
      const limiter = new api.AdaptiveLimiter({ max: 3 });
      process.stdout.write(JSON.stringify({
        // an instance made inside the group, seen through the facade and the eager base classes
        thrown: [thrown instanceof api.SignalRConnectionStringError, thrown instanceof api.ConnectionStringError, thrown instanceof api.ConfigurationError, thrown instanceof api.RedisConnectionStringError, thrown.constructor.name],
        classFacade: [api.SignalRConnectionStringError.name, Object.getPrototypeOf(api.SignalRConnectionStringError) === api.ConnectionStringError],
        // constructed through the facade
        made: [made instanceof api.SignalRConnectionStringError, made instanceof api.ConfigurationError, made.name, made.property, made.code],
        // extended by a user's class
        mine: [mine instanceof EndpointsProblem, mine instanceof api.SignalREndpointsError, mine instanceof api.ConfigurationError, mine.name, mine.code, mine.keys, mine.extra],
        // a class called without new fails as the real one does
        called,
        limiter: [limiter instanceof api.AdaptiveLimiter, limiter.max, limiter.limit],
        // an instance (the process-wide access-key cache): its methods and getters run on the real one
        instance: [api.signalRAccessKeys instanceof api.SignalRAccessKeyCache, api.signalRAccessKeys.size, typeof api.signalRAccessKeys.dispose(), 'keyFor' in api.signalRAccessKeys],
      }));
    `);
    expect(found).toEqual({
      thrown: [true, true, true, false, 'SignalRConnectionStringError'],
      classFacade: ['SignalRConnectionStringError', true],
      made: [true, true, 'SignalRConnectionStringError', 'endpoint', 'CONNECTION_STRING'],
      mine: [true, true, true, 'EndpointsProblem', 'SIGNALR_NO_ENDPOINTS', ['Azure:SignalR'], 'mine'],
      called: 'TypeError',
      limiter: [true, 3, 3],
      instance: [true, 0, 'undefined', true],
    });
  });
});
