/**
 * Reads Redis connection settings from the configuration tree: Service Connector variables, then
 * `ConnectionStrings:<name>`, then a section (`Redis:Host`…), then Spring's `spring.redis.*` names.
 * Reads only the tree; never `process.env`.
 */
import { describeOrigin } from '../../core/errors.js';
import { combinePath } from '../../core/path.js';
import type { ConfigurationRoot } from '../../core/root.js';
import { parseRedisConnectionString } from './connectionString.js';
import { RedisConnectionStringError, RedisSettingsError } from './errors.js';
import { azureKindOf, defaultPort, isValidPort, normalizeHost } from './hosts.js';
import { tryParseBoolean } from './stackExchange.js';
import { makeSettings, type RedisAuth, type RedisSettings, type RedisSettingSource } from './types.js';

/** What the reader needs from the tree: values and where each came from. */
export type RedisConfigurationSource = Pick<ConfigurationRoot, 'get' | 'origin'>;

export interface GetRedisSettingsOptions {
  /** Service Connector variable prefix. Default `AZURE_REDIS`. */
  prefix?: string;
  /**
   * A named connection: Service Connector's second connection `AZURE_REDIS_<NAME>_HOST`…, the
   * connection string `ConnectionStrings:<name>` and the section `Redis:<name>`.
   */
  name?: string;
  /** The section of the tree to read (`Redis:Host`, `Redis:Port`…). Default `Redis`, or `Redis:<name>`. */
  section?: string;
  /** Ignore StackExchange.Redis keywords it does not know instead of failing. */
  ignoreUnknown?: boolean;
}

type Field = 'connectionString' | 'host' | 'port' | 'database' | 'ssl' | 'user' | 'password' | 'clientId' | 'clientSecret' | 'tenantId';

interface Read {
  readonly key: string;
  readonly value: string;
  readonly provider?: string;
  readonly source?: string;
}

type Reads = Partial<Record<Field, Read>>;

interface Layout {
  /** What the user should read in an error: `Service Connector variables AZURE_REDIS_*`. */
  readonly label: string;
  readonly format: RedisSettings['format'];
  readonly fields: Partial<Record<Field, readonly string[]>>;
  /**
   * A host with no credential at all means the system-assigned identity for Service Connector
   * (its documented variable set); elsewhere only for Azure hosts, which accept no anonymous
   * clients, so `Redis:Host=localhost` stays unauthenticated.
   */
  readonly hostOnly: 'systemAssignedIdentity' | 'azureHostsOnly';
}

function serviceConnectorLayout(prefix: string): Layout {
  const v = (n: string) => [`${prefix}_${n}`];
  return {
    label: `Service Connector variables ${prefix}_*`,
    format: 'serviceConnector',
    hostOnly: 'systemAssignedIdentity',
    fields: {
      connectionString: v('CONNECTIONSTRING'),
      host: v('HOST'),
      port: v('PORT'),
      database: v('DATABASE'),
      ssl: v('SSL'),
      password: v('PASSWORD'),
      clientId: v('CLIENTID'),
      clientSecret: v('CLIENTSECRET'),
      tenantId: v('TENANTID'),
    },
  };
}

function sectionLayout(section: string): Layout {
  const k = (...names: string[]) => names.map((n) => combinePath(section, n));
  return {
    label: `section ${section}`,
    format: 'section',
    hostOnly: 'azureHostsOnly',
    fields: {
      connectionString: k('ConnectionString', 'Configuration'),
      host: k('Host', 'HostName'),
      port: k('Port'),
      database: k('Database', 'DefaultDatabase', 'Db'),
      ssl: k('Ssl', 'Tls', 'UseSsl'),
      user: k('User', 'UserName'),
      password: k('Password', 'AccessKey', 'Key'),
      clientId: k('ClientId'),
      clientSecret: k('ClientSecret'),
      tenantId: k('TenantId'),
    },
  };
}

/**
 * Spring Boot's names, as Service Connector writes them for the Spring client type
 * (`spring.redis.*`, Boot 3's `spring.data.redis.*`), whether a file kept the dots in one key or a
 * provider split them into sections.
 */
