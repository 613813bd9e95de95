import { inspect } from 'node:util';
import { describeOrigin } from '../../core/errors.js';
import { redactedText } from '../../core/secrets.js';

/** How a client proves who it is to the cache. */
export type RedisAuth =
  /** A cache access key (or an ACL user's password), with an optional ACL user name. */
  | { readonly kind: 'accessKey'; readonly password: string; readonly user?: string }
  /** Microsoft Entra ID with the compute's system-assigned managed identity (Service Connector: only `AZURE_REDIS_HOST`). */
  | { readonly kind: 'systemAssignedIdentity' }
  /** Microsoft Entra ID with a user-assigned managed identity, by its client id. */
  | { readonly kind: 'userAssignedIdentity'; readonly clientId: string }
  /** Microsoft Entra ID with a service principal's client secret. */
  | { readonly kind: 'servicePrincipal'; readonly tenantId: string; readonly clientId: string; readonly clientSecret: string }
  /** No authentication at all: a local redis-server, or a connection string without a password. */
  | { readonly kind: 'none' };

export type RedisAuthKind = RedisAuth['kind'];

/** The Microsoft Entra ID modes: the password is a token and the user name is the token's `oid`. */
export function isEntraAuth(auth: RedisAuth): auth is Extract<RedisAuth, { kind: 'systemAssignedIdentity' | 'userAssignedIdentity' | 'servicePrincipal' }> {
  return auth.kind === 'systemAssignedIdentity' || auth.kind === 'userAssignedIdentity' || auth.kind === 'servicePrincipal';
}

/** One endpoint of a StackExchange.Redis configuration (it may list several). */
export interface RedisEndpoint {
  readonly host: string;
  /** The effective port: the one written, or 6380 with TLS / 6379 without, as StackExchange.Redis fills it in. */
  readonly port: number;
}

/** A configuration key (or connection-string part) the settings were read from. */
export interface RedisSettingSource {
  /** The configuration key (`AZURE_REDIS_HOST`, `ConnectionStrings:cache`, `Redis:Port`). */
  readonly key: string;
  /** The provider that supplied it, as in `debugView()`. */
  readonly provider?: string;
  /** Where inside the provider: file, variable name… */
  readonly source?: string;
}

/** Which Azure cache family a host name belongs to, by its DNS suffix (StackExchange.Redis's lists). */
export type AzureRedisKind = 'azureCacheForRedis' | 'azureManagedRedis';

/** Options of the StackExchange.Redis form kept as parsed (canonical key spelling → typed value). */
export type RedisExtraOptions = Readonly<Record<string, string | number | boolean>>;

/** Connection settings for one cache, whatever form they were written in. Frozen; never shows a secret. */
export interface RedisSettings {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly database: number;
  /** The ACL user name, when one is configured (Entra modes learn it from the token at connect time). */
  readonly user?: string;
  readonly auth: RedisAuth;
  /** Every endpoint, first = `host`/`port` (the StackExchange.Redis form may list several). */
  readonly endpoints: readonly RedisEndpoint[];
  /** The Azure family of the host, or undefined for any other host. */
  readonly azure?: AzureRedisKind;
  /** The form the settings were written in. */
  readonly format: 'stackExchange' | 'url' | 'serviceConnector' | 'section';
  /**
   * Extra StackExchange.Redis options (`abortConnect`, `connectTimeout`, `syncTimeout`, `name`…), canonical
   * spelling. `abortConnect` is always present with its effective value (false for Azure hosts); in the
   * StackExchange.Redis form, `protocol` is present when written, and is `resp3` for Azure Managed Redis
   * hosts when not, as StackExchange.Redis prefers RESP3 there.
   */
  readonly options: RedisExtraOptions;
  /** The configuration keys these settings came from, with their providers; empty for a parsed string. */
  readonly sources: readonly RedisSettingSource[];
}

const SECRET_FIELDS = ['password', 'clientSecret'] as const;

/** The auth object with its secret redacted, for display. */
export function describeAuth(auth: RedisAuth): Record<string, string> {
  switch (auth.kind) {
    case 'accessKey':
      return { kind: auth.kind, ...(auth.user !== undefined ? { user: auth.user } : {}), password: redactedText(auth.password) };
    case 'userAssignedIdentity':
      return { kind: auth.kind, clientId: auth.clientId };
    case 'servicePrincipal':
      return { kind: auth.kind, tenantId: auth.tenantId, clientId: auth.clientId, clientSecret: redactedText(auth.clientSecret) };
    default:
      return { kind: auth.kind };
  }
}

