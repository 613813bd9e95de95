import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startAppConfigurationEmulator, type AppConfigurationEmulator, type EmulatorSetting } from '../../emulators/appConfiguration.js';
import { AzureAppConfigurationProvider } from '../../../src/providers/azureAppConfiguration.js';
import { refreshBackoffMs, refreshRetryAfterLimitMs } from '../../../src/remote/appconfig/refresh.js';
import { RemoteProviderError } from '../../../src/core/errors.js';
import { buildRoot, hmacOptions, until } from './helpers.js';

let emu: AppConfigurationEmulator;
beforeAll(async () => {
  emu = await startAppConfigurationEmulator();
});
afterAll(async () => emu.close());

/** Nine keys in three full pages of three: the last page is full, so an appended key needs the Link check. */
const nine: EmulatorSetting[] = Array.from({ length: 9 }, (_, i) => ({ key: `K:${i}`, value: `v${i}` }));

beforeEach(() => {
  emu.pageSize = 3;
  emu.faults.length = 0;
  emu.replaceAll([...nine, { key: 'Sentinel', value: '1' }, { key: 'Other', label: 'dev', value: 'not-selected' }]);
  emu.resetStats();
});

describe('refresh options', () => {
  it('refuses an interval under one second, as .NET', () => {
    expect(() => new AzureAppConfigurationProvider(hmacOptions(emu, { refresh: { intervalMs: 999 } }))).toThrow(
      'The refresh interval cannot be less than 1000 milliseconds.',
    );
  });

  it('backs off exponentially after failures, capped at ten minutes', () => {
    expect(refreshBackoffMs(30_000, 0)).toBe(30_000);
    expect(refreshBackoffMs(30_000, 1, () => 1)).toBe(60_000);
    expect(refreshBackoffMs(30_000, 2, () => 0)).toBe(60_000);
    expect(refreshBackoffMs(30_000, 20, () => 1)).toBe(600_000);
  });

  it('waits out a Retry-After for at most the interval, and never over a minute', () => {
    expect(refreshRetryAfterLimitMs(1_000)).toBe(1_000);
    expect(refreshRetryAfterLimitMs(undefined)).toBe(30_000);
    expect(refreshRetryAfterLimitMs(3_600_000)).toBe(60_000);
  });
});

describe('watch-all refresh by page etags', () => {
  it('sends one conditional request per page on reload(), and lists nothing again when all answer 304', async () => {
    const { root } = await buildRoot(hmacOptions(emu, { selectors: [{ keyFilter: 'K:*' }] }));
    expect(emu.stats.list).toBe(3);
    emu.resetStats();
    let changes = 0;
    root.onChange(() => changes++);
    await root.reload();
    expect(emu.stats.list).toBe(3);
    expect(emu.stats.listNotModified).toBe(3);
    expect(emu.requests.every((r) => r.status === 304 && r.ifNoneMatch?.startsWith('"'))).toBe(true);
    expect(root.get('K:4')).toBe('v4');

    // A change inside the middle page: that page answers 200 and everything is listed again.
    emu.set({ key: 'K:4', value: 'changed' });
    emu.resetStats();
    await root.reload();
    expect(root.get('K:4')).toBe('changed');
    expect(emu.stats.list - emu.stats.listNotModified).toBeGreaterThanOrEqual(4);
    expect(changes).toBe(2);
    await root.dispose();
  });

  it('notices a key appended after a full last page (304 with a Link to a new page) and a deleted key', async () => {
    const { root } = await buildRoot(hmacOptions(emu, { selectors: [{ keyFilter: 'K:*' }] }));
    emu.set({ key: 'K:9', value: 'appended' });
    await root.reload();
    expect(root.get('K:9')).toBe('appended');
    emu.remove('K:0');
    await root.reload();
    expect(root.get('K:0')).toBeUndefined();
    await root.dispose();
  });

  it('polls at the interval, swaps atomically and fires onChange; an unchanged store costs only 304s', async () => {
    const { root } = await buildRoot(hmacOptions(emu, { selectors: [{ keyFilter: 'K:*' }], refresh: { intervalMs: 1000 } }));
    emu.resetStats();
    await until(() => emu.stats.listNotModified >= 3, 20_000, 'a first polling round');
    expect(emu.stats.list).toBe(emu.stats.listNotModified);

    const seen: Array<[string | null | undefined, string | null | undefined]> = [];
    root.onChange((r) => seen.push([r.get('K:1'), r.get('K:7')]));
    emu.set([
      { key: 'K:1', value: 'new-1' },
      { key: 'K:7', value: 'new-7' },
    ]);
    await until(() => seen.length > 0, 20_000, 'onChange');
    // Both keys changed in one swap: no listener saw one without the other.
    expect(seen[0]).toEqual(['new-1', 'new-7']);
    await root.dispose();
  });
});

