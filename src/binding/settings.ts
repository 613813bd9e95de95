/**
 * `loadConfig({ schema })`'s `settings`: the whole tree validated with a convict schema or a
 * Standard Schema, re-validated after every reload. A reload whose tree no longer validates keeps
 * the last good settings and reports the `ValidationError` through `onError`, as a failed file
 * reload keeps its last good data. Views from `withOverrides` get settings of their own tree.
 */
import type { ConfigurationRoot } from '../core/root.js';
import type { OverrideValues } from '../core/overrides.js';
import { SchemaError } from '../core/errors.js';
import { validateWithSchema, type SchemaResult } from './schema.js';
import { assertUsableStandardSchema, bindStandardSchema, bindStandardSchemaAsync, claimsStandard } from './standardSchema.js';
import type { StandardSchemaV1 } from './standardSchemaSpec.js';
import { describeSchema } from './describe.js';

/** What `settings` is for a schema: the validator's output type for a Standard Schema, else convict's result. */
export type SettingsOf<S> = S extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<S> : SchemaResult<S>;

/** The root `loadConfig({ schema })` returns: `settings` is the last tree that validated, typed from the schema. */
export type ValidatedConfigurationRoot<S> = ConfigurationRoot & {
  /** The last tree that validated; `withOverrides` views get settings validated from their own tree. */
  readonly settings: SettingsOf<S>;
};

/** The name `onError` hears for a reload whose tree no longer matches the schema. */
export const SETTINGS_SOURCE = 'settings (schema validation)';

/** Validates the whole tree now; a Standard Schema may be asynchronous. */
export async function validateTree(root: ConfigurationRoot, schema: object): Promise<unknown> {
  if (claimsStandard(schema)) {
    assertUsableStandardSchema(schema, null);
    return bindStandardSchemaAsync(root, null, schema);
  }
  return validateWithSchema(root, schema);
}

/**
 * Validates the tree and gives `root` its `settings` (and a `withOverrides` whose views get theirs).
 * Throws the validation error of the first validation; later ones go to `onError`.
 */
export async function attachSettings<S extends object>(root: ConfigurationRoot, schema: S): Promise<ValidatedConfigurationRoot<S>> {
  if (claimsStandard(schema)) markDeclaredSecrets(root, schema);
  const first = await validateTree(root, schema);
  return decorate(root, schema, { ready: true, value: first });
}

/**
 * Keys a Standard Schema declares secret in its JSON Schema (zod `.meta({ sensitive: true })`,
 * `writeOnly`) are made secret in the tree, as convict's `sensitive` is. A schema that exposes no
 * JSON Schema declares none.
 */
function markDeclaredSecrets(root: ConfigurationRoot, schema: object): void {
  let settings;
  try {
    settings = describeSchema(schema);
  } catch {
    return;
  }
  for (const s of settings) if (s.secret) root.markSecret(s.key);
}

type Current = { ready: true; value: unknown } | { ready: false; error: Error };

function decorate<S extends object>(root: ConfigurationRoot, schema: S, initial: Current): ValidatedConfigurationRoot<S> {
  let current = initial;
  // A later reload's validation may finish before an earlier one's (asynchronous validators): only the newest counts.
  let started = 0;
  let applied = 0;
  // A synchronous validator re-validates inside the change notification, so listeners added
  // after loadConfig() already see the new settings; an asynchronous one swaps them when it is done.
  let knownAsync = false;
  root.onChange(() => {
    const run = ++started;
    let later: Promise<unknown>;
    try {
      if (!knownAsync) {
        const now = validateNow(root, schema);
        if (now.ready) {
          applied = run;
          current = now;
          return;
        }
        knownAsync = true;
      }
      later = validateTree(root, schema);
    } catch (error) {
      root.reportError(error, SETTINGS_SOURCE);
      return;
    }
    later.then(
      (value) => {
        if (run < applied) return;
        applied = run;
        current = { ready: true, value };
      },
      (error: unknown) => {
        if (run >= applied) root.reportError(error, SETTINGS_SOURCE);
      },
    );
  });
  const baseWithOverrides = root.withOverrides.bind(root);
  Object.defineProperties(root, {
    settings: {
      enumerable: false,
      configurable: true,
      get: () => {
        if (current.ready) return current.value;
        throw current.error;
      },
    },
    withOverrides: {
      enumerable: false,
      configurable: true,
      value: (values: OverrideValues) => {
        const view = baseWithOverrides(values);
        let first: Current;
        try {
          first = validateNow(view, schema);
        } catch (error) {
          void view.dispose();
          throw error;
        }
        return decorate(view, schema, first);
      },
    },
  });
  return root as ValidatedConfigurationRoot<S>;
}

/**
 * A view's first validation, done before `withOverrides` returns so that a test sees a bad override
 * at once. An asynchronous validator cannot finish by then: the view's `settings` then throws
 * `ASYNC_SCHEMA`, and `await view.bindAsync(null, schema)` gives them.
 */
function validateNow(view: ConfigurationRoot, schema: object): Current {
  if (!claimsStandard(schema)) return { ready: true, value: validateWithSchema(view, schema) };
  assertUsableStandardSchema(schema, null);
  try {
    return { ready: true, value: bindStandardSchema(view, null, schema) };
  } catch (error) {
    if (!(error instanceof SchemaError) || error.code !== 'ASYNC_SCHEMA') throw error;
    return {
      ready: false,
      error: new SchemaError(
        'The schema validates asynchronously, so a view from withOverrides() cannot validate it before returning: use `await view.bindAsync(null, schema)` for its settings.',
        'ASYNC_SCHEMA',
      ),
    };
  }
}
