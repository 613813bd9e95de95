import { ConfigurationError } from '../../core/errors.js';
import type { ConfigurationRoot } from '../../core/root.js';
import { createRedisClient, redisOperationError, type CreateRedisClientOptions } from './client.js';
import { findRedisSettings, type GetRedisSettingsOptions } from './settings.js';
import { formatHostPort, type RedisSettings } from './types.js';

export interface CheckRedisOptions extends GetRedisSettingsOptions {
  /** Also connect and PING. */
  connect?: boolean;
  /** Passed to `createRedisClient` when connecting (credential, socket overrides, CA…). */
  client?: CreateRedisClientOptions;
}

/** One line about the settings: host, port, TLS, database, auth mode and where they came from; never the secret. */
export function describeRedisSettings(settings: RedisSettings): string {
  const auth = settings.auth;
  const mode =
    auth.kind === 'accessKey'
      ? `access key${auth.user ? ` (user ${auth.user})` : ''}`
      : auth.kind === 'userAssignedIdentity'
        ? `Microsoft Entra ID, user-assigned managed identity ${auth.clientId}`
        : auth.kind === 'servicePrincipal'
          ? `Microsoft Entra ID, service principal ${auth.clientId} (tenant ${auth.tenantId})`
          : auth.kind === 'systemAssignedIdentity'
            ? 'Microsoft Entra ID, system-assigned managed identity'
            : 'no authentication';
  const from = settings.sources.length ? `; from ${settings.sources.map((s) => s.key).join(', ')}` : '';
  return `Redis: ${formatHostPort(settings.host, settings.port)}, ${settings.tls ? 'TLS' : 'no TLS'}, database ${settings.database}, ${mode}${from}`;
}

/**
 * For `layered-config check`: the Redis settings found (or none), their errors, and with
 * `connect` a PING. Nothing here throws for bad settings; every problem comes back in `errors`.
 */
export async function checkRedis(
  config: ConfigurationRoot,
  options: CheckRedisOptions = {},
): Promise<{ lines: string[]; errors: ConfigurationError[] }> {
  const lines: string[] = [];
  const errors: ConfigurationError[] = [];
  let settings: RedisSettings | undefined;
  try {
    settings = findRedisSettings(config, options);
  } catch (err) {
    if (err instanceof ConfigurationError) {
      errors.push(err);
      return { lines, errors };
    }
    throw err;
  }
  if (!settings) return { lines, errors };
  lines.push(describeRedisSettings(settings));
  if (!options.connect) return { lines, errors };
  try {
    const client = await createRedisClient(settings, options.client);
    try {
      const started = Date.now();
      const reply = await client.ping();
      lines.push(`Redis: PING ${formatHostPort(settings.host, settings.port)} → ${reply} in ${Date.now() - started} ms`);
    } finally {
      client.destroy();
    }
  } catch (err) {
    errors.push(err instanceof ConfigurationError ? err : redisOperationError(settings, 'Could not PING', err));
  }
  return { lines, errors };
}
