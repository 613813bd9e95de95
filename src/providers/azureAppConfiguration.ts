/**
 * Azure App Configuration as one layer of the tree: when to load (start-up, time-boxed; a refresh
 * that found a change), the watchers and push refresh, failover between the store's endpoints.
 * How to load lives in `remote/appconfig/` (`storeLoad.ts`: listing, references, mapping;
 * `options.ts`: the options and the SDK client, imported only when the provider first loads;
 * `refresh.ts`: change detection with conditional requests sent in parallel).
 */
import { setMaxListeners } from 'node:events';
import type { AppConfigurationClient } from '@azure/app-configuration';
import { ConfigurationError } from '../core/errors.js';
import type { ConfigurationProvider, ProviderData, ProviderEntry, ProviderWatchSink } from '../core/provider.js';
import { foldKey } from '../core/path.js';
import { MAX_TIMER_MS, sleep } from '../net/retry.js';
import { SerialQueue } from '../net/concurrency.js';
import { storeEndpoints, connectionStringFor } from '../remote/appconfig/endpoints.js';
import { ReplicaSet, withFailover, type EndpointEntry } from '../remote/appconfig/replicas.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, endpointCaller } from '../remote/appconfig/requests.js';
import type { Call } from '../remote/appconfig/listing.js';
import { appConfigurationError, startupTimeoutError } from '../remote/appconfig/errors.js';
import { normalizeFeatureFlagSelectors, normalizeSelectors } from '../remote/appconfig/selectors.js';
import { PushRefresh, type AppConfigurationRefresher } from '../remote/appconfig/pushRefresh.js';
import {
  jitteredIntervalMs,
  refreshJitterRatio,
  pagesChanged,
  refreshBackoffMs,
  refreshIntervalMs,
  refreshRetryAfterLimitMs,
  sentinelState,
} from '../remote/appconfig/refresh.js';
import { createAppConfigurationClient, DEFAULT_STARTUP_TIMEOUT_MS, type AzureAppConfigurationOptions } from '../remote/appconfig/options.js';
import { loadStore, StoreReferences, type LoadContext, type StoreLoadPlan, type StoreState } from '../remote/appconfig/storeLoad.js';

export type { AzureAppConfigurationOptions, AzureAppConfigurationKeyVaultOptions } from '../remote/appconfig/options.js';
export { DEFAULT_STARTUP_TIMEOUT_MS };
export type { AppConfigurationRefresher };


export class AzureAppConfigurationProvider implements ConfigurationProvider {
  readonly name: string;
  /** The store's host (`demo.azconfig.io`), as errors and provenance name it. */
  readonly store: string;
  readonly #options: AzureAppConfigurationOptions;
  readonly #replicas: ReplicaSet<AppConfigurationClient>;
  /** What every full load lists and how it maps it (storeLoad.ts). */
  readonly #plan: StoreLoadPlan;
  readonly #references: StoreReferences;
  readonly #intervalMs: number | undefined;
  readonly #abort = new AbortController();
  #state: StoreState | undefined;
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
    warn: (m) => this.#warn(`${this.name}: ${m}`),
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
      createClient: (endpoint) =>
        createAppConfigurationClient(endpoint, connectionStrings ? (connectionStrings.get(endpoint) ?? connectionStringFor(template!, endpoint)) : undefined, options),
      loadBalancing: options.loadBalancing ?? false,
      ...(options.replicaDiscovery ? { discovery: options.replicaDiscovery } : {}),
      ...(options.replicaBackoff ? { backoff: options.replicaBackoff } : {}),
      warn: (m) => this.#warn(m),
    });
    this.name = `AzureAppConfigurationProvider for '${host}'${options.optional ? ' (Optional)' : ''}`;
    this.#intervalMs = refreshIntervalMs(options.refresh);
    this.#jitterRatio = refreshJitterRatio(options.refresh);
    const sentinel = typeof options.refresh === 'object' ? options.refresh.sentinel : undefined;
    if (sentinel !== undefined && (typeof sentinel.key !== 'string' || sentinel.key === '')) {
      throw new ConfigurationError('A refresh sentinel needs a key.', 'INVALID_OPTIONS', { provider: this.name });
    }
    // The sentinel is one setting, read with GET: a filter character would name no setting (JS provider's messages).
    for (const [part, value] of [['key', sentinel?.key], ['label', sentinel?.label]] as const) {
      if (value !== undefined && (value.includes('*') || value.includes(','))) {
        throw new ConfigurationError(`The characters '*' and ',' are not supported in ${part} of watched settings.`, 'INVALID_OPTIONS', { provider: this.name });
      }
    }
    this.#plan = {
      store: host,
      provider: this.name,
      selectors: normalizeSelectors(options.selectors),
      featureFlagSelectors: normalizeFeatureFlagSelectors(options.featureFlags),
      sentinel,
      // .NET sorts descending so that of two matching prefixes the longer is tried first.
      trimPrefixes: [...(options.trimKeyPrefixes ?? [])]
        .filter((p) => p !== '')
        .sort((a, b) => (foldKey(a) < foldKey(b) ? 1 : foldKey(a) > foldKey(b) ? -1 : 0)),
    };
    this.#references = new StoreReferences(options.keyVault, options.credential, host);
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
    await this.#references.dispose();
  }

  /** The caller's logger, else `process.emitWarning`: one place for every warning this provider gives. */
  #warn(message: string): void {
    const logger = this.#options.logger;
    if (logger) logger.warn(message);
    else process.emitWarning(message);
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
      this.#warn(`${this.name}: the optional store could not be loaded and contributes nothing. ${failure.message}`);
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
        if (this.#plan.sentinel) {
          const now = await sentinelState(client, this.#plan.sentinel, state.sentinelEtag, call);
          if (now.unchanged || now.etag === state.sentinelEtag) {
            // The sentinel stands for the key-values; feature flags are watched as their own
            // collection, by their pages, as both Microsoft providers watch them.
            const flagLists = state.lists.filter((l) => l.featureFlags && l.pages.length > 0);
            if (flagLists.length === 0) return undefined;
            const { changed } = await pagesChanged(client, flagLists, call, this.#options.refreshConcurrency ?? 16);
            if (!changed) return undefined;
          }
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

  /** A full load of every selector; referenced secrets are fetched again when the store changed. */
  #fullLoad(ctx: LoadContext, client: AppConfigurationClient, call: Call): Promise<StoreState> {
    if (this.#state) this.#references.clear();
    return loadStore(this.#plan, (setting) => this.#references.resolve(setting, ctx), client, call);
  }
}

/**
 * The push refreshers of every App Configuration layer of a configuration root (`loadConfig()`'s
 * or a builder's), for a webhook handler to pass Event Grid notifications to.
 */
export function appConfigurationRefreshers(config: { readonly providers: readonly ConfigurationProvider[] }): AppConfigurationRefresher[] {
  return config.providers.filter((p): p is AzureAppConfigurationProvider => p instanceof AzureAppConfigurationProvider).map((p) => p.refresher);
}
