/**
 * `root.bind(key, shape)`, `root.bindAsync(…)`, `section.bind(shape)` and `section.bindAsync(shape)`:
 * the binder attaches these methods to the tree's classes, so the tree (`core`) never imports the
 * binder and imports keep pointing one way (binder → tree). Importing this module installs them;
 * `src/builder.ts` does, so every root a builder makes can bind. The `declare module` blocks give
 * the methods their types wherever the classes are seen.
 */
import { ConfigurationRoot } from '../core/root.js';
import { ConfigurationSection } from '../core/section.js';
import { bindShape, bindShapeAsync, type BindOptions, type BindResult } from './index.js';

declare module '../core/root.js' {
  interface ConfigurationRoot {
    /**
     * Binds the section at `key` to a typed object: with a defaults object (.NET `Bind` semantics,
     * `{ strict }` as `ErrorOnUnknownConfiguration`), with a convict schema (validated, every
     * violation at once, `sensitive` keys made secret) or with a Standard Schema validator (zod,
     * valibot, arktype: typed by its output; see docs/typed-settings.md). A `null` key binds the
     * whole tree, as .NET's `config.Bind(instance)` on the root does (`''` is a real key, not the root).
     */
    bind<const T>(key: string | null, shape: T, options?: BindOptions): BindResult<T>;
    /**
     * As `bind`, awaiting a Standard Schema validator that validates asynchronously (`bind` throws
     * `SchemaError` `ASYNC_SCHEMA` for one). The other forms bind exactly as `bind` does.
     */
    bindAsync<const T>(key: string | null, shape: T, options?: BindOptions): Promise<BindResult<T>>;
  }
}

declare module '../core/section.js' {
  interface ConfigurationSection {
    /** Binds this section with a defaults object, a convict schema or a Standard Schema, as `root.bind(path, shape)`. */
    bind<const T>(shape: T, options?: BindOptions): BindResult<T>;
    /** As `bind`, awaiting a Standard Schema validator that validates asynchronously; as `root.bindAsync(path, shape)`. */
    bindAsync<const T>(shape: T, options?: BindOptions): Promise<BindResult<T>>;
  }
}

// Typed through the interfaces above; the bodies only forward (the generic result type is bindShape's).
ConfigurationRoot.prototype.bind = function bind(this: ConfigurationRoot, key: string | null, shape: unknown, options?: BindOptions) {
  return bindShape(this, key, shape, options) as never;
};
ConfigurationRoot.prototype.bindAsync = function bindAsync(this: ConfigurationRoot, key: string | null, shape: unknown, options?: BindOptions) {
  return bindShapeAsync(this, key, shape, options) as never;
};
ConfigurationSection.prototype.bind = function bind(this: ConfigurationSection, shape: unknown, options?: BindOptions) {
  return bindShape(this.root, this.path, shape, options) as never;
};
ConfigurationSection.prototype.bindAsync = function bindAsync(this: ConfigurationSection, shape: unknown, options?: BindOptions) {
  return bindShapeAsync(this.root, this.path, shape, options) as never;
};
