/**
 * Snapshot references: a setting of content type
 * `application/json; profile="https://azconfig.io/mime-profiles/snapshot-ref"` whose value is
 * `{"snapshot_name":"…"}` stands for every key-value of that snapshot, placed where the reference
 * is in selector order (as the official JavaScript provider does). Without this, the reference's
 * JSON would be flattened into a meaningless `<key>:snapshot_name` entry.
 */
import { ConfigurationError } from '../../core/errors.js';
import { mediaType } from './jsonValues.js';
import { describeLabel } from './selectors.js';

export const SNAPSHOT_REFERENCE_PROFILE = 'https://azconfig.io/mime-profiles/snapshot-ref';

/** `profile` compared without quotes and case, other parameters (charset) ignored. */
export function isSnapshotReference(setting: { contentType?: string | null }): boolean {
  if (mediaType(setting.contentType) !== 'application/json') return false;
  return setting
    .contentType!.split(';')
    .slice(1)
    .some((parameter) => {
      const eq = parameter.indexOf('=');
      if (eq < 0 || parameter.slice(0, eq).trim().toLowerCase() !== 'profile') return false;
      return parameter.slice(eq + 1).trim().replace(/^"|"$/g, '').toLowerCase() === SNAPSHOT_REFERENCE_PROFILE;
    });
}

/** The referenced snapshot's name; a typed error naming the setting when the value is malformed. */
export function snapshotReferenceName(setting: { key: string; label?: string | null; value?: string | null }, store: string): string {
  let name: unknown;
  try {
    name = (JSON.parse(setting.value ?? '') as { snapshot_name?: unknown } | null)?.snapshot_name;
  } catch {
    name = undefined;
  }
  if (typeof name !== 'string' || name.trim() === '') {
    throw new ConfigurationError(
      `Invalid snapshot reference '${setting.key}' ${describeLabel(setting.label)} in App Configuration store '${store}': the value must be a JSON object with a non-empty "snapshot_name".`,
      'APP_CONFIGURATION_SNAPSHOT_REFERENCE',
      { provider: 'AzureAppConfigurationProvider', source: store },
    );
  }
  return name;
}
