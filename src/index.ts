// Public API: re-exports only. Importing this module must not load any Azure SDK or Redis module;
// those are imported lazily by the providers and binders that need them.

// root.bind() and section.bind() come from the binder, whichever entry a program uses (src/binding/methods.ts).
import './binding/methods.js';

// core
export * from './core/errors.js';
export { foldKey, combinePath, getSectionKey, getParentPath, compareKeys } from './core/path.js';
export type { ConfigurationProvider, ProviderData, ProviderEntry, ProviderWatchSink } from './core/provider.js';
export { providerData } from './core/provider.js';
export { isSecretKey, isSecretValue, fingerprint } from './core/secrets.js';
export { ConfigurationRoot } from './core/root.js';
export type { ValueOrigin, Explanation, ExplainedValue, ChangeListener, ErrorListener } from './core/root.js';
export { ConfigurationSection } from './core/section.js';
export { ConfigurationBuilder } from './builder.js';

// providers
export { MemoryProvider } from './providers/memory.js';
export type { InMemoryValues, InMemoryOptions } from './providers/memory.js';
export { JsonFileProvider } from './providers/jsonFile.js';
export type { JsonFileOptions } from './providers/jsonFile.js';
export type { FileProviderOptions } from './providers/fileProvider.js';
export { UserSecretsProvider, userSecretsPath, findUserSecretsId } from './providers/userSecrets.js';
export type { UserSecretsOptions } from './providers/userSecrets.js';
export { DotenvProvider } from './providers/dotenv.js';
export type { DotenvOptions } from './providers/dotenv.js';
export { EnvironmentVariablesProvider } from './providers/environment.js';
export type { EnvironmentVariablesOptions } from './providers/environment.js';
export { CommandLineProvider } from './providers/commandLine.js';
export type { CommandLineOptions, SwitchMappings } from './providers/commandLine.js';
export { KeyPerFileProvider } from './providers/keyPerFile.js';
export type { KeyPerFileOptions } from './providers/keyPerFile.js';
export { LocalSettingsProvider } from './providers/localSettings.js';
export type { LocalSettingsOptions } from './providers/localSettings.js';
export { parseLocalSettings, LocalSettingsEncryptedError } from './parsers/localSettings.js';
export { parseJsonConfiguration, flattenJsonSetting } from './parsers/json.js';
export type { JsonEntry } from './parsers/json.js';

// binding
export { dictionaryOf } from './binding/bind.js';
export type { Bound, BindDefaultsOptions, DictionaryOf } from './binding/bind.js';
export { isConvictSchema, validateWithSchema } from './binding/schema.js';
export type { SchemaBindOptions, SchemaResult, SchemaLeafType, IsConvictSchema } from './binding/schema.js';
export type { BindOptions, BindResult } from './binding/index.js';
export { isStandardSchema } from './binding/standardSchema.js';
export type { StandardSchemaV1, StandardJSONSchemaV1, StandardTypedV1 } from './binding/standardSchemaSpec.js';
export type { SettingsOf } from './binding/settings.js';
export { describeSchema, environmentVariableName, keyVaultSecretName, formatDescriptionTable, formatDotenvExample } from './binding/describe.js';
export type { SettingDescription } from './binding/describe.js';
export { createOverrideView, OVERRIDES_PROVIDER_NAME } from './core/overrides.js';
export type { OverrideValues } from './core/overrides.js';

// loadConfig
export { loadConfig, resolveEnvironmentName, remoteLayers } from './loadConfig.js';
export type { LoadConfigOptions, ConfigLogger, RemoteLayer, RemoteLayerContext, ValidatedConfigurationRoot } from './loadConfig.js';

// azure: key vault
export { AzureKeyVaultProvider, azureKeyVault, defaultKeyVaultKey } from './providers/azureKeyVault.js';
export type { AzureKeyVaultOptions, KeyVaultSecretManager, KeyVaultLogger } from './providers/azureKeyVault.js';
export { KeyVaultError } from './remote/keyvault/errors.js';
export type { KeyVaultErrorCode } from './remote/keyvault/errors.js';
export { KeyVaultSecretResolver, parseKeyVaultSecretId } from './remote/keyvault/secretResolver.js';
export type { KeyVaultSecretResolverOptions, KeyVaultSecretId, ResolvedSecret } from './remote/keyvault/secretResolver.js';
export { discoverKeyVault, keyVaultLayer } from './discovery/keyVault.js';
export type { DiscoveredKeyVault, KeyVaultLayerOptions } from './discovery/keyVault.js';
export { parseKeyVaultReference, looksLikeKeyVaultReference, InvalidKeyVaultReferenceError } from './parsers/keyVaultReference.js';
export type { KeyVaultReferenceParts, KeyVaultReferenceParseOptions } from './parsers/keyVaultReference.js';
export { KeyVaultReferences, KeyVaultReferenceResolutionError, KEY_VAULT_REFERENCE_REFRESH_MS } from './remote/keyvault/references.js';
export type { KeyVaultReferenceOptions, KeyVaultReferencesContext } from './remote/keyvault/references.js';
export { withRetry, isTransientError, retryAfterMs } from './net/retry.js';
export type { RetryOptions } from './net/retry.js';

// azure: app configuration
export { AzureAppConfigurationProvider } from './providers/azureAppConfiguration.js';
export type { AzureAppConfigurationOptions, AzureAppConfigurationKeyVaultOptions } from './providers/azureAppConfiguration.js';
export type { SettingSelector, KeyValueSelector, SnapshotSelector } from './remote/appconfig/selectors.js';
export type { RefreshOptions as AppConfigurationRefreshOptions, Sentinel as AppConfigurationSentinel } from './remote/appconfig/refresh.js';
export { KeyVaultReferenceError } from './remote/appconfig/keyVaultReferences.js';
export type { SecretResolver, KeyVaultReferenceProblem } from './remote/appconfig/keyVaultReferences.js';
export { discoverAppConfiguration, appConfigurationLayer } from './discovery/appConfiguration.js';
export type { DiscoveredAppConfiguration, AppConfigurationLayerOptions } from './discovery/appConfiguration.js';
export { appConfigurationRefreshers } from './providers/azureAppConfiguration.js';
export type { AppConfigurationRefresher } from './providers/azureAppConfiguration.js';
export { parsePushNotifications, KEY_VALUE_EVENT_TYPES } from './remote/appconfig/pushRefresh.js';
export type { PushNotification, PushNotificationOptions } from './remote/appconfig/pushRefresh.js';
export type { SrvRecord, ReplicaDiscoveryOption, ReplicaBackoff } from './remote/appconfig/replicas.js';
export { AdaptiveLimiter } from './net/concurrency.js';

// azure: signalr
export * from './binders/signalr/index.js';

// azure: redis
export * from './binders/redis/index.js';
