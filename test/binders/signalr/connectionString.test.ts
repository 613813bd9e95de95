import { afterAll, describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import {
  AccessKeyAuth,
  ApplicationAuth,
  parseSignalRConnectionString,
  SignalRConnection,
} from '../../../src/binders/signalr/connectionString.js';
import { SignalRConnectionStringError } from '../../../src/binders/signalr/errors.js';
import { ConnectionStringError, ConfigurationError } from '../../../src/core/errors.js';
import { fingerprint } from '../../../src/core/secrets.js';
import { captureError, CLIENT_SECRET, DEFAULT_KEY, expectNothingLeaked, KEY_B, recordShown, URL_PASSWORD, URL_USER } from './leaks.js';

// Vectors from Azure/azure-signalr ConnectionStringParserTests and ServiceEndpointFacts. Where the
// SDK tests use `AccessKey=bbb`, a longer distinctive key stands in so leaks can be detected.
const HTTP = 'http://aaa';
const HTTPS = 'https://aaa';
const TENANT = 'aaaaaaaa-bbbb-bbbb-bbbb-cccccccccccc';

function parseError(text: string): SignalRConnectionStringError {
  const err = captureError(() => parseSignalRConnectionString(text));
  expect(err).toBeInstanceOf(SignalRConnectionStringError);
  expect(err).toBeInstanceOf(ConnectionStringError);
  expect(err).toBeInstanceOf(ConfigurationError);
  expect((err as ConfigurationError).code).toBe('CONNECTION_STRING');
  return err as SignalRConnectionStringError;
}

afterAll(({}, file) => expectNothingLeaked([], file));

describe('grammar', () => {
  it.each(['Endpoint=xxx', 'AccessKey=xxx', 'XXX=yyy', 'XXX', `Endpoint=${HTTPS}`, `Endpoint=${HTTPS};`])(
    'needs at least two parts and an endpoint: %s',
    (text) => {
      const err = parseError(text);
      expect(err.message).toContain('Connection string missing required properties');
    },
  );

  it('says which parameter when there are too few parts, and when the endpoint is missing', () => {
    expect(parseError('Endpoint=https://aaa').message).toBe(
      "Connection string missing required properties endpoint. (Parameter 'connectionString')",
    );
    const missing = parseError(`AccessKey=${KEY_B};Version=1.0`);
    expect(missing.message).toBe("Connection string missing required properties endpoint. (Parameter 'endpoint')");
    expect(missing.property).toBe('endpoint');
  });

  it('counts white-space-only parts towards two, as the SDK does', () => {
    expect(parseSignalRConnectionString(`Endpoint=${HTTPS};AccessKey=${KEY_B}; `).endpoint).toBe(HTTPS);
    // `Endpoint=…; ` has two parts, so it passes the count and then needs credentials: DefaultAzureCredential (newest SDK)
    expect(parseSignalRConnectionString(`Endpoint=${HTTPS}; `).auth).toEqual({ kind: 'default', authType: null });
  });

  it.each(['', '   ', '\t\n'])('rejects a blank string like new ServiceEndpoint(%j)', (text) => {
    expect(parseError(text).message).toBe("'connectionString' cannot be null or whitespace. (Parameter 'connectionString')");
  });

  it('splits each part on its first = so values keep theirs', () => {
    const c = parseSignalRConnectionString(`Endpoint=${HTTPS};AccessKey=abc==;ClientEndpoint=https://gw.example/?a=b=c`);
    expect((c.auth as AccessKeyAuth).accessKey).toBe('abc==');
    expect(c.clientEndpoint).toBe('https://gw.example/?a=b=c');
  });

  it('trims keys and values and matches keys case-insensitively', () => {
    const c = parseSignalRConnectionString(`  ENDPOINT =  ${HTTPS}:500/  ;  accessKEY = ${KEY_B}  ; pOrT = 443 `);
    expect(c.endpoint).toBe(HTTPS);
    expect((c.auth as AccessKeyAuth).accessKey).toBe(KEY_B);
  });

  it('ignores unknown keys and parts without =', () => {
    const c = parseSignalRConnectionString(`Endpoint=${HTTPS};AccessKey=${KEY_B};Foo=bar;JustText;Version=1.0`);
    expect(c.endpoint).toBe(HTTPS);
    expect(c.version).toBe('1.0');
  });

  it('rejects duplicate properties, compared case-insensitively, with the SDK message', () => {
    expect(parseError(`Endpoint=${HTTPS};endpoint=https://bbb;AccessKey=${KEY_B}`).message).toBe(
      'Duplicate properties found in connection string: endpoint.',
    );
    expect(parseError(`Endpoint=${HTTPS};AccessKey=${KEY_B};ACCESSKEY=${DEFAULT_KEY}`).message).toBe(
      'Duplicate properties found in connection string: ACCESSKEY.',
    );
  });

  it('does not echo an unknown duplicate key, which may be a pasted secret', () => {
    const err = parseError(`Endpoint=${HTTPS};${DEFAULT_KEY}=1;${DEFAULT_KEY}=2`);
    expect(err.message).toMatch(/^Duplicate properties found in connection string: <unrecognised property <redacted sha256:[0-9a-f]{8}>>\.$/);
  });
});

describe('Endpoint', () => {
  it.each([`Endpoint=aaa;AccessKey=${KEY_B};`, `Endpoint=endpoint=aaa;AccessKey=${KEY_B};`, `Endpoint=ftp://aaa;AccessKey=${KEY_B}`,
    `Endpoint=ws://aaa;AccessKey=${KEY_B}`, `Endpoint=localhost:5050;AccessKey=${KEY_B}`, `Endpoint=https:aaa;AccessKey=${KEY_B}`])(
    'must be an absolute http(s) URI: %s',
    (text) => {
      const err = parseError(text);
      expect(err.message).toBe("Invalid value for endpoint property, it must be a valid URI. (Parameter 'endpoint')");
      expect(err.property).toBe('endpoint');
    },
  );

  // ServiceEndpointFacts.EndpointAndPortTestData: connection string → (AudienceBaseUrl, Endpoint)
  it.each([
    [`endpoint=${HTTP};accesskey=${DEFAULT_KEY}`, `${HTTP}/`, HTTP],
    [`endpoint=${HTTP}:80;accesskey=${DEFAULT_KEY}`, `${HTTP}/`, HTTP],
    [`endpoint=${HTTP}:500;accesskey=${DEFAULT_KEY}`, `${HTTP}/`, `${HTTP}:500`],
    [`endpoint=${HTTPS};accesskey=${DEFAULT_KEY}`, `${HTTPS}/`, HTTPS],
    [`endpoint=${HTTPS}:443;accesskey=${DEFAULT_KEY}`, `${HTTPS}/`, HTTPS],
    [`endpoint=${HTTPS}:500;accesskey=${DEFAULT_KEY}`, `${HTTPS}/`, `${HTTPS}:500`],
    [`endpoint=${HTTP.toUpperCase()};accesskey=${DEFAULT_KEY}`, `${HTTP}/`, HTTP],
    [`endpoint=${HTTPS.toUpperCase()};accesskey=${DEFAULT_KEY}`, `${HTTPS}/`, HTTPS],
    [`endpoint=${HTTPS};accesskey=${DEFAULT_KEY};port=500`, `${HTTPS}/`, `${HTTPS}:500`],
    [`endpoint=${HTTPS}:500;accesskey=${DEFAULT_KEY};port=443`, `${HTTPS}/`, HTTPS],
    [`ENDPOINT=${HTTP};ACCESSKEY=${DEFAULT_KEY}`, `${HTTP}/`, HTTP],
    [`ENDPOINT=${HTTPS}:500;ACCESSKEY=${DEFAULT_KEY};PORT=443`, `${HTTPS}/`, HTTPS],
  ])('%s → audience %s, endpoint %s', (text, audience, endpoint) => {
    const c = parseSignalRConnectionString(text);
    expect(c.audienceBaseUrl).toBe(audience);
    expect(c.endpoint).toBe(endpoint);
    // with no ClientEndpoint/ServerEndpoint both fall back to the service URL
    expect(new URL(c.effectiveClientEndpoint).href).toBe(new URL(endpoint).href);
    expect(new URL(c.effectiveServerEndpoint).href).toBe(new URL(endpoint).href);
  });

  it.each([
    [`endpoint=${HTTP};accesskey=${DEFAULT_KEY}`, HTTP],
    [`endpoint=${HTTP}/;accesskey=${DEFAULT_KEY}`, HTTP],
    [`endpoint=${HTTPS};accesskey=${DEFAULT_KEY}`, HTTPS],
    [`endpoint=${HTTPS}/;accesskey=${DEFAULT_KEY}`, HTTPS],
  ])('drops a trailing slash: %s', (text, endpoint) => {
    expect(parseSignalRConnectionString(text).endpoint).toBe(endpoint);
  });

  it('reports the effective port: the Port key over the URL, else the scheme default', () => {
    expect(parseSignalRConnectionString(`Endpoint=${HTTP};AccessKey=${KEY_B}`).port).toBe(80);
    expect(parseSignalRConnectionString(`Endpoint=${HTTPS};AccessKey=${KEY_B}`).port).toBe(443);
    expect(parseSignalRConnectionString(`Endpoint=${HTTPS}:500;AccessKey=${KEY_B}`).port).toBe(500);
    expect(parseSignalRConnectionString(`Endpoint=${HTTPS}:500;AccessKey=${KEY_B};Port=8443`).port).toBe(8443);
    expect(parseSignalRConnectionString(`Endpoint=${HTTPS}:500;AccessKey=${KEY_B};Port=443`).port).toBe(443);
  });

  it('keeps the path of Endpoint in the service URL, not in Endpoint or the audience', () => {
    const c = parseSignalRConnectionString(`Endpoint=https://AAA.example:8443/base/;AccessKey=${KEY_B}`);
    expect(c.endpoint).toBe('https://aaa.example:8443');
    expect(c.serviceUrl).toBe('https://aaa.example:8443/base');
    expect(c.audienceBaseUrl).toBe('https://aaa.example/');
  });
});

describe('Version', () => {
  it.each([
    [`endpoint=${HTTP};accesskey=${DEFAULT_KEY}`, undefined],
    [`endpoint=${HTTP};accesskey=${DEFAULT_KEY};version=1.0`, '1.0'],
    [`endpoint=${HTTP};accesskey=${DEFAULT_KEY};version=1.1-preview`, '1.1-preview'],
  ])('%s → %s', (text, version) => {
    expect(parseSignalRConnectionString(text).version).toBe(version);
  });

  it.each(['abc', '1.x', '2.0', '1.', '01.0'])('rejects %s with the SDK message', (v) => {
    const err = parseError(`Endpoint=${HTTPS};AccessKey=${KEY_B};version=${v}`);
    expect(err.message).toBe(`Version ${v} is not supported. (Parameter 'version')`);
    expect(err.property).toBe('version');
  });

  it('is checked before Port', () => {
    expect(parseError(`Endpoint=${HTTPS};AccessKey=${KEY_B};version=2.0;port=0`).property).toBe('version');
  });
});

describe('Port', () => {
  it.each([
    `Endpoint=${HTTPS};AccessKey=${KEY_B};version=1.0;port=2.3`,
    `Endpoint=${HTTPS};AccessKey=${KEY_B};version=1.1;port=1000000`,
    `Endpoint=${HTTPS};AccessKey=${KEY_B};version=1.0-preview;port=0`,
    `Endpoint=${HTTPS};AccessKey=${KEY_B};port=-1`,
    `Endpoint=${HTTPS};AccessKey=${KEY_B};port=65536`,
    `Endpoint=${HTTPS};AccessKey=${KEY_B};port=0x50`,
    `Endpoint=${HTTPS};AccessKey=${KEY_B};port=`,
  ])('must be an integer in 1..65535: %s', (text) => {
    const err = parseError(text);
    expect(err.message).toBe("Invalid value for port property, it must be an positive integer between (0, 65536). (Parameter 'port')");
    expect(err.property).toBe('port');
  });

  it('accepts the bounds and a sign, as int.TryParse does', () => {
    expect(parseSignalRConnectionString(`Endpoint=${HTTP};AccessKey=${KEY_B};Port=1`).endpoint).toBe(`${HTTP}:1`);
    expect(parseSignalRConnectionString(`Endpoint=${HTTP};AccessKey=${KEY_B};Port=65535`).endpoint).toBe(`${HTTP}:65535`);
    expect(parseSignalRConnectionString(`Endpoint=${HTTP};AccessKey=${KEY_B};Port=+8080`).endpoint).toBe(`${HTTP}:8080`);
  });
});

describe('ClientEndpoint and ServerEndpoint', () => {
  it.each([`endpoint=${HTTPS};clientEndpoint=aaa;AccessKey=${KEY_B};`, `endpoint=${HTTPS};ClientEndpoint=endpoint=aaa;AccessKey=${KEY_B};`])(
    'ClientEndpoint must be a URI: %s',
    (text) => {
      expect(parseError(text).message).toBe(
        "Invalid value for clientEndpoint property, it must be a valid URI. (Parameter 'clientEndpoint')",
      );
    },
  );

  it.each([`endpoint=${HTTPS};serverEndpoint=aaa;AccessKey=${KEY_B};`, `endpoint=${HTTPS};ServerEndpoint=aaa;AccessKey=${KEY_B};`])(
    'ServerEndpoint must be a URI (newest SDK wording): %s',
    (text) => {
      expect(parseError(text).message).toBe(
        "Invalid value for serverEndpoint property, it must be a valid URI. (Parameter 'serverEndpoint')",
      );
    },
  );

  it('is checked in order: port, then ClientEndpoint, then ServerEndpoint, then the credential', () => {
    expect(parseError(`Endpoint=${HTTPS};Port=0;ClientEndpoint=x;ServerEndpoint=y;AuthType=azure.app`).property).toBe('port');
    expect(parseError(`Endpoint=${HTTPS};ClientEndpoint=x;ServerEndpoint=y;AuthType=azure.app`).property).toBe('clientEndpoint');
    expect(parseError(`Endpoint=${HTTPS};ServerEndpoint=y;AuthType=azure.app`).property).toBe('serverEndpoint');
    expect(parseError(`Endpoint=${HTTPS};AuthType=azure.app`).property).toBe('clientId');
  });

  // ConnectionStringParserTests.ClientEndpointTestData / ServerEndpointTestData: Port never moves them.
  it.each([
    [`endpoint=${HTTP};accesskey=${DEFAULT_KEY}`, undefined, undefined],
    [`endpoint=${HTTP}:500;accesskey=${DEFAULT_KEY}`, undefined, undefined],
    [`endpoint=${HTTP}:500;accesskey=${DEFAULT_KEY};port=400`, undefined, undefined],
    [`endpoint=${HTTP}:500;accesskey=${DEFAULT_KEY};port=400;{0}=http://bbb`, 'http://bbb/', 80],
    [`endpoint=${HTTP}:500;accesskey=${DEFAULT_KEY};port=400;{0}=http://bbb:500`, 'http://bbb:500/', 500],
  ])('%s → %s (port %s)', (template, expected, port) => {
    for (const key of ['clientEndpoint', 'serverEndpoint'] as const) {
      const c = parseSignalRConnectionString(template.replace('{0}', key));
      expect(c[key]).toBe(expected);
      if (expected !== undefined) expect(new URL(c[key]!).port === '' ? 80 : Number(new URL(c[key]!).port)).toBe(port);
      // the service URL keeps the port override either way
      expect(c.endpoint).toBe(template.includes('port=400') ? `${HTTP}:400` : template.includes(':500') ? `${HTTP}:500` : HTTP);
    }
  });

  // ServiceEndpointFacts.ClientEndpointTestData / ServerEndpointTestData
  it.each([
    [`endpoint=${HTTP};authType=aad;{0}=http://bbb`, 'http://bbb/'],
    [`endpoint=${HTTP};authType=aad;{0}=http://bbb:80`, 'http://bbb/'],
    [`endpoint=${HTTP};authType=aad;{0}=http://bbb:80/abc`, 'http://bbb/abc'],
    [`endpoint=${HTTPS};authType=aad;{0}=https://bbb:443`, 'https://bbb/'],
  ])('%s → %s', (template, expected) => {
    expect(parseSignalRConnectionString(template.replace('{0}', 'clientEndpoint')).effectiveClientEndpoint).toBe(expected);
    expect(parseSignalRConnectionString(template.replace('{0}', 'serverEndpoint')).effectiveServerEndpoint).toBe(expected);
  });
});

describe('AuthType and credentials', () => {
  it.each([
    `endpoint=${HTTPS};AuthType=azure;clientId=xxxx;`,
    `endpoint=${HTTPS};AuthType=azure;tenantId=xxxx;`,
    `endpoint=${HTTPS};AuthType=azure;clientSecret=${CLIENT_SECRET};`,
    `endpoint=${HTTPS};AuthType=AZURE;`,
  ])('azure → DefaultAzureCredential, ids ignored: %s', (text) => {
    const c = parseSignalRConnectionString(text);
    expect(c.endpoint).toBe(HTTPS);
    expect(c.auth).toEqual({ kind: 'default', authType: 'azure' });
    expect(c.clientEndpoint).toBeUndefined();
    expect(c.serverEndpoint).toBeUndefined();
  });

  it.each([
    [`endpoint=${HTTPS};AuthType=aad;`, undefined],
    [`endpoint=${HTTPS};AuthType=aad;clientId=123;`, '123'],
    [`endpoint=${HTTPS};AuthType=aad;tenantId=xxxx;`, undefined],
    [`endpoint=${HTTPS};AuthType=aad;clientSecret=${CLIENT_SECRET};`, undefined],
    [`endpoint=${HTTPS};AuthType=azure.msi;`, undefined],
    [`endpoint=${HTTPS};AuthType=azure.msi;clientId=123;`, '123'],
    [`endpoint=${HTTPS};AuthType=Azure.MSI;ClientId=123;`, '123'],
  ])('managed identity: %s → client id %s', (text, clientId) => {
    const c = parseSignalRConnectionString(text);
    expect(c.auth.kind).toBe('managedIdentity');
    expect(c.auth).toEqual({
      kind: 'managedIdentity',
      authType: text.toLowerCase().includes('aad') ? 'aad' : 'azure.msi',
      ...(clientId ? { clientId } : {}),
    });
  });

  it.each(['aad', 'azure.app'])('%s with client id, tenant and secret → ClientSecretCredential', (type) => {
    const c = parseSignalRConnectionString(`endpoint=${HTTPS};AuthType=${type};clientId=foo;clientSecret=${CLIENT_SECRET};tenantId=${TENANT}`);
    expect(c.auth).toBeInstanceOf(ApplicationAuth);
    const auth = c.auth as ApplicationAuth;
    expect([auth.kind, auth.authType, auth.tenantId, auth.clientId, auth.clientSecret, auth.certificatePath]).toEqual([
      'application', type, TENANT, 'foo', CLIENT_SECRET, undefined,
    ]);
    expect(c.version).toBeUndefined();
    expect(c.clientEndpoint).toBeUndefined();
  });

  it.each(['aad', 'azure.app'])('%s with ClientCert (or the documented ClientCertPath) → certificate', (type) => {
    for (const name of ['clientCert', 'ClientCertPath']) {
      const c = parseSignalRConnectionString(`endpoint=${HTTPS};AuthType=${type};clientId=foo;${name}=/usr/local/cert/app.pem;tenantId=${TENANT}`);
      const auth = c.auth as ApplicationAuth;
      expect([auth.kind, auth.tenantId, auth.clientId, auth.certificatePath, auth.clientSecret]).toEqual([
        'application', TENANT, 'foo', '/usr/local/cert/app.pem', undefined,
      ]);
    }
  });

  it('prefers the client secret over a certificate, as the SDK', () => {
    const c = parseSignalRConnectionString(`endpoint=${HTTPS};AuthType=azure.app;clientId=foo;tenantId=${TENANT};ClientCert=/c.pem;ClientSecret=${CLIENT_SECRET}`);
    expect((c.auth as ApplicationAuth).clientSecret).toBe(CLIENT_SECRET);
    expect((c.auth as ApplicationAuth).certificatePath).toBeUndefined();
  });

  it('rejects ClientCert and ClientCertPath together', () => {
    const err = parseError(`endpoint=${HTTPS};AuthType=azure.app;clientId=foo;tenantId=${TENANT};ClientCert=/a.pem;ClientCertPath=/b.pem`);
    expect(err.message).toBe('Connection string has both ClientCert and ClientCertPath; give only one.');
  });

  it.each([`endpoint=${HTTPS};AuthType=aad;clientId=123;tenantId=${TENANT}`, `endpoint=${HTTPS};AuthType=azure.app;clientId=123;tenantId=${TENANT}`])(
    'an application without secret or certificate: %s',
    (text) => {
      const err = parseError(text);
      expect(err.message).toBe("Connection string missing required properties clientSecret or clientCert. (Parameter 'clientSecret')");
      expect(err.property).toBe('clientSecret');
    },
  );

  it('azure.app needs ClientId first, then TenantId', () => {
    expect(parseError(`endpoint=${HTTPS};AuthType=azure.app;tenantId=${TENANT};clientSecret=${CLIENT_SECRET}`).message).toBe(
      "Connection string missing required properties clientId. (Parameter 'clientId')",
    );
    expect(parseError(`endpoint=${HTTPS};AuthType=azure.app;clientId=foo;clientSecret=${CLIENT_SECRET}`).message).toBe(
      "Connection string missing required properties tenantId. (Parameter 'tenantId')",
    );
    expect(parseError(`endpoint=${HTTPS};AuthType=azure.app;clientId=;tenantId=${TENANT};clientSecret=${CLIENT_SECRET}`).property).toBe('clientId');
  });

  it('a non-empty AccessKey wins over AuthType (newest SDK)', () => {
    for (const type of ['azure', 'azure.msi', 'aad']) {
      const c = parseSignalRConnectionString(`Endpoint=${HTTPS};AccessKey=${KEY_B};AuthType=${type}`);
      expect(c.auth).toBeInstanceOf(AccessKeyAuth);
      expect((c.auth as AccessKeyAuth).accessKey).toBe(KEY_B);
    }
    const app = parseSignalRConnectionString(`Endpoint=${HTTPS};AccessKey=${KEY_B};AuthType=azure.app;ClientId=c;TenantId=${TENANT};ClientSecret=${CLIENT_SECRET}`);
    expect(app.auth.kind).toBe('accessKey');
  });

  it('still checks the AuthType properties when an AccessKey is given, as the SDK builds the credential anyway', () => {
    expect(parseError(`Endpoint=${HTTPS};AccessKey=${KEY_B};AuthType=azure.app`).property).toBe('clientId');
  });

  it('with no AccessKey, no AuthType or an unknown one, or an empty AccessKey, falls back to DefaultAzureCredential', () => {
    expect(parseSignalRConnectionString(`Endpoint=${HTTPS};Version=1.0`).auth).toEqual({ kind: 'default', authType: null });
    expect(parseSignalRConnectionString(`Endpoint=${HTTPS};AuthType=foo`).auth).toEqual({ kind: 'default', authType: 'foo' });
    expect(parseSignalRConnectionString(`Endpoint=${HTTPS};AccessKey=`).auth).toEqual({ kind: 'default', authType: null });
  });
});

describe('immutability and redaction', () => {
  const text = `Endpoint=https://res.service.signalr.net;AccessKey=${DEFAULT_KEY};Version=1.0;ClientEndpoint=https://gw.example;ServerEndpoint=https://srv.example:8443`;

  it('returns a frozen object with a frozen auth', () => {
    const c = parseSignalRConnectionString(text);
    expect(c).toBeInstanceOf(SignalRConnection);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.auth)).toBe(true);
    expect(() => {
      (c as { endpoint: string }).endpoint = 'https://evil';
    }).toThrow(TypeError);
    const app = parseSignalRConnectionString(`Endpoint=${HTTPS};AuthType=azure.msi;ClientId=x`);
    expect(() => {
      (app.auth as { clientId?: string }).clientId = 'y';
    }).toThrow(TypeError);
  });

  it('never shows the access key in inspect, JSON or string forms, but a fingerprint', () => {
    const c = parseSignalRConnectionString(text);
    recordShown(c);
    recordShown(c.auth);
    const json = JSON.parse(JSON.stringify(c));
    expect(json).toEqual({
      endpoint: 'https://res.service.signalr.net',
      port: 443,
      serviceUrl: 'https://res.service.signalr.net/',
      audienceBaseUrl: 'https://res.service.signalr.net/',
      version: '1.0',
      clientEndpoint: 'https://gw.example/',
      serverEndpoint: 'https://srv.example:8443/',
      auth: { kind: 'accessKey', accessKey: `<redacted sha256:${fingerprint(DEFAULT_KEY)}>` },
    });
    expect(c.redacted()).toBe(
      `Endpoint=https://res.service.signalr.net;AccessKey=<redacted sha256:${fingerprint(DEFAULT_KEY)}>;Version=1.0;ClientEndpoint=https://gw.example/;ServerEndpoint=https://srv.example:8443/`,
    );
    expect(String(c)).toBe(c.redacted());
    expect(inspect(c)).toContain(fingerprint(DEFAULT_KEY));
    expect(inspect(c, { showHidden: true, getters: true, depth: 5 })).not.toContain(DEFAULT_KEY);
    expect(Object.keys(c.auth)).not.toContain('accessKey');
  });

  it('never shows a client secret', () => {
    const c = parseSignalRConnectionString(`Endpoint=${HTTPS};AuthType=azure.app;ClientId=cid;TenantId=${TENANT};ClientSecret=${CLIENT_SECRET}`);
    recordShown(c);
    recordShown(c.auth);
    expect(c.redacted()).toBe(
      `Endpoint=${HTTPS};AuthType=azure.app;ClientId=cid;TenantId=${TENANT};ClientSecret=<redacted sha256:${fingerprint(CLIENT_SECRET)}>`,
    );
    expect(JSON.stringify(c)).toContain('"clientId":"cid"');
    expect(inspect(c.auth, { showHidden: true, getters: true })).not.toContain(CLIENT_SECRET);
  });

  it.each([
    ['a secret in Version', `Endpoint=${HTTPS};AccessKey=${KEY_B};Version=${DEFAULT_KEY}`],
    ['the key itself as Version', `Endpoint=${HTTPS};AccessKey=${DEFAULT_KEY};Version=${DEFAULT_KEY}`],
    ['a secret in Port', `Endpoint=${HTTPS};AccessKey=${KEY_B};Port=${DEFAULT_KEY}`],
    ['a secret as Endpoint', `Endpoint=${DEFAULT_KEY};AccessKey=${KEY_B}`],
    ['a secret as ClientEndpoint', `Endpoint=${HTTPS};AccessKey=${KEY_B};ClientEndpoint=${CLIENT_SECRET}`],
    ['a secret as ServerEndpoint', `Endpoint=${HTTPS};AccessKey=${KEY_B};ServerEndpoint=${CLIENT_SECRET}`],
    ['a duplicate AccessKey', `Endpoint=${HTTPS};AccessKey=${KEY_B};AccessKey=${DEFAULT_KEY}`],
    ['a missing tenant with a secret', `Endpoint=${HTTPS};AuthType=azure.app;ClientId=c;ClientSecret=${CLIENT_SECRET}`],
    ['a key without endpoint', `AccessKey=${DEFAULT_KEY};ClientSecret=${CLIENT_SECRET}`],
    ['a key alone', `AccessKey=${DEFAULT_KEY}`],
    ['a short version that is the key', `Endpoint=${HTTPS};AccessKey=abcdefgh;Version=abcdefgh`],
  ])('bad input never echoes a secret: %s', (_label, text) => {
    const err = parseError(text);
    expect(err.message).not.toContain(DEFAULT_KEY);
    expect(err.message).not.toContain(CLIENT_SECRET);
    expect(err.message).not.toContain(KEY_B);
    if (text.includes('abcdefgh')) expect(err.message).not.toContain('abcdefgh');
  });
});

