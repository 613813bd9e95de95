/**
 * Binding with a convict schema: the tree is matched to the schema case-insensitively, each leaf
 * is coerced from its configuration text and validated by convict, every violation is collected
 * and reported at once, and `sensitive: true` marks the key secret in the tree.
 *
 * convict is loaded on first use (synchronously, through `createRequire`), so an app that binds
 * only with defaults objects never loads it.
 */
import { createRequire } from 'node:module';
import type convictModule from 'convict';
import { parseBoolean } from '../core/dotnetText.js';
import { ConfigurationError, ValidationError, describeOrigin, type Violation } from '../core/errors.js';
import { combinePath, foldKey } from '../core/path.js';
import type { ConfigurationRoot, ValueOrigin } from '../core/root.js';
import { scrubSecrets } from '../core/secrets.js';
import { isPlainObject, type Bound, type DictionaryOf } from './bind.js';
import { parseNumber } from './convert.js';
import { ensureFormats } from './formats.js';

type Convict = typeof convictModule;

let convictInstance: Convict | undefined;

function loadConvict(): Convict {
  if (!convictInstance) {
    convictInstance = createRequire(import.meta.url)('convict') as Convict;
    ensureFormats(convictInstance);
  }
  return convictInstance;
}

/** Options of the schema binder (convict's `validate` options). */
export interface SchemaBindOptions {
  /**
   * convict's `allowed`: `'strict'` makes a configuration key the schema does not declare a
   * violation; `'warn'` (the default) passes it to `output`. `strict: true` means `'strict'`.
   */
  allowed?: 'strict' | 'warn';
  strict?: boolean;
  /**
   * Receives warnings about undeclared keys in `'warn'` mode. Unlike convict, nothing is printed
   * when it is absent: the whole tree holds every environment variable, which no schema declares.
   */
  output?: (message: string) => void;
}

// ---- telling a schema from a defaults object ---------------------------------------------------

/** convict's own rule: a node is a property (a leaf) unless it is a non-empty object without `default`. */
function isLeaf(node: unknown): boolean {
  return !(typeof node === 'object' && node !== null && !Array.isArray(node) && Object.keys(node).length > 0 && !('default' in node));
}

/** A schema leaf written out as an object with its own `default` property. */
export function isSchemaLeaf(node: unknown): node is convictModule.SchemaObj {
  return isPlainObject(node) && Object.prototype.hasOwnProperty.call(node, 'default');
}

/**
 * True when `value` is a convict schema: a plain object that has, at any depth reached through
 * plain objects, a node with its own `default` property (`{ port: { default: 80, format: 'port' } }`).
 * A defaults object therefore must not contain a property named `default`; bind such a shape
 * with `bindDefaults`.
 */
export function isConvictSchema(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  if (isSchemaLeaf(value)) return true;
  return Object.keys(value).some((k) => isConvictSchema(value[k]));
}

/** A convict `Config` instance (`convict(schema)`), which binding does not accept. */
export function isConvictConfig(value: unknown): boolean {
  const v = value as { getSchema?: unknown; validate?: unknown; getProperties?: unknown } | null;
  return typeof v === 'object' && v !== null && typeof v.getSchema === 'function' && typeof v.validate === 'function' && typeof v.getProperties === 'function';
}

// ---- result types ------------------------------------------------------------------------------

type FormatType<F, D> = F extends 'int' | 'integer' | 'nat' | 'port' | 'duration' | 'timestamp' | 'Number' | NumberConstructor
  ? number
  : F extends 'port_or_windows_named_pipe'
    ? number | string
    : F extends 'url' | 'email' | 'ipaddress' | 'windows_named_pipe' | 'String' | StringConstructor
      ? string
      : F extends 'Boolean' | BooleanConstructor
        ? boolean
        : F extends 'Array' | ArrayConstructor
          ? D extends readonly unknown[]
            ? Bound<D>
            : unknown[]
          : F extends 'Object' | ObjectConstructor
            ? Record<string, unknown>
            : F extends 'RegExp' | RegExpConstructor
              ? RegExp
              : F extends readonly (infer E)[]
                ? E
                : DefaultType<D>;

