/**
 * What discovery reads from the layers loaded before the remote ones: a key's value and where it
 * came from, for the layer's messages. Shared by the Key Vault and App Configuration discovery.
 */
import { describeOrigin } from '../core/errors.js';

/** The minimum of a configuration tree discovery needs. */
export interface DiscoveryTree {
  get(key: string): string | null | undefined;
  origin?(key: string): { provider: string; source?: string } | undefined;
}

/** A string with something in it besides whitespace. */
export const present = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

/** The key's value, trimmed, and `<key> from <provider (source)>`; undefined when it is missing or blank. */
export function settingFromTree(config: DiscoveryTree, key: string): { value: string; source: string } | undefined {
  const value = config.get(key);
  if (!present(value)) return undefined;
  const origin = config.origin?.(key);
  return { value: value.trim(), source: `${key}${origin ? ` from ${describeOrigin(origin)}` : ''}` };
}
