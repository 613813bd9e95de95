/**
 * Settings whose content type is JSON are flattened under their key. The flattening itself is the
 * shared parser's App Configuration mode (`flattenJsonSetting`: `{}`/`[]` give no key, duplicate
 * properties last-wins, no trailing commas, numbers as written); this module decides which
 * content types count, as the .NET provider's `ContentTypeExtensions` does.
 */
import { flattenJsonSetting, type JsonEntry } from '../../parsers/json.js';

export const KEY_VAULT_REFERENCE_MEDIA_TYPE = 'application/vnd.microsoft.appconfig.keyvaultref+json';
export const FEATURE_FLAG_MEDIA_TYPE = 'application/vnd.microsoft.appconfig.ff+json';

/** The media type without parameters, lower-cased: `application/json; charset=utf-8` → `application/json`. */
export function mediaType(contentType: string | null | undefined): string | undefined {
  if (!contentType) return undefined;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return type === '' ? undefined : type;
}

/**
 * `application/json` or `application/<anything>+json` (any `+` segment equal to `json`), except
 * the feature-flag and Key Vault reference types. `text/json` and bare `json` are not JSON here.
 */
export function isJsonContentType(contentType: string | null | undefined): boolean {
  const type = mediaType(contentType);
  if (!type || type === KEY_VAULT_REFERENCE_MEDIA_TYPE || type === FEATURE_FLAG_MEDIA_TYPE) return false;
  const slash = type.indexOf('/');
  if (slash < 0 || type.slice(0, slash) !== 'application') return false;
  return type.slice(slash + 1).split('+').includes('json');
}

/**
 * The entries a JSON setting contributes, or `undefined` when its value is kept as is: a blank
 * value, or text that is not valid JSON (App Configuration keeps it as the raw string).
 */
export function jsonSettingEntries(key: string, value: string | null | undefined): JsonEntry[] | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  return flattenJsonSetting(key, value);
}
