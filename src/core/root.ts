import { inspect } from 'node:util';
import { ConfigurationError, SectionNotFoundError } from './errors.js';
import { combinePath, compareKeys, foldKey, KEY_DELIMITER } from './path.js';
import type { ConfigurationProvider, ProviderData, ProviderEntry } from './provider.js';
import { displayValue, isSecretKey, isSecretValue, MarkedSecretKeys, scrubSecrets } from './secrets.js';
import { ConfigurationSection } from './section.js';
import { createOverrideView, type OverrideValues } from './overrides.js';
import { ProviderVersions } from './versions.js';

/** The winning value of one key, as the merged index holds it. */
interface IndexEntry {
  readonly entry: ProviderEntry;
  readonly providerIndex: number;
}

/** In the lookup cache: a spelling that no provider has. */
const MISSING = { entry: undefined, providerIndex: -1 } as const;

/** Where a key's winning value came from. */
export interface ValueOrigin {
  /** The key as the winning provider spelled it. */
  key: string;
  /** The provider's name, as in `debugView()`. */
  provider: string;
  /** File path, variable name, argv position, vault secret, store key… */
  source?: string;
  /** Whether the value is secret (and so never shown). */
  secret: boolean;
}

export interface ExplainedValue {
  provider: string;
  source?: string;
  /** The value as it may be shown: redacted to a fingerprint when secret. */
  value: string | null;
  secret: boolean;
}

export interface Explanation extends ExplainedValue {
  key: string;
  /** Earlier providers' values for the same key, nearest first. */
  overridden: ExplainedValue[];
}

export type ChangeListener = (config: ConfigurationRoot) => void;
export type ErrorListener = (error: unknown, provider: string) => void;

/** How many spellings beyond the number of keys the lookup cache holds before it starts over. */
const SPELLING_SLACK = 1024;

/** The folded path of the (unnamed) root in the children index; no real key contains NUL. */
const ROOT = '\u0000';

/**
 * Ordered providers merged into one case-insensitive tree. `get` asks the providers from the last
 * (as .NET does) and remembers the answer by spelling, so asking again is a single map lookup; the
 * merged index of every key is built only when the tree is walked (children, entries, binding).
 */
export class ConfigurationRoot {
  readonly #providers: readonly ConfigurationProvider[];
  #data: ProviderData[];
  /**
   * Folded key → its winning value across all providers, built on first use after each load: a
   * lookup can walk the providers instead (as .NET's does), so a service that reads a few keys at
   * start-up never builds a map as large as the whole tree (start-up time and memory).
   */
  #index: Map<string, IndexEntry> | undefined;
  /** How many entries the providers hold in all: what bounds the lookup cache. */
  #keyCount = 0;
  /**
   * Keys as callers spell them → their winning entry (or MISSING), so a key asked for again in the
   * same spelling (`Svc4:Part2:Key17`, as users write keys) is one map lookup, without folding, which
   * copies the string, or walking the providers. Filled by lookups, dropped at every rebuild, and
   * cleared when it reaches its bound.
   */
  #bySpelling = new Map<string, IndexEntry | typeof MISSING>();
  /** folded parent path → (folded child segment → the child segment as first spelled). */
  #children: Map<string, Map<string, string>> | undefined;
  #sortedChildren = new Map<string, readonly string[]>();
  /** Keys a schema marked `sensitive`; kept across reloads, as the schema still applies. */
  readonly #sensitive = new MarkedSecretKeys();
  readonly #changeListeners = new Set<ChangeListener>();
  readonly #errorListeners = new Set<ErrorListener>();
  #stops: Array<() => void | Promise<void>> = [];
  #watching = false;
  /** Inside a watch sink's `batch()`: updates wait to tell `onChange` listeners until it ends. */
  #batchDepth = 0;
  #batchChanged = false;
  #disposed = false;
  /** When each provider's current data was read, so a slower, earlier read (reload or watcher) never replaces it. */
  readonly #versions: ProviderVersions;

  /** Use `ConfigurationBuilder.build()`; this is public so custom builders can assemble a root. */
  constructor(providers: readonly ConfigurationProvider[], data: readonly ProviderData[]) {
    this.#providers = providers;
    this.#data = [...data];
    this.#versions = new ProviderVersions(providers.length);
    this.#rebuild();
  }