type DefaultType<D> = [D] extends [null] ? null : [D] extends [undefined] ? unknown : Bound<D>;

/** The type of one schema leaf: from its `format`, else from its `default`; `nullable` adds `null`. */
export type SchemaLeafType<N> = N extends { default: infer D }
  ? (N extends { format: infer F } ? FormatType<F, D> : DefaultType<D>) | (N extends { nullable: true } ? null : never)
  : never;

type SchemaNodeType<N> = N extends { default: unknown }
  ? SchemaLeafType<N>
  : N extends readonly unknown[] | Date | URL | string | number | boolean | bigint | null | undefined
    ? Bound<N>
    : N extends object
      ? [keyof N] extends [never]
        ? Record<string, unknown>
        : SchemaResult<N>
      : Bound<N>;

/** The object a convict schema binds to, inferred from the schema (use `as const` or an inline literal for formats). */
export type SchemaResult<S> = { -readonly [K in keyof S]: SchemaNodeType<S[K]> };

/** Type-level twin of `isConvictSchema`. */
export type IsConvictSchema<T> = T extends { default: unknown }
  ? true
  : T extends Date | URL | ReadonlyMap<unknown, unknown> | readonly unknown[] | DictionaryOf<unknown> | ((...args: never[]) => unknown)
    ? false
    : T extends object
      ? true extends { [K in keyof T]-?: IsConvictSchema<T[K]> }[keyof T]
        ? true
        : false
      : false;

// ---- binding -----------------------------------------------------------------------------------

interface Context {
  readonly root: ConfigurationRoot;
  readonly convict: Convict;
  readonly strict: boolean;
  readonly output: ((message: string) => void) | undefined;
  readonly violations: Violation[];
}

/**
 * Binds the section at `path` (null: the whole tree) to a convict schema and validates it.
 * Throws `ValidationError` listing every violation; marks `sensitive` keys secret first, so
 * neither the error nor anything printed later shows them.
 */
export function bindSchema<S>(
  root: ConfigurationRoot,
  path: string | null,
  schema: S,
  options: SchemaBindOptions = {},
): S extends { default: unknown } ? SchemaLeafType<S> : SchemaResult<S> {
  const convict = loadConvict();
  checkSchema(convict, schema);
  const ctx: Context = {
    root,
    convict,
    strict: options.allowed === 'strict' || options.strict === true,
    output: options.output,
    violations: [],
  };
  let result: unknown;
  if (isSchemaLeaf(schema)) {
    if (path === null) throw new TypeError('The whole tree binds to a schema object, not to a single property.');
    result = bindLeaf(ctx, path, schema);
  } else {
    result = bindNested(ctx, path, schema as Record<string, unknown>);
  }
  if (ctx.violations.length > 0) throw validationError(ctx.violations);
  return result as S extends { default: unknown } ? SchemaLeafType<S> : SchemaResult<S>;
}

/**
 * Validates the whole tree with a convict schema (what `loadConfig({ schema })` does at start-up):
 * returns the typed object, marks `sensitive` keys secret, throws one `ValidationError` with
 * every violation.
 */
export function validateWithSchema<const S extends object>(
  root: ConfigurationRoot,
  schema: S,
  options: SchemaBindOptions = {},
): SchemaResult<S> {
  return bindSchema(root, null, schema, options) as SchemaResult<S>;
}

/** convict's own checks of the schema (unknown formats, reserved names) as a typed error. */
function checkSchema(convict: Convict, schema: unknown): void {
  try {
    convict((isSchemaLeaf(schema) ? { value: schema } : schema) as convictModule.Schema<unknown>, { env: {}, args: [] });
  } catch (error) {
    throw new ConfigurationError(`Invalid convict schema: ${(error as Error).message}`, 'INVALID_SCHEMA', { cause: error });
  }
}

function childPath(path: string | null, key: string): string {
  return path === null ? key : combinePath(path, key);
}

