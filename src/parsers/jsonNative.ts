/**
 * A fast path for configuration files that are plain JSON: the engine's `JSON.parse` reads the
 * text natively (several times faster than the hand-written reader on a cold start) and the result
 * is flattened directly, but only when that is certain to equal what `readJson` + `flattenJson`
 * give. Otherwise, or on any doubt, it returns undefined and the caller reads the text again with
 * the hand-written reader, which also gives errors their line and column. `JSON.parse` loses three
 * things that configuration needs, each checked here:
 *  - a duplicate property (it keeps the last one): the members found must number the members
 *    written, counted natively on the text (two quotes per string read, or with escapes one
 *    colon outside strings per member);
 *  - a number's text (`1.0`, `1e5`, 20-digit ids): every number must print back as written;
 *  - member order (objects list integer-like names first): no object may have such a name.
 * Comments, trailing commas, a byte-order mark or more than 64 levels of nesting make `JSON.parse`
 * fail or the check refuse, so those files take the hand-written reader. The flattening rules are
 * `flattenJson`'s for configuration files; `test/parsers/jsonNative.test.ts` compares the two.
 */
import { foldKey, KEY_DELIMITER } from '../core/path.js';
import type { ProviderEntry } from '../core/provider.js';
import type { JsonEntry } from './json.js';

const MAX_DEPTH = 64;
/** A JSON string token, in text that `JSON.parse` has accepted. */
const STRING_TOKEN = /"(?:[^"\\]|\\.)*"/g;
/** A number token, in text whose strings have been blanked out. */
const NUMBER_TOKEN = /-?[0-9][0-9.eE+-]*/g;
/**
 * A number where a value can start, in raw text: after `:`, `[` or `,`. Every number token is
 * found this way; a match inside a string (`"host:6380"`) can only make the check refuse, never pass.
 */
const NUMBER_IN_VALUE_POSITION = /[:[,]\s*-?[0-9][0-9.eE+-]*/g;
const VALUE_POSITION_PREFIX = /^[:[,]\s*/;
const INTEGER_LIKE = /^[0-9]+$/;

function countColons(text: string): number {
  let n = 0;
  for (let i = text.indexOf(':'); i >= 0; i = text.indexOf(':', i + 1)) n++;
  return n;
}

const QUOTE = /"/g;

class Refused extends Error {}

/**
 * The entries `parseJsonConfiguration(text)` gives, read through `JSON.parse`, or undefined when
 * that cannot be known this way (including every text that is an error).
 */
export function readPlainJsonConfiguration(text: string): JsonEntry[] | undefined {
  const data = readPlainJson(text, undefined);
  return data === undefined ? undefined : [...data.values()].map(({ key, value }) => ({ key, value }));
}

/**
 * What `providerData` makes of `parseJsonConfiguration(text)` with `source` on every entry, built
 * in one pass (a JSON file provider's load): the same keys, order and entries, without the
 * intermediate list, its copies and a second folding of every key. Undefined as above.
 */
export function readPlainJsonProviderData(text: string, source: string): Map<string, ProviderEntry> | undefined {
  return readPlainJson(text, source);
}

/**
 * The flattened entries by folded key, with `source` on each, or undefined (see above). This runs
 * once per file at start-up, cold (mostly interpreted), so it does as little per member as it can:
 * one walk, one string per key and its folded copy, one map operation per leaf.
 */
function readPlainJson(text: string, source: string | undefined): Map<string, ProviderEntry> | undefined {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof root !== 'object' || root === null || Array.isArray(root)) return undefined;

  // Without escapes, strings read back exactly as written: numbers are found in value position
  // in the raw text, and members are counted on it directly. With escapes, the text is copied with
  // its strings blanked out first (several times slower on a cold start).
  const escapes = text.includes('\\');
  const structure = escapes ? text.replace(STRING_TOKEN, '""') : text;
  const numbers = escapes ? structure.match(NUMBER_TOKEN) : structure.match(NUMBER_IN_VALUE_POSITION);
  for (const match of numbers ?? []) {
    const token = escapes ? match : match.replace(VALUE_POSITION_PREFIX, '');
    if (String(Number(token)) !== token) return undefined;
  }
  // A duplicate member is dropped by JSON.parse, so the members read must be all those written.
  // With escapes, each has exactly one `:` outside strings (here blanked out). Without, every `"`
  // in the text opens or closes a name or a string value: there are two per string read, unless a
  // member (at least its name) was dropped. Either count is made natively, in one pass.
  const written = escapes ? countColons(structure) : text.match(QUOTE)?.length ?? 0;
  let strings = 0;

  const data = new Map<string, ProviderEntry>();
  let members = 0;
  /**
   * Records `value`, found at `path`. Containers are entered with their path and a `:` as the
   * prefix of their children's paths (one concatenation per child); scalars, most members, are
   * recorded here without a call of their own.
   */
  const put = (value: unknown, path: string, depth: number): void => {
    let text: string | null;
    if (typeof value === 'string') {
      strings++;
      text = value;
    } else if (typeof value === 'object' && value !== null) {
      // the container is one level below `depth`; the hand-written reader stops past 64
      if (depth >= MAX_DEPTH) throw new Refused();
      if (Array.isArray(value)) {
        // As flattenJson: an empty container is recorded without a duplicate check.
        if (value.length === 0) data.set(foldKey(path), { key: path, value: '', source });
        else visitArray(value, path + KEY_DELIMITER, depth + 1);
      } else {
        const names = Object.keys(value);
        if (names.length === 0) data.set(foldKey(path), { key: path, value: null, source });
        else visitObject(value as Record<string, unknown>, names, path + KEY_DELIMITER, depth + 1);
      }
      return;
    } else text = scalarText(value);
    const size = data.size;
    data.set(foldKey(path), { key: path, value: text, source });
    // A duplicate is an error, which the hand-written reader reports with its line and column.
    if (data.size === size) throw new Refused();
  };
  const visitObject = (object: Record<string, unknown>, names: string[], prefix: string, depth: number): void => {
    members += names.length;
    for (const name of names) {
      // (the regex only for names that start with a digit: this loop runs once per member, cold)
      const first = name.charCodeAt(0);
      if (first >= 48 && first <= 57 && INTEGER_LIKE.test(name)) throw new Refused();
      put(object[name], prefix + name, depth);
    }
  };
  const visitArray = (array: unknown[], prefix: string, depth: number): void => {
    for (let i = 0; i < array.length; i++) put(array[i], prefix + i, depth);
  };

  try {
    visitObject(root as Record<string, unknown>, Object.keys(root), '', 1);
  } catch (error) {
    if (error instanceof Refused) return undefined;
    throw error;
  }
  if (escapes ? members !== written : 2 * (members + strings) !== written) return undefined;
  return data;
}

/** A scalar as .NET's `JsonElement.ToString()` prints it; a JSON null stays null in configuration files. */
function scalarText(value: unknown): string | null {
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
