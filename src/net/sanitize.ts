/**
 * The one place that turns a foreign error (Azure SDK, node-redis, TLS, credential) into something
 * safe to keep as a `cause`. Such errors can hold the request (with its bearer token or HMAC
 * signature), the response (a secret bundle) or client options (a password); their messages may
 * quote a response body. What survives: the class name, the code, the HTTP status and the first
 * line of the message, scrubbed of known secret values and cut before any quoted body.
 */
import { scrubSecrets } from '../core/secrets.js';
import { statusOf } from './retry.js';

/**
 * The SDK's deserialization errors quote the whole response body (`… occurred while parsing the
 * response body - {"value":"…"}`), which for a secret read is the secret; cut the message there.
 */
const RESPONSE_BODY = /\b(occurred (?:while parsing|in deserializing) the response ?body)\b.*$/is;

export function withoutResponseBody(message: string): string {
  return message.replace(RESPONSE_BODY, '$1 (body not shown)');
}

/** node-redis leaves `name` as `Error` on some of its classes (`ConnectionTimeoutError`): the class name says more then. */
export function errorName(error: unknown): string {
  if (!(error instanceof Error)) {
    const name = (error as { name?: unknown } | null)?.name;
    return typeof name === 'string' ? name : 'Error';
  }
  return error.name === 'Error' && error.constructor?.name ? error.constructor.name : error.name;
}

/**
 * One scrubbed line describing `error`, its code in front when the text does not already say it
 * (`ECONNREFUSED: connect ECONNREFUSED …` reads the same; `ECONNRESET: socket hang up` says more).
 */
export function describeCause(error: unknown, knownValues: Iterable<string> = []): string {
  const e = error as { message?: unknown; code?: unknown } | null;
  const raw = typeof e?.message === 'string' && e.message !== '' ? e.message : error instanceof Error ? error.name : String(error);
  const text = withoutResponseBody(raw).split('\n')[0]!;
  const code = e?.code;
  const withCode = (typeof code === 'string' && code !== '' && !text.includes(code)) ? `${code}: ${text}` : text;
  return scrubSecrets(withCode, knownValues);
}

/** A value-free copy of `error` to keep as a `cause`: name, code, status and the described first line. */
export function sanitizedCause(error: unknown, knownValues: Iterable<string> = []): Error {
  const known = [...knownValues];
  const copy = new Error(describeCause(error, known));
  copy.name = errorName(error);
  const status = statusOf(error);
  if (status !== undefined) Object.assign(copy, { statusCode: status });
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' || typeof code === 'number') Object.assign(copy, { code });
  return copy;
}
