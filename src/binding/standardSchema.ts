/**
 * Binding with any Standard Schema v1 validator (zod, valibot, arktype…): the section is handed
 * to the validator as plain strings, and its issues come back as one `ValidationError` with each
 * key in `:` form and the provider that set it, never a value.
 *
 * Keys: a Standard Schema does not expose the keys it reads, so the objects given to it match
 * property names case-insensitively on every read (`input.port` finds `Port`), as the tree does.
 */
import { SchemaError, ValidationError, type Violation } from '../core/errors.js';
import { combinePath, foldKey } from '../core/path.js';
import type { ConfigurationRoot } from '../core/root.js';
import type { StandardSchemaV1 } from './standardSchemaSpec.js';
import { validationFailure } from './violations.js';
import { scrubValues } from './scrubIssue.js';

/** True for a Standard Schema v1 validator: an object or function whose `~standard` has `version: 1` and `validate`. */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const props = (value as { '~standard'?: unknown })['~standard'];
  return (
    typeof props === 'object' &&
    props !== null &&
    (props as { version?: unknown }).version === 1 &&
    typeof (props as { validate?: unknown }).validate === 'function'
  );
}

/** Has a `~standard` property, whether or not it is a usable v1 validator. */
export function claimsStandard(value: unknown): boolean {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && '~standard' in value;
}

/** The key an error names for a bind at `path` (null: the whole tree). */
function keyName(path: string | null): string {
  return path === null ? '(the whole configuration)' : path;
}

/** Throws the typed error for a `~standard` object that is not a Standard Schema v1 validator. */
export function assertUsableStandardSchema(value: unknown, path: string | null): asserts value is StandardSchemaV1 {
  if (isStandardSchema(value)) return;
  const props = (value as { '~standard'?: { version?: unknown; validate?: unknown } })['~standard'];
  const why =
    typeof props !== 'object' || props === null
      ? '`~standard` is not an object'
      : props.version !== 1
        ? `it declares Standard Schema version ${JSON.stringify(props.version ?? null)}, and only version 1 is supported`
        : '`~standard.validate` is not a function (a Standard JSON Schema alone cannot validate)';
  throw new SchemaError(`Cannot bind '${keyName(path)}' with this schema: ${why}.`, 'INVALID_SCHEMA', path === null ? {} : { key: path });
}

// ---- the input: the section as plain strings ----------------------------------------------------

/**
 * Where each container of the input came from, so an issue's path (in the schema's spelling, with
 * array indexes) maps back to the configuration's keys.
 */
interface Built {
  readonly input: unknown;
  /** Input container → (folded child name or array index → configuration key). */
  readonly keys: WeakMap<object, Map<string, string>>;
}

const INTEGER = /^(?:0|[1-9][0-9]*)$/;

/**
 * The section at `path` as the validator sees it: a string (or null) for a leaf, an array when
 * every child is `0, 1, 2…` (elements in key order, as the binder reads arrays), otherwise an
 * object whose properties are found case-insensitively. `undefined` when the section does not exist.
 */
export function sectionInput(root: ConfigurationRoot, path: string | null): Built {
  const keys = new WeakMap<object, Map<string, string>>();
  const build = (at: string | null): unknown => {
    const children = (at === null ? root.getChildren() : root.getSection(at).getChildren()).map((s) => s.key);
    if (children.length === 0) return at === null ? caseInsensitive({}, new Map(), keys) : root.get(at);
    const names = new Map<string, string>();
    if (children.every((c) => INTEGER.test(c))) {
      const array = children.map((c, i) => {
        const full = at === null ? c : combinePath(at, c);
        names.set(String(i), full);
        return build(full);
      });
      keys.set(array, names);
      return array;
    }
    // A plain object, as a validator expects (some check the prototype); keys are defined, never assigned.
    const target: Record<string, unknown> = {};
    for (const c of children) {
      const full = at === null ? c : combinePath(at, c);
      names.set(foldKey(c), full);
      Object.defineProperty(target, c, { value: build(full), writable: true, enumerable: true, configurable: true });
    }
    return caseInsensitive(target, names, keys);
  };
  return { input: build(path), keys };
}

/** Our case-insensitive input objects → the plain objects behind them, to hand back unwrapped. */
const targets = new WeakMap<object, Record<string, unknown>>();

