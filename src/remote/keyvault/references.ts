/**
 * Key Vault references in any layer (`@Microsoft.KeyVault(SecretUri=…)`, `@Microsoft.KeyVault(VaultName=…;SecretName=…)`),
 * resolved as App Service and Azure Functions resolve app settings. A provider decorator: the
 * decorated provider loads as usual, then each reference in its data is replaced by the secret, so
 * the key tree (`src/core`) never learns about Azure and every reload stays all-or-nothing.
 *
 * Secrets are read through `KeyVaultSecretResolver` (one client per vault, bounded, de-duplicated,
 * the Key Vault retry and throttling rules), imported only when the first reference shows up: an
 * app without references never loads it or the Azure SDK.
 */
import type { TokenCredential } from '@azure/core-auth';
import type { SecretClientOptions } from '@azure/keyvault-secrets';
import { ConfigurationError, RemoteProviderError, type ConfigurationErrorDetails } from '../../core/errors.js';
import { entriesWhere, type ConfigurationProvider, type ProviderData, type ProviderEntry, type ProviderWatchSink } from '../../core/provider.js';
import {
  KEY_VAULT_REFERENCE_MARK,
  looksLikeKeyVaultReference,
  parseKeyVaultReference,
  type KeyVaultReferenceParts,
} from '../../parsers/keyVaultReference.js';
import { scrubSecrets } from '../../core/secrets.js';
import { sanitizedCause } from '../../net/sanitize.js';
import type { KeyVaultSecretResolver, KeyVaultSecretResolverOptions } from './secretResolver.js';

/**
 * App Service "caches the values of the key vault references and re-fetches it every 24 hours"
 * (app-service-key-vault-references.md, Rotation): versionless references are re-read this often.
 */
export const KEY_VAULT_REFERENCE_REFRESH_MS = 24 * 60 * 60 * 1000;

/** `loadConfig({ keyVaultReferences })`. */
export interface KeyVaultReferenceOptions {
  /**
   * What a reference that cannot be read (403, a missing or disabled secret, an unreachable vault)
   * does: `'error'` (default) fails the load or reload with `KeyVaultReferenceResolutionError`;
   * `'keep'` keeps the literal `@Microsoft.KeyVault(…)` text and warns, as the platform does.
   * A malformed reference is an error either way.
   */
  onUnresolved?: 'error' | 'keep';
  /** How often versionless references are re-read (ms). Default 24 h, as App Service; `false` turns it off. */
  refreshIntervalMs?: number | false;
  /** The vault URL of a `VaultName=` reference. Default `https://<name>.vault.azure.net`. */
  vaultUrlFromName?: (vaultName: string) => string;
  /** Default: the credential `loadConfig` uses. */
  credential?: TokenCredential;
  /** Passed to every `SecretClient`. */
  clientOptions?: SecretClientOptions;
  /** Parallel secret reads across all vaults. Default 16. */
  maxConcurrency?: number;
  /** The Key Vault retry rules (429 with or without `Retry-After`, 5xx, network faults); default as the resolver's. */
  retry?: KeyVaultSecretResolverOptions['retry'];
}

export interface KeyVaultReferencesContext {
  /** The credential, asked for only when the first reference is resolved. */
  credential(): Promise<TokenCredential>;
  logger?: { warn(message: string): void };
}

/** A well-formed reference whose secret could not be read; the Key Vault error is the `cause`. */
export class KeyVaultReferenceResolutionError extends RemoteProviderError {
  readonly vaultUrl: string;
  readonly secretName: string;
  constructor(message: string, details: ConfigurationErrorDetails & { statusCode?: number; vaultUrl: string; secretName: string }) {
    super(message, 'KEY_VAULT_REFERENCE_UNRESOLVED', details);
    this.vaultUrl = details.vaultUrl;
    this.secretName = details.secretName;
  }
}

