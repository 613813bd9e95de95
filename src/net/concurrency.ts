import { retryAfterMs, sleep, statusOf } from './retry.js';

/**
 * A counting semaphore: at most `limit` tasks run at once, the rest wait in FIFO order. Used to
 * bound parallel secret fetches so a large vault cannot trip the service's throttling limits.
 */
export class ConcurrencyLimiter {
  readonly limit: number;
  #active = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('The concurrency limit must be a positive integer.');
    this.limit = limit;
  }

  /** Tasks running now. */
  get active(): number {
    return this.#active;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#active++;
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      // Hand the slot straight to the next waiter so `active` never exceeds the limit.
      if (next) next();
      else this.#active--;
    }
  }
}

/**
 * Runs tasks one after another: a reload and a poll of the same remote provider never overlap, so
 * a slower, older load cannot overwrite a newer one's data or cache. A failed task does not block
 * the next.
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(task, task);
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /** Settles when every task queued so far has settled. */
  async idle(): Promise<void> {
    await this.#tail;
  }
}

/**
 * The first pacing window after a throttle. A quota's `Retry-After` is the time until its next
 * token (for a store at 75/s, 14 ms), the same for every client it throttles, so it says nothing
 * about how many clients are waiting. A fleet that is throttled is a backlog of instances behind
 * the quota, and while new instances keep arriving (a start-up spread over about the time the
 * quota needs) it drains slowly: at 90 % load, a clump of ten extra requests takes more than a
 * second. Probing that backlog every ~100 ms (the former default) made most 429s retries of
 * clients already waiting; a 400 ms window spreads the waiting clients over ~30 tokens of such a
 * store. Measured with the fleet bench (N = 200, start-up jitter 1.1× the quota time, 5 runs
 * each): 100 ms gave 7–13 % of requests throttled, 400 ms 3–10 %, at the same time to ready.
 */
export const DEFAULT_PACE_BASE_MS = 400;
/**
 * The largest pacing window. A client throttled several times in a row waits up to this long, so
 * once the backlog clears it is back within about this time: larger caps (5 s before) left the
 * last instances of a fleet idle after the services had caught up (a longer tail to ready, and
 * with a 600 ms base one start that failed its time box), for few fewer 429s.
 */
export const DEFAULT_PACE_MAX_MS = 1_200;

export interface AdaptiveLimiterOptions {
  /** The most requests in flight, ever. */
  max: number;
  /** Requests in flight at first, grown on success. Default min(max, 4). */
  initial?: number;
  /** Clock for the throttle gate (tests). Default `Date.now`. */
  now?: () => number;
  /** First pacing step after a throttle (ms). Default 400 (`DEFAULT_PACE_BASE_MS`). */
  paceBaseMs?: number;
  /** Largest pacing step (ms). Default 1.2 s (`DEFAULT_PACE_MAX_MS`). */
  paceMaxMs?: number;
  /** Randomness for the pacing waits (tests). Default `Math.random`. */
  random?: () => number;
}

/** What a request through the limiter reports back, so the limit can follow the service. */
export type Outcome = 'success' | 'throttled' | 'other';

/**
 * The in-flight limit for one vault or store, adapted to the throttling it meets (AIMD, as TCP
 * congestion control): it starts small and grows by one per success until the first throttle
 * (slow start), halves once per throttled round — requests that were already in flight when it
 * halved do not halve it again — and afterwards grows by one per round of successes. A throttle
 * whose `Retry-After` is waited out also holds every request not yet sent until then (`hold`),
 * so the other slots do not spend that time collecting 429s of their own.
 *
 * Why: each instance of a fleet only sees its own 429s. Without this, N instances each keeping 32
 * requests in flight hammer the service at N×32 and most requests come back throttled; with it,
 * each instance's share settles near the service's rate divided by N.
 */
export class AdaptiveLimiter {
  readonly max: number;
  #limit: number;
  #slowStart = true;
  #active = 0;
  /** Bumped on every decrease; a request remembers the epoch it started in. */
  #epoch = 0;
  #openAt = 0;
  #gate: NodeJS.Timeout | undefined;
  readonly #now: () => number;
  readonly #waiting: Array<{ resolve: () => void; priority: boolean }> = [];
  /** Throttles not yet worked off by successes: how hard to pace new requests. */
  #pressure = 0;
  readonly #paceBase: number;
  readonly #paceMax: number;
  readonly #random: () => number;
  /** Requests throttled and decreases made, for diagnostics and tests. */
  readonly stats = { throttled: 0, decreases: 0, peak: 0 };

  constructor(options: AdaptiveLimiterOptions) {
    if (!Number.isInteger(options.max) || options.max < 1) throw new RangeError('The concurrency limit must be a positive integer.');
    this.max = options.max;
    this.#limit = Math.max(1, Math.min(options.max, options.initial ?? 4));
    this.#now = options.now ?? Date.now;
    this.#paceBase = options.paceBaseMs ?? DEFAULT_PACE_BASE_MS;
    this.#paceMax = options.paceMaxMs ?? DEFAULT_PACE_MAX_MS;
    this.#random = options.random ?? Math.random;
  }

