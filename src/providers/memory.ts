import type { ConfigurationProvider, ProviderData, ProviderEntry } from '../core/provider.js';
import { providerData } from '../core/provider.js';

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

/** `addInMemory(values)`: keys as given; numbers and booleans become their text, `null` stays null. */
export class MemoryProvider implements ConfigurationProvider {
  readonly name: string;
  readonly secret: boolean;
  readonly #data: ProviderData;

  constructor(values: InMemoryValues, options: InMemoryOptions = {}) {
    this.name = options.name ?? 'MemoryConfigurationProvider';
    this.secret = options.secret ?? false;
    const entries: ProviderEntry[] = [];
    for (const [key, raw] of pairsOf(values)) {
      if (raw === undefined) continue;
      entries.push({ key, value: raw === null ? null : String(raw) });
    }
    this.#data = providerData(entries);
  }

  async load(): Promise<ProviderData> {
    return this.#data;
  }
}
