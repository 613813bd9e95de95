/**
 * A JSON file's provider data that is flattened only when it is walked. At start-up a service
 * mostly asks for a few keys; flattening every member of a large `appsettings.json` into a key, a
 * folded copy and an entry (with the collections that all those objects cost a cold process) is
 * most of what reading the file costs. This data answers `get` by descending the object that
 * `JSON.parse` made, and fills itself with exactly what `flattenPlainJson` would have built the
 * first time it is iterated (`forEach`, `values`, `entries`… : the merged index, `bind`, `explain`
 * of children, the CLI). `entriesWhere` finds values without flattening (the Key Vault reference
 * scan at load).
 *
 * It is used only where descending gives what flattening gives, which the load checks once:
 *  - no escapes in the text (then `JSON.parse` dropped a duplicate exactly when the strings
 *    written outnumber those read), and the other checks of `readPlainJson`;
 *  - no name that is empty, holds a `:`, looks like an array index, or has a capital beyond
 *    ASCII (a key then is not its names' folded forms joined by `:`);
 *  - no two names of one object that differ only in case (flattening may merge or refuse them).
 * Otherwise the file is flattened at once, as before.
 */
import { foldKey, foldSegment, KEY_DELIMITER } from '../core/path.js';
import { scanEntriesWhere, type ProviderEntry, type SearchableProviderData, type ValuedEntry } from '../core/provider.js';
import { flattenInto, flattenPlainJson, INTEGER_LIKE, MAX_DEPTH, readPlainJson, Refused, scalarText, type PlainJson } from './jsonNative.js';

/** An array index as flattening writes it: no sign, no leading zero. */
const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;
const REGEXP_SYNTAX = /[.*+?^${}()|[\]\\]/g;

/**
 * A JSON file's data for its provider, as `flattenPlainJson` gives it but flattened on first walk,
 * or undefined when neither can be sure of the hand-written reader's result (the caller reads the
 * text with it).
 */
export function readJsonTreeData(text: string, source: string): Map<string, ProviderEntry> | undefined {
  const plain = readPlainJson(text);
  if (plain === undefined) return undefined;
  return (plain.escapes ? undefined : JsonTreeData.from(plain, source)) ?? flattenPlainJson(plain, source);
}

/** A name's folded form, or null when the name rules out descending (see the module comment). */
function foldName(name: string): string | null {
  if (name.length === 0) return null;
  const first = name.charCodeAt(0);
  if (first >= 48 && first <= 57 && INTEGER_LIKE.test(name)) return null;
  return foldSegment(name) ?? null;
}

/**
 * The leaves of `root` (the data's size), or undefined when `root` cannot be descended as its
 * flattening would be read, or `JSON.parse` dropped a member (`written` is counted on the text).
 * One walk that allocates nothing per member: each distinct name is folded once.
 */
function countLeaves(root: Record<string, unknown>, written: number): number | undefined {
  const folds = new Map<string, string | null>();
  const seen = new Set<string>();
  let members = 0;
  let strings = 0;
  let others = 0;
  const visitValue = (value: unknown, depth: number): void => {
    if (typeof value !== 'object' || value === null) {
      others++;
      return;
    }
    // the container is one level below `depth`; the hand-written reader stops past 64
    if (depth >= MAX_DEPTH) throw new Refused();
    if (Array.isArray(value)) {
      if (value.length === 0) others++;
      else visitArray(value, depth + 1);
      return;
    }
    const names = Object.keys(value);
    if (names.length === 0) others++;
    else visitObject(value as Record<string, unknown>, names, depth + 1);
  };
  const visitObject = (object: Record<string, unknown>, names: string[], depth: number): void => {
    members += names.length;
    let capitals = false;
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      let folded = folds.get(name);
      if (folded === undefined) {
        folded = foldName(name);
        folds.set(name, folded);
      }
      if (folded === null) throw new Refused();
      if (folded !== name) capitals = true;
      const value = object[name];
      if (typeof value === 'string') strings++;
      else visitValue(value, depth);
    }
    // Names of one object are distinct as written; with a capital among them, folded ones may not be.
    if (capitals && names.length > 1) {
      seen.clear();
      for (let i = 0; i < names.length; i++) {
        const folded = folds.get(names[i]!)!;
        if (seen.has(folded)) throw new Refused();
        seen.add(folded);
      }
    }
  };
  const visitArray = (array: unknown[], depth: number): void => {
    for (let i = 0; i < array.length; i++) {
      const value = array[i];
      if (typeof value === 'string') strings++;
      else visitValue(value, depth);
    }
  };
  try {
    visitObject(root, Object.keys(root), 1);
  } catch (error) {
    if (error instanceof Refused) return undefined;
    throw error;
  }
  return members + strings === written ? strings + others : undefined;
}

