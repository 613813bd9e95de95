/**
 * The string formats convict 5 had built in and convict 6 moved to separate packages
 * (`convict-format-with-validator`, `convict-format-with-moment`): `url`, `email`, `ipaddress`,
 * `duration`, `timestamp`. Registered only when the app has not registered its own.
 */
import { isIP } from 'node:net';
import type convictModule from 'convict';
import { parseNumber } from './convert.js';

type Convict = typeof convictModule;

const EMAIL_RE = /^[^\s@"<>()[\]\\,;:]+@[^\s@"<>()[\]\\,;:]+\.[^\s@"<>()[\]\\,;:]+$/;

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  millisecond: 1,
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
  month: 2_592_000_000,
  year: 31_536_000_000,
};

/** `3000` → 3000; `"5 minutes"`, `"1 hour"`, `"hour"` → milliseconds; anything else unchanged. */
export function coerceDuration(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const n = parseNumber(value);
  if (n !== undefined) return n;
  const m = /^\s*(?:(\d+)\s+)?([a-z]+?)s?\s*$/i.exec(value);
  const unit = m ? UNIT_MS[m[2]!.toLowerCase()] : undefined;
  return unit === undefined ? value : Number(m![1] ?? 1) * unit;
}

/** An ISO or RFC date text → epoch milliseconds; anything else unchanged. */
export function coerceTimestamp(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : ms;
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(message);
}

const FORMATS: Record<string, { validate(value: unknown): void; coerce?(value: unknown): unknown }> = {
  url: {
    validate: (x) => check(typeof x === 'string' && /^[a-z][a-z0-9+.-]*:\/\/[^\s]+$/i.test(x) && URL.canParse(x), 'must be a URL'),
  },
  email: { validate: (x) => check(typeof x === 'string' && EMAIL_RE.test(x), 'must be an email address') },
  ipaddress: { validate: (x) => check(typeof x === 'string' && isIP(x) !== 0, 'must be an IP address') },
  duration: {
    validate: (x) =>
      check(
        typeof x === 'number' && Number.isInteger(x) && x >= 0,
        'must be a positive integer or human readable string (e.g. 3000, "5 days")',
      ),
    coerce: coerceDuration,
  },
  timestamp: {
    validate: (x) => check(typeof x === 'number' && Number.isInteger(x) && x >= 0, 'must be a positive integer'),
    coerce: coerceTimestamp,
  },
};

let registered = false;

/** Adds the formats convict does not know yet (an app's own `addFormat('url', …)` wins). */
export function ensureFormats(convict: Convict): void {
  if (registered) return;
  registered = true;
  for (const [name, format] of Object.entries(FORMATS)) {
    if (isKnown(convict, name)) continue;
    convict.addFormat({ name, validate: format.validate, ...(format.coerce ? { coerce: format.coerce } : {}) });
  }
}

function isKnown(convict: Convict, name: string): boolean {
  try {
    convict({ probe: { default: null, format: name } }, { env: {}, args: [] });
    return true;
  } catch {
    return false;
  }
}
