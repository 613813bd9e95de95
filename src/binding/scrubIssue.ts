/**
 * Takes configuration values out of a validator's message. Validators quote what they received:
 * valibot `… but received "abc"`, arktype `… (was "abc")`, any refinement whatever it likes. The
 * message must name the problem, never the value, so both the "received" tails and every
 * occurrence of a value of the bound section are removed.
 */

const RECEIVED_TAILS: readonly RegExp[] = [
  /,?\s*but received\b.*$/is, // valibot: `Invalid length: Expected 8 but received 3`
  /\s*\(was\b.*\)\s*$/is, // arktype: `must be a number (was string)`
];

const REDACTED = '<redacted>';

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * `message` without any of `values`. A value of three characters or more is removed wherever it
 * appears; a shorter one only where quoted, since removing every `a` or `1` would garble the
 * message, and the received tails that would show it are already gone.
 */
export function scrubValues(message: string, values: Iterable<string>): string {
  let out = message;
  for (const tail of RECEIVED_TAILS) out = out.replace(tail, '');
  const unique = [...new Set(values)].filter((v) => v.length > 0).sort((a, b) => b.length - a.length);
  for (const value of unique) {
    const quoted = new RegExp(`(["'\`])${escape(value)}\\1`, 'g');
    out = out.replace(quoted, REDACTED);
    if (value.length >= 3 && out.includes(value)) out = out.split(value).join(REDACTED);
  }
  return out;
}
