/**
 * A connected node-redis client from `RedisSettings`. `redis`, `@redis/entraid` and
 * `@azure/identity` are imported only when a client is created, so importing the package stays cheap.
 */
import { isIP } from 'node:net';
import type { TokenCredential, TokenCredentialOptions } from '@azure/identity';
import type { RedisClientOptions, RedisClientType } from 'redis';
import type { TokenManagerConfig } from '@redis/client/dist/lib/authx/token-manager.js';
import type { BasicAuth } from '@redis/client/dist/lib/authx/credentials-provider.js';
import { hideCredentialInternals, isSecretKey, scrubSecrets } from '../../core/secrets.js';
import { RedisConnectionError, RedisSettingsError } from './errors.js';
import { describeCause as describeForeignCause, errorName, sanitizedCause } from '../../net/sanitize.js';
import { describeRedisSources, formatHostPort, isEntraAuth, type RedisAuth, type RedisSettings } from './types.js';

/** The Microsoft Entra scope of Azure Cache for Redis and Azure Managed Redis. */
export const REDIS_ENTRA_SCOPE = 'https://redis.azure.com/.default';

/** node-redis socket options, the TLS ones included (`ca`, `servername`, `reconnectStrategy`…). */
export type RedisSocketOverrides = Record<string, unknown> & { host?: string; port?: number; tls?: boolean };

export interface CreateRedisClientOptions {
  /**
   * Entra modes: the credential to get tokens from. Default: built from the settings —
   * `ManagedIdentityCredential` (system- or user-assigned) or `ClientSecretCredential`.
   */
  credential?: TokenCredential;
  /** Options for the credential built from the settings (`authorityHost`, `additionallyAllowedTenants`…). */
  credentialOptions?: TokenCredentialOptions;
  /** Default `https://redis.azure.com/.default`. */
  scopes?: string | string[];
  /**
   * `@redis/entraid` token manager settings. Default: its `DEFAULT_TOKEN_MANAGER_CONFIG`
   * (a new token at 70 % of the current one's lifetime, retries on network errors).
   */
  tokenManagerConfig?: TokenManagerConfig;
  /**
   * Merged over the socket built from the settings (`host`, `port`, `tls`, `servername`): point the
   * client at another address, trust another CA (`ca`), change timeouts or the reconnect strategy.
   */
  socket?: RedisSocketOverrides;
  /** Further node-redis options. `url`, `username`, `password` and `credentialsProvider` are refused: the settings own them. */
  clientOptions?: Omit<RedisClientOptions, 'url' | 'socket' | 'username' | 'password' | 'credentialsProvider' | 'database'>;
  /** Connect before returning (default true). */
  connect?: boolean;
  /**
   * Called when re-authentication with a fresh token fails. Default: an `error` event on the client
   * when it has listeners, else a warning on stderr. The error never contains the token.
   */
  onReAuthenticationError?: (error: RedisConnectionError) => void;
}

type AnyRedisClient = RedisClientType<any, any, any, any, any>;

function authLabel(auth: RedisAuth): string {
  switch (auth.kind) {
    case 'accessKey':
      return auth.user ? `access key as user '${auth.user}'` : 'access key';
    case 'systemAssignedIdentity':
      return 'Microsoft Entra ID, system-assigned managed identity';
    case 'userAssignedIdentity':
      return `Microsoft Entra ID, user-assigned managed identity ${auth.clientId}`;
    case 'servicePrincipal':
      return `Microsoft Entra ID, service principal ${auth.clientId} in tenant ${auth.tenantId}`;
    default:
      return 'no authentication';
  }
}

