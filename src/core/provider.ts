import { foldKey } from './path.js';

/** One key's value as a provider holds it. */
export interface ProviderEntry {
  /** The key as the source spelled it (`Azure:SignalR:ConnectionString`). */
  readonly key: string;
  /** Every value is a string or null (`{}` in JSON gives null). */
  readonly value: string | null;
  /**
   * Where inside the provider the value came from, for `explain()` and error messages:
   * `appsettings.json`, `env Azure__SignalR__ConnectionString`, `argv[2]`, `vault secret Db--Password`.
   */
  readonly source?: string;
  /** True when this one value is secret although its provider is not (e.g. a Key Vault reference). */
  readonly secret?: boolean;
}

/** A provider's whole data set: keyed by the case-folded key, so lookups are one `Map.get`. */
export type ProviderData = ReadonlyMap<string, ProviderEntry>;

/**
 * Provider data that can find values without visiting every entry as an entry (a JSON file's data,
 * flattened only when iterated): what `entriesWhere` asks of it.
 */
export interface SearchableProviderData extends ProviderData {
  entriesWhere(test: (value: string) => boolean, needle?: string): Array<[string, ValuedEntry]>;
}

/** An entry with a value (not null). */
export type ValuedEntry = ProviderEntry & { readonly value: string };

/**
 * Every `[folded key, entry]` of `data` whose value (null excepted) passes `test`, in the data's
 * order. Scans at load (Key Vault references in every layer) go through this, so data that can
 * answer it without building an entry per key is not made to. `needle`, when given, is text that
 * every value passing `test` contains, ignoring ASCII case: data that keeps its source text may
 * rule out every value at once when the text lacks it.
 */
export function entriesWhere(data: ProviderData, test: (value: string) => boolean, needle?: string): Array<[string, ValuedEntry]> {
  const own = (data as Partial<SearchableProviderData>).entriesWhere;
  return typeof own === 'function' ? own.call(data, test, needle) : scanEntriesWhere(data, test);
}

/** `entriesWhere` by visiting every entry. */
export function scanEntriesWhere(data: ProviderData, test: (value: string) => boolean): Array<[string, ValuedEntry]> {
  const found: Array<[string, ValuedEntry]> = [];
  // forEach rather than for…of: no [key, entry] pair per value
  data.forEach((entry, folded) => {
    if (entry.value !== null && test(entry.value)) found.push([folded, entry as ValuedEntry]);
  });
  return found;
}

/** What a watching provider reports to its root. */
export interface ProviderWatchSink {
  /**
   * Call just before reading the source and pass the result to `update`, so the root can tell
   * this read from a `reload()` running at the same time: data read earlier never replaces data
   * read later. (A root's sink always has it; optional so a hand-written sink need not.)
   */
  readStarted?(): number;
  /**
   * New data is ready; the root swaps it in atomically and fires `onChange`, unless it already
   * has data read after `version`. Without a version the data counts as read when reported.
   */
  update(data: ProviderData, version?: number): void;
  /** A reload failed; the root keeps the last good data and reports through `onError`. */
  error(err: unknown): void;
  /**
   * Runs `apply`, whose `update` calls (on this sink or on other sinks of the same root) then reach
   * `onChange` listeners once, after all of them: one source that feeds several layers (Key Vault
   * references re-read in every layer) changes the tree in one step. A root's sink always has it.
   */
  batch?(apply: () => void): void;
}

/**
 * The one interface every provider implements. A provider loads data and never mutates what
 * it returned earlier: `load()` produces a fresh map, so a failed reload can simply be dropped.
 */
export interface ConfigurationProvider {
  /** Identifies the provider in errors, `debugView()` and `explain()` (.NET's `ToString()`). */
  readonly name: string;
  /** Every value of this provider is secret (user secrets, Key Vault). */
  readonly secret?: boolean;
  /** Loads (or reloads) the whole data set. Throws a `ConfigurationError` on bad input. */
  load(): Promise<ProviderData>;
  /**
   * Starts watching the source (files, polling). The provider calls `sink.update` with fresh data
   * after each successful reload and `sink.error` after a failed one. Returns a stop function.
   */
  watch?(sink: ProviderWatchSink): () => void | Promise<void>;
  /** Releases clients, sockets and timers the provider holds. */
  dispose?(): void | Promise<void>;
}

/**
 * Builds a `ProviderData` from entries in source order: a later entry with the same key
 * (case-insensitive) replaces an earlier one's value and source, as .NET providers'
 * `Data[key] = value` does on a case-insensitive dictionary, which keeps the key as first spelled
 * (`CommonEnv`, then `cOMMonEnv`: the key `CommonEnv` with the second value).
 */
export function providerData(entries: Iterable<ProviderEntry>): Map<string, ProviderEntry> {
  const data = new Map<string, ProviderEntry>();
  if (Array.isArray(entries)) {
    // An index loop for the usual array: no iterator objects while start-up code still runs cold.
    for (let i = 0; i < entries.length; i++) setKeepingSpelling(data, entries[i] as ProviderEntry);
    return data;
  }
  for (const entry of entries) setKeepingSpelling(data, entry);
  return data;
}

/** `data[key] = entry` as on .NET's case-insensitive dictionary: a repeated key keeps its first spelling. */
export function setKeepingSpelling(data: Map<string, ProviderEntry>, entry: ProviderEntry): void {
  const folded = foldKey(entry.key);
  const earlier = data.get(folded);
  data.set(folded, earlier === undefined || earlier.key === entry.key ? entry : { ...entry, key: earlier.key });
}

export const EMPTY_PROVIDER_DATA: ProviderData = new Map();
