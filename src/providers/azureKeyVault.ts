/**
 * `addAzureKeyVault`: every enabled secret of a vault as a configuration value (SPEC §2), loaded
 * through `@azure/keyvault-secrets`, which is imported only when the provider first loads.
 * Behaviour follows .NET's AzureKeyVaultConfigurationProvider (dotnet-configuration.md §9).
 */
import { inspect } from 'node:util';
import { setMaxListeners } from 'node:events';
import type { TokenCredential } from '@azure/core-auth';
import type { KeyVaultSecret, SecretClient, SecretClientOptions, SecretProperties } from '@azure/keyvault-secrets';
import type { ConfigurationProvider, ProviderData, ProviderEntry, ProviderWatchSink } from '../core/provider.js';
import { EMPTY_PROVIDER_DATA, providerData } from '../core/provider.js';
import { createSecretClient, defaultCredential, shownUrl, vaultOrigin } from '../remote/keyvault/client.js';
import { KeyVaultError, secretSource, toKeyVaultError } from '../remote/keyvault/errors.js';
import { loadSecrets, type CachedSecret } from '../remote/keyvault/loader.js';
import { isAbortError, MAX_TIMER_MS, sleep, type RetryOptions } from '../net/retry.js';
import { AdaptiveLimiter, SerialQueue } from '../net/concurrency.js';
import { ConfigurationError } from '../core/errors.js';

/** .NET's `KeyVaultSecretManager`: which secrets to load and which key each one becomes. */
export interface KeyVaultSecretManager {
  /** Whether to load a listed secret (only called for secrets with `enabled === true`). Default: all. */
  load?(properties: SecretProperties): boolean;
  /** The configuration key for a secret. Default: the name with `--` replaced by `:`. */
  getKey?(secret: KeyVaultSecret): string;
  /**
   * The keys and values for the loaded secrets, in listing order, replacing `getKey` and the
   * collision rule (.NET's `GetData`): one secret may give several keys (a JSON secret expanded).
   * Every value is secret. Default: each secret under `getKey`, the newer one winning a collision.
   */
  getData?(secrets: readonly KeyVaultSecret[]): Iterable<readonly [string, string | null]> | Readonly<Record<string, string | null>>;
}

/** Where start-up warnings of an `optional` vault go. Messages carry no secret values. */
export interface KeyVaultLogger {
  warn(message: string): void;
}

export interface AzureKeyVaultOptions {
  /** `https://<name>.vault.azure.net/`. */
  vaultUrl: string;
  /** Default: `DefaultAzureCredential`, imported when first needed. */
  credential?: TokenCredential;
  /** Passed to the SecretClient. SDK retries stay off unless `retryOptions` is given here. */
  clientOptions?: SecretClientOptions;
  /** Parallel secret fetches. Default 32, as .NET's ParallelSecretLoader. */
  maxConcurrency?: number;
  secretManager?: KeyVaultSecretManager;
  /** Poll the vault at this interval (ms), refetching only changed secrets. Must be positive. */
  reloadIntervalMs?: number;
  /**
   * Wait a random time up to this long before the first request (ms), so instances of a fleet that
   * start together spread their start-up over the window. Default 0.
   */
  startupJitterMs?: number;
  /** Time box for one whole load (start-up and each reload). Default 30 s. */
  startupTimeoutMs?: number;
  /** A failing start-up becomes a warning and an empty layer instead of an error. */
  optional?: boolean;
  /** Our retry layer's tuning (retries, backoff). */
  retry?: Omit<RetryOptions, 'abortSignal' | 'retryAfterDeadline'>;
  /** Default `console`. */
  logger?: KeyVaultLogger;
}

export const DEFAULT_KEY_VAULT_CONCURRENCY = 32;
export const DEFAULT_KEY_VAULT_STARTUP_TIMEOUT_MS = 30_000;

/** The .NET default key mapping: `Db--Password` → `Db:Password`. */
export function defaultKeyVaultKey(name: string): string {
  return name.replaceAll('--', ':');
}