describe('user info in URLs', () => {
  const USERINFO = `${URL_USER}:${URL_PASSWORD}@`;

  it('is accepted, as the SDK does, and dropped from every URL the connection holds', () => {
    const c = parseSignalRConnectionString(
      `Endpoint=https://${USERINFO}res.service.signalr.net:8443;AccessKey=${DEFAULT_KEY};Version=1.0;` +
        `ClientEndpoint=https://${USERINFO}gw.example/p;ServerEndpoint=http://${URL_USER}@srv.example`,
    );
    expect([c.endpoint, c.port, c.serviceUrl, c.audienceBaseUrl, c.clientEndpoint, c.serverEndpoint]).toEqual([
      'https://res.service.signalr.net:8443', 8443, 'https://res.service.signalr.net:8443/', 'https://res.service.signalr.net/',
      'https://gw.example/p', 'http://srv.example/',
    ]);
    const plain = parseSignalRConnectionString(`Endpoint=https://${USERINFO}res.service.signalr.net;AuthType=azure.msi`);
    expect([plain.effectiveClientEndpoint, plain.effectiveServerEndpoint]).toEqual(['https://res.service.signalr.net/', 'https://res.service.signalr.net/']);
    for (const x of [c, plain]) {
      recordShown(x);
      const shown = [x.redacted(), String(x), JSON.stringify(x), inspect(x, { showHidden: true, getters: true, depth: 5 }), x.effectiveClientEndpoint, x.effectiveServerEndpoint];
      for (const text of shown) for (const s of [URL_USER, URL_PASSWORD]) expect(text).not.toContain(s);
    }
  });

  it('keeps the Port override', () => {
    const c = parseSignalRConnectionString(`Endpoint=http://${USERINFO}aaa:500;AccessKey=${DEFAULT_KEY};Port=8080`);
    expect([c.endpoint, c.serviceUrl]).toEqual(['http://aaa:8080', 'http://aaa:8080/']);
  });

  it.each([
    ['an invalid Version that is the password', `Endpoint=https://${USERINFO}aaa;AccessKey=${DEFAULT_KEY};Version=${URL_PASSWORD}`],
    ['an invalid Version that is the user', `Endpoint=https://${USERINFO}aaa;AccessKey=${DEFAULT_KEY};Version=${URL_USER}`],
    ['an invalid Port', `Endpoint=https://${USERINFO}aaa;AccessKey=${DEFAULT_KEY};Port=0`],
    ['an invalid ClientEndpoint', `Endpoint=https://aaa;AccessKey=${DEFAULT_KEY};ClientEndpoint=ftp://${USERINFO}gw`],
    ['a missing tenant', `Endpoint=https://${USERINFO}aaa;AuthType=azure.app;ClientId=c;ClientSecret=${CLIENT_SECRET}`],
  ])('is never echoed in an error: %s', (_label, text) => {
    const err = parseError(text);
    for (const s of [URL_USER, URL_PASSWORD]) expect(err.message).not.toContain(s);
  });
});
