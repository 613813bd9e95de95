/**
 * Resolves Key Vault secret identifiers (`https://<vault>/secrets/<name>[/<version>]`), as App
 * Configuration's Key Vault references carry them. One SecretClient per vault; each identifier is
 * fetched once (in-flight and resolved results shared); at most `maxConcurrency` fetches at once.
 * The first request to a vault goes out alone so only it pays the 401 challenge.
 */
import { inspect } from 'node:util';
import { setMaxListeners } from 'node:events';
import type { TokenCredential } from '@azure/core-auth';
import type { SecretClient, SecretClientOptions } from '@azure/keyvault-secrets';
import { AdaptiveLimiter, ConcurrencyLimiter, holdOnThrottle, throttleOutcome } from '../../net/concurrency.js';
import { withRetry, type RetryOptions } from '../../net/retry.js';
import { createSecretClient, defaultCredential, shownUrl } from './client.js';
import { KeyVaultError, toKeyVaultError } from './errors.js';
import { readSecretIdentifier, type SecretIdentifierProblem } from '../../parsers/keyVaultSecretId.js';

export interface KeyVaultSecretResolverOptions {
  /** Default: `DefaultAzureCredential`, imported when first needed. */
  credential?: TokenCredential;
  /** Passed to every SecretClient. SDK retries stay off unless `retryOptions` is given here. */
  clientOptions?: SecretClientOptions;
  /** Parallel fetches across all vaults. Default 16. */
  maxConcurrency?: number;
  retry?: Omit<RetryOptions, 'abortSignal' | 'retryAfterDeadline'>;
}

export interface KeyVaultSecretId {
  /** `https://host[:port]`. */
  vaultUrl: string;
  name: string;
  version?: string;
}

export interface ResolveOptions {
  /** Epoch ms: a server's `Retry-After` that would end later fails the fetch at once. */
  retryAfterDeadline?: number;
}

export interface ResolvedSecret extends KeyVaultSecretId {
  value: string;
}

/** Each problem in this module's words (`KEY_VAULT_SECRET_ID`); the identifier is shown redacted. */
const SECRET_ID_PROBLEMS: Record<SecretIdentifierProblem, string> = {
  'not-absolute': 'not an absolute URL.',
  'not-https': 'the scheme must be https.',
  'query-or-user-info': 'it must not carry a query, fragment or user info.',
  'not-a-secret-path': 'expected https://<vault>/secrets/<name>[/<version>].',
  'malformed-escape': 'it has a malformed %-escape.',
  'bad-name': 'the secret name must be 1-127 letters, digits or dashes.',
  'bad-version': 'the version must be letters and digits.',
};

/** Parses a secret identifier; a KeyVaultError `KEY_VAULT_SECRET_ID` when it is not one. */
export function parseKeyVaultSecretId(secretId: string): KeyVaultSecretId {
  const id = readSecretIdentifier(secretId);
  if (!id.ok) {
    const shown = shownUrl(secretId);
    throw new KeyVaultError(`Key Vault secret identifier '${shown}' is invalid: ${SECRET_ID_PROBLEMS[id.problem]}`, 'KEY_VAULT_SECRET_ID', { source: shown });
  }
  return { vaultUrl: id.vaultUrl, name: id.name, ...(id.version ? { version: id.version } : {}) };
}

interface VaultClient {
  client: Promise<SecretClient>;
  /** Settles when the vault's first request has finished (the challenge is done). */
  ready?: Promise<void>;
  /** This vault's in-flight limit, following the throttling it answers with. */
  limiter: AdaptiveLimiter;
}

export class KeyVaultSecretResolver {
  readonly #options: KeyVaultSecretResolverOptions;
  readonly #limiter: ConcurrencyLimiter;
  readonly #vaults = new Map<string, VaultClient>();
  readonly #results = new Map<string, Promise<ResolvedSecret>>();
  #credential: Promise<TokenCredential> | undefined;
  #disposed = false;
  /** Aborted by dispose(): every request and retry wait in flight stops. */
  readonly #abort = new AbortController();

