/**
 * The negotiate handler on a plain `node:http` server and as Express-style middleware: the real
 * client's `POST …/negotiate?negotiateVersion=1`, the browser's CORS preflight and credentialed
 * POST, 401 when the app's user check refuses, and JSON errors without stack or secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwtVerify } from 'jose';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServiceEndpoint } from '../../../src/binders/signalr/endpoints.js';
import { createSignalRService, type SignalRService } from '../../../src/binders/signalr/service.js';
import type { NegotiateHandler } from '../../../src/binders/signalr/negotiateHandler.js';
import { DEFAULT_KEY, expectNothingLeaked, KEY_B, recordShown } from './leaks.js';

const utf8 = (s: string) => new TextEncoder().encode(s);
const APP_ORIGIN = 'https://app.example';

afterAll(({}, file) => expectNothingLeaked([], file));

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

async function serve(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function request(url: string, method: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Who the request is from, as an app would learn it from a verified session: here, a server-side map of cookies. */
const sessions = new Map([['session=s-alice', 'alice']]);
const verifiedUser = (req: http.IncomingMessage): string | undefined => {
  const cookie = req.headers.cookie;
  if (cookie === undefined) return undefined;
  const user = sessions.get(cookie);
  if (!user) throw new Error('unknown session');
  return user;
};