/**
 * A `Map` (so it is one wherever provider data is expected) whose own entries stay empty until the
 * data is first iterated. Until then `get`, `has` and `size` answer from the parsed object.
 */
export class JsonTreeData extends Map<string, ProviderEntry> implements SearchableProviderData {
  /**
   * Until the data is flattened: the parsed object, and the text it was parsed from (where
   * `entriesWhere` looks for its needle). Dropped once flattened, so the data is not held twice.
   */
  #parsed: { readonly root: Record<string, unknown>; readonly text: string } | undefined;
  readonly #source: string;
  readonly #leaves: number;
  /** Entries handed out before flattening, by folded key: flattening keeps these same objects. */
  readonly #found = new Map<string, ProviderEntry>();
  /** Folded name → name, for objects whose names have capitals, built on a lookup's first visit. */
  readonly #names = new WeakMap<object, Map<string, string>>();

  /** The data, or undefined when descending could differ from flattening (see the module comment). */
  static from(plain: PlainJson, source: string): JsonTreeData | undefined {
    const leaves = countLeaves(plain.root, plain.written);
    return leaves === undefined ? undefined : new JsonTreeData(plain, source, leaves);
  }

  private constructor({ root, text }: PlainJson, source: string, leaves: number) {
    super();
    this.#parsed = { root, text };
    this.#source = source;
    this.#leaves = leaves;
  }

  override get size(): number {
    return this.#parsed === undefined ? super.size : this.#leaves;
  }

  override get(folded: string): ProviderEntry | undefined {
    const parsed = this.#parsed;
    if (parsed === undefined) return super.get(folded);
    let entry = this.#found.get(folded);
    if (entry === undefined) {
      entry = this.#descend(parsed.root, folded);
      if (entry !== undefined) this.#found.set(folded, entry);
    }
    return entry;
  }

  override has(folded: string): boolean {
    return this.get(folded) !== undefined;
  }

  override forEach(callback: (entry: ProviderEntry, folded: string, map: Map<string, ProviderEntry>) => void, thisArg?: unknown): void {
    this.#flatten();
    super.forEach(callback, thisArg);
  }

  override keys(): MapIterator<string> {
    this.#flatten();
    return super.keys();
  }

  override values(): MapIterator<ProviderEntry> {
    this.#flatten();
    return super.values();
  }

  override entries(): MapIterator<[string, ProviderEntry]> {
    this.#flatten();
    return super.entries();
  }

  override [Symbol.iterator](): MapIterator<[string, ProviderEntry]> {
    return this.entries();
  }