  /**
   * The random wait before the next request: nothing while nothing is throttled, else up to
   * `paceBase × 2^(pressure−1)`. A quota tells every client it throttles the same short wait (until
   * its next token), so retries that only honoured it would come back together and be throttled
   * again; and a throttle means the service is busy for the next request too, not only for the
   * retry. Each throttle doubles the window, each success halves it.
   */
  paceMs(): number {
    if (this.#pressure <= 0) return 0;
    return Math.round(this.#random() * Math.min(this.#paceMax, this.#paceBase * 2 ** (this.#pressure - 1)));
  }

  /** The current limit (whole requests). */
  get limit(): number {
    return Math.max(1, Math.floor(this.#limit));
  }

  get active(): number {
    return this.#active;
  }

  /**
   * Runs `task` when a slot is free and the gate is open; `classify` says how it went (default:
   * a resolved task is a success). `priority` tasks (the next list page: the critical path of a
   * load) go ahead of queued ones.
   */
  async run<T>(task: () => Promise<T>, options: { priority?: boolean; classify?: (error: unknown) => Outcome; signal?: AbortSignal } = {}): Promise<T> {
    await this.#acquire(options.priority ?? false, options.signal);
    const epoch = this.#epoch;
    try {
      const pace = this.paceMs();
      if (pace > 0) await sleep(pace, options.signal);
      const result = await task();
      this.#succeeded();
      return result;
    } catch (error) {
      const outcome = options.classify?.(error) ?? 'other';
      if (outcome === 'throttled') this.throttled(epoch);
      throw error;
    } finally {
      this.#active--;
      this.#pump();
    }
  }

  /** Records a throttle for a request started in `epoch`. */
  throttled(epoch: number): void {
    this.stats.throttled++;
    this.#pressure = Math.min(this.#pressure + 1, 30);
    if (epoch === this.#epoch) {
      this.#epoch++;
      this.stats.decreases++;
      this.#slowStart = false;
      this.#limit = Math.max(1, this.#limit / 2);
    }
  }

  /**
   * Holds requests not yet sent for `waitMs`. Called by the retry layer when it waits out a
   * throttle's `Retry-After` (and only then: a wait it refuses, past a refresh's budget, must not
   * park the next refresh either).
   */
  hold(waitMs: number): void {
    if (!(waitMs > 0)) return;
    this.#openAt = Math.max(this.#openAt, this.#now() + waitMs);
    this.#pump();
  }

  #succeeded(): void {
    this.#pressure = Math.max(0, this.#pressure - 1);
    // Slow start doubles per round trip; afterwards one more slot per round of successes.
    this.#limit = Math.min(this.max, this.#limit + (this.#slowStart ? 1 : 1 / this.#limit));
  }

  #acquire(priority: boolean, signal?: AbortSignal): Promise<void> {
    if (this.#waiting.length === 0 && this.#canStart()) {
      this.#start();
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const entry = {
        priority,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        const at = this.#waiting.indexOf(entry);
        if (at >= 0) this.#waiting.splice(at, 1);
        if (this.#waiting.length === 0 && this.#gate) {
          clearTimeout(this.#gate);
          this.#gate = undefined;
        }
        reject(signal!.reason ?? Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' }));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      if (priority) {
        const firstNormal = this.#waiting.findIndex((w) => !w.priority);
        this.#waiting.splice(firstNormal < 0 ? this.#waiting.length : firstNormal, 0, entry);
      } else {
        this.#waiting.push(entry);
      }
      this.#pump();
    });
  }

  #canStart(): boolean {
    return this.#active < this.limit && this.#now() >= this.#openAt;
  }

  #start(): void {
    this.#active++;
    this.stats.peak = Math.max(this.stats.peak, this.#active);
  }

  #pump(): void {
    while (this.#waiting.length > 0 && this.#canStart()) {
      this.#start();
      this.#waiting.shift()!.resolve();
    }
    const wait = this.#openAt - this.#now();
    if (this.#waiting.length > 0 && wait > 0 && this.#active < this.limit && !this.#gate) {
      this.#gate = setTimeout(() => {
        this.#gate = undefined;
        this.#pump();
      }, wait);
    }
  }
}

/** For `withRetry`'s `onRetry`: a throttle whose `Retry-After` is being waited out holds the whole limiter. */
export function holdOnThrottle(limiter: AdaptiveLimiter, info: { delayMs: number; error: unknown }): void {
  if (throttleOutcome(info.error) === 'throttled' && retryAfterMs(info.error) !== undefined) limiter.hold(info.delayMs);
}

/** A 429, or a 503 that says when to come back (App Configuration throttles with both): the service is over its rate. */
export function throttleOutcome(error: unknown): Outcome {
  const status = statusOf(error);
  if (status === 429) return 'throttled';
  if (status === 503 && retryAfterMs(error) !== undefined) return 'throttled';
  return 'other';
}
