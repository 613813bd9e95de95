import { afterAll, describe, expect, it } from 'vitest';
import { decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { ConfigurationBuilder } from '../../../src/builder.js';
import { getSignalREndpoints } from '../../../src/binders/signalr/endpoints.js';
import { parseSignalRConnectionString } from '../../../src/binders/signalr/connectionString.js';
import { createServiceEndpoint } from '../../../src/binders/signalr/endpoints.js';
import { SignalRAuthError } from '../../../src/binders/signalr/errors.js';
import { generateAccessToken, negotiate, restApi, REST_API_VERSION, USER_ID_CLAIM } from '../../../src/binders/signalr/tokens.js';
import { captureErrorAsync, DEFAULT_KEY, expectNothingLeaked, KEY_B, recordShown, URL_PASSWORD, URL_USER } from './leaks.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

async function verify(token: string, key: string, audience: string, algorithms = ['HS256']) {
  const { payload, protectedHeader } = await jwtVerify(token, utf8(key), { audience, algorithms, issuer: 'azure-signalr' });
  return { payload, protectedHeader };
}

afterAll(({}, file) => expectNothingLeaked([], file));

describe('generateAccessToken', () => {
  const endpoint = createServiceEndpoint(`Endpoint=https://res.service.signalr.net:8443;AccessKey=${DEFAULT_KEY};Version=1.0`);

  it('signs HS256 with the UTF-8 bytes of the key text, with the SDK claims', async () => {
    const before = Math.floor(Date.now() / 1000);
    const token = await generateAccessToken(endpoint, { hub: 'Chat', userId: 'user-1' });
    const after = Math.floor(Date.now() / 1000);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const { payload } = await verify(token, DEFAULT_KEY, 'https://res.service.signalr.net/client/?hub=chat');
    expect(payload.aud).toBe('https://res.service.signalr.net/client/?hub=chat');
    // the user id in nameid, as the SDK's GenerateClientAccessToken (ServiceManagerFacts); negotiate uses asrs.s.uid
    expect(payload.nameid).toBe('user-1');
    expect(payload[USER_ID_CLAIM]).toBeUndefined();
    expect(USER_ID_CLAIM).toBe('asrs.s.uid');
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(payload.iat).toBeLessThanOrEqual(after);
    expect(payload.nbf).toBe(payload.iat);
    expect(payload.exp! - payload.iat!).toBe(3600);
    expect(payload.iss).toBe('azure-signalr');
  });

  it('does not verify with another key or with the base64-decoded key', async () => {
    const token = await generateAccessToken(endpoint, { audience: 'https://res.service.signalr.net/x' });
    await expect(jwtVerify(token, utf8(KEY_B))).rejects.toBeInstanceOf(joseErrors.JWSSignatureVerificationFailed);
    await expect(jwtVerify(token, Buffer.from(DEFAULT_KEY, 'base64'))).rejects.toBeInstanceOf(joseErrors.JWSSignatureVerificationFailed);
    await expect(verify(token, DEFAULT_KEY, 'https://res.service.signalr.net/x')).resolves.toBeTruthy();
  });

  it('takes an exact audience, a lifetime, a clock and HS512', async () => {
    const token = await generateAccessToken(endpoint, { audience: 'https://aud.example/x', lifetime: 99, now: 1_700_000_000, algorithm: 'HS512' });
    expect(decodeProtectedHeader(token).alg).toBe('HS512');
    const { payload } = await jwtVerify(token, utf8(DEFAULT_KEY), { algorithms: ['HS512'], currentDate: new Date(1_700_000_050_000) });
    expect([payload.aud, payload.iat, payload.nbf, payload.exp]).toEqual(['https://aud.example/x', 1_700_000_000, 1_700_000_000, 1_700_000_099]);
    await expect(jwtVerify(token, utf8(DEFAULT_KEY), { currentDate: new Date(1_700_000_100_000) })).rejects.toBeInstanceOf(joseErrors.JWTExpired);
  });

  it('keeps custom claims, repeats arrays, and renames those clashing with system claims as the SDK', async () => {
    const token = await generateAccessToken(endpoint, {
      hub: 'h',
      userId: 'u',
      claims: { role: ['admin', 'reader'], aud: 'mine', exp: '1', nonce: 'n', sub: ['first', 'second'], team: 'blue' },
    });
    const { payload } = await verify(token, DEFAULT_KEY, 'https://res.service.signalr.net/client/?hub=h');
    expect(payload).toMatchObject({
      nameid: 'u',
      role: ['admin', 'reader'],
      'asrs.u.aud': 'mine',
      'asrs.u.exp': '1',
      'asrs.u.nonce': 'n',
      sub: 'first',
      'asrs.u.sub': 'second',
      team: 'blue',
    });
    expect(payload.aud).toBe('https://res.service.signalr.net/client/?hub=h');
  });

  // Entra endpoints sign with the exchanged key: test/binders/signalr/accessKey.test.ts and entra-e2e.test.ts.
  it('refuses a missing audience, a bad lifetime and tokens over 4K', async () => {
    expect((await captureErrorAsync(() => generateAccessToken(endpoint, {}))).message).toBe('generateAccessToken needs an audience or a hub.');
    expect(await captureErrorAsync(() => generateAccessToken(endpoint, { hub: 'h', lifetime: 0 }))).toBeInstanceOf(SignalRAuthError);
    const big = await captureErrorAsync(() => generateAccessToken(endpoint, { hub: 'h', claims: { blob: 'x'.repeat(4000) } }));
    expect(big.message).toBe('AccessToken must not be longer than 4K.');
  });
});

describe('negotiate', () => {
  it.each([
    // NegotiateProcessorFacts.GenerateClientEndpointTestWithClientEndpoint
    ['Endpoint=http://localhost;AccessKey={k};Version=1.0;ClientEndpoint=https://remote', 'signalrBench', 'https://remote/client/?hub=signalrbench', 'http://localhost/client/?hub=signalrbench'],
    ['Endpoint=https://aaa;AccessKey={k}', 'Chat', 'https://aaa/client/?hub=chat', 'https://aaa/client/?hub=chat'],
    ['Endpoint=https://aaa:500;AccessKey={k}', 'chat', 'https://aaa:500/client/?hub=chat', 'https://aaa/client/?hub=chat'],
    ['Endpoint=https://aaa:500;AccessKey={k};Port=8443', 'chat', 'https://aaa:8443/client/?hub=chat', 'https://aaa/client/?hub=chat'],
    ['Endpoint=https://aaa:500;AccessKey={k};Port=443', 'chat', 'https://aaa/client/?hub=chat', 'https://aaa/client/?hub=chat'],
    ['Endpoint=http://aaa:500;AccessKey={k};ClientEndpoint=https://gw.example:4443', 'chat', 'https://gw.example:4443/client/?hub=chat', 'http://aaa/client/?hub=chat'],
    ['Endpoint=https://aaa;AccessKey={k};ClientEndpoint=https://gw.example/signalr', 'chat', 'https://gw.example/signalr/client/?hub=chat', 'https://aaa/client/?hub=chat'],
    ['Endpoint=https://aaa;AccessKey={k};ServerEndpoint=https://srv.example', 'chat', 'https://aaa/client/?hub=chat', 'https://aaa/client/?hub=chat'],
  ])('%s, hub %s → %s (aud %s)', async (text, hub, url, aud) => {
    const response = await negotiate(parseSignalRConnectionString(text.replace('{k}', DEFAULT_KEY)), hub, { userId: 'UserA' });
    expect(response.url).toBe(url);
    const { payload } = await verify(response.accessToken, DEFAULT_KEY, aud);
    expect(payload['asrs.s.uid']).toBe('UserA');
    expect(Object.keys(response).sort()).toEqual(['accessToken', 'url']);
    recordShown(response);
  });

  it('prefixes the hub with the application name, lower-cased, and omits the user id claim without one', async () => {
    const response = await negotiate(parseSignalRConnectionString(`Endpoint=https://aaa;AccessKey=${DEFAULT_KEY}`), 'Chat', { applicationName: 'MyApp' });
    expect(response.url).toBe('https://aaa/client/?hub=myapp_chat');
    const { payload } = await verify(response.accessToken, DEFAULT_KEY, 'https://aaa/client/?hub=myapp_chat');
    expect(payload).not.toHaveProperty('asrs.s.uid');
  });
});

describe('restApi', () => {
  // RestApiProviderFacts: Endpoint=https://abc;AccessKey=fake_key;Version=1.0
  const endpoint = parseSignalRConnectionString(`Endpoint=https://abc;AccessKey=${DEFAULT_KEY};Version=1.0;`);

  it.each([
    ['app', 'hub', 'userA', 'groupA'],
    ['APP', 'HUB', 'USERA', 'GROUPA'],
    ['app/x', 'hub/x', 'user/a', 'group/a'],
  ])('app %s, hub %s: URLs and audiences as the Management SDK', async (app, hub, user, group) => {
    const api = await restApi(endpoint, hub, { applicationName: app });
    const hubPart = encodeURIComponent(hub.toLowerCase());
    const common = `https://abc/api/hubs/${hubPart}`;
    expect(api.baseUrl).toBe(common);
    expect(api.query).toBe(`application=${encodeURIComponent(app.toLowerCase())}&api-version=${REST_API_VERSION}`);
    await verify(api.accessToken, DEFAULT_KEY, common);
    for (const path of ['/:send', `/users/${encodeURIComponent(user)}/:send`, `/groups/${encodeURIComponent(group)}/:send`, `/users/${encodeURIComponent(user)}/groups/${encodeURIComponent(group)}`]) {
      const request = await api.request(path);
      expect(request.url).toBe(`${common}${path}?${api.query}`);
      // the audience is the request URL without its query (newest SDK and the service docs)
      const { payload } = await verify(request.accessToken, DEFAULT_KEY, `${common}${path}`);
      expect(payload.exp! - payload.iat!).toBe(3600);
    }
  });

  it('uses ServerEndpoint for URLs and the Endpoint host without port for audiences', async () => {
    const api = await restApi(
      parseSignalRConnectionString(`Endpoint=https://aaa:500;AccessKey=${DEFAULT_KEY};Port=8443;ServerEndpoint=https://srv.example:9443/base/;ClientEndpoint=https://gw`),
      'Chat',
    );
    expect(api.baseUrl).toBe('https://srv.example:9443/base/api/hubs/chat');
    expect(api.query).toBe('api-version=2022-06-01');
    await verify(api.accessToken, DEFAULT_KEY, 'https://aaa/api/hubs/chat');
    const r = await api.request(':send');
    expect(r.url).toBe('https://srv.example:9443/base/api/hubs/chat/:send?api-version=2022-06-01');
    await verify(r.accessToken, DEFAULT_KEY, 'https://aaa/api/hubs/chat/:send');
  });

  it('keeps the port of Endpoint (and the Port key) in URLs without ServerEndpoint', async () => {
    const api = await restApi(parseSignalRConnectionString(`Endpoint=http://localhost;AccessKey=${DEFAULT_KEY};Port=8080`), 'h');
    expect(api.baseUrl).toBe('http://localhost:8080/api/hubs/h');
    await verify(api.accessToken, DEFAULT_KEY, 'http://localhost/api/hubs/h');
    expect(inspect(api)).not.toContain(DEFAULT_KEY);
    recordShown(api);
  });

  it('escapes hub names as Uri.EscapeDataString', async () => {
    const api = await restApi(endpoint, "it's(a)*hub!");
    expect(api.baseUrl).toBe('https://abc/api/hubs/it%27s%28a%29%2Ahub%21');
  });
});

describe('a negotiate handler on node:http (the README example)', () => {
  it('answers POST /api/negotiate with { url, accessToken } for the primary endpoint', async () => {
    const config = await new ConfigurationBuilder()
      .addInMemory({
        'Azure:SignalR:ConnectionString:east': `Endpoint=https://east.service.signalr.net;AccessKey=${DEFAULT_KEY};ClientEndpoint=https://gw.example`,
        'Azure:SignalR:ConnectionString:west:secondary': `Endpoint=https://west.service.signalr.net;AccessKey=${KEY_B}`,
      })
      .build();
    const [endpoint] = getSignalREndpoints(config).filter((e) => e.type === 'primary');
    const server = http.createServer(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method === 'POST' && url.pathname === '/api/negotiate') {
        const userId = req.headers['x-user-id'];
        const body = await negotiate(endpoint!, 'chat', typeof userId === 'string' ? { userId } : {});
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      } else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const response = await fetch(`http://127.0.0.1:${port}/api/negotiate`, { method: 'POST', headers: { 'x-user-id': 'alice' } });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { url: string; accessToken: string };
      expect(body.url).toBe('https://gw.example/client/?hub=chat');
      const { payload } = await verify(body.accessToken, DEFAULT_KEY, 'https://east.service.signalr.net/client/?hub=chat');
      expect(payload['asrs.s.uid']).toBe('alice');
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('user info in the Endpoint URL', () => {
  it('reaches no negotiate URL, REST URL or token audience', async () => {
    const c = parseSignalRConnectionString(`Endpoint=https://${URL_USER}:${URL_PASSWORD}@res.service.signalr.net:8443;AccessKey=${DEFAULT_KEY}`);
    const n = await negotiate(c, 'Chat');
    expect(n.url).toBe('https://res.service.signalr.net:8443/client/?hub=chat');
    await verify(n.accessToken, DEFAULT_KEY, 'https://res.service.signalr.net/client/?hub=chat');
    const api = await restApi(c, 'Chat', { serverName: 's' });
    expect(api.baseUrl).toBe('https://res.service.signalr.net:8443/api/hubs/chat');
    const r = await api.request('/:send');
    await verify(r.accessToken, DEFAULT_KEY, 'https://res.service.signalr.net/api/hubs/chat/:send');
    const shown = [n.url, r.url, api.baseUrl, ...[n.accessToken, api.accessToken, r.accessToken].map((t) => Buffer.from(t.split('.')[1]!, 'base64url').toString())];
    recordShown(api);
    recordShown(n);
    for (const text of shown) for (const s of [URL_USER, URL_PASSWORD]) expect(text).not.toContain(s);
  });
});
