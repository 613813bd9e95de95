/**
 * One full load of a store: list every selector, expand snapshot references, pick the winning
 * setting per key, and map winners to entries (Key Vault references, JSON values, feature flags,
 * trimmed prefixes) in .NET's order. The provider decides when to load (start-up, a change found
 * by refresh); this module only knows how.
 *
 * Speed: selectors are listed concurrently (each one's pages follow each other, as continuation
 * tokens require), and Key Vault references start resolving as soon as their page arrives instead
 * of after the last page.
 */
import type { AppConfigurationClient, ConfigurationSetting } from '@azure/app-configuration';
import { foldKey } from '../../core/path.js';
import { providerData, type ProviderEntry } from '../../core/provider.js';
import { untilAborted } from '../../net/retry.js';
import { listSelector, type Call } from './listing.js';
import { describeLabel, type NormalizedSelector } from './selectors.js';
import { isJsonContentType, jsonSettingEntries } from './jsonValues.js';
import { featureFlagEntries, isFeatureFlag } from './featureFlags.js';
import { isSnapshotReference, snapshotReferenceName } from './snapshotReferences.js';
import { isKeyVaultReference, noCredentialError, parseKeyVaultReference, resolutionError, type SecretResolver } from './keyVaultReferences.js';
import type { AzureAppConfigurationKeyVaultOptions } from './options.js';
import type { WatchedList, Sentinel } from './refresh.js';
import { sentinelState } from './refresh.js';
import type { TokenCredential } from '@azure/core-auth';

/** What a full load leaves behind for the next refresh to compare against. */
export interface StoreState {
  data: Map<string, ProviderEntry>;
  lists: WatchedList[];
  /** The sentinel's etag at the last full load; null when it did not exist. */
  sentinelEtag?: string | null;
}

/** How one load or refresh may retry and how long it may take. */
export interface LoadContext {
  signal: AbortSignal;
  maxRetries: number;
  maxThrottledRetries?: number;
  /** Refreshes only: no `Retry-After` is waited out past this time. */
  retryAfterDeadline?: number;
  onRetry?: (error: unknown) => void;
}

/** What to load, fixed when the provider is made. */
export interface StoreLoadPlan {
  /** The store's host, as errors and provenance name it. */
  store: string;
  /** The provider's name, for errors. */
  provider: string;
  selectors: readonly NormalizedSelector[];
  featureFlagSelectors: readonly NormalizedSelector[];
  sentinel: Sentinel | undefined;
  /** Longest first (.NET sorts descending so that of two matching prefixes the longer is tried first). */
  trimPrefixes: readonly string[];
}

/**
 * Resolves the store's Key Vault references: the caller's resolver, or one `KeyVaultSecretResolver`
 * made on first use (one promise, not one check per caller: references on one page ask
 * concurrently, and two resolvers would neither share clients nor deduplicate nor bound their
 * requests together).
 */
export class StoreReferences {
  readonly #options: AzureAppConfigurationKeyVaultOptions | undefined;
  readonly #credential: TokenCredential | undefined;
  readonly #store: string;
  #resolver: SecretResolver | undefined;
  #resolverPromise: Promise<SecretResolver> | undefined;

  constructor(options: AzureAppConfigurationKeyVaultOptions | undefined, storeCredential: TokenCredential | undefined, store: string) {
    this.#options = options;
    this.#credential = options?.credential ?? storeCredential;
    this.#store = store;
  }

