/**
 * `bind(key, shape)`: one entry point for the binders. A Standard Schema validator (zod, valibot,
 * arktype: see `standardSchema.ts`) validates the section's strings; a convict schema (see
 * `isConvictSchema`) is validated by convict; anything else is a defaults object bound with .NET's
 * `Bind` semantics.
 */
import type { ConfigurationRoot } from '../core/root.js';
import { SchemaError } from '../core/errors.js';
import { bindDefaults, type BindDefaultsOptions, type Bound } from './bind.js';
import { assertUsableStandardSchema, bindStandardSchema, bindStandardSchemaAsync, claimsStandard } from './standardSchema.js';
import type { StandardSchemaV1 } from './standardSchemaSpec.js';
import {
  bindSchema,
  isConvictConfig,
  isConvictSchema,
  type IsConvictSchema,
  type SchemaBindOptions,
  type SchemaLeafType,
  type SchemaResult,
} from './schema.js';

/** `strict` applies to both forms; `allowed` and `output` only to convict schemas. */
export type BindOptions = BindDefaultsOptions & SchemaBindOptions;

/** What `bind(key, shape)` returns: a Standard Schema's output type, the schema's type for a convict schema, else `Bound<T>`. */
export type BindResult<T> = T extends StandardSchemaV1
  ? StandardSchemaV1.InferOutput<T>
  : T extends { default: unknown }
  ? SchemaLeafType<T>
  : IsConvictSchema<T> extends true
    ? SchemaResult<T>
    : Bound<T>;

/** Binds the section at `path` (null: the whole tree) with a defaults object or a convict schema. */
export function bindShape<T>(root: ConfigurationRoot, path: string | null, shape: T, options: BindOptions = {}): BindResult<T> {
  if (isConvictConfig(shape)) {
    throw new TypeError(
      'bind() takes a convict schema object, not a convict Config instance: the configuration tree is the only source of values.',
    );
  }
  // A Standard Schema first: a zod schema has a `default` method, which would look like a convict leaf.
  if (claimsStandard(shape)) {
    assertUsableStandardSchema(shape, path);
    return bindStandardSchema(root, path, shape) as BindResult<T>;
  }
  rejectUnknownForm(shape, path);
  if (isConvictSchema(shape)) return bindSchema(root, path, shape, options) as BindResult<T>;
  return bindDefaults(root, path, shape, options) as BindResult<T>;
}

/**
 * As `bindShape`, awaiting a Standard Schema validator that validates asynchronously; the other
 * forms bind as `bindShape` does.
 */
export async function bindShapeAsync<T>(root: ConfigurationRoot, path: string | null, shape: T, options: BindOptions = {}): Promise<BindResult<T>> {
  if (claimsStandard(shape)) {
    assertUsableStandardSchema(shape, path);
    const value: unknown = await bindStandardSchemaAsync(root, path, shape as StandardSchemaV1);
    return value as BindResult<T>;
  }
  const bound: unknown = bindShape(root, path, shape, options);
  return bound as BindResult<T>;
}

/**
 * Shapes that are none of the accepted forms, which binding as defaults would silently turn into
 * `{}`: a Promise (a schema not awaited), and a validator object that does not implement Standard
 * Schema v1 (Joi, zod 3 before 3.24: a class instance with `validate`/`parse`/`safeParse` methods).
 */
function rejectUnknownForm(shape: unknown, path: string | null): void {
  if ((typeof shape !== 'object' && typeof shape !== 'function') || shape === null) return;
  const has = (name: string) => typeof (shape as Record<string, unknown>)[name] === 'function';
  const accepted = 'bind() takes a defaults object, a convict schema or a Standard Schema v1 validator (zod 3.24+, valibot 1, arktype 2…).';
  const where = `Cannot bind '${path ?? '(the whole configuration)'}'`;
  const details = path === null ? {} : { key: path };
  if (has('then')) throw new SchemaError(`${where} with a Promise: await the schema first. ${accepted}`, 'INVALID_SCHEMA', details);
  const plain = typeof shape === 'object' && (Object.getPrototypeOf(shape) === Object.prototype || Object.getPrototypeOf(shape) === null);
  if (!plain && (has('validate') || has('parse') || has('safeParse'))) {
    throw new SchemaError(`${where}: the object looks like a validator but does not implement Standard Schema v1 (no '~standard' property). ${accepted}`, 'INVALID_SCHEMA', details);
  }
}