interface Tracked {
  readonly provider: ConfigurationProvider;
  /** The provider's last data whose references all resolved, and what it resolved to. */
  raw?: ProviderData;
  resolved?: ProviderData;
  hasVersionless: boolean;
}

interface Watcher {
  readonly tracked: Tracked;
  readonly sink: ProviderWatchSink;
}

/** Where a resolved value came from: the reference (vault and secret), then the layer's own source. */
export function referenceSource(ref: KeyVaultReferenceParts, layerSource: string | undefined): string {
  return `Key Vault reference ${ref.secretId}${layerSource ? ` in ${layerSource}` : ''}`;
}

/**
 * Resolves Key Vault references for the providers it decorates. One instance per configuration
 * root; it disposes itself when the last decorated provider is disposed.
 */
export class KeyVaultReferences {
  readonly #options: KeyVaultReferenceOptions;
  readonly #context: KeyVaultReferencesContext;
  #resolver: Promise<KeyVaultSecretResolver> | undefined;
  /** Versioned references never change: read once per process, not once per reload. */
  readonly #versioned = new Map<string, Promise<string>>();
  /** Loads in progress; the first of a round forgets versionless values so they are read again. */
  #active = 0;
  #clearPending = false;
  readonly #watchers = new Set<Watcher>();
  readonly #tracked = new Set<Tracked>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #live = 0;
  #disposed = false;

  constructor(options: KeyVaultReferenceOptions, context: KeyVaultReferencesContext) {
    this.#options = options;
    this.#context = context;
  }

