/**
 * The retry layer the remote providers (Key Vault, App Configuration) put around each SDK call.
 *
 * Why our own: the Azure SDK pipeline retries a 429 only when it carries a retry-after header, and
 * a throttled vault often answers a bare 429. We disable the SDK's retries for our clients (one
 * layer, predictable timing) and retry here: 408, 429, 5xx except 501/505, and network failures,
 * honouring `retry-after-ms` / `x-ms-retry-after-ms` / `Retry-After` (seconds or HTTP date) and
 * otherwise backing off exponentially with full jitter. Everything stops on the abort signal.
 */

export interface RetryOptions {
  /** Retries after the first attempt. Default 5. */
  maxRetries?: number;
  /**
   * Retries of throttled answers (429), counted apart from `maxRetries`. Default: none apart (a
   * 429 counts as one of `maxRetries`).
   * A start-up bounded by a time box sets it to Infinity: a throttled service asks to come back
   * later, and giving up after a fixed count made whole fleets fail to start (DotnetProvider#458).
   */
  maxThrottledRetries?: number;
  /** First backoff step when the service gave no delay. Default 250 ms. */
  baseDelayMs?: number;
  /** Upper bound for one backoff wait. Server-given delays are honoured as given (bound them with the abort signal or `retryAfterDeadline`). Default 30 s. */
  maxDelayMs?: number;
  /**
   * A time (`Date.now()` scale) that no server-given wait may run past: when `Retry-After` points
   * beyond it, the error is thrown at once rather than waited out. Calls that share one deadline
   * share one budget. Backoff waits are not affected. Default: none.
   */
  retryAfterDeadline?: number;
  /** Stops waiting and retrying; the pending wait rejects with the signal's reason. */
  abortSignal?: AbortSignal;
  /** Decides whether an error is worth another attempt. Default: `isTransientError`. */
  isRetryable?: (error: unknown) => boolean;
  /** Called before each wait, e.g. to remember the last real cause for a timeout message. */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
  /** Source of randomness for jitter (tests make it deterministic). Default `Math.random`. */
  random?: () => number;
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'REQUEST_SEND_ERROR',
]);

/** The HTTP status of an SDK error (RestError `statusCode`, or `status`), when there is one. */
export function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { statusCode?: unknown; status?: unknown };
  if (typeof e.statusCode === 'number') return e.statusCode;
  if (typeof e.status === 'number') return e.status;
  return undefined;
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

export function isAbortError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}

/** True for throttling, server-side faults and dropped connections; false for 4xx answers and aborts. */
export function isTransientError(error: unknown): boolean {
  if (isAbortError(error)) return false;
  const status = statusOf(error);
  if (status !== undefined) return status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505);
  const code = codeOf(error);
  if (code !== undefined && NETWORK_CODES.has(code)) return true;
  // A RestError with no status never got an answer (socket closed mid-response, TLS reset…).
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'RestError';
}

interface HeaderSource {
  get(name: string): string | undefined;
}

function headersOf(error: unknown): HeaderSource | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const headers = (error as { response?: { headers?: unknown } }).response?.headers;
  if (!headers || typeof headers !== 'object') return undefined;
  if (typeof (headers as HeaderSource).get === 'function') return headers as HeaderSource;
  const record = headers as Record<string, unknown>;
  return {
    get: (name) => {
      const hit = Object.keys(record).find((k) => k.toLowerCase() === name);
      const v = hit === undefined ? undefined : record[hit];
      return typeof v === 'string' ? v : undefined;
    },
  };
}

/**
 * The delay a throttled or unavailable service asked for, in ms: `retry-after-ms`,
 * `x-ms-retry-after-ms`, then `Retry-After` (seconds or an HTTP date). Undefined when absent.
 */
export function retryAfterMs(error: unknown, now: number = Date.now()): number | undefined {
  const headers = headersOf(error);
  if (!headers) return undefined;
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const raw = headers.get(name);
    if (raw !== undefined && raw.trim() !== '') {
      const ms = Number(raw);
      if (Number.isFinite(ms) && ms >= 0) return ms;
    }
  }
  const raw = headers.get('retry-after');
  if (raw === undefined || raw.trim() === '') return undefined;
  const secondsValue = Number(raw);
  if (Number.isFinite(secondsValue) && secondsValue >= 0) return secondsValue * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Exponential backoff with full jitter: a random wait in [step/2, step], step = base·2^attempt. */
export function backoffDelayMs(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number = Math.random): number {
  const step = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
  return Math.round(step / 2 + random() * (step / 2));
}

/** Node's largest timer delay; a longer one (or Infinity) fires after 1 ms instead. */
export const MAX_TIMER_MS = 2_147_483_647;

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** `promise`, or a rejection with the signal's reason as soon as it aborts (the promise is left to settle unobserved). */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(abortReason(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function abortReason(signal: AbortSignal): unknown {
  if (signal.reason !== undefined) return signal.reason;
  const err = new Error('The operation was aborted.');
  err.name = 'AbortError';
  return err;
}

/**
 * Runs `operation` until it succeeds, fails with a non-transient error, runs out of retries or the
 * signal aborts. The last error is rethrown unchanged so callers can classify it.
 */
export async function withRetry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const maxRetries = options.maxRetries ?? 5;
  const base = options.baseDelayMs ?? 250;
  const max = options.maxDelayMs ?? 30_000;
  const retryable = options.isRetryable ?? isTransientError;
  const separateThrottles = options.maxThrottledRetries !== undefined;
  const maxThrottled = options.maxThrottledRetries ?? maxRetries;
  let faults = 0;
  let throttled = 0;
  for (let attempt = 0; ; attempt++) {
    if (options.abortSignal?.aborted) throw abortReason(options.abortSignal);
    try {
      return await operation(attempt);
    } catch (error) {
      if (options.abortSignal?.aborted) throw error;
      if (!retryable(error)) throw error;
      // A throttle is not a fault: it has its own budget and leaves the fault budget alone.
      if (separateThrottles && statusOf(error) === 429 ? throttled++ >= maxThrottled : faults++ >= maxRetries) throw error;
      const asked = retryAfterMs(error);
      if (asked !== undefined && options.retryAfterDeadline !== undefined && Date.now() + asked > options.retryAfterDeadline) throw error;
      const delayMs = asked ?? backoffDelayMs(attempt, base, max, options.random);
      options.onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs, options.abortSignal);
    }
  }
}
