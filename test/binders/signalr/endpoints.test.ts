import { afterAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { ConfigurationBuilder } from '../../../src/builder.js';
import { ConfigurationError } from '../../../src/core/errors.js';
import type { ConfigurationRoot } from '../../../src/core/root.js';
import { ApplicationAuth } from '../../../src/binders/signalr/connectionString.js';
import {
  createServiceEndpoint,
  distinctEndpoints,
  endpointsEqual,
  getSignalREndpoints,
  parseEndpointName,
  readSignalREndpoints,
  ServiceEndpoint,
  type EndpointType,
} from '../../../src/binders/signalr/endpoints.js';
import { SignalRConnectionStringError, SignalREndpointsError } from '../../../src/binders/signalr/errors.js';
import { checkSignalR } from '../../../src/binders/signalr/check.js';
import { captureError, CLIENT_SECRET, DEFAULT_KEY, expectNothingLeaked, KEY_B, KEY_C, recordError, recordShown, URL_PASSWORD, URL_USER } from './leaks.js';

// ServiceOptionsSetupFacts.FakeConnectionString and friends
const FAKE = `Endpoint=http://fake;AccessKey=${DEFAULT_KEY};Port=8080;Version=1.0`;
const DEFAULT_CS = `Endpoint=http://default;AccessKey=${DEFAULT_KEY};Port=8080;Version=1.0`;
const cs = (host: string, key = KEY_B) => `Endpoint=https://${host}.service.signalr.net;AccessKey=${key};Version=1.0`;
const CS_KEY = 'Azure:SignalR:ConnectionString';

function memory(values: Record<string, string | null>): Promise<ConfigurationRoot> {
  return new ConfigurationBuilder().addInMemory(values).build();
}

const summary = (es: readonly ServiceEndpoint[]) => es.map((e) => [e.name, e.type, e.endpoint, e.key]);

afterAll(({}, file) => expectNothingLeaked([], file));

describe('names and types (ServiceEndpoint.Parse)', () => {
  // ServiceEndpointFacts.TestAzureADConstructorWithKey
  it.each<[string, string, EndpointType]>([
    ['', '', 'primary'],
    ['foo', 'foo', 'primary'],
    ['foo:primary', 'foo', 'primary'],
    ['foo:secondary', 'foo', 'secondary'],
    ['foo:SECONDARY', 'foo', 'secondary'],
    ['foo:bar', 'foo:bar', 'primary'],
    [':', ':', 'primary'],
    [':bar', ':bar', 'primary'],
    [':primary', '', 'primary'],
    [':secondary', '', 'secondary'],
    ['secondary', 'secondary', 'primary'],
    // deeper keys: the last segment is the type (SPEC §5; the SDK looks at the second segment only)
    ['eu:west:secondary', 'eu:west', 'secondary'],
    ['eu:west', 'eu:west', 'primary'],
    ['a:secondary:b', 'a:secondary:b', 'primary'],
    ['a:1', 'a:1', 'primary'],
  ])('%j → name %j, %s', (key, name, type) => {
    expect(parseEndpointName(key)).toEqual({ name, type });
  });
});

describe('from Azure:SignalR:ConnectionString', () => {
  // ServiceOptionsSetupFacts.ParseServiceEndpointTest, for both sections the SDK reads
  const cases: Array<[string, string, EndpointType]> = [
    ['a', 'a', 'primary'],
    ['secondary', 'secondary', 'primary'],
    ['a:secondary', 'a', 'secondary'],
    [':secondary', '', 'secondary'],
  ];
  for (const section of [CS_KEY, `ConnectionStrings:${CS_KEY}`]) {
    it.each(cases)(`${section}:%s → name %j, %s`, async (rel, name, type) => {
      const config = await memory({ [`${section}:${rel}`]: FAKE });
      const { endpoints, errors } = readSignalREndpoints(config);
      expect(endpoints).toHaveLength(1);
      expect([endpoints[0]!.name, endpoints[0]!.type, endpoints[0]!.key]).toEqual([name, type, `${section}:${rel}`]);
      expect(errors.length).toBe(type === 'primary' ? 0 : 1);
    });
  }

  it('puts the default first, then every named endpoint (ParseMultipleEndpointsTest)', async () => {
    const config = await memory({
      [CS_KEY]: DEFAULT_CS,
      [`${CS_KEY}:a`]: FAKE,
      [`${CS_KEY}:secondary`]: FAKE,
      [`${CS_KEY}:a:secondary`]: FAKE,
      [`${CS_KEY}::secondary`]: FAKE,
    });
    const endpoints = getSignalREndpoints(config);
    expect(endpoints).toHaveLength(5);
    expect([endpoints[0]!.name, endpoints[0]!.type, endpoints[0]!.endpoint]).toEqual(['', 'primary', 'http://default:8080']);
    expect(endpoints.slice(1).map((e) => [e.name, e.type]).sort()).toEqual(
      [['', 'secondary'], ['a', 'primary'], ['a', 'secondary'], ['secondary', 'primary']].sort(),
    );
  });

  it.each(['a', 'a:primary', 'secondary', 'a:secondary', ':secondary'])(
    'counts only values below the key, not the key itself (IConfigurationExtensionsFacts): %s',
    async (rel) => {
      const config = await memory({ key: FAKE, [`key:${rel}`]: FAKE, [CS_KEY]: FAKE, [`${CS_KEY}:${rel}`]: FAKE });
      const { endpoints } = readSignalREndpoints(config);
      expect(endpoints.filter((e) => e.key !== CS_KEY)).toHaveLength(1);
    },
  );

  it('reads endpoints at any depth, skipping valueless nodes and empty values', async () => {
    const config = await memory({
      [CS_KEY]: cs('main'),
      [`${CS_KEY}:eu:west`]: cs('euw'),
      [`${CS_KEY}:eu:west:SECONDARY`]: cs('euw2'),
      [`${CS_KEY}:us:east:central:Primary`]: cs('use'),
      [`${CS_KEY}:empty`]: '',
      [`${CS_KEY}:nothing`]: null,
    });
    expect(summary(getSignalREndpoints(config))).toEqual([
      ['', 'primary', 'https://main.service.signalr.net', CS_KEY],
      ['eu:west', 'primary', 'https://euw.service.signalr.net', `${CS_KEY}:eu:west`],
      ['eu:west', 'secondary', 'https://euw2.service.signalr.net', `${CS_KEY}:eu:west:SECONDARY`],
      ['us:east:central', 'primary', 'https://use.service.signalr.net', `${CS_KEY}:us:east:central:Primary`],
    ]);
  });

  it('prefers Azure:SignalR:ConnectionString over ConnectionStrings:Azure:SignalR:ConnectionString', async () => {
    const both = await memory({ [CS_KEY]: cs('plain'), [`ConnectionStrings:${CS_KEY}`]: cs('fallback') });
    expect(summary(getSignalREndpoints(both))).toEqual([['', 'primary', 'https://plain.service.signalr.net', CS_KEY]]);
    const fallback = await memory({ [`ConnectionStrings:${CS_KEY}`]: cs('fallback'), [`ConnectionStrings:${CS_KEY}:b`]: cs('b') });
    expect(summary(getSignalREndpoints(fallback))).toEqual([
      ['', 'primary', 'https://fallback.service.signalr.net', `ConnectionStrings:${CS_KEY}`],
      ['b', 'primary', 'https://b.service.signalr.net', `ConnectionStrings:${CS_KEY}:b`],
    ]);
    // the fallback section is read only when the main one has no named endpoints
    const named = await memory({ [`${CS_KEY}:a`]: cs('a'), [`ConnectionStrings:${CS_KEY}:b`]: cs('b') });
    expect(getSignalREndpoints(named).map((e) => e.name)).toEqual(['a']);
  });
});

describe('from Azure:SignalR:Endpoints', () => {
  it('reads named connection strings as the Management SDK (ServiceManagerOptionsSetupFact)', async () => {
    const config = await memory({ 'Azure:SignalR:Endpoints:First': cs('first'), 'Azure:SignalR:Endpoints:Second': cs('second', KEY_C) });
    const endpoints = getSignalREndpoints(config);
    expect(summary(endpoints)).toEqual([
      ['First', 'primary', 'https://first.service.signalr.net', 'Azure:SignalR:Endpoints:First'],
      ['Second', 'primary', 'https://second.service.signalr.net', 'Azure:SignalR:Endpoints:Second'],
    ]);
    expect(endpointsEqual(endpoints[0]!, createServiceEndpoint(cs('first'), { name: 'First' }))).toBe(true);
  });

  it('reads <name>, <name>:primary and <name>:secondary as Functions does, and deeper keys as the Management SDK', async () => {
    const config = await memory({
      'Azure:SignalR:Endpoints:east': cs('east'),
      'Azure:SignalR:Endpoints:west:primary': cs('west1'),
      'Azure:SignalR:Endpoints:west:secondary': cs('west2'),
      'Azure:SignalR:Endpoints:north:x:secondary': cs('north'),
    });
    expect(summary(getSignalREndpoints(config)).map(([n, t, e]) => [n, t, e])).toEqual([
      ['east', 'primary', 'https://east.service.signalr.net'],
      ['north:x', 'secondary', 'https://north.service.signalr.net'],
      ['west', 'primary', 'https://west1.service.signalr.net'],
      ['west', 'secondary', 'https://west2.service.signalr.net'],
    ]);
  });

  it('reads the identity-based serviceUri form with type, client/server endpoints and credential keys', async () => {
    const config = await memory({
      'Azure:SignalR:Endpoints:mi:serviceUri': 'https://mi.service.signalr.net',
      'Azure:SignalR:Endpoints:mi:credential': 'ManagedIdentity',
      'Azure:SignalR:Endpoints:mi:clientId': 'mi-client',
      'Azure:SignalR:Endpoints:mi:type': 'Secondary',
      'Azure:SignalR:Endpoints:sp:serviceUri': 'https://sp.service.signalr.net:8443',
      'Azure:SignalR:Endpoints:sp:tenantId': 'tenant-1',
      'Azure:SignalR:Endpoints:sp:clientId': 'sp-client',
      'Azure:SignalR:Endpoints:sp:clientSecret': CLIENT_SECRET,
      'Azure:SignalR:Endpoints:sp:clientEndpoint': 'https://gw.example',
      'Azure:SignalR:Endpoints:sp:serverEndpoint': 'https://srv.example/hub/',
      'Azure:SignalR:Endpoints:dflt:serviceUri': 'https://d.service.signalr.net',
      'Azure:SignalR:Endpoints:sysmi:serviceUri': 'https://s.service.signalr.net',
      'Azure:SignalR:Endpoints:sysmi:credential': 'managedidentity',
    });
    const endpoints = getSignalREndpoints(config);
    const byName = new Map(endpoints.map((e) => [e.name, e]));
    expect(endpoints.map((e) => e.name).sort()).toEqual(['dflt', 'mi', 'sp', 'sysmi']);
    expect(byName.get('mi')!.type).toBe('secondary');
    expect(byName.get('mi')!.auth).toEqual({ kind: 'managedIdentity', authType: null, clientId: 'mi-client' });
    expect(byName.get('mi')!.key).toBe('Azure:SignalR:Endpoints:mi:serviceUri');
    expect(byName.get('sysmi')!.auth).toEqual({ kind: 'managedIdentity', authType: null });
    expect(byName.get('dflt')!.auth).toEqual({ kind: 'default', authType: null });
    const sp = byName.get('sp')!;
    expect(sp.type).toBe('primary');
    expect(sp.auth).toBeInstanceOf(ApplicationAuth);
    expect([(sp.auth as ApplicationAuth).tenantId, (sp.auth as ApplicationAuth).clientId, (sp.auth as ApplicationAuth).clientSecret]).toEqual([
      'tenant-1', 'sp-client', CLIENT_SECRET,
    ]);
    expect([sp.endpoint, sp.connection.clientEndpoint, sp.connection.serverEndpoint, sp.connection.audienceBaseUrl]).toEqual([
      'https://sp.service.signalr.net:8443', 'https://gw.example/', 'https://srv.example/hub/', 'https://sp.service.signalr.net/',
    ]);
    recordShown(endpoints);
    expect(inspect(endpoints)).not.toContain(CLIENT_SECRET);
  });

  it('rejects a bad serviceUri, type, client endpoint or a certificate-store thumbprint, naming the key', async () => {
    const cases: Array<[Record<string, string>, string, string]> = [
      [{ 'Azure:SignalR:Endpoints:x:serviceUri': 'not a uri' }, 'Azure:SignalR:Endpoints:x:serviceUri', 'Invalid value for serviceUri property, it must be a valid URI.'],
      [{ 'Azure:SignalR:Endpoints:x:serviceUri': 'ftp://x' }, 'Azure:SignalR:Endpoints:x:serviceUri', "Endpoint scheme must be 'http://' or 'https://'"],
      [{ 'Azure:SignalR:Endpoints:x:serviceUri': 'https://x', 'Azure:SignalR:Endpoints:x:type': 'tertiary' }, 'Azure:SignalR:Endpoints:x:type', "Failed to convert configuration value at 'Azure:SignalR:Endpoints:x:type' to type 'EndpointType'"],
      [{ 'Azure:SignalR:Endpoints:x:serviceUri': 'https://x', 'Azure:SignalR:Endpoints:x:clientEndpoint': 'gw' }, 'Azure:SignalR:Endpoints:x:clientEndpoint', 'Invalid value for clientEndpoint property, it must be a valid URI.'],
      [{ 'Azure:SignalR:Endpoints:x:serviceUri': 'https://x', 'Azure:SignalR:Endpoints:x:tenantId': 't', 'Azure:SignalR:Endpoints:x:clientId': 'c', 'Azure:SignalR:Endpoints:x:clientCertificate': 'ABCDEF0123' }, 'Azure:SignalR:Endpoints:x:clientCertificate', "'clientCertificate' names a certificate in a Windows certificate store"],
    ];
    for (const [values, key, message] of cases) {
      const config = await memory(values);
      const err = captureError(() => getSignalREndpoints(config));
      expect(err).toBeInstanceOf(SignalREndpointsError);
      expect((err as SignalREndpointsError).key).toBe(key);
      expect((err as SignalREndpointsError).provider).toBe('MemoryConfigurationProvider');
      expect(err.message).toContain(message);
      expect(err.message).toContain(`configuration key '${key}' from MemoryConfigurationProvider`);
    }
  });
});

describe('identity-based entries with a secret or certificate but no tenant or client id', () => {
  const base = 'Azure:SignalR:Endpoints:sp';
  it.each<[string, Record<string, string>, string, string]>([
    ['a secret without tenantId', { clientId: 'sp-client', clientSecret: CLIENT_SECRET }, 'clientSecret', 'tenantId'],
    ['a secret without clientId', { tenantId: 'tenant-1', clientSecret: CLIENT_SECRET }, 'clientSecret', 'clientId'],
    ['a secret alone', { clientSecret: CLIENT_SECRET }, 'clientSecret', 'clientId'],
    ['a certificate without tenantId', { clientId: 'sp-client', clientCertificate: 'ABCDEF0123' }, 'clientCertificate', 'tenantId'],
  ])('%s is an error naming the key and provider, not DefaultAzureCredential', async (_label, keys, given, missing) => {
    const config = await new ConfigurationBuilder()
      .addInMemory({ [`${base}:serviceUri`]: 'https://sp.service.signalr.net' })
      .addEnvironmentVariables({ env: Object.fromEntries(Object.entries(keys).map(([k, v]) => [`Azure__SignalR__Endpoints__sp__${k}`, v])) })
      .build();
    const err = captureError(() => getSignalREndpoints(config)) as SignalREndpointsError;
    expect(err).toBeInstanceOf(SignalREndpointsError);
    expect(err.code).toBe('SIGNALR_ENDPOINT');
    expect([err.key, err.provider, err.source]).toEqual([`${base}:${given}`, 'EnvironmentVariablesConfigurationProvider', `env Azure__SignalR__Endpoints__sp__${given}`]);
    expect(err.keys).toEqual([`${base}:${given}`, `${base}:${missing}`]);
    expect(err.message).toBe(
      `Identity-based endpoint missing required properties ${missing}: '${given}' is set, so '${base}:${missing}' is needed as well ` +
        `(configuration key '${base}:${given}' from EnvironmentVariablesConfigurationProvider (env Azure__SignalR__Endpoints__sp__${given})).`,
    );
    const { lines, errors } = checkSignalR(config);
    expect([lines, errors.map((e) => e.message)]).toEqual([[], [err.message]]);
    errors.forEach(recordError);
    for (const text of [err.message, inspect(err, { depth: 9 }), JSON.stringify(err)]) expect(text).not.toContain(CLIENT_SECRET);
  });

  it('a managed identity, or ids without a secret, still need no tenant', async () => {
    const config = await memory({
      [`${base}:serviceUri`]: 'https://sp.service.signalr.net',
      [`${base}:credential`]: 'managedidentity',
      [`${base}:clientId`]: 'mi-client',
      [`${base}:clientSecret`]: CLIENT_SECRET,
      'Azure:SignalR:Endpoints:ids:serviceUri': 'https://ids.service.signalr.net',
      'Azure:SignalR:Endpoints:ids:clientId': 'c',
    });
    const [ids, sp] = getSignalREndpoints(config);
    expect(sp!.auth).toEqual({ kind: 'managedIdentity', authType: null, clientId: 'mi-client' });
    expect(ids!.auth.kind).toBe('default');
  });
});

describe('errors', () => {
  it('none configured: the SDK message, naming the default key', async () => {
    const cases: Array<Record<string, string>> = [{}, { [CS_KEY]: '' }, { 'Other:Key': 'x' }, { [`${CS_KEY}:a`]: '' }];
    for (const values of cases) {
      const config = await memory(values);
      const err = captureError(() => getSignalREndpoints(config));
      expect(err).toBeInstanceOf(SignalREndpointsError);
      expect(err.message).toMatch(/^No connection string was specified\. /);
      expect((err as SignalREndpointsError).code).toBe('SIGNALR_NO_ENDPOINT');
      expect((err as SignalREndpointsError).key).toBe(CS_KEY);
    }
  });

  it('only secondaries: the SDK message, naming every key and its provider', async () => {
    const config = await new ConfigurationBuilder()
      .addInMemory({ [`${CS_KEY}:a:secondary`]: cs('a') })
      .addEnvironmentVariables({ env: { Azure__SignalR__Endpoints__b__secondary: cs('b') } })
      .build();
    const err = captureError(() => getSignalREndpoints(config)) as SignalREndpointsError;
    expect(err).toBeInstanceOf(SignalREndpointsError);
    expect(err.code).toBe('SIGNALR_NO_PRIMARY');
    expect(err.message).toMatch(/^No primary endpoint defined\. /);
    expect(err.message).toContain(`'${CS_KEY}:a:secondary' from MemoryConfigurationProvider`);
    expect(err.message).toContain(
      `'Azure:SignalR:Endpoints:b:secondary' from EnvironmentVariablesConfigurationProvider (env Azure__SignalR__Endpoints__b__secondary)`,
    );
    expect(err.keys).toEqual([`${CS_KEY}:a:secondary`, 'Azure:SignalR:Endpoints:b:secondary']);
    expect([err.key, err.provider]).toEqual([`${CS_KEY}:a:secondary`, 'MemoryConfigurationProvider']);
  });

  it('an invalid entry fails with the SDK message, the key, the provider and the file, never the key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'signalr-'));
    try {
      const file = join(dir, 'appsettings.json');
      const bad = `Endpoint=https://east.service.signalr.net;AccessKey=${DEFAULT_KEY};Port=99999`;
      await writeFile(file, JSON.stringify({ Azure: { SignalR: { ConnectionString: { east: { secondary: bad } } } } }));
      const config = await new ConfigurationBuilder().addJsonFile(file).addInMemory({ [CS_KEY]: cs('main') }).build();
      const err = captureError(() => getSignalREndpoints(config)) as SignalRConnectionStringError;
      expect(err).toBeInstanceOf(SignalRConnectionStringError);
      expect(err.message).toMatch(
        /^Invalid value for port property, it must be an positive integer between \(0, 65536\)\. \(Parameter 'port'\) \(configuration key 'Azure:SignalR:ConnectionString:east:secondary' from JsonConfigurationProvider/,
      );
      expect(err.message).toContain('appsettings.json');
      expect([err.key, err.property]).toEqual([`${CS_KEY}:east:secondary`, 'port']);
      expect(err.provider).toMatch(/^JsonConfigurationProvider/);
      expect(err.message).not.toContain(DEFAULT_KEY);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports every invalid entry at once through readSignalREndpoints', async () => {
    const config = await memory({
      [CS_KEY]: `Endpoint=https://x;AccessKey=${KEY_B};Version=2.0`,
      [`${CS_KEY}:a`]: `AccessKey=${KEY_C}`,
      [`${CS_KEY}:b`]: cs('b'),
      'Azure:SignalR:Endpoints:c': `Endpoint=ws://c;AccessKey=${KEY_C}`,
    });
    const report = readSignalREndpoints(config);
    expect(report.endpoints.map((e) => e.name)).toEqual(['b']);
    expect(report.errors.map((e) => [e.key, e.constructor.name])).toEqual([
      [CS_KEY, 'SignalRConnectionStringError'],
      [`${CS_KEY}:a`, 'SignalRConnectionStringError'],
      ['Azure:SignalR:Endpoints:c', 'SignalRConnectionStringError'],
    ]);
    report.errors.forEach(recordError);
  });
});

describe('equality (ServiceEndpointFacts.EndpointEqualityTestData)', () => {
  const L = 'Endpoint=http://localhost';
  const K1 = `AccessKey=${DEFAULT_KEY}`;
  const K2 = `AccessKey=${KEY_C}`;
  const keyed = (key: string, text: string) => createServiceEndpoint(text, parseEndpointName(key));
  it.each<[string, ServiceEndpoint, ServiceEndpoint, boolean]>([
    ['name differs', keyed('a', `${L};${K1};Port=8080;Version=1.0`), createServiceEndpoint(`${L};${K1};Port=8080;Version=1.0`), false],
    ['name differs (:primary)', keyed('a', `${L};${K1};Port=8080;Version=1.0`), keyed(':primary', `${L};${K1};Port=8080`), false],
    ['type and port differ', keyed('a', `${L};${K1};Port=8080;Version=1.0`), keyed('a:secondary', `${L};${K1}`), false],
    ['names differ', keyed('a', `${L};${K1};Port=8080;Version=1.0`), keyed('b', `${L};${K2}`), false],
    ['type differs', createServiceEndpoint(`${L};${K1};Port=8080;Version=1.0`), keyed(':secondary', `${L};${K2}`), false],
    ['type and name differ', createServiceEndpoint(`${L};${K1};Port=8080;Version=1.0`, { type: 'secondary' }), createServiceEndpoint(`${L};${K2}`, { name: 'Name1' }), false],
    ['scheme differs', createServiceEndpoint(`${L};${K1};Port=8080;Version=1.0`), createServiceEndpoint(`Endpoint=https://localhost;${K2}`), false],
    ['ports differ', createServiceEndpoint(`${L};${K1};Port=8080;Version=1.0`), createServiceEndpoint(`${L};${K2}`), false],
    ['ports differ (:primary)', createServiceEndpoint(`${L};${K1};Port=8080;Version=1.0`), keyed(':primary', `${L};${K2}`), false],
    ['ports differ (secondary)', keyed(':secondary', `${L};${K1};Port=8080;Version=1.0`), createServiceEndpoint(`${L};${K2}`, { type: 'secondary' }), false],
    ['Port key equals port in URL', createServiceEndpoint(`${L};${K1};Port=8080;Version=1.0`), createServiceEndpoint(`Endpoint=http://localhost:8080;${K2}`), true],
    ['foo:bar is a name', keyed('foo:bar', `${L};${K1};Version=1.0`), createServiceEndpoint(`${L};${K2}`, { name: 'foo:bar' }), true],
    [':primary is the default', keyed(':primary', `${L};${K1};Version=1.0`), createServiceEndpoint(`${L};${K2}`), true],
    [':secondary', keyed(':secondary', `${L};${K1};Version=1.0`), createServiceEndpoint(`${L};${K2}`, { type: 'secondary' }), true],
    ['foo:secondary', keyed('foo:secondary', `${L};${K1};Version=1.0`), createServiceEndpoint(`${L};${K2}`, { type: 'secondary', name: 'foo' }), true],
    ['client endpoint differs', createServiceEndpoint(`${L};${K1};ClientEndpoint=https://gw`), createServiceEndpoint(`${L};${K1}`), false],
  ])('%s → %s', (_label, a, b, expected) => {
    expect(endpointsEqual(a, b)).toBe(expected);
    expect(endpointsEqual(b, a)).toBe(expected);
  });

  it('distinctEndpoints keeps one per resource, its first primary', () => {
    const a2 = createServiceEndpoint(cs('a'), { name: 'x', type: 'secondary' });
    const a1 = createServiceEndpoint(cs('a'), { name: 'y' });
    const a1again = createServiceEndpoint(cs('a', KEY_C), { name: 'y' });
    const b = createServiceEndpoint(cs('b'), { name: 'b', type: 'secondary' });
    const b2 = createServiceEndpoint(cs('b'), { name: 'b2', type: 'secondary' });
    expect(distinctEndpoints([a2, a1, b, a1again, b2])).toEqual([a1, b]);
  });
});

describe('the same configuration from a JSON file, environment variables and memory', () => {
  const east = cs('east');
  const eastBackup = cs('eastbackup', KEY_C);
  const deep = `Endpoint=https://deep.service.signalr.net;AuthType=azure.msi;ClientId=mi-1;Version=1.0`;
  const main = `Endpoint=https://main.service.signalr.net;AccessKey=${DEFAULT_KEY};ClientEndpoint=https://gw.example;Version=1.0`;
  const mgmt = cs('mgmt');

  it('gives equal endpoints with the same names, types and connections', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'signalr-'));
    try {
      const file = join(dir, 'appsettings.json');
      await writeFile(
        file,
        JSON.stringify({
          Azure: {
            SignalR: {
              ConnectionString: { east: { primary: east, secondary: eastBackup }, eu: { deep: { Secondary: deep } } },
              Endpoints: { mgmt },
            },
          },
        }),
      );
      // a JSON object cannot hold both a value and children, so the default endpoint comes from memory there
      const fromJson = await new ConfigurationBuilder().addJsonFile(file).addInMemory({ [CS_KEY]: main }).build();
      const fromEnv = await new ConfigurationBuilder()
        .addEnvironmentVariables({
          env: {
            Azure__SignalR__ConnectionString: main,
            Azure__SignalR__ConnectionString__east__primary: east,
            Azure__SignalR__ConnectionString__east__secondary: eastBackup,
            Azure__SignalR__ConnectionString__eu__deep__Secondary: deep,
            Azure__SignalR__Endpoints__mgmt: mgmt,
          },
        })
        .build();
      const fromMemory = await memory({
        [CS_KEY]: main,
        [`${CS_KEY}:east:primary`]: east,
        [`${CS_KEY}:east:secondary`]: eastBackup,
        [`${CS_KEY}:eu:deep:Secondary`]: deep,
        'Azure:SignalR:Endpoints:mgmt': mgmt,
      });
      const sets = [fromJson, fromEnv, fromMemory].map((c) => getSignalREndpoints(c));
      const shape = (es: ServiceEndpoint[]) => es.map((e) => ({ name: e.name, type: e.type, key: e.key, connection: e.connection.toJSON() }));
      expect(shape(sets[0]!)).toEqual(shape(sets[2]!));
      expect(shape(sets[1]!)).toEqual(shape(sets[2]!));
      expect(sets[2]!.map((e) => [e.name, e.type, e.auth.kind])).toEqual([
        ['', 'primary', 'accessKey'],
        ['east', 'primary', 'accessKey'],
        ['east', 'secondary', 'accessKey'],
        ['eu:deep', 'secondary', 'managedIdentity'],
        ['mgmt', 'primary', 'accessKey'],
      ]);
      for (let i = 0; i < sets[0]!.length; i++) {
        expect(endpointsEqual(sets[0]![i]!, sets[1]![i]!)).toBe(true);
        expect(endpointsEqual(sets[1]![i]!, sets[2]![i]!)).toBe(true);
      }
      // provenance differs: each endpoint names its own provider and source
      expect(sets[0]![1]!.provider).toMatch(/^JsonConfigurationProvider/);
      expect(sets[1]![1]!.source).toBe('env Azure__SignalR__ConnectionString__east__primary');
      expect(sets[2]![1]!.provider).toBe('MemoryConfigurationProvider');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('ServiceEndpoint objects', () => {
  it('are frozen, redacted in every form, and print the SDK ToString shape', async () => {
    const config = await memory({ [`${CS_KEY}:east:secondary`]: `Endpoint=https://East.service.signalr.net;AccessKey=${DEFAULT_KEY};ClientEndpoint=https://gw.example`, [CS_KEY]: cs('main') });
    const [main, east] = getSignalREndpoints(config);
    expect(Object.isFrozen(east)).toBe(true);
    expect(east!.redacted()).toMatch(
      /^\[east\]\(Secondary\)Endpoint=https:\/\/east\.service\.signalr\.net;AccessKey=<redacted sha256:[0-9a-f]{8}>;ClientEndpoint=https:\/\/gw\.example\/$/,
    );
    expect(main!.redacted()).toMatch(/^\(Primary\)Endpoint=https:\/\/main\.service\.signalr\.net;AccessKey=<redacted/);
    expect(inspect(east)).toContain(`from '${CS_KEY}:east:secondary' (MemoryConfigurationProvider)`);
    expect(JSON.parse(JSON.stringify(east))).toMatchObject({ name: 'east', type: 'secondary', key: `${CS_KEY}:east:secondary`, provider: 'MemoryConfigurationProvider' });
    recordShown(east);
    recordShown(main);
    for (const text of [inspect(east, { showHidden: true, getters: true, depth: 9 }), JSON.stringify(east), String(east)]) {
      expect(text).not.toContain(DEFAULT_KEY);
    }
  });
});

describe('checkSignalR', () => {
  it('prints one line per endpoint with name, type, endpoint and auth kind, never a key', async () => {
    const config = await new ConfigurationBuilder()
      .addInMemory({
        [CS_KEY]: `Endpoint=https://main.service.signalr.net;AccessKey=${DEFAULT_KEY};ClientEndpoint=https://gw.example`,
        [`${CS_KEY}:east:secondary`]: `Endpoint=https://east.service.signalr.net;AuthType=azure.app;ClientId=app-1;TenantId=t-1;ClientSecret=${CLIENT_SECRET}`,
        'Azure:SignalR:Endpoints:mi:serviceUri': 'https://mi.service.signalr.net',
        'Azure:SignalR:Endpoints:mi:credential': 'managedidentity',
      })
      .build();
    const { lines, errors } = checkSignalR(config);
    expect(errors).toEqual([]);
    expect(lines).toEqual([
      `SignalR (default) primary https://main.service.signalr.net auth: access key; client endpoint https://gw.example/ [${CS_KEY} from MemoryConfigurationProvider]`,
      `SignalR "east" secondary https://east.service.signalr.net auth: application app-1 in tenant t-1 (client secret) [${CS_KEY}:east:secondary from MemoryConfigurationProvider]`,
      'SignalR "mi" primary https://mi.service.signalr.net auth: managed identity (system-assigned) [Azure:SignalR:Endpoints:mi:serviceUri from MemoryConfigurationProvider]',
    ]);
    for (const line of lines) for (const s of [DEFAULT_KEY, CLIENT_SECRET]) expect(line).not.toContain(s);
  });

  it('returns the errors with key and provider, and nothing for an app without SignalR keys', async () => {
    const bad = await new ConfigurationBuilder()
      .addEnvironmentVariables({ env: { Azure__SignalR__ConnectionString: `Endpoint=https://x;AccessKey=${DEFAULT_KEY};AuthType=azure.app` } })
      .build();
    const { lines, errors } = checkSignalR(bad);
    expect(lines).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ConfigurationError);
    expect([errors[0]!.key, errors[0]!.provider, errors[0]!.source]).toEqual([CS_KEY, 'EnvironmentVariablesConfigurationProvider', 'env Azure__SignalR__ConnectionString']);
    expect(errors[0]!.message).toBe(
      "Connection string missing required properties clientId. (Parameter 'clientId') (configuration key 'Azure:SignalR:ConnectionString' from EnvironmentVariablesConfigurationProvider (env Azure__SignalR__ConnectionString))",
    );
    errors.forEach(recordError);
    expect(checkSignalR(await memory({ 'Redis:Host': 'x' }))).toEqual({ lines: [], errors: [] });
    const onlySecondary = checkSignalR(await memory({ [`${CS_KEY}:a:secondary`]: cs('a') }));
    expect(onlySecondary.lines).toHaveLength(1);
    expect(onlySecondary.errors.map((e) => e.code)).toEqual(['SIGNALR_NO_PRIMARY']);
  });
});

describe('user info in endpoint URLs', () => {
  const USERINFO = `${URL_USER}:${URL_PASSWORD}@`;

  it('appears in no endpoint, check line, error, explain or debug output', async () => {
    const config = await memory({
      [CS_KEY]: `Endpoint=https://${USERINFO}main.service.signalr.net;AccessKey=${DEFAULT_KEY};ClientEndpoint=https://${USERINFO}gw.example`,
      [`${CS_KEY}:east:secondary`]: `Endpoint=https://${USERINFO}east.service.signalr.net;AuthType=azure.msi`,
      'Azure:SignalR:Endpoints:mi:serviceUri': `https://${USERINFO}mi.service.signalr.net`,
      'Azure:SignalR:Endpoints:mi:serverEndpoint': `https://${USERINFO}srv.example/hub/`,
    });
    const endpoints = getSignalREndpoints(config);
    expect(endpoints.map((e) => [e.name, e.endpoint, e.connection.effectiveClientEndpoint, e.connection.effectiveServerEndpoint])).toEqual([
      ['', 'https://main.service.signalr.net', 'https://gw.example/', 'https://main.service.signalr.net/'],
      ['east', 'https://east.service.signalr.net', 'https://east.service.signalr.net/', 'https://east.service.signalr.net/'],
      ['mi', 'https://mi.service.signalr.net', 'https://mi.service.signalr.net/', 'https://srv.example/hub/'],
    ]);
    const { lines, errors } = checkSignalR(config);
    expect(errors).toEqual([]);
    expect(lines).toHaveLength(3);
    const shown = [
      ...lines,
      ...endpoints.flatMap((e) => [String(e), e.redacted(), inspect(e, { showHidden: true, getters: true, depth: 9 }), JSON.stringify(e)]),
      config.debugView(),
      ...[CS_KEY, `${CS_KEY}:east:secondary`, 'Azure:SignalR:Endpoints:mi:serviceUri', 'Azure:SignalR:Endpoints:mi:serverEndpoint'].map((k) => JSON.stringify(config.explain(k))),
    ];
    recordShown(endpoints);
    for (const text of shown) for (const s of [URL_USER, URL_PASSWORD]) expect(text).not.toContain(s);
  });

  it('appears in no error about an invalid entry', async () => {
    const config = await memory({
      [CS_KEY]: `Endpoint=https://${USERINFO}main.service.signalr.net;AccessKey=${DEFAULT_KEY};Version=${URL_PASSWORD}`,
      'Azure:SignalR:Endpoints:x:serviceUri': `ftp://${USERINFO}x`,
      'Azure:SignalR:Endpoints:y:serviceUri': `https://${USERINFO}y`,
      'Azure:SignalR:Endpoints:y:clientEndpoint': `gw://${USERINFO}`,
      'Azure:SignalR:Endpoints:z:secondary': `Endpoint=https://${USERINFO}z;AccessKey=${DEFAULT_KEY}`,
    });
    const { errors } = checkSignalR(config);
    expect(errors.map((e) => e.key)).toEqual([CS_KEY, 'Azure:SignalR:Endpoints:x:serviceUri', 'Azure:SignalR:Endpoints:y:clientEndpoint']);
    errors.forEach(recordError);
    for (const e of errors) for (const s of [URL_USER, URL_PASSWORD]) expect(`${e.message} ${inspect(e)} ${JSON.stringify(e)}`).not.toContain(s);
    const onlySecondary = checkSignalR(await memory({ 'Azure:SignalR:Endpoints:z:secondary': `Endpoint=https://${USERINFO}z;AccessKey=${DEFAULT_KEY}` }));
    expect(onlySecondary.errors.map((e) => e.code)).toEqual(['SIGNALR_NO_PRIMARY']);
    onlySecondary.errors.forEach(recordError);
  });
});