  /**
   * The provider with references resolved in its data. Everything else (name, properties,
   * `instanceof`) is the provider's own, so code that looks for a provider class still finds it.
   */
  decorate<P extends ConfigurationProvider>(provider: P): P {
    const tracked: Tracked = { provider, hasVersionless: false };
    this.#tracked.add(tracked);
    this.#live++;
    const load = async (): Promise<ProviderData> => {
      this.#begin();
      try {
        return await this.#resolve(tracked, await provider.load());
      } finally {
        this.#end();
      }
    };
    const watch = (sink: ProviderWatchSink) => this.#watch(tracked, sink);
    const dispose = async (): Promise<void> => {
      try {
        await provider.dispose?.();
      } finally {
        if (--this.#live === 0) await this.dispose();
      }
    };
    // A Proxy rather than a wrapper class: providers expose more than the interface (App
    // Configuration's refresher is found by `instanceof`), and their private fields need the real
    // object as `this`, so every other member is read from and bound to the target.
    return new Proxy(provider, {
      get(target, prop) {
        if (prop === 'load') return load;
        if (prop === 'watch') return watch;
        if (prop === 'dispose') return dispose;
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' && prop !== 'constructor' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  /**
   * Re-reads every versionless reference of the watched providers now (the interval calls it).
   * All or nothing: when one fails, no provider's data changes and each failure goes to its sink.
   */
  async refresh(): Promise<void> {
    const targets = [...this.#watchers].filter((w) => w.tracked.raw !== undefined && w.tracked.hasVersionless);
    if (targets.length === 0 || this.#disposed) return;
    const versions = targets.map((w) => w.sink.readStarted?.());
    this.#begin();
    try {
      const results = await Promise.allSettled(targets.map((w) => this.#resolve(w.tracked, w.tracked.raw!)));
      if (this.#disposed) return;
      const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [{ error: r.reason as unknown, i }] : []));
      if (failed.length > 0) {
        for (const { error, i } of failed) targets[i]!.sink.error(error);
        return;
      }
      // Delivered even when unchanged: a reload the root rejected (another layer failed) may have
      // left it showing older values than the last ones read here, and this puts them right.
      // In one batch: listeners hear of the refresh once, with every layer's new values in place.
      const apply = () => results.forEach((r, i) => targets[i]!.sink.update((r as PromiseFulfilledResult<ProviderData>).value, versions[i]));
      const batch = targets[0]!.sink.batch;
      if (batch) batch(apply);
      else apply();
    } finally {
      this.#end();
    }
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#stopTimer();
    this.#watchers.clear();
    this.#versioned.clear();
    const resolver = this.#resolver;
    this.#resolver = undefined;
    await resolver?.then((r) => r.dispose(), () => undefined);
  }

  #watch(tracked: Tracked, sink: ProviderWatchSink): () => Promise<void> {
    const watcher: Watcher = { tracked, sink };
    this.#watchers.add(watcher);
    this.#syncTimer();
    const inner = tracked.provider.watch?.({
      ...(sink.readStarted ? { readStarted: () => sink.readStarted!() } : {}),
      update: (data, version) => {
        // A changed file re-reads its references, as a configuration change does on the platform.
        this.#begin();
        this.#resolve(tracked, data)
          .then(
            (resolved) => sink.update(resolved, version),
            (error: unknown) => sink.error(error),
          )
          .finally(() => this.#end());
      },
      error: (error) => sink.error(error),
    });
    return async () => {
      this.#watchers.delete(watcher);
      this.#syncTimer();
      await inner?.();
    };
  }

  /** The interval runs only while a watched layer holds a versionless reference. */
  #syncTimer(): void {
    const needed = [...this.#watchers].some((w) => w.tracked.hasVersionless);
    if (!needed) {
      this.#stopTimer();
      return;
    }
    const interval = this.#options.refreshIntervalMs ?? KEY_VAULT_REFERENCE_REFRESH_MS;
    if (this.#timer !== undefined || interval === false || this.#disposed) return;
    this.#timer = setInterval(() => {
      // refresh() reports its failures to the sinks; nothing can be left to reject here.
      this.refresh().catch(() => undefined);
    }, Math.max(1000, interval));
    // Never keeps a process alive; dispose() clears it.
    this.#timer.unref?.();
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #begin(): void {
    if (this.#active++ === 0) this.#clearPending = true;
  }

  #end(): void {
    this.#active--;
  }

  /** The provider's data with every reference replaced; the same map when it holds none. */
  async #resolve(tracked: Tracked, data: ProviderData): Promise<ProviderData> {
    const provider = tracked.provider;
    const found: Array<{ folded: string; entry: ProviderEntry; ref: KeyVaultReferenceParts }> = [];
    // Every layer's every value, at start-up: only the values that look like references become pairs.
    for (const [folded, entry] of entriesWhere(data, looksLikeKeyVaultReference, KEY_VAULT_REFERENCE_MARK)) {
      const where = { key: entry.key, provider: provider.name, ...(entry.source !== undefined ? { source: entry.source } : {}) };
      const ref = parseKeyVaultReference(
        entry.value,
        where,
        this.#options.vaultUrlFromName ? { vaultUrlFromName: this.#options.vaultUrlFromName } : {},
      );
      found.push({ folded, entry, ref });
    }
    if (found.length === 0) {
      tracked.raw = data;
      tracked.resolved = data;
      tracked.hasVersionless = false;
      this.#syncTimer();
      return data;
    }
    const results = await Promise.allSettled(found.map(({ ref }) => this.#read(ref)));
    const out = new Map(data);
    let firstError: KeyVaultReferenceResolutionError | undefined;
    results.forEach((result, i) => {
      const { folded, entry, ref } = found[i]!;
      if (result.status === 'fulfilled') {
        out.set(folded, { key: entry.key, value: result.value, source: referenceSource(ref, entry.source), secret: true });
        return;
      }
      const error = resolutionError(result.reason, entry, provider.name, ref, this.#resolvedValues());
      if (this.#options.onUnresolved === 'keep') {
        (this.#context.logger ?? console).warn(`${error.message} The literal reference is kept, as App Service does.`);
      } else {
        firstError ??= error;
      }
    });
    if (firstError) throw firstError;
    tracked.raw = data;
    tracked.resolved = out;
    tracked.hasVersionless = found.some(({ ref }) => ref.secretVersion === undefined);
    this.#syncTimer();
    return out;
  }

  /** Every secret value resolved so far, to scrub from a foreign message that might quote one. */
  #resolvedValues(): string[] {
    const values: string[] = [];
    for (const t of this.#tracked) for (const e of t.resolved?.values() ?? []) if (e.secret && e.value) values.push(e.value);
    return values;
  }

  async #read(ref: KeyVaultReferenceParts): Promise<string> {
    if (ref.secretVersion !== undefined) {
      const id = ref.secretId.toLowerCase();
      let value = this.#versioned.get(id);
      if (!value) {
        value = this.#resolverInstance().then((r) => r.resolve(ref.secretId).then((s) => s.value));
        this.#versioned.set(id, value);
        const pending = value;
        // A failure is not remembered: the next reload may succeed.
        pending.catch(() => {
          if (this.#versioned.get(id) === pending) this.#versioned.delete(id);
        });
      }
      return value;
    }
    const resolver = await this.#resolverInstance();
    if (this.#clearPending) {
      // First read of this round: forget versionless values from earlier rounds (the resolver
      // still shares reads within the round).
      this.#clearPending = false;
      resolver.clear();
    }
    return (await resolver.resolve(ref.secretId)).value;
  }

  #resolverInstance(): Promise<KeyVaultSecretResolver> {
    if (this.#disposed) return Promise.reject(new ConfigurationError('The Key Vault reference resolver was disposed.', 'DISPOSED'));
    if (!this.#resolver) {
      const pending = (async () => {
        const { KeyVaultSecretResolver } = await import('./secretResolver.js');
        const credential = this.#options.credential ?? (await this.#context.credential());
        return new KeyVaultSecretResolver({
          credential,
          ...(this.#options.clientOptions ? { clientOptions: this.#options.clientOptions } : {}),
          ...(this.#options.maxConcurrency !== undefined ? { maxConcurrency: this.#options.maxConcurrency } : {}),
          ...(this.#options.retry ? { retry: this.#options.retry } : {}),
        });
      })();
      this.#resolver = pending;
      pending.catch(() => {
        if (this.#resolver === pending) this.#resolver = undefined;
      });
    }
    return this.#resolver;
  }
}

/** The resolver's error, named by the key and layer that held the reference. Our errors carry no values. */
function resolutionError(
  error: unknown,
  entry: ProviderEntry,
  provider: string,
  ref: KeyVaultReferenceParts,
  known: readonly string[],
): KeyVaultReferenceResolutionError {
  const code = (error as { code?: unknown })?.code;
  const status = (error as { statusCode?: unknown })?.statusCode;
  // A foreign error (a credential that could not be created), or one whose chain quotes a value we
  // hold (a service message), is kept only as a sanitized copy.
  const quotes = known.some((value) => chainText(error).includes(value));
  const cause = error instanceof ConfigurationError && !quotes ? error : sanitizedCause(error, known);
  const why = scrubSecrets(cause.message.split('\n')[0]!.slice(0, 300), known);
  return new KeyVaultReferenceResolutionError(
    `Cannot resolve the Key Vault reference in '${entry.key}' from ${provider}${entry.source ? ` (${entry.source})` : ''}: ` +
      `secret '${ref.secretName}' in vault '${ref.vaultUrl}'${typeof code === 'string' ? ` (${code})` : ''}: ${why}`,
    {
      key: entry.key,
      provider,
      source: referenceSource(ref, entry.source),
      vaultUrl: ref.vaultUrl,
      secretName: ref.secretName,
      cause,
      ...(typeof status === 'number' ? { statusCode: status } : {}),
    },
  );
}

function chainText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    const message = (current as { message?: unknown }).message;
    parts.push(typeof message === 'string' ? message : String(current));
    current = (current as { cause?: unknown }).cause;
  }
  return parts.join('\n');
}