function childKeys(root: ConfigurationRoot, path: string | null): string[] {
  return (path === null ? root.getChildren() : root.getSection(path).getChildren()).map((s) => s.key);
}

function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

function bindNested(ctx: Context, path: string | null, schema: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const declared = new Set<string>();
  for (const name of Object.keys(schema)) {
    declared.add(foldKey(name));
    const node = schema[name];
    const nodePath = childPath(path, name);
    define(out, name, isLeaf(node) ? bindLeaf(ctx, nodePath, isSchemaLeaf(node) ? node : { default: node }) : bindNested(ctx, nodePath, node as Record<string, unknown>));
  }
  for (const key of childKeys(ctx.root, path)) {
    if (declared.has(foldKey(key))) continue;
    const fullKey = childPath(path, key);
    const message = `configuration param '${fullKey}' not declared in the schema`;
    if (ctx.strict) ctx.violations.push(violation(ctx, fullKey, message));
    else ctx.output?.(`Warning: ${message}`);
  }
  return out;
}

const BUILT_INS: ReadonlyMap<unknown, string> = new Map<unknown, string>([
  [Number, 'number'],
  [Boolean, 'boolean'],
  [Array, 'array'],
  [Object, 'object'],
  [String, 'string'],
  [RegExp, 'regexp'],
  ['Number', 'number'],
  ['Boolean', 'boolean'],
  ['Array', 'array'],
  ['Object', 'object'],
  ['String', 'string'],
  ['RegExp', 'regexp'],
]);

/**
 * The type convict coerces a leaf's text to, by convict's own rule (`getFormat`): a named format
 * (`'port'`, built-ins as `'number'`…), else the `typeof` of a non-null default, else none.
 */
function formatName(leaf: convictModule.SchemaObj): string {
  const format: unknown = leaf.format;
  const builtIn = BUILT_INS.get(format);
  if (builtIn !== undefined) return builtIn;
  if (typeof format === 'string') return format;
  const d: unknown = leaf.default;
  if (Array.isArray(d)) return 'array';
  if (d === null || d === undefined) return 'any';
  return typeof d;
}

/** What a leaf's text that does not parse as its number / boolean type becomes. */
class Unparsable {
  constructor(readonly format: string) {}
}

function bindLeaf(ctx: Context, path: string, leaf: convictModule.SchemaObj): unknown {
  const { root } = ctx;
  if (leaf.sensitive === true) root.markSecret(path);
  const format = formatName(leaf);
  const text = root.get(path);
  const hasKids = root.hasChildren(path);
  const configured = (text !== null && text !== undefined) || hasKids || (format === 'array' && root.origin(path) !== undefined);

  let raw: unknown;
  if (configured) {
    raw = readLeaf(ctx, path, leaf, format, text, hasKids);
    if (leaf.nullable === true && text === '' && format !== 'string') raw = null;
  }
  if (raw instanceof Unparsable) {
    // convict's own coercion would read `12abc` as 12 and `yes` as true: refuse the text here.
    if (raw.format === 'number' || raw.format === 'boolean') {
      const type = raw.format === 'number' ? 'Number' : 'Boolean';
      ctx.violations.push(violation(ctx, path, `must be of type ${type}`, describeFormat(leaf, format)));
      return leaf.default;
    }
    raw = Number.NaN; // int, nat, port: convict's format gives its own message
  }

  // One single-property convict per leaf: convict coerces (custom formats' `coerce` too) and
  // validates it; `sensitive` is forced so convict never appends the value to its message.
  const probe = ctx.convict({ value: { ...leaf, sensitive: true, env: undefined, arg: undefined } } as convictModule.Schema<{ value: unknown }>, {
    env: {},
    args: [],
  });
  try {
    if (configured) probe.load({ value: raw });
    probe.validate({ allowed: 'warn', output: () => {} });
  } catch (error) {
    let message = String((error as Error).message).replace(/^value: /, '');
    if (root.isSecret(path) && typeof raw === 'string') message = scrubSecrets(message, [raw]);
    if (!configured) message = `no value configured and the default is not valid: ${message}`;
    ctx.violations.push(violation(ctx, path, message, describeFormat(leaf, format)));
    return leaf.default;
  }
  return probe.get('value');
}