describe('timer limits', () => {
  it('refuses an interval Node cannot time and accepts an unbounded start-up time box', async () => {
    expect(() => new AzureAppConfigurationProvider(hmacOptions(emu, { refresh: { intervalMs: 2 ** 31 } }))).toThrow(/more than 2147483647/);
    const { root } = await buildRoot(hmacOptions(emu, { startupTimeoutMs: Number.POSITIVE_INFINITY }));
    expect(root.get('K:0')).toBe('v0');
  });
});

describe('dispose', () => {
  it('stops a watcher nobody stopped: no poll timer is scheduled after dispose()', async () => {
    const provider = new AzureAppConfigurationProvider(hmacOptions(emu, { refresh: { intervalMs: 1_000 } }));
    await provider.load();
    const sink = { updates: 0, errors: 0, update: () => void sink.updates++, error: () => void sink.errors++ };
    provider.watch(sink);
    await provider.dispose();
    const waited = new Promise((resolve) => setTimeout(resolve, 1_400));
    const spy = vi.spyOn(globalThis, 'setTimeout');
    try {
      emu.resetStats();
      await waited;
      const pollTimers = spy.mock.calls.filter(([, ms]) => typeof ms === 'number' && ms >= 1_000);
      expect(pollTimers).toEqual([]);
      expect(emu.stats.total).toBe(0);
      expect(sink).toMatchObject({ updates: 0, errors: 0 });
    } finally {
      spy.mockRestore();
    }
  });
});

describe('poll versions', () => {
  it('versions a poll when its read starts, before any request, and reports its data with that version', async () => {
    const provider = new AzureAppConfigurationProvider(hmacOptions(emu, { selectors: [{ keyFilter: 'K:*' }], refresh: { intervalMs: 1_000 } }));
    await provider.load();
    emu.set({ key: 'K:4', value: 'versioned' });
    emu.resetStats();
    // A root's sink hands out increasing versions; requests seen when each was taken tell us it came first.
    const requestsWhenStarted: number[] = [];
    const updates: Array<{ value: string | null | undefined; version: number | undefined }> = [];
    const stop = provider.watch({
      readStarted: () => requestsWhenStarted.push(emu.stats.total) + 100,
      update: (data, version) => void updates.push({ value: data.get('k:4')?.value, version }),
      error: (e) => {
        throw e;
      },
    });
    await until(() => updates.length > 0, 20_000, 'a poll that sees the change');
    stop();
    expect(updates[0]).toEqual({ value: 'versioned', version: 101 });
    expect(requestsWhenStarted[0]).toBe(0);
    await provider.dispose();
  });
});

describe('sentinel refresh', () => {
  it('checks only the sentinel and reloads everything when it changes', async () => {
    const { root } = await buildRoot(hmacOptions(emu, { refresh: { intervalMs: 1000, sentinel: { key: 'Sentinel' } } }));
    expect(emu.stats.get).toBe(1);
    emu.set({ key: 'K:2', value: 'edited-without-sentinel' });
    emu.resetStats();
    await until(() => emu.stats.getNotModified >= 1, 20_000, 'a sentinel check');
    expect(emu.stats.list).toBe(0);
    expect(root.get('K:2')).toBe('v2');

    let changed = 0;
    root.onChange(() => changed++);
    emu.set({ key: 'Sentinel', value: '2' });
    await until(() => changed > 0, 20_000, 'the sentinel change');
    expect(root.get('K:2')).toBe('edited-without-sentinel');
    expect(emu.requests.find((r) => r.route === 'get')?.url).toMatch(/^\/kv\/Sentinel\?/);
    await root.dispose();
  });

  it('uses the sentinel on reload() too, with a label', async () => {
    emu.set({ key: 'Sentinel', label: 'dev', value: 'a' });
    const { root } = await buildRoot(hmacOptions(emu, { refresh: { sentinel: { key: 'Sentinel', label: 'dev' } } }));
    emu.set({ key: 'K:3', value: 'x' });
    emu.resetStats();
    await root.reload();
    expect(emu.stats).toMatchObject({ get: 1, getNotModified: 1, list: 0 });
    expect(emu.requests[0]!.url).toContain('label=dev');
    expect(root.get('K:3')).toBe('v3');
    emu.set({ key: 'Sentinel', label: 'dev', value: 'b' });
    await root.reload();
    expect(root.get('K:3')).toBe('x');
    await root.dispose();
  });
});

describe('feature flags with a sentinel', () => {
  it('watches the flags by their pages beside the sentinel: a flag change reloads, a key-value change alone does not (WatchesFeatureFlags)', async () => {
    const flag = (enabled: boolean): EmulatorSetting => ({
      key: '.appconfig.featureflag/Beta',
      contentType: 'application/vnd.microsoft.appconfig.ff+json;charset=utf-8',
      value: JSON.stringify({ id: 'Beta', enabled }),
    });
    emu.set(flag(true));
    const { root } = await buildRoot(hmacOptions(emu, { featureFlags: true, refresh: { sentinel: { key: 'Sentinel' } } }));
    expect(root.get('FeatureManagement:Beta')).toBe('True');
    emu.set({ key: 'K:3', value: 'x' });
    emu.resetStats();
    await root.reload();
    // the sentinel (304) and the flags' one page (a conditional list, 304): nothing listed again
    expect(emu.stats).toMatchObject({ total: 2, getNotModified: 1, list: 1, listNotModified: 1 });
    expect(root.get('K:3')).toBe('v3');
    emu.set(flag(false));
    await root.reload();
    expect(root.get('FeatureManagement:Beta')).toBe('False');
    // a full load, as a sentinel change gives: the key-value edited meanwhile comes too
    expect(root.get('K:3')).toBe('x');
    await root.dispose();
  });
});

