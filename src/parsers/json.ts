/**
 * JSON for configuration, as .NET's `JsonConfigurationFileParser` reads it (System.Text.Json with
 * comments skipped and trailing commas allowed), in two pure steps: `readJson` turns text into a
 * small document tree, `flattenJson` turns the tree into `key → value` entries.
 *
 * Hand-written rather than `JSON.parse` because configuration needs what `JSON.parse` throws away:
 * a duplicate property is an error (JSON.parse keeps the last one silently), numbers keep the text
 * they were written with (`1.0` stays `1.0`, 20-digit ids stay exact), comments and trailing commas
 * are allowed, and every error carries a line and a column. No installed package is a declared
 * dependency that does all of this (`jsonc-parser` is only present as a dev tool's dependency).
 */

import { ConfigurationParseError, DuplicateKeyError } from '../core/errors.js';
import { combinePath, foldKey } from '../core/path.js';
import { setKeepingSpelling } from '../core/provider.js';
import { readPlainJsonConfiguration } from './jsonNative.js';

/** System.Text.Json's `JsonValueKind` names, as .NET's messages print them. */
export type JsonValueKind = 'Object' | 'Array' | 'String' | 'Number' | 'True' | 'False' | 'Null';

export type JsonNode =
  | { readonly kind: 'Object'; readonly offset: number; readonly members: readonly JsonMember[] }
  | { readonly kind: 'Array'; readonly offset: number; readonly items: readonly JsonNode[] }
  | { readonly kind: 'String'; readonly offset: number; readonly value: string }
  /** `raw` is the number exactly as written. */
  | { readonly kind: 'Number'; readonly offset: number; readonly raw: string }
  | { readonly kind: 'True' | 'False' | 'Null'; readonly offset: number };

/** One property of an object, duplicates included, in source order. */
export interface JsonMember {
  readonly name: string;
  readonly offset: number;
  readonly value: JsonNode;
}

export interface JsonPosition {
  /** 1-based. */
  readonly line: number;
  /** 1-based, in UTF-16 code units. */
  readonly column: number;
}

export interface JsonDocument {
  readonly root: JsonNode;
  /** Line and column of an offset of the text the document was read from. */
  positionOf(offset: number): JsonPosition;
}

export interface JsonReadOptions {
  /** `[1,]` and `{"a":1,}`. Default true, as .NET's configuration files. */
  allowTrailingCommas?: boolean;
  /** Deepest nesting of objects and arrays; System.Text.Json's default is 64. */
  maxDepth?: number;
}

export interface JsonFlattenOptions {
  /** Prepended to every key (`prefix:name`); an App Configuration setting's own key. */
  prefix?: string;
  /**
   * What an empty `{}` or `[]` gives: `'null'` — .NET 10 configuration files: `{}` the key with a
   * null value, `[]` the key with `""` (and a JSON `null` a null value, where App Configuration
   * writes `""`) — or `'omit'` — nothing (App Configuration's JSON values).
   */
  emptyContainers?: 'null' | 'omit';
  /**
   * A key that flattens to one already seen (case-insensitively): `'error'` (.NET configuration
   * files) or `'last-wins'` (App Configuration's JSON values).
   */
  duplicates?: 'error' | 'last-wins';
}

export interface JsonEntry {
  readonly key: string;
  readonly value: string | null;
}

const enum Ch {
  Tab = 9,
  LineFeed = 10,
  CarriageReturn = 13,
  Space = 32,
  Quote = 34,
  Plus = 43,
  Comma = 44,
  Minus = 45,
  Dot = 46,
  Slash = 47,
  Zero = 48,
  Nine = 57,
  Colon = 58,
  UpperE = 69,
  OpenBracket = 91,
  Backslash = 92,
  CloseBracket = 93,
  LowerE = 101,
  OpenBrace = 123,
  CloseBrace = 125,
  Star = 42,
}

// Sticky so it matches exactly at the reader's position; the JSON number grammar, nothing looser.
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;
/** What a string's text may not hold for the fast path: an escape, or a control character (an error). */
const PLAIN_STRING_EXCEPTIONS = /[\\\u0000-\u001f]/;

function positionIn(text: string, offset: number): JsonPosition {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === Ch.LineFeed) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === Ch.Dot || c === Ch.Plus || c === Ch.Minus;
}

class Reader {
  pos = 0;
  readonly #text: string;
  readonly #trailingCommas: boolean;
  readonly #maxDepth: number;

  constructor(text: string, options: JsonReadOptions) {
    this.#text = text;
    this.#trailingCommas = options.allowTrailingCommas ?? true;
    this.#maxDepth = options.maxDepth ?? 64;
  }

