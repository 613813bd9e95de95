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
import { MAX_TIMER_MS, sleep, untilAborted } from '../azure/retry.js';
import { SerialQueue } from '../azure/concurrency.js';
import { storeEndpoints, connectionStringFor } from '../azure/appconfig/endpoints.js';
import { ReplicaSet, withFailover, type EndpointEntry, type ReplicaBackoff, type ReplicaDiscoveryOption } from '../azure/appconfig/replicas.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, endpointCaller } from '../azure/appconfig/requests.js';
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
  PushRefresh,
  type AppConfigurationRefresher,
} from '../azure/appconfig/pushRefresh.js';
import {
  jitteredIntervalMs,
  refreshJitterRatio,
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
  /** The store's endpoints, primary first then replicas, used with `credential`: failover goes down the list. */
  endpoints?: Array<string | URL>;
  credential?: TokenCredential;
  /** `Endpoint=…;Id=…;Secret=…` (HMAC); instead of endpoint + credential. */
  connectionString?: string;
  /** HMAC connection strings of the primary and its replicas, primary first. */
  connectionStrings?: string[];
  /** Start each operation at the endpoint after the last one that answered (round robin). Default false. */
  loadBalancing?: boolean;
  /** Find replicas by DNS SRV records (`_origin._tcp.<host>`, `_alt<N>._tcp.<origin>`). Default false: it needs DNS. */
  replicaDiscovery?: ReplicaDiscoveryOption;
  /** How long a failed endpoint is skipped before it is tried first again. Default 30 s doubling to 10 min. */
  replicaBackoff?: ReplicaBackoff;
  /** One request's time box; past it the request counts as a timeout (retried, failed over). Default 10 s (.NET's NetworkTimeout). */
  requestTimeoutMs?: number;
  /** Wait a random time up to this long before the first request, so a fleet starting together spreads out. Default 0. */
  startupJitterMs?: number;
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
export type { AppConfigurationRefresher };


interface State {
  data: Map<string, ProviderEntry>;
  lists: WatchedList[];
  /** The sentinel's etag at the last full load; null when it did not exist. */
  sentinelEtag?: string | null;
}

interface LoadContext {
  signal: AbortSignal;
  maxRetries: number;
  maxThrottledRetries?: number;
  /** Refreshes only: no `Retry-After` is waited out past this time. */
  retryAfterDeadline?: number;
  onRetry?: (error: unknown) => void;
}

export class AzureAppConfigurationProvider implements ConfigurationProvider {
  readonly name: string;
  /** The store's host (`demo.azconfig.io`), as errors and provenance name it. */
  readonly store: string;
  readonly #options: AzureAppConfigurationOptions;
  readonly #replicas: ReplicaSet<AppConfigurationClient>;
  readonly #selectors: NormalizedSelector[];
  readonly #featureFlagSelectors: NormalizedSelector[];
  readonly #trimPrefixes: string[];
  readonly #intervalMs: number | undefined;
  readonly #sentinel: Sentinel | undefined;
  readonly #abort = new AbortController();
  #resolver: SecretResolver | undefined;
  #resolverPromise: Promise<SecretResolver> | undefined;
  #state: State | undefined;
  readonly #queue = new SerialQueue();
  #disposed = false;
  /** The watchers' stop functions, so dispose() ends their timers even if nobody called them. */
  readonly #stops = new Set<() => void>();
  /** The first load has been tried (a failed optional store then loads on the next refresh). */
  #attempted = false;
  readonly #jitterRatio: number;
  /** Watchers' refresh functions, run when a push notification's moment comes. */
  readonly #pushTargets = new Set<() => Promise<void>>();
  /** Push notifications: their sync tokens (sent with every later request) and the refresh they schedule. */
  readonly #push: PushRefresh = new PushRefresh({
    knows: (host) => this.#replicas.find(host) !== undefined,
    warn: (m) => (this.#options.logger?.warn ?? ((w: string) => process.emitWarning(w)))(`${this.name}: ${m}`),
    refresh: () => this.#pushRefresh(),
  });

  constructor(options: AzureAppConfigurationOptions) {
    setMaxListeners(0, this.#abort.signal);
    this.#options = options;
    const { endpoints, host, connectionStrings } = storeEndpoints(options);
    this.store = host;
    const template = connectionStrings?.values().next().value;
    this.#replicas = new ReplicaSet({
      endpoints,
      createClient: (endpoint) => this.#createClient(endpoint, connectionStrings ? (connectionStrings.get(endpoint) ?? connectionStringFor(template!, endpoint)) : undefined),
      loadBalancing: options.loadBalancing ?? false,
      ...(options.replicaDiscovery ? { discovery: options.replicaDiscovery } : {}),
      ...(options.replicaBackoff ? { backoff: options.replicaBackoff } : {}),
      warn: (m) => (options.logger?.warn ?? ((w: string) => process.emitWarning(w)))(m),
    });
    this.name = `AzureAppConfigurationProvider for '${host}'${options.optional ? ' (Optional)' : ''}`;
    this.#selectors = normalizeSelectors(options.selectors);
    this.#featureFlagSelectors = normalizeFeatureFlagSelectors(options.featureFlags);
    // .NET sorts descending so that of two matching prefixes the longer is tried first.
    this.#trimPrefixes = [...(options.trimKeyPrefixes ?? [])]
      .filter((p) => p !== '')
      .sort((a, b) => (foldKey(a) < foldKey(b) ? 1 : foldKey(a) > foldKey(b) ? -1 : 0));
    this.#intervalMs = refreshIntervalMs(options.refresh);
    this.#jitterRatio = refreshJitterRatio(options.refresh);
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

  /**
   * Polls at the refresh interval (jittered), and refreshes when a push notification or `setDirty`
   * asks; changes reach the root through `sink.update`, failures through `sink.error`.
   */
  watch(sink: ProviderWatchSink): () => void {
    const interval = this.#intervalMs;
    let stopped = false;
    let failures = 0;
    let timer: NodeJS.Timeout | undefined;
    const refreshOnce = async (): Promise<void> => {
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
    };
    const schedule = (): void => {
      if (stopped || this.#disposed || interval === undefined) return;
      const wait = failures > 0 ? refreshBackoffMs(interval, failures) : jitteredIntervalMs(interval, this.#jitterRatio);
      timer = setTimeout(() => void refreshOnce().then(schedule), wait);
      // A poller should not keep a process alive on its own; dispose() stops it anyway.
      timer.unref();
    };
    schedule();
    this.#pushTargets.add(refreshOnce);
    const stop = (): void => {
      stopped = true;
      if (timer) clearTimeout(timer);
      this.#pushTargets.delete(refreshOnce);
      this.#stops.delete(stop);
    };
    this.#stops.add(stop);
    return stop;
  }

  /** Push refresh for this store: Event Grid notifications and `setDirty`. */
  get refresher(): AppConfigurationRefresher {
    return {
      store: this.store,
      processPushNotification: (event, options) => this.#push.process(event, options),
      setDirty: (maxDelayMs) => this.#push.setDirty(maxDelayMs),
    };
  }

  /** A refresh asked for by a push notification: every watcher reports it; without one, the state is brought up to date. */
  #pushRefresh(): void {
    if (this.#disposed) return;
    if (this.#pushTargets.size > 0) for (const refresh of this.#pushTargets) void refresh();
    else void this.#serialize(() => this.#refresh()).catch(() => undefined);
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const stop of [...this.#stops]) stop();
    this.#push.stop();
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
    const jitter = this.#options.startupJitterMs ?? 0;
    // Before the time box starts: the wait is ours, not the store's.
    if (jitter > 0) await sleep(Math.random() * Math.min(jitter, MAX_TIMER_MS), this.#abort.signal).catch(() => undefined);
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
      const ctx: LoadContext = { signal, maxRetries: Number.POSITIVE_INFINITY, onRetry: (e) => (lastError = e) };
      const state = await this.#withFailover(ctx, (client, call) => this.#fullLoad(ctx, client, call));
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
      // A throttled store asks to come back soon; the Retry-After budget below bounds the waiting.
      maxThrottledRetries: 20,
      retryAfterDeadline: Date.now() + refreshRetryAfterLimitMs(this.#intervalMs),
    };
    const state = this.#state;
    try {
      // The check and the load it leads to go to one endpoint: a lagging replica must not answer
      // "changed" and a fresher one then be listed, or the other way round.
      const next = await this.#withFailover(ctx, async (client, call) => {
        if (!state) return this.#fullLoad(ctx, client, call);
        if (this.#sentinel) {
          const now = await sentinelState(client, this.#sentinel, state.sentinelEtag, call);
          if (now.unchanged || now.etag === state.sentinelEtag) return undefined;
        } else {
          const lists = state.lists.filter((l) => l.pages.length > 0);
          const { changed } = await pagesChanged(client, lists, call, this.#options.refreshConcurrency ?? 16);
          if (!changed) return undefined;
        }
        return this.#fullLoad(ctx, client, call);
      });
      if (!next) return { changed: false, data: state!.data };
      this.#state = next;
      return { changed: true, data: next.data };
    } catch (error) {
      throw appConfigurationError(error, 'refreshing', { store: this.store, provider: this.name });
    }
  }

  #caller(ctx: LoadContext, entry: EndpointEntry<AppConfigurationClient>, failoverAvailable: boolean): Call {
    return endpointCaller(ctx, entry.limiter, this.#options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, failoverAvailable);
  }

  async #createClient(endpoint: string, connectionString: string | undefined): Promise<AppConfigurationClient> {
    const { AppConfigurationClient } = await import('@azure/app-configuration');
    const clientOptions: AppConfigurationClientOptions = {
      ...this.#options.clientOptions,
      retryOptions: { maxRetries: 0, ...this.#options.clientOptions?.retryOptions },
    };
    return connectionString !== undefined
      ? new AppConfigurationClient(connectionString, clientOptions)
      : new AppConfigurationClient(endpoint, this.#options.credential!, clientOptions);
  }

  /**
   * Runs one operation (a full load, a change check) against the store's endpoints in failover
   * order. Every endpoint but the last gets a short retry budget, so a throttled or failing primary
   * hands over quickly; the last one gets the operation's own.
   */
  async #withFailover<T>(ctx: LoadContext, run: (client: AppConfigurationClient, call: Call) => Promise<T>): Promise<T> {
    return withFailover(
      this.#replicas,
      async (entry, failoverAvailable) => {
        const client = await entry.client;
        for (const token of this.#push.syncTokens.tokens()) client.updateSyncToken(token);
        return run(client, this.#caller(ctx, entry, failoverAvailable));
      },
      () => ctx.signal.aborted,
    );
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
  async #fullLoad(ctx: LoadContext, client: AppConfigurationClient, call: Call): Promise<State> {
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

/**
 * The push refreshers of every App Configuration layer of a configuration root (`loadConfig()`'s
 * or a builder's), for a webhook handler to pass Event Grid notifications to.
 */
export function appConfigurationRefreshers(config: { readonly providers: readonly ConfigurationProvider[] }): AppConfigurationRefresher[] {
  return config.providers.filter((p): p is AzureAppConfigurationProvider => p instanceof AzureAppConfigurationProvider).map((p) => p.refresher);
}