  #getResolver(): Promise<SecretResolver | undefined> {
    const kv = this.#options;
    if (kv?.resolver) return Promise.resolve(kv.resolver);
    const credential = this.#credential;
    if (!credential) return Promise.resolve(undefined);
    this.#resolverPromise ??= import('../keyvault/secretResolver.js').then(({ KeyVaultSecretResolver }) => {
      this.#resolver = new KeyVaultSecretResolver({
        credential,
        ...(kv?.clientOptions ? { clientOptions: kv.clientOptions } : {}),
        maxConcurrency: kv?.maxConcurrency ?? 16,
      });
      return this.#resolver;
    });
    return this.#resolverPromise;
  }

  /** Something in the store changed, so referenced secrets may have too: fetch them again. */
  clear(): void {
    (this.#options?.resolver ?? this.#resolver)?.clear?.();
  }

  async resolve(setting: ConfigurationSetting, ctx: LoadContext): Promise<ProviderEntry> {
    const { signal } = ctx;
    const reference = parseKeyVaultReference(setting, this.#store);
    const resolver = await this.#getResolver();
    if (!resolver) throw noCredentialError(setting, this.#store, reference);
    try {
      // The load's time box and dispose() hold for references too: stop waiting when the signal aborts.
      // A refresh's Retry-After budget holds for the vault as for the store.
      const options = ctx.retryAfterDeadline !== undefined ? { retryAfterDeadline: ctx.retryAfterDeadline } : undefined;
      const secret = await untilAborted(resolver.resolve(reference.secretId, options), signal);
      return {
        key: setting.key,
        value: secret.value,
        secret: true,
        source: `${this.#store} key '${setting.key}' label ${describeLabel(setting.label)} → ${reference.vaultUrl}/secrets/${reference.name}`,
      };
    } catch (error) {
      if (signal.aborted) throw error;
      throw resolutionError(error, setting, this.#store, reference);
    }
  }

  async dispose(): Promise<void> {
    await this.#resolverPromise?.catch(() => undefined);
    await this.#resolver?.dispose?.();
  }
}

/** `entry` with the first matching prefix removed (case-insensitively, once); a key trimmed to nothing is dropped. */
export function trimEntry(entry: ProviderEntry, prefixes: readonly string[]): ProviderEntry[] {
  const folded = foldKey(entry.key);
  for (const prefix of prefixes) {
    if (folded.startsWith(foldKey(prefix))) {
      const key = entry.key.slice(prefix.length);
      return key === '' ? [] : [{ ...entry, key }];
    }
  }
  return [entry];
}

/**
 * Lists every selector concurrently, starting Key Vault resolutions (`resolveReference`) as pages
 * arrive, then maps the winning settings to entries: references, JSON, feature flags, trimming.
 */
export async function loadStore(
  plan: StoreLoadPlan,
  resolveReference: (setting: ConfigurationSetting) => Promise<ProviderEntry>,
  client: AppConfigurationClient,
  call: Call,
): Promise<StoreState> {
  const resolutions = new Map<ConfigurationSetting, Promise<ProviderEntry>>();
  const onSetting = (setting: ConfigurationSetting, featureFlags: boolean): void => {
    if (featureFlags || !isKeyVaultReference(setting) || isFeatureFlag(setting)) return;
    const pending = resolveReference(setting);
    // Awaited later only if the setting wins; until then a rejection must not go unhandled.
    pending.catch(() => undefined);
    resolutions.set(setting, pending);
  };

  const { store } = plan;
  const context = { store, provider: plan.provider };
  const sentinelEtag = plan.sentinel ? sentinelState(client, plan.sentinel, undefined, call) : undefined;
  sentinelEtag?.catch(() => undefined);
  const listed = await Promise.all(
    [...plan.selectors, ...plan.featureFlagSelectors].map((selector) => listSelector(client, selector, call, onSetting, context)),
  );

  // Snapshot references expand to their snapshot's settings; each snapshot is listed once.
  const snapshots = new Map<string, Promise<ConfigurationSetting[]>>();
  for (const { selector, settings } of listed) {
    if (selector.featureFlags) continue;
    for (const setting of settings) {
      if (!isSnapshotReference(setting)) continue;
      const name = snapshotReferenceName(setting, store);
      if (!snapshots.has(name)) {
        const referenced: NormalizedSelector = { kind: 'snapshot', snapshotName: name, featureFlags: false };
        snapshots.set(name, listSelector(client, referenced, call, onSetting, context).then((l) => l.settings));
      }
    }
  }
  const expanded = new Map<string, ConfigurationSetting[]>();
  await Promise.all([...snapshots].map(async ([name, settings]) => expanded.set(name, await settings)));

  // A later selector wins per key, feature flags only from feature-flag selectors.
  const winners = new Map<string, { setting: ConfigurationSetting; featureFlag: boolean }>();
  const win = (setting: ConfigurationSetting, featureFlag: boolean): void => {
    winners.delete(setting.key);
    winners.set(setting.key, { setting, featureFlag });
  };
  const lists: WatchedList[] = [];
  for (const { selector, settings, pages } of listed) {
    const featureFlags = selector.featureFlags;
    if (selector.kind === 'keyValues') {
      lists.push({ keyFilter: selector.keyFilter, labelFilter: selector.labelFilter, tagFilters: selector.tagFilters, pages, featureFlags });
    }
    for (const setting of settings) {
      if (featureFlags !== isFeatureFlag(setting)) continue;
      if (!featureFlags && isSnapshotReference(setting)) {
        // Flags inside a referenced snapshot are ignored, as key-value selectors ignore flags.
        for (const member of expanded.get(snapshotReferenceName(setting, store)) ?? []) if (!isFeatureFlag(member)) win(member, false);
        continue;
      }
      win(setting, featureFlags);
    }
  }

  const entries: ProviderEntry[] = [];
  for (const { setting, featureFlag } of winners.values()) {
    const source = `${store} key '${setting.key}' label ${describeLabel(setting.label)}`;
    if (featureFlag) {
      for (const e of featureFlagEntries(setting, store)) entries.push({ key: e.key, value: e.value, source });
    } else if (resolutions.has(setting)) {
      entries.push(await resolutions.get(setting)!);
    } else if (isJsonContentType(setting.contentType)) {
      const flat = jsonSettingEntries(setting.key, setting.value);
      if (flat) for (const e of flat) entries.push({ key: e.key, value: e.value, source: `${source} (JSON)` });
      else entries.push({ key: setting.key, value: setting.value ?? null, source });
    } else {
      entries.push({ key: setting.key, value: setting.value ?? null, source });
    }
  }
  const trimmed = plan.trimPrefixes.length === 0 ? entries : entries.flatMap((e) => trimEntry(e, plan.trimPrefixes));
  const state: StoreState = { data: providerData(trimmed), lists };
  if (sentinelEtag) {
    const now = await sentinelEtag;
    state.sentinelEtag = now.unchanged ? null : now.etag;
  }
  return state;
}