  fail(detail: string, offset = this.pos): never {
    const { line, column } = positionIn(this.#text, offset);
    // The detail never quotes the input: a user-secrets file's text is secret. The first sentence is
    // .NET's, whole, so code and tests that look for it find it.
    const sentence = detail.charAt(0).toUpperCase() + detail.slice(1);
    throw new ConfigurationParseError(`Could not parse the JSON file. ${sentence} at line ${line}, column ${column}.`, {
      line,
      column,
    });
  }

  /**
   * Skips white space and comments, which System.Text.Json's `CommentHandling.Skip` allows between
   * tokens, except between a property name and its `:` (see `object`).
   */
  skipTrivia(): void {
    const text = this.#text;
    for (;;) {
      const c = text.charCodeAt(this.pos);
      if (c === Ch.Space || c === Ch.LineFeed || c === Ch.CarriageReturn || c === Ch.Tab) {
        this.pos++;
      } else if (c === Ch.Slash) {
        const next = text.charCodeAt(this.pos + 1);
        if (next === Ch.Slash) {
          let i = this.pos + 2;
          while (i < text.length && text.charCodeAt(i) !== Ch.LineFeed && text.charCodeAt(i) !== Ch.CarriageReturn) i++;
          this.pos = i;
        } else if (next === Ch.Star) {
          const close = text.indexOf('*/', this.pos + 2);
          if (close < 0) this.fail('a comment is not closed', this.pos);
          this.pos = close + 2;
        } else {
          this.fail("'/' does not start a comment");
        }
      } else {
        return;
      }
    }
  }

  skipWhiteSpace(): void {
    const text = this.#text;
    for (;;) {
      const c = text.charCodeAt(this.pos);
      if (c !== Ch.Space && c !== Ch.LineFeed && c !== Ch.CarriageReturn && c !== Ch.Tab) return;
      this.pos++;
    }
  }

  atEnd(): boolean {
    return this.pos >= this.#text.length;
  }

  peek(): number {
    return this.#text.charCodeAt(this.pos);
  }

  value(depth: number): JsonNode {
    this.skipTrivia();
    if (this.atEnd()) this.fail('the input ended where a value was expected');
    const offset = this.pos;
    const c = this.peek();
    switch (c) {
      case Ch.OpenBrace:
        return this.object(depth + 1);
      case Ch.OpenBracket:
        return this.array(depth + 1);
      case Ch.Quote:
        return { kind: 'String', offset, value: this.string() };
      default:
        break;
    }
    if (c === Ch.Minus || (c >= Ch.Zero && c <= Ch.Nine)) return this.number();
    const text = this.#text;
    if (text.startsWith('true', offset)) return this.literal('True', 4);
    if (text.startsWith('false', offset)) return this.literal('False', 5);
    if (text.startsWith('null', offset)) return this.literal('Null', 4);
    return this.fail('a value was expected (a string, number, object, array, true, false or null)');
  }

  literal(kind: 'True' | 'False' | 'Null', length: number): JsonNode {
    const offset = this.pos;
    this.pos += length;
    if (isWordChar(this.peek())) this.fail('an invalid literal was found', offset);
    return { kind, offset };
  }

  number(): JsonNode {
    const offset = this.pos;
    NUMBER.lastIndex = offset;
    const match = NUMBER.exec(this.#text);
    if (!match) this.fail('an invalid number was found', offset);
    this.pos = offset + match[0].length;
    // `01`, `1.`, `1e`, `0x1`: the grammar stopped early, so the token as a whole is not a number.
    if (isWordChar(this.peek())) this.fail('an invalid number was found', offset);
    return { kind: 'Number', offset, raw: match[0] };
  }

  string(): string {
    const text = this.#text;
    const start = this.pos;
    // Most strings hold no escape and no control character: find the closing quote natively
    // (start-up time: a 5,000-key file is mostly strings). Anything else takes the loop below.
    const close = text.indexOf('"', start + 1);
    if (close > 0) {
      const body = text.slice(start + 1, close);
      if (!PLAIN_STRING_EXCEPTIONS.test(body)) {
        this.pos = close + 1;
        return body;
      }
    }
    let i = start + 1;
    let out = '';
    let chunk = i;
    for (;;) {
      if (i >= text.length) this.fail('a string is not closed', start);
      const c = text.charCodeAt(i);
      if (c === Ch.Quote) {
        out += text.slice(chunk, i);
        this.pos = i + 1;
        return out;
      }
      if (c === Ch.Backslash) {
        out += text.slice(chunk, i);
        const e = text[i + 1];
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': {
            const hex = text.slice(i + 2, i + 6);
            if (!HEX4.test(hex)) this.fail('an invalid \\u escape was found in a string', i);
            const unit = parseInt(hex, 16);
            // A surrogate must come as a pair of escapes, high then low, as System.Text.Json requires
            // ("Cannot read invalid UTF-16 JSON text as string").
            if (unit >= 0xdc00 && unit <= 0xdfff) this.fail('a \\u escape is half of a surrogate pair with no first half', i);
            if (unit >= 0xd800 && unit <= 0xdbff) {
              const low = text.slice(i + 6, i + 8) === '\\u' ? parseInt(text.slice(i + 8, i + 12), 16) : NaN;
              if (!HEX4.test(text.slice(i + 8, i + 12)) || !(low >= 0xdc00 && low <= 0xdfff)) {
                this.fail('a \\u escape is half of a surrogate pair with no second half', i);
              }
              out += String.fromCharCode(unit, low);
              i += 10;
              break;
            }
            out += String.fromCharCode(unit);
            i += 4;
            break;
          }
          default:
            this.fail('an invalid escape sequence was found in a string', i);
        }
        i += 2;
        chunk = i;
        continue;
      }
      if (c < 0x20) this.fail('a control character must be escaped inside a string', i);
      i++;
    }
  }

