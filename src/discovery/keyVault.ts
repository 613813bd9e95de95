/**
 * Whether `loadConfig` should add a Key Vault layer, and which vault (SPEC §7): an explicit
 * option, else the Service Connector variable `AZURE_KEYVAULT_RESOURCEENDPOINT`, else the key
 * `KeyVault:VaultUri` of the layers loaded before it (as .NET apps read it from appsettings.json).
 * Nothing here imports the Azure SDK; the provider does that when it first loads.
 */
import type { TokenCredential } from '@azure/core-auth';
import type { ConfigurationProvider } from '../core/provider.js';
import { KeyVaultError } from '../remote/keyvault/errors.js';
import { AzureKeyVaultProvider, type AzureKeyVaultOptions, type KeyVaultLogger } from '../providers/azureKeyVault.js';
import { present, settingFromTree, type DiscoveryTree } from './tree.js';

export const KEY_VAULT_ENDPOINT_VARIABLE = 'AZURE_KEYVAULT_RESOURCEENDPOINT';
export const KEY_VAULT_URI_KEY = 'KeyVault:VaultUri';

/** `loadConfig({ keyVault })`: the provider options, all optional here; `false` turns the layer off. */
export type KeyVaultLayerOptions = Partial<AzureKeyVaultOptions>;

export interface DiscoveredKeyVault {
  vaultUrl: string;
  /** Where the URL came from: `options.keyVault.vaultUrl`, `env AZURE_KEYVAULT_RESOURCEENDPOINT`, or the key and its provider. */
  source: string;
}

export function discoverKeyVault(
  config: DiscoveryTree,
  env: NodeJS.ProcessEnv,
  options?: false | Readonly<{ vaultUrl?: string }> | Readonly<Record<string, unknown>>,
): DiscoveredKeyVault | undefined {
  if (options === false) return undefined;
  const explicit = (options as { vaultUrl?: unknown } | undefined)?.vaultUrl;
  if (present(explicit)) return { vaultUrl: explicit.trim(), source: 'options.keyVault.vaultUrl' };
  const fromEnv = env[KEY_VAULT_ENDPOINT_VARIABLE];
  if (present(fromEnv)) return { vaultUrl: fromEnv.trim(), source: `env ${KEY_VAULT_ENDPOINT_VARIABLE}` };
  const fromTree = settingFromTree(config, KEY_VAULT_URI_KEY);
  return fromTree && { vaultUrl: fromTree.value, source: fromTree.source };
}

/** What `loadConfig` hands a remote layer (structurally the lead's `RemoteLayerContext`). */
export interface KeyVaultLayerContext {
  readonly discovery: DiscoveryTree;
  readonly env: NodeJS.ProcessEnv;
  readonly options: { keyVault?: false | Readonly<Record<string, unknown>>; logger?: KeyVaultLogger };
  credential(): Promise<TokenCredential>;
}

/** The Key Vault layer for `loadConfig`'s remote layers: a provider when a vault is configured. */
export const keyVaultLayer = {
  name: 'AzureKeyVault',
  async create(context: KeyVaultLayerContext): Promise<ConfigurationProvider | undefined> {
    const layerOptions = context.options.keyVault;
    const found = discoverKeyVault(context.discovery, context.env, layerOptions);
    if (!found) return undefined;
    const options = (layerOptions || {}) as KeyVaultLayerOptions;
    try {
      return new AzureKeyVaultProvider({
      ...options,
      vaultUrl: found.vaultUrl,
      credential: options.credential ?? (await context.credential()),
        ...(options.logger ?? context.options.logger ? { logger: options.logger ?? context.options.logger } : {}),
      });
    } catch (error) {
      // Say where a bad vault URL came from: the variable, or the file that set KeyVault:VaultUri.
      if (error instanceof KeyVaultError) {
        throw new KeyVaultError(`${error.message} (from ${found.source})`, error.code, { source: found.source });
      }
      throw error;
    }
  },
};
