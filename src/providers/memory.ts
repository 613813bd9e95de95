import type { ConfigurationProvider, ProviderData, ProviderEntry } from '../core/provider.js';
import { DuplicateKeyError } from '../core/errors.js';
import { foldKey } from '../core/path.js';

export type InMemoryValue = string | number | boolean | bigint | null | undefined;
export type InMemoryValues =
  | Readonly<Record<string, InMemoryValue>>
  | ReadonlyMap<string, InMemoryValue>
  | Iterable<readonly [string, InMemoryValue]>;

export interface InMemoryOptions {
  /** Treat every value as secret (redacted in `debugView`, `explain`, errors). */
  secret?: boolean;
  /** Shown in provenance instead of `MemoryConfigurationProvider`. */
  name?: string;
}

function* pairsOf(values: InMemoryValues): Iterable<readonly [string, InMemoryValue]> {
  if (values instanceof Map || Symbol.iterator in Object(values)) {
    yield* values as Iterable<readonly [string, InMemoryValue]>;
    return;
  }
  // Object.keys sees an own `__proto__` key (from JSON.parse or defineProperty) as an ordinary key.
  for (const key of Object.keys(values)) yield [key, (values as Record<string, InMemoryValue>)[key]];
}

/**
 * `addInMemory(values)`: keys as given; numbers and booleans become their text, `null` stays null.
 * Two keys that differ only in case (`{ A: 1, a: 2 }`) are a `DuplicateKeyError`, as .NET's
 * `AddInMemoryCollection` throws for them (found by the differential suite).
 */
export class MemoryProvider implements ConfigurationProvider {
  readonly name: string;
  readonly secret: boolean;
  readonly #data: ProviderData;

  constructor(values: InMemoryValues, options: InMemoryOptions = {}) {
    this.name = options.name ?? 'MemoryConfigurationProvider';
    this.secret = options.secret ?? false;
    const data = new Map<string, ProviderEntry>();
    for (const [key, raw] of pairsOf(values)) {
      if (raw === undefined) continue;
      const folded = foldKey(key);
      if (data.has(folded)) {
        throw new DuplicateKeyError(`A duplicate key '${key}' was found in the in-memory values (it differs from '${data.get(folded)!.key}' only in case).`, {
          provider: this.name,
          key,
        });
      }
      data.set(folded, { key, value: raw === null ? null : String(raw) });
    }
    this.#data = data;
  }

  async load(): Promise<ProviderData> {
    return this.#data;
  }
}
