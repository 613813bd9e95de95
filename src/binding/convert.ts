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

/** `true` / `false` in any case, surrounded by white space or not (.NET `bool.Parse`). */
export function parseBoolean(text: string): boolean | undefined {
  const lowered = text.trim().toLowerCase();
  if (lowered === 'true') return true;
  if (lowered === 'false') return false;
  return undefined;
}

/** An integer for a `bigint` default: optional sign, decimal digits. */
export function parseBigInt(text: string): bigint | undefined {
  const trimmed = text.trim();
  return /^[+-]?\d+$/.test(trimmed) ? BigInt(trimmed) : undefined;
}

/**
 * An ISO 8601 date (`2024-02-29`), date-time (`2024-02-29T13:45`, seconds, fraction) with an
 * optional `Z` or `±hh:mm` offset. A date-time without an offset is local time, as in JavaScript.
 * Calendar-impossible dates (`2023-02-30`) are refused rather than rolled over.
 */
const ISO_DATE_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

export function parseDate(text: string): Date | undefined {
  const m = ISO_DATE_RE.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(Number(y), month)) return undefined;
  if (h !== undefined && (Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 59)) return undefined;
  const date = new Date(text.trim().replace(' ', 'T'));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** An absolute URL (`new URL` without a base). */
export function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text.trim());
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
