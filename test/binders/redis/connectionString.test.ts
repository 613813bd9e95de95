import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, ConnectionStringError } from '../../../src/core/errors.js';
import { parseRedisConnectionString } from '../../../src/binders/redis/connectionString.js';
import { RedisConnectionStringError } from '../../../src/binders/redis/errors.js';
import { parseStackExchangeConfiguration, tryParseEndpoint } from '../../../src/binders/redis/stackExchange.js';
import { parseRedisUrl } from '../../../src/binders/redis/url.js';

const KEY = 'c2VjcmV0LWFjY2Vzcy1rZXk+/=';

function thrown(fn: () => unknown): RedisConnectionStringError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RedisConnectionStringError);
    expect(err).toBeInstanceOf(ConnectionStringError);
    expect(err).toBeInstanceOf(ConfigurationError);
    return err as RedisConnectionStringError;
  }
  throw new Error('expected an error');
}

describe('StackExchange.Redis configuration strings (vectors from its ConfigTests / DefaultPortsTests / FormatTests)', () => {
  it('parses the Service Connector .NET value', () => {
    const s = parseRedisConnectionString(`contoso.redis.cache.windows.net:6380,password=${KEY},ssl=True,defaultDatabase=0`);
    expect(s).toMatchObject({ host: 'contoso.redis.cache.windows.net', port: 6380, tls: true, database: 0, azure: 'azureCacheForRedis', format: 'stackExchange' });
    expect(s.auth).toMatchObject({ kind: 'accessKey' });
    expect(s.auth.kind === 'accessKey' && s.auth.password).toBe(KEY);
    // no abortConnect written: Azure hosts default to false
    expect(s.options.abortConnect).toBe(false);
  });

  it('splits an option on its first = only, trims segments and skips empty ones', () => {
    const s = parseRedisConnectionString(' host:6379 ,, password = abc== , user=me ,');
    expect(s.auth).toMatchObject({ kind: 'accessKey', user: 'me' });
    expect(s.auth.kind === 'accessKey' && s.auth.password).toBe('abc==');
    expect(s.user).toBe('me');
  });

  it('matches keywords case-insensitively, and the last repeat wins', () => {
    const c = parseStackExchangeConfiguration('foo,SYNCTIMEOUT=10,synctimeout=20,AbortConnect=false,abortconnect=TRUE');
    expect(c.options.syncTimeout).toBe(20);
    expect(c.abortConnect).toBe(true);
    expect(parseStackExchangeConfiguration('syncTimeout=20').options.syncTimeout).toBe(20);
  });

  it.each([
    ['checkCertificateRevocation=false', false],
    ['checkCertificateRevocation=true', true],
  ])('reads %s as a boolean', (option, value) => {
    expect(parseStackExchangeConfiguration(`host,${option}`).options.checkCertificateRevocation).toBe(value);
  });

  it.each([
    ['yes', true], ['ON', true], ['1', true], ['True', true],
    ['no', false], ['Off', false], ['0', false], ['FALSE', false],
  ])('accepts %s for a boolean (Format.TryParseBoolean)', (text, value) => {
    expect(parseStackExchangeConfiguration(`host,allowAdmin=${text}`).options.allowAdmin).toBe(value);
  });

  it('reads sslProtocols names joined with |, integers, and keeps options in options', () => {
    expect(parseStackExchangeConfiguration('myhost,sslProtocols=Tls12').options.sslProtocols).toBe(3072);
    expect(parseStackExchangeConfiguration('myhost,sslProtocols=Tls12|Tls13').options.sslProtocols).toBe(3072 | 12288);
    expect(parseStackExchangeConfiguration(`myhost,sslProtocols=${3072 | 12288}`).options.sslProtocols).toBe(15360);
    const s = parseRedisConnectionString('myDNS:6380,password=myPassword,connectRetry=3,connectTimeout=15000,syncTimeout=15000,defaultDatabase=0,abortConnect=false,ssl=true,sslProtocols=Tls12 ');
    expect(s.options).toMatchObject({ connectRetry: 3, connectTimeout: 15000, syncTimeout: 15000, abortConnect: false, sslProtocols: 3072 });
    expect(JSON.stringify(s.options)).not.toContain('myPassword');
  });

  it('drops an endpoint whose port is not an integer, as TryParseEndPoint does, and still parses the options', () => {
    const c = parseStackExchangeConfiguration('myDNS:myPort,password=myPassword,abortConnect=false,ssl=true,sslProtocols=Tls12');
    expect(c.endpoints).toEqual([]);
    expect(c.options.sslProtocols).toBe(3072);
    // without any endpoint left there is nothing to connect to
    const e = thrown(() => parseRedisConnectionString('myDNS:myPort,password=myPassword'));
    expect(e.message).toMatch(/no endpoint/);
    expect(e.message).not.toContain('myPassword');
  });

  it.each([
    ['foo,sslProtocols=NotAThing', "Keyword 'sslProtocols' requires an SslProtocol value (multiple values separated by '|'); the value 'NotAThing' is not recognised.", 'sslProtocols'],
    ['foo,SyncTimeout=ten', "Keyword 'SyncTimeout' requires an integer value; the value 'ten' is not recognised.", 'SyncTimeout'],
    ['foo,syncTimeout=-42', "Keyword 'syncTimeout' has a minimum value of '1'; the value '-42' is not permitted.", 'syncTimeout'],
    ['foo,AllowAdmin=maybe', "Keyword 'AllowAdmin' requires a boolean value; the value 'maybe' is not recognised.", 'AllowAdmin'],
    ['foo,Version=current', "Keyword 'Version' requires a version value; the value 'current' is not recognised.", 'Version'],
    ['foo,proxy=epoxy', "Keyword 'proxy' requires a proxy value; the value 'epoxy' is not recognised.", 'proxy'],
  ])('%s fails with StackExchange.Redis\'s wording', (text, message, keyword) => {
    const e = thrown(() => parseStackExchangeConfiguration(text));
    expect(e.message).toBe(message);
    expect(e.keyword).toBe(keyword);
  });

  it('rejects unknown keywords unless ignoreUnknown', () => {
    const e = thrown(() => parseRedisConnectionString('foo,flibble=value'));
    expect(e.message).toBe("Keyword 'flibble' is not supported.");
    expect(e.keyword).toBe('flibble');
    // there is no port, host or database keyword in this form
    expect(thrown(() => parseRedisConnectionString('foo,database=0')).message).toBe("Keyword 'database' is not supported.");
    const s = parseRedisConnectionString('foo,flibble=value,database=3', { ignoreUnknown: true });
    expect(s.host).toBe('foo');
    expect(s.database).toBe(0);
    expect(s.options).not.toHaveProperty('flibble');
  });

  it('accepts deprecated keywords and ignores them, and skips command-map entries', () => {
    const c = parseStackExchangeConfiguration('foo,responseTimeout=100,writeBuffer=1,preserveAsyncOrder=x,highPriorityThreads=y,$SUBSCRIBE=,$INFO=SINFO');
    expect(Object.keys(c.options)).toEqual([]);
    expect(c.commandMap).toEqual({ SUBSCRIBE: '', INFO: 'SINFO' });
  });

  it.each([
    ['contoso.redis.cache.windows.net:6380', true],
    ['contoso.REDIS.CACHE.chinacloudapi.cn:6380', true],
    ['contoso.redis.cache.usgovcloudapi.net:6380', true],
    ['contoso.redis.cache.sovcloud-api.de:6380', true],
    ['contoso.redis.cache.sovcloud-api.fr:6380', true],
    ['contoso.redis.cache.windows.net:6379', false],
    ['contoso.redis.cache.windows.net:10000', false],
    ['contoso.redis.cache.windows.net', false],
  ])('Azure Cache for Redis defaults for %s: abortConnect=false, ssl=%s', (text, ssl) => {
    const c = parseStackExchangeConfiguration(text);
    expect(c.azure).toBe('azureCacheForRedis');
    expect(c.abortConnect).toBe(false);
    expect(c.ssl).toBe(ssl);
  });

  it.each([
    'contoso.redis.azure.net:10000',
    'contoso.redis.chinacloudapi.cn:10000',
    'contoso.redis.usgovcloudapi.net:10000',
    'contoso.redisenterprise.cache.azure.net:10000',
    'contoso.REDIS.sovcloud-api.de:10000',
    'contoso.redis.sovcloud-api.fr:10000',
    'contoso.redis.azure.net:6379',
    'contoso.redis.azure.net:6380',
    'contoso.redis.azure.net',
  ])('Azure Managed Redis defaults for %s: abortConnect=false, ssl always', (text) => {
    const c = parseStackExchangeConfiguration(text);
    expect(c.azure).toBe('azureManagedRedis');
    expect(c.abortConnect).toBe(false);
    expect(c.ssl).toBe(true);
  });

  it.each([
    'redis.contoso.com',
    'redis.contoso.com:6379',
    'contoso.Xredis.cache.windows.net:6380',
    'contoso.redis.cache.windows.netX:6380',
    'contoso.redis.cache.windows.net.X:6380',
    'contoso.Xredis.azure.net:10000',
    'contoso.redis.azure.netX:10000',
    'contoso.redis.azure.net.X:10000',
  ])('plain defaults for the non-Azure host %s', (text) => {
    const c = parseStackExchangeConfiguration(text);
    expect(c.azure).toBeUndefined();
    expect(c.abortConnect).toBe(true);
    expect(c.ssl).toBe(false);
  });

  it.each(['redis.contoso.com:xx', 'contoso.redis.cache.windows.net:xx', 'contoso.redis.cache.windows.net:', 'contoso.redis.azure.net:xx', 'contoso.redis.azure.net:'])(
    '%s has no endpoint left, so no Azure provider applies',
    (text) => {
      const c = parseStackExchangeConfiguration(text);
      expect(c.endpoints).toEqual([]);
      expect(c.azure).toBeUndefined();
      expect(c.abortConnect).toBe(true);
    },
  );

  it('keeps explicit settings over the Azure defaults', () => {
    const c = parseStackExchangeConfiguration('contoso.redis.cache.windows.net,abortConnect=true, version=2.1.1');
    expect(c.abortConnect).toBe(true);
    expect(c.options.version).toBe('2.1.1');
    expect(parseStackExchangeConfiguration('contoso.redis.azure.net,ssl=false').ssl).toBe(false);
  });

  it.each([
    ['foo', 6379], ['foo:6379', 6379], ['foo:6380', 6380],
    ['foo,ssl=false', 6379], ['foo:6379,ssl=false', 6379], ['foo:6380,ssl=false', 6380],
    ['foo,ssl=true', 6380], ['foo:6379,ssl=true', 6379], ['foo:6380,ssl=true', 6380], ['foo:6381,ssl=true', 6381],
  ])('default port for %s is %i (SetDefaultPorts)', (text, port) => {
    expect(parseRedisConnectionString(text).port).toBe(port);
  });

  it.each([
    ['127.1:6379', '127.0.0.1', 6379],
    ['127.0.0.1:6379', '127.0.0.1', 6379],
    ['2a01:9820:1:24::1:1:6379', '2a01:9820:1:24:0:1:1:6379', 0],
    ['[2a01:9820:1:24::1:1]:6379', '2a01:9820:1:24::1:1', 6379],
    ['[::1]', '::1', 0],
    // IPv4 forms .NET's IPAddress.TryParse reads, as inet_aton (measured on .NET 10 by test/dotnet)
    ['0x7f.1:1', '127.0.0.1', 1],
    ['0X7F000001:1', '127.0.0.1', 1],
    ['010.0.0.1:1', '8.0.0.1', 1],
    ['0xdb:1', '0.0.0.219', 1],
    // …and forms it does not, which stay host names: `0x` alone, a trailing dot, an octal 8, too large
    ['0x:1', '0x', 1],
    ['127.0.0.1.:1', '127.0.0.1.', 1],
    ['08.1:1', '08.1', 1],
    ['0x100000000:1', '0x100000000', 1],
  ])('endpoint %s → %s port %i', (text, host, port) => {
    expect(tryParseEndpoint(text)).toEqual({ host, port });
  });

  it('keeps several endpoints, drops duplicates, and takes the first as host', () => {
    const s = parseRedisConnectionString('a.example:7000,b.example:7001,a.example:7000,[::1]:7002,[0:0::1]:7002,ssl=true,password=pw');
    expect(s.endpoints).toEqual([
      { host: 'a.example', port: 7000 },
      { host: 'b.example', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
    expect([s.host, s.port, s.tls]).toEqual(['a.example', 7000, true]);
  });

  it('chooses the Azure provider when any endpoint is an Azure host', () => {
    const c = parseStackExchangeConfiguration('10.0.0.1:6379,contoso.redis.cache.windows.net:6380');
    expect(c.azure).toBe('azureCacheForRedis');
    expect(c.ssl).toBe(true);
  });

  it('reads typed values of the remaining keywords', () => {
    const c = parseStackExchangeConfiguration('h,protocol=resp3,version=5,proxy=twemproxy,keepAlive=30,name=app,tunnel=http:proxy:8080,configChannel=,tiebreaker=t');
    expect(c.options).toMatchObject({ protocol: 'resp3', version: '5.0', proxy: 'Twemproxy', keepAlive: 30, name: 'app', tunnel: 'http://proxy:8080', configChannel: '', tiebreaker: 't' });
    expect(parseStackExchangeConfiguration('h,protocol=2').options.protocol).toBe('resp2');
    expect(thrown(() => parseStackExchangeConfiguration('h,protocol=4')).message).toBe(
      "Keyword 'protocol' requires a RedisProtocol value or a known protocol version number; the value '4' is not recognised.",
    );
  });

  it('echoes a tunnel it cannot parse only when the value cannot hold a secret', () => {
    expect(() => parseStackExchangeConfiguration('h:6380,tunnel=ftp://proxy:21')).toThrow('Tunnel cannot be parsed: ftp://proxy:21');
    const secret = 'tunnel-pw-6c1e0f93';
    let error: unknown;
    try {
      parseStackExchangeConfiguration(`h:6380,tunnel=socks5://me:${secret}@proxy:1080`);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RedisConnectionStringError);
    expect((error as Error).message).toBe('Tunnel cannot be parsed: <value not shown>');
    expect(inspect(error)).not.toContain(secret);
  });

  it('fails clearly on an empty string, a port out of range and a Unix socket', () => {
    expect(thrown(() => parseRedisConnectionString('  ')).message).toMatch(/empty/);
    expect(thrown(() => parseRedisConnectionString('host:70000,password=pw')).message).toMatch(/port '70000' is out of range/);
    expect(thrown(() => parseRedisConnectionString('!/some/path,allowAdmin=True')).message).toMatch(/Unix domain socket/);
    expect(thrown(() => parseRedisConnectionString(',password=pw,ssl=true')).message).toMatch(/no endpoint/);
  });

  it('gives no auth for a string without a password', () => {
    expect(parseRedisConnectionString('localhost').auth).toEqual({ kind: 'none' });
  });
});

describe('redis:// and rediss:// URLs', () => {
  it('parses the Service Connector URL form with an empty user and a database', () => {
    const s = parseRedisConnectionString(`rediss://:${encodeURIComponent(KEY)}@contoso.redis.cache.windows.net:6380/0`);
    expect(s).toMatchObject({ host: 'contoso.redis.cache.windows.net', port: 6380, tls: true, database: 0, format: 'url', azure: 'azureCacheForRedis' });
    expect(s.user).toBeUndefined();
    expect(s.auth.kind === 'accessKey' && s.auth.password).toBe(KEY);
    expect(s.options.abortConnect).toBe(false);
  });

  it('reads a user, a percent-decoded password and a database', () => {
    const s = parseRedisConnectionString('redis://alice:p%40ss%2Fw%3Ard@cache.example:6390/5');
    expect(s).toMatchObject({ host: 'cache.example', port: 6390, tls: false, database: 5, user: 'alice' });
    expect(s.auth).toMatchObject({ kind: 'accessKey', user: 'alice' });
    expect(s.auth.kind === 'accessKey' && s.auth.password).toBe('p@ss/w:rd');
  });

  it('works without user, password or database', () => {
    const s = parseRedisConnectionString('redis://localhost:6379');
    expect(s).toMatchObject({ host: 'localhost', port: 6379, tls: false, database: 0, auth: { kind: 'none' } });
    expect(parseRedisConnectionString('redis://u@localhost/2')).toMatchObject({ user: 'u', database: 2, auth: { kind: 'none' } });
  });

  it('treats the scheme case-insensitively: REDISS:// means TLS', () => {
    expect(parseRedisConnectionString('REDISS://host.example:6380').tls).toBe(true);
    expect(parseRedisConnectionString('Redis://host.example:6379').tls).toBe(false);
  });

  it('fills in the port: 6380 with TLS, 6379 without, 10000 for Azure Managed Redis', () => {
    expect(parseRedisConnectionString('rediss://h.example').port).toBe(6380);
    expect(parseRedisConnectionString('redis://h.example').port).toBe(6379);
    expect(parseRedisConnectionString('rediss://contoso.westus2.redis.azure.net').port).toBe(10000);
  });

  it('reads IPv6 hosts without brackets', () => {
    expect(parseRedisUrl('redis://[::1]:7000/1')).toEqual({ tls: false, host: '::1', port: 7000, database: 1 });
  });

  it('drops tabs and line breaks anywhere in the URL, as the WHATWG URL parser node-redis uses does', () => {
    expect(parseRedisUrl('rediss://:ab\ncd@h:6380/0')).toMatchObject({ host: 'h', password: 'abcd', database: 0 });
    expect(parseRedisUrl('redis://us\r\ner:pw@h\t/1\n5')).toMatchObject({ user: 'user', password: 'pw', host: 'h', database: 15 });
  });

  it.each([
    ['rediss://:pw-secret-1@:6380/0', /no host/],
    ['rediss://:pw-secret-1@host.example:70000/0', /port 70000 is out of range/],
    ['rediss://:pw-secret-1@host.example:0', /port 0 is out of range/],
    ['rediss://:pw-secret-1@host.example:abc', /port is not a number/],
    ['rediss://:pw-secret-1@host.example:6380/db', /database number/],
    ['rediss://:pw-secret-1@host.example:6380/-1', /database number/],
    // beyond the bound a database has wherever it is written (AZURE_REDIS_DATABASE too)
    ['rediss://:pw-secret-1@host.example:6380/2147483648', /database number/],
    ['rediss://:pw%zz-secret-1@host.example:6380', /malformed percent-escape in its password/],
    ['rediss://:pw/secret-1@host.example:6380/0', /percent-encode/],
    ['rediss://[::1:6380', /unterminated IPv6/],
  ])('%s is a clear error that does not echo the password', (text, message) => {
    const e = thrown(() => parseRedisConnectionString(text));
    expect(e.message).toMatch(message);
    const shown = `${e.message}\n${e.stack}\n${inspect(e)}\n${JSON.stringify(e)}`;
    expect(shown).not.toMatch(/secret-1/);
  });

  it('rejects other schemes', () => {
    expect(() => parseRedisUrl('http://host')).toThrow(/redis:\/\/ or rediss:\/\//);
  });
});

describe('redaction', () => {
  it('never shows the password through inspect, JSON.stringify, toString or spreading', () => {
    const s = parseRedisConnectionString(`contoso.redis.cache.windows.net:6380,password=${KEY},ssl=True`);
    for (const text of [inspect(s, { depth: 10 }), JSON.stringify(s), String(s), `${s.auth}`, inspect(s.auth), JSON.stringify({ ...s.auth }), inspect({ ...s }, { depth: 10 })]) {
      expect(text).not.toContain(KEY);
      expect(text).not.toContain('c2VjcmV0LWFjY2Vzcy1rZXk');
    }
    expect(JSON.stringify(s)).toContain('redacted sha256:');
    expect(inspect(s)).toContain('contoso.redis.cache.windows.net');
  });

  it('is immutable', () => {
    const s = parseRedisConnectionString('h.example:6379,password=pw');
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.auth)).toBe(true);
    expect(Object.isFrozen(s.options)).toBe(true);
    expect(() => {
      (s as { port: number }).port = 1;
    }).toThrow(TypeError);
  });
});
