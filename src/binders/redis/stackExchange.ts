/**
 * The StackExchange.Redis configuration string (`host:6380,password=…,ssl=True,abortConnect=False`),
 * read the way its `ConfigurationOptions.Parse` reads it: same keywords, same typed values, same
 * error wording, same Azure defaults. Pure: text in, data out.
 */
import { parseInt32 } from '../../core/dotnetText.js';
import { RedisConnectionStringError } from './errors.js';
import { azureKindOf } from './hosts.js';
import type { AzureRedisKind } from './types.js';

type Kind = 'bool' | 'int' | 'int1' | 'string' | 'secret' | 'version' | 'proxy' | 'sslProtocols' | 'protocol' | 'tunnel' | 'ignored';

/** Canonical spelling (what its `ToString()` writes) → value type. */
const KEYWORDS: ReadonlyArray<readonly [string, Kind]> = [
  ['abortConnect', 'bool'],
  ['allowAdmin', 'bool'],
  ['asyncTimeout', 'int1'],
  ['channelPrefix', 'string'],
  ['checkCertificateRevocation', 'bool'],
  ['configChannel', 'string'],
  ['configCheckSeconds', 'int'],
  ['connectRetry', 'int'],
  ['connectTimeout', 'int'],
  ['defaultDatabase', 'int'],
  ['highIntegrity', 'bool'],
  ['keepAlive', 'int'],
  ['name', 'string'],
  ['password', 'secret'],
  ['protocol', 'protocol'],
  ['proxy', 'proxy'],
  ['resolveDns', 'bool'],
  ['sentinelPassword', 'secret'],
  ['sentinelUser', 'string'],
  ['serviceName', 'string'],
  ['setlib', 'bool'],
  ['ssl', 'bool'],
  ['sslHost', 'string'],
  ['sslProtocols', 'sslProtocols'],
  ['syncTimeout', 'int1'],
  ['tcpKeepAlive', 'bool'],
  ['tiebreaker', 'string'],
  ['tunnel', 'tunnel'],
  ['user', 'string'],
  ['version', 'version'],
  // Deprecated: accepted and ignored, as StackExchange.Redis does.
  ['highPriorityThreads', 'ignored'],
  ['preserveAsyncOrder', 'ignored'],
  ['responseTimeout', 'ignored'],
  ['writeBuffer', 'ignored'],
];

const BY_FOLDED = new Map(KEYWORDS.map(([name, kind]) => [name.toLowerCase(), { name, kind }]));

/** .NET `SslProtocols` flag values. */
const SSL_PROTOCOLS: Record<string, number> = {
  none: 0,
  ssl2: 12,
  ssl3: 48,
  tls: 192,
  default: 240,
  tls11: 768,
  tls12: 3072,
  tls13: 12288,
};

export interface StackExchangeEndpoint {
  /** The DNS name or IP address; for a Unix domain socket (`!/path`), its path. */
  readonly host: string;
  /** As written; 0 when no port was written (the multiplexer fills in 6380/6379 at connect time). */
  readonly port: number;
  /** True for a Unix domain socket endpoint (`!/path`), which has no port. */
  readonly unixSocket?: true;
}

/** Everything a StackExchange.Redis configuration string says, before any endpoint is required. */
export interface StackExchangeConfiguration {
  readonly endpoints: readonly StackExchangeEndpoint[];
  /** Options written explicitly, canonical spelling, typed; never `password`/`sentinelPassword`. */
  readonly options: Readonly<Record<string, string | number | boolean>>;
  readonly password?: string;
  readonly user?: string;
  readonly sentinelPassword?: string;
  /** `$COMMAND=` renames and disables, command name as written. */
  readonly commandMap: Readonly<Record<string, string>>;
  /** The Azure default-options provider chosen from the endpoints, if any. */
  readonly azure?: AzureRedisKind;
  /** The effective TLS setting: `ssl` when written, else the provider's default. */
  readonly ssl: boolean;
  /** The effective `abortConnect`: as written, else false for Azure hosts and true otherwise. */
  readonly abortConnect: boolean;
  /**
   * The effective `protocol` (StackExchange.Redis `Protocol`): as written, else `resp3` for Azure
   * Managed Redis, whose options provider prefers RESP3; else absent, and the server's version decides.
   */
  readonly protocol?: 'resp2' | 'resp3';
  /**
   * The effective `version` (StackExchange.Redis `DefaultVersion`, the server version assumed until
   * the server says): as written, else the provider's default, 7.4.0 for Azure Managed Redis and 6.0.0
   * otherwise.
   */
  readonly defaultVersion: string;
}