export class AzureKeyVaultProvider implements ConfigurationProvider {
  readonly name: string;
  readonly secret = true;
  readonly vaultUrl: string;
  readonly #options: AzureKeyVaultOptions;
  readonly #maxConcurrency: number;
  readonly #timeoutMs: number;
  #client: Promise<SecretClient> | undefined;
  #cache: ReadonlyMap<string, CachedSecret> = new Map();
  #loadedOnce = false;
  #disposed = false;
  readonly #stops = new Set<() => void>();
  /** Aborts any load in flight when the provider is disposed. */
  readonly #abort = new AbortController();
  /** A reload and a poll never overlap: each starts from the cache the previous one left. */
  readonly #loads = new SerialQueue();
  /** In-flight limit for this vault, kept across loads so a reload starts from what the vault allowed. */
  readonly #limiter: AdaptiveLimiter;

  constructor(options: AzureKeyVaultOptions) {
    this.#options = options;
    this.vaultUrl = validateVaultUrl(options.vaultUrl);
    this.name = `AzureKeyVaultConfigurationProvider(${this.vaultUrl})`;
    this.#maxConcurrency = options.maxConcurrency ?? DEFAULT_KEY_VAULT_CONCURRENCY;
    if (!Number.isInteger(this.#maxConcurrency) || this.#maxConcurrency < 1) {
      throw this.#optionsError('maxConcurrency must be a positive integer.');
    }
    if (options.reloadIntervalMs !== undefined && !(options.reloadIntervalMs > 0)) {
      // .NET: ArgumentOutOfRangeException("ReloadInterval must be positive.")
      throw this.#optionsError('ReloadInterval must be positive.');
    }
    if (options.reloadIntervalMs !== undefined && options.reloadIntervalMs > MAX_TIMER_MS) {
      // Node would fire a longer timer after 1 ms: a poll loop hammering the vault.
      throw this.#optionsError(`ReloadInterval must be at most ${MAX_TIMER_MS} ms.`);
    }
    this.#limiter = new AdaptiveLimiter({ max: this.#maxConcurrency });
    if (options.startupJitterMs !== undefined && !(options.startupJitterMs >= 0 && options.startupJitterMs <= MAX_TIMER_MS)) {
      throw this.#optionsError('startupJitterMs must be between 0 and 2147483647.');
    }
    this.#timeoutMs = options.startupTimeoutMs ?? DEFAULT_KEY_VAULT_STARTUP_TIMEOUT_MS;
    if (!(this.#timeoutMs > 0)) throw this.#optionsError('startupTimeoutMs must be positive.');
  }

  async load(): Promise<ProviderData> {
    const first = !this.#loadedOnce;
    try {
      const data = await this.#loads.run(() => this.#loadData());
      this.#loadedOnce = true;
      return data ?? this.#dataFromCache();
    } catch (error) {
      if (first && this.#options.optional) {
        this.#loadedOnce = true;
        const reason = error instanceof KeyVaultError ? error.message : 'an unexpected error';
        (this.#options.logger ?? console).warn(`Optional Azure Key Vault ${this.vaultUrl} was skipped: ${reason}`);
        return EMPTY_PROVIDER_DATA;
      }
      throw error;
    }
  }

  watch(sink: ProviderWatchSink): () => void {
    const interval = this.#options.reloadIntervalMs;
    if (interval === undefined) return () => undefined;
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const schedule = (): void => {
      if (stopped || this.#disposed) return;
      timer = setTimeout(() => void poll(), interval);
      // A polling vault should not keep an otherwise finished process alive.
      timer.unref();
    };
    const poll = async (): Promise<void> => {
      try {
        // Versioned when the read starts, not when it is reported: see the App Configuration poller.
        let version: number | undefined;
        const data = await this.#loads.run(() => {
          version = sink.readStarted?.();
          return this.#loadData();
        });
        if (data && !stopped) sink.update(data, version);
      } catch (error) {
        if (!stopped) sink.error(error);
      }
      schedule();
    };
    schedule();
    const stop = (): void => {
      stopped = true;
      clearTimeout(timer);
      this.#stops.delete(stop);
    };
    this.#stops.add(stop);
    return stop;
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    for (const stop of [...this.#stops]) stop();
    // Cancel a load in flight (its requests and its time-box timer) and wait for it to settle.
    this.#abort.abort();
    await this.#loads.idle();
    this.#cache = new Map();
  }

  /** Loads the vault; returns undefined when nothing changed since the last load. */
  async #loadData(): Promise<ProviderData | undefined> {
    if (this.#disposed) throw this.#disposedError();
    const jitter = this.#loadedOnce ? 0 : (this.#options.startupJitterMs ?? 0);
    if (jitter > 0) {
      // Outside the time box: the wait is ours, not the vault's.
      await sleep(Math.random() * jitter, this.#abort.signal).catch(() => undefined);
      if (this.#disposed) throw this.#disposedError();
    }
    const controller = new AbortController();
    const onDispose = (): void => controller.abort();
    this.#abort.signal.addEventListener('abort', onDispose, { once: true });
    // Every in-flight SDK call and retry wait listens on this one signal.
    setMaxListeners(0, controller.signal);
    // Clamped: Node fires a longer delay (Infinity included) after 1 ms.
    const timer = setTimeout(() => controller.abort(), Math.min(this.#timeoutMs, MAX_TIMER_MS));
    let lastTransient: unknown;
    try {
      const client = await this.#getClient();
      const { load } = this.#options.secretManager ?? {};
      const result = await loadSecrets({
        client,
        vaultUrl: this.vaultUrl,
        provider: this.name,
        maxConcurrency: this.#maxConcurrency,
        limiter: this.#limiter,
        abortSignal: controller.signal,
        retry: {
          // A throttled vault asks to come back later; the time box, not a count, bounds that.
          maxThrottledRetries: Number.POSITIVE_INFINITY,
          ...this.#options.retry,
          abortSignal: controller.signal,
          onRetry: (info) => {
            lastTransient = info.error;
            this.#options.retry?.onRetry?.(info);
          },
        },
        include: load ? (p) => load.call(this.#options.secretManager, p) : () => true,
        cache: this.#cache,
      });
      const unchanged = this.#loadedOnce && !result.changed;
      this.#cache = result.cache;
      return unchanged ? undefined : this.#dataFromCache(result.secrets);
    } catch (error) {
      if (this.#disposed) throw this.#disposedError();
      if (controller.signal.aborted) throw this.#timeoutError(lastTransient ?? error);
      throw error instanceof KeyVaultError
        ? error
        : toKeyVaultError(error, { vaultUrl: this.vaultUrl, operation: 'loading secrets', provider: this.name });
    } finally {
      clearTimeout(timer);
      this.#abort.signal.removeEventListener('abort', onDispose);
    }
  }

  #disposedError(): ConfigurationError {
    return new ConfigurationError(`${this.name} has been disposed.`, 'DISPOSED', { provider: this.name });
  }

  #getClient(): Promise<SecretClient> {
    this.#client ??= (async () => {
      const credential = this.#options.credential ?? (await defaultCredential());
      return createSecretClient(this.vaultUrl, credential, this.#options.clientOptions);
    })();
    this.#client.catch(() => (this.#client = undefined));
    return this.#client;
  }

  /** Builds the data from loaded secrets: keys through the secret manager, later `updatedOn` wins. */
  #dataFromCache(secrets: readonly KeyVaultSecret[] = [...this.#cache.values()].map((c) => c.secret)): ProviderData {
    const manager = this.#options.secretManager;
    if (manager?.getData) return this.#customData(manager, secrets);
    const getKey = manager?.getKey;
    const winners = new Map<string, { entry: ProviderEntry; updatedOn: number }>();
    for (const secret of secrets) {
      let key: string;
      try {
        key = getKey ? getKey.call(this.#options.secretManager, secret) : defaultKeyVaultKey(secret.name);
      } catch (cause) {
        throw new KeyVaultError(`Azure Key Vault ${this.vaultUrl}: the secret manager's getKey failed for secret '${secret.name}'`, 'KEY_VAULT_KEY_MAPPING', {
          vaultUrl: this.vaultUrl,
          secretName: secret.name,
          provider: this.name,
          source: secretSource(this.vaultUrl, secret.name),
          cause: cause instanceof Error ? new Error(cause.name) : undefined,
        });
      }
      const updatedOn = secret.properties.updatedOn?.getTime() ?? Number.NaN;
      const folded = key.toLowerCase();
      const previous = winners.get(folded);
      // .NET keeps the first listed unless the later one is strictly newer (null dates never win),
      // and its case-insensitive dictionary keeps the key as first spelled.
      if (previous && !(updatedOn > previous.updatedOn)) continue;
      winners.set(folded, {
        entry: { key: previous?.entry.key ?? key, value: secret.value ?? null, source: secretSource(this.vaultUrl, secret.name) },
        updatedOn,
      });
    }
    return providerData([...winners.values()].map((w) => w.entry));
  }

  /** The secret manager's own `getData`; a failure names the vault, never a value. */
  #customData(manager: KeyVaultSecretManager, secrets: readonly KeyVaultSecret[]): ProviderData {
    let data: Iterable<readonly [string, string | null]> | Readonly<Record<string, string | null>>;
    try {
      data = manager.getData!.call(manager, secrets);
    } catch (cause) {
      throw new KeyVaultError(`Azure Key Vault ${this.vaultUrl}: the secret manager's getData failed`, 'KEY_VAULT_KEY_MAPPING', {
        vaultUrl: this.vaultUrl,
        provider: this.name,
        cause: cause instanceof Error ? new Error(cause.name) : undefined,
      });
    }
    const pairs = Symbol.iterator in Object(data) ? [...(data as Iterable<readonly [string, string | null]>)] : Object.entries(data);
    const source = `${this.vaultUrl} (the secret manager's getData)`;
    return providerData(pairs.map(([key, value]) => ({ key: String(key), value: value ?? null, source })));
  }

  #timeoutError(cause: unknown): KeyVaultError {
    const detail = cause === undefined || isAbortError(cause) ? undefined : toKeyVaultError(cause, { vaultUrl: this.vaultUrl, operation: 'the last attempt', provider: this.name });
    const last = detail ? ` (last error: ${detail.message.replace(`Azure Key Vault ${this.vaultUrl}: `, '')})` : '';
    return new KeyVaultError(`Azure Key Vault ${this.vaultUrl}: loading did not finish within ${this.#timeoutMs} ms${last}`, 'KEY_VAULT_TIMEOUT', {
      vaultUrl: this.vaultUrl,
      provider: this.name,
      ...(detail?.statusCode !== undefined ? { statusCode: detail.statusCode } : {}),
      ...(detail ? { cause: detail } : {}),
    });
  }

  #optionsError(message: string): KeyVaultError {
    return new KeyVaultError(`Azure Key Vault ${this.vaultUrl ?? this.#options.vaultUrl}: ${message}`, 'KEY_VAULT_OPTIONS', {
      vaultUrl: this.vaultUrl,
      provider: this.name,
    });
  }

  /** Never shows values: the cache holds secrets, so inspection prints only counts. */
  [inspect.custom](): string {
    return `AzureKeyVaultProvider { vaultUrl: '${this.vaultUrl}', secrets: ${this.#cache.size} }`;
  }

  toJSON(): { name: string; vaultUrl: string; secrets: number } {
    return { name: this.name, vaultUrl: this.vaultUrl, secrets: this.#cache.size };
  }
}

function validateVaultUrl(vaultUrl: unknown): string {
  let url: URL | undefined;
  try {
    url = typeof vaultUrl === 'string' ? new URL(vaultUrl) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    // Shown without user info: a mistyped URL may still carry a password.
    const shown = typeof vaultUrl === 'string' ? `'${shownUrl(vaultUrl)}'` : String(typeof vaultUrl);
    throw new KeyVaultError(`Azure Key Vault: vaultUrl ${shown} is not an absolute https URL.`, 'KEY_VAULT_OPTIONS', {});
  }
  return vaultOrigin(url.href);
}

/** `builder.add(azureKeyVault({...}))` — the provider behind `addAzureKeyVault`. */
export function azureKeyVault(options: AzureKeyVaultOptions): AzureKeyVaultProvider {
  return new AzureKeyVaultProvider(options);
}
