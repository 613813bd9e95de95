/**
 * Vectors from the Azure SignalR SDK test suites (Azure/azure-signalr: ServiceEndpointFacts,
 * ServiceOptionsSetupFacts / AddAzureSignalRFacts, ServiceManagerOptionsSetupFact,
 * ServiceEndpointProviderFacts, NegotiateProcessorFacts, RestApiProviderFacts,
 * AccessTokenHttpMessageHandlerTests, AuthUtilityTests, ConnectionStringParserTests) and the Azure
 * Functions extension (azure-sdk-for-net: IConfigurationExtensionsFacts, OptionsSetupFacts,
 * AzureSignalRClientTests), translated to this API. Vectors already asserted in test/signalr are
 * not repeated here.
 */
import { hostname } from 'node:os';
import { decodeJwt, jwtVerify } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigurationBuilder } from '../../src/builder.js';
import type { ConfigurationRoot } from '../../src/core/root.js';
import { ApplicationAuth, parseSignalRConnectionString } from '../../src/binders/signalr/connectionString.js';
import { createServiceEndpoint, endpointsEqual, getSignalREndpoints } from '../../src/binders/signalr/endpoints.js';
import { SignalRConnectionStringError, SignalREndpointsError } from '../../src/binders/signalr/errors.js';
import { generateAccessToken, negotiate, restApi, SERVER_NAME_CLAIM } from '../../src/binders/signalr/tokens.js';
import { captureError, captureErrorAsync, CLIENT_SECRET, DEFAULT_KEY, expectNothingLeaked, recordShown } from '../binders/signalr/leaks.js';

const memory = (values: Record<string, string>): Promise<ConfigurationRoot> => new ConfigurationBuilder().addInMemory(values).build();
const utf8 = (s: string) => new TextEncoder().encode(s);
const verify = (token: string, audience: string) => jwtVerify(token, utf8(DEFAULT_KEY), { audience, issuer: 'azure-signalr', algorithms: ['HS256'] });
/** FakeEndpointUtils.GetFakeConnectionString */
const fake = (i: number) => `Endpoint=http://localhost${i};AccessKey=${DEFAULT_KEY};Version=1.0;`;

afterAll(({}, file) => expectNothingLeaked([], file));