describe('negotiateHandler', () => {
  let service: SignalRService;
  let app: { url: string; close: () => Promise<void> };
  let handler: NegotiateHandler;
  const errors: unknown[] = [];
  beforeAll(async () => {
    service = createSignalRService([`Endpoint=https://east.service.signalr.net;AccessKey=${DEFAULT_KEY};Version=1.0`], { healthCheckIntervalMs: 0 });
    handler = service.negotiateHandler('Chat', { userId: verifiedUser, cors: { origins: [APP_ORIGIN] }, onError: (e) => errors.push(e) });
    app = await serve((req, res) => void handler(req, res));
  });
  afterAll(async () => {
    await app.close();
    await service.dispose();
  });

  it('answers the real client\'s POST /api/negotiate?negotiateVersion=1 (and any other query) with { url, accessToken }', async () => {
    for (const path of ['/api/negotiate?negotiateVersion=1', '/chat/negotiate?negotiateVersion=1&room=7', '/negotiate', '/api/negotiate/']) {
      const res = await request(`${app.url}${path}`, 'POST', { cookie: 'session=s-alice', 'x-requested-with': 'XMLHttpRequest' });
      expect(res.status, path).toBe(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-store');
      const body = JSON.parse(res.body) as { url: string; accessToken: string };
      expect(Object.keys(body)).toEqual(['url', 'accessToken']);
      expect(body.url).toBe('https://east.service.signalr.net/client/?hub=chat');
      const { payload } = await jwtVerify(body.accessToken, utf8(DEFAULT_KEY), { audience: 'https://east.service.signalr.net/client/?hub=chat' });
      expect(payload['asrs.s.uid']).toBe('alice');
    }
  });

  it('negotiates an anonymous connection when the user check returns undefined', async () => {
    const res = await request(`${app.url}/api/negotiate?negotiateVersion=1`, 'POST');
    expect(res.status).toBe(200);
    const { payload } = await jwtVerify((JSON.parse(res.body) as { accessToken: string }).accessToken, utf8(DEFAULT_KEY));
    expect(payload['asrs.s.uid']).toBeUndefined();
  });

  it('answers 401 with a JSON error when the user check throws, and never uses a client header as the user', async () => {
    const res = await request(`${app.url}/api/negotiate?negotiateVersion=1`, 'POST', { cookie: 'session=forged', 'x-user-id': 'admin' });
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toEqual({ error: 'Unauthorized.', code: 'UNAUTHORIZED' });
  });

  it('answers the CORS preflight of a configured origin, echoing it with credentials and the headers the browser client sends', async () => {
    const res = await request(`${app.url}/api/negotiate?negotiateVersion=1`, 'OPTIONS', {
      origin: APP_ORIGIN,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'x-requested-with,x-signalr-user-agent',
    });
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['access-control-allow-methods']).toContain('POST');
    const allowed = res.headers['access-control-allow-headers']!.toLowerCase();
    for (const h of ['authorization', 'x-requested-with', 'x-signalr-user-agent']) expect(allowed).toContain(h);
    expect(res.headers.vary).toBe('Origin');

    const post = await request(`${app.url}/api/negotiate?negotiateVersion=1`, 'POST', { origin: APP_ORIGIN, cookie: 'session=s-alice' });
    expect(post.status).toBe(200);
    expect(post.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
    expect(post.headers['access-control-allow-credentials']).toBe('true');
  });

  it('gives other origins no CORS headers (the browser then blocks them)', async () => {
    const pre = await request(`${app.url}/api/negotiate`, 'OPTIONS', { origin: 'https://evil.example', 'access-control-request-method': 'POST' });
    expect(pre.status).toBe(403);
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
    const post = await request(`${app.url}/api/negotiate`, 'POST', { origin: 'https://evil.example' });
    expect(post.headers['access-control-allow-origin']).toBeUndefined();
    expect(post.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('answers 405 to other methods and 404 to other paths on a bare node:http server', async () => {
    const get = await request(`${app.url}/api/negotiate`, 'GET');
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST, OPTIONS');
    const other = await request(`${app.url}/api/other`, 'POST');
    expect(other.status).toBe(404);
    expect(JSON.parse(other.body).code).toBe('NOT_FOUND');
  });

  it('works as Express middleware: other requests go to next()', async () => {
    const calls: string[] = [];
    const mw = await serve((req, res) => {
      void handler(req, res, () => {
        calls.push(req.url ?? '');
        res.writeHead(299).end();
      });
    });
    expect((await request(`${mw.url}/api/negotiate?negotiateVersion=1`, 'POST')).status).toBe(200);
    expect((await request(`${mw.url}/index.html`, 'GET')).status).toBe(299);
    expect(calls).toEqual(['/index.html']);
    await mw.close();
    // Mounted at the negotiate path itself, Express leaves '/' in req.url and the full path in originalUrl.
    const mounted = await serve((req, res) => {
      const original = req.url ?? '/';
      Object.assign(req, { originalUrl: original, url: original.replace(/^\/chat\/negotiate/, '') || '/' });
      void handler(req, res, () => res.writeHead(299).end());
    });
    expect((await request(`${mounted.url}/chat/negotiate?negotiateVersion=1`, 'POST')).status).toBe(200);
    expect((await request(`${mounted.url}/chat/other`, 'POST')).status).toBe(299);
    await mounted.close();
  });

  it('turns every failure into a JSON error without stack or secret', async () => {
    const key = `Endpoint=https://x.service.signalr.net;AccessKey=${KEY_B};Version=1.0`;
    const a = createServiceEndpoint(key, { name: 'a' });
    const b = createServiceEndpoint(key.replace('//x', '//y'), { name: 'b', type: 'secondary' });
    const down = createSignalRService([a, b], { healthCheckIntervalMs: 0, router: { negotiate: () => { throw new Error(`boom ${KEY_B}`); } } });
    const seen: unknown[] = [];
    const numeric = createSignalRService([key], { healthCheckIntervalMs: 0 });
    const h1 = down.negotiateHandler('chat', { onError: (e) => seen.push(e) });
    const h2 = numeric.negotiateHandler('chat', { userId: () => 42 as unknown as string });
    const srv = await serve((req, res) => void (req.url!.startsWith('/one') ? h1 : h2)(req, res));
    const r1 = await request(`${srv.url}/one/negotiate`, 'POST');
    expect(r1.status).toBe(500);
    expect(JSON.parse(r1.body)).toEqual({ error: 'Negotiation failed.', code: 'INTERNAL' });
    expect(seen).toHaveLength(1);
    const r2 = await request(`${srv.url}/two/negotiate`, 'POST');
    expect(r2.status).toBe(500);
    expect(JSON.parse(r2.body)).toEqual({ error: 'Negotiation failed.', code: 'SIGNALR_INVALID_ARGUMENT' });
    for (const r of [r1, r2]) {
      expect(r.body).not.toContain(KEY_B);
      expect(r.body).not.toMatch(/at .*\.(ts|js):\d+/);
    }
    recordShown(r1.body);
    recordShown(r2.body);
    await srv.close();
    await Promise.all([down.dispose(), numeric.dispose()]);
  });

  it('answers 503 with Retry-After when no endpoint is online, without naming the endpoints', async () => {
    const a = createServiceEndpoint(`Endpoint=https://127.0.0.1:1;AccessKey=${DEFAULT_KEY}`, { name: 'a' });
    const b = createServiceEndpoint(`Endpoint=https://localhost:1;AccessKey=${DEFAULT_KEY}`, { name: 'b' });
    const s = createSignalRService([a, b], { healthCheckIntervalMs: 0, healthCheckRetryIntervalMs: 1 });
    await s.checkHealth();
    const srv = await serve((req, res) => void s.negotiateHandler('chat')(req, res));
    const res = await request(`${srv.url}/negotiate`, 'POST');
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(JSON.parse(res.body)).toEqual({ error: 'Azure SignalR Service is not connected yet, please try again later.', code: 'SIGNALR_NOT_CONNECTED' });
    await srv.close();
    await s.dispose();
    expect(errors).toHaveLength(0);
  });
});