/** The settings as they may be shown: everything but the secret, which becomes a fingerprint. */
export function redactedSettings(settings: RedisSettings): Record<string, unknown> {
  const out: Record<string, unknown> = {
    host: settings.host,
    port: settings.port,
    tls: settings.tls,
    database: settings.database,
  };
  if (settings.user !== undefined) out.user = settings.user;
  out.auth = describeAuth(settings.auth);
  if (settings.endpoints.length > 1) out.endpoints = settings.endpoints.map((e) => `${formatHostPort(e.host, e.port)}`);
  if (settings.azure) out.azure = settings.azure;
  out.format = settings.format;
  out.options = settings.options;
  out.sources = settings.sources.map((s) => s.key);
  return out;
}

/**
 * Where settings came from, for error messages, grouped by provider:
 * `'Redis:Host', 'Redis:Password' from JsonConfigurationProvider for '/app/appsettings.json' (Optional)`,
 * `'AZURE_REDIS_HOST' [env AZURE_REDIS_HOST], 'AZURE_REDIS_PASSWORD' [env AZURE_REDIS_PASSWORD] from EnvironmentVariablesConfigurationProvider`.
 * Empty for settings parsed in code. Keys and provenance only, never a value.
 */
export function describeRedisSources(sources: readonly RedisSettingSource[]): string {
  const byProvider = new Map<string | undefined, RedisSettingSource[]>();
  for (const s of sources) {
    const list = byProvider.get(s.provider);
    if (list) list.push(s);
    else byProvider.set(s.provider, [s]);
  }
  return [...byProvider]
    .map(([provider, list]) => {
      const shared = list.every((s) => s.source === list[0]!.source) ? list[0]!.source : undefined;
      const keys = list.map((s) => `'${s.key}'${shared === undefined && s.source !== undefined ? ` [${s.source}]` : ''}`).join(', ');
      // A file provider's name already quotes its path (as debugView, do not repeat it).
      const source = shared !== undefined && !provider?.includes(`'${shared}'`) ? shared : undefined;
      return `${keys} from ${describeOrigin({ ...(provider !== undefined ? { provider } : {}), ...(source !== undefined ? { source } : {}) })}`;
    })
    .join('; ');
}

export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * An immutable auth object whose secret is a non-enumerable property, with `toJSON`,
 * `toString` and `util.inspect` that show a fingerprint: spreading, logging or serialising it
 * cannot leak the secret, while `auth.password` still reads it.
 */
export function makeAuth(auth: RedisAuth): RedisAuth {
  const target: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(auth)) {
    Object.defineProperty(target, k, {
      value: v,
      enumerable: !(SECRET_FIELDS as readonly string[]).includes(k),
      writable: false,
      configurable: false,
    });
  }
  hideBehind(target, () => describeAuth(auth), `RedisAuth(${auth.kind})`);
  return Object.freeze(target) as unknown as RedisAuth;
}

/** Freezes settings and gives them redacting `toJSON`/`toString`/`util.inspect`. */
export function makeSettings(settings: Omit<RedisSettings, 'auth'> & { auth: RedisAuth }): RedisSettings {
  const auth = Object.isFrozen(settings.auth) ? settings.auth : makeAuth(settings.auth);
  const target: Record<string, unknown> = {
    host: settings.host,
    port: settings.port,
    tls: settings.tls,
    database: settings.database,
  };
  if (settings.user !== undefined) target.user = settings.user;
  target.auth = auth;
  target.endpoints = Object.freeze(settings.endpoints.map((e) => Object.freeze({ host: e.host, port: e.port })));
  if (settings.azure !== undefined) target.azure = settings.azure;
  target.format = settings.format;
  target.options = Object.freeze({ ...settings.options });
  target.sources = Object.freeze(settings.sources.map((s) => Object.freeze({ ...s })));
  const frozen = target as unknown as RedisSettings;
  hideBehind(target, () => redactedSettings(frozen), `RedisSettings(${formatHostPort(settings.host, settings.port)})`);
  return Object.freeze(target) as unknown as RedisSettings;
}

function hideBehind(target: object, redacted: () => Record<string, unknown>, label: string): void {
  const define = (key: PropertyKey, value: unknown) =>
    Object.defineProperty(target, key, { value, enumerable: false, writable: false, configurable: false });
  define('toJSON', redacted);
  define('toString', () => `${label} ${JSON.stringify(redacted())}`);
  define(inspect.custom, (_depth: number, options: object) => `${label} ${inspect(redacted(), options)}`);
}
