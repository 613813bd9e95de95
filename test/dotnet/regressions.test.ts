/**
 * The minimal cases the differential suite found, fixed in our code, kept as fixed tests: our
 * answer always, .NET's through the oracle when `dotnet` is here.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationBuilder } from '../../src/builder.js';
import { compareKeys } from '../../src/core/path.js';
import { ConfigurationFileNotFoundError, DuplicateKeyError } from '../../src/core/errors.js';
import { parseStackExchangeConfiguration } from '../../src/binders/redis/stackExchange.js';
import { formatStackExchangeConfiguration } from '../../src/binders/redis/format.js';
import { dictionaryOf } from '../../src/binding/bind.js';
import { parseSignalRConnectionString } from '../../src/binders/signalr/connectionString.js';
import { SignalRConnectionStringError } from '../../src/binders/signalr/errors.js';
import { oracleStatus } from './harness.js';
import { Oracle, type OracleAnswer } from './oracle.js';

const status = oracleStatus();
let oracle: Oracle | undefined;
let dir = '';
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lc-regressions-'));
  if (status.available) oracle = await Oracle.start(status.dll);
});
afterAll(async () => {
  await oracle?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function dotnet(c: Record<string, unknown>): Promise<OracleAnswer | undefined> {
  if (!oracle) return undefined;
  const a = await oracle.ask(c);
  expect(a.oracleError).toBeUndefined();
  return a;
}

describe('differential regressions', () => {
  it('orders `__proto__` after `a`: OrdinalIgnoreCase compares upper case (`A` < `_`)', async () => {
    const theirs = await dotnet({ area: 'config', layers: [{ kind: 'memory', pairs: [['__proto__', 'x'], ['a', 'y']] }], sections: [''], lookups: [] });
    if (theirs) expect(theirs.children).toEqual([['a', '__proto__']]);
    const ours = await new ConfigurationBuilder().addInMemory([['__proto__', 'x'], ['a', 'y']]).build();
    expect(ours.getChildren().map((s) => s.key)).toEqual(['a', '__proto__']);
    expect(compareKeys('a', '_')).toBeLessThan(0);
    expect(compareKeys('Z', '[')).toBeLessThan(0);
  });

  it('reads a JSON null as null and an empty array as "" (.NET 10)', async () => {
    const file = join(dir, 'nulls.json');
    writeFileSync(file, '{"a": null, "b": [], "c": {}}');
    const theirs = await dotnet({ area: 'config', layers: [{ kind: 'json', path: file }], sections: [], lookups: ['a', 'b', 'c'] });
    const expected = [
      { key: 'a', value: null, exists: false },
      { key: 'b', value: '', exists: true },
      { key: 'c', value: null, exists: false },
    ];
    if (theirs) expect(theirs.lookups).toEqual(expected);
    const ours = await new ConfigurationBuilder().addJsonFile(file).build();
    expect(['a', 'b', 'c'].map((key) => ({ key, value: ours.getSection(key).value ?? null, exists: ours.getSection(key).exists() }))).toEqual(expected);
  });

  it('rejects in-memory keys that differ only in case, as AddInMemoryCollection does', async () => {
    const theirs = await dotnet({ area: 'config', layers: [{ kind: 'memory', pairs: [['Name:a', null], ['name:a', null]] }], sections: [], lookups: [] });
    if (theirs) expect(theirs.error).toMatchObject({ type: 'ArgumentException' });
    expect(() => new ConfigurationBuilder().addInMemory({ 'Name:a': null, 'name:a': null })).toThrow(DuplicateKeyError);
  });

  it('fails on a missing required key-per-file directory before any other layer loads', async () => {
    const file = join(dir, 'dup.json');
    writeFileSync(file, '{"a": 1, "A": 2}');
    const missing = join(dir, 'no-such-dir');
    const theirs = await dotnet({ area: 'config', layers: [{ kind: 'json', path: file }, { kind: 'keyPerFile', directory: missing, optional: false }], sections: [], lookups: [] });
    if (theirs) expect(theirs.error).toMatchObject({ type: 'DirectoryNotFoundException' });
    expect(() => new ConfigurationBuilder().addJsonFile(file).addKeyPerFile(missing)).toThrow(ConfigurationFileNotFoundError);
  });

  it('writes ToString() as StackExchange.Redis does: order, spelling, endpoints, flags, password hidden unless asked', async () => {
    const secret = 'pw-7f3a9c1e5b';
    const text = `h,[::1]:6379,2001:db8::1,!/tmp/redis.sock,host:0,ssl=true,password=${secret},name= ,sslProtocols=tls12|tls13,version=6,proxy=7,$SET=x,$GET =y,tunnel=http://[::1]:81`;
    const expected = 'h,[::1]:6379,2001:db8::1,!/tmp/redis.sock,host,version=6.0,password=*****,ssl=True,sslProtocols=Tls12| Tls13,proxy=7,tunnel=http:[::1]:81,$SET=X';
    const theirs = await dotnet({ area: 'redis', text, secrets: [secret] });
    if (theirs) expect((theirs as unknown as { toString: string }).toString).toBe(expected);
    const parsed = parseStackExchangeConfiguration(text);
    expect(formatStackExchangeConfiguration(parsed)).toBe(expected);
    // The password itself only when asked; checked without ever printing it.
    expect(formatStackExchangeConfiguration(parsed, { includePassword: true }).includes(`password=${secret},`)).toBe(true);
    expect(formatStackExchangeConfiguration(parsed).includes(secret)).toBe(false);
  });

  it('updates a command-map entry written again in another case, as its case-insensitive dictionary does', async () => {
    const text = 'h,$get=a,$GET=b,$Get=c';
    const theirs = await dotnet({ area: 'redis', text });
    if (theirs) expect((theirs as unknown as { toString: string }).toString).toBe('h,$GET=C');
    expect(parseStackExchangeConfiguration(text).commandMap).toEqual({ get: 'c' });
    expect(formatStackExchangeConfiguration(parseStackExchangeConfiguration(text))).toBe('h,$GET=C');
  });

  it('counts a repeated Unix socket endpoint once, as StackExchange.Redis does', async () => {
    const text = '!/tmp/redis.sock,!/tmp/redis.sock';
    const theirs = await dotnet({ area: 'redis', text });
    if (theirs) expect(theirs.endpoints).toEqual([{ host: '/tmp/redis.sock', port: 0, unix: true }]);
    expect(parseStackExchangeConfiguration(text).endpoints).toEqual([{ host: '/tmp/redis.sock', port: 0, unixSocket: true }]);
  });

  it('binder, strict: an unknown key is reported before a value that does not convert', async () => {
    const pairs = [['S:Unknown', '1'], ['S:When', 'x']];
    const theirs = await dotnet({ area: 'binder', pairs, strict: true });
    if (theirs) expect(theirs.error?.message).toContain("the following properties were not found");
    const config = await new ConfigurationBuilder().addInMemory(pairs as Array<[string, string]>).build();
    expect(() => config.bind('S', { When: new Date(0) }, { strict: true })).toThrow(/were not found/);
  });

  it('binder, strict: a scalar set by a provider ignores its children; one set by none reports them', async () => {
    const set = [['S:Str', 'v'], ['S:Str:Child', '1']];
    const theirs = await dotnet({ area: 'binder', pairs: set, strict: true });
    if (theirs) expect((theirs.value as { Str: string }).Str).toBe('v');
    const config = await new ConfigurationBuilder().addInMemory(set as Array<[string, string]>).build();
    expect(config.bind('S', { Str: '' }, { strict: true }).Str).toBe('v');
    const unset = [['S:Str:Child', '1']];
    const theirs2 = await dotnet({ area: 'binder', pairs: unset, strict: true });
    if (theirs2) expect(theirs2.error?.message).toContain('were not found');
    const config2 = await new ConfigurationBuilder().addInMemory(unset as Array<[string, string]>).build();
    expect(() => config2.bind('S', { Str: '' }, { strict: true })).toThrow(/were not found/);
  });

  it('binder, strict: a dictionary entry with only children fails as "binding has failed", as an element does', async () => {
    const pairs = [['S:Labels:key:sub', '1']];
    const theirs = await dotnet({ area: 'binder', pairs, strict: true });
    if (theirs) expect(theirs.error?.message).toContain('binding has failed');
    const config = await new ConfigurationBuilder().addInMemory(pairs as Array<[string, string]>).build();
    expect(() => config.bind('S', { Labels: dictionaryOf('') }, { strict: true })).toThrow(/binding has failed/);
  });

  it('counts host names that differ only in case as one StackExchange.Redis endpoint, keeping the first spelling', async () => {
    const text = 'contoso.redis.cache.windows.net:6379,CONTOSO.REDIS.CACHE.WINDOWS.NET:6379';
    const theirs = await dotnet({ area: 'redis', text });
    if (theirs) expect(theirs.endpoints).toEqual([{ host: 'contoso.redis.cache.windows.net', port: 6379 }]);
    expect(parseStackExchangeConfiguration(text).endpoints).toEqual([{ host: 'contoso.redis.cache.windows.net', port: 6379 }]);
  });

  it('SignalR AuthType=aad with ClientId and TenantId both written takes the application path, even when one is empty', async () => {
    const text = 'Endpoint=https://contoso.service.signalr.net;AuthType=aad;ClientId=;TenantId=00000000-0000-0000-0000-0000000000aa';
    const theirs = await dotnet({ area: 'signalr', text });
    if (theirs) expect(theirs.error).toMatchObject({ type: 'ArgumentException' });
    expect(() => parseSignalRConnectionString(text)).toThrow(SignalRConnectionStringError);
    // ClientId alone (no TenantId) stays a managed identity on both sides.
    const msi = 'Endpoint=https://contoso.service.signalr.net;AuthType=aad;ClientId=';
    const theirsMsi = await dotnet({ area: 'signalr', text: msi });
    if (theirsMsi) expect(theirsMsi).toMatchObject({ credentialType: 'ManagedIdentityCredential' });
    expect(parseSignalRConnectionString(msi).auth.kind).toBe('managedIdentity');
  });

  it('binder: a null default is string?, so "" binds as "" (not as no value)', async () => {
    const pairs = [['S:Maybe', '']];
    const theirs = await dotnet({ area: 'binder', pairs, strict: false });
    if (theirs) expect((theirs.value as { Maybe: string | null }).Maybe).toBe('');
    const config = await new ConfigurationBuilder().addInMemory(pairs as Array<[string, string]>).build();
    expect(config.bind('S', { Maybe: null as string | null }).Maybe).toBe('');
  });

  it('reads an enum option written as a defined number as its name (proxy=1 is Twemproxy)', async () => {
    const theirs = await dotnet({ area: 'redis', text: 'host,proxy=1' });
    if (theirs) expect((theirs.options as { proxy: string }).proxy).toBe('Twemproxy');
    expect(parseStackExchangeConfiguration('host,proxy=1').options.proxy).toBe('Twemproxy');
    expect(parseStackExchangeConfiguration('host,proxy=7').options.proxy).toBe(7);
  });
});
