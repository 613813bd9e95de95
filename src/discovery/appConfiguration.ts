/**
 * Whether `loadConfig` should add an App Configuration layer, and which store (SPEC §7): an
 * explicit option, else the Service Connector variables `AZURE_APPCONFIGURATION_ENDPOINT` (Entra)
 * or `AZURE_APPCONFIGURATION_CONNECTIONSTRING` (HMAC), else the key `AppConfiguration:Endpoint`
 * of the layers loaded before it. Nothing here imports the Azure SDK.
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { ConfigurationError } from '../core/errors.js';
import { present, settingFromTree, type DiscoveryTree } from './tree.js';
import type { ConfigurationProvider } from '../core/provider.js';
import { AzureAppConfigurationProvider, type AzureAppConfigurationOptions } from '../providers/azureAppConfiguration.js';

export const APP_CONFIGURATION_ENDPOINT_VARIABLE = 'AZURE_APPCONFIGURATION_ENDPOINT';
export const APP_CONFIGURATION_CONNECTION_STRING_VARIABLE = 'AZURE_APPCONFIGURATION_CONNECTIONSTRING';
export const APP_CONFIGURATION_ENDPOINT_KEY = 'AppConfiguration:Endpoint';

/** `loadConfig({ appConfiguration })`: the provider options, all optional here; `false` turns the layer off. */
export type AppConfigurationLayerOptions = Partial<AzureAppConfigurationOptions>;

export interface DiscoveredAppConfiguration {
  /** Exactly one of `endpoint` and `connectionString`. */
  endpoint?: string;
  connectionString?: string;
  /** Where it came from, for messages: an option, a variable, or the key and its provider. Never the connection string. */
  source: string;
  /** Found in `endpoints` / `connectionStrings`: the options carry the whole list. */
  list?: boolean;
}

export function discoverAppConfiguration(
  config: DiscoveryTree,
  env: NodeJS.ProcessEnv,
  options?: false | Readonly<Record<string, unknown>>,
): DiscoveredAppConfiguration | undefined {
  if (options === false) return undefined;
  const explicit = options as { endpoint?: unknown; connectionString?: unknown; endpoints?: unknown; connectionStrings?: unknown } | undefined;
  // A replica list names the store by its first (primary) entry.
  if (Array.isArray(explicit?.connectionStrings) && present(explicit.connectionStrings[0])) {
    return { connectionString: explicit.connectionStrings[0].trim(), source: 'options.appConfiguration.connectionStrings', list: true };
  }
  if (Array.isArray(explicit?.endpoints) && explicit.endpoints.length > 0) {
    return { endpoint: String(explicit.endpoints[0]).trim(), source: 'options.appConfiguration.endpoints', list: true };
  }
  if (present(explicit?.connectionString)) return { connectionString: explicit.connectionString.trim(), source: 'options.appConfiguration.connectionString' };
  if (explicit?.endpoint instanceof URL) return { endpoint: explicit.endpoint.href, source: 'options.appConfiguration.endpoint' };
  if (present(explicit?.endpoint)) return { endpoint: explicit.endpoint.trim(), source: 'options.appConfiguration.endpoint' };
  // Service Connector sets one of the two; an identity is preferred when both are there.
  const endpoint = env[APP_CONFIGURATION_ENDPOINT_VARIABLE];
  if (present(endpoint)) return { endpoint: endpoint.trim(), source: `env ${APP_CONFIGURATION_ENDPOINT_VARIABLE}` };
  const connectionString = env[APP_CONFIGURATION_CONNECTION_STRING_VARIABLE];
  if (present(connectionString)) return { connectionString: connectionString.trim(), source: `env ${APP_CONFIGURATION_CONNECTION_STRING_VARIABLE}` };
  const fromTree = settingFromTree(config, APP_CONFIGURATION_ENDPOINT_KEY);
  return fromTree && { endpoint: fromTree.value, source: fromTree.source };
}

/** What `loadConfig` hands a remote layer (structurally the lead's `RemoteLayerContext`). */
export interface AppConfigurationLayerContext {
  readonly discovery: DiscoveryTree;
  readonly env: NodeJS.ProcessEnv;
  readonly options: { appConfiguration?: false | Readonly<Record<string, unknown>>; logger?: { warn(message: string): void } };
  credential(): Promise<TokenCredential>;
}

/** Defers creating the default credential (and importing `@azure/identity`) until a token is needed. */
function lazyCredential(get: () => Promise<TokenCredential>): TokenCredential {
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      return (await get()).getToken(scopes, options);
    },
  };
}

/** The App Configuration layer for `loadConfig`'s remote layers: a provider when a store is configured. */
export const appConfigurationLayer = {
  name: 'AzureAppConfiguration',
  async create(context: AppConfigurationLayerContext): Promise<ConfigurationProvider | undefined> {
    const layerOptions = context.options.appConfiguration;
    const found = discoverAppConfiguration(context.discovery, context.env, layerOptions);
    if (!found) return undefined;
    const options = (layerOptions || {}) as AppConfigurationLayerOptions;
    const credential = options.credential ?? lazyCredential(() => context.credential());
    const { endpoint: _endpoint, connectionString: _connectionString, ...rest } = options;
    const logger = options.logger ?? context.options.logger;
    try {
      return new AzureAppConfigurationProvider({
        ...rest,
        ...(found.list
          ? { credential }
          : found.connectionString !== undefined
            ? { connectionString: found.connectionString }
            : { endpoint: found.endpoint!, credential }),
        // References resolve with the same identity unless told otherwise, even with a connection string.
        keyVault: { ...options.keyVault, credential: options.keyVault?.credential ?? credential },
        ...(logger ? { logger } : {}),
      });
    } catch (error) {
      // Say where a bad endpoint or connection string came from (our messages never quote a connection string).
      if (error instanceof ConfigurationError) {
        throw new ConfigurationError(`${error.message} (from ${found.source})`, error.code, { source: found.source, provider: 'AzureAppConfigurationProvider' });
      }
      throw error;
    }
  },
};
