/**
 * `config.withOverrides(values)`: a view of a tree with an in-memory layer on top, for tests.
 *
 * The view is a root of its own whose lower layers mirror the original's providers: it reads
 * their current data (no source is read twice), follows the original's reloads, and never
 * disposes or reloads what it shares. Nothing is written to the original or to `process.env`.
 */
import { DuplicateKeyError, OverrideError } from './errors.js';
import { foldKey } from './path.js';
import type { ConfigurationProvider, ProviderData, ProviderEntry } from './provider.js';
import { ConfigurationRoot } from './root.js';

/** Keys (any case, `:`-separated) → the value each should read as; `null` sets the key to null. */
export type OverrideValues = Readonly<Record<string, string | null>> | ReadonlyMap<string, string | null>;

/** The name the override layer has in `explain()`, `debugView()` and errors. */
export const OVERRIDES_PROVIDER_NAME = 'OverridesConfigurationProvider';

/** The override layer's data; a value that is not a string or null is an `OverrideError` naming its key. */
export function overrideData(values: OverrideValues): ProviderData {
  const pairs: Array<readonly [string, unknown]> = values instanceof Map ? [...values] : Object.keys(values).map((k) => [k, (values as Record<string, unknown>)[k]] as const);
  const data = new Map<string, ProviderEntry>();
  for (const [key, value] of pairs) {
    if (value !== null && typeof value !== 'string') {
      // The type, never the value: a test may pass a real secret.
      const type = value === undefined ? 'undefined' : Array.isArray(value) ? 'an array' : typeof value;
      throw new OverrideError(
        `The override for '${key}' is ${type === 'undefined' ? 'undefined' : `of type ${type}`}: configuration values are strings (or null), so write it as text (e.g. '6380', 'true').`,
        { key, provider: OVERRIDES_PROVIDER_NAME },
      );
    }
    const folded = foldKey(key);
    const earlier = data.get(folded);
    if (earlier) {
      throw new DuplicateKeyError(`The overrides set '${key}' twice (as '${earlier.key}' too: keys compare case-insensitively).`, {
        key,
        provider: OVERRIDES_PROVIDER_NAME,
      });
    }
    data.set(folded, { key, value, source: 'withOverrides' });
  }
  return data;
}

/**
 * A provider's data as the view holds it: entries the original treats as secret (a convict
 * `sensitive` key, for instance, which the view's own rules would not know) are marked secret.
 */
function mirrored(original: ConfigurationRoot, data: ProviderData): ProviderData {
  let copy: Map<string, ProviderEntry> | undefined;
  for (const [folded, entry] of data) {
    if (entry.secret === true || !original.isSecret(entry.key)) continue;
    copy ??= new Map(data);
    copy.set(folded, { ...entry, secret: true });
  }
  return copy ?? data;
}

/** Creates the view; `ConfigurationRoot.withOverrides` calls it. */
export function createOverrideView(original: ConfigurationRoot, values: OverrideValues): ConfigurationRoot {
  const overrides = overrideData(values);
  const current = (): ProviderData[] => original.layerData().map((data) => mirrored(original, data));
  let unsubscribe: (() => void) | undefined;
  const mirrors: ConfigurationProvider[] = original.providers.map((provider, i) => ({
    name: provider.name,
    ...(provider.secret === true ? { secret: true } : {}),
    // The view's own reload() re-reads nothing: it takes the original's current data again.
    load: async () => mirrored(original, original.layerData()[i]!),
  }));
  const layer: ConfigurationProvider = {
    name: OVERRIDES_PROVIDER_NAME,
    load: async () => overrides,
    // Disposing the view stops following the original; the shared providers stay untouched.
    dispose: () => unsubscribe?.(),
  };
  const view = new ConfigurationRoot([...mirrors, layer], [...current(), overrides]);
  unsubscribe = original.onChange(() => view.replaceLayerData(current()));
  return view;
}
