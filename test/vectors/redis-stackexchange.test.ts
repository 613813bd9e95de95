/**
 * Vectors from StackExchange.Redis's test suites (FormatTests, ConfigTests, DefaultOptionsTests,
 * Issue25Tests, DeprecatedTests, SentinelConfigTests, RealWorldTests, DefaultDatabaseTests,
 * RespProtocolTests, HttpTunnelConnectTests, SSLTests) and node-redis's parseURL tests, translated
 * to this API, plus the rules of `ConfigurationOptions.DoParse`, `Format.TryParseEndPoint` and
 * `DefaultOptionsProvider.GetProvider` they exercise. Vectors already in test/redis are not repeated.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigurationBuilder } from '../../src/builder.js';
import { parseRedisConnectionString } from '../../src/binders/redis/connectionString.js';
import { RedisConnectionStringError } from '../../src/binders/redis/errors.js';
import { getRedisSettings } from '../../src/binders/redis/settings.js';
import { parseStackExchangeConfiguration, tryParseEndpoint } from '../../src/binders/redis/stackExchange.js';
import { parseRedisUrl } from '../../src/binders/redis/url.js';
import { EnvironmentVariablesProvider } from '../../src/providers/environment.js';

function thrown(fn: () => unknown): RedisConnectionStringError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RedisConnectionStringError);
    return err as RedisConnectionStringError;
  }
  throw new Error('expected an error');
}

describe('FormatTests.ParseEndPoint: host, port and .NET address text', () => {
  it.each([
    ['localhost', 'localhost', 0],
    ['localhost:6390', 'localhost', 6390],
    ['bob.the.builder.com', 'bob.the.builder.com', 0],
    ['bob.the.builder.com:6390', 'bob.the.builder.com', 6390],
    ['0.0.0.0', '0.0.0.0', 0],
    ['127.0.0.1', '127.0.0.1', 0],
    ['127.1', '127.0.0.1', 0],
    ['127.1:6389', '127.0.0.1', 6389],
    ['127.0.0.1:6389', '127.0.0.1', 6389],
    ['127.0.0.1:1', '127.0.0.1', 1],
    ['127.0.0.1:2', '127.0.0.1', 2],
    ['10.10.9.18:2', '10.10.9.18', 2],
    ['::1', '::1', 0],
    // no brackets: all of it is the address, written as .NET writes an IPv4-compatible address
    ['::1:6379', '::0.1.99.121', 0],
    ['[::1]:6379', '::1', 6379],
    ['[::1]:1000', '::1', 1000],
    ['2001:db7:85a3:8d2:1319:8a2e:370:7348', '2001:db7:85a3:8d2:1319:8a2e:370:7348', 0],
    ['[2001:db7:85a3:8d2:1319:8a2e:370:7348]', '2001:db7:85a3:8d2:1319:8a2e:370:7348', 0],
    ['[2001:db7:85a3:8d2:1319:8a2e:370:7348]:1000', '2001:db7:85a3:8d2:1319:8a2e:370:7348', 1000],
  ])('%s → %s port %i', (text, host, port) => {
    expect(tryParseEndpoint(text)).toEqual({ host, port });
  });

  it.each([
    ['[::ffff:10.0.0.1]:7000', '::ffff:10.0.0.1', 7000],
    ['::ffff:7f00:1', '::ffff:127.0.0.1', 0],
    ['::ffff:0:1.2.3.4', '::ffff:0:1.2.3.4', 0],
    ['fe80::5efe:a00:1', 'fe80::5efe:10.0.0.1', 0],
    ['[::0.0.0.1]', '::1', 0],
    ['[2001:DB8:0:0:1:0:0:1]:6379', '2001:db8::1:0:0:1', 6379],
  ])('IPv6 %s is written as .NET IPAddress.ToString() writes it: %s', (text, host, port) => {
    expect(tryParseEndpoint(text)).toEqual({ host, port });
  });

  it('parses Unix domain socket endpoints (ParseUnixDomainSocketEndPoint, CanParseAndFormatUnixDomainSocket)', () => {
    expect(tryParseEndpoint('!/tmp/redis.sock')).toEqual({ host: '/tmp/redis.sock', port: 0, unixSocket: true });
    expect(tryParseEndpoint('!@redis-abstract')).toEqual({ host: '@redis-abstract', port: 0, unixSocket: true });
    expect(tryParseEndpoint('!')).toBeUndefined();
    const c = parseStackExchangeConfiguration('!/some/path,allowAdmin=True');
    expect(c.options.allowAdmin).toBe(true);
    expect(c.endpoints).toEqual([{ host: '/some/path', port: 0, unixSocket: true }]);
    expect(c.azure).toBeUndefined();
    // settings carry a host and a port, so the connection-string reader refuses it, mixed or alone
    expect(thrown(() => parseRedisConnectionString('localhost:6379,!/some/path')).message).toMatch(/Unix domain socket/);
  });
});

describe('ConfigurationOptions.Parse endpoints', () => {
  it('drops a duplicate, host names compared ignoring case (measured on StackExchange.Redis 3.4 by test/dotnet)', () => {
    const c = parseStackExchangeConfiguration('a.example:7000,A.example:7000,a.example:7000,a.example:7001,127.1:6379,127.0.0.1:6379');
    expect(c.endpoints).toEqual([
      { host: 'a.example', port: 7000 },
      { host: 'a.example', port: 7001 },
      { host: '127.0.0.1', port: 6379 },
    ]);
  });

  it('RealWorldTests: two endpoints, a name with spaces and parentheses, a tiebreaker starting with :', () => {
    const c = parseStackExchangeConfiguration('localhost:6379,localhost:6380,name=Core (Q&A),tiebreaker=:RedisPrimary,abortConnect=False');
    expect(c.endpoints).toEqual([{ host: 'localhost', port: 6379 }, { host: 'localhost', port: 6380 }]);
    expect(c.options).toMatchObject({ name: 'Core (Q&A)', tiebreaker: ':RedisPrimary', abortConnect: false });
    expect(c.abortConnect).toBe(false);
  });

  it.each([
    ['localhost:6379', 'localhost'],
    ['localhost', 'localhost'],
    ['127.0.0.1:6379', '127.0.0.1'],
    ['127.0.0.1', '127.0.0.1'],
    ['[::1]', '::1'],
    ['[::1]:6379', '::1'],
  ])('ConnectByIPTests: %s is one endpoint, %s, port 6379 when connecting', (text, host) => {
    const s = parseRedisConnectionString(text);
    expect(s.endpoints).toEqual([{ host, port: 6379 }]);
    expect([s.host, s.port, s.tls]).toEqual([host, 6379, false]);
  });

  it('SSLTests Issue883: a non-standard port with ssl=true keeps its port', () => {
    const s = parseRedisConnectionString('myDNS:883,password=mypassword,connectRetry=3,connectTimeout=5000,syncTimeout=5000,defaultDatabase=0,ssl=true,abortConnect=false');
    expect(s).toMatchObject({ host: 'myDNS', port: 883, tls: true, database: 0 });
    expect(s.options).toMatchObject({ connectRetry: 3, connectTimeout: 5000, syncTimeout: 5000, abortConnect: false });
  });
});

describe('Azure default-options providers', () => {
  it.each([
    'contoso.redis.cache.windows.net',
    'contoso.REDIS.CACHE.chinacloudapi.cn',
    'contoso.redis.cache.usgovcloudapi.net',
    'contoso.redis.cache.sovcloud-api.de',
    'contoso.redis.cache.sovcloud-api.fr',
  ])('IsMatchOnAzureDomain %s (no port): Azure Cache for Redis, 6379 without TLS', (host) => {
    const s = parseRedisConnectionString(host);
    expect([s.azure, s.tls, s.port, s.options.abortConnect]).toEqual(['azureCacheForRedis', false, 6379, false]);
  });

  it.each(['contoso.redis.azure.net', 'contoso.redis.chinacloudapi.cn', 'contoso.redis.usgovcloudapi.net', 'contoso.redisenterprise.cache.azure.net'])(
    'IsMatchOnAzureManagedRedisDomain %s (no port): Azure Managed Redis, TLS, so SetDefaultPorts picks 6380',
    (host) => {
      const s = parseRedisConnectionString(host);
      expect([s.azure, s.tls, s.port, s.options.abortConnect]).toEqual(['azureManagedRedis', true, 6380, false]);
    },
  );

  it('tries the Azure Cache for Redis provider against every endpoint before Azure Managed Redis (GetProvider order)', () => {
    for (const text of ['x.redis.azure.net:10000,y.redis.cache.windows.net', 'y.redis.cache.windows.net,x.redis.azure.net:10000']) {
      const c = parseStackExchangeConfiguration(text);
      expect(c.azure).toBe('azureCacheForRedis');
      // no endpoint on 6380, so no TLS by default, even though an AMR host is listed
      expect(c.ssl).toBe(false);
    }
    expect(parseStackExchangeConfiguration('x.redis.azure.net:10000,y.redis.cache.windows.net:6380').ssl).toBe(true);
    expect(parseStackExchangeConfiguration('10.0.0.1:6379,x.redis.azure.net').azure).toBe('azureManagedRedis');
  });

  it.each([
    ['contoso.redis.azure.net:10000,protocol=resp2', 'resp2'],
    ['contoso.redis.azure.net:10000,protocol=resp3', 'resp3'],
    ['contoso.redis.cache.windows.net:6380,protocol=resp2', 'resp2'],
    ['contoso.redis.cache.windows.net:6380,protocol=resp3', 'resp3'],
    ['myserver:6379,protocol=resp2', 'resp2'],
    ['myserver:6379,protocol=resp3', 'resp3'],
  ])('CorrectRespProtocol: %s keeps the protocol written', (text, protocol) => {
    expect(parseStackExchangeConfiguration(text).options.protocol).toBe(protocol);
  });

  it.each([
    // Azure Managed Redis prefers RESP3 unless the string opts out; a written low version does not turn it off
    ['contoso.redis.azure.net:10000', 'resp3'],
    ['contoso.redis.azure.net:10000,protocol=resp2', 'resp2'],
    ['contoso.redis.azure.net:10000,protocol=resp3', 'resp3'],
    ['contoso.redis.azure.net:10000,version=5', 'resp3'],
    // elsewhere no protocol unless written: the server's version decides
    ['contoso.redis.cache.windows.net:6380', undefined],
    ['contoso.redis.cache.windows.net:6380,protocol=resp2', 'resp2'],
    ['contoso.redis.cache.windows.net:6380,protocol=resp3', 'resp3'],
    ['contoso.redis.cache.windows.net:6380,version=5', undefined],
    ['myserver:6379', undefined],
    ['myserver:6379,protocol=resp2', 'resp2'],
    ['myserver:6379,protocol=resp3', 'resp3'],
    ['myserver:6379,version=5', undefined],
  ])('CorrectRespProtocol: %s has the effective protocol %s', (text, protocol) => {
    expect(parseStackExchangeConfiguration(text).protocol).toBe(protocol);
    // the settings carry it beside the other options, as they carry the effective abortConnect
    expect(parseRedisConnectionString(text).options.protocol).toBe(protocol);
  });

  it.each([
    ...['contoso.redis.cache.windows.net:6380', 'contoso.redis.cache.windows.net', 'contoso.REDIS.CACHE.chinacloudapi.cn:6380'].map((h) => [h, '6.0.0']),
    ...['contoso.redis.azure.net:10000', 'contoso.redisenterprise.cache.azure.net:10000', 'contoso.REDIS.sovcloud-api.de:10000', 'contoso.redis.azure.net'].map((h) => [h, '7.4.0']),
    ...['redis.contoso.com', 'redis.contoso.com:6379', 'contoso.redis.azure.net.X:10000', 'contoso.redis.azure.net:xx', 'contoso.redis.azure.net:'].map((h) => [h, '6.0.0']),
    ['contoso.redis.cache.windows.net,abortConnect=true, version=2.1.1', '2.1.1'],
  ])('ConfigurationOptionsDefaultFor…: %s assumes server version %s until the server says', (text, version) => {
    expect(parseStackExchangeConfiguration(text).defaultVersion).toBe(version);
  });

  it('CorrectRespProtocol: version=5 is kept as 5.0 on every host', () => {
    for (const host of ['contoso.redis.azure.net:10000', 'contoso.redis.cache.windows.net:6380', 'myserver:6379']) {
      expect(parseStackExchangeConfiguration(`${host},version=5`).options.version).toBe('5.0');
    }
  });
});

describe('keywords, values and errors', () => {
  it('Issue25Tests: keywords are case-insensitive and unknown ones fail unless ignored', () => {
    expect(parseStackExchangeConfiguration('ssl=true')).toMatchObject({ ssl: true, options: { ssl: true } });
    expect(parseStackExchangeConfiguration('SSL=TRUE')).toMatchObject({ ssl: true, options: { ssl: true } });
    expect(parseStackExchangeConfiguration('ssl2=true', { ignoreUnknown: true }).options).toEqual({});
    for (const opts of [{ ignoreUnknown: false }, {}]) {
      const e = thrown(() => parseStackExchangeConfiguration('ssl2=true', opts));
      expect(e.message).toBe("Keyword 'ssl2' is not supported.");
      expect(e.keyword).toBe('ssl2');
    }
  });

  it.each(['highPriorityThreads=true', 'highPriorityThreads=false', 'preserveAsyncOrder=true', 'preserveAsyncOrder=false', 'writeBuffer=8092', 'responseTimeout=1000'])(
    'DeprecatedTests: %s parses and sets nothing',
    (text) => {
      expect(parseStackExchangeConfiguration(text).options).toEqual({});
    },
  );

  it('DeprecatedTests: name=Hello is the client name', () => {
    expect(parseStackExchangeConfiguration('name=Hello').options).toEqual({ name: 'Hello' });
  });

  it('SentinelConfigTests: sentinel user, password and service name', () => {
    const c = parseStackExchangeConfiguration('localhost:26379,serviceName=myprimary,sentinelUser=su,sentinelPassword=sp');
    expect(c.options).toEqual({ serviceName: 'myprimary', sentinelUser: 'su' });
    expect(c.sentinelPassword).toBe('sp');
    expect(c.password).toBeUndefined();
    expect(c.endpoints).toEqual([{ host: 'localhost', port: 26379 }]);
  });

  it('DefaultDatabaseTests: unset, or the value written', () => {
    expect(parseStackExchangeConfiguration('localhost').options.defaultDatabase).toBeUndefined();
    expect(parseStackExchangeConfiguration('localhost,defaultDatabase=3').options.defaultDatabase).toBe(3);
    expect(parseRedisConnectionString('localhost,defaultDatabase=3').database).toBe(3);
  });

  it.each([
    ['server:6379,setlib=True', 'setlib', true],
    ['server:6379,setlib=False', 'setlib', false],
    ['dummy,highIntegrity=False', 'highIntegrity', false],
    ['dummy,highIntegrity=True', 'highIntegrity', true],
    ['127.0.0.1,Ssl=true', 'ssl', true],
    ['myDNS:myPort,password=myPassword,abortConnect=false,ssl=true,sslProtocols=Ssl3', 'sslProtocols', 48],
  ])('%s sets %s', (text, key, value) => {
    expect(parseStackExchangeConfiguration(text).options[key]).toBe(value);
  });

  it('SslProtocols_InvalidValue, and a number mixed with names, which .NET Enum.TryParse refuses', () => {
    for (const value of ['InvalidSslProtocol', 'Tls12|3072', '3072|Tls13']) {
      const e = thrown(() => parseStackExchangeConfiguration(`myhost,sslProtocols=${value}`));
      // StackExchange.Redis quotes the value with `|` turned into `,` (measured by test/dotnet).
      expect(e.message).toBe(`Keyword 'sslProtocols' requires an SslProtocol value (multiple values separated by '|'); the value '${value.replaceAll('|', ',')}' is not recognised.`);
      expect(e.keyword).toBe('sslProtocols');
    }
    expect(parseStackExchangeConfiguration('myhost,sslProtocols= Tls12 | Tls13').options.sslProtocols).toBe(3072 | 12288);
  });

  it.each([
    ['someserver,protocol=3', 'resp3', undefined],
    ['someserver,protocol=2,$HELLO=', 'resp2', ''],
    ['someserver,version=5.9,protocol=3,$HELLO=BONJOUR', 'resp3', 'BONJOUR'],
    ['someserver,version=6.0,protocol=resp3,$HELLO=', 'resp3', ''],
  ])('RespProtocolTests: %s', (text, protocol, hello) => {
    const c = parseStackExchangeConfiguration(text);
    expect(c.options.protocol).toBe(protocol);
    expect(c.commandMap.HELLO).toBe(hello);
  });

  it('HttpTunnelCanRoundtrip: http://host:port and http:host:port name the same tunnel; the endpoint is untouched', () => {
    const a = parseStackExchangeConfiguration('127.0.0.1:6380,tunnel=http://somewhere:22');
    const b = parseStackExchangeConfiguration('127.0.0.1:6380,tunnel=http:somewhere:22');
    expect(a.options.tunnel).toBe(b.options.tunnel);
    expect(a.options.tunnel).toMatch(/somewhere:22$/);
    expect(a.endpoints).toEqual([{ host: '127.0.0.1', port: 6380 }]);
    expect(parseStackExchangeConfiguration('127.0.0.1:6379,tunnel=http:127.0.0.1:8080').options.tunnel).toMatch(/127\.0\.0\.1:8080$/);
    // new Uri("http://somewhere").Port is 80
    expect(parseStackExchangeConfiguration('h,tunnel=http://somewhere').options.tunnel).toBe('http://somewhere:80');
  });
});

describe('node-redis parseURL vectors', () => {
  it.each([
    ['redis://user:secret@localhost:6379/0', false],
    ['rediss://user:secret@localhost:6379/0', true],
  ])('%s', (url, tls) => {
    expect(parseRedisUrl(url)).toEqual({ tls, host: 'localhost', port: 6379, database: 0, user: 'user', password: 'secret' });
    const s = parseRedisConnectionString(url);
    expect(s.auth).toMatchObject({ kind: 'accessKey', user: 'user' });
  });

  it('Invalid protocol: an error that says which schemes are accepted and does not echo the password', () => {
    for (const text of ['redi://user:secret-9@localhost:6379/0', 'unix://user:secret-9@/tmp/redis.sock']) {
      const e = thrown(() => parseRedisConnectionString(text));
      expect(e.message).toMatch(/redis:\/\/ or rediss:\/\//);
      expect(`${e.message}${inspect(e)}${JSON.stringify(e)}`).not.toContain('secret-9');
    }
  });

  it('Invalid pathname', () => {
    expect(thrown(() => parseRedisUrl('redis://user:secret-9@localhost:6379/NaN')).message).toMatch(/database number/);
  });

  it('redis://localhost: no port in the URL, 6379 when connecting', () => {
    expect(parseRedisUrl('redis://localhost')).toEqual({ tls: false, host: 'localhost', database: 0 });
    expect(parseRedisConnectionString('redis://localhost').port).toBe(6379);
  });

  it.each([
    ['redis://[::1]:6379', { tls: false, host: '::1', port: 6379, database: 0 }],
    ['redis://[2001:db8::1]:6379', { tls: false, host: '2001:db8::1', port: 6379, database: 0 }],
    ['rediss://[::1]:6379', { tls: true, host: '::1', port: 6379, database: 0 }],
    ['redis://[::1]', { tls: false, host: '::1', database: 0 }],
    ['redis://[::1]:6379/5', { tls: false, host: '::1', port: 6379, database: 5 }],
    ['redis://user:secret@[::1]:6379', { tls: false, host: '::1', port: 6379, database: 0, user: 'user', password: 'secret' }],
    // WHATWG's serialisation, which is what node-redis reports
    ['redis://[2001:DB8:0:0:0:0:0:1]:6379', { tls: false, host: '2001:db8::1', port: 6379, database: 0 }],
  ])('IPv6 literal %s', (url, expected) => {
    expect(parseRedisUrl(url)).toEqual(expected);
  });

  it('an invalid IPv6 literal is an error without the password', () => {
    const e = thrown(() => parseRedisUrl('rediss://:secret-9@[1::2::3]:6380'));
    expect(e.message).toMatch(/invalid IPv6/);
    expect(`${e.message}${inspect(e)}`).not.toContain('secret-9');
  });
});

describe('Azure Managed Redis and Enterprise access-key forms through Service Connector', () => {
  const settingsFrom = async (env: Record<string, string>) => getRedisSettings(await new ConfigurationBuilder().add(new EnvironmentVariablesProvider({ env })).build());

  it('<name>.<region>.redisenterprise.cache.azure.net:10000,password=…,ssl=True,abortConnect=False', async () => {
    const s = await settingsFrom({ AZURE_REDIS_CONNECTIONSTRING: 'contoso.westus2.redisenterprise.cache.azure.net:10000,password=amr-key-1,ssl=True,abortConnect=False' });
    expect(s).toMatchObject({ host: 'contoso.westus2.redisenterprise.cache.azure.net', port: 10000, tls: true, azure: 'azureManagedRedis', format: 'stackExchange' });
    expect(s.options.abortConnect).toBe(false);
  });

  it('rediss://:<key>@<name>.<region>.redis.azure.net:10000/0', async () => {
    const s = await settingsFrom({ AZURE_REDIS_CONNECTIONSTRING: `rediss://:${encodeURIComponent('amr/key+1=')}@contoso.westus2.redis.azure.net:10000/0` });
    expect(s).toMatchObject({ host: 'contoso.westus2.redis.azure.net', port: 10000, tls: true, database: 0, azure: 'azureManagedRedis', format: 'url' });
    expect(s.auth.kind === 'accessKey' && s.auth.password).toBe('amr/key+1=');
  });
});
