/**
 * How one request to an App Configuration endpoint is sent: through the endpoint's adaptive
 * in-flight limit, time-boxed, and retried by `withRetry` (one retry layer; the SDK's is off).
 * A throttle whose `Retry-After` is waited out holds the endpoint's other requests too.
 */
import { setMaxListeners } from 'node:events';
import { holdOnThrottle, throttleOutcome, type AdaptiveLimiter } from '../../net/concurrency.js';
import { isTransientError, MAX_TIMER_MS, withRetry } from '../../net/retry.js';
import type { Call } from './listing.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** With another endpoint to fail over to, a throttle is waited out only this long before handing over. */
const FAILOVER_RETRY_AFTER_MS = 1_000;

export interface RequestPolicy {
  signal: AbortSignal;
  maxRetries: number;
  /** Retries of 429s apart from `maxRetries` (default: counted with them). */
  maxThrottledRetries?: number;
  /** Epoch ms: no `Retry-After` is waited out past this time. */
  retryAfterDeadline?: number;
  onRetry?: (error: unknown) => void;
}

/** A request that got no answer within its time box: transient, and a reason to fail over. */
export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
  readonly code = 'ETIMEDOUT';
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

/**
 * `failoverAvailable`: another endpoint can take over, so this one gets one retry and waits out at
 * most a second of `Retry-After` before the error goes to the failover loop.
 */
export function endpointCaller(policy: RequestPolicy, limiter: AdaptiveLimiter, timeoutMs: number, failoverAvailable: boolean): Call {
  const timeout = Math.min(timeoutMs, MAX_TIMER_MS);
  const send = async <T>(operation: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> => {
    const timer = new AbortController();
    const signal = AbortSignal.any([policy.signal, timer.signal]);
    setMaxListeners(0, signal);
    const handle = setTimeout(() => timer.abort(new RequestTimeoutError(timeout)), timeout);
    try {
      return await operation(signal);
    } catch (error) {
      if (timer.signal.aborted && !policy.signal.aborted) throw timer.signal.reason;
      throw error;
    } finally {
      clearTimeout(handle);
    }
  };
  const deadline = failoverAvailable
    ? Math.min(policy.retryAfterDeadline ?? Number.POSITIVE_INFINITY, Date.now() + FAILOVER_RETRY_AFTER_MS)
    : policy.retryAfterDeadline;
  return (operation) =>
    withRetry(() => limiter.run(() => send(operation), { classify: throttleOutcome, signal: policy.signal }), {
      abortSignal: policy.signal,
      maxRetries: failoverAvailable ? Math.min(1, policy.maxRetries) : policy.maxRetries,
      ...(policy.maxThrottledRetries !== undefined && !failoverAvailable ? { maxThrottledRetries: policy.maxThrottledRetries } : {}),
      ...(deadline !== undefined && Number.isFinite(deadline) ? { retryAfterDeadline: deadline } : {}),
      baseDelayMs: 250,
      maxDelayMs: 10_000,
      isRetryable: isTransientError,
      onRetry: (info) => {
        holdOnThrottle(limiter, info);
        policy.onRetry?.(info.error);
      },
    });
}
