/**
 * The defaults-driven binder: .NET's `ConfigurationBinder.Bind(instance)` with the shape and the
 * target types taken from a defaults object. Reads only the tree (`root.get`, children, origin);
 * never mutates the defaults; never lets a configuration key reach a prototype chain.
 */
import { parseBoolean } from '../core/dotnetText.js';
import { BindingError, describeOrigin } from '../core/errors.js';
import { combinePath, foldKey } from '../core/path.js';
import type { ConfigurationRoot } from '../core/root.js';
import { parseBigInt, parseDate, parseNumber, parseUrl, typeNameOf } from './convert.js';

/** Options of the defaults binder. */
export interface BindDefaultsOptions {
  /**
   * .NET's `ErrorOnUnknownConfiguration`: a configuration key with no property in the defaults,
   * or an array / dictionary element that fails to convert, is a `BindingError` instead of being
   * ignored / dropped.
   */
  strict?: boolean;
}

const DICTIONARY: unique symbol = Symbol('layered-config.dictionaryOf');

/** A dictionary default made by `dictionaryOf(element, entries)`. */
export interface DictionaryOf<E> {
  readonly [DICTIONARY]: true;
  /** The default of a new element: its type is each configured value's target type. */
  readonly element: E;
  /** Entries present before binding; configured keys overwrite them on a case-insensitive match. */
  readonly entries: Readonly<Record<string, E>>;
}

/**
 * A dictionary default whose values bind like `element` (a number, an object shape, an array…).
 * Binds to a null-prototype record keyed by the configured child keys.
 * `dictionaryOf(0)` → `Record<string, number>`; `dictionaryOf({ Port: 0 })` → `Record<string, { Port: number }>`.
 */
export function dictionaryOf<E>(element: E, entries: Readonly<Record<string, E>> = {}): DictionaryOf<E> {
  return Object.freeze({ [DICTIONARY]: true as const, element, entries });
}

type IsAny<T> = 0 extends 1 & T ? true : false;

/**
 * The type a defaults object binds to: literal types widened (`3` → `number`, `'x'` → `string`),
 * `readonly` dropped, arrays of the first element's type (`[]` → `string[]`), `Map<K, V>` →
 * `Map<string, V>`, `{}` → `Record<string, string>`, `null` → `string | null`.
 */
export type Bound<T> =
  IsAny<T> extends true
    ? any // eslint-disable-line @typescript-eslint/no-explicit-any
    : T extends string
      ? string
      : T extends number
        ? number
        : T extends boolean
          ? boolean
          : T extends bigint
            ? bigint
            : T extends null
              ? string | null
              : T extends undefined
                ? string | undefined
                : T extends Date
                  ? Date
                  : T extends URL
                    ? URL
                    : T extends (...args: never[]) => unknown
                      ? T
                      : T extends DictionaryOf<infer E>
                        ? Record<string, Bound<E>>
                        : T extends ReadonlyMap<unknown, infer V>
                          ? Map<string, IsAny<V> extends true ? string : [V] extends [never] ? string : Bound<V>>
                          : T extends readonly (infer E)[]
                            ? [E] extends [never]
                              ? string[]
                              : Bound<E>[]
                            : T extends object
                              ? [keyof T] extends [never]
                                ? Record<string, string>
                                : { -readonly [K in keyof T]: Bound<T[K]> }
                              : T;

type Kind =
  | 'string'
  | 'number'
  | 'boolean'
  | 'bigint'
  | 'nullable'
  | 'date'
  | 'url'
  | 'array'
  | 'map'
  | 'dictionary'
  | 'record'
  | 'object'
  | 'opaque';

function kindOf(value: unknown): Kind {
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'bigint':
      return 'bigint';
    case 'undefined':
      return 'nullable';
    case 'object':
      break;
    default:
      return 'opaque'; // functions, symbols: kept as they are
  }
  if (value === null) return 'nullable';
  if (value instanceof Date) return 'date';
  if (value instanceof URL) return 'url';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Map) return 'map';
  if (isDictionaryOf(value)) return 'dictionary';
  if (Object.keys(value).length === 0 && isPlainObject(value)) return 'record';
  return 'object';
}

