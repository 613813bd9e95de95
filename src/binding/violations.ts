/**
 * One `ValidationError` out of many violations, each naming the provider that set its key. Used by
 * the Standard Schema binder; the wording follows the convict binder's (`src/binding/schema.ts`).
 */
import { ValidationError, describeOrigin, type Violation } from '../core/errors.js';
import type { ConfigurationRoot, ValueOrigin } from '../core/root.js';

/** Where a key's value came from: its own, else the first value below it (a section has none of its own). */
export function originBelow(root: ConfigurationRoot, key: string): ValueOrigin | undefined {
  const own = root.origin(key);
  if (own) return own;
  for (const [child] of root.getSection(key).entries()) {
    const origin = root.origin(child);
    if (origin) return origin;
  }
  return undefined;
}

/** Adds each violation's provider and source, and builds the error listing them all. */
export function validationFailure(root: ConfigurationRoot, violations: readonly Violation[]): ValidationError {
  const located = violations.map((v) => {
    const origin = v.key.startsWith('(') ? undefined : originBelow(root, v.key);
    const out: Violation = { key: v.key, message: v.message };
    if (origin) out.provider = origin.provider;
    if (origin?.source !== undefined) out.source = origin.source;
    return out;
  });
  const lines = located.map((v) => `  - '${v.key}': ${v.message} (${v.provider !== undefined ? `value from ${describeOrigin(v)}` : 'not configured'})`);
  const count = located.length === 1 ? '1 violation' : `${located.length} violations`;
  const first = located[0]!;
  return new ValidationError(`Configuration does not match the schema (${count}):\n${lines.join('\n')}`, located, {
    key: first.key,
    ...(first.provider !== undefined ? { provider: first.provider } : {}),
    ...(first.source !== undefined ? { source: first.source } : {}),
  });
}
