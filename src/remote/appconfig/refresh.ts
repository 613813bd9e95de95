/**
 * Change detection between full loads, so an unchanged store costs conditional requests only:
 *  - a sentinel key: one `GET /kv/{key}` with `If-None-Match` (304 = unchanged);
 *  - watch-all: every page of every key-value selector re-requested with its page etag.
 *
 * Watch-all sends the page requests in parallel rather than one after another as the official
 * providers do: each page is addressed by the continuation token it was listed with, so the pages
 * need not wait for each other. A page whose content changed (a key added, edited or deleted inside
 * its range) answers 200. The last page also has to stay the last, or keys appended after the
 * old end would go unseen, so its 304 must come without a `Link` to a further page.
 */
import type { AppConfigurationClient } from '@azure/app-configuration';
import { ConfigurationError } from '../../core/errors.js';
import { NO_LABEL } from './selectors.js';
import type { Call } from './listing.js';
import { MAX_TIMER_MS } from '../../net/retry.js';

export const DEFAULT_REFRESH_INTERVAL_MS = 30_000;
export const MIN_REFRESH_INTERVAL_MS = 1_000;
/** .NET backs a failing refresh off up to 10 minutes. */
export const MAX_REFRESH_BACKOFF_MS = 10 * 60_000;
/** The most one refresh waits for `Retry-After`s, whatever the interval (see `refreshRetryAfterLimitMs`). */
export const MAX_REFRESH_RETRY_AFTER_MS = 60_000;

export interface Sentinel {
  key: string;
  /** Default: no label. */
  label?: string;
}

export interface RefreshOptions {
  /** How often the store is checked. Default 30 s, at least 1 s. */
  intervalMs?: number;
  /** Reload everything when this one key changes; without it every selected page is watched. */
  sentinel?: Sentinel;
  /**
   * Each wait between polls is the interval ± this share of it, drawn anew every time, so a fleet
   * deployed together does not poll in lock-step. The mean stays the interval: one request per
   * interval per instance. Default 0.1; 0 turns it off.
   */
  jitterRatio?: number;
}

export const DEFAULT_REFRESH_JITTER_RATIO = 0.1;

/** The jitter ratio of the options, validated (0 ≤ ratio < 1). */
export function refreshJitterRatio(options: RefreshOptions | boolean | undefined): number {
  const ratio = typeof options === 'object' ? (options.jitterRatio ?? DEFAULT_REFRESH_JITTER_RATIO) : DEFAULT_REFRESH_JITTER_RATIO;
  if (!Number.isFinite(ratio) || ratio < 0 || ratio >= 1) {
    throw new ConfigurationError('The refresh jitterRatio must be at least 0 and less than 1.', 'INVALID_OPTIONS', {
      provider: 'AzureAppConfigurationProvider',
    });
  }
  return ratio;
}

/** One wait between polls: uniform in [interval·(1−ratio), interval·(1+ratio)). */
export function jitteredIntervalMs(intervalMs: number, ratio: number, random: () => number = Math.random): number {
  return Math.min(MAX_TIMER_MS, Math.round(intervalMs * (1 - ratio + 2 * ratio * random())));
}

/** One listed page: how to ask for it again and the etag it had. */
export interface PageWatcher {
  /** The `after` token the page was listed with; undefined for the first page. */
  continuationToken?: string;
  etag: string;
  /** No page followed this one. */
  last: boolean;
}

export interface WatchedList {
  keyFilter: string;
  labelFilter: string;
  tagFilters: string[];
  pages: PageWatcher[];
  /** A feature-flag selector's list: watched by its pages even with a sentinel (flags are their own collection). */
  featureFlags: boolean;
}

export function refreshIntervalMs(options: RefreshOptions | boolean | undefined): number | undefined {
  if (!options) return undefined;
  const interval = options === true ? DEFAULT_REFRESH_INTERVAL_MS : (options.intervalMs ?? DEFAULT_REFRESH_INTERVAL_MS);
  if (!Number.isFinite(interval) || interval < MIN_REFRESH_INTERVAL_MS) {
    throw new ConfigurationError('The refresh interval cannot be less than 1000 milliseconds.', 'INVALID_OPTIONS', {
      provider: 'AzureAppConfigurationProvider',
    });
  }
  if (interval > MAX_TIMER_MS) {
    // Node would fire a longer timer after 1 ms: a poll loop hammering the store.
    throw new ConfigurationError(`The refresh interval cannot be more than ${MAX_TIMER_MS} milliseconds.`, 'INVALID_OPTIONS', {
      provider: 'AzureAppConfigurationProvider',
    });
  }
  return interval;
}

