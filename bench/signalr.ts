/**
 * SignalR app-server benchmarks, each against a floor measured in the same run:
 *  (a) negotiations per second: `negotiate()` on one endpoint, `service.negotiate()` through the
 *      router, and the negotiate handler (called in-process with minimal request/response objects,
 *      so HTTP parsing does not hide its own cost), against signing the same token (same header,
 *      claims and audience) with bare `crypto.createHmac`;
 *  (b) `sendToAll` to two endpoints on the service emulator, messages per second with 16 in
 *      flight, against bare `https.request` POSTs of the same body with a pre-signed token.
 */
import { createHmac } from 'node:crypto';
import https from 'node:https';
import type http from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startSignalREmulator } from '../test/emulators/signalr.js';
import { trustingAgent } from '../test/support/tls.js';
import type { BenchTable } from './table.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const dist = pathToFileURL(path.join(repo, 'dist/index.js')).href;
const KEY = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Best of `rounds` runs of `count` sequential awaits, in operations per second. */
async function rate(fn: () => unknown, count: number, rounds = 5): Promise<number> {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < count; i++) await fn();
    best = Math.min(best, Number(process.hrtime.bigint() - start));
  }
  return (count / best) * 1e9;
}

/** `total` operations with `parallel` in flight, best of `rounds`, per second. */
async function throughput(fn: () => Promise<unknown>, total: number, parallel: number, rounds = 3): Promise<number> {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    let next = 0;
    const start = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (next++ < total) await fn();
      }),
    );
    best = Math.min(best, Number(process.hrtime.bigint() - start));
  }
  return (total / best) * 1e9;
}

const b64url = (v: object | Buffer) => (Buffer.isBuffer(v) ? v : Buffer.from(JSON.stringify(v))).toString('base64url');

/** The token `negotiate()` signs, by hand: the floor any JWT library sits on. */
function bareToken(aud: string, userId: string): string {
  const now = Math.floor(Date.now() / 1000);
  const head = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ 'asrs.s.uid': userId, nbf: now, exp: now + 3600, iat: now, iss: 'azure-signalr', aud })}`;
  return `${head}.${createHmac('sha256', Buffer.from(KEY, 'utf8')).update(head).digest('base64url')}`;
}

/** Just what the handler touches of node:http's request and response. */
function fakeExchange(): { req: http.IncomingMessage; res: http.ServerResponse; done: Promise<void> } {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const req = { method: 'POST', url: '/api/negotiate?negotiateVersion=1', headers: { authorization: 'Bearer app' }, resume() {} } as unknown as http.IncomingMessage;
  const res = { headersSent: false, writeHead() {}, end: () => finish() } as unknown as http.ServerResponse;
  return { req, res, done };
}

export async function benchSignalR(): Promise<BenchTable[]> {
  const api = (await import(dist)) as typeof import('../src/index.js');
  const cs = `Endpoint=https://bench.service.signalr.net;AccessKey=${KEY};Version=1.0`;
  const endpoint = api.createServiceEndpoint(cs);
  const service = api.createSignalRService([cs], { healthCheckIntervalMs: 0 });
  const handler = service.negotiateHandler('chat', { userId: () => 'user-1' });
  const aud = 'https://bench.service.signalr.net/client/?hub=chat';

  // Same token shape from every path, checked once before timing.
  const viaLib = (await api.negotiate(endpoint, 'chat', { userId: 'user-1' })).accessToken.split('.')[1]!;
  const viaBare = bareToken(aud, 'user-1').split('.')[1]!;
  const claims = (t: string) => Object.keys(JSON.parse(Buffer.from(t, 'base64url').toString()) as object).sort().join(',');
  if (claims(viaLib) !== claims(viaBare)) throw new Error('the bare token does not match the library token');

  const n = 2_000;
  await rate(() => api.negotiate(endpoint, 'chat', { userId: 'user-1' }), 200, 1); // warm-up
  const bare = await rate(() => bareToken(aud, 'user-1'), n);
  const direct = await rate(() => api.negotiate(endpoint, 'chat', { userId: 'user-1' }), n);
  const routed = await rate(() => service.negotiate('chat', { userId: 'user-1' }), n);
  const viaHandler = await rate(async () => {
    const x = fakeExchange();
    await handler(x.req, x.res);
    await x.done;
  }, n);
  await service.dispose();
  const negotiations: BenchTable = {
    title: 'SignalR negotiations per second (one token each)',
    goal: 'negotiate() and the handler within 1.5× of bare crypto.createHmac signing the same token',
    rows: [
      { path: 'bare crypto.createHmac (floor)', 'ops/s': Math.round(bare), 'slower than floor': '1.00×' },
      { path: 'negotiate(endpoint, hub)', 'ops/s': Math.round(direct), 'slower than floor': `${(bare / direct).toFixed(2)}×` },
      { path: 'service.negotiate(hub) (router)', 'ops/s': Math.round(routed), 'slower than floor': `${(bare / routed).toFixed(2)}×` },
      { path: 'negotiateHandler (in-process)', 'ops/s': Math.round(viaHandler), 'slower than floor': `${(bare / viaHandler).toFixed(2)}×` },
    ],
  };

  // (b) sendToAll to two emulated endpoints.
  const [east, west] = await Promise.all([startSignalREmulator(), startSignalREmulator()]);
  const agent = trustingAgent(east.ca, { keepAlive: true, maxSockets: 16 });
  const two = api.createSignalRService(
    [api.createServiceEndpoint(east.connectionString('key'), { name: 'east' }), api.createServiceEndpoint(west.connectionString('key'), { name: 'west', type: 'secondary' })],
    { agent, healthCheckIntervalMs: 0 },
  );
  const hub = two.hub('chat');
  const body = JSON.stringify({ target: 'newMessage', arguments: ['hello'] });
  const tokens = await Promise.all(
    [east, west].map(async (e) => {
      const rest = await api.restApi(api.createServiceEndpoint(e.connectionString('key')), 'chat');
      return rest.request('/:send');
    }),
  );
  const post = (url: string, token: string) =>
    new Promise<void>((resolve, reject) => {
      const req = https.request(url, { method: 'POST', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 202 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(body);
    });
  const total = 1_000;
  await throughput(() => hub.sendToAll('newMessage', 'hello'), 100, 16, 1); // warm-up
  const floor = await throughput(() => Promise.all(tokens.map((t) => post(t.url, t.accessToken))), total, 16);
  const ours = await throughput(() => hub.sendToAll('newMessage', 'hello'), total, 16);
  await two.dispose();
  agent.destroy();
  await Promise.all([east.stop(), west.stop()]);
  const sends: BenchTable = {
    title: 'sendToAll to two endpoints on the SignalR emulator (16 in flight)',
    rows: [
      { path: 'bare https.request, pre-signed token (floor)', 'messages/s': Math.round(floor), 'slower than floor': '1.00×' },
      { path: 'hub.sendToAll (fresh token per request, per endpoint)', 'messages/s': Math.round(ours), 'slower than floor': `${(floor / ours).toFixed(2)}×` },
    ],
  };
  return [negotiations, sends];
}