/** StackExchange.Redis `DefaultOptionsProvider.DefaultVersion`: the base, and Azure Managed Redis's. */
const DEFAULT_VERSION = '6.0.0';
const AZURE_MANAGED_REDIS_DEFAULT_VERSION = '7.4.0';

/** Longer than any StackExchange.Redis keyword, or holding `@`, `/` or `:`, it is not a keyword. */
const LOOKS_LIKE_KEYWORD = /^[A-Za-z][A-Za-z0-9_.-]{0,39}$/;

/** StackExchange.Redis `Format.TryParseBoolean`: .NET `bool.TryParse` plus 1/yes/on and 0/no/off. */
export function tryParseBoolean(s: string): boolean | undefined {
  const v = s.trim().toLowerCase();
  if (v === 'true' || v === '1' || v === 'yes' || v === 'on') return true;
  if (v === 'false' || v === '0' || v === 'no' || v === 'off') return false;
  return undefined;
}

/** .NET `Version.TryParse` (2–4 non-negative parts), or a bare major as StackExchange.Redis allows. */
function tryParseVersion(s: string): string | undefined {
  const v = s.trim();
  const major = parseInt32(v);
  if (major !== undefined) return major >= 0 ? `${major}.0` : undefined;
  const parts = v.split('.');
  if (parts.length < 2 || parts.length > 4) return undefined;
  const nums = parts.map((p) => parseInt32(p));
  if (nums.some((n) => n === undefined || n < 0)) return undefined;
  return nums.join('.');
}

/**
 * .NET `Enum.TryParse<T>(value, ignoreCase: true)`: a name, or any integer; an integer that is a
 * defined value reads as its name (`proxy=1` is `Twemproxy`), as the enum then prints. `names` are
 * in value order from 0.
 */
function tryParseEnum(s: string, names: readonly string[]): string | number | undefined {
  const v = s.trim();
  const n = parseInt32(v);
  if (n !== undefined) return n >= 0 && n < names.length ? names[n] : n;
  return names.find((name) => name.toLowerCase() === v.toLowerCase());
}

/**
 * StackExchange.Redis turns `|` into `,` and calls .NET `Enum.TryParse`: the whole value may be one
 * integer, otherwise every part must be a name (`Tls12|3072` is refused, as .NET refuses it).
 */
function tryParseSslProtocols(s: string): number | undefined {
  const whole = parseInt32(s);
  if (whole !== undefined) return whole;
  let flags = 0;
  for (const part of s.split('|')) {
    const p = part.trim().toLowerCase();
    if (!(p in SSL_PROTOCOLS)) return undefined;
    flags |= SSL_PROTOCOLS[p]!;
  }
  return flags;
}

function tryParseProtocol(s: string): 'resp2' | 'resp3' | undefined {
  const n = parseInt32(s);
  if (n !== undefined) return n === 2 ? 'resp2' : n === 3 ? 'resp3' : undefined;
  const v = s.trim().toLowerCase();
  return v === 'resp2' || v === 'resp3' ? v : undefined;
}

const outOfRange = (key: string, message: string) => new RedisConnectionStringError(message, { keyword: key });

/**
 * The IPv4 forms .NET's `IPAddress.TryParse` reads (as `inet_aton`): one to four parts, each hex
 * (`0x7f`), octal (a leading `0`) or decimal, the last one filling the remaining bytes. WHATWG's
 * host parser computes the same address for these; it also takes forms .NET does not (`0x` alone, a
 * trailing `.`), which stay host names here as they do there.
 */
