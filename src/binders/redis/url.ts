/**
 * `redis://` and `rediss://` URLs (IANA `redis` scheme; the form Service Connector gives Java,
 * Python, Go and Node.js apps: `rediss://:<key>@<name>.redis.cache.windows.net:6380/0`).
 * Parsed by hand rather than with `new URL`, because WHATWG URL errors carry the whole input
 * (password included) in their `input` property.
 */
import { RedisConnectionStringError } from './errors.js';
import { isValidPort } from './hosts.js';

export interface ParsedRedisUrl {
  readonly tls: boolean;
  readonly host: string;
  /** Undefined when the URL has no port. */
  readonly port?: number;
  readonly database: number;
  readonly user?: string;
  readonly password?: string;
}

/** True when the text starts with `redis://` or `rediss://`, in any case. */
export function isRedisUrl(text: string): boolean {
  return /^\s*rediss?:\/\//i.test(text);
}

const fail = (message: string) => new RedisConnectionStringError(message);

function decode(part: string, what: 'user name' | 'password'): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw fail(`The Redis URL has a malformed percent-escape in its ${what}.`);
  }
}

/** Parses a `redis://` / `rediss://` URL. The scheme is case-insensitive: `REDISS://` means TLS. */
export function parseRedisUrl(text: string): ParsedRedisUrl {
  // A URL parser (WHATWG's, which node-redis uses) drops ASCII tabs and line breaks anywhere in the
  // text: a key wrapped or pasted across lines still means the same key.
  const input = text.trim().replace(/[\t\n\r]/g, '');
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(input);
  if (!scheme || !/^rediss?$/i.test(scheme[1]!)) {
    throw fail('A Redis URL must start with redis:// or rediss://.');
  }
  const tls = scheme[1]!.toLowerCase() === 'rediss';
  const rest = input.slice(scheme[0].length);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  const tail = authorityEnd < 0 ? '' : rest.slice(authorityEnd);
  // An unencoded '/', '?' or '#' in the password ends the authority early; the '@' then lands in
  // the path. Say so, since base64 access keys often contain '/'.
  const strayAt = tail.includes('@');
  const encodingHint = ' If the password contains /, ?, #, @ or %, percent-encode it.';

  const at = authority.lastIndexOf('@');
  const userInfo = at < 0 ? undefined : authority.slice(0, at);
  const hostPort = at < 0 ? authority : authority.slice(at + 1);

  let host: string;
  let portText: string | undefined;
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    if (close < 0) throw fail('The Redis URL has an unterminated IPv6 address.');
    host = hostPort.slice(1, close);
    const after = hostPort.slice(close + 1);
    if (after && !after.startsWith(':')) throw fail('The Redis URL has text after its IPv6 address.');
    portText = after ? after.slice(1) : undefined;
  } else {
    const colon = hostPort.indexOf(':');
    host = colon < 0 ? hostPort : hostPort.slice(0, colon);
    portText = colon < 0 ? undefined : hostPort.slice(colon + 1);
  }
  if (!host) throw fail(`The Redis URL has no host.${strayAt ? encodingHint : ''}`);
  if (/[\s\\%<>^`{|}"]/.test(host) || (host.includes(':') && !/^[0-9a-f:.]+$/i.test(host))) {
    throw fail(`The Redis URL has an invalid host.${strayAt ? encodingHint : ''}`);
  }
  if (host.includes(':')) {
    // WHATWG's IPv6 serialisation, as node-redis reports the host (`[2001:DB8:0::1]` → `2001:db8::1`).
    // Only the address goes into `new URL`, so no error can carry the password.
    const canonical = URL.canParse(`http://[${host}]/`) ? new URL(`http://[${host}]/`).hostname.slice(1, -1) : undefined;
    if (canonical === undefined) throw fail('The Redis URL has an invalid IPv6 address.');
    host = canonical;
  }

  let port: number | undefined;
  if (portText !== undefined && portText !== '') {
    if (!/^\d+$/.test(portText)) throw fail(`The Redis URL's port is not a number.${strayAt ? encodingHint : ''}`);
    port = Number(portText);
    if (!isValidPort(port)) throw fail(`The Redis URL's port ${port} is out of range; a port must be between 1 and 65535.`);
  }

  let database = 0;
  const path = tail.replace(/[?#].*$/s, '');
  if (path.length > 1) {
    const db = path.slice(1);
    // The same bound as a database given on its own (AZURE_REDIS_DATABASE, a section's Database).
    if (!/^\d+$/.test(db) || Number(db) > 2147483647) {
      throw fail(`The Redis URL's path must be a database number (/0, /1…).${strayAt ? encodingHint : ''}`);
    }
    database = Number(db);
  }

  let user: string | undefined;
  let password: string | undefined;
  if (userInfo !== undefined) {
    const colon = userInfo.indexOf(':');
    const rawUser = colon < 0 ? userInfo : userInfo.slice(0, colon);
    const rawPassword = colon < 0 ? undefined : userInfo.slice(colon + 1);
    if (rawUser) user = decode(rawUser, 'user name');
    if (rawPassword) password = decode(rawPassword, 'password');
  }

  return {
    tls,
    host,
    database,
    ...(port !== undefined ? { port } : {}),
    ...(user !== undefined ? { user } : {}),
    ...(password !== undefined ? { password } : {}),
  };
}