/** Delay before the next attempt after `failures` consecutive failed refreshes (full jitter in the upper half). */
export function refreshBackoffMs(intervalMs: number, failures: number, random: () => number = Math.random): number {
  if (failures <= 0) return intervalMs;
  const step = Math.min(MAX_REFRESH_BACKOFF_MS, intervalMs * 2 ** failures);
  return Math.round(step / 2 + (random() * step) / 2);
}

/**
 * How long one refresh (a poll or `reload()`) may spend waiting out `Retry-After`s, all its requests
 * together. Refreshes run one at a time, so a refresh parked on a throttled store's `Retry-After:
 * 3600` would hold every poll and `reload()` behind it for an hour with nothing reported. A wait
 * past the interval buys nothing, since the next check would be due by then, so past this limit the
 * refresh fails at once: `onError` hears the status and store, the last good data stays, and the
 * refresh backoff picks the next try. Shorter throttles are still waited out unseen. Capped at a
 * minute so that with a long interval a `reload()` still answers promptly; without `refresh`
 * (`reload()` only) the default interval applies.
 */
export function refreshRetryAfterLimitMs(intervalMs: number | undefined): number {
  return Math.min(intervalMs ?? DEFAULT_REFRESH_INTERVAL_MS, MAX_REFRESH_RETRY_AFTER_MS);
}

/**
 * Runs `tasks` at most `limit` at a time and tells whether one reported true. Stops starting tasks
 * at the first true or the first failure, and settles only when none is in flight, so no request
 * outlives the check.
 */
async function anyTrue(tasks: Array<() => Promise<boolean>>, limit: number): Promise<boolean> {
  let next = 0;
  let found = false;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!found && !failure && next < tasks.length) {
      const task = tasks[next++]!;
      try {
        if (await task()) found = true;
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  if (found) return true;
  if (failure) throw failure.error;
  return false;
}

/** True when any watched page changed. `call` wraps each request with retry and the abort signal. */
export async function pagesChanged(
  client: AppConfigurationClient,
  lists: readonly WatchedList[],
  call: Call,
  concurrency: number,
): Promise<{ changed: boolean; requests: number }> {
  let requests = 0;
  const tasks = lists.flatMap((list) =>
    list.pages.map((page) => async (): Promise<boolean> => {
      requests++;
      const first = await call(async (abortSignal) => {
        const iterator = client
          .listConfigurationSettings({
            keyFilter: list.keyFilter,
            labelFilter: list.labelFilter,
            ...(list.tagFilters.length > 0 ? { tagsFilter: list.tagFilters } : {}),
            pageEtags: [page.etag],
            ...(abortSignal ? { abortSignal } : {}),
          })
          .byPage(page.continuationToken === undefined ? undefined : { continuationToken: page.continuationToken });
        return iterator.next();
      });
      if (first.done) return true;
      const response = first.value._response as { status?: number; headers?: { get(name: string): string | undefined } } | undefined;
      if (response?.status !== 304) return true;
      return page.last && Boolean(response.headers?.get('link'));
    }),
  );
  const changed = await anyTrue(tasks, concurrency);
  return { changed, requests };
}

/** The sentinel's etag now, `null` when it does not exist; `unchanged` when the service said 304. */
export async function sentinelState(
  client: AppConfigurationClient,
  sentinel: Sentinel,
  knownEtag: string | null | undefined,
  call: Call,
): Promise<{ unchanged: true } | { unchanged: false; etag: string | null }> {
  const label = sentinel.label === undefined || sentinel.label === NO_LABEL || sentinel.label === '' ? undefined : sentinel.label;
  try {
    const response = await call((abortSignal) =>
      client.getConfigurationSetting(
        { key: sentinel.key, ...(label !== undefined ? { label } : {}), ...(knownEtag ? { etag: knownEtag } : {}) },
        { ...(knownEtag ? { onlyIfChanged: true } : {}), ...(abortSignal ? { abortSignal } : {}) },
      ),
    );
    if (response.statusCode === 304) return { unchanged: true };
    return { unchanged: false, etag: response.etag ?? null };
  } catch (error) {
    if ((error as { statusCode?: unknown })?.statusCode === 404) return { unchanged: false, etag: null };
    throw error;
  }
}