const IPV4_PART = '(?:0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)';
const IPV4_AS_DOTNET_READS_IT = new RegExp(`^${IPV4_PART}(?:\\.${IPV4_PART}){0,3}$`);

/**
 * IPv4 and IPv6 literals in the canonical form .NET's `IPAddress.ToString()` gives (`127.1` →
 * `127.0.0.1`, `::1:6379` → `::0.1.99.121`); undefined when the text is not an IP address.
 */
function canonicalIp(text: string): string | undefined {
  try {
    if (IPV4_AS_DOTNET_READS_IT.test(text)) {
      const host = new URL(`http://${text}/`).hostname;
      return /^\d+\.\d+\.\d+\.\d+$/.test(host) ? host : undefined;
    }
    if (text.includes(':') && /^[0-9a-f:.]+$/i.test(text)) return formatIpv6(new URL(`http://[${text}]/`).hostname.slice(1, -1));
  } catch {
    return undefined;
  }
  return undefined;
}

/**
 * Rewrites WHATWG's IPv6 serialisation the way .NET writes it: the same longest-zero-run
 * compression, but the last 32 bits as dotted IPv4 for IPv4-compatible (`::a.b.c.d`), mapped
 * (`::ffff:a.b.c.d`), translated (`::ffff:0:a.b.c.d`) and ISATAP (`…:0:5efe:a.b.c.d`) addresses.
 * StackExchange.Redis's FormatTests expect `::1:6379` (no brackets) to come back as `::0.1.99.121`.
 */
function formatIpv6(whatwg: string): string {
  const [head = '', tail] = whatwg.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const words = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right].map((w) => parseInt(w, 16));
  const embedded =
    (words.slice(0, 4).every((w) => w === 0) && words[6] !== 0 && ((words[4] === 0 && (words[5] === 0 || words[5] === 0xffff)) || (words[4] === 0xffff && words[5] === 0))) ||
    (words[4] === 0 && words[5] === 0x5efe);
  if (!embedded) return whatwg;
  const v4 = [words[6]! >> 8, words[6]! & 255, words[7]! >> 8, words[7]! & 255].join('.');
  const sections = compressWords(words.slice(0, 6));
  return sections.endsWith(':') ? `${sections}${v4}` : `${sections}:${v4}`;
}

/** Hex words with the first longest run of two or more zeros written as `::` (.NET's AppendSections). */
function compressWords(words: readonly number[]): string {
  let start = -1;
  let length = 0;
  for (let i = 0, run = 0; i < words.length; i++) {
    run = words[i] === 0 ? run + 1 : 0;
    if (run > length) [start, length] = [i - run + 1, run];
  }
  const hex = words.map((w) => w.toString(16));
  if (length < 2) return hex.join(':');
  return `${hex.slice(0, start).join(':')}::${hex.slice(start + length).join(':')}`;
}

/**
 * StackExchange.Redis `Format.TryParseEndPoint`: `host`, `host:port`, `[v6]`, `[v6]:port`, a bare v6
 * literal (all address), `!/path` for a Unix domain socket. Undefined when the port is not an
 * integer: such a segment is dropped.
 */
