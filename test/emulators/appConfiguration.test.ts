import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import https from 'node:https';
import { AppConfigurationClient } from '@azure/app-configuration';
import { startAppConfigurationEmulator, type AppConfigurationEmulator } from './appConfiguration.js';
import { TokenBucket } from './quota.js';

let emu: AppConfigurationEmulator;
beforeAll(async () => {
  emu = await startAppConfigurationEmulator({ replicas: 2 });
});
afterAll(async () => emu.close());
beforeEach(async () => {
  for (const node of [emu, ...emu.replicas]) {
    node.setQuota(undefined);
    node.catchUp();
    await node.bringUp();
  }
  emu.replaceAll([{ key: 'A', value: '1' }]);
  emu.resetAll();
});

/** A bare GET (no SDK): status, headers and body as the emulator sent them. */
function raw(url: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { agent: emu.clientOptions.agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
      .on('error', reject);
  });
}

const client = (connectionString: string) => new AppConfigurationClient(connectionString, { ...emu.clientOptions, retryOptions: { maxRetries: 0 } });

describe('token bucket', () => {
  it('accepts the burst, then one request per 1/rate, and tells how long until the next token', () => {
    let now = 0;
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 2, now: () => now });
    expect([bucket.take(), bucket.take()]).toEqual([{ ok: true }, { ok: true }]);
    expect(bucket.take()).toEqual({ ok: false, retryAfterMs: 100 });
    now = 40;
    expect(bucket.take()).toEqual({ ok: false, retryAfterMs: 60 });
    now = 100;
    expect(bucket.take()).toEqual({ ok: true });
    now = 1250;
    expect(bucket.counters).toMatchObject({ accepted: 3, throttled: 2 });
    bucket.take();
    expect(bucket.counters.timeline).toEqual([
      { atMs: 0, accepted: 3, throttled: 2 },
      { atMs: 1000, accepted: 1, throttled: 0 },
    ]);
  });
});

describe('App Configuration emulator quota', () => {
  it('throttles with 429, retry-after-ms and the problem+json body, and counts accepted and throttled requests', async () => {
    emu.setQuota({ ratePerSecond: 1, burst: 2 });
    const c = client(emu.connectionString);
    await c.getConfigurationSetting({ key: 'A' });
    await c.getConfigurationSetting({ key: 'A' });
    await expect(c.getConfigurationSetting({ key: 'A' })).rejects.toMatchObject({ statusCode: 429 });
    const answer = await raw(`${emu.endpoint}/kv/A?api-version=2023-11-01`);
    expect(answer.status).toBe(429);
    expect(Number(answer.headers['retry-after-ms'])).toBeGreaterThan(0);
    expect(answer.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(JSON.parse(answer.body)).toMatchObject({
      type: 'https://azconfig.io/errors/too-many-requests',
      title: 'Resource utilization has surpassed the assigned quota',
      status: 429,
    });
    expect(emu.quota).toMatchObject({ accepted: 2, throttled: 2 });
    expect(emu.stats.throttled).toBe(2);
  });

  it('can throttle with 503 + retry-after-ms, or a 429 with Retry-After seconds', async () => {
    emu.setQuota({ ratePerSecond: 0.5, burst: 1, status: 503 });
    const c = client(emu.connectionString);
    await c.getConfigurationSetting({ key: 'A' });
    const e503 = (await c.getConfigurationSetting({ key: 'A' }).catch((e: unknown) => e)) as { statusCode: number; response: { headers: { get(n: string): string | undefined } } };
    expect(e503.statusCode).toBe(503);
    expect(Number(e503.response.headers.get('retry-after-ms'))).toBeGreaterThan(1000);
    emu.setQuota({ ratePerSecond: 0.5, burst: 1, header: 'retry-after' });
    await c.getConfigurationSetting({ key: 'A' });
    const e429 = (await c.getConfigurationSetting({ key: 'A' }).catch((e: unknown) => e)) as { response: { headers: { get(n: string): string | undefined } } };
    expect(e429.response.headers.get('retry-after')).toBe('2');
    expect(e429.response.headers.get('retry-after-ms')).toBeUndefined();
  });

  it('gives each replica its own quota over the same data', async () => {
    for (const node of [emu, ...emu.replicas]) node.setQuota({ ratePerSecond: 0.1, burst: 1 });
    const values = await Promise.all([emu, ...emu.replicas].map((n) => client(n.connectionString).getConfigurationSetting({ key: 'A' })));
    expect(values.map((v) => v.value)).toEqual(['1', '1', '1']);
    await expect(client(emu.replicas[0]!.connectionString).getConfigurationSetting({ key: 'A' })).rejects.toMatchObject({ statusCode: 429 });
    expect([emu, ...emu.replicas].map((n) => n.quota)).toMatchObject([
      { accepted: 1, throttled: 0 },
      { accepted: 1, throttled: 1 },
      { accepted: 1, throttled: 0 },
    ]);
  });
});

describe('App Configuration emulator replicas', () => {
  it('takes an endpoint down (refused, hanging, 503) and brings it back', async () => {
    const replica = emu.replicas[0]!;
    await replica.takeDown('refuse');
    await expect(client(replica.connectionString).getConfigurationSetting({ key: 'A' })).rejects.toMatchObject({ code: expect.stringMatching(/^(ECONNREFUSED|ECONNRESET)$/) });
    expect(await client(replica.connectionString).getConfigurationSetting({ key: 'A' }).then(() => undefined, (e: { code?: string }) => e.code)).toBe('ECONNREFUSED');
    await replica.bringUp();
    expect((await client(replica.connectionString).getConfigurationSetting({ key: 'A' })).value).toBe('1');
    await replica.takeDown('unavailable');
    await expect(client(replica.connectionString).getConfigurationSetting({ key: 'A' })).rejects.toMatchObject({ statusCode: 503 });
    await replica.takeDown('hang');
    const controller = new AbortController();
    const pending = client(replica.connectionString).getConfigurationSetting({ key: 'A' }, { abortSignal: controller.signal });
    await new Promise((r) => setTimeout(r, 100));
    expect(replica.requests.at(-1)?.status).toBe(-1);
    controller.abort();
    await expect(pending).rejects.toThrow();
    await replica.bringUp();
    expect((await client(replica.connectionString).getConfigurationSetting({ key: 'A' })).value).toBe('1');
  });

  it('serves older data on a lagging replica until a request brings a newer Sync-Token', async () => {
    const replica = emu.replicas[1]!;
    replica.lag();
    emu.set({ key: 'A', value: '2' });
    const token = emu.syncToken();
    expect(token).toMatch(/^[^=]+=[^;]+;sn=\d+$/);
    expect((await client(emu.connectionString).getConfigurationSetting({ key: 'A' })).value).toBe('2');
    const stale = client(replica.connectionString);
    expect((await stale.getConfigurationSetting({ key: 'A' })).value).toBe('1');
    stale.updateSyncToken(token);
    expect((await stale.getConfigurationSetting({ key: 'A' })).value).toBe('2');
    expect(replica.requests.at(-1)?.syncToken).toBe(token.split(';')[0]);
    // It stays at that version for other clients too; catching up follows the newest data again.
    expect((await client(replica.connectionString).getConfigurationSetting({ key: 'A' })).value).toBe('2');
    emu.set({ key: 'A', value: '3' });
    expect((await client(replica.connectionString).getConfigurationSetting({ key: 'A' })).value).toBe('2');
    replica.catchUp();
    expect((await client(replica.connectionString).getConfigurationSetting({ key: 'A' })).value).toBe('3');
  });
});