function isDictionaryOf(value: object): value is DictionaryOf<unknown> {
  return (value as Partial<DictionaryOf<unknown>>)[DICTIONARY] === true;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Defines an own data property: never an assignment, so `__proto__` is just a key. */
function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/** A deep copy of a default, so the result never shares mutable state with the defaults. */
export function cloneDefault<T>(value: T): T {
  const kind = kindOf(value);
  switch (kind) {
    case 'date':
      return new Date((value as Date).getTime()) as T;
    case 'url':
      return new URL((value as URL).href) as T;
    case 'array':
      return (value as unknown[]).map(cloneDefault) as T;
    case 'map':
      return new Map([...(value as Map<unknown, unknown>)].map(([k, v]) => [k, cloneDefault(v)])) as T;
    case 'dictionary': {
      const out = Object.create(null) as Record<string, unknown>;
      const { entries } = value as DictionaryOf<unknown>;
      for (const k of Object.keys(entries)) define(out, k, cloneDefault(entries[k]));
      return out as T;
    }
    case 'record':
      return Object.create(null) as T;
    case 'object': {
      const out = Object.create(Object.getPrototypeOf(value) as object | null) as Record<string, unknown>;
      for (const k of Object.keys(value as object)) define(out, k, cloneDefault((value as Record<string, unknown>)[k]));
      return out as T;
    }
    default:
      return value;
  }
}

/** Raised inside the binder when one value does not convert; the caller decides what it becomes. */
class ConversionFailure extends Error {
  constructor(
    readonly path: string,
    readonly targetType: string,
  ) {
    super(`conversion failed at ${path}`);
  }
}

interface Context {
  readonly root: ConfigurationRoot;
  readonly strict: boolean;
}

/**
 * Binds the section at `path` (null: the whole tree) with the shape and types of `defaults`.
 * Throws `BindingError` for a scalar property that does not convert and, with `strict`, for
 * unknown keys and elements that do not convert.
 */
export function bindDefaults<T>(
  root: ConfigurationRoot,
  path: string | null,
  defaults: T,
  options: BindDefaultsOptions = {},
): Bound<T> {
  const ctx: Context = { root, strict: options.strict === true };
  if (path === null && !isObjectKind(kindOf(defaults))) {
    throw new TypeError('Binding the whole tree needs an object, Map or dictionary default.');
  }
  try {
    return bindValue(ctx, path, defaults) as Bound<T>;
  } catch (error) {
    if (error instanceof ConversionFailure) throw conversionError(ctx, error);
    throw error;
  }
}

function isObjectKind(kind: Kind): boolean {
  return kind === 'object' || kind === 'record' || kind === 'map' || kind === 'dictionary';
}

function childPath(path: string | null, key: string): string {
  return path === null ? key : combinePath(path, key);
}

function childKeys(ctx: Context, path: string | null): string[] {
  return (path === null ? ctx.root.getChildren() : ctx.root.getSection(path).getChildren()).map((s) => s.key);
}

function hasChildren(ctx: Context, path: string): boolean {
  return ctx.root.hasChildren(path);
}

/**
 * A value where an object or a collection is expected (`S:Nested=x` with no `S:Nested:*`) converts
 * to nothing in .NET: the default stays, an array or dictionary element is dropped, and with
 * `strict` it is a conversion error (measured on .NET 10; ConfigurationBinderTests'
 * TestCollectionWithNullOrEmptyItems). An empty value is no value: the default stays.
 */
function isPlainValueOnly(ctx: Context, path: string): boolean {
  const value = ctx.root.get(path);
  return value !== null && value !== undefined && value !== '' && !hasChildren(ctx, path);
}

function bindValue(ctx: Context, path: string | null, def: unknown): unknown {
  const kind = kindOf(def);
  if (ctx.strict && path !== null && (isObjectKind(kind) || kind === 'array') && isPlainValueOnly(ctx, path)) {
    throw new ConversionFailure(path, typeNameOf(def));
  }
  switch (kind) {
    case 'object':
      return bindObject(ctx, path, def as Record<string, unknown>);
    case 'array':
      return bindArray(ctx, path!, def as unknown[]);
    case 'map':
    case 'dictionary':
    case 'record':
      return bindDictionary(ctx, path, def as object, kind);
    case 'opaque':
      return def;
    default:
      return bindScalar(ctx, path!, def, kind);
  }
}

function bindScalar(ctx: Context, path: string, def: unknown, kind: Kind): unknown {
  const text = ctx.root.get(path);
  // .NET (measured by test/dotnet): a scalar's children are unknown keys only when no provider
  // set the scalar itself; a value, even an explicit null, binds and the children are ignored.
  if (ctx.strict && text === undefined && hasChildren(ctx, path)) {
    throw unknownKeysError(ctx, path, childKeys(ctx, path).map((k) => combinePath(path, k)), typeNameOf(def));
  }
  if (text === null || text === undefined) return cloneDefault(def);
  let converted: unknown;
  switch (kind) {
    case 'string':
      return text;
    case 'nullable':
      // A null default is .NET's `string?`: "" binds as "" (measured by test/dotnet; only
      // Nullable<T> of a value type reads "" as no value, and a null default has no value type).
      return text;
    case 'number':
      converted = parseNumber(text);
      break;
    case 'boolean':
      converted = parseBoolean(text);
      break;
    case 'bigint':
      converted = parseBigInt(text);
      break;
    case 'date':
      converted = parseDate(text);
      break;
    case 'url':
      converted = parseUrl(text);
      break;
  }
  if (converted === undefined) throw new ConversionFailure(path, typeNameOf(def));
  return converted;
}

function bindObject(ctx: Context, path: string | null, def: Record<string, unknown>): object {
  const out = Object.create(Object.getPrototypeOf(def) as object | null) as Record<string, unknown>;
  if (ctx.strict) {
    // Checked before any property binds, as .NET does: with both an unknown key and a bad value,
    // the unknown key is the error reported (found by the differential suite).
    const known = new Set(Object.keys(def).map(foldKey));
    const unknown = childKeys(ctx, path)
      .filter((k) => !known.has(foldKey(k)))
      .map((k) => childPath(path, k));
    if (unknown.length > 0) throw unknownKeysError(ctx, path, unknown);
  }
  for (const key of Object.keys(def)) define(out, key, bindValue(ctx, childPath(path, key), def[key]));
  return out;
}

/** `[]`-shaped: REPLACED by the configured children in `getChildren` order (gaps compact, `x` comes last). */
function bindArray(ctx: Context, path: string, def: readonly unknown[]): unknown[] {
  const children = childKeys(ctx, path);
  if (children.length === 0) {
    // `"Hosts": []` in JSON (a null-valued key) or an empty value clears the list; otherwise keep the default.
    const value = ctx.root.get(path);
    const present = ctx.root.origin(path) !== undefined;
    return present && (value === null || value === '') ? [] : cloneDefault([...def]);
  }
  const template = def.length > 0 ? def[0] : '';
  const out: unknown[] = [];
  for (const key of children) {
    const elementPath = combinePath(path, key);
    // .NET skips null-valued, childless entries.
    if (ctx.root.get(elementPath) == null && !hasChildren(ctx, elementPath)) continue;
    const element = bindElement(ctx, elementPath, template);
    if (element !== DROPPED) out.push(element);
  }
  return out;
}

const DROPPED: unique symbol = Symbol('dropped');

/** The kinds .NET binds as value types, whose default is a value rather than null. */
const VALUE_TYPE_KINDS: ReadonlySet<Kind> = new Set<Kind>(['number', 'boolean', 'bigint', 'date']);

/** Binds one array or dictionary element: a failure drops it, or with `strict` is an error. */
function bindElement(ctx: Context, path: string, template: unknown): unknown {
  const kind = kindOf(template);
  // An object or collection element given a plain value: dropped (with `strict`, bindValue fails it).
  if (!ctx.strict && (isObjectKind(kind) || kind === 'array') && isPlainValueOnly(ctx, path)) return DROPPED;
  // A scalar element with children only (`List:0:x` for a list of strings) has nothing to convert.
  if (!isObjectKind(kind) && kind !== 'array' && ctx.root.get(path) == null) {
    if (ctx.strict) {
      // .NET wraps an element's failure, this one included, in its "binding has failed" error.
      const inner = unknownKeysError(ctx, path, childKeys(ctx, path).map((k) => combinePath(path, k)), typeNameOf(template));
      throw new BindingError(
        `'strict' (ErrorOnUnknownConfiguration) was set and binding has failed. The likely cause is an invalid configuration value. ${inner.message}`,
        { ...errorDetails(ctx, path), targetType: typeNameOf(template), cause: inner },
      );
    }
    return DROPPED;
  }
  try {
    return bindValue(ctx, path, template);
  } catch (error) {
    if (!(error instanceof ConversionFailure)) throw error;
    if (!ctx.strict) return DROPPED;
    const inner = conversionError(ctx, error);
    throw new BindingError(
      `'strict' (ErrorOnUnknownConfiguration) was set and binding has failed. The likely cause is an invalid configuration value. ${inner.message}`,
      { ...errorDetails(ctx, error.path), targetType: error.targetType, cause: inner },
    );
  }
}

function bindDictionary(ctx: Context, path: string | null, def: object, kind: 'map' | 'dictionary' | 'record'): object {
  let template: unknown;
  let set: (key: string, value: unknown) => void;
  let lookup: (key: string) => { key: string; value: unknown } | undefined;
  let result: object;

  if (kind === 'map') {
    const map = cloneDefault(def as Map<unknown, unknown>);
    const first = map.values().next();
    template = first.done === true ? '' : first.value;
    const byFold = new Map<string, unknown>();
    for (const k of map.keys()) if (typeof k === 'string') byFold.set(foldKey(k), k);
    lookup = (key) => {
      const existing = byFold.get(foldKey(key));
      return existing === undefined ? undefined : { key: existing as string, value: map.get(existing) };
    };
    set = (key, value) => {
      map.set(key, value);
      byFold.set(foldKey(key), key);
    };
    result = map;
  } else {
    const record = cloneDefault(def) as Record<string, unknown>;
    template = kind === 'dictionary' ? (def as DictionaryOf<unknown>).element : '';
    const byFold = new Map<string, string>();
    for (const k of Object.keys(record)) byFold.set(foldKey(k), k);
    lookup = (key) => {
      const existing = byFold.get(foldKey(key));
      return existing === undefined ? undefined : { key: existing, value: record[existing] };
    };
    set = (key, value) => {
      define(record, key, value);
      byFold.set(foldKey(key), key);
    };
    result = record;
  }

  for (const key of childKeys(ctx, path)) {
    const elementPath = childPath(path, key);
    const existing = lookup(key);
    const targetKey = existing?.key ?? key;
    const templateKind = kindOf(existing ? existing.value : template);
    // .NET: a null child creates a default element (and leaves an existing one alone); so does an
    // entry with children only whose element is a value type (`D:k:sub=1` for numbers: `k` is 0;
    // a string or URL entry has no default and is left out), outside `strict` (measured on .NET 10).
    if (
      ctx.root.get(elementPath) == null &&
      (!hasChildren(ctx, elementPath) || (!ctx.strict && VALUE_TYPE_KINDS.has(templateKind)))
    ) {
      if (!existing) set(targetKey, cloneDefault(template));
      continue;
    }
    const element = bindElement(ctx, elementPath, existing ? existing.value : template);
    if (element !== DROPPED) set(targetKey, element);
  }
  return result;
}

// ---- errors ------------------------------------------------------------------------------------

function errorDetails(ctx: Context, path: string): { key: string; provider?: string; source?: string } {
  const origin = ctx.root.origin(path) ?? firstOriginBelow(ctx, path);
  const details: { key: string; provider?: string; source?: string } = { key: path };
  if (origin?.provider !== undefined) details.provider = origin.provider;
  if (origin?.source !== undefined) details.source = origin.source;
  return details;
}

function firstOriginBelow(ctx: Context, path: string) {
  for (const [key] of ctx.root.getSection(path).entries()) {
    const origin = ctx.root.origin(key);
    if (origin) return origin;
  }
  return undefined;
}

/** .NET `Error_FailedBinding`, plus where the value came from; never the value itself. */
function conversionError(ctx: Context, failure: ConversionFailure): BindingError {
  const details = errorDetails(ctx, failure.path);
  return new BindingError(
    `Failed to convert configuration value at '${failure.path}' to type '${failure.targetType}' (value from ${describeOrigin(details)}).`,
    { ...details, targetType: failure.targetType },
  );
}

/** .NET `Error_MissingConfig` for `ErrorOnUnknownConfiguration`, naming full keys. */
function unknownKeysError(ctx: Context, path: string | null, keys: string[], targetType = 'object'): BindingError {
  const details = errorDetails(ctx, keys[0]!);
  const where = path === null ? 'the root defaults' : `the defaults for '${path}'`;
  return new BindingError(
    `'strict' (ErrorOnUnknownConfiguration) was set on the bind options, but the following properties were not found on ${where}: ${keys
      .map((k) => `'${k}'`)
      .join(', ')} (from ${describeOrigin(details)}).`,
    { ...details, targetType },
  );
}