function springLayout(): Layout {
  const roots = ['spring.redis', 'spring.data.redis', 'spring:redis', 'spring:data:redis'];
  const k = (...names: string[]) =>
    roots.flatMap((r) => names.map((n) => (r.includes(':') ? `${r}:${n.replace(/\./g, ':')}` : `${r}.${n}`)));
  return {
    label: 'Spring properties spring.redis.*',
    format: 'section',
    hostOnly: 'azureHostsOnly',
    fields: {
      connectionString: k('url'),
      host: k('host'),
      port: k('port'),
      database: k('database'),
      ssl: k('ssl.enabled', 'ssl'),
      user: k('username'),
      password: k('password'),
    },
  };
}

function readLayout(config: RedisConfigurationSource, layout: Layout): Reads {
  const reads: Reads = {};
  for (const [field, keys] of Object.entries(layout.fields) as Array<[Field, readonly string[]]>) {
    for (const key of keys) {
      const value = config.get(key);
      if (typeof value !== 'string') continue;
      const origin = config.origin(key);
      reads[field] = {
        key: origin?.key ?? key,
        value,
        ...(origin?.provider !== undefined ? { provider: origin.provider } : {}),
        ...(origin?.source !== undefined ? { source: origin.source } : {}),
      };
      break;
    }
  }
  return reads;
}

/** `'AZURE_REDIS_HOST' (EnvironmentVariablesProvider (env AZURE_REDIS_HOST))`: the key and where it came from. */
function describe(read: Read): string {
  return `'${read.key}' (from ${describeOrigin(read)})`;
}

function settingsError(message: string, involved: ReadonlyArray<Read | undefined>, extraKeys: string[] = []): RedisSettingsError {
  const reads = involved.filter((r): r is Read => r !== undefined);
  const first = reads[0];
  return new RedisSettingsError(message, {
    keys: [...reads.map((r) => r.key), ...extraKeys],
    ...(first ? { key: first.key } : extraKeys[0] ? { key: extraKeys[0] } : {}),
    ...(first?.provider !== undefined ? { provider: first.provider } : {}),
    ...(first?.source !== undefined ? { source: first.source } : {}),
  });
}

function toSource(read: Read): RedisSettingSource {
  return {
    key: read.key,
    ...(read.provider !== undefined ? { provider: read.provider } : {}),
    ...(read.source !== undefined ? { source: read.source } : {}),
  };
}

function parseHost(read: Read): string {
  const host = normalizeHost(read.value);
  if (host === undefined) {
    const why = read.value.trim() === '' ? 'is empty' : /:\/\//.test(read.value) ? 'is a URL, not a host name (put URLs in the connection string)' : 'is not a host name or IP address';
    throw settingsError(`Redis host ${describe(read)} ${why}.`, [read]);
  }
  return host;
}

function parsePort(read: Read): number {
  const text = read.value.trim();
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!isValidPort(port)) {
    throw settingsError(`Redis port ${describe(read)} must be an integer between 1 and 65535; the value '${read.value}' is not.`, [read]);
  }
  return port;
}

function parseDatabase(read: Read): number {
  const text = read.value.trim();
  if (!/^\d+$/.test(text) || Number(text) > 2147483647) {
    throw settingsError(`Redis database ${describe(read)} must be a non-negative integer; the value '${read.value}' is not.`, [read]);
  }
  return Number(text);
}

function parseSsl(read: Read): boolean {
  const b = tryParseBoolean(read.value);
  if (b === undefined) throw settingsError(`Redis SSL setting ${describe(read)} must be true or false; the value '${read.value}' is not.`, [read]);
  return b;
}

function requireNonEmpty(read: Read | undefined, what: string): void {
  if (read && read.value.trim() === '') throw settingsError(`${what} ${describe(read)} is empty.`, [read]);
}

