/**
 * A request quota for the emulators: a token bucket (a steady rate plus a burst allowance), as the
 * services enforce per vault, per store and per replica. Only accepted requests take a token:
 * Key Vault documents that throttled requests do not count toward the limit, and a bucket that
 * charged rejected requests would punish a client for the retries the service told it to make.
 *
 * Counters keep totals and a timeline in fixed buckets, so benchmarks and tests can read the
 * accepted and throttled rate over time from the server's side (never from client timings).
 */

export interface QuotaOptions {
  /** Requests accepted per second on average. */
  ratePerSecond: number;
  /** Requests that may be accepted at once after a quiet period. Default: one second's worth. */
  burst?: number;
  /** Timeline bucket width. Default 1000 ms. */
  bucketMs?: number;
  /** Clock (tests). Default `performance.now()` on a monotonic scale. */
  now?: () => number;
}

export interface QuotaSample {
  /** Bucket start, ms since the quota was created or reset. */
  atMs: number;
  accepted: number;
  throttled: number;
}

export interface QuotaCounters {
  accepted: number;
  throttled: number;
  timeline: QuotaSample[];
}

export type QuotaDecision = { ok: true } | { ok: false; retryAfterMs: number };

export class TokenBucket {
  readonly ratePerSecond: number;
  readonly burst: number;
  readonly #bucketMs: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;
  #start: number;
  readonly counters: QuotaCounters = { accepted: 0, throttled: 0, timeline: [] };

  constructor(options: QuotaOptions) {
    if (!(options.ratePerSecond > 0)) throw new RangeError('ratePerSecond must be positive');
    this.ratePerSecond = options.ratePerSecond;
    this.burst = Math.max(1, options.burst ?? options.ratePerSecond);
    this.#bucketMs = options.bucketMs ?? 1000;
    this.#now = options.now ?? (() => performance.now());
    this.#tokens = this.burst;
    this.#last = this.#now();
    this.#start = this.#last;
  }

  /** Takes a token if there is one; otherwise says how long until there will be. */
  take(): QuotaDecision {
    const now = this.#now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) * this.ratePerSecond) / 1000);
    this.#last = now;
    const sample = this.#sample(now);
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      this.counters.accepted++;
      sample.accepted++;
      return { ok: true };
    }
    this.counters.throttled++;
    sample.throttled++;
    return { ok: false, retryAfterMs: Math.max(1, Math.ceil(((1 - this.#tokens) * 1000) / this.ratePerSecond)) };
  }

  /** Full bucket, zeroed counters, a new timeline origin. */
  reset(): void {
    this.#tokens = this.burst;
    this.#last = this.#now();
    this.#start = this.#last;
    this.counters.accepted = 0;
    this.counters.throttled = 0;
    this.counters.timeline.length = 0;
  }

  #sample(now: number): QuotaSample {
    const atMs = Math.floor((now - this.#start) / this.#bucketMs) * this.#bucketMs;
    const last = this.counters.timeline.at(-1);
    if (last && last.atMs === atMs) return last;
    const sample = { atMs, accepted: 0, throttled: 0 };
    this.counters.timeline.push(sample);
    return sample;
  }
}
