/**
 * The App Configuration provider's options, and the SDK client made from them. Apart from the
 * provider so that the builder, `loadConfig`'s discovery and the docs can name the options without
 * the provider's loading and refresh machinery.
 */
import type { TokenCredential } from '@azure/core-auth';
import type { AppConfigurationClient, AppConfigurationClientOptions } from '@azure/app-configuration';
import type { SecretClientOptions } from '@azure/keyvault-secrets';
import type { ReplicaBackoff, ReplicaDiscoveryOption } from './replicas.js';
import type { SettingSelector } from './selectors.js';
import type { SecretResolver } from './keyVaultReferences.js';
import type { RefreshOptions } from './refresh.js';

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
  featureFlags?: boolean | { selectors?: SettingSelector[] };
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

/**
 * The SDK client for one endpoint of the store (imported on first use). The SDK's own retries are
 * off unless the caller's `clientOptions` set them: retrying is ours, with failover (one retry layer).
 */
export async function createAppConfigurationClient(
  endpoint: string,
  connectionString: string | undefined,
  options: AzureAppConfigurationOptions,
): Promise<AppConfigurationClient> {
  const { AppConfigurationClient } = await import('@azure/app-configuration');
  const clientOptions: AppConfigurationClientOptions = {
    ...options.clientOptions,
    retryOptions: { maxRetries: 0, ...options.clientOptions?.retryOptions },
  };
  return connectionString !== undefined
    ? new AppConfigurationClient(connectionString, clientOptions)
    : new AppConfigurationClient(endpoint, options.credential!, clientOptions);
}
