/**
 * A fast path for configuration files that are plain JSON: the engine's `JSON.parse` reads the
 * text natively (several times faster than the hand-written reader on a cold start) and the result
 * is flattened directly, but only when that is certain to equal what `readJson` + `flattenJson`
 * give. Otherwise, or on any doubt, it returns undefined and the caller reads the text again with
 * the hand-written reader, which also gives errors their line and column. `JSON.parse` loses three
 * things that configuration needs, each checked here:
 *  - a duplicate property (it keeps the last one): the members found must number the members
 *    written, counted on the text (the strings in it, names and values, or with escapes one
 *    colon outside strings per member); a duplicate that differs only in case leaves fewer keys
 *    than members;
 *  - a number's text (`1.0`, `1e5`, 20-digit ids): every number must print back as written;
 *  - member order (objects list integer-like names first): no object may have such a name.
 * Comments, trailing commas, a byte-order mark or more than 64 levels of nesting make `JSON.parse`
 * fail or the check refuse, so those files take the hand-written reader. The flattening rules are
 * `flattenJson`'s for configuration files; `test/parsers/jsonNative.test.ts` compares the two.
 */
import { foldKey, KEY_DELIMITER } from '../core/path.js';
import type { ProviderEntry } from '../core/provider.js';
import type { JsonEntry } from './json.js';

export const MAX_DEPTH = 64;
/** A JSON string token, in text that `JSON.parse` has accepted. */
const STRING_TOKEN = /"(?:[^"\\]|\\.)*"/g;
/** A number token, in text whose strings have been blanked out. */
const NUMBER_TOKEN = /-?[0-9][0-9.eE+-]*/g;
export const INTEGER_LIKE = /^[0-9]+$/;

function countColons(text: string): number {
  let n = 0;
  for (let i = text.indexOf(':'); i >= 0; i = text.indexOf(':', i + 1)) n++;
  return n;
}

/**
 * A string or a number, in valid JSON text without escapes: nothing in a string can be a `"`, so
 * each match of a string consumes it whole, and the scan never starts inside one; what it finds
 * outside strings starting with a digit or `-` is a number.
 */
const PLAIN_TOKEN = /"[^"]*"|-?[0-9][0-9.eE+-]*/g;

/** What may end a number token: a `"` is not. */
const QUOTE = 34;

/** A character of a number token. */
function inNumber(code: number): boolean {
  return (code >= 48 && code <= 57) || code === 46 || code === 101 || code === 69 || code === 43 || code === 45;
}

/**
 * The strings, names and values, in valid JSON text without escapes, or undefined when a number
 * would not print back as written. One scan: `test` in a loop allocates nothing, where `match`
 * builds an array of every hit (garbage that a cold start then pays for in collections), and only
 * a number is cut out of the text.
 */
function countPlainStrings(text: string): number | undefined {
  PLAIN_TOKEN.lastIndex = 0;
  let n = 0;
  while (PLAIN_TOKEN.test(text)) {
    const end = PLAIN_TOKEN.lastIndex;
    if (text.charCodeAt(end - 1) === QUOTE) {
      n++;
      continue;
    }
    // A number: what precedes it in valid JSON (`:`, `,`, `[`, white space) is no part of one.
    let start = end - 1;
    while (start > 0 && inNumber(text.charCodeAt(start - 1))) start--;
    const token = text.slice(start, end);
    if (String(Number(token)) !== token) return undefined;
  }
  return n;
}

/** Thrown inside a walk when `JSON.parse`'s result cannot be trusted to flatten as written. */
export class Refused extends Error {}

/**
 * The entries `parseJsonConfiguration(text)` gives, read through `JSON.parse`, or undefined when
 * that cannot be known this way (including every text that is an error).
 */
export function readPlainJsonConfiguration(text: string): JsonEntry[] | undefined {
  const data = readPlainJsonProviderData(text, undefined);
  return data === undefined ? undefined : [...data.values()].map(({ key, value }) => ({ key, value }));
}

/**
 * What `providerData` makes of `parseJsonConfiguration(text)` with `source` on every entry, built
 * in one pass: the same keys, order and entries, without the intermediate list, its copies and a
 * second folding of every key. Undefined as above.
 */
export function readPlainJsonProviderData(text: string, source: string | undefined): Map<string, ProviderEntry> | undefined {
  const plain = readPlainJson(text);
  return plain === undefined ? undefined : flattenPlainJson(plain, source);
}

/** A text that `JSON.parse` read, with what the checks of its flattening need. */
export interface PlainJson {
  readonly text: string;
  /** What `JSON.parse` made of the text: an object. */
  readonly root: Record<string, unknown>;
  /** Whether the text has a `\` (escapes): then strings do not read back as written. */
  readonly escapes: boolean;
  /**
   * Members counted on the text: without escapes every string in it (names and string values),
   * with escapes the `:` outside strings (one per member). Whatever the parsed object holds must
   * add up to this, or `JSON.parse` dropped a duplicate.
   */
  readonly written: number;
}

/** A `\u` escape of a UTF-16 surrogate (high or low). */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/**
 * The text through `JSON.parse` with its numbers checked, or undefined when it is not an object
 * or a number would not print back as written.
 */
