/**
 * The two .NET primitive parsers configuration text meets everywhere: array indexes and ordering,
 * the binder, feature-flag documents and Redis connection strings all read numbers and booleans
 * as .NET does, so they share one reading.
 */

const INT32 = /^\s*[+-]?\d+\s*$/;

/** .NET `int.TryParse` with invariant culture: sign and surrounding white space allowed, overflow is not a number. */
export function parseInt32(text: string): number | undefined {
  if (!INT32.test(text)) return undefined;
  const n = Number(text.trim());
  return n >= -2147483648 && n <= 2147483647 ? n : undefined;
}

/** .NET `bool.TryParse`: `true` / `false` in any case, white space around allowed. */
export function parseBoolean(text: string): boolean | undefined {
  const lowered = text.trim().toLowerCase();
  if (lowered === 'true') return true;
  if (lowered === 'false') return false;
  return undefined;
}