describe('failed refresh', () => {
  it('keeps the last good data, reports through onError and reload() rejects with a typed error', async () => {
    const { root } = await buildRoot(hmacOptions(emu, { selectors: [{ keyFilter: 'K:*' }] }));
    const errors: unknown[] = [];
    root.onError((e) => errors.push(e));
    emu.set({ key: 'K:1', value: 'unseen' });
    emu.faults.push(...Array.from({ length: 50 }, () => ({ status: 503 as const })));
    const error = await root.reload().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteProviderError);
    expect((error as RemoteProviderError).statusCode).toBe(503);
    expect((error as Error).message).toContain('127.0.0.1');
    expect(errors).toHaveLength(1);
    expect(root.get('K:1')).toBe('v1');
    emu.faults.length = 0;
    await root.reload();
    expect(root.get('K:1')).toBe('unseen');
    await root.dispose();
  });

  it('reports a failed poll through onError and picks the change up once the store answers again', async () => {
    const { root } = await buildRoot(hmacOptions(emu, { selectors: [{ keyFilter: 'K:*' }], refresh: { intervalMs: 1000 } }));
    const errors: unknown[] = [];
    root.onError((e) => errors.push(e));
    emu.faults.push(...Array.from({ length: 100 }, () => ({ status: 503 as const, route: 'list' as const })));
    emu.set({ key: 'K:8', value: 'after-outage' });
    await until(() => errors.length >= 1, 30_000, 'a failed poll');
    expect(root.get('K:8')).toBe('v8');
    expect((errors[0] as RemoteProviderError).code).toBe('APP_CONFIGURATION_UNAVAILABLE');
    emu.faults.length = 0;
    await until(() => root.get('K:8') === 'after-outage', 30_000, 'recovery');
    await root.dispose();
  });

  it('does not wait out a long Retry-After on a poll: onError at once, old data kept, a later poll picks the change up', async () => {
    const { root } = await buildRoot(hmacOptions(emu, { selectors: [{ keyFilter: 'K:*' }], refresh: { intervalMs: 1000, sentinel: { key: 'Sentinel' } } }));
    const errors: unknown[] = [];
    root.onError((e) => errors.push(e));
    emu.faults.push({ status: 429, retryAfterSeconds: 3600, route: 'get' });
    emu.set([
      { key: 'K:2', value: 'after-throttle' },
      { key: 'Sentinel', value: '2' },
    ]);
    await until(() => emu.stats.faults === 1, 20_000, 'the throttled sentinel check');
    const throttledAt = Date.now();
    await until(() => errors.length >= 1, 5_000, 'onError');
    expect(Date.now() - throttledAt).toBeLessThan(2_000);
    const error = errors[0] as RemoteProviderError;
    expect(error).toBeInstanceOf(RemoteProviderError);
    expect(error).toMatchObject({ code: 'APP_CONFIGURATION_THROTTLED', statusCode: 429, source: new URL(emu.endpoint).host });
    expect(error.message).toContain(`store '${new URL(emu.endpoint).host}'`);
    expect(error.message).toContain('retry after 3600 s');
    // The sentinel request was not repeated while the store asked for an hour's quiet.
    expect(emu.requests.filter((r) => r.route === 'get' && r.status === 429)).toHaveLength(1);
    expect(root.get('K:2')).toBe('v2');
    await until(() => root.get('K:2') === 'after-throttle', 20_000, 'the next poll');
    expect(errors).toHaveLength(1);
    await root.dispose();
  });

  it('reload() honours a short Retry-After and rejects at once on one longer than the refresh waits', async () => {
    const { root } = await buildRoot(hmacOptions(emu, { selectors: [{ keyFilter: 'K:*' }], refreshConcurrency: 1 }));
    emu.faults.push({ status: 429, retryAfterSeconds: 1, route: 'list' });
    emu.set({ key: 'K:1', value: 'after-short-throttle' });
    await root.reload();
    expect(root.get('K:1')).toBe('after-short-throttle');

    const errors: unknown[] = [];
    root.onError((e) => errors.push(e));
    emu.faults.push({ status: 503, retryAfterSeconds: 3600, route: 'list' });
    emu.set({ key: 'K:1', value: 'after-long-throttle' });
    const started = Date.now();
    const error = await root.reload().catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error).toMatchObject({ code: 'APP_CONFIGURATION_UNAVAILABLE', statusCode: 503 });
    expect(errors).toEqual([error]);
    expect(root.get('K:1')).toBe('after-short-throttle');
    await root.reload();
    expect(root.get('K:1')).toBe('after-long-throttle');
    await root.dispose();
  });
});