/** The configuration text (or children) of a leaf, converted as far as the format's type asks. */
function readLeaf(ctx: Context, path: string, leaf: convictModule.SchemaObj, format: string, text: string | null | undefined, hasKids: boolean): unknown {
  if (format === 'array') {
    if (!hasKids) return text === null || text === undefined || text === '' ? [] : text;
    const template = Array.isArray(leaf.default) ? (leaf.default as unknown[])[0] : undefined;
    const out: unknown[] = [];
    for (const key of childKeys(ctx.root, path)) {
      const elementPath = combinePath(path, key);
      const value = ctx.root.get(elementPath);
      if (ctx.root.hasChildren(elementPath)) out.push(readTree(ctx.root, elementPath));
      else if (value !== null && value !== undefined) out.push(convertLike(template, value));
    }
    return out;
  }
  if (format === 'object') {
    return hasKids ? readTree(ctx.root, path) : text;
  }
  if (text === null || text === undefined) return hasKids ? readTree(ctx.root, path) : text;
  switch (format) {
    case 'int':
    case 'integer':
    case 'nat':
    case 'port':
    case 'number':
      return parseNumber(text) ?? new Unparsable(format);
    case 'port_or_windows_named_pipe':
      return text.includes('\\\\.\\pipe\\') ? text : (parseNumber(text) ?? new Unparsable(format));
    case 'boolean':
      return parseBoolean(text) ?? new Unparsable(format);
    default:
      return text;
  }
}

function convertLike(template: unknown, text: string): unknown {
  if (typeof template === 'number') return parseNumber(text) ?? text;
  if (typeof template === 'boolean') return parseBoolean(text) ?? text;
  return text;
}

/** A section's subtree as nested null-prototype objects of strings (for `Object` formats). */
function readTree(root: ConfigurationRoot, path: string): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of childKeys(root, path)) {
    const p = combinePath(path, key);
    define(out, key, root.hasChildren(p) ? readTree(root, p) : (root.get(p) ?? null));
  }
  return out;
}

function describeFormat(leaf: convictModule.SchemaObj, format: string): string {
  if (Array.isArray(leaf.format)) return `one of ${(leaf.format as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  if (typeof leaf.format === 'function' && !BUILT_INS.has(leaf.format)) return leaf.format.name || 'the schema format';
  return format === 'any' ? 'the schema format' : format;
}

function originOf(root: ConfigurationRoot, path: string): ValueOrigin | undefined {
  const own = root.origin(path);
  if (own) return own;
  for (const [key] of root.getSection(path).entries()) {
    const origin = root.origin(key);
    if (origin) return origin;
  }
  return undefined;
}

function violation(ctx: Context, key: string, message: string, expected?: string): Violation & { expected?: string } {
  const origin = originOf(ctx.root, key);
  const v: Violation & { expected?: string } = { key, message };
  if (origin) v.provider = origin.provider;
  if (origin?.source !== undefined) v.source = origin.source;
  if (expected !== undefined) v.expected = expected;
  return v;
}

function validationError(violations: Array<Violation & { expected?: string }>): ValidationError {
  const lines = violations.map((v) => {
    const expected = v.expected !== undefined ? `expected ${v.expected}, ` : '';
    const from = v.provider !== undefined ? `value from ${describeOrigin(v)}` : 'not configured';
    return `  - '${v.key}': ${v.message} (${expected}${from})`;
  });
  const count = violations.length === 1 ? '1 violation' : `${violations.length} violations`;
  return new ValidationError(`Configuration does not match the schema (${count}):\n${lines.join('\n')}`, violations, {
    key: violations[0]!.key,
    ...(violations[0]!.provider !== undefined ? { provider: violations[0]!.provider } : {}),
    ...(violations[0]!.source !== undefined ? { source: violations[0]!.source } : {}),
  });
}
