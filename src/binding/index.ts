/**
 * `bind(key, shape)`: one entry point for both binders. A convict schema (see `isConvictSchema`)
 * is validated by convict; anything else is a defaults object bound with .NET's `Bind` semantics.
 */
import type { ConfigurationRoot } from '../core/root.js';
import { bindDefaults, type BindDefaultsOptions, type Bound } from './bind.js';
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

/** What `bind(key, shape)` returns: the schema's type for a convict schema, else `Bound<T>`. */
export type BindResult<T> = T extends { default: unknown }
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
  if (isConvictSchema(shape)) return bindSchema(root, path, shape, options) as BindResult<T>;
  return bindDefaults(root, path, shape, options) as BindResult<T>;
}
