/**
 * Which settings a store contributes: key/label selectors and snapshot selectors, normalized the
 * way the .NET provider's `Select` does (default key `*` with no label, also for an empty list, a
 * blank label meaning no label, `*` and `,` refused in labels, tag filters `name=value`, a repeated
 * selector moved to the end), with the JavaScript provider's messages where .NET's are generic.
 */
import { ConfigurationError } from '../../core/errors.js';

/** App Configuration's "no label" filter value. */
export const NO_LABEL = '\0';
export const FEATURE_FLAG_PREFIX = '.appconfig.featureflag/';

export interface KeyValueSelector {
  /** `App:*` (prefix), `App:Name` (exact) or `a,b` (up to 5 names); reserved `*`, `,`, `\` escaped with `\`. */
  keyFilter: string;
  /** An exact label; default: no label. `*` and `,` are not allowed (as .NET). */
  labelFilter?: string;
  /** `name=value` tag filters, ANDed. */
  tagFilters?: string[];
}

export interface SnapshotSelector {
  snapshotName: string;
}

export type SettingSelector = KeyValueSelector | SnapshotSelector;

/** A selector after validation; `featureFlags` selectors take only feature flags, the others only key-values. */
export type NormalizedSelector =
  | { kind: 'keyValues'; keyFilter: string; labelFilter: string; tagFilters: string[]; featureFlags: boolean }
  | { kind: 'snapshot'; snapshotName: string; featureFlags: boolean };

export function isSnapshotSelector(selector: SettingSelector): selector is SnapshotSelector {
  return typeof (selector as SnapshotSelector).snapshotName === 'string';
}

function optionsError(message: string): ConfigurationError {
  return new ConfigurationError(message, 'INVALID_OPTIONS', { provider: 'AzureAppConfigurationProvider' });
}

/** .NET's check: a tag filter is `name=value` with a non-empty name (the value may hold `=`). */
function validateTagFilters(tagFilters: readonly string[] | undefined): string[] {
  for (const tag of tagFilters ?? []) {
    if (typeof tag !== 'string' || tag.indexOf('=') <= 0) {
      throw optionsError(`Tag filter '${String(tag)}' does not follow the format "tagName=tagValue".`);
    }
  }
  return [...(tagFilters ?? [])];
}

const KEY_FILTER_MISSING = 'Key filter cannot be null or empty.';

function normalizeLabel(label: string | undefined): string {
  if (label === undefined || label.trim() === '') return NO_LABEL;
  if (label.includes('*') || label.includes(',')) {
    throw optionsError("The characters '*' and ',' are not supported in label filters.");
  }
  return label;
}

function identity(s: NormalizedSelector): string {
  return s.kind === 'snapshot' ? `snapshot\n${s.snapshotName}` : `kv\n${s.keyFilter}\n${s.labelFilter}\n${s.tagFilters.join('\n')}`;
}

/** .NET's `AppendUnique`: selecting the same thing again moves it to the end, where it wins. */
function appendUnique(list: NormalizedSelector[], selector: NormalizedSelector): void {
  const at = list.findIndex((s) => identity(s) === identity(selector));
  if (at >= 0) list.splice(at, 1);
  list.push(selector);
}

/** A snapshot selector, alone (the JavaScript provider's rule and message). */
function snapshotSelector(selector: SnapshotSelector, featureFlags: boolean): NormalizedSelector {
  const other = selector as Partial<KeyValueSelector>;
  if (other.keyFilter !== undefined || other.labelFilter !== undefined || other.tagFilters !== undefined) {
    throw optionsError('Key, label or tag filters should not be specified while selecting a snapshot.');
  }
  if (selector.snapshotName.trim() === '') throw optionsError('A snapshot name cannot be empty.');
  return { kind: 'snapshot', snapshotName: selector.snapshotName, featureFlags };
}

/** Key-value selectors; none given (or an empty list) means every key with no label. */
export function normalizeSelectors(selectors: readonly SettingSelector[] | undefined): NormalizedSelector[] {
  const out: NormalizedSelector[] = [];
  for (const selector of selectors && selectors.length > 0 ? selectors : [{ keyFilter: '*' }]) {
    if (isSnapshotSelector(selector)) {
      appendUnique(out, snapshotSelector(selector, false));
      continue;
    }
    if (typeof selector.keyFilter !== 'string' || selector.keyFilter === '') throw optionsError(KEY_FILTER_MISSING);
    appendUnique(out, {
      kind: 'keyValues',
      keyFilter: selector.keyFilter,
      labelFilter: normalizeLabel(selector.labelFilter),
      tagFilters: validateTagFilters(selector.tagFilters),
      featureFlags: false,
    });
  }
  return out;
}

/**
 * Feature-flag selectors: `true` selects every flag with no label (.NET `UseFeatureFlags()`); a
 * selector's key filter is a flag-id filter, prefixed with `.appconfig.featureflag/` here; a
 * snapshot selector takes the flags in the snapshot (as the JavaScript provider does).
 */
export function normalizeFeatureFlagSelectors(option: boolean | { selectors?: readonly SettingSelector[] } | undefined): NormalizedSelector[] {
  if (!option) return [];
  const selectors = option === true || !option.selectors || option.selectors.length === 0 ? [{ keyFilter: '*' }] : option.selectors;
  const out: NormalizedSelector[] = [];
  for (const selector of selectors) {
    if (isSnapshotSelector(selector)) {
      appendUnique(out, snapshotSelector(selector, true));
      continue;
    }
    if (typeof selector.keyFilter !== 'string' || selector.keyFilter === '') throw optionsError(KEY_FILTER_MISSING);
    appendUnique(out, {
      kind: 'keyValues',
      // Each name of a comma list gets the marker; an escaped `\,` is part of a name, not a separator.
      keyFilter: selector.keyFilter
        .split(/(?<!\\),/)
        .map((part) => `${FEATURE_FLAG_PREFIX}${part.trim()}`)
        .join(','),
      labelFilter: normalizeLabel(selector.labelFilter),
      tagFilters: validateTagFilters(selector.tagFilters),
      featureFlags: true,
    });
  }
  return out;
}

/** How a label shows in messages and provenance. */
export function describeLabel(label: string | null | undefined): string {
  return label === null || label === undefined || label === '' || label === NO_LABEL ? '(no label)' : `'${label}'`;
}