/**
 * A proxy over `target` whose properties are found whatever their case (zod reads `input.port`;
 * the tree says `Port`). A property read in another case takes that spelling: the validator reads
 * the names its schema declares, so a validator that returns (part of) its input, as arktype does,
 * returns the schema's spelling. Writes are allowed (arktype morphs in place): the input is built
 * afresh for every validation, so they never reach the tree.
 */
function caseInsensitive(target: Record<string, unknown>, names: Map<string, string>, keys: WeakMap<object, Map<string, string>>): object {
  const byFolded = new Map<string, string>();
  for (const own of Object.keys(target)) byFolded.set(foldKey(own), own);
  const resolve = (prop: string | symbol): string | symbol => {
    if (typeof prop !== 'string') return prop;
    const folded = foldKey(prop);
    const own = byFolded.get(folded);
    if (own === undefined || own === prop) return prop;
    const descriptor = Object.getOwnPropertyDescriptor(target, own)!;
    delete target[own];
    Object.defineProperty(target, prop, descriptor);
    byFolded.set(folded, prop);
    return prop;
  };
  const proxy = new Proxy(target, {
    get: (t, prop) => Reflect.get(t, resolve(prop)),
    has: (t, prop) => Reflect.has(t, resolve(prop)),
    getOwnPropertyDescriptor: (t, prop) => Reflect.getOwnPropertyDescriptor(t, resolve(prop)),
    set: (t, prop, value) => {
      const key = resolve(prop);
      if (typeof key === 'string') byFolded.set(foldKey(key), key);
      // defineProperty, never assignment: a key named `__proto__` stays an own property.
      return Reflect.defineProperty(t, key, { value, writable: true, enumerable: true, configurable: true });
    },
    defineProperty: (t, prop, descriptor) => {
      const key = resolve(prop);
      if (typeof key === 'string') byFolded.set(foldKey(key), key);
      return Reflect.defineProperty(t, key, descriptor);
    },
    deleteProperty: (t, prop) => {
      const key = resolve(prop);
      if (typeof key === 'string') byFolded.delete(foldKey(key));
      return Reflect.deleteProperty(t, key);
    },
  });
  keys.set(proxy, names);
  targets.set(proxy, target);
  return proxy;
}

/** A validator's output with every input proxy it passed through replaced by the plain object behind it. */
function unwrap(value: unknown, seen = new Set<object>()): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const target = targets.get(value) ?? value;
  if (seen.has(target)) return target;
  seen.add(target);
  if (Array.isArray(target)) {
    for (let i = 0; i < target.length; i++) {
      const plain = unwrap(target[i], seen);
      // only where something changed: an output may hold frozen defaults
      if (plain !== target[i]) target[i] = plain;
    }
  } else if (Object.getPrototypeOf(target) === Object.prototype || Object.getPrototypeOf(target) === null) {
    for (const key of Object.keys(target)) {
      const inner = (target as Record<string, unknown>)[key];
      const plain = unwrap(inner, seen);
      if (plain !== inner) Object.defineProperty(target, key, { value: plain, writable: true, enumerable: true, configurable: true });
    }
  }
  return target;
}

// ---- validating -----------------------------------------------------------------------------------

type Outcome<O> = { ok: true; value: O } | { ok: false; error: Error };

/**
 * Validates the section at `path` with `schema`, synchronously: returns the validator's output,
 * throws `ValidationError` (every issue), or `SchemaError` (`ASYNC_SCHEMA` when the validator
 * returns a Promise: use `bindStandardSchemaAsync`).
 */
