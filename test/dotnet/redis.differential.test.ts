import { parseStackExchangeConfiguration } from '../../src/binders/redis/stackExchange.js';
import { formatStackExchangeConfiguration } from '../../src/binders/redis/format.js';
import { REDIS_PASSWORDS, redisCase, type RedisCase } from './generators/redis.js';
import { differentialSuite, redact, type AreaSpec } from './harness.js';
import type { OracleAnswer } from './oracle.js';


/** What both sides are compared on; never the password, only whether one was given. */
interface RedisAnswer {
  error?: string;
  endpoints?: Array<{ host: string; port: number; unix?: true }>;
  ssl?: boolean;
  abortConnect?: boolean;
  hasPassword?: boolean;
  user?: string | null;
  defaultDatabase?: number | null;
  clientName?: string | null;
  sslHost?: string | null;
  connectTimeout?: number;
  syncTimeout?: number;
  asyncTimeout?: number;
  allowAdmin?: boolean;
  /** The effective `Protocol` (null: none, the server's version decides) and `DefaultVersion`, the host's defaults included. */
  protocol?: string | null;
  defaultVersion?: string;
  /** Each option the string writes, as parsed (the last occurrence wins). */
  written?: Record<string, unknown>;
  /** `ToString()` (password as `*****`) and `ToString(includePassword: true)` with the password replaced by `<secret>` (the oracle masks it; ours is redacted from the known passwords). */
  asString?: string;
  asStringWithPassword?: string;
}

/** The keywords a configuration string writes, canonical spelling (as our parser names them). */
const KEYWORDS = ['keepAlive', 'configCheckSeconds', 'connectRetry', 'serviceName', 'channelPrefix', 'resolveDns', 'checkCertificateRevocation', 'highIntegrity', 'tiebreaker', 'setlib', 'proxy', 'version', 'sslProtocols', 'protocol'];
function writtenKeywords(text: string): string[] {
  const written = new Set(text.split(',').map((p) => p.split('=')[0]!.trim().toLowerCase()));
  return KEYWORDS.filter((k) => written.has(k.toLowerCase()));
}

/** The error in the words both sides share: StackExchange.Redis's sentence without its `(Parameter …)` suffix. */
function errorOf(message: string): string {
  return message.replace(/ \(Parameter '[^']*'\)(\nActual value was .*)?$/s, '');
}

export function theirs(a: OracleAnswer, c: RedisCase): RedisAnswer {
  if (a.error) return { error: errorOf(a.error.message) };
  const pick = a as unknown as Required<RedisAnswer>;
  return {
    endpoints: pick.endpoints.map((e) => (e.unix ? { host: e.host, port: 0, unix: true } : { host: e.host, port: e.port })),
    ssl: pick.ssl,
    abortConnect: pick.abortConnect,
    hasPassword: pick.hasPassword,
    user: pick.user,
    defaultDatabase: pick.defaultDatabase,
    clientName: pick.clientName,
    sslHost: pick.sslHost,
    connectTimeout: pick.connectTimeout,
    syncTimeout: pick.syncTimeout,
    asyncTimeout: pick.asyncTimeout,
    allowAdmin: pick.allowAdmin,
    protocol: ((a.options as Record<string, unknown>).protocol as string | null | undefined) ?? null,
    defaultVersion: (a.options as Record<string, unknown>).version as string,
    written: Object.fromEntries(writtenKeywords(c.text).map((k) => [k, (a.options as Record<string, unknown>)[k] ?? null])),
    asString: (a as unknown as { toString: string }).toString,
    asStringWithPassword: (a as unknown as { toStringWithPassword: string }).toStringWithPassword,
  };
}

/** Our typed option value in the oracle's spelling (enum names, `Version.ToString()`, channel prefix text). */
function ourOption(keyword: string, value: string | number | boolean | undefined): unknown {
  // An empty channel prefix is no prefix on both sides (.NET shows a null RedisChannel).
  if (value === undefined || (keyword === 'channelPrefix' && value === '')) return keyword === 'channelPrefix' ? null : undefined;
  if (keyword === 'proxy' && typeof value === 'number') return String(value);
  return value;
}

export function ours(c: RedisCase): RedisAnswer {
  try {
    const p = parseStackExchangeConfiguration(c.text, { ignoreUnknown: c.ignoreUnknown });
    const opt = (k: string) => (p.options[k] === undefined ? null : p.options[k]);
    return {
      endpoints: p.endpoints.map((e) => (e.unixSocket ? { host: e.host, port: 0, unix: true } : { host: e.host, port: e.port })),
      ssl: p.ssl,
      abortConnect: p.abortConnect,
      hasPassword: p.password !== undefined,
      user: p.user ?? null,
      defaultDatabase: opt('defaultDatabase') as number | null,
      clientName: opt('name') as string | null,
      sslHost: opt('sslHost') as string | null,
      // StackExchange.Redis defaults: 5 s to connect and per synchronous call; async calls default to the sync timeout.
      connectTimeout: (opt('connectTimeout') as number | null) ?? 5000,
      syncTimeout: (opt('syncTimeout') as number | null) ?? 5000,
      asyncTimeout: (opt('asyncTimeout') as number | null) ?? ((opt('syncTimeout') as number | null) ?? 5000),
      allowAdmin: (opt('allowAdmin') as boolean | null) ?? false,
      protocol: p.protocol ?? null,
      defaultVersion: p.defaultVersion,
      written: Object.fromEntries(writtenKeywords(c.text).map((k) => [k, ourOption(k, p.options[k])])),
      asString: formatStackExchangeConfiguration(p),
      // Redacted as the oracle redacts its answer, so the password never reaches a failure message.
      asStringWithPassword: redact(formatStackExchangeConfiguration(p, { includePassword: true }), REDIS_PASSWORDS),
    };
  } catch (err) {
    return { error: errorOf((err as Error).message) };
  }
}

const spec: AreaSpec<RedisCase> = {
  area: 'redis',
  arbitrary: redisCase,
  toOracle: (c) => ({ area: 'redis', text: c.text, ignoreUnknown: c.ignoreUnknown }),
  theirs: (a, c) => theirs(a, c),
  ours,
  secrets: () => REDIS_PASSWORDS,
};

differentialSuite('StackExchange.Redis ConfigurationOptions.Parse against ours', 'redis', spec, 'test/dotnet/redis.differential.test.ts');
