/**
 * App Configuration failures as typed errors that name the store and the real cause (the HTTP
 * status), with the SDK error kept only as a value-free copy.
 */
import { ConfigurationError, RemoteProviderError } from '../../core/errors.js';
import { isAbortError, retryAfterMs, statusOf } from '../../net/retry.js';
import { sanitizedCause } from '../../net/sanitize.js';

function codeFor(status: number | undefined): string {
  if (status === 401) return 'APP_CONFIGURATION_UNAUTHORIZED';
  if (status === 403) return 'APP_CONFIGURATION_FORBIDDEN';
  if (status === 404) return 'APP_CONFIGURATION_NOT_FOUND';
  if (status === 429) return 'APP_CONFIGURATION_THROTTLED';
  if (status === undefined || status >= 500) return 'APP_CONFIGURATION_UNAVAILABLE';
  return 'APP_CONFIGURATION_REQUEST';
}

export interface StoreContext {
  store: string;
  provider: string;
}

/** Whatever a load or refresh threw, as a `ConfigurationError` (ours pass through unchanged). */
export function appConfigurationError(error: unknown, operation: string, context: StoreContext): ConfigurationError {
  if (error instanceof ConfigurationError) return error;
  const status = statusOf(error);
  const cause = sanitizedCause(error);
  const asked = retryAfterMs(error);
  // The delay the final error asked for was never waited out: name it, so a refresh that gave up
  // on a long Retry-After reads as throttling rather than an outage.
  const retry = asked === undefined ? '' : ` (the store asked to retry after ${asked >= 1000 ? `${Math.round(asked / 1000)} s` : `${asked} ms`})`;
  const reason = status !== undefined ? `HTTP ${status}${retry}` : isAbortError(error) ? 'the operation was aborted' : 'a network error';
  const detail = cause.message && cause.message !== reason ? `: ${cause.message.slice(0, 300)}` : '';
  return new RemoteProviderError(`Azure App Configuration store '${context.store}': ${operation} failed with ${reason}${detail}`, codeFor(status), {
    provider: context.provider,
    source: context.store,
    cause,
    ...(status !== undefined ? { statusCode: status } : {}),
  });
}

/** The start-up time box closed; the last failed attempt (if any) is the real cause. */
export function startupTimeoutError(timeoutMs: number, lastError: unknown, context: StoreContext): RemoteProviderError {
  const status = statusOf(lastError);
  const cause = lastError === undefined || isAbortError(lastError) ? undefined : sanitizedCause(lastError);
  const reason =
    status !== undefined ? `the last attempt failed with HTTP ${status}` : cause ? `the last attempt failed: ${cause.message.slice(0, 300)}` : 'no answer in time';
  return new RemoteProviderError(`Azure App Configuration store '${context.store}' did not load within ${timeoutMs} ms; ${reason}.`, 'APP_CONFIGURATION_TIMEOUT', {
    provider: context.provider,
    source: context.store,
    ...(cause ? { cause } : {}),
    ...(status !== undefined ? { statusCode: status } : {}),
  });
}