/** Builds settings from the keys found in one layout; undefined when none of its keys is set. */
function derive(reads: Reads, layout: Layout, options: GetRedisSettingsOptions): RedisSettings | undefined {
  const present = Object.values(reads);
  if (present.length === 0) return undefined;
  const sources = present.map(toSource);
  const { connectionString: cs, host: hostRead, port: portRead, database: dbRead, ssl: sslRead, user: userRead, password: pw, clientId, clientSecret, tenantId } = reads;
  const entra = [clientId, clientSecret, tenantId].filter((r): r is Read => r !== undefined);

  if (cs) {
    requireNonEmpty(cs, 'Redis connection string');
    if (entra.length > 0) {
      throw settingsError(
        `Redis connection string ${describe(cs)} (access-key auth) and Microsoft Entra ID settings ${entra.map(describe).join(', ')} are both set for one connection; keep one of them.`,
        [cs, ...entra],
      );
    }
    let parsed: RedisSettings;
    try {
      parsed = parseRedisConnectionString(cs.value, options.ignoreUnknown ? { ignoreUnknown: true } : {}, sources);
    } catch (err) {
      if (!(err instanceof RedisConnectionStringError)) throw err;
      throw new RedisConnectionStringError(`Redis connection string ${describe(cs)}: ${err.message}`, {
        key: cs.key,
        ...(cs.provider !== undefined ? { provider: cs.provider } : {}),
        ...(cs.source !== undefined ? { source: cs.source } : {}),
        ...(err.keyword !== undefined ? { keyword: err.keyword } : {}),
      });
    }
    // Separate variables next to a connection string must say the same thing, or one of them is stale.
    const disagree = (read: Read | undefined, same: (r: Read) => boolean, what: string) => {
      if (read && !same(read)) {
        throw settingsError(`Redis ${what} ${describe(read)} disagrees with the connection string ${describe(cs)}; they must name the same cache.`, [read, cs]);
      }
    };
    disagree(hostRead, (r) => parseHost(r).toLowerCase() === parsed.host.toLowerCase(), 'host');
    disagree(portRead, (r) => parsePort(r) === parsed.port, 'port');
    disagree(sslRead, (r) => parseSsl(r) === parsed.tls, 'SSL setting');
    disagree(dbRead, (r) => parseDatabase(r) === parsed.database, 'database');
    disagree(pw, (r) => parsed.auth.kind === 'accessKey' && parsed.auth.password === r.value, 'password');
    disagree(userRead, (r) => parsed.user === r.value, 'user');
    return parsed;
  }

  if (pw) {
    requireNonEmpty(pw, 'Redis password');
    if (entra.length > 0) {
      throw settingsError(
        `Redis password ${describe(pw)} (access-key auth) and Microsoft Entra ID settings ${entra.map(describe).join(', ')} are both set for one connection; keep one of them.`,
        [pw, ...entra],
      );
    }
  } else if (clientSecret) {
    const missing = [clientId ? undefined : layout.fields.clientId?.[0], tenantId ? undefined : layout.fields.tenantId?.[0]].filter(
      (k): k is string => k !== undefined,
    );
    if (missing.length > 0) {
      throw settingsError(
        `Redis client secret ${describe(clientSecret)} needs ${missing.map((k) => `'${k}'`).join(' and ')} for service-principal auth, and ${missing.length > 1 ? 'they are' : 'it is'} not set.`,
        [clientSecret, clientId, tenantId],
        missing,
      );
    }
  } else if (tenantId) {
    throw settingsError(
      `Redis tenant id ${describe(tenantId)} is set without '${layout.fields.clientSecret?.[0]}'; a service principal needs a client id, a client secret and a tenant id.`,
      [tenantId, clientId],
      layout.fields.clientSecret ? [layout.fields.clientSecret[0]!] : [],
    );
  }

  if (!hostRead) {
    const needs = layout.fields.host?.[0] ?? 'Host';
    throw settingsError(
      `Redis settings ${present.map(describe).join(', ')} are set but the host '${needs}' is not; a Redis connection needs a host.`,
      present,
      [needs],
    );
  }
  const host = parseHost(hostRead);
  for (const [read, what] of [[clientId, 'client id'], [clientSecret, 'client secret'], [tenantId, 'tenant id']] as const) {
    requireNonEmpty(read, `Redis ${what}`);
  }

  let auth: RedisAuth;
  if (pw) {
    auth = userRead && userRead.value ? { kind: 'accessKey', password: pw.value, user: userRead.value } : { kind: 'accessKey', password: pw.value };
  } else if (clientSecret) {
    auth = { kind: 'servicePrincipal', tenantId: tenantId!.value.trim(), clientId: clientId!.value.trim(), clientSecret: clientSecret.value };
  } else if (clientId) {
    auth = { kind: 'userAssignedIdentity', clientId: clientId.value.trim() };
  } else if (layout.hostOnly === 'systemAssignedIdentity' || azureKindOf(host) !== undefined) {
    auth = { kind: 'systemAssignedIdentity' };
  } else {
    auth = { kind: 'none' };
  }

  const entraAuth = auth.kind === 'systemAssignedIdentity' || auth.kind === 'userAssignedIdentity' || auth.kind === 'servicePrincipal';
  // Service Connector sets no port or SSL variable for the Entra modes: every sample uses TLS.
  const tls = sslRead ? parseSsl(sslRead) : true;
  if (entraAuth && !tls) {
    throw settingsError(`Redis SSL setting ${describe(sslRead!)} is false, but Microsoft Entra ID authentication works over TLS only.`, [sslRead]);
  }
  const port = portRead ? parsePort(portRead) : defaultPort(host, tls);
  const database = dbRead ? parseDatabase(dbRead) : 0;
  const azure = azureKindOf(host);
  const user = auth.kind === 'accessKey' ? auth.user : userRead?.value || undefined;
  return makeSettings({
    host,
    port,
    tls,
    database,
    ...(user ? { user } : {}),
    auth,
    endpoints: [{ host, port }],
    ...(azure ? { azure } : {}),
    format: layout.format,
    options: { abortConnect: azure === undefined },
    sources,
  });
}

