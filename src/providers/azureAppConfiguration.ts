/**
 * Azure App Configuration as one layer of the tree. This file wires the concerns in
 * `azure/appconfig/` together (selectors, JSON values, feature flags, Key Vault references,
 * refresh) around `@azure/app-configuration`, which is imported only when the provider first loads.
 *
 * Speed comes from three choices: selectors are listed concurrently (each one's pages follow each
 * other, as continuation tokens require), Key Vault references start resolving as soon as their
 * page arrives instead of after the last page, and an unchanged store is detected with conditional
 * requests sent in parallel (see `refresh.ts`).
 */
import { setMaxListeners } from 'node:events';
import type { TokenCredential } from '@azure/core-auth';
import type { AppConfigurationClient, AppConfigurationClientOptions, ConfigurationSetting } from '@azure/app-configuration';
import type { SecretClientOptions } from '@azure/keyvault-secrets';
import { ConfigurationError } from '../core/errors.js';
import { providerData, type ConfigurationProvider, type ProviderData, type ProviderEntry, type ProviderWatchSink } from '../core/provider.js';
import { foldKey } from '../core/path.js';
import { isTransientError, MAX_TIMER_MS, untilAborted, withRetry } from '../azure/retry.js';
import { SerialQueue } from '../azure/concurrency.js';
import { listSelector, type Call } from '../azure/appconfig/listing.js';
import { appConfigurationError, startupTimeoutError } from '../azure/appconfig/errors.js';
import {
  describeLabel,
  normalizeFeatureFlagSelectors,
  normalizeSelectors,
  type KeyValueSelector,
  type NormalizedSelector,
  type SettingSelector,
} from '../azure/appconfig/selectors.js';
import { isJsonContentType, jsonSettingEntries } from '../azure/appconfig/jsonValues.js';
import { featureFlagEntries, isFeatureFlag } from '../azure/appconfig/featureFlags.js';
import { isSnapshotReference, snapshotReferenceName } from '../azure/appconfig/snapshotReferences.js';
import {
  isKeyVaultReference,
  noCredentialError,
  parseKeyVaultReference,
  resolutionError,
  type SecretResolver,
} from '../azure/appconfig/keyVaultReferences.js';
import {
  pagesChanged,
  refreshBackoffMs,
  refreshIntervalMs,
  refreshRetryAfterLimitMs,
  sentinelState,
  type RefreshOptions,
  type Sentinel,
  type WatchedList,
} from '../azure/appconfig/refresh.js';

export interface AzureAppConfigurationKeyVaultOptions {
  /** The credential for the vaults references point to. Default: the store's `credential`. */
  credential?: TokenCredential;
  /** Passed to each `SecretClient`. */
  clientOptions?: SecretClientOptions;
  /** Secrets resolved at once. Default 16 (.NET). */
  maxConcurrency?: number;
  /** Resolves references instead of Key Vault clients (tests, custom secret stores). */
  resolver?: SecretResolver;
}

export interface AzureAppConfigurationOptions {
  /** `https://<store>.azconfig.io`, used with `credential`. */
  endpoint?: string | URL;
  credential?: TokenCredential;
  /** `Endpoint=…;Id=…;Secret=…` (HMAC); instead of endpoint + credential. */
  connectionString?: string;
  /** Passed to `AppConfigurationClient`; SDK retries are off unless set here (one retry layer). */
  clientOptions?: AppConfigurationClientOptions;
  /** Default: every key with no label. A later selector wins per key. */
  selectors?: SettingSelector[];
  /** Removed from the start of keys (case-insensitively, longest first, once), after JSON and feature-flag mapping. */
  trimKeyPrefixes?: string[];
  /** How Key Vault references are resolved. */
  keyVault?: AzureAppConfigurationKeyVaultOptions;
  /** `true` loads every feature flag with no label into `FeatureManagement:<id>`. */
  featureFlags?: boolean | { selectors?: KeyValueSelector[] };
  /** Poll for changes (default every 30 s) by a sentinel key or, without one, by page etags. */
  refresh?: boolean | RefreshOptions;
  /** Time box for the first load, retries included. Default 100 s (.NET). */
  startupTimeoutMs?: number;
  /** A store that cannot be loaded at start-up logs a warning and contributes nothing. */
  optional?: boolean;
  /** Where the optional-store warning goes. Default `process.emitWarning`. */
  logger?: { warn(message: string): void };
  /** Parallel conditional requests when watching every page. Default 16. */
  refreshConcurrency?: number;
}