export function readPlainJson(text: string): PlainJson | undefined {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof root !== 'object' || root === null || Array.isArray(root)) return undefined;

  // A duplicate member is dropped by JSON.parse, so the members read must be all those written.
  // Without escapes, strings read back exactly as written: one scan of the raw text checks the
  // numbers and counts the strings, each a name or a string value, as many as the names and string
  // values read unless a member (at least its name) was dropped. With escapes, the text is copied
  // with its strings blanked out first (several times slower on a cold start); then each member has
  // exactly one `:` outside strings.
  if (!text.includes('\\')) {
    const written = countPlainStrings(text);
    return written === undefined ? undefined : { text, root: root as Record<string, unknown>, escapes: false, written };
  }
  // A `\uD800`–`\uDFFF` escape may be half of an unpaired surrogate, which JSON.parse keeps and
  // .NET's reader refuses: the hand-written reader decides.
  if (SURROGATE_ESCAPE.test(text)) return undefined;
  const structure = text.replace(STRING_TOKEN, '""');
  for (const token of structure.match(NUMBER_TOKEN) ?? []) {
    if (String(Number(token)) !== token) return undefined;
  }
  return { text, root: root as Record<string, unknown>, escapes: true, written: countColons(structure) };
}

/**
 * The flattened entries by folded key, with `source` on each, or undefined when the checks fail
 * (see above). Flattening runs cold (at start-up, or at a lazily flattened file's first walk) and
 * mostly interpreted, so it does as little per member as it can: one walk, one string per key and
 * its folded copy, one map operation per leaf.
 */
export function flattenPlainJson(plain: PlainJson, source: string | undefined): Map<string, ProviderEntry> | undefined {
  const data = new Map<string, ProviderEntry>();
  let counts: FlattenCounts;
  try {
    counts = flattenInto(data, plain.root, source);
  } catch (error) {
    if (error instanceof Refused) return undefined;
    throw error;
  }
  const { members, strings, keys } = counts;
  // A key recorded twice is a duplicate: an error (or, for two empty containers, not), which the
  // hand-written reader decides and reports with its line and column.
  if (data.size !== keys + strings) return undefined;
  if (plain.escapes ? members !== plain.written : members + strings !== plain.written) return undefined;
  return data;
}

interface FlattenCounts {
  /** Names read. */
  members: number;
  /** String values read (object members and array items). */
  strings: number;
  /** Other keys recorded: other scalars and empty containers. */
  keys: number;
}

/**
 * Records every leaf of `root` in `data` by folded key (a later one replacing an earlier one, as a
 * map does), and counts what it read. Throws `Refused` past 64 levels or at an integer-like name.
 * A JSON file's lazily flattened data (jsonTreeData.ts) fills itself with this when first walked.
 */
export function flattenInto(data: Map<string, ProviderEntry>, root: Record<string, unknown>, source: string | undefined): FlattenCounts {
  // Names read, string values read, and keys recorded: a key recorded twice (two names that differ
  // only in case, or a name with a `:` that repeats a nested path) leaves the map short of `keys`.
  let members = 0;
  let strings = 0;
  let keys = 0;
  /**
   * Records a member that is not a string, found at `path`. Containers are entered with their path
   * and a `:` as the prefix of their children's paths (one concatenation per child).
   */
  const put = (value: unknown, path: string, depth: number): void => {
    if (typeof value === 'object' && value !== null) {
      // the container is one level below `depth`; the hand-written reader stops past 64
      if (depth >= MAX_DEPTH) throw new Refused();
      if (Array.isArray(value)) {
        if (value.length > 0) return visitArray(value, path + KEY_DELIMITER, depth + 1);
        keys++;
        data.set(foldKey(path), { key: path, value: '', source });
      } else {
        const names = Object.keys(value);
        if (names.length > 0) return visitObject(value as Record<string, unknown>, names, path + KEY_DELIMITER, depth + 1);
        keys++;
        data.set(foldKey(path), { key: path, value: null, source });
      }
      return;
    }
    keys++;
    data.set(foldKey(path), { key: path, value: scalarText(value), source });
  };
  // String values, most members, are recorded in the loops themselves: a call per member is a
  // large part of the walk's cost while this code still runs cold (interpreted).
  const visitObject = (object: Record<string, unknown>, names: string[], prefix: string, depth: number): void => {
    members += names.length;
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      // (the regex only for names that start with a digit)
      const first = name.charCodeAt(0);
      if (first >= 48 && first <= 57 && INTEGER_LIKE.test(name)) throw new Refused();
      const value = object[name];
      const path = prefix + name;
      if (typeof value === 'string') {
        strings++;
        data.set(foldKey(path), { key: path, value, source });
      } else put(value, path, depth);
    }
  };
  const visitArray = (array: unknown[], prefix: string, depth: number): void => {
    for (let i = 0; i < array.length; i++) {
      const value = array[i];
      const path = prefix + i;
      if (typeof value === 'string') {
        strings++;
        data.set(foldKey(path), { key: path, value, source });
      } else put(value, path, depth);
    }
  };

  visitObject(root, Object.keys(root), '', 1);
  return { members, strings, keys };
}

/** A scalar as .NET's `JsonElement.ToString()` prints it; a JSON null stays null in configuration files. */
export function scalarText(value: unknown): string | null {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return String(value);
    case 'boolean':
      return value ? 'True' : 'False';
    default:
      return null;
  }
}