  /**
   * Every entry whose value (null excepted) passes `test`, in flattening's order, without
   * flattening. With a `needle` that the text does not hold, ignoring case, there are none: every
   * value is in the text as written (strings without escapes, numbers as checked at load), or is
   * `True` / `False`, there as `true` / `false`.
   */
  entriesWhere(test: (value: string) => boolean, needle?: string): Array<[string, ValuedEntry]> {
    const parsed = this.#parsed;
    if (parsed === undefined) return scanEntriesWhere(this, test);
    const found: Array<[string, ValuedEntry]> = [];
    if (needle !== undefined && !new RegExp(needle.replace(REGEXP_SYNTAX, '\\$&'), 'i').test(parsed.text)) return found;
    // The names of the containers being visited; a key is built only for a value that passes.
    const path: string[] = [];
    const record = (name: string, text: string): void => {
      const key = path.length === 0 ? name : path.join(KEY_DELIMITER) + KEY_DELIMITER + name;
      const folded = foldKey(key);
      let entry = this.#found.get(folded);
      if (entry === undefined) {
        entry = { key, value: text, source: this.#source };
        this.#found.set(folded, entry);
      }
      found.push([folded, entry as ValuedEntry]);
    };
    const visit = (name: string, value: unknown): void => {
      if (typeof value !== 'object' || value === null) {
        const text = scalarText(value);
        if (text !== null && test(text)) record(name, text);
        return;
      }
      if (Array.isArray(value)) {
        if (value.length === 0) {
          if (test('')) record(name, '');
          return;
        }
        path.push(name);
        visitArray(value);
        path.pop();
        return;
      }
      // (an empty object's value is null, which no test is asked about)
      path.push(name);
      visitObject(value as Record<string, unknown>);
      path.pop();
    };
    // String values, most of them, are tested in the loops: no call per member beyond the test.
    const visitObject = (object: Record<string, unknown>): void => {
      for (const name of Object.keys(object)) {
        const value = object[name];
        if (typeof value === 'string') {
          if (test(value)) record(name, value);
        } else visit(name, value);
      }
    };
    const visitArray = (array: unknown[]): void => {
      for (let i = 0; i < array.length; i++) {
        const value = array[i];
        if (typeof value === 'string') {
          if (test(value)) record(String(i), value);
        } else visit(String(i), value);
      }
    };
    visitObject(parsed.root);
    return found;
  }

  /** The entry of a folded key, found by following its segments down the parsed object. */
  #descend(root: Record<string, unknown>, folded: string): ProviderEntry | undefined {
    let node: unknown = root;
    let key = '';
    for (let start = 0; ; ) {
      const end = folded.indexOf(KEY_DELIMITER, start);
      const segment = end < 0 ? folded.slice(start) : folded.slice(start, end);
      let name: string | undefined;
      if (Array.isArray(node)) {
        if (!ARRAY_INDEX.test(segment) || Number(segment) >= node.length) return undefined;
        name = segment;
      } else if (typeof node === 'object' && node !== null) {
        name = this.#nameOf(node, segment);
        if (name === undefined) return undefined;
      } else {
        // a key below a scalar
        return undefined;
      }
      node = (node as Record<string, unknown>)[name];
      key = start === 0 ? name : key + KEY_DELIMITER + name;
      if (end < 0) break;
      start = end + 1;
    }
    if (typeof node === 'object' && node !== null) {
      // A container has a value only when empty: `[]` is "", `{}` is null; otherwise it is a parent.
      if (Array.isArray(node)) return node.length === 0 ? { key, value: '', source: this.#source } : undefined;
      return Object.keys(node).length === 0 ? { key, value: null, source: this.#source } : undefined;
    }
    return { key, value: scalarText(node), source: this.#source };
  }

  /** The name of `object` whose folded form is `segment`; the load refused objects where two would be. */
  #nameOf(object: object, segment: string): string | undefined {
    // Own names only (`constructor`, `__proto__` are names like any other here).
    if (Object.hasOwn(object, segment)) return segment;
    let names = this.#names.get(object);
    if (names === undefined) {
      names = new Map();
      for (const name of Object.keys(object)) names.set(foldKey(name), name);
      this.#names.set(object, names);
    }
    return names.get(segment);
  }

  /** Fills the map with every entry, as `flattenPlainJson` would have at load, keeping entries handed out. */
  #flatten(): void {
    const parsed = this.#parsed;
    if (parsed === undefined) return;
    // From here on the map's own entries answer (flattenInto fills them through the inherited `set`).
    this.#parsed = undefined;
    // The load's checks passed on this same object, so nothing here can refuse.
    flattenInto(this, parsed.root, this.#source);
    for (const [folded, entry] of this.#found) super.set(folded, entry);
    this.#found.clear();
  }
}
