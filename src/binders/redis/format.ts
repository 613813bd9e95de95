/**
 * Writes a parsed StackExchange.Redis configuration back as the string its
 * `ConfigurationOptions.ToString(includePassword)` gives: the endpoints, then each option the
 * string wrote, in StackExchange.Redis's order and spelling (`ssl=True`, `version=6.0`,
 * `sslProtocols=Tls12| Tls13`), then the command-map changes. Pure: data in, text out.
 */
import type { StackExchangeConfiguration, StackExchangeEndpoint } from './stackExchange.js';

export interface FormatStackExchangeOptions {
  /**
   * Write the password (and sentinel password) itself, as `ToString(includePassword: true)` does.
   * By default a non-empty password is written as `*****`, so the string is safe to log.
   */
  includePassword?: boolean;
}

/** The order in which `ConfigurationOptions.ToString()` writes the options (StackExchange.Redis 3.4). */
const ORDER = [
  'name',
  'serviceName',
  'keepAlive',
  'syncTimeout',
  'asyncTimeout',
  'allowAdmin',
  'version',
  'connectTimeout',
  'user',
  'sentinelUser',
  'password',
  'sentinelPassword',
  'tiebreaker',
  'ssl',
  'sslProtocols',
  'checkCertificateRevocation',
  'sslHost',
  'configChannel',
  'abortConnect',
  'resolveDns',
  'channelPrefix',
  'connectRetry',
  'proxy',
  'configCheckSeconds',
  'defaultDatabase',
  'setlib',
  'highIntegrity',
  'protocol',
  'tcpKeepAlive',
  'tunnel',
] as const;

/** .NET `SslProtocols` members, highest value first. */
const SSL_PROTOCOL_NAMES: ReadonlyArray<readonly [string, number]> = [
  ['Tls13', 12288],
  ['Tls12', 3072],
  ['Tls11', 768],
  ['Default', 240],
  ['Tls', 192],
  ['Ssl3', 48],
  ['Ssl2', 12],
];

/**
 * .NET's `[Flags]` enum `ToString()` with `,` turned into `|` as StackExchange.Redis does
 * (the space after it stays: `Tls12| Tls13`): a defined name, else the members that make up the
 * value in ascending order, else the number when some bits are not a member.
 */
function formatSslProtocols(value: number): string {
  if (value === 0) return 'None';
  const exact = SSL_PROTOCOL_NAMES.find(([, v]) => v === value);
  if (exact) return exact[0];
  let rest = value;
  const names: string[] = [];
  for (const [name, v] of SSL_PROTOCOL_NAMES) {
    if ((rest & v) === v) {
      names.unshift(name);
      rest &= ~v;
    }
  }
  return rest === 0 && names.length > 0 ? names.join('| ') : String(value);
}

/** StackExchange.Redis `Format.ToString(EndPoint)`: port 0 (none written) is left out; IPv6 with a port in brackets. */
function formatEndpoint(e: StackExchangeEndpoint): string {
  if (e.unixSocket) return `!${e.host}`;
  if (e.port === 0) return e.host;
  return e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}

function formatValue(name: string, value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (name === 'sslProtocols' && typeof value === 'number') return formatSslProtocols(value);
  // The tunnel is an HTTP proxy endpoint, written `http:host:port`.
  if (name === 'tunnel' && typeof value === 'string') return value.replace(/^http:\/\//, 'http:');
  return String(value);
}

/**
 * The configuration string StackExchange.Redis's `ConfigurationOptions.ToString(includePassword)`
 * writes for what `parseStackExchangeConfiguration` read. Only options the string wrote appear
 * (Azure defaults are not written, as in .NET); empty values are left out; the password is
 * `*****` unless `includePassword` is true.
 */
export function formatStackExchangeConfiguration(configuration: StackExchangeConfiguration, opts: FormatStackExchangeOptions = {}): string {
  const parts: string[] = configuration.endpoints.map(formatEndpoint);
  const secret = (value: string | undefined) => (value === undefined || value === '' ? undefined : opts.includePassword === true ? value : '*****');
  for (const name of ORDER) {
    let value: string | number | boolean | undefined;
    if (name === 'password') value = secret(configuration.password);
    else if (name === 'sentinelPassword') value = secret(configuration.sentinelPassword);
    else if (name === 'user') value = configuration.user;
    else value = configuration.options[name];
    if (value === undefined) continue;
    const text = formatValue(name, value);
    if (text.trim() !== '') parts.push(`${name}=${text}`);
  }
  // Command-map changes: upper case, in command-name order; a command mapped to its own name is no change.
  const commands = new Map<string, string>();
  // A name with spaces around it (`$GET =`) is no command name to StackExchange.Redis: it is dropped.
  for (const [command, value] of Object.entries(configuration.commandMap)) {
    if (/^[A-Za-z][A-Za-z0-9_]*$/.test(command)) commands.set(command.toUpperCase(), value.toUpperCase());
  }
  for (const command of [...commands.keys()].sort()) {
    const value = commands.get(command)!;
    if (value !== command) parts.push(`$${command}=${value}`);
  }
  return parts.join(',');
}