export function bindStandardSchema<S extends StandardSchemaV1>(root: ConfigurationRoot, path: string | null, schema: S): StandardSchemaV1.InferOutput<S> {
  const built = sectionInput(root, path);
  const result = runValidate(schema, built.input, path, root);
  if (isThenable(result)) {
    // Nobody will await it: keep a late rejection from becoming an unhandled one.
    Promise.resolve(result).catch(() => {});
    throw new SchemaError(
      `The schema for '${keyName(path)}' validates asynchronously: use \`await config.bindAsync(key, schema)\` (or \`section.bindAsync(schema)\`) instead of bind().`,
      'ASYNC_SCHEMA',
      path === null ? {} : { key: path },
    );
  }
  const outcome = interpret<StandardSchemaV1.InferOutput<S>>(result, root, path, built);
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

/** As `bindStandardSchema`, awaiting an asynchronous validator. */
export async function bindStandardSchemaAsync<S extends StandardSchemaV1>(
  root: ConfigurationRoot,
  path: string | null,
  schema: S,
): Promise<StandardSchemaV1.InferOutput<S>> {
  const built = sectionInput(root, path);
  let result: unknown = runValidate(schema, built.input, path, root);
  if (isThenable(result)) {
    try {
      result = await result;
    } catch (error) {
      throw threw(error, root, path);
    }
  }
  const outcome = interpret<StandardSchemaV1.InferOutput<S>>(result, root, path, built);
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

function runValidate(schema: StandardSchemaV1, input: unknown, path: string | null, root: ConfigurationRoot): unknown {
  try {
    return schema['~standard'].validate(input);
  } catch (error) {
    throw threw(error, root, path);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** A validator that threw: a typed error naming the key; its message kept only with every value scrubbed out, no cause. */
function threw(error: unknown, root: ConfigurationRoot, path: string | null): SchemaError {
  const raw = error instanceof Error ? error.message : String(error);
  const message = scrubValues(raw, valuesBelow(root, path));
  return new SchemaError(`The schema for '${keyName(path)}' threw instead of returning a result: ${message}`, 'SCHEMA_THREW', path === null ? {} : { key: path });
}

function interpret<O>(result: unknown, root: ConfigurationRoot, path: string | null, built: Built): Outcome<O> {
  if (typeof result !== 'object' || result === null) return { ok: false, error: badResult(path) };
  const { issues } = result as { issues?: unknown };
  if (issues) {
    if (!Array.isArray(issues) || issues.length === 0) return { ok: false, error: badResult(path) };
    return { ok: false, error: toValidationError(issues as StandardSchemaV1.Issue[], root, path, built) };
  }
  if (!('value' in result)) return { ok: false, error: badResult(path) };
  return { ok: true, value: unwrap((result as { value: O }).value) as O };
}

function badResult(path: string | null): SchemaError {
  return new SchemaError(
    `The schema for '${keyName(path)}' returned neither a value nor issues from ~standard.validate(), which a Standard Schema v1 validator must.`,
    'SCHEMA_RESULT',
    path === null ? {} : { key: path },
  );
}

// ---- issues → violations ----------------------------------------------------------------------------

function segmentKey(segment: PropertyKey | StandardSchemaV1.PathSegment): PropertyKey {
  return typeof segment === 'object' && segment !== null ? segment.key : segment;
}

/** The configuration key an issue's path points at, spelled as the configuration spells it where it exists. */
export function issueKey(path: string | null, issuePath: ReadonlyArray<PropertyKey | StandardSchemaV1.PathSegment> | undefined, built: Built): string | null {
  let key = path;
  let container: unknown = built.input;
  for (const raw of issuePath ?? []) {
    const segment = String(segmentKey(raw));
    const names = typeof container === 'object' && container !== null ? built.keys.get(container) : undefined;
    const known = names?.get(Array.isArray(container) ? segment : foldKey(segment));
    key = known ?? (key === null ? segment : combinePath(key, segment));
    container = typeof container === 'object' && container !== null ? (container as Record<string, unknown>)[segment] : undefined;
  }
  return key;
}

/** Every string value at `path` and below (null: the whole tree). */
function valuesBelow(root: ConfigurationRoot, path: string | null): string[] {
  const out: string[] = [];
  const entries = path === null ? root.entries() : root.getSection(path).entries();
  for (const [, value] of entries) if (typeof value === 'string') out.push(value);
  return out;
}

/** Every secret string value at `path` and below. */
function secretValuesBelow(root: ConfigurationRoot, path: string | null): string[] {
  const entries = path === null ? root.entries() : root.getSection(path).entries();
  const out: string[] = [];
  for (const [key, value] of entries) if (typeof value === 'string' && root.isSecret(key)) out.push(value);
  return out;
}

function toValidationError(issues: readonly StandardSchemaV1.Issue[], root: ConfigurationRoot, path: string | null, built: Built): ValidationError {
  // A message loses every value at and below its key (a refinement on an object may quote any of
  // its members; a value need not be secret by name to be private) and every secret value of the
  // bound section (a refinement may compare two keys).
  const secretValues = secretValuesBelow(root, path);
  const violations: Violation[] = issues.map((issue) => {
    const key = issueKey(path, issue.path, built);
    const message = scrubValues(String(issue?.message ?? 'invalid'), [...valuesBelow(root, key), ...secretValues]);
    return { key: key ?? '(the whole configuration)', message };
  });
  return validationFailure(root, violations);
}