  /** The providers, in precedence order (last wins). */
  get providers(): readonly ConfigurationProvider[] {
    return this.#providers;
  }

  // ---- reading -------------------------------------------------------------------------------

  /** The value of a key: a string, `null` when a provider set it to null, `undefined` when none has it. */
  get(key: string): string | null | undefined {
    const known = this.#bySpelling.get(key);
    if (known !== undefined) return known.entry?.value;
    const hit = this.#find(foldKey(key));
    // Bounded: spellings beyond the tree's own keys (every case variant of a key) start it afresh.
    if (this.#bySpelling.size >= this.#keyCount + SPELLING_SLACK) this.#bySpelling = new Map();
    this.#bySpelling.set(key, hit ?? MISSING);
    return hit?.entry.value;
  }

  getSection(key: string): ConfigurationSection {
    return new ConfigurationSection(this, key);
  }

  /** Like `getSection`, but throws `SectionNotFoundError` when the section has no value and no children. */
  getRequiredSection(key: string): ConfigurationSection {
    const section = this.getSection(key);
    if (!section.exists()) {
      throw new SectionNotFoundError(`Section '${key}' not found in configuration.`, { key });
    }
    return section;
  }

  getChildren(): ConfigurationSection[] {
    return this.childSections(null);
  }

  /** `ConnectionStrings:<name>`, as .NET's `GetConnectionString`. */
  getConnectionString(name: string): string | null | undefined {
    return this.get(combinePath('ConnectionStrings', name));
  }

  /**
   * Every section below the root as `[path, value]`, depth first in `getChildren` order
   * (parents included, with a null value, as .NET's `AsEnumerable`).
   */
  entries(): IterableIterator<[string, string | null]> {
    return this.entriesBelow(null, false);
  }

  /** The provider, source and secrecy of a key's winning value, or undefined when no provider has it. */
  origin(key: string): ValueOrigin | undefined {
    const hit = this.#find(foldKey(key));
    if (!hit) return undefined;
    const provider = this.#providers[hit.providerIndex]!;
    const origin: ValueOrigin = {
      key: hit.entry.key,
      provider: provider.name,
      secret: this.#isSecretEntry(hit.entry, provider, key),
    };
    if (hit.entry.source !== undefined) origin.source = hit.entry.source;
    return origin;
  }

  /** Whether a key's value is secret: its provider says so, the schema marks it, or its name looks like a secret. */
  isSecret(key: string): boolean {
    const hit = this.#find(foldKey(key));
    if (hit) return this.#isSecretEntry(hit.entry, this.#providers[hit.providerIndex]!, key);
    return this.#sensitive.covers(key) || isSecretKey(key);
  }

  /**
   * Marks keys as secret (convict `sensitive`), each with every key below it, including keys that
   * only appear in a later reload; they are redacted from then on.
   */
  markSecret(...keys: string[]): void {
    for (const key of keys) this.#sensitive.mark(key);
  }

  /** The winning value of a key with its provider and source, and every value it overrode. */
  explain(key: string): Explanation | undefined {
    const folded = foldKey(key);
    const found: ExplainedValue[] = [];
    for (let i = this.#providers.length - 1; i >= 0; i--) {
      const entry = this.#data[i]!.get(folded);
      if (!entry) continue;
      const provider = this.#providers[i]!;
      const secret = this.#isSecretEntry(entry, provider, key);
      const explained: ExplainedValue = {
        provider: provider.name,
        value: displayValue(entry.value, secret) ?? null,
        secret,
      };
      if (entry.source !== undefined) explained.source = entry.source;
      found.push(explained);
    }
    const [winner, ...overridden] = found;
    if (!winner) return undefined;
    return { key: this.#find(folded)!.entry.key, ...winner, overridden };
  }

  /**
   * The whole tree in .NET's `GetDebugView` layout (`Key=value (Provider)`, parents as `Key:`,
   * two spaces per level), with the source appended and secret values redacted.
   * `{ sources: false }` leaves the sources out, giving .NET's exact text (values still redacted);
   * `include` picks the sections to print (a section left out hides its whole subtree).
   */
  debugView(options: { sources?: boolean; include?: (section: ConfigurationSection) => boolean } = {}): string {
    const withSources = options.sources ?? true;
    const include = options.include;
    const lines: string[] = [];
    const walk = (parent: string | null, indent: string): void => {
      for (const child of this.#childKeys(parent)) {
        const path = parent === null ? child : combinePath(parent, child);
        if (include && !include(new ConfigurationSection(this, path))) continue;
        const origin = this.origin(path);
        if (origin) {
          const value = displayValue(this.get(path), origin.secret) ?? '';
          // A file provider's name already holds its path; repeat a source only when it says more.
          const source =
            withSources && origin.source !== undefined && !origin.provider.includes(`'${origin.source}'`) ? ` [${origin.source}]` : '';
          lines.push(`${indent}${child}=${value} (${origin.provider})${source}`);
        } else {
          lines.push(`${indent}${child}:`);
        }
        walk(path, `${indent}  `);
      }
    };
    walk(null, '');
    return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  }

  // ---- overrides -------------------------------------------------------------------------------
  // bind() and bindAsync() are attached by the binder (src/binding/methods.ts): the tree does not import it.

  /**
   * A view of this tree with `values` as an in-memory layer on top (for tests): it shares this
   * root's providers and follows its reloads; this root is left untouched, and disposing the view
   * does not dispose it. A value that is not a string or null is an `OverrideError`. See core/overrides.ts.
   */
  withOverrides(values: OverrideValues): this {
    // `this`: a view of `loadConfig({ schema })`'s root has typed `settings` too (loadConfig gives them).
    return createOverrideView(this, values) as this;
  }

  // ---- change, reload, dispose -----------------------------------------------------------------

  /** Calls `listener` after every successful reload, with the new tree already visible. Returns an unsubscribe function. */
  onChange(listener: ChangeListener): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  /** Calls `listener` when a reload fails (the last good data stays). Returns an unsubscribe function. */
  onError(listener: ErrorListener): () => void {
    this.#errorListeners.add(listener);
    return () => this.#errorListeners.delete(listener);
  }

  /**
   * Reloads every provider. All or nothing: if any provider fails, every provider keeps its last good
   * data, `onError` listeners hear of each failure, and the promise rejects with the first one.
   * A provider whose data was read after this reload began (by a watcher, or a later reload) keeps it.
   */
  async reload(): Promise<void> {
    this.#assertLive();
    const version = this.#versions.next();
    const results = await Promise.allSettled(this.#providers.map((p) => p.load()));
    // Disposed meanwhile: nothing is listening, and the tree must not change any more.
    if (this.#disposed) return;
    const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [{ error: r.reason as unknown, i }] : []));
    if (failures.length > 0) {
      for (const { error, i } of failures) this.#emitError(error, this.#providers[i]!.name);
      throw failures[0]!.error;
    }
    const data = [...this.#data];
    let changed = false;
    results.forEach((r, i) => {
      if (!this.#versions.accept(i, version)) return;
      data[i] = (r as PromiseFulfilledResult<ProviderData>).value;
      changed = true;
    });
    if (!changed) return;
    this.#data = data;
    this.#rebuild();
    this.#emitChange();
  }

  /** Stops every watcher and timer and releases the providers' clients, so the process can exit. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    const stops = this.#stops;
    this.#stops = [];
    await Promise.allSettled(stops.map((stop) => stop()));
    await Promise.allSettled(this.#providers.map((p) => p.dispose?.()));
    this.#changeListeners.clear();
    this.#errorListeners.clear();
  }

  /**
   * Starts the providers' watchers (the builder and `loadConfig` call it after the first load).
   * Calling it again, or after `dispose()`, does nothing.
   */
  startWatching(): void {
    // A second set of watchers would reload each source twice per change; after dispose nothing would stop them.
    if (this.#watching || this.#disposed) return;
    this.#watching = true;
    this.#providers.forEach((provider, i) => {
      if (!provider.watch) return;
      const stop = provider.watch({
        readStarted: () => this.#versions.next(),
        update: (data, version) => {
          if (this.#disposed) return;
          if (!this.#versions.accept(i, version ?? this.#versions.next())) return;
          this.#data[i] = data;
          this.#rebuild();
          if (this.#batchDepth > 0) this.#batchChanged = true;
          else this.#emitChange();
        },
        batch: (apply) => {
          this.#batchDepth++;
          try {
            apply();
          } finally {
            if (--this.#batchDepth === 0 && this.#batchChanged) {
              this.#batchChanged = false;
              if (!this.#disposed) this.#emitChange();
            }
          }
        },
        error: (error) => {
          if (!this.#disposed) this.#emitError(error, provider.name);
        },
      });
      this.#stops.push(stop);
    });
  }

  // ---- output of library objects never shows a secret -----------------------------------------

  /** A flat `{ path: value }` object of every key with a value, secrets redacted. */
  toJSON(): Record<string, string | null> {
    return this.redactedEntries(null);
  }

  [inspect.custom](_depth: number, options: object): string {
    return `ConfigurationRoot ${inspect(this.toJSON(), { ...options, depth: 1 })}`;
  }

  // ---- used by override views and loadConfig ---------------------------------------------------

  /** @internal Each provider's current data, in provider order (what an override view mirrors). */
  layerData(): readonly ProviderData[] {
    return this.#data;
  }

  /**
   * @internal Swaps in new data for the first `data.length` providers at once, then fires `onChange`
   * (an override view following its original). Counts as the newest read of each of them.
   */
  replaceLayerData(data: readonly ProviderData[]): void {
    if (this.#disposed) return;
    const next = [...this.#data];
    data.forEach((d, i) => {
      this.#versions.accept(i, this.#versions.next());
      next[i] = d;
    });
    this.#data = next;
    this.#rebuild();
    this.#emitChange();
  }

  /** @internal Reports a failure after a reload (settings that no longer validate) as a failed reload is. */
  reportError(error: unknown, source: string): void {
    if (!this.#disposed) this.#emitError(error, source);
  }

  // ---- used by ConfigurationSection ------------------------------------------------------------

  /** @internal */
  childSections(parent: string | null): ConfigurationSection[] {
    return this.#childKeys(parent).map(
      (child) => new ConfigurationSection(this, parent === null ? child : combinePath(parent, child)),
    );
  }

  /** @internal */
  hasChildren(path: string): boolean {
    return this.#childIndex().has(foldKey(path));
  }

  /** @internal */
  *entriesBelow(parent: string | null, relative: boolean): IterableIterator<[string, string | null]> {
    const prefixLength = parent === null || !relative ? 0 : parent.length + 1;
    const stack: string[] = [...this.#childKeys(parent)]
      .reverse()
      .map((child) => (parent === null ? child : combinePath(parent, child)));
    while (stack.length > 0) {
      const path = stack.pop()!;
      yield [path.slice(prefixLength), this.get(path) ?? null];
      const children = this.#childKeys(path);
      for (let i = children.length - 1; i >= 0; i--) stack.push(combinePath(path, children[i]!));
    }
  }

  /** @internal */
  redactedEntries(parent: string | null): Record<string, string | null> {
    const out = Object.create(null) as Record<string, string | null>;
    const prefix = parent === null ? '' : `${parent}${KEY_DELIMITER}`;
    for (const [path, value] of this.entriesBelow(parent, false)) {
      const origin = this.origin(path);
      if (!origin) continue;
      out[path.slice(prefix.length)] = displayValue(value, origin.secret) ?? null;
    }
    return out;
  }

  // ---- internals -------------------------------------------------------------------------------

  #isSecretEntry(entry: ProviderEntry, provider: ConfigurationProvider, key: string): boolean {
    return (
      provider.secret === true ||
      entry.secret === true ||
      this.#sensitive.covers(key) ||
      isSecretKey(key) ||
      isSecretValue(entry.value)
    );
  }

  /** Every secret value any provider holds (winning or overridden), for scrubbing foreign messages. */
  *#secretValues(): IterableIterator<string> {
    for (let i = 0; i < this.#data.length; i++) {
      const provider = this.#providers[i]!;
      for (const entry of this.#data[i]!.values()) {
        if (entry.value !== null && this.#isSecretEntry(entry, provider, entry.key)) yield entry.value;
      }
    }
  }

  #childKeys(parent: string | null): readonly string[] {
    const folded = parent === null ? ROOT : foldKey(parent);
    let sorted = this.#sortedChildren.get(folded);
    if (!sorted) {
      const children = this.#childIndex().get(folded);
      sorted = children ? [...children.values()].sort(compareKeys) : [];
      this.#sortedChildren.set(folded, sorted);
    }
    return sorted;
  }

  #rebuild(): void {
    let count = 0;
    for (const data of this.#data) count += data.size;
    // Swap in one step: readers see either the old tree or the new one, never a mix.
    this.#keyCount = count;
    this.#index = undefined;
    this.#bySpelling = new Map();
    this.#children = undefined;
    this.#sortedChildren = new Map();
  }

  /** The winning entry of a folded key: the last provider that has it. */
  #find(folded: string): IndexEntry | undefined {
    if (this.#index !== undefined) return this.#index.get(folded);
    for (let i = this.#data.length - 1; i >= 0; i--) {
      const entry = this.#data[i]!.get(folded);
      if (entry !== undefined) return { entry, providerIndex: i };
    }
    return undefined;
  }

  /** Every key's winning entry, in the order keys first appear across the providers. */
  #fullIndex(): Map<string, IndexEntry> {
    if (this.#index !== undefined) return this.#index;
    const index = new Map<string, IndexEntry>();
    this.#data.forEach((data, providerIndex) => {
      // forEach rather than for…of: no iterator results or pairs to allocate.
      data.forEach((entry, folded) => {
        index.set(folded, { entry, providerIndex });
      });
    });
    this.#index = index;
    return index;
  }

  /**
   * The parent → children index, built on first use after each rebuild: `get` never needs it, so
   * a service that only reads keys never pays for it (start-up time).
   */
  #childIndex(): Map<string, Map<string, string>> {
    if (this.#children !== undefined) return this.#children;
    const children = new Map<string, Map<string, string>>();
    // The index lists keys in the order they first appear across the providers; each child keeps
    // the spelling of that first appearance, as when the index was built.
    this.#fullIndex().forEach((hit, folded) => {
      let key = hit.entry.key;
      for (let i = 0; i < hit.providerIndex; i++) {
        const first = this.#data[i]!.get(folded);
        if (first !== undefined) {
          key = first.key;
          break;
        }
      }
      registerAncestors(children, key);
    });
    this.#children = children;
    return children;
  }

  #emitChange(): void {
    for (const listener of [...this.#changeListeners]) {
      try {
        listener(this);
      } catch (error) {
        this.#emitError(error, 'onChange listener');
      }
    }
  }

  #emitError(error: unknown, provider: string): void {
    if (this.#errorListeners.size === 0) {
      // Nobody listens: say it once on stderr rather than lose it. Our errors carry no secret values, but a
      // foreign one (an SDK's, an onChange listener's) may quote one, so every secret value is scrubbed out.
      const message = scrubSecrets(error instanceof Error ? error.message : String(error), this.#secretValues());
      process.emitWarning(`layered-config: reload of ${provider} failed; keeping the last good data. ${message}`);
      return;
    }
    for (const listener of [...this.#errorListeners]) listener(error, provider);
  }

  #assertLive(): void {
    if (this.#disposed) throw new ConfigurationError('The configuration has been disposed.', 'DISPOSED');
  }
}

/**
 * Records every prefix of `key` as a child of its parent, keeping the first spelling seen. Walks up
 * from the last segment and stops at the first parent already known: an earlier key registered
 * everything above it (5,000 keys of a file share a few hundred parents).
 */
function registerAncestors(children: Map<string, Map<string, string>>, key: string): void {
  let end = key.length;
  for (;;) {
    const cut = end === 0 ? -1 : key.lastIndexOf(KEY_DELIMITER, end - 1);
    const segment = key.slice(cut + 1, end);
    const parentFolded = cut < 0 ? ROOT : foldKey(key.slice(0, cut));
    let siblings = children.get(parentFolded);
    const parentKnown = siblings !== undefined;
    if (siblings === undefined) {
      siblings = new Map();
      children.set(parentFolded, siblings);
    }
    const foldedSegment = foldKey(segment);
    if (!siblings.has(foldedSegment)) siblings.set(foldedSegment, segment);
    if (parentKnown || cut < 0) return;
    end = cut;
  }
}