function layoutsFor(options: GetRedisSettingsOptions): Array<{ layout: Layout } | { connectionString: string }> {
  const name = options.name?.trim();
  const prefix = (options.prefix ?? 'AZURE_REDIS').replace(/_+$/, '');
  const scPrefix = name ? `${prefix}_${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}` : prefix;
  const section = options.section ?? (name ? combinePath('Redis', name) : 'Redis');
  const list: Array<{ layout: Layout } | { connectionString: string }> = [
    { layout: serviceConnectorLayout(scPrefix) },
    { connectionString: combinePath('ConnectionStrings', name ?? 'Redis') },
    { layout: sectionLayout(section) },
  ];
  if (!name && options.section === undefined) list.push({ layout: springLayout() });
  return list;
}

/**
 * The Redis settings configured in the tree, or undefined when none of the places it looks has
 * anything. Throws `RedisSettingsError`/`RedisConnectionStringError` for incomplete or
 * contradictory settings, naming the keys and providers but never a password or secret.
 */
export function findRedisSettings(config: RedisConfigurationSource, options: GetRedisSettingsOptions = {}): RedisSettings | undefined {
  for (const entry of layoutsFor(options)) {
    if ('layout' in entry) {
      const settings = derive(readLayout(config, entry.layout), entry.layout, options);
      if (settings) return settings;
      continue;
    }
    const reads = readLayout(config, { label: entry.connectionString, format: 'stackExchange', hostOnly: 'azureHostsOnly', fields: { connectionString: [entry.connectionString] } });
    const layout: Layout = { label: entry.connectionString, format: 'stackExchange', hostOnly: 'azureHostsOnly', fields: {} };
    const settings = derive(reads, layout, options);
    if (settings) return settings;
  }
  return undefined;
}

/** Where `getRedisSettings` looks, for the "nothing found" message. */
export function redisSettingsKeys(options: GetRedisSettingsOptions = {}): string[] {
  return layoutsFor(options).map((e) => ('layout' in e ? (e.layout.fields.host?.[0] ?? e.layout.label) : e.connectionString));
}

/** Like `findRedisSettings`, but a configuration with no Redis settings at all is an error too. */
export function getRedisSettings(config: RedisConfigurationSource, options: GetRedisSettingsOptions = {}): RedisSettings {
  const settings = findRedisSettings(config, options);
  if (settings) return settings;
  const where = layoutsFor(options).map((e) =>
    'layout' in e ? `${e.layout.label} (${[e.layout.fields.host?.[0], e.layout.fields.connectionString?.[0]].filter(Boolean).join(', ')})` : `'${e.connectionString}'`,
  );
  throw new RedisSettingsError(`No Redis settings found; looked for ${where.join('; ')}.`, { keys: redisSettingsKeys(options) });
}
