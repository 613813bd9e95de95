import { inspect } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAppConfigurationEmulator, type AppConfigurationEmulator } from '../../emulators/appConfiguration.js';
import { RemoteProviderError } from '../../../src/core/errors.js';
import { buildRoot, entraOptions, flat, hmacOptions } from './helpers.js';

let emu: AppConfigurationEmulator;
let secret: string;
beforeAll(async () => {
  emu = await startAppConfigurationEmulator();
  secret = /Secret=(.*)$/.exec(emu.connectionString)![1]!;
});
afterAll(async () => emu.close());
beforeEach(() => {
  emu.faults.length = 0;
  emu.pageSize = 2;
  emu.replaceAll([
    { key: 'A', value: '1' },
    { key: 'B', value: '2' },
    { key: 'C', value: '3' },
  ]);
  emu.resetStats();
});

describe('authentication', () => {
  it('signs with HMAC-SHA256 from the connection string, verified by the emulator', async () => {
    const { root, provider } = await buildRoot(hmacOptions(emu));
    expect(flat(root)).toEqual({ A: '1', B: '2', C: '3' });
    expect(emu.requests.every((r) => r.auth === 'hmac')).toBe(true);
    for (const text of [inspect(provider, { depth: 10, showHidden: true }), JSON.stringify(provider), root.debugView(), provider.name]) {
      expect(text).not.toContain(secret);
    }
    await root.dispose();
  });

  it('uses a bearer token with an endpoint and credential', async () => {
    const { root } = await buildRoot(entraOptions(emu));
    expect(root.get('C')).toBe('3');
    expect(emu.requests.every((r) => r.auth === 'bearer')).toBe(true);
    await root.dispose();
  });

  it('fails fast with 401 on a wrong secret, naming the store and never the secret', async () => {
    const started = Date.now();
    const error = (await buildRoot({ connectionString: emu.wrongConnectionString, clientOptions: emu.clientOptions }).catch((e: unknown) => e)) as RemoteProviderError;
    expect(error).toBeInstanceOf(RemoteProviderError);
    expect(error.code).toBe('APP_CONFIGURATION_UNAUTHORIZED');
    expect(error.statusCode).toBe(401);
    expect(error.message).toContain(`'${new URL(emu.endpoint).host}'`);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(emu.stats.unauthorized).toBe(1);
    const wrongSecret = /Secret=(.*)$/.exec(emu.wrongConnectionString)![1]!;
    for (const text of [error.message, inspect(error, { depth: 10 }), JSON.stringify(error), String(error.stack)]) {
      expect(text).not.toContain(wrongSecret);
      expect(text).not.toContain(secret);
    }
  });
});

describe('throttling and transient faults', () => {
  it('survives a bare 429, a 429 with Retry-After, a 503 with retry-after-ms and a dropped connection', async () => {
    emu.faults.push({ status: 429 }, { status: 429, retryAfterSeconds: 1 }, { status: 503, retryAfterMs: 50 }, { drop: true }, { status: 503 });
    const { root } = await buildRoot(hmacOptions(emu));
    expect(flat(root)).toEqual({ A: '1', B: '2', C: '3' });
    expect(emu.stats.faults).toBe(5);
    // Two pages, each listed once successfully.
    expect(emu.requests.filter((r) => r.route === 'list' && r.status === 200)).toHaveLength(2);
    await root.dispose();
  });

  it('retries a throttled later page alone, with the same continuation token', async () => {
    let listed = 0;
    emu.onRequest = (r) => {
      if (r.route === 'list' && ++listed === 2) emu.faults.push({ status: 429 }, { status: 429 });
    };
    try {
      const { root } = await buildRoot(hmacOptions(emu));
      expect(root.get('C')).toBe('3');
      const secondPage = emu.requests.filter((r) => r.url.includes('after='));
      expect(secondPage.map((r) => r.status)).toEqual([429, 429, 200]);
      expect(new Set(secondPage.map((r) => r.url)).size).toBe(1);
      await root.dispose();
    } finally {
      emu.onRequest = undefined;
    }
  });
});

describe('start-up', () => {
  it('gives up after startupTimeoutMs with a typed error carrying the real cause', async () => {
    emu.faults.push(...Array.from({ length: 500 }, () => ({ status: 503 as const })));
    const started = Date.now();
    const error = (await buildRoot(hmacOptions(emu, { startupTimeoutMs: 1500 })).catch((e: unknown) => e)) as RemoteProviderError;
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(RemoteProviderError);
    expect(error.code).toBe('APP_CONFIGURATION_TIMEOUT');
    expect(error.statusCode).toBe(503);
    expect(error.message).toMatch(/store '127\.0\.0\.1:\d+' did not load within 1500 ms; the last attempt failed with HTTP 503/);
    expect(elapsed).toBeGreaterThanOrEqual(1400);
    expect(elapsed).toBeLessThan(15_000);
    expect(emu.stats.faults).toBeGreaterThan(1);
  });

  it('times out on a store that never answers', async () => {
    emu.latencyMs = 5_000;
    try {
      const started = Date.now();
      const error = (await buildRoot(hmacOptions(emu, { startupTimeoutMs: 800 })).catch((e: unknown) => e)) as RemoteProviderError;
      // The time box closes in time even though the store would answer only after 5 s.
      expect(Date.now() - started).toBeLessThan(4_500);
      expect(error.code).toBe('APP_CONFIGURATION_TIMEOUT');
      expect(error.message).toContain('did not load within 800 ms');
    } finally {
      emu.latencyMs = 0;
    }
  });

  it('with optional, warns without secrets and contributes an empty layer, then loads on a later reload', async () => {
    emu.faults.push(...Array.from({ length: 500 }, () => ({ status: 503 as const })));
    const warnings: string[] = [];
    const { root } = await buildRoot(hmacOptions(emu, { optional: true, startupTimeoutMs: 800, logger: { warn: (m) => warnings.push(m) } }));
    expect(flat(root)).toEqual({});
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('optional');
    expect(warnings[0]).toContain('HTTP 503');
    expect(warnings[0]).not.toContain(secret);
    emu.faults.length = 0;
    await root.reload();
    expect(root.get('A')).toBe('1');
    await root.dispose();
  });
});