/** Secrets seen so far (password, client secret, recent tokens), so foreign error text can be scrubbed. */
class SecretBag {
  readonly #values: string[] = [];
  add(value: string | undefined): void {
    if (!value) return;
    this.#values.push(value);
    // Tokens rotate; remembering the last few is enough to scrub anything still in flight.
    if (this.#values.length > 8) this.#values.splice(1, 1);
  }
  scrub(text: string): string {
    return scrubSecrets(text, this.#values);
  }
  [Symbol.iterator](): Iterator<string> {
    return this.#values[Symbol.iterator]();
  }
}

function describeCause(err: unknown, secrets: SecretBag): string {
  return describeForeignCause(err, secrets);
}

/** A server reply (`WRONGPASS …`, `NOAUTH …`): node-redis's `ErrorReply` and its subclasses (`SimpleError`). */
function isReplyError(err: Error): boolean {
  for (let p = Object.getPrototypeOf(err); p && p !== Error.prototype; p = Object.getPrototypeOf(p)) {
    if (p.constructor?.name === 'ErrorReply') return true;
  }
  return false;
}

function causeCodeOf(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code !== '') return code;
  // A reply carries its code as the first word of the message, as Redis sends it.
  if (isReplyError(err)) return /^[A-Z][A-Z0-9_-]*\b/.exec(err.message)?.[0] ?? errorName(err);
  return errorName(err);
}

/**
 * A connect, PING or re-authentication failure as a `RedisConnectionError` that says where the
 * settings came from (key and provider, as the settings reader found them) next to the host and
 * port, with the cause's code kept and every known secret scrubbed. `key` is the credential's key
 * when the server refused the credential, else the first key (the host's, usually).
 */
function connectionError(
  settings: RedisSettings,
  what: string,
  err: unknown,
  secrets: SecretBag,
  target?: { host: string; port: number; tls: boolean },
): RedisConnectionError {
  const at = formatHostPort(settings.host, settings.port);
  const via = target && (target.host !== settings.host || target.port !== settings.port) ? ` via ${formatHostPort(target.host, target.port)}` : '';
  const from = settings.sources.length > 0 ? `; settings from ${describeRedisSources(settings.sources)}` : '';
  const refused = err instanceof Error && isReplyError(err);
  const main = (refused ? settings.sources.find((s) => isSecretKey(s.key)) : undefined) ?? settings.sources[0];
  const causeCode = causeCodeOf(err);
  return new RedisConnectionError(
    secrets.scrub(`${what} Redis at ${at}${via} (${(target?.tls ?? settings.tls) ? 'TLS' : 'no TLS'}, ${authLabel(settings.auth)}${from}): ${describeCause(err, secrets)}`),
    {
      keys: settings.sources.map((s) => s.key),
      ...(main ? { key: main.key, ...(main.provider !== undefined ? { provider: main.provider } : {}), ...(main.source !== undefined ? { source: main.source } : {}) } : {}),
      ...(causeCode !== undefined ? { causeCode } : {}),
      cause: sanitizedCause(err, secrets),
    },
  );
}

/** For `checkRedis`: a PING (or anything after connecting) that failed, described like a connect failure. */
export function redisOperationError(settings: RedisSettings, what: string, err: unknown): RedisConnectionError {
  return connectionError(settings, what, err, secretsOf(settings));
}

function secretsOf(settings: RedisSettings): SecretBag {
  const secrets = new SecretBag();
  if (settings.auth.kind === 'accessKey') secrets.add(settings.auth.password);
  if (settings.auth.kind === 'servicePrincipal') secrets.add(settings.auth.clientSecret);
  return secrets;
}

/** Builds the `@azure/identity` credential the settings call for. */
export async function credentialFor(auth: RedisAuth, options: TokenCredentialOptions = {}): Promise<TokenCredential> {
  const identity = await import('@azure/identity');
  switch (auth.kind) {
    case 'systemAssignedIdentity':
      return hideCredentialInternals(new identity.ManagedIdentityCredential(options));
    case 'userAssignedIdentity':
      return hideCredentialInternals(new identity.ManagedIdentityCredential({ ...options, clientId: auth.clientId }));
    case 'servicePrincipal':
      return hideCredentialInternals(new identity.ClientSecretCredential(auth.tenantId, auth.clientId, auth.clientSecret, options));
    default:
      throw new RedisSettingsError(`Redis auth '${auth.kind}' does not use Microsoft Entra ID.`);
  }
}

/**
 * The `@redis/entraid` streaming credentials provider for the Entra modes: tokens for
 * `https://redis.azure.com/.default`, user name = the token's `oid`, a fresh token (and `AUTH`) at
 * the token manager's refresh ratio. Usable on its own with `createCluster({ defaults: { credentialsProvider } })`.
 */
export async function createRedisCredentialsProvider(
  settings: RedisSettings,
  options: Pick<CreateRedisClientOptions, 'credential' | 'credentialOptions' | 'scopes' | 'tokenManagerConfig'> & {
    onReAuthenticationError?: (error: unknown) => void;
    /** Receives every token-derived credential pair, e.g. to scrub tokens from foreign messages. */
    onCredentials?: (credentials: BasicAuth) => void;
  } = {},
) {
  if (!isEntraAuth(settings.auth)) {
    throw new RedisSettingsError(`Redis settings for ${settings.host} use ${authLabel(settings.auth)}, not Microsoft Entra ID.`);
  }
  const entra = await import('@redis/entraid');
  const inner = options.credential ?? (await credentialFor(settings.auth, options.credentialOptions));
  // node-redis's token manager rejects unhandled (`TokenManager is not running…`) when a refresh
  // settles after the client was closed; a refresh that outlives its token manager never settles.
  const isRunning = () => provider.getTokenManager().isRunning();
  const credential: TokenCredential = {
    getToken: (scopes, opts) => {
      const refresh = isRunning();
      const stale = () => refresh && !isRunning();
      return inner.getToken(scopes, opts).then(
        (token) => (stale() ? new Promise<never>(() => {}) : token),
        (error: unknown) => (stale() ? new Promise<never>(() => {}) : Promise.reject(error)),
      );
    },
  };
  const provider = entra.EntraIdCredentialsProviderFactory.createForDefaultAzureCredential({
    credential,
    scopes: options.scopes ?? REDIS_ENTRA_SCOPE,
    // Leaving this out makes @redis/entraid fail with a TypeError deep inside: always pass one.
    tokenManagerConfig: options.tokenManagerConfig ?? entra.DEFAULT_TOKEN_MANAGER_CONFIG,
    credentialsMapper: (token) => {
      const credentials = entra.OID_CREDENTIALS_MAPPER(token);
      options.onCredentials?.(credentials);
      if (!credentials.username) {
        throw new RedisConnectionError(
          'The Microsoft Entra token has no oid claim; Redis needs the object id of the identity as the user name.',
        );
      }
      return credentials;
    },
    ...(options.onReAuthenticationError ? { onReAuthenticationError: options.onReAuthenticationError } : {}),
  });
  return provider;
}

const FORBIDDEN_CLIENT_OPTIONS = ['url', 'username', 'password', 'credentialsProvider', 'socket', 'database'] as const;

/**
 * A node-redis client for the settings, connected unless `connect: false`. Access keys are sent as
 * the password (with the ACL user when one is set); the Entra modes use `@redis/entraid`. No URL
 * is ever built: a password inside a URL silently replaces a credentials provider in node-redis,
 * and a URL together with `socket.tls` throws there.
 */
export async function createRedisClient(settings: RedisSettings, options: CreateRedisClientOptions = {}): Promise<AnyRedisClient> {
  for (const key of FORBIDDEN_CLIENT_OPTIONS) {
    if (options.clientOptions && key in options.clientOptions) {
      throw new RedisSettingsError(
        `createRedisClient: clientOptions.${key} is not accepted; the Redis settings provide it${key === 'url' ? ' (a URL with a password would replace the Microsoft Entra credentials provider)' : ''}.`,
      );
    }
  }
  const { createClient } = await import('redis');
  const auth = settings.auth;
  const secrets = secretsOf(settings);

  const overrides = options.socket ?? {};
  const tls = overrides.tls ?? settings.tls;
  if (isEntraAuth(auth) && !tls) {
    throw new RedisSettingsError(`Microsoft Entra ID authentication to ${settings.host} needs TLS; the settings or socket options turn it off.`);
  }
  // Where the socket really goes (a socket override can redirect it), for error messages.
  const target = {
    host: typeof overrides.host === 'string' ? overrides.host : settings.host,
    port: typeof overrides.port === 'number' ? overrides.port : settings.port,
    tls: Boolean(tls),
  };
  let everReady = false;
  const userStrategy = overrides.reconnectStrategy as ((retries: number, cause: Error) => false | Error | number) | number | false | undefined;
  const connectRetry = typeof settings.options.connectRetry === 'number' ? settings.options.connectRetry : 3;
  const socket: Record<string, unknown> = {
    host: settings.host,
    port: settings.port,
    ...(typeof settings.options.connectTimeout === 'number' ? { connectTimeout: settings.options.connectTimeout } : {}),
    ...(tls ? { tls: true, ...(isIP(settings.host) ? {} : { servername: settings.host }) } : { tls: false }),
    ...overrides,
    // Before the first successful connect, an answer from the server (a wrong password, an unknown
    // user) cannot get better by retrying: fail `connect()` with it. Network errors are retried
    // `connectRetry` times (StackExchange.Redis's setting, default 3). Afterwards, reconnect as configured.
    reconnectStrategy: (retries: number, cause: Error) => {
      if (everReady) {
        if (typeof userStrategy === 'function') return userStrategy(retries, cause);
        if (userStrategy !== undefined) return userStrategy;
        return Math.min(2 ** retries * 50, 2000) + Math.floor(Math.random() * 200);
      }
      // By the reply's first word, not its class: LOADING or BUSY do get better, so they are retried.
      const isReply = /^(WRONGPASS|NOAUTH|NOPERM|ERR)\b/.test(cause?.message ?? '');
      if (isReply || retries >= connectRetry) return false;
      return Math.min(2 ** retries * 100, 1000);
    },
  };

  const reportReauth = (error: unknown) => {
    const wrapped = connectionError(settings, 'Could not re-authenticate to', error, secrets, target);
    if (options.onReAuthenticationError) options.onReAuthenticationError(wrapped);
    else if (client.listenerCount('error') > 0) client.emit('error', wrapped);
    else process.emitWarning(wrapped.message, 'RedisReAuthenticationWarning');
  };

  const clientOptions: Record<string, unknown> = {
    ...options.clientOptions,
    socket,
    ...(settings.database !== 0 ? { database: settings.database } : {}),
    ...(typeof settings.options.name === 'string' && !options.clientOptions?.name ? { name: settings.options.name } : {}),
  };
  if (auth.kind === 'accessKey') {
    clientOptions.password = auth.password;
    if (auth.user) clientOptions.username = auth.user;
  } else if (isEntraAuth(auth)) {
    clientOptions.credentialsProvider = await createRedisCredentialsProvider(settings, {
      ...options,
      onReAuthenticationError: reportReauth,
      onCredentials: (c) => secrets.add(c.password),
    });
  } else if (settings.user) {
    clientOptions.username = settings.user;
  }

  const client = createClient(clientOptions as RedisClientOptions) as AnyRedisClient;
  client.on('ready', () => (everReady = true));
  if (options.connect === false) return client;

  const swallow = () => {};
  client.on('error', swallow);
  // node-redis times the TCP/TLS connect only: a server that accepts and never answers HELLO/AUTH
  // would hang `connect()` for ever. StackExchange.Redis's connectTimeout covers the handshake too.
  const handshakeMs = typeof settings.options.connectTimeout === 'number' ? settings.options.connectTimeout : 5000;
  let handshakeTimer: NodeJS.Timeout | undefined;
  let handshakeTimedOut = false;
  const onSocketConnect = () => {
    clearTimeout(handshakeTimer);
    handshakeTimer = setTimeout(() => {
      handshakeTimedOut = true;
      client.destroy();
    }, handshakeMs);
  };
  const onReady = () => clearTimeout(handshakeTimer);
  client.on('connect', onSocketConnect);
  client.on('ready', onReady);
  try {
    await client.connect();
  } catch (caught) {
    const err = handshakeTimedOut ? new HandshakeTimeoutError(handshakeMs) : caught;
    // Always: a connect that failed for good leaves `isOpen` false, but the Entra token manager
    // subscribed during the handshake keeps fetching tokens until the client is destroyed.
    try {
      client.destroy();
    } catch {
      // nothing left to release
    }
    throw connectionError(settings, 'Could not connect to', err, secrets, target);
  } finally {
    clearTimeout(handshakeTimer);
    client.off('connect', onSocketConnect);
    client.off('ready', onReady);
    client.off('error', swallow);
  }
  return client;
}

/** The server took the connection but did not finish the handshake (HELLO, AUTH, SELECT) in time. */
class HandshakeTimeoutError extends Error {
  readonly code = 'HandshakeTimeout';
  constructor(ms: number) {
    super(`the server accepted the connection but did not answer the handshake within ${ms} ms`);
    this.name = 'HandshakeTimeoutError';
  }
}