describe('ServiceEndpointFacts', () => {
  // ClientEndpointTestData / ServerEndpointTestData as written: their "HttpsClientEndpoint" is http://bbb,
  // so an explicit :443 on an http URL is kept.
  it.each([
    ['clientEndpoint', 'endpoint=https://aaa;authType=aad;clientEndpoint=http://bbb', 'http://bbb/'],
    ['clientEndpoint', 'endpoint=https://aaa;authType=aad;clientEndpoint=http://bbb:443', 'http://bbb:443/'],
    ['serverEndpoint', 'endpoint=https://aaa;authType=aad;serverEndpoint=http://bbb', 'http://bbb/'],
    ['serverEndpoint', 'endpoint=https://aaa;authType=aad;serverEndpoint=http://bbb:443', 'http://bbb:443/'],
  ] as const)('%s: %s → %s', (key, text, expected) => {
    const c = parseSignalRConnectionString(text);
    expect(key === 'clientEndpoint' ? c.effectiveClientEndpoint : c.effectiveServerEndpoint).toBe(expected);
    expect(c.endpoint).toBe('https://aaa');
    expect(c.audienceBaseUrl).toBe('https://aaa/');
  });

  // TestAzureCredentialConstructor, through the identity-based Endpoints form (Uri + TokenCredential)
  it.each([
    ['http://localhost', 'http://localhost', 80],
    ['https://localhost', 'https://localhost', 443],
    ['http://localhost:5050', 'http://localhost:5050', 5050],
    ['https://localhost:5050', 'https://localhost:5050', 5050],
    ['http://localhost/', 'http://localhost', 80],
    ['http://localhost/foo', 'http://localhost', 80],
    ['https://localhost/foo/', 'https://localhost', 443],
  ])('serviceUri %s → endpoint %s, client and server port %i', async (url, endpoint, port) => {
    const [e] = getSignalREndpoints(await memory({ 'Azure:SignalR:Endpoints:x:serviceUri': url }));
    expect(e!.endpoint).toBe(endpoint);
    const urlPort = (u: string) => (new URL(u).port === '' ? (u.startsWith('https:') ? 443 : 80) : Number(new URL(u).port));
    expect(urlPort(e!.connection.effectiveClientEndpoint)).toBe(port);
    expect(urlPort(e!.connection.effectiveServerEndpoint)).toBe(port);
    expect([e!.name, e!.type, e!.auth.kind]).toEqual(['x', 'primary', 'default']);
  });

  // TestAzureCredentialConstructorThrowsError
  it.each(['ftp://localhost', 'ws://localhost', 'localhost:5050'])('serviceUri %s → the scheme error', async (url) => {
    const config = await memory({ 'Azure:SignalR:Endpoints:x:serviceUri': url });
    const e = captureError(() => getSignalREndpoints(config));
    expect(e).toBeInstanceOf(SignalREndpointsError);
    expect(e.message).toMatch(/^Endpoint scheme must be 'http:\/\/' or 'https:\/\/' \(configuration key 'Azure:SignalR:Endpoints:x:serviceUri'/);
  });
});

// No SDK test writes user info in Endpoint. src/Microsoft.Azure.SignalR.Common/Endpoints/ServiceEndpoint.cs
// (BuildEndpointString, BuildAudienceBaseUrlEndWithSlash) builds Endpoint, ToString() and audiences from
// scheme, host and port only; the negotiate URL, where the SDK keeps it, is a deliberate difference.
describe('user info in Endpoint (ServiceEndpoint.cs, code-derived)', () => {
  it.each([
    ['Endpoint=https://user:pw-9e1c@aaa;AccessKey={k}', 'https://aaa', '(Primary)https://aaa', 'https://aaa/'],
    ['Endpoint=http://user:pw-9e1c@aaa:500;AccessKey={k};Port=8080', 'http://aaa:8080', '(Primary)http://aaa:8080', 'http://aaa/'],
  ])('%s → Endpoint %s, ToString %s, audience base %s', (text, endpoint, shown, audience) => {
    const e = createServiceEndpoint(text.replace('{k}', DEFAULT_KEY));
    expect([e.endpoint, String(e), e.connection.audienceBaseUrl]).toEqual([endpoint, shown, audience]);
    expect(JSON.stringify(e)).not.toContain('pw-9e1c');
    recordShown(e);
  });
});

describe('ServiceEndpoint.ToString (as RunAzureSignalRTests and ServiceMessageTests log it)', () => {
  it.each<[string, { name?: string; type?: 'primary' | 'secondary' }, string]>([
    ['Endpoint=http://localhost3;AccessKey={k};Version=1.0', { name: 'tt3' }, '[tt3](Primary)http://localhost3'],
    ['Endpoint=http://localhost4;AccessKey={k};Version=1.0', { name: 'tt4', type: 'secondary' }, '[tt4](Secondary)http://localhost4'],
    ['Endpoint=https://localhost;AccessKey={k}', {}, '(Primary)https://localhost'],
    ['Endpoint=http://localhost;AccessKey={k};Port=8080', {}, '(Primary)http://localhost:8080'],
    ['Endpoint=http://url1;AccessKey={k};ClientEndpoint=https://ce.com', { name: '1' }, '[1](Primary)http://url1;ClientEndpoint=https://ce.com/'],
    ['Endpoint=http://url1;AccessKey={k};ServerEndpoint=https://se.com/', { name: '1' }, '[1](Primary)http://url1;ServerEndpoint=https://se.com/'],
    ['Endpoint=https://x;AuthType=azure.msi;ClientEndpoint=https://c:8443/p;ServerEndpoint=https://s', {}, '(Primary)https://x;ClientEndpoint=https://c:8443/p;ServerEndpoint=https://s/'],
  ])('%s → %s', (text, init, expected) => {
    const e = createServiceEndpoint(text.replace('{k}', DEFAULT_KEY), init);
    expect(String(e)).toBe(expected);
    expect(`${e}`).toBe(expected);
    recordShown(e);
  });
});

describe('ConnectionStringParserTests', () => {
  it('echoes an empty Version as the SDK does', () => {
    const err = captureError(() => parseSignalRConnectionString(`Endpoint=https://aaa;AccessKey=${DEFAULT_KEY};Version=`));
    expect(err).toBeInstanceOf(SignalRConnectionStringError);
    expect(err.message).toBe("Version  is not supported. (Parameter 'version')");
  });
});

describe('configuration (AddAzureSignalRFacts, ServiceManagerOptionsSetupFact, Functions OptionsSetupFacts)', () => {
  it('AddAzureSignalRReadServiceEndpointsFromConfig: the default first, then ConnectionString:1:secondary', async () => {
    const DEFAULT = 'Endpoint=https://defaultconnectionstring;AccessKey=1';
    const SECONDARY = 'Endpoint=https://secondaryconnectionstring;AccessKey=1';
    const endpoints = getSignalREndpoints(
      await memory({ 'Azure:SignalR:ConnectionString': DEFAULT, 'Azure:SignalR:ConnectionString:1:secondary': SECONDARY }),
    );
    expect(endpoints.map((e) => [e.name, e.type, e.endpoint])).toEqual([
      ['', 'primary', 'https://defaultconnectionstring'],
      ['1', 'secondary', 'https://secondaryconnectionstring'],
    ]);
    // AddAzureSignalRWithOnlySecondaryValueThrows
    const only = await memory({ 'Azure:SignalR:ConnectionString:1:secondary': SECONDARY });
    expect(captureError(() => getSignalREndpoints(only)).message).toMatch(/^No primary endpoint defined\./);
  });

  it('ConfigureServiceEndpoint_WithConnectionString: the default plus Endpoints:First and Endpoints:Second', async () => {
    const endpoints = getSignalREndpoints(
      await memory({ 'Azure:SignalR:ConnectionString': fake(7), 'Azure:SignalR:Endpoints:First': fake(1), 'Azure:SignalR:Endpoints:Second': fake(2) }),
    );
    expect(endpoints).toHaveLength(3);
    for (const [name, text] of [['', fake(7)], ['First', fake(1)], ['Second', fake(2)]] as const) {
      expect(endpoints.some((e) => endpointsEqual(e, createServiceEndpoint(text, { name }))), name).toBe(true);
    }
  });

  it('TestGetNamedEndpointFromIdentityWithOnlyUri: the port stays, DefaultAzureCredential, primary', async () => {
    const [e] = getSignalREndpoints(await memory({ 'Azure:SignalR:Endpoints:eastus:serviceUri': 'http://signalr.service.uri.com:441' }));
    expect([e!.name, e!.endpoint, e!.type, e!.auth]).toEqual(['eastus', 'http://signalr.service.uri.com:441', 'primary', { kind: 'default', authType: null }]);
  });

  it('TestGetNamedEndpointFromIdentityWithAllEndpointField', async () => {
    const base = 'Azure:SignalR:Endpoints:eastus';
    const [e] = getSignalREndpoints(
      await memory({
        [`${base}:serviceUri`]: 'http://signalr.service.uri.com:441',
        [`${base}:credential`]: 'managedidentity',
        [`${base}:type`]: 'secondary',
        [`${base}:serverEndpoint`]: 'https://serverEndpoint.com',
        [`${base}:clientEndpoint`]: 'https://clientEndpoint.com',
        'Azure:SignalR:ConnectionString': fake(3),
      }),
    ).filter((x) => x.name === 'eastus');
    expect([e!.endpoint, e!.type, e!.auth.kind]).toEqual(['http://signalr.service.uri.com:441', 'secondary', 'managedIdentity']);
    expect(e!.connection.effectiveServerEndpoint).toBe('https://serverendpoint.com/');
    expect(e!.connection.effectiveClientEndpoint).toBe('https://clientendpoint.com/');
  });

  it('TestGetNamedEndpointsFromConnectionString: <name>, <name>:primary, <name>:secondary, all named <name>', async () => {
    const endpoints = getSignalREndpoints(
      await memory({ 'Azure:SignalR:Endpoints:eastus': fake(1), 'Azure:SignalR:Endpoints:eastus:primary': fake(1), 'Azure:SignalR:Endpoints:eastus:secondary': fake(1) }),
    );
    expect(endpoints.map((e) => [e.name, e.type])).toEqual([
      ['eastus', 'primary'],
      ['eastus', 'primary'],
      ['eastus', 'secondary'],
    ]);
  });

  it('TestGetEndpointsFromIdentityAndConnectionString / TestIdentityBasedMultiEndpointConfiguration', async () => {
    const mixed = getSignalREndpoints(
      await memory({ 'Azure:SignalR:Endpoints:eastus:serviceUri': 'http://signalr.service.uri.com:441', 'Azure:SignalR:Endpoints:westus:secondary': fake(2) }),
    );
    expect(mixed.map((e) => [e.name, e.type, e.endpoint])).toEqual([
      ['eastus', 'primary', 'http://signalr.service.uri.com:441'],
      ['westus', 'secondary', 'http://localhost2'],
    ]);
    const two = getSignalREndpoints(
      await memory({ 'Azure:SignalR:Endpoints:eastus:serviceUri': 'http://localhost.signalr.com', 'Azure:SignalR:Endpoints:westus:serviceUri': 'http://localhost2.signalr.com' }),
    );
    expect(two.map((e) => [e.name, e.endpoint])).toEqual([
      ['eastus', 'http://localhost.signalr.com'],
      ['westus', 'http://localhost2.signalr.com'],
    ]);
  });
});

describe('missing tenant id', () => {
  // No SDK test covers it; src/Microsoft.Azure.SignalR.Common/Utilities/ConnectionStringParser.cs
  // (BuildApplicationCredential, every version) checks clientId, then tenantId, before the secret or certificate.
  it.each([
    `endpoint=https://aaa;AuthType=azure.app;clientId=foo;clientSecret=${CLIENT_SECRET}`,
    'endpoint=https://aaa;AuthType=azure.app;clientId=foo;clientCert=/usr/local/cert/app.pem',
  ])('azure.app: %s', async (text) => {
    const config = await memory({ 'Azure:SignalR:ConnectionString:app': text });
    const err = captureError(() => getSignalREndpoints(config)) as SignalRConnectionStringError;
    expect(err).toBeInstanceOf(SignalRConnectionStringError);
    expect(err.message).toBe(
      "Connection string missing required properties tenantId. (Parameter 'tenantId') (configuration key 'Azure:SignalR:ConnectionString:app' from MemoryConfigurationProvider)",
    );
    expect([err.property, err.key, err.provider]).toEqual(['tenantId', 'Azure:SignalR:ConnectionString:app', 'MemoryConfigurationProvider']);
  });

  // The identity-based form: azure-sdk-for-net sdk/extensions/Microsoft.Extensions.Azure/tests/ClientFactoryTests.cs
  // bounds the new error: CreatesClientSecretCredentials, CreatesManagedServiceIdentityCredentialsWithClientId and
  // CreatesDefaultAzureCredential (ids without a secret) still build a credential. Its ClientFactory.cs gives
  // DefaultAzureCredential for a secret without tenantId; we refuse that (README, differences from the SDK).
  const identity = (keys: Record<string, string>) =>
    memory({ 'Azure:SignalR:Endpoints:e:serviceUri': 'https://e', ...Object.fromEntries(Object.entries(keys).map(([k, v]) => [`Azure:SignalR:Endpoints:e:${k}`, v])) });

  it('CreatesClientSecretCredentials', async () => {
    const [e] = getSignalREndpoints(await identity({ clientId: 'ConfigurationClientId', clientSecret: CLIENT_SECRET, tenantId: 'ConfigurationTenantId' }));
    expect(e!.auth).toBeInstanceOf(ApplicationAuth);
    const auth = e!.auth as ApplicationAuth;
    expect([auth.clientId, auth.clientSecret, auth.tenantId]).toEqual(['ConfigurationClientId', CLIENT_SECRET, 'ConfigurationTenantId']);
  });

  it('CreatesManagedServiceIdentityCredentialsWithClientId', async () => {
    const [e] = getSignalREndpoints(await identity({ clientId: 'ConfigurationClientId', credential: 'managedidentity' }));
    expect(e!.auth).toEqual({ kind: 'managedIdentity', authType: null, clientId: 'ConfigurationClientId' });
  });

  it.each<Record<string, string>>([{ clientId: 'clientId' }, { tenantId: 'tenantId' }, { clientId: 'clientId', tenantId: 'tenantId' }])('CreatesDefaultAzureCredential: %o', async (keys) => {
    const [e] = getSignalREndpoints(await identity(keys));
    expect(e!.auth.kind).toBe('default');
  });

  it('a secret without tenantId: an error naming the key, not DefaultAzureCredential', async () => {
    const config = await identity({ clientId: 'ConfigurationClientId', clientSecret: CLIENT_SECRET });
    const err = captureError(() => getSignalREndpoints(config)) as SignalREndpointsError;
    expect(err).toBeInstanceOf(SignalREndpointsError);
    expect([err.code, err.key, err.provider]).toEqual(['SIGNALR_ENDPOINT', 'Azure:SignalR:Endpoints:e:clientSecret', 'MemoryConfigurationProvider']);
    expect(err.message).toMatch(/^Identity-based endpoint missing required properties tenantId: /);
  });
});

describe('tokens', () => {
  it('ServiceEndpointProviderFacts.GenerateClientAccessToken: no claims beyond the registered ones', async () => {
    for (const version of ['', ';Version=1.0-preview', ';Version=1.0']) {
      const c = parseSignalRConnectionString(`Endpoint=https://myendpoint;AccessKey=${DEFAULT_KEY}${version}`);
      for (const [app, hub] of [[undefined, 'testhub'], ['testapp', 'testapp_testhub']] as const) {
        const r = await negotiate(c, 'TestHub', app ? { applicationName: app } : {});
        expect(r.url).toBe(`https://myendpoint/client/?hub=${hub}`);
        const { payload, protectedHeader } = await verify(r.accessToken, `https://myendpoint/client/?hub=${hub}`);
        expect(Object.keys(payload).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'nbf']);
        expect(protectedHeader.alg).toBe('HS256');
      }
    }
  });

  it('NegotiateProcessorFacts.GenerateClientEndpoint: app names, user id, claims, a 99 s lifetime', async () => {
    for (const appName of ['appName', '', undefined]) {
      for (const userId of ['UserA', undefined]) {
        for (const claims of [{ type1: 'val1' }, undefined]) {
          const endpoint = createServiceEndpoint(fake(42));
          const r = await negotiate(endpoint, 'signalrBench', {
            lifetime: 99,
            ...(appName !== undefined ? { applicationName: appName } : {}),
            ...(userId !== undefined ? { userId } : {}),
            ...(claims !== undefined ? { claims } : {}),
          });
          const expected = `http://localhost42/client/?hub=${appName ? 'appname_' : ''}signalrbench`;
          expect(r.url).toBe(expected);
          const { payload } = await verify(r.accessToken, expected);
          expect(payload.exp! - payload.iat!).toBe(99);
          expect(payload['asrs.s.uid']).toBe(userId);
          expect(payload['type1']).toBe(claims?.type1);
        }
      }
    }
  });

  it('Functions AzureSignalRClientTests.GetClientConnectionInfo: id-token claims kept, iat renamed asrs.u.iat', async () => {
    const c = parseSignalRConnectionString(`Endpoint=http://localhost;AccessKey=${DEFAULT_KEY};Version=1.0;`);
    const r = await negotiate(c, 'TestHub', { userId: 'User', claims: { name: 'John Doe', iat: '1516239022' } });
    expect(r.url).toBe('http://localhost/client/?hub=testhub');
    const payload = decodeJwt(r.accessToken);
    expect([payload['name'], payload['asrs.u.iat'], payload['asrs.s.uid']]).toEqual(['John Doe', '1516239022', 'User']);
    expect(typeof payload.iat).toBe('number');
  });

  it('AuthUtilityTests.TestAccessTokenTooLongThrowsException: 100 claims are over 4K', async () => {
    const claims = Object.fromEntries(Array.from({ length: 100 }, (_, s) => [`ClaimSubject${s}`, `ClaimValue${s}`]));
    const c = parseSignalRConnectionString(`Endpoint=https://localhost;AccessKey=${DEFAULT_KEY}`);
    const err = await captureErrorAsync(() => generateAccessToken(c, { audience: 'https://localhost/aspnetclient?hub=testhub', claims }));
    expect(err.message).toBe('AccessToken must not be longer than 4K.');
  });

  it('AccessTokenHttpMessageHandlerTests: REST tokens name the caller in nameid, audience without the query', async () => {
    const c = parseSignalRConnectionString(`Endpoint=https://test.service.signalr.net;AccessKey=${DEFAULT_KEY};Version=1.0;`);
    const api = await restApi(c, 'hub', { serverName: 'servername' });
    const r = await api.request('/:send');
    expect(r.url).toBe('https://test.service.signalr.net/api/hubs/hub/:send?api-version=2022-06-01');
    const { payload } = await verify(r.accessToken, 'https://test.service.signalr.net/api/hubs/hub/:send');
    expect(SERVER_NAME_CLAIM).toBe('nameid');
    expect(payload[SERVER_NAME_CLAIM]).toBe('servername');
    expect((await verify(api.accessToken, 'https://test.service.signalr.net/api/hubs/hub')).payload['nameid']).toBe('servername');
    recordShown(api);
  });

  it('RestApiAccessTokenGenerator: by default one {MachineName}_{Guid:N} name per client', async () => {
    const c = parseSignalRConnectionString(`Endpoint=https://abc;AccessKey=${DEFAULT_KEY}`);
    const api = await restApi(c, 'hub');
    const first = decodeJwt(api.accessToken)['nameid'] as string;
    expect(first.startsWith(`${hostname()}_`)).toBe(true);
    expect(first.slice(hostname().length + 1)).toMatch(/^[0-9a-f]{32}$/);
    expect(decodeJwt((await api.request('/:send')).accessToken)['nameid']).toBe(first);
    expect(decodeJwt((await restApi(c, 'hub')).accessToken)['nameid']).not.toBe(first);
  });

  // RestApiProviderFacts: the connection paths (users and groups are in test/binders/signalr/tokens.test.ts)
  it.each([
    ['app', 'hub', 'connectionA', 'groupA'],
    ['APP', 'HUB', 'CONNECTIONA', 'GROUPA'],
    ['app/x', 'hub/x', 'connection/a', 'group/a'],
  ])('app %s, hub %s: connection URLs and audiences', async (app, hub, connectionId, group) => {
    const api = await restApi(parseSignalRConnectionString(`Endpoint=https://abc;AccessKey=${DEFAULT_KEY};Version=1.0;`), hub, { applicationName: app });
    const common = `https://abc/api/hubs/${encodeURIComponent(hub.toLowerCase())}`;
    const query = `application=${encodeURIComponent(app.toLowerCase())}&api-version=2022-06-01`;
    for (const path of [`/connections/${encodeURIComponent(connectionId)}/:send`, `/groups/${encodeURIComponent(group)}/connections/${encodeURIComponent(connectionId)}`]) {
      const r = await api.request(path);
      expect(r.url).toBe(`${common}${path}?${query}`);
      await verify(r.accessToken, `${common}${path}`);
    }
  });
});