  constructor(options: KeyVaultSecretResolverOptions = {}) {
    setMaxListeners(0, this.#abort.signal);
    this.#options = options;
    this.#limiter = new ConcurrencyLimiter(options.maxConcurrency ?? 16);
  }

  /**
   * Resolves one identifier; the same identifier (case-insensitive) is fetched only once.
   * `retryAfterDeadline` (epoch ms): a `Retry-After` ending later fails the fetch at once instead of
   * being waited out (a refresh that must not park behind a throttled vault).
   */
  resolve(secretId: string, options: ResolveOptions = {}): Promise<ResolvedSecret> {
    if (this.#disposed) return Promise.reject(new KeyVaultError('The Key Vault secret resolver was disposed.', 'KEY_VAULT_REQUEST'));
    let id: KeyVaultSecretId;
    try {
      id = parseKeyVaultSecretId(secretId);
    } catch (error) {
      return Promise.reject(error);
    }
    const cacheKey = `${id.vaultUrl}/secrets/${id.name}/${id.version ?? ''}`.toLowerCase();
    let result = this.#results.get(cacheKey);
    if (!result) {
      result = this.#fetch(id, options);
      this.#results.set(cacheKey, result);
      // A failure is not cached: the next refresh may succeed.
      result.catch(() => {
        if (this.#results.get(cacheKey) === result) this.#results.delete(cacheKey);
      });
    }
    return result;
  }

  /** Forgets resolved values so the next `resolve` fetches again (a refresh). Clients are kept. */
  clear(): void {
    this.#results.clear();
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    this.#abort.abort();
    this.#results.clear();
    this.#vaults.clear();
  }

  async #fetch(id: KeyVaultSecretId, options: ResolveOptions): Promise<ResolvedSecret> {
    const vault = this.#vault(id.vaultUrl);
    const run = async (): Promise<ResolvedSecret> => {
      try {
        const client = await vault.client;
        const abortSignal = this.#abort.signal;
        const secret = await this.#limiter.run(() =>
          withRetry(
            () =>
              vault.limiter.run(() => client.getSecret(id.name, { abortSignal, ...(id.version ? { version: id.version } : {}) }), {
                classify: throttleOutcome,
                signal: abortSignal,
              }),
            {
              // Throttles have their own, larger budget: a busy vault asks to come back, it is not failing.
              maxThrottledRetries: 20,
              ...this.#options.retry,
              onRetry: (info) => {
                holdOnThrottle(vault.limiter, info);
                this.#options.retry?.onRetry?.(info);
              },
              abortSignal,
              ...(options.retryAfterDeadline !== undefined ? { retryAfterDeadline: options.retryAfterDeadline } : {}),
            },
          ),
        );
        return {
          value: secret.value ?? '',
          vaultUrl: id.vaultUrl,
          name: secret.name,
          ...(secret.properties.version ? { version: secret.properties.version } : id.version ? { version: id.version } : {}),
        };
      } catch (error) {
        throw toKeyVaultError(error, {
          vaultUrl: id.vaultUrl,
          secretName: id.name,
          operation: `reading secret '${id.name}'${id.version ? ` version ${id.version}` : ''}`,
        });
      }
    };
    if (!vault.ready) {
      const first = run();
      vault.ready = first.then(
        () => undefined,
        () => undefined,
      );
      return first;
    }
    await vault.ready;
    return run();
  }

  #vault(vaultUrl: string): VaultClient {
    const key = vaultUrl.toLowerCase();
    let vault = this.#vaults.get(key);
    if (!vault) {
      const client = this.#getCredential().then((credential) => createSecretClient(vaultUrl, credential, this.#options.clientOptions));
      vault = { client, limiter: new AdaptiveLimiter({ max: this.#options.maxConcurrency ?? 16 }) };
      this.#vaults.set(key, vault);
      const created = vault;
      // A credential or SDK import failure should not poison the vault for later refreshes.
      client.catch(() => {
        if (this.#vaults.get(key) === created) this.#vaults.delete(key);
      });
    }
    return vault;
  }

  /** One default credential shared by every vault; a failure to create it is not cached. */
  #getCredential(): Promise<TokenCredential> {
    if (this.#options.credential) return Promise.resolve(this.#options.credential);
    if (!this.#credential) {
      const pending = defaultCredential();
      this.#credential = pending;
      // An import failure or a throwing constructor (e.g. a bad AZURE_TOKEN_CREDENTIALS) may be
      // fixed later; a cached rejection would fail every later refresh the same way.
      pending.catch(() => {
        if (this.#credential === pending) this.#credential = undefined;
      });
    }
    return this.#credential;
  }

  [inspect.custom](): string {
    return `KeyVaultSecretResolver { vaults: ${this.#vaults.size}, cached: ${this.#results.size} }`;
  }

  toJSON(): { vaults: number; cached: number } {
    return { vaults: this.#vaults.size, cached: this.#results.size };
  }
}
