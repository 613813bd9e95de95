/**
 * The one home of key rules (as .NET's `ConfigurationPath` and `ConfigurationKeyComparer`):
 * nothing else in the library splits on `:` or decides how keys compare.
 */

import { parseInt32 } from './dotnetText.js';

export const KEY_DELIMITER = ':';

const ASCII = /^[\x00-\x7f]*$/;

/**
 * The case-folded form used for every lookup. .NET compares keys OrdinalIgnoreCase; lower-casing
 * agrees with it for all keys people write (ASCII, and letters whose case mapping is 1:1).
 */
export function foldKey(key: string): string {
  return key.toLowerCase();
}

/**
 * A segment's folded form when it is the same inside every key, so that a key's folded form is its
 * segments' folded forms joined by `:`; undefined when that cannot be promised: a segment holding
 * the delimiter, or a capital beyond ASCII, whose lower case may depend on the letters around it
 * (`'AΣ:b'.toLowerCase()` is `'aσ:b'`, while `'AΣ'.toLowerCase()` is `'aς'`).
 */
export function foldSegment(segment: string): string | undefined {
  if (segment.includes(KEY_DELIMITER)) return undefined;
  const folded = foldKey(segment);
  return folded === segment || ASCII.test(segment) ? folded : undefined;
}

/** `combine('a', 'b')` → `a:b`. Like .NET, an empty segment stays: `combine('a', '')` → `a:`. */
export function combinePath(...segments: string[]): string {
  return segments.join(KEY_DELIMITER);
}

/** The last segment: `a:b:c` → `c`. */
export function getSectionKey(path: string): string {
  const i = path.lastIndexOf(KEY_DELIMITER);
  return i < 0 ? path : path.slice(i + 1);
}

/** Everything before the last segment, or `null` for a top-level key. */
export function getParentPath(path: string): string | null {
  const i = path.lastIndexOf(KEY_DELIMITER);
  return i < 0 ? null : path.slice(0, i);
}

/** The path, then each ancestor up to its top-level segment: `a:b:c` → `a:b:c`, `a:b`, `a`. */
export function* pathAndAncestors(path: string): IterableIterator<string> {
  for (let p: string | null = path; p !== null; p = getParentPath(p)) yield p;
}

export function splitPath(path: string): string[] {
  return path.split(KEY_DELIMITER);
}

/**
 * .NET's OrdinalIgnoreCase orders by the upper-case form (`A` < `_` < `a`), so `_x` sorts after
 * `a` there, not before it as lower-casing would say. Beyond ASCII only one-unit mappings count,
 * and none into ASCII (.NET keeps `ı` and `ſ` apart from `I` and `S`).
 */
function upperOrdinal(s: string): string {
  if (ASCII.test(s)) return s.toUpperCase();
  let out = '';
  for (const ch of s) {
    const u = ch.toUpperCase();
    out += u.length === ch.length && (ch <= '\x7f' || u > '\x7f') ? u : ch;
  }
  return out;
}

function compareOrdinalIgnoreCase(a: string, b: string): number {
  if (foldKey(a) === foldKey(b)) return 0;
  const fa = upperOrdinal(a);
  const fb = upperOrdinal(b);
  return fa < fb ? -1 : fa > fb ? 1 : 0;
}

const nonEmpty = (segment: string): boolean => segment.length > 0;

function compareSegment(a: string, b: string): number {
  const ia = parseInt32(a);
  const ib = parseInt32(b);
  if (ia !== undefined && ib !== undefined) return ia - ib;
  if (ia !== undefined) return -1;
  if (ib !== undefined) return 1;
  return compareOrdinalIgnoreCase(a, b);
}

/**
 * .NET `ConfigurationKeyComparer`: segment by segment, integers numerically and before text,
 * text ordinal-ignore-case, a prefix path first. Gives `4,10,42,1text,bob,hello`.
 * Like .NET's span walk, runs of `:` separate one pair of segments (`a::b` ties `a:b`), so an
 * empty key has no segment at all and sorts before every other one, integers included.
 */
export function compareKeys(a: string, b: string): number {
  const sa = splitPath(a).filter(nonEmpty);
  const sb = splitPath(b).filter(nonEmpty);
  const n = Math.min(sa.length, sb.length);
  for (let i = 0; i < n; i++) {
    const c = compareSegment(sa[i]!, sb[i]!);
    if (c !== 0) return c;
  }
  return sa.length - sb.length;
}

/**
 * The key an environment variable (or `.env` name) maps to: `__` → `:` left to right without
 * overlap, so `A___B` → `A:_B` and `A____B` → `A::B` (.NET `Normalize`).
 */
export function normalizeEnvironmentKey(name: string): string {
  return name.replaceAll('__', KEY_DELIMITER);
}