export const DEFAULT_STARTUP_TIMEOUT_MS = 100_000;

interface State {
  data: Map<string, ProviderEntry>;
  lists: WatchedList[];
  /** The sentinel's etag at the last full load; null when it did not exist. */
  sentinelEtag?: string | null;
}

interface LoadContext {
  signal: AbortSignal;
  maxRetries: number;
  /** Refreshes only: no `Retry-After` is waited out past this time. */
  retryAfterDeadline?: number;
  onRetry?: (error: unknown) => void;
}

/** The store's host for names and messages, read without ever echoing the connection string. */
function storeOf(options: AzureAppConfigurationOptions): { endpoint: string; host: string } {
  const fail = (message: string): never => {
    throw new ConfigurationError(message, 'INVALID_OPTIONS', { provider: 'AzureAppConfigurationProvider' });
  };
  let endpoint: string | undefined;
  if (options.connectionString !== undefined) {
    if (options.endpoint !== undefined) fail('Give either a connection string or an endpoint, not both.');
    const part = options.connectionString.split(';').find((p) => /^\s*endpoint\s*=/i.test(p));
    const hasId = /(^|;)\s*id\s*=/i.test(options.connectionString);
    const hasSecret = /(^|;)\s*secret\s*=/i.test(options.connectionString);
    if (!part || !hasId || !hasSecret) fail('The App Configuration connection string must have the form Endpoint=…;Id=…;Secret=….');
    endpoint = part!.slice(part!.indexOf('=') + 1).trim();
  } else if (options.endpoint !== undefined) {
    endpoint = String(options.endpoint);
    if (!options.credential) fail(`An endpoint needs a credential (App Configuration store '${endpoint}').`);
  } else {
    fail('Azure App Configuration needs an endpoint and credential, or a connection string.');
  }
  let url: URL;
  try {
    url = new URL(endpoint!);
  } catch {
    return fail('The App Configuration endpoint is not an absolute URL.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail('The App Configuration endpoint must be an http(s) URL.');
  return { endpoint: url.origin, host: url.host };
}

export class AzureAppConfigurationProvider implements ConfigurationProvider {
  readonly name: string;
  /** The store's host (`demo.azconfig.io`), as errors and provenance name it. */
  readonly store: string;
  readonly #options: AzureAppConfigurationOptions;
  readonly #endpoint: string;
  readonly #selectors: NormalizedSelector[];
  readonly #featureFlagSelectors: NormalizedSelector[];
  readonly #trimPrefixes: string[];
  readonly #intervalMs: number | undefined;
  readonly #sentinel: Sentinel | undefined;
  readonly #abort = new AbortController();
  #client: Promise<AppConfigurationClient> | undefined;
  #resolver: SecretResolver | undefined;
  #resolverPromise: Promise<SecretResolver> | undefined;
  #state: State | undefined;
  readonly #queue = new SerialQueue();
  #disposed = false;
  /** The watchers' stop functions, so dispose() ends their timers even if nobody called them. */
  readonly #stops = new Set<() => void>();
  /** The first load has been tried (a failed optional store then loads on the next refresh). */
  #attempted = false;

  constructor(options: AzureAppConfigurationOptions) {
    setMaxListeners(0, this.#abort.signal);
    this.#options = options;
    const { endpoint, host } = storeOf(options);
    this.#endpoint = endpoint;
    this.store = host;
    this.name = `AzureAppConfigurationProvider for '${host}'${options.optional ? ' (Optional)' : ''}`;
    this.#selectors = normalizeSelectors(options.selectors);
    this.#featureFlagSelectors = normalizeFeatureFlagSelectors(options.featureFlags);
    // .NET sorts descending so that of two matching prefixes the longer is tried first.
    this.#trimPrefixes = [...(options.trimKeyPrefixes ?? [])]
      .filter((p) => p !== '')
      .sort((a, b) => (foldKey(a) < foldKey(b) ? 1 : foldKey(a) > foldKey(b) ? -1 : 0));
    this.#intervalMs = refreshIntervalMs(options.refresh);
    const sentinel = typeof options.refresh === 'object' ? options.refresh.sentinel : undefined;
    if (sentinel !== undefined && (typeof sentinel.key !== 'string' || sentinel.key === '')) {
      throw new ConfigurationError('A refresh sentinel needs a key.', 'INVALID_OPTIONS', { provider: this.name });
    }
    this.#sentinel = sentinel;
    const maxConcurrency = options.keyVault?.maxConcurrency;
    if (maxConcurrency !== undefined && (!Number.isInteger(maxConcurrency) || maxConcurrency < 1)) {
      throw new ConfigurationError('keyVault.maxConcurrency must be a positive integer.', 'INVALID_OPTIONS', { provider: this.name });
    }
  }

  /**
   * The first call loads the store (time-boxed, retried). Later calls — `reload()` on the root —
   * check for changes first and list everything again only when something changed.
   */
  load(): Promise<ProviderData> {
    return this.#serialize(async () => {
      if (this.#disposed) throw new ConfigurationError(`${this.name} has been disposed.`, 'DISPOSED', { provider: this.name });
      if (!this.#state && !this.#attempted) return this.#initialLoad();
      const { data } = await this.#refresh();
      return new Map(data);
    });
  }

  /** Polls at the refresh interval; changes reach the root through `sink.update`, failures through `sink.error`. */
  watch(sink: ProviderWatchSink): () => void {
    const interval = this.#intervalMs;
    if (interval === undefined) return () => {};
    let stopped = false;
    let failures = 0;
    let timer: NodeJS.Timeout | undefined;
    const schedule = (): void => {
      if (stopped || this.#disposed) return;
      timer = setTimeout(() => void tick(), refreshBackoffMs(interval, failures));
      // A poller should not keep a process alive on its own; dispose() stops it anyway.
      timer.unref();
    };
    const tick = async (): Promise<void> => {
      try {
        // The version is taken when this read starts (inside the queue), so a reload() queued
        // behind it, which reads later, is never replaced by it.
        let version: number | undefined;
        const result = await this.#serialize(() => {
          version = sink.readStarted?.();
          return this.#refresh();
        });
        failures = 0;
        if (!stopped && result.changed) sink.update(new Map(result.data), version);
      } catch (error) {
        failures++;
        if (!stopped && !this.#disposed) sink.error(error);
      }
      schedule();
    };
    schedule();
    const stop = (): void => {
      stopped = true;
      if (timer) clearTimeout(timer);
      this.#stops.delete(stop);
    };
    this.#stops.add(stop);
    return stop;
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const stop of [...this.#stops]) stop();
    this.#abort.abort();
    await this.#queue.idle();
    await this.#resolverPromise?.catch(() => undefined);
    await this.#resolver?.dispose?.();
  }

  // ---- loading ----------------------------------------------------------------------------------

  #serialize<T>(task: () => Promise<T>): Promise<T> {
    return this.#queue.run(task);
  }

  async #initialLoad(): Promise<ProviderData> {
    this.#attempted = true;
    const timeoutMs = this.#options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS;
    // A plain timer rather than AbortSignal.timeout(): a timeout signal held only by
    // AbortSignal.any() can be collected before it fires, and then the time box never closes.
    const timeout = new AbortController();
    // Clamped: Node fires a longer delay (Infinity included) after 1 ms.
    const timer = setTimeout(() => timeout.abort(new Error('startup timeout')), Math.min(timeoutMs, MAX_TIMER_MS));
    const signal = AbortSignal.any([this.#abort.signal, timeout.signal]);
    // Every in-flight SDK request listens on the signal; dozens at once are expected, not a leak.
    setMaxListeners(0, signal);
    let lastError: unknown;
    try {
      const state = await this.#fullLoad({ signal, maxRetries: Number.POSITIVE_INFINITY, onRetry: (e) => (lastError = e) });
      this.#state = state;
      return new Map(state.data);
    } catch (error) {
      const failure =
        timeout.signal.aborted && !this.#abort.signal.aborted
          ? startupTimeoutError(timeoutMs, lastError ?? error, { store: this.store, provider: this.name })
          : appConfigurationError(error, 'loading', { store: this.store, provider: this.name });
      if (!this.#options.optional) throw failure;
      const warn = this.#options.logger?.warn ?? ((m: string) => process.emitWarning(m));
      warn(`${this.name}: the optional store could not be loaded and contributes nothing. ${failure.message}`);
      return new Map();
    } finally {
      clearTimeout(timer);
    }
  }

  async #refresh(): Promise<{ changed: boolean; data: Map<string, ProviderEntry> }> {
    const ctx: LoadContext = {
      signal: this.#abort.signal,
      maxRetries: 3,
      retryAfterDeadline: Date.now() + refreshRetryAfterLimitMs(this.#intervalMs),
    };
    const state = this.#state;
    try {
      if (!state) {
        this.#state = await this.#fullLoad(ctx);
        return { changed: true, data: this.#state.data };
      }
      const client = await this.#getClient();
      const call = this.#caller(ctx);
      if (this.#sentinel) {
        const now = await sentinelState(client, this.#sentinel, state.sentinelEtag, call);
        if (now.unchanged || now.etag === state.sentinelEtag) return { changed: false, data: state.data };
      } else {
        const lists = state.lists.filter((l) => l.pages.length > 0);
        const { changed } = await pagesChanged(client, lists, call, this.#options.refreshConcurrency ?? 16);
        if (!changed) return { changed: false, data: state.data };
      }
      this.#state = await this.#fullLoad(ctx);
      return { changed: true, data: this.#state.data };
    } catch (error) {
      throw appConfigurationError(error, 'refreshing', { store: this.store, provider: this.name });
    }
  }

  #caller(ctx: LoadContext): Call {
    return (operation) =>
      withRetry(() => operation(ctx.signal), {
        abortSignal: ctx.signal,
        maxRetries: ctx.maxRetries,
        retryAfterDeadline: ctx.retryAfterDeadline,
        baseDelayMs: 250,
        maxDelayMs: 10_000,
        isRetryable: isTransientError,
        onRetry: ({ error }) => ctx.onRetry?.(error),
      });
  }

  #getClient(): Promise<AppConfigurationClient> {
    this.#client ??= (async () => {
      const { AppConfigurationClient } = await import('@azure/app-configuration');
      const clientOptions: AppConfigurationClientOptions = {
        ...this.#options.clientOptions,
        retryOptions: { maxRetries: 0, ...this.#options.clientOptions?.retryOptions },
      };
      return this.#options.connectionString !== undefined
        ? new AppConfigurationClient(this.#options.connectionString, clientOptions)
        : new AppConfigurationClient(this.#endpoint, this.#options.credential!, clientOptions);
    })();
    return this.#client;
  }

  #getResolver(): Promise<SecretResolver | undefined> {
    const kv = this.#options.keyVault;
    if (kv?.resolver) return Promise.resolve(kv.resolver);
    const credential = kv?.credential ?? this.#options.credential;
    if (!credential) return Promise.resolve(undefined);
    // One promise, not one check per caller: references on one page ask concurrently, and two
    // resolvers would neither share clients nor deduplicate nor bound their requests together.
    this.#resolverPromise ??= import('../azure/keyvault/secretResolver.js').then(({ KeyVaultSecretResolver }) => {
      this.#resolver = new KeyVaultSecretResolver({
        credential,
        ...(kv?.clientOptions ? { clientOptions: kv.clientOptions } : {}),
        maxConcurrency: kv?.maxConcurrency ?? 16,
      });
      return this.#resolver;
    });
    return this.#resolverPromise;
  }

  /**
   * Lists every selector concurrently, starting Key Vault resolutions as pages arrive, then maps
   * the winning settings to entries: references, JSON, feature flags, trimming, in .NET's order.
   */
  async #fullLoad(ctx: LoadContext): Promise<State> {
    const client = await this.#getClient();
    const call = this.#caller(ctx);
    // Something changed, so referenced secrets may have too: fetch them again.
    if (this.#state) (this.#options.keyVault?.resolver ?? this.#resolver)?.clear?.();
    const resolutions = new Map<ConfigurationSetting, Promise<ProviderEntry>>();
    const onSetting = (setting: ConfigurationSetting, featureFlags: boolean): void => {
      if (featureFlags || !isKeyVaultReference(setting) || isFeatureFlag(setting)) return;
      const pending = this.#resolveReference(setting, ctx);
      // Awaited later only if the setting wins; until then a rejection must not go unhandled.
      pending.catch(() => undefined);
      resolutions.set(setting, pending);
    };

    const context = { store: this.store, provider: this.name };
    const sentinel = this.#sentinel;
    const sentinelEtag = sentinel ? sentinelState(client, sentinel, undefined, call) : undefined;
    sentinelEtag?.catch(() => undefined);
    const listed = await Promise.all(
      [...this.#selectors, ...this.#featureFlagSelectors].map((selector) => listSelector(client, selector, call, onSetting, context)),
    );

    // Snapshot references expand to their snapshot's settings; each snapshot is listed once.
    const snapshots = new Map<string, Promise<ConfigurationSetting[]>>();
    for (const { selector, settings } of listed) {
      if (selector.kind === 'keyValues' && selector.featureFlags) continue;
      for (const setting of settings) {
        if (!isSnapshotReference(setting)) continue;
        const name = snapshotReferenceName(setting, this.store);
        if (!snapshots.has(name)) {
          const referenced: NormalizedSelector = { kind: 'snapshot', snapshotName: name };
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
      const featureFlags = selector.kind === 'keyValues' && selector.featureFlags;
      if (selector.kind === 'keyValues') {
        lists.push({ keyFilter: selector.keyFilter, labelFilter: selector.labelFilter, tagFilters: selector.tagFilters, pages });
      }
      for (const setting of settings) {
        if (featureFlags !== isFeatureFlag(setting)) continue;
        if (!featureFlags && isSnapshotReference(setting)) {
          // Flags inside a referenced snapshot are ignored, as key-value selectors ignore flags.
          for (const member of expanded.get(snapshotReferenceName(setting, this.store)) ?? []) if (!isFeatureFlag(member)) win(member, false);
          continue;
        }
        win(setting, featureFlags);
      }
    }

    const entries: ProviderEntry[] = [];
    for (const { setting, featureFlag } of winners.values()) {
      const source = `${this.store} key '${setting.key}' label ${describeLabel(setting.label)}`;
      if (featureFlag) {
        for (const e of featureFlagEntries(setting, this.store)) entries.push({ key: e.key, value: e.value, source });
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
    const trimmed = this.#trimPrefixes.length === 0 ? entries : entries.flatMap((e) => this.#trim(e));
    const state: State = { data: providerData(trimmed), lists };
    if (sentinelEtag) {
      const now = await sentinelEtag;
      state.sentinelEtag = now.unchanged ? null : now.etag;
    }
    return state;
  }

  #trim(entry: ProviderEntry): ProviderEntry[] {
    const folded = foldKey(entry.key);
    for (const prefix of this.#trimPrefixes) {
      if (folded.startsWith(foldKey(prefix))) {
        const key = entry.key.slice(prefix.length);
        // A key trimmed to nothing has no place in the tree.
        return key === '' ? [] : [{ ...entry, key }];
      }
    }
    return [entry];
  }

  async #resolveReference(setting: ConfigurationSetting, ctx: LoadContext): Promise<ProviderEntry> {
    const { signal } = ctx;
    const reference = parseKeyVaultReference(setting, this.store);
    const resolver = await this.#getResolver();
    if (!resolver) throw noCredentialError(setting, this.store, reference);
    try {
      // The load's time box and dispose() hold for references too: stop waiting when the signal aborts.
      // A refresh's Retry-After budget holds for the vault as for the store.
      const options = ctx.retryAfterDeadline !== undefined ? { retryAfterDeadline: ctx.retryAfterDeadline } : undefined;
      const secret = await untilAborted(resolver.resolve(reference.secretId, options), signal);
      return {
        key: setting.key,
        value: secret.value,
        secret: true,
        source: `${this.store} key '${setting.key}' label ${describeLabel(setting.label)} → ${reference.vaultUrl}/secrets/${reference.name}`,
      };
    } catch (error) {
      if (signal.aborted) throw error;
      throw resolutionError(error, setting, this.store, reference);
    }
  }
}