export function tryParseEndpoint(text: string): StackExchangeEndpoint | undefined {
  if (!text) return undefined;
  // Parsed like StackExchange.Redis on .NET Core (`!` alone is dropped); parseRedisConnectionString
  // refuses it, since settings carry a host and a port.
  if (text.startsWith('!')) return text.length > 1 ? { host: text.slice(1), port: 0, unixSocket: true } : undefined;
  let address = text;
  let portText: string | undefined;
  const lastColon = text.lastIndexOf(':');
  if (lastColon > 0) {
    const closing = text.lastIndexOf(']');
    if (closing > 0) {
      address = text.slice(1, closing);
      if (closing < lastColon) portText = text.slice(lastColon + 1);
    } else if (text.indexOf(':') === lastColon) {
      address = text.slice(0, lastColon);
      portText = text.slice(lastColon + 1);
    }
  }
  let port = 0;
  if (portText !== undefined) {
    const p = parseInt32(portText);
    if (p === undefined) return undefined;
    port = p;
  }
  // .NET's endpoint constructors reject ports outside 0–65535 with an exception, not a silent drop.
  if (port < 0 || port > 65535) {
    throw new RedisConnectionStringError(`Endpoint port '${port}' is out of range; a port must be between 1 and 65535.`);
  }
  const host = canonicalIp(address) ?? address;
  if (!host || /[\s/@?#\\]/.test(host)) return undefined;
  return { host, port };
}

export interface ParseStackExchangeOptions {
  /** Ignore keywords StackExchange.Redis does not know instead of failing (its `Parse(s, true)`). */
  ignoreUnknown?: boolean;
}

/** Parses a StackExchange.Redis configuration string exactly as `ConfigurationOptions.Parse` does. */
export function parseStackExchangeConfiguration(text: string, opts: ParseStackExchangeOptions = {}): StackExchangeConfiguration {
  if (text === null || text === undefined) throw new RedisConnectionStringError('The Redis configuration string is missing.');
  if (!text.trim()) throw new RedisConnectionStringError('The Redis configuration string is empty.');

  const endpoints: StackExchangeEndpoint[] = [];
  const options: Record<string, string | number | boolean> = Object.create(null);
  const commandMap: Record<string, string> = Object.create(null);
  let password: string | undefined;
  let user: string | undefined;
  let sentinelPassword: string | undefined;

  for (const padded of text.split(',')) {
    const option = padded.trim();
    if (!option) continue;
    const idx = option.indexOf('=');
    if (idx <= 0) {
      const ep = tryParseEndpoint(option);
      // .NET endpoint equality (measured on .NET 10 by test/dotnet): DnsEndPoint compares host names
      // ignoring case (`HOST:6379,host:6379` is one endpoint, the first spelling kept), IP addresses
      // by value (canonical text here), a Unix socket endpoint by its path.
      const same = (e: StackExchangeEndpoint) =>
        !e.unixSocket === !ep!.unixSocket && e.port === ep!.port && (e.unixSocket ? e.host === ep!.host : e.host.toLowerCase() === ep!.host.toLowerCase());
      if (ep && !endpoints.some(same)) endpoints.push(ep);
      continue;
    }
    const key = option.slice(0, idx).trim();
    const value = option.slice(idx + 1).trim();
    const known = BY_FOLDED.get(key.toLowerCase());
    if (!known) {
      if (key.startsWith('$')) {
        // A command-map entry: StackExchange.Redis silently skips command names it does not know.
        // .NET keeps them in a case-insensitive dictionary: a later `$get=` updates an earlier `$GET=`.
        const name = option.slice(1, idx);
        const existing = Object.keys(commandMap).find((k) => k.toLowerCase() === name.toLowerCase());
        commandMap[existing ?? name] = value;
      } else if (!opts.ignoreUnknown) {
        // A "keyword" that is really a mistyped URL (`rediss://:pw@host`) or a pasted secret must
        // not reach the message: only something shaped like a keyword is echoed.
        if (!LOOKS_LIKE_KEYWORD.test(key)) throw new RedisConnectionStringError('A keyword is not supported (not shown: it does not look like a keyword and may hold a credential).');
        throw new RedisConnectionStringError(`Keyword '${key}' is not supported.`, { keyword: key });
      }
      continue;
    }
    const { name, kind } = known;
    /** A typed keyword's parsed value, or StackExchange.Redis's error for it: the one place a value is quoted. */
    const typed = <T>(parsed: T | undefined, what: string, shown: string = value): T => {
      if (parsed === undefined) throw outOfRange(key, `Keyword '${key}' requires ${what}; the value '${shown}' is not recognised.`);
      return parsed;
    };
    switch (kind) {
      case 'ignored':
        break;
      case 'secret':
        if (name === 'password') password = value;
        else sentinelPassword = value;
        break;
      case 'string':
        if (name === 'user') user = value;
        else options[name] = value;
        break;
      case 'bool':
        options[name] = typed(tryParseBoolean(value), 'a boolean value');
        break;
      case 'int':
      case 'int1': {
        const n = typed(parseInt32(value), 'an integer value');
        if (kind === 'int1' && n < 1) throw outOfRange(key, `Keyword '${key}' has a minimum value of '1'; the value '${n}' is not permitted.`);
        options[name] = n;
        break;
      }
      case 'version':
        options[name] = typed(tryParseVersion(value), 'a version value');
        break;
      case 'proxy':
        options[name] = typed(tryParseEnum(value, ['None', 'Twemproxy', 'Envoyproxy']), 'a proxy value');
        break;
      case 'sslProtocols':
        // StackExchange.Redis quotes the value after turning `|` into `,` (measured by test/dotnet).
        options[name] = typed(tryParseSslProtocols(value), "an SslProtocol value (multiple values separated by '|')", value.replaceAll('|', ','));
        break;
      case 'protocol':
        options[name] = typed(tryParseProtocol(value), 'a RedisProtocol value or a known protocol version number');
        break;
      case 'tunnel': {
        if (!value) {
          delete options[name];
          break;
        }
        // StackExchange.Redis echoes the value; one with user info (`user:pw@`) or odd characters may hold a secret.
        const shown = /^[\w.:/[\]-]{0,100}$/.test(value) ? value : '<value not shown>';
        const withSlashes = value.startsWith('http:') && !value.startsWith('http://') ? `http://${value.slice(5)}` : value;
        let url: URL;
        try {
          url = new URL(withSlashes);
        } catch {
          throw new RedisConnectionStringError(`Tunnel cannot be parsed: ${shown}`, { keyword: key });
        }
        if (url.protocol !== 'http:') throw new RedisConnectionStringError(`Tunnel cannot be parsed: ${shown}`, { keyword: key });
        // .NET's Uri gives an http URL written without a port the port 80; the tunnel always has one.
        options[name] = `http://${url.hostname}:${url.port || '80'}`;
        break;
      }
    }
  }

  // DefaultOptionsProvider.GetProvider tries each provider against every endpoint, Azure Cache for
  // Redis before Azure Managed Redis: an ACR host anywhere in the list wins over an AMR host before it.
  const kinds = endpoints.filter((e) => !e.unixSocket).map((e) => azureKindOf(e.host));
  const azure = kinds.includes('azureCacheForRedis') ? 'azureCacheForRedis' : kinds.includes('azureManagedRedis') ? 'azureManagedRedis' : undefined;
  const explicitSsl = options.ssl;
  const ssl =
    typeof explicitSsl === 'boolean'
      ? explicitSsl
      : azure === 'azureManagedRedis'
        ? true
        : azure === 'azureCacheForRedis'
          ? endpoints.some((e) => e.port === 6380)
          : false;
  const explicitAbort = options.abortConnect;
  const abortConnect = typeof explicitAbort === 'boolean' ? explicitAbort : azure === undefined;
  // A written protocol wins; a written low version does not turn Azure Managed Redis's RESP3 off.
  const protocol = options.protocol === 'resp2' || options.protocol === 'resp3' ? options.protocol : azure === 'azureManagedRedis' ? 'resp3' : undefined;
  const defaultVersion =
    typeof options.version === 'string' ? options.version : azure === 'azureManagedRedis' ? AZURE_MANAGED_REDIS_DEFAULT_VERSION : DEFAULT_VERSION;

  const result: StackExchangeConfiguration = {
    endpoints,
    options,
    commandMap,
    ssl,
    abortConnect,
    defaultVersion,
    ...(protocol !== undefined ? { protocol } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(user !== undefined ? { user } : {}),
    ...(sentinelPassword !== undefined ? { sentinelPassword } : {}),
    ...(azure !== undefined ? { azure } : {}),
  };
  return result;
}

/** StackExchange.Redis `SetDefaultPorts`: a port-less endpoint gets 6380 with TLS, 6379 without. */
export function effectivePort(endpoint: StackExchangeEndpoint, ssl: boolean): number {
  return endpoint.port !== 0 ? endpoint.port : ssl ? 6380 : 6379;
}
