import type { SecretClient, SecretProperties, KeyVaultSecret } from '@azure/keyvault-secrets';
import { withRetry, type RetryOptions } from '../../net/retry.js';
import { holdOnThrottle, throttleOutcome, type AdaptiveLimiter } from '../../net/concurrency.js';
import { toKeyVaultError } from './errors.js';

/** What one load needs from the provider: the client, its limits, and the cache of the last load. */
export interface LoadPlan {
  client: SecretClient;
  vaultUrl: string;
  provider: string;
  maxConcurrency: number;
  /** Every request to the vault goes through it: the in-flight limit follows the throttling met. */
  limiter?: AdaptiveLimiter;
  retry: RetryOptions;
  abortSignal?: AbortSignal;
  /** Filters listed secrets (the secret manager's `load`), after the `enabled === true` check. */
  include(properties: SecretProperties): boolean;
  /** Secrets fetched by earlier loads, by lower-cased name. */
  cache: ReadonlyMap<string, CachedSecret>;
}

export interface CachedSecret {
  secret: KeyVaultSecret;
  /** `updatedOn` in ms (NaN when the service gave none) when it was fetched. */
  updatedOn: number;
}

export interface LoadResult {
  /** Every loaded secret in listing order (the order decides ties on a key collision). */
  secrets: KeyVaultSecret[];
  /** The new cache: every loaded secret by lower-cased name. */
  cache: Map<string, CachedSecret>;
  /** How many secrets had to be fetched (0 on a reload where nothing changed). */
  fetched: number;
  /** Whether the loaded set differs from the cache it started from (fetches or removals). */
  changed: boolean;
}

const updatedMs = (p: SecretProperties): number => p.updatedOn?.getTime() ?? Number.NaN;

/**
 * Lists secret properties page by page and fetches values while later pages are still listing,
 * at most `maxConcurrency` at once. The first page goes out alone, so on a fresh client that
 * request alone pays the 401 challenge; every fetch after it carries the token.
 *
 * The list pages form a serial chain — the load can never finish before the last page arrives —
 * so the chain comes first: the next page is requested as soon as a page arrives, before its
 * secrets are queued, and fetches start one per event-loop turn, so a list response that arrives
 * meanwhile is handled at once instead of behind a page's worth of SDK request work.
 *
 * A listing page that fails transiently is retried by listing again from the start and skipping
 * names already seen: the SDK does not expose the page's nextLink, and a vault rarely has more
 * than a few dozen pages.
 */
export async function loadSecrets(plan: LoadPlan): Promise<LoadResult> {
  const listed: SecretProperties[] = [];
  const seen = new Set<string>();
  const results = new Map<string, CachedSecret>();
  const knownValues = (): string[] => [...results.values()].map((c) => c.secret.value ?? '');
  const getOptions = plan.abortSignal ? { abortSignal: plan.abortSignal } : {};
  let fetched = 0;
  let firstFailure: unknown;
  // One request per attempt through the limiter, so a retry waits for a slot like any request and
  // a throttled answer lowers the limit; the list page, the critical path, goes first.
  const limited = <T>(request: () => Promise<T>, priority = false): Promise<T> =>
    plan.limiter
      ? plan.limiter.run(request, { priority, classify: throttleOutcome, ...(plan.abortSignal ? { signal: plan.abortSignal } : {}) })
      : request();
  const retry: RetryOptions = plan.limiter
    ? {
        ...plan.retry,
        onRetry: (info) => {
          holdOnThrottle(plan.limiter!, info);
          plan.retry.onRetry?.(info);
        },
      }
    : plan.retry;

  const fetchOne = async (properties: SecretProperties): Promise<void> => {
    if (firstFailure !== undefined) return;
    try {
      const secret = await withRetry(() => limited(() => plan.client.getSecret(properties.name, getOptions)), retry);
      fetched++;
      // The listed `updatedOn` is what the next reload compares against.
      results.set(properties.name.toLowerCase(), { secret, updatedOn: updatedMs(properties) });
    } catch (error) {
      firstFailure ??= toKeyVaultError(error, {
        vaultUrl: plan.vaultUrl,
        secretName: properties.name,
        operation: `reading secret '${properties.name}'`,
        provider: plan.provider,
        knownValues: knownValues(),
      });
    }
  };

  // Fetches wait in a FIFO queue and start one per event-loop turn (setImmediate), at most
  // `maxConcurrency` at once. Starting a whole page's fetches in one go would keep the thread busy
  // for the SDK's per-request work and hold back the next list response — the critical path —
  // behind it; one per turn lets any arrived response run in between.
  const queue: SecretProperties[] = [];
  let head = 0;
  let active = 0;
  let listing = true;
  let turn: NodeJS.Immediate | undefined;
  let allDone!: () => void;
  const done = new Promise<void>((resolve) => (allDone = resolve));
  const settleIfDone = (): void => {
    if (!listing && active === 0 && head === queue.length) allDone();
  };
  const startNext = (): void => {
    turn = undefined;
    if (firstFailure !== undefined) head = queue.length;
    if (head < queue.length && active < plan.maxConcurrency) {
      const properties = queue[head]!;
      queue[head++] = undefined as never;
      active++;
      const settled = (): void => {
        active--;
        schedule();
      };
      fetchOne(properties).then(settled, (error: unknown) => {
        firstFailure ??= error;
        settled();
      });
    }
    if (head < queue.length && active < plan.maxConcurrency) schedule();
    else settleIfDone();
  };
  function schedule(): void {
    turn ??= setImmediate(startNext);
  }

  const accept = (properties: SecretProperties): void => {
    const folded = properties.name.toLowerCase();
    if (seen.has(folded)) return;
    seen.add(folded);
    if (properties.enabled !== true || !plan.include(properties)) return;
    listed.push(properties);
    const cached = plan.cache.get(folded);
    if (cached && sameUpdate(cached.updatedOn, updatedMs(properties))) {
      results.set(folded, cached);
      return;
    }
    queue.push(properties);
    schedule();
  };

  await withRetry(
    async () => {
      const pages = plan.client.listPropertiesOfSecrets(plan.abortSignal ? { abortSignal: plan.abortSignal } : {}).byPage();
      let next = limited(() => pages.next(), true);
      for (;;) {
        const page = await next;
        if (page.done) break;
        // Ask for the following page before fanning out this one's fetches, so the list chain —
        // the critical path — never waits behind them.
        next = limited(() => pages.next(), true);
        for (const properties of page.value) accept(properties);
        if (firstFailure !== undefined) {
          // Let the page already asked for settle and close the pager, so no request outlives the load.
          await next.catch(() => undefined);
          await pages.return?.(undefined).catch(() => undefined);
          break;
        }
      }
    },
    retry,
  ).catch((error: unknown) => {
    firstFailure ??= toKeyVaultError(error, {
      vaultUrl: plan.vaultUrl,
      operation: 'listing secrets',
      provider: plan.provider,
      knownValues: knownValues(),
    });
  });
  listing = false;
  schedule();
  await done;
  if (firstFailure !== undefined) throw firstFailure;

  const secrets = listed.map((p) => results.get(p.name.toLowerCase())!.secret);
  const cache = new Map<string, CachedSecret>();
  for (const p of listed) cache.set(p.name.toLowerCase(), results.get(p.name.toLowerCase())!);
  const changed = fetched > 0 || cache.size !== plan.cache.size;
  return { secrets, cache, fetched, changed };
}

function sameUpdate(a: number, b: number): boolean {
  // Two missing dates count as unchanged, as .NET compares nullable UpdatedOn values.
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}
