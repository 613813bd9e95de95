// Redis connection settings and clients. Only `client.ts` and `check.ts` touch `redis`,
// `@redis/entraid` and `@azure/identity`, and only through dynamic imports.
export { parseRedisConnectionString } from './connectionString.js';
export type { ParseRedisConnectionStringOptions } from './connectionString.js';
export { parseStackExchangeConfiguration } from './stackExchange.js';
export type { StackExchangeConfiguration, StackExchangeEndpoint } from './stackExchange.js';
export { formatStackExchangeConfiguration } from './format.js';
export type { FormatStackExchangeOptions } from './format.js';
export { parseRedisUrl } from './url.js';
export type { ParsedRedisUrl } from './url.js';
export { getRedisSettings, findRedisSettings } from './settings.js';
export type { GetRedisSettingsOptions, RedisConfigurationSource } from './settings.js';
export { createRedisClient, createRedisCredentialsProvider, REDIS_ENTRA_SCOPE } from './client.js';
export type { CreateRedisClientOptions, RedisSocketOverrides } from './client.js';
export { checkRedis, describeRedisSettings } from './check.js';
export type { CheckRedisOptions } from './check.js';
export { RedisConnectionStringError, RedisSettingsError, RedisConnectionError } from './errors.js';
export { isEntraAuth } from './types.js';
export type { RedisSettings, RedisAuth, RedisAuthKind, RedisEndpoint, RedisSettingSource, AzureRedisKind, RedisExtraOptions } from './types.js';
