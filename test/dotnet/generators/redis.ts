/** fast-check generators for StackExchange.Redis configuration strings (`ConfigurationOptions.Parse`). */
import fc from 'fast-check';

/** Passwords are drawn from these, so the suite knows exactly which values must never be printed. */
export const REDIS_PASSWORDS = ['pw-7f3a9c1e5b', 'Zm9vYmFyc2VjcmV0PQ==', 'p@ss,w0rd', 'a=b;c'];

const host = fc.constantFrom(
  'contoso.redis.cache.windows.net', 'CONTOSO.REDIS.CACHE.WINDOWS.NET', 'orders.eastus.redis.azure.net', 'cache.redis.cache.chinacloudapi.cn',
  'localhost', 'redis', '127.0.0.1', '10.0.0.5', '::1', '[::1]', '2001:db8::1', '[2001:DB8::1]', '[::ffff:127.0.0.1]', 'host-name.example', '!/tmp/redis.sock',
  // IPv4 as inet_aton reads it, and near misses that are host names to .NET
  '0x7f.1', '0X7F000001', '010.0.0.1', '127.1', '0x', '127.0.0.1.', '08.1', 'cafe.dead',
);
const port = fc.constantFrom('', ':6379', ':6380', ':10000', ':0', ':65535', ':65536', ':-1', ':abc', ': 6380', ':06380');
const endpoint = fc.tuple(host, port).map(([h, p]) => (h.startsWith('!') || (h.includes(':') && !h.startsWith('[')) ? h : h + p));

function anyCase(word: string): fc.Arbitrary<string> {
  return fc.constantFrom(word, word.toLowerCase(), word.toUpperCase());
}
const bool = fc.constantFrom('true', 'false', 'True', 'FALSE', 'yes', '1', '0', '', ' true ');
const int = fc.constantFrom('0', '1', '15', '-1', '5000', '2147483648', 'x', '', ' 3 ', '+2', '1.5');

const option = fc.oneof(
  fc.tuple(anyCase('ssl'), bool),
  fc.tuple(anyCase('abortConnect'), bool),
  fc.tuple(anyCase('allowAdmin'), bool),
  fc.tuple(anyCase('password'), fc.constantFrom(...REDIS_PASSWORDS.filter((p) => !p.includes(',')), '')),
  fc.tuple(anyCase('user'), fc.constantFrom('default', 'app', '')),
  fc.tuple(anyCase('defaultDatabase'), int),
  fc.tuple(anyCase('connectTimeout'), int),
  fc.tuple(anyCase('syncTimeout'), int),
  fc.tuple(anyCase('asyncTimeout'), int),
  fc.tuple(anyCase('name'), fc.constantFrom('app', '', 'a b')),
  fc.tuple(anyCase('sslHost'), fc.constantFrom('contoso.redis.cache.windows.net', '')),
  fc.tuple(fc.constantFrom('unknownOption', 'sslx', 'Timeout', 'database'), fc.constantFrom('1', '')),
  // A mistyped URL whose password ends up in the keyword position.
  fc.tuple(fc.constantFrom(`rediss://:${REDIS_PASSWORDS[0]}@contoso.redis.cache.windows.net:6380/0?x`, `user:${REDIS_PASSWORDS[1]}`), fc.constant('1')),
  fc.tuple(fc.constantFrom('$GET', '$SET', '$INFO', '$get', '$Info', '$NOTACOMMAND'), fc.constantFrom('', 'get2', 'GET', 'info')),
  fc.tuple(anyCase('sentinelPassword'), fc.constantFrom(...REDIS_PASSWORDS.filter((p) => !p.includes(',')), '')),
  fc.tuple(fc.constantFrom('sentinelUser', 'configChannel', 'CONFIGCHANNEL'), fc.constantFrom('', 'app', '__Booksleeve_MasterChanged')),
  fc.tuple(anyCase('tcpKeepAlive'), bool),
  fc.tuple(anyCase('tunnel'), fc.constantFrom('http:proxy:8080', 'http://proxy.contoso.com', 'http://10.0.0.1:3128', 'http://[::1]:81', '')),
  fc.tuple(fc.constantFrom('responseTimeout', 'writeBuffer'), int),
  fc.tuple(fc.constantFrom('keepAlive', 'configCheckSeconds', 'connectRetry', 'KEEPALIVE'), int),
  fc.tuple(fc.constantFrom('resolveDns', 'checkCertificateRevocation', 'highIntegrity', 'setlib', 'SETLIB'), bool),
  fc.tuple(fc.constantFrom('serviceName', 'channelPrefix', 'tiebreaker', 'TieBreaker'), fc.constantFrom('', 'mymaster', 'app:', ':x')),
  fc.tuple(anyCase('proxy'), fc.constantFrom('None', 'twemproxy', 'ENVOYPROXY', '1', '7', 'x', '')),
  fc.tuple(anyCase('version'), fc.constantFrom('6', '6.0', '7.2.4', '4.0.0.1', '1.2.3.4.5', '-1', 'x', '', ' 6.2 ')),
  fc.tuple(anyCase('sslProtocols'), fc.constantFrom('Tls12', 'tls12|tls13', 'Tls12|3072', '3072', 'x', '', 'None', '0', '240', '3327', '-1', 'Default|Tls13', 'ssl3|tls', '12288')),
  fc.tuple(anyCase('protocol'), fc.constantFrom('resp2', 'RESP3', '2', '3', '4', 'x', '')),
);
const part = fc.oneof(
  { weight: 3, arbitrary: endpoint },
  { weight: 5, arbitrary: fc.tuple(option, fc.constantFrom('', ' ')).map(([[k, v], sp]) => `${sp}${k}${sp}=${v}${sp}`) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '=x', 'junk') },
);

export interface RedisCase {
  text: string;
  ignoreUnknown: boolean;
}
export const redisCase: fc.Arbitrary<RedisCase> = fc.record({
  text: fc.array(part, { minLength: 1, maxLength: 6 }).map((p) => p.join(',')),
  ignoreUnknown: fc.boolean(),
});
