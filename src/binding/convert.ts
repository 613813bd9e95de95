/**
 * Pure text → value conversions used by both binders. Each returns `undefined` when the text does
 * not convert; callers decide whether that is dropped, an error or a validation violation.
 */

/**
 * A decimal number as .NET's invariant `double` parser reads it: optional white space around,
 * an optional sign, digits with an optional fraction, an optional exponent. Thousands separators,
 * hex, `NaN` and `Infinity` are refused: they are almost always a mistake in configuration.
 */
const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export function parseNumber(text: string): number | undefined {
  const trimmed = text.trim();
  if (!NUMBER_RE.test(trimmed)) return undefined;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * A whole number, as .NET's `Int64` converter reads one: decimal with an optional sign, or hex
 * with a `0x`, `&h` or `#` prefix (any case).
 */
export function parseBigInt(text: string): bigint | undefined {
  const trimmed = text.trim();
  if (/^[+-]?\d+$/.test(trimmed)) return BigInt(trimmed);
  const hex = /^(?:0x|&h|#)([0-9a-f]+)$/i.exec(trimmed);
  return hex ? BigInt(`0x${hex[1]}`) : undefined;
}

/**
 * A date as .NET's `DateTime` converter reads one with the invariant culture, in the forms
 * configuration uses: ISO 8601 (`2024-02-29`, `2024-02`, `2024-2-9T10:00`, seconds, a fraction)
 * with an optional `Z` or `±h[h][[:]mm]` offset (at most 14 hours, a space before it allowed),
 * RFC 1123 (`Thu, 29 Feb 2024 10:00:00 GMT`) and the invariant `MM/dd/yyyy[ HH:mm[:ss]]`.
 * Without an offset the time is local, date-only values too, as .NET's unspecified `DateTime`
 * becomes local time when converted (JavaScript would read `2024-02-29` as UTC but
 * `2024-02-29T00:00` as local). Calendar-impossible dates (`2023-02-30`) are refused rather than
 * rolled over.
 */
const ISO_DATE_RE =
  /^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?:(?:T|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{1,2}(?::?\d{2})?)?$/i;
const INVARIANT_DATE_RE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const RFC1123_RE = /^(?:mon|tue|wed|thu|fri|sat|sun),\s*(\d{1,2})\s+([a-z]{3})\s+(\d{4})\s+(\d{2}):(\d{2}):(\d{2})\s*(?:gmt|utc|z)$/i;

interface DateParts {
  year: number;
  month: number;
  day: number;
  hour?: number;
  minute?: number;
  second?: number;
  ms?: number;
  /** Minutes east of UTC; undefined: local time. */
  offset?: number;
}

function toDate(p: DateParts): Date | undefined {
  const { year, month, day, hour = 0, minute = 0, second = 0, ms = 0 } = p;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  // Built in a leap year and then given its own (the day was checked against it above), because
  // Date reads years below 100 as 1900 + year.
  let date: Date;
  if (p.offset === undefined) {
    date = new Date(2000, month - 1, day, hour, minute, second, ms);
    date.setFullYear(year);
  } else {
    date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, ms));
    date.setUTCFullYear(year);
    date = new Date(date.getTime() - p.offset * 60_000);
  }
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** `Z`, `+2`, `-05`, `+0530`, `-5:00`: minutes east of UTC, undefined when past ±14:00 or malformed. */
function offsetMinutes(text: string): number | undefined {
  if (/^z$/i.test(text)) return 0;
  const m = /^([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(text);
  if (!m) return undefined;
  const hours = Number(m[2]);
  const minutes = Number(m[3] ?? 0);
  if (minutes > 59 || hours * 60 + minutes > 14 * 60) return undefined;
  return (m[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

export function parseDate(text: string): Date | undefined {
  const input = text.trim();
  const iso = ISO_DATE_RE.exec(input);
  if (iso) {
    const [, y, mo, d, h, mi, s, fraction, zone] = iso;
    // a year and month alone take no time or offset
    if (d === undefined && (h !== undefined || zone !== undefined)) return undefined;
    const offset = zone === undefined ? undefined : offsetMinutes(zone);
    if (zone !== undefined && offset === undefined) return undefined;
    return toDate({
      year: Number(y),
      month: Number(mo),
      day: d === undefined ? 1 : Number(d),
      ...(h !== undefined ? { hour: Number(h), minute: Number(mi) } : {}),
      ...(s !== undefined ? { second: Number(s) } : {}),
      ...(fraction !== undefined ? { ms: Number(fraction.slice(0, 3).padEnd(3, '0')) } : {}),
      ...(offset !== undefined ? { offset } : {}),
    });
  }
  const invariant = INVARIANT_DATE_RE.exec(input);
  if (invariant) {
    const [, mo, d, y, h, mi, s] = invariant;
    return toDate({ year: Number(y), month: Number(mo), day: Number(d), hour: Number(h ?? 0), minute: Number(mi ?? 0), second: Number(s ?? 0) });
  }
  const rfc = RFC1123_RE.exec(input);
  if (rfc) {
    const [, d, mon, y, h, mi, s] = rfc;
    const month = MONTHS.indexOf(mon!.toLowerCase()) + 1;
    if (month === 0) return undefined;
    return toDate({ year: Number(y), month, day: Number(d), hour: Number(h), minute: Number(mi), second: Number(s), offset: 0 });
  }
  return undefined;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * An absolute URL (`new URL` without a base). For the schemes whose URLs always have a host
 * (`http`, `https`, `ws`, `wss`, `ftp`), `//` must follow the scheme: WHATWG's parser would read
 * `http:/x` or `https:contoso.com` as `http://x/`, inventing a host, where .NET's `Uri` reads them
 * as relative references (not absolute URLs).
 */
export function parseUrl(text: string): URL | undefined {
  const input = text.trim();
  if (/^(?:https?|wss?|ftp):(?!\/\/)/i.test(input)) return undefined;
  try {
    return new URL(input);
  } catch {
    return undefined;
  }
}

/** The type name used in binding errors for a default value. */
export function typeNameOf(value: unknown): string {
  if (value === null || value === undefined) return 'string';
  if (value instanceof Date) return 'Date';
  if (value instanceof URL) return 'URL';
  if (value instanceof Map) return 'Map';
  if (Array.isArray(value)) return 'Array';
  if (typeof value === 'object') return 'object';
  return typeof value;
}