  enter(depth: number): void {
    if (depth > this.#maxDepth) this.fail(`objects and arrays are nested deeper than ${this.#maxDepth} levels`);
  }

  object(depth: number): JsonNode {
    const offset = this.pos;
    this.enter(depth);
    this.pos++;
    const members: JsonMember[] = [];
    this.skipTrivia();
    if (this.peek() === Ch.CloseBrace) {
      this.pos++;
      return { kind: 'Object', offset, members };
    }
    for (;;) {
      this.skipTrivia();
      if (this.atEnd()) this.fail("the input ended inside an object (a '}' is missing)");
      if (this.peek() !== Ch.Quote) this.fail('a property name in double quotes was expected');
      const nameOffset = this.pos;
      const name = this.string();
      // White space only: System.Text.Json does not skip a comment between a name and its ':'.
      this.skipWhiteSpace();
      if (this.peek() !== Ch.Colon) this.fail("a ':' was expected after the property name");
      this.pos++;
      members.push({ name, offset: nameOffset, value: this.value(depth) });
      this.skipTrivia();
      const c = this.peek();
      if (c === Ch.CloseBrace) {
        this.pos++;
        return { kind: 'Object', offset, members };
      }
      if (c !== Ch.Comma) {
        if (this.atEnd()) this.fail("the input ended inside an object (a '}' is missing)");
        this.fail("a ',' or '}' was expected after a property value");
      }
      const comma = this.pos;
      this.pos++;
      this.skipTrivia();
      if (this.peek() === Ch.CloseBrace) {
        if (!this.#trailingCommas) this.fail('a trailing comma is not allowed', comma);
        this.pos++;
        return { kind: 'Object', offset, members };
      }
    }
  }

  array(depth: number): JsonNode {
    const offset = this.pos;
    this.enter(depth);
    this.pos++;
    const items: JsonNode[] = [];
    this.skipTrivia();
    if (this.peek() === Ch.CloseBracket) {
      this.pos++;
      return { kind: 'Array', offset, items };
    }
    for (;;) {
      this.skipTrivia();
      if (this.atEnd()) this.fail("the input ended inside an array (a ']' is missing)");
      items.push(this.value(depth));
      this.skipTrivia();
      const c = this.peek();
      if (c === Ch.CloseBracket) {
        this.pos++;
        return { kind: 'Array', offset, items };
      }
      if (c !== Ch.Comma) {
        if (this.atEnd()) this.fail("the input ended inside an array (a ']' is missing)");
        this.fail("a ',' or ']' was expected after an array element");
      }
      const comma = this.pos;
      this.pos++;
      this.skipTrivia();
      if (this.peek() === Ch.CloseBracket) {
        if (!this.#trailingCommas) this.fail('a trailing comma is not allowed', comma);
        this.pos++;
        return { kind: 'Array', offset, items };
      }
    }
  }
}

/**
 * Reads one JSON value (with comments, and trailing commas unless disabled). A byte-order mark is
 * skipped. Throws `ConfigurationParseError` with `line` and `column` for anything malformed,
 * including an empty text.
 */
export function readJson(text: string, options: JsonReadOptions = {}): JsonDocument {
  const source = text.charCodeAt(0) === 0xfeff ? ' ' + text.slice(1) : text;
  const reader = new Reader(source, options);
  reader.skipTrivia();
  if (reader.atEnd()) reader.fail('the input contains no JSON value');
  const root = reader.value(0);
  reader.skipTrivia();
  if (!reader.atEnd()) reader.fail('unexpected text after the end of the JSON value');
  return { root, positionOf: (offset) => positionIn(source, offset) };
}

/** A scalar as .NET's `JsonElement.ToString()` prints it (Newtonsoft prints these the same way). */
export function scalarText(node: JsonNode): string {
  switch (node.kind) {
    case 'String':
      return node.value;
    case 'Number':
      return node.raw;
    case 'True':
      return 'True';
    case 'False':
      return 'False';
    default:
      return '';
  }
}

/**
 * Flattens a value into `key → value` entries: object members nest with `:` (a name containing
 * `:` is not escaped, so `{"a:b":1}` equals `{"a":{"b":1}}`), array elements by index.
 * A scalar at the top (no prefix) gives nothing, as there is no key to put it under.
 */
export function flattenJson(document: JsonDocument, options: JsonFlattenOptions = {}): JsonEntry[] {
  const emptyAsNull = (options.emptyContainers ?? 'null') === 'null';
  const errorOnDuplicate = (options.duplicates ?? 'error') === 'error';
  const data = new Map<string, JsonEntry>();

  const visit = (node: JsonNode, path: string | undefined, at: number): void => {
    if (node.kind === 'Object') {
      // .NET records an empty container without checking for a duplicate, but a later scalar
      // with the same key does see it as one; keeping that asymmetry keeps the same files valid.
      if (node.members.length === 0) return empty(path);
      for (const m of node.members) visit(m.value, path === undefined ? m.name : combinePath(path, m.name), m.offset);
      return;
    }
    if (node.kind === 'Array') {
      // Measured on .NET 10.0: an empty array gives "" (an empty object gives null).
      if (node.items.length === 0) return empty(path, '');
      const items = node.items;
      for (let i = 0; i < items.length; i++) {
        const item = items[i]!;
        visit(item, path === undefined ? String(i) : combinePath(path, String(i)), item.offset);
      }
      return;
    }
    if (path === undefined) return;
    const folded = foldKey(path);
    if (data.has(folded)) {
      if (errorOnDuplicate) {
        const { line, column } = document.positionOf(at);
        throw new DuplicateKeyError(
          `A duplicate key '${path}' was found. The second occurrence is at line ${line}, column ${column}.`,
          { key: path },
        );
      }
      // The entry moves to where its last occurrence is, as a list of pairs read into a map would.
      data.delete(folded);
    }
    // .NET 10's JsonConfigurationFileParser keeps a JSON null as null; App Configuration's flattener writes "".
    data.set(folded, { key: path, value: node.kind === 'Null' && emptyAsNull ? null : scalarText(node) });
  };

  // An empty object or array sets its key without a duplicate check, as .NET's parser does
  // (`_data[path] = null`): a key met before in another case keeps that spelling.
  const empty = (path: string | undefined, value: string | null = null): void => {
    if (path !== undefined && emptyAsNull) setKeepingSpelling(data, { key: path, value });
  };

  visit(document.root, options.prefix, document.root.offset);
  return [...data.values()];
}

/**
 * A configuration file's text → entries, with .NET's rules: the top level must be an object,
 * `{}`/`[]` give a null-valued key, a duplicate key is a `DuplicateKeyError`.
 */
export function parseJsonConfiguration(text: string): JsonEntry[] {
  // Plain JSON through JSON.parse when that gives the same entries (start-up time); else, and for
  // every error, the reader below.
  const plain = readPlainJsonConfiguration(text);
  if (plain !== undefined) return plain;
  const document = readJson(text);
  if (document.root.kind !== 'Object') {
    const { line, column } = document.positionOf(document.root.offset);
    throw new ConfigurationParseError(
      `Top-level JSON element must be an object. Instead, '${document.root.kind}' was found.`,
      { line, column },
    );
  }
  return flattenJson(document);
}

/**
 * An App Configuration setting with a JSON content type → entries under its key, as the .NET
 * provider's `JsonFlattener` does: `{}`/`[]` give no key, a duplicate property's last value wins,
 * no trailing commas, and the setting's own key keeps no value. Returns `undefined` when the value
 * is not valid JSON, so the caller keeps the raw string.
 */
export function flattenJsonSetting(key: string, value: string): JsonEntry[] | undefined {
  let document: JsonDocument;
  try {
    document = readJson(value, { allowTrailingCommas: false });
  } catch (err) {
    if (err instanceof ConfigurationParseError) return undefined;
    throw err;
  }
  return flattenJson(document, { prefix: key, emptyContainers: 'omit', duplicates: 'last-wins' });
}
