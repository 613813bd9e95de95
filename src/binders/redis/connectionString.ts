import { RedisConnectionStringError } from './errors.js';
import { azureKindOf, defaultPort } from './hosts.js';
import { effectivePort, parseStackExchangeConfiguration, type ParseStackExchangeOptions } from './stackExchange.js';
import { makeSettings, type RedisAuth, type RedisSettings, type RedisSettingSource } from './types.js';
import { isRedisUrl, parseRedisUrl } from './url.js';

export type ParseRedisConnectionStringOptions = ParseStackExchangeOptions;

/**
 * Connection settings from a StackExchange.Redis configuration string
 * (`<name>.redis.cache.windows.net:6380,password=…,ssl=True,abortConnect=False`) or a
 * `redis://` / `rediss://` URL. A password gives access-key auth; no password, `none`.
 */
export function parseRedisConnectionString(
  text: string,
  options: ParseRedisConnectionStringOptions = {},
  sources: readonly RedisSettingSource[] = [],
): RedisSettings {
  if (typeof text !== 'string') throw new RedisConnectionStringError('The Redis connection string is missing.');
  // Any other `scheme://` (`redi://`, `unix://`, `http://`) is a URL with the wrong scheme, not a
  // StackExchange.Redis host name: say so, as node-redis does, rather than "no endpoint".
  return isRedisUrl(text) || /^\s*[a-z][a-z0-9+.-]*:\/\//i.test(text) ? fromUrl(text, sources) : fromStackExchange(text, options, sources);
}

function accessKeyAuth(password: string | undefined, user: string | undefined): RedisAuth {
  if (password === undefined || password === '') return { kind: 'none' };
  return user === undefined || user === '' ? { kind: 'accessKey', password } : { kind: 'accessKey', password, user };
}

function fromStackExchange(text: string, options: ParseStackExchangeOptions, sources: readonly RedisSettingSource[]): RedisSettings {
  const parsed = parseStackExchangeConfiguration(text, options);
  if (parsed.endpoints.some((e) => e.unixSocket)) {
    throw new RedisConnectionStringError(
      'Unix domain socket endpoints (!path) are not supported; give a host name or an IP address.',
    );
  }
  const first = parsed.endpoints[0];
  if (!first) {
    throw new RedisConnectionStringError(
      'The Redis configuration string names no endpoint (host or host:port with an integer port).',
    );
  }
  const endpoints = parsed.endpoints.map((e) => ({ host: e.host, port: effectivePort(e, parsed.ssl) }));
  const { defaultDatabase, ssl: _ssl, ...rest } = parsed.options;
  const database = typeof defaultDatabase === 'number' ? defaultDatabase : 0;
  return makeSettings({
    host: first.host,
    port: endpoints[0]!.port,
    tls: parsed.ssl,
    database,
    ...(parsed.user ? { user: parsed.user } : {}),
    auth: accessKeyAuth(parsed.password, parsed.user),
    endpoints,
    ...(parsed.azure ? { azure: parsed.azure } : {}),
    format: 'stackExchange',
    options: { ...rest, abortConnect: parsed.abortConnect, ...(parsed.protocol !== undefined ? { protocol: parsed.protocol } : {}) },
    sources,
  });
}

function fromUrl(text: string, sources: readonly RedisSettingSource[]): RedisSettings {
  const url = parseRedisUrl(text);
  const azure = azureKindOf(url.host);
  const port = url.port ?? defaultPort(url.host, url.tls);
  return makeSettings({
    host: url.host,
    port,
    tls: url.tls,
    database: url.database,
    ...(url.user ? { user: url.user } : {}),
    auth: accessKeyAuth(url.password, url.user),
    endpoints: [{ host: url.host, port }],
    ...(azure ? { azure } : {}),
    format: 'url',
    options: { abortConnect: azure === undefined },
    sources,
  });
}
