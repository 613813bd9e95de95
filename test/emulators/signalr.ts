/**
 * A local Azure SignalR Service emulator on loopback HTTPS that the library's token/REST helpers and
 * the real `@microsoft/signalr` client talk to (wire protocol: shared/reference/signalr-service-wire.md).
 *
 * ```ts
 * const sr = await startSignalREmulator({ allowAccessKeys: false });
 * const cs = sr.connectionString('azure.msi');          // Endpoint=https://127.0.0.1:<port>;AuthType=azure.msi;Version=1.0;
 * // app server: negotiate(endpoint, 'chat', { agent: sr.agent }) → client connects with hubConnectionOptions(sr.ca)
 * await sr.waitForConnections('chat', 1);
 * sr.sent;                                              // REST messages received, for assertions
 * await sr.stop();
 * ```
 * The real `@microsoft/signalr` client trusts `sr.ca` through `test/binders/signalr/client.ts`
 * (`connectHub(url, sr.ca, options)` / `hubConnectionOptions(sr.ca)`), never by turning TLS checks off.
 *
 * Served:
 * - `GET /api/v1/auth/accessKey` (and `/api/auth/accessKey`): the Entra key exchange. The bearer must be
 *   an Entra token for `https://signalr.azure.com/.default` (a token minted by `test/support/tokens.ts`,
 *   e.g. from the fake identity endpoint or `credential()`); answers `{ KeyId, AccessKey }` for the
 *   current key. `keys.rotate()` / `keys.revoke(kid)` change keys; `failAccessKey(mode, times)` makes
 *   the endpoint answer 401 / 403 / 404 / 500, or hold the request (`'slow'`) until the mode is cleared
 *   or the emulator stops. `times` defaults to every request until `failAccessKey(null)`.
 * - `POST /client/negotiate?hub=…` and the WebSocket `/client/?hub=…&id=…` (token in the
 *   `Authorization` header or the `access_token` query), speaking the JSON hub protocol.
 * - The data-plane REST API, `/api/hubs/{hub}/…?api-version=…` and the older `/api/v1/hubs/{hub}/…`,
 *   and the health probe `HEAD /api/health` (`/api/v1/health`), which needs no token.
 *
 * Tokens: HS256/HS512 JWTs signed with the UTF-8 bytes of a key. A `kid` names an Entra key issued
 * here (revoked keys are refused); a token without a known `kid` is checked against `accessKey`
 * unless `allowAccessKeys` is false (the .NET SDK puts a per-process hash in `kid` for local keys, so
 * an unknown `kid` cannot mean anything). REST calls also accept the Entra token itself, as the SDK
 * sends it. Audiences compare scheme, host name and path (hub case-insensitive); port and query are
 * ignored (the SDKs disagree on them, §3/§4). Every refusal is a 401 and counts in `rejectedTokens`.
 */
import https from 'node:https';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { testCertificates, trustingAgent, type TestCertificates } from '../support/tls.js';
import { audienceOf, isValidTestToken, mintToken, TEST_TENANT_ID } from '../support/tokens.js';

export const SIGNALR_ENTRA_SCOPE = 'https://signalr.azure.com/.default';
const RECORD_SEPARATOR = '\x1e';
/** Under the client's 30 s server timeout, as ASP.NET's 15 s keep-alive is. */
const PING_INTERVAL_MS = 10_000;

export interface SignalREmulatorOptions {
  /** Default: random. The key of `connectionString('key')`, checked on tokens without a known `kid`. */
  accessKey?: string;
  /** Default true; false = identity-only service (access-key tokens are refused with 401). */
  allowAccessKeys?: boolean;
  /** Default 0 (any free port); `bringUp()` reuses the port. */
  port?: number;
  certs?: TestCertificates;
  /** Decides whether an Entra bearer token is accepted. Default: a valid test token for `SIGNALR_ENTRA_SCOPE`. */
  acceptEntraToken?: (token: string) => boolean;
}

export interface EmulatedConnection {
  id: string;
  hub: string;
  userId?: string;
  /** Groups the connection is in, directly or through its user. */
  groups: ReadonlySet<string>;
}

export interface EmulatedKey {
  kid: string;
  key: string;
}

export type SentTarget = 'all' | 'user' | 'group' | 'connection';

export interface SignalRCounters {
  accessKey: number;
  negotiate: number;
  rest: number;
  health: number;
  rejectedTokens: number;
}

export interface SignalREmulator {
  /** `https://127.0.0.1:<port>` (no trailing slash). */
  readonly endpoint: string;
  readonly port: number;
  /** The CA certificate (PEM) to trust. */
  readonly ca: string;
  /** An agent trusting the CA; destroyed by `stop()`. */
  readonly agent: https.Agent;
  /** The access key of key-based connection strings. */
  readonly accessKey: string;
  connectionString(auth?: 'key' | 'azure' | 'azure.msi' | 'azure.app', extra?: Record<string, string>): string;
  readonly keys: { current(): EmulatedKey; rotate(): EmulatedKey; revoke(kid: string): void };
  failAccessKey(mode: 400 | 401 | 403 | 404 | 500 | 'slow' | 'emptyKeyId' | null, times?: number): void;
  readonly counters: SignalRCounters;
  /** A TokenCredential minting Entra test tokens the key endpoint accepts; `calls` counts getToken calls. */
  credential(): TokenCredential & { readonly calls: ReadonlyArray<{ scopes: string[] }> };
  connections(hub?: string): EmulatedConnection[];
  waitForConnections(hub: string, count: number, timeoutMs?: number): Promise<void>;
  /** Claims of the last token accepted on negotiate / WebSocket connect / REST, newest last (header included as `header`). */
  readonly acceptedTokens: ReadonlyArray<{ kind: 'negotiate' | 'connect' | 'rest'; header: Record<string, unknown>; claims: Record<string, unknown> }>;
  /** Messages the REST API was asked to send. `name` is the user id, group or connection id. */
  readonly sent: Array<{ hub: string; target: SentTarget; name?: string; body: unknown }>;
  /** Invocations clients sent (type 1 messages), for assertions. */
  readonly invocations: Array<{ hub: string; connectionId: string; target: string; arguments: unknown[] }>;
  userGroups(hub: string, userId: string): string[];
  /** Closes a connection from the service side with a Close message. */
  closeConnection(id: string, reason?: string): void;
  /** Closes the listener and drops every connection; requests then fail with ECONNREFUSED. */
  takeDown(): Promise<void>;
  /** Listens again on the same port. */
  bringUp(): Promise<void>;
  stop(): Promise<void>;
}

interface Conn {
  id: string;
  token: string;
  hub: string;
  userId?: string;
  groups: Set<string>;
  socket?: WebSocket;
  ping?: NodeJS.Timeout;
}

class HttpFailure extends Error {
  constructor(readonly status: number, message: string, readonly errorCode?: string) {
    super(message);
  }
}

const b64json = (part: string): Record<string, unknown> | undefined => {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

function newKey(): EmulatedKey {
  return { kid: `t-${randomBytes(8).toString('hex')}`, key: randomBytes(32).toString('base64') };
}

/** The case-insensitive property of a JSON object (the .NET SDK writes `Target`/`Arguments`). */
function prop(obj: Record<string, unknown>, name: string): unknown {
  const k = Object.keys(obj).find((x) => x.toLowerCase() === name);
  return k === undefined ? undefined : obj[k];
}

export async function startSignalREmulator(options: SignalREmulatorOptions = {}): Promise<SignalREmulator> {
  const certs = options.certs ?? (await testCertificates());
  const accessKey = options.accessKey ?? randomBytes(32).toString('base64');
  const allowAccessKeys = options.allowAccessKeys ?? true;
  const acceptEntra = options.acceptEntraToken ?? ((t: string) => isValidTestToken(t, SIGNALR_ENTRA_SCOPE));

  const entraKeys = new Map<string, { key: string; revoked: boolean }>();
  let current = newKey();
  entraKeys.set(current.kid, { key: current.key, revoked: false });

  let failure: { mode: 400 | 401 | 403 | 404 | 500 | 'slow' | 'emptyKeyId'; remaining: number } | undefined;
  const held = new Set<() => void>();
  const counters: SignalRCounters = { accessKey: 0, negotiate: 0, rest: 0, health: 0, rejectedTokens: 0 };
  const pending = new Map<string, Conn>(); // by connection token, between negotiate and connect
  const conns = new Map<string, Conn>(); // by connection id, once connected
  const userGroupMap = new Map<string, Map<string, number | undefined>>(); // `${hub}\0${user}` → group → expiry ms
  const sent: SignalREmulator['sent'] = [];
  const invocations: SignalREmulator['invocations'] = [];
  const acceptedTokens: Array<{ kind: 'negotiate' | 'connect' | 'rest'; header: Record<string, unknown>; claims: Record<string, unknown> }> = [];
  const events = new EventEmitter();

  // ---- tokens ------------------------------------------------------------------------------------

  function signingKeyFor(header: Record<string, unknown>): string | undefined {
    const kid = typeof header.kid === 'string' ? header.kid : undefined;
    const entra = kid === undefined ? undefined : entraKeys.get(kid);
    if (entra) return entra.revoked ? undefined : entra.key;
    return allowAccessKeys ? accessKey : undefined;
  }

  /** Verifies an access-key or Entra-key JWT: signature, expiry, audience (scheme, host name, path; `hub` query when asked). */
  function verifyJwt(token: string, expected: { host: string; path: string; hub?: string }): { header: Record<string, unknown>; claims: Record<string, unknown> } {
    const parts = token.split('.');
    const header = parts.length === 3 ? b64json(parts[0]!) : undefined;
    const claims = parts.length === 3 ? b64json(parts[1]!) : undefined;
    if (!header || !claims) throw new HttpFailure(401, 'The access token is not a JWT.');
    const alg = header.alg === 'HS256' ? 'sha256' : header.alg === 'HS512' ? 'sha512' : undefined;
    if (!alg) throw new HttpFailure(401, `Unsupported token algorithm ${String(header.alg)}.`);
    const key = signingKeyFor(header);
    if (key === undefined) throw new HttpFailure(401, 'The token is not signed with a key this service accepts.');
    const expectedSig = createHmac(alg, Buffer.from(key, 'utf8')).update(`${parts[0]}.${parts[1]}`).digest();
    const actualSig = Buffer.from(parts[2]!, 'base64url');
    if (actualSig.length !== expectedSig.length || !timingSafeEqual(actualSig, expectedSig)) {
      throw new HttpFailure(401, 'The token signature is invalid.');
    }
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= Date.now()) throw new HttpFailure(401, 'The token has expired or has no exp.');
    const auds = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    const ok = auds.some((a) => {
      if (typeof a !== 'string') return false;
      let u: URL;
      try {
        u = new URL(a);
      } catch {
        return false;
      }
      if (u.protocol !== 'https:' || u.hostname.toLowerCase() !== expected.host.toLowerCase()) return false;
      if (u.pathname.replace(/\/+$/, '').toLowerCase() !== expected.path.replace(/\/+$/, '').toLowerCase()) return false;
      return expected.hub === undefined || (u.searchParams.get('hub') ?? '').toLowerCase() === expected.hub;
    });
    if (!ok) throw new HttpFailure(401, 'The token audience does not match the request.');
    return { header, claims };
  }

  function bearerOf(req: http.IncomingMessage, url: URL, allowQuery: boolean): string | undefined {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) return auth.slice(7);
    return allowQuery ? (url.searchParams.get('access_token') ?? undefined) : undefined;
  }

  function userIdOf(claims: Record<string, unknown>): string | undefined {
    for (const name of ['asrs.s.uid', 'nameid', 'sub']) {
      const v = claims[name];
      if (typeof v === 'string' && v !== '') return v;
    }
    return undefined;
  }

  // ---- connections and groups --------------------------------------------------------------------

  function userGroupsOf(hub: string, userId: string): Map<string, number | undefined> {
    const k = `${hub}\0${userId}`;
    let m = userGroupMap.get(k);
    if (!m) userGroupMap.set(k, (m = new Map()));
    for (const [g, exp] of m) if (exp !== undefined && exp <= Date.now()) m.delete(g);
    return m;
  }

  function inGroup(c: Conn, group: string): boolean {
    return c.groups.has(group) || (c.userId !== undefined && userGroupsOf(c.hub, c.userId).has(group));
  }

  function snapshot(c: Conn): EmulatedConnection {
    const groups = new Set(c.groups);
    if (c.userId !== undefined) for (const g of userGroupsOf(c.hub, c.userId).keys()) groups.add(g);
    return { id: c.id, hub: c.hub, ...(c.userId !== undefined ? { userId: c.userId } : {}), groups };
  }

  function write(c: Conn, message: Record<string, unknown>): void {
    if (c.socket?.readyState === 1) c.socket.send(JSON.stringify(message) + RECORD_SEPARATOR);
  }

  function dropConnection(c: Conn): void {
    if (c.ping) clearInterval(c.ping);
    conns.delete(c.id);
    events.emit('change');
  }

  function closeConn(c: Conn, reason?: string): void {
    // As the Azure emulator does for a REST close: a Close message that allows a reconnect.
    write(c, { type: 7, ...(reason ? { error: reason } : {}), allowReconnect: true });
    c.socket?.close(1000);
    dropConnection(c);
  }

  function deliver(hub: string, target: SentTarget, name: string | undefined, body: unknown, excluded: string[] = []): void {
    sent.push({ hub, target, ...(name !== undefined ? { name } : {}), body });
    const b = body as Record<string, unknown>;
    const message = { type: 1, target: prop(b, 'target'), arguments: prop(b, 'arguments') ?? [] };
    for (const c of conns.values()) {
      if (c.hub !== hub || excluded.includes(c.id)) continue;
      const match =
        target === 'all' ||
        (target === 'user' && c.userId === name) ||
        (target === 'connection' && c.id === name) ||
        (target === 'group' && inGroup(c, name!));
      if (match) write(c, message);
    }
  }

  // ---- HTTP --------------------------------------------------------------------------------------

  const server = https.createServer({ cert: certs.certPem, key: certs.keyPem }, (req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        const f = err instanceof HttpFailure ? err : new HttpFailure(500, 'Internal emulator error.');
        if (f.status === 401) counters.rejectedTokens++;
        res.writeHead(f.status, {
          'content-type': 'application/json; charset=utf-8',
          ...(f.errorCode ? { 'x-ms-error-code': f.errorCode } : {}),
          ...corsHeaders(req),
        });
        res.end(req.method === 'HEAD' ? undefined : JSON.stringify({ code: f.errorCode ?? String(f.status), message: f.message }));
      } else res.destroy();
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => upgrade(req, socket, head));

  function corsHeaders(req: http.IncomingMessage): Record<string, string> {
    const origin = req.headers.origin;
    return origin ? { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true', vary: 'Origin' } : {};
  }

  async function readBody(req: http.IncomingMessage): Promise<string> {
    let body = '';
    req.setEncoding('utf8');
    for await (const chunk of req) body += chunk as string;
    return body;
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `https://${req.headers.host ?? '127.0.0.1'}`);
    const host = url.hostname;
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    const path = url.pathname;
    const lower = path.toLowerCase();
    const reply = (status: number, json?: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { ...(json !== undefined ? { 'content-type': 'application/json; charset=utf-8' } : {}), ...corsHeaders(req), ...headers });
      res.end(json === undefined || method === 'HEAD' ? undefined : JSON.stringify(json));
    };

    if (method === 'OPTIONS') {
      return reply(204, undefined, {
        'access-control-allow-methods': 'GET, POST, PUT, DELETE, HEAD, OPTIONS',
        'access-control-allow-headers': String(req.headers['access-control-request-headers'] ?? 'authorization, x-requested-with, x-signalr-user-agent, content-type'),
      });
    }
    if (lower === '/api/health' || lower === '/api/v1/health') {
      counters.health++;
      return reply(200);
    }
    if ((lower === '/api/v1/auth/accesskey' || lower === '/api/auth/accesskey') && method === 'GET') {
      counters.accessKey++;
      const token = bearerOf(req, url, false);
      if (!token || !acceptEntra(token)) throw new HttpFailure(401, 'The Microsoft Entra token is missing or invalid for https://signalr.azure.com.');
      if (failure) {
        const mode = failure.mode;
        if (--failure.remaining <= 0) failure = undefined;
        if (mode === 'slow') {
          await new Promise<void>((resolve) => held.add(resolve));
          if (!server.listening) return void res.destroy();
        } else if (mode === 'emptyKeyId') {
          // A 200 the SDK refuses: both fields must be non-empty.
          return reply(200, { KeyId: '', AccessKey: current.key });
        } else {
          const text =
            mode === 400
              ? 'Bad Request'
              : mode === 401
                ? 'The identity does not have the SignalR App Server role.'
                : mode === 403
                  ? 'Forbidden'
                  : mode === 404
                    ? 'Not Found'
                    : 'Internal Server Error';
          res.writeHead(mode, { 'content-type': 'text/plain; charset=utf-8' });
          return void res.end(text);
        }
      }
      return reply(200, { KeyId: current.kid, AccessKey: current.key });
    }
    if (lower === '/client/negotiate' && method === 'POST') {
      counters.negotiate++;
      const hub = (url.searchParams.get('hub') ?? '').toLowerCase();
      if (!hub) throw new HttpFailure(400, 'The hub query parameter is required.');
      const token = bearerOf(req, url, false);
      if (!token) throw new HttpFailure(401, 'The access token is missing.');
      const verified = verifyJwt(token, { host, path: '/client/', hub });
      acceptedTokens.push({ kind: 'negotiate', ...verified });
      const id = randomBytes(16).toString('base64url');
      const connectionToken = randomBytes(16).toString('base64url');
      const version = Number(url.searchParams.get('negotiateVersion') ?? '0');
      const userId = userIdOf(verified.claims);
      pending.set(version >= 1 ? connectionToken : id, { id, token: connectionToken, hub, ...(userId !== undefined ? { userId } : {}), groups: new Set() });
      return reply(200, {
        ...(version >= 1 ? { connectionToken, negotiateVersion: 1 } : { negotiateVersion: 0 }),
        connectionId: id,
        availableTransports: [{ transport: 'WebSockets', transferFormats: ['Text', 'Binary'] }],
      });
    }
    const rest = /^\/api\/(v1\/)?hubs\/([^/]+)(\/.*)?$/i.exec(path);
    if (rest) {
      counters.rest++;
      const v1 = rest[1] !== undefined;
      const token = bearerOf(req, url, false);
      if (!token) throw new HttpFailure(401, 'The access token is missing.');
      if (!acceptEntra(token)) acceptedTokens.push({ kind: 'rest', ...verifyJwt(token, { host, path }) });
      if (!v1 && !url.searchParams.get('api-version')) throw new HttpFailure(400, 'The api-version query parameter is required.');
      const app = url.searchParams.get('application');
      const hubName = decodeURIComponent(rest[2]!).toLowerCase();
      const hub = app ? `${app.toLowerCase()}_${hubName}` : hubName;
      const segments = (rest[3] ?? '').split('/').filter(Boolean).map((s) => decodeURIComponent(s));
      return restCall(v1, method, hub, segments, url, body, reply);
    }
    throw new HttpFailure(404, `No such resource: ${method} ${path}`);
  }

  function parsePayload(body: string): unknown {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new HttpFailure(400, 'The request body is not JSON.');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new HttpFailure(400, 'The request body must be an object.');
    const target = prop(parsed as Record<string, unknown>, 'target');
    if (typeof target !== 'string' || target === '') throw new HttpFailure(400, 'The payload needs a non-empty target.');
    const args = prop(parsed as Record<string, unknown>, 'arguments');
    if (args !== undefined && args !== null && !Array.isArray(args)) throw new HttpFailure(400, 'The payload arguments must be an array.');
    return parsed;
  }

  function restCall(
    v1: boolean,
    method: string,
    hub: string,
    s: string[],
    url: URL,
    body: string,
    reply: (status: number, json?: unknown, headers?: Record<string, string>) => void,
  ): void {
    const excluded = url.searchParams.getAll('excluded');
    const sendStatus = 202;
    const connExists = (id: string) => conns.get(id)?.hub === hub;
    const userExists = (u: string) => [...conns.values()].some((c) => c.hub === hub && c.userId === u);
    const groupExists = (g: string) => [...conns.values()].some((c) => c.hub === hub && inGroup(c, g));
    const exists = (ok: boolean, code: string): void =>
      ok ? reply(200) : reply(404, { code, message: code }, { 'x-ms-error-code': code });
    const isGetOrHead = method === 'GET' || method === 'HEAD';
    const ttlMs = (): number | undefined => {
      const ttl = url.searchParams.get('ttl');
      return ttl === null ? undefined : Date.now() + Number(ttl) * 1000;
    };
    const addUser = (u: string, g: string) => void userGroupsOf(hub, u).set(g, ttlMs());
    const [a, b, c, d] = s;
    const n = s.length;

    if (v1) {
      if (method === 'POST' && n === 0) return deliver(hub, 'all', undefined, parsePayload(body), excluded), reply(sendStatus);
      if (method === 'POST' && n === 2 && a === 'users') return deliver(hub, 'user', b, parsePayload(body)), reply(sendStatus);
      if (method === 'POST' && n === 2 && a === 'connections') return deliver(hub, 'connection', b, parsePayload(body)), reply(sendStatus);
      if (method === 'POST' && n === 2 && a === 'groups') return deliver(hub, 'group', b, parsePayload(body), excluded), reply(sendStatus);
      if (isGetOrHead && n === 2 && a === 'connections') return exists(connExists(b!), 'Warning.Connection.NotExisted');
      if (isGetOrHead && n === 2 && a === 'users') return exists(userExists(b!), 'Warning.User.NotExisted');
      if (isGetOrHead && n === 2 && a === 'groups') return exists(groupExists(b!), 'Warning.Group.NotExisted');
      if ((method === 'PUT' || method === 'DELETE') && n === 4 && a === 'groups' && c === 'connections') {
        const conn = conns.get(d!);
        if (!conn || conn.hub !== hub) return exists(false, 'Error.Connection.NotExisted');
        if (method === 'PUT') conn.groups.add(b!);
        else conn.groups.delete(b!);
        return reply(200);
      }
      if ((method === 'PUT' || method === 'DELETE') && n === 4 && a === 'groups' && c === 'users') {
        if (method === 'PUT') addUser(d!, b!);
        else userGroupsOf(hub, d!).delete(b!);
        return reply(202);
      }
      if (method === 'DELETE' && n === 3 && a === 'users' && c === 'groups') return userGroupsOf(hub, b!).clear(), reply(202);
      if (method === 'DELETE' && n === 2 && a === 'connections') {
        const conn = conns.get(b!);
        if (conn && conn.hub === hub) closeConn(conn, url.searchParams.get('reason') ?? undefined);
        return reply(202);
      }
      throw new HttpFailure(404, `No such REST operation: ${method} /api/v1/hubs/${hub}/${s.join('/')}`);
    }

    if (method === 'POST' && n === 1 && a === ':send') return deliver(hub, 'all', undefined, parsePayload(body), excluded), reply(sendStatus);
    if (method === 'POST' && n === 3 && c === ':send' && (a === 'users' || a === 'connections' || a === 'groups')) {
      const target: SentTarget = a === 'users' ? 'user' : a === 'groups' ? 'group' : 'connection';
      return deliver(hub, target, b, parsePayload(body), target === 'group' ? excluded : []), reply(sendStatus);
    }
    if (method === 'POST' && n === 1 && a === ':generateToken') {
      const now = Math.floor(Date.now() / 1000);
      const minutes = Number(url.searchParams.get('minutesToExpire') ?? '60');
      const userId = url.searchParams.get('userId');
      const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: current.kid })).toString('base64url');
      const payload = Buffer.from(
        JSON.stringify({ aud: `https://${url.hostname}/client/?hub=${hub}`, iat: now, nbf: now, exp: now + minutes * 60, ...(userId ? { 'asrs.s.uid': userId } : {}) }),
      ).toString('base64url');
      const sig = createHmac('sha256', Buffer.from(current.key, 'utf8')).update(`${header}.${payload}`).digest('base64url');
      return reply(200, { token: `${header}.${payload}.${sig}` });
    }
    if (n === 4 && a === 'groups' && c === 'connections' && (method === 'PUT' || method === 'DELETE')) {
      const conn = conns.get(d!);
      if (!conn || conn.hub !== hub) return exists(false, 'Error.Connection.NotExisted');
      if (method === 'PUT') conn.groups.add(b!);
      else conn.groups.delete(b!);
      return reply(200);
    }
    if (method === 'DELETE' && n === 3 && a === 'connections' && c === 'groups') {
      const conn = conns.get(b!);
      if (conn && conn.hub === hub) conn.groups.clear();
      return reply(200);
    }
    if (n === 4 && a === 'users' && c === 'groups') {
      if (method === 'PUT') return addUser(b!, d!), reply(200);
      if (method === 'DELETE') return userGroupsOf(hub, b!).delete(d!), reply(204);
      if (isGetOrHead) return exists(userGroupsOf(hub, b!).has(d!), 'Info.User.NotInGroup');
    }
    if (method === 'DELETE' && n === 3 && a === 'users' && c === 'groups') return userGroupsOf(hub, b!).clear(), reply(204);
    if (isGetOrHead && n === 2 && a === 'connections') return exists(connExists(b!), 'Warning.Connection.NotExisted');
    if (isGetOrHead && n === 2 && a === 'users') return exists(userExists(b!), 'Warning.User.NotExisted');
    if (isGetOrHead && n === 2 && a === 'groups') return exists(groupExists(b!), 'Warning.Group.NotExisted');
    if (method === 'DELETE' && n === 2 && a === 'connections') {
      const conn = conns.get(b!);
      if (!conn || conn.hub !== hub) return exists(false, 'Warning.Connection.NotExisted');
      closeConn(conn, url.searchParams.get('reason') ?? undefined);
      return reply(200);
    }
    if (method === 'POST' && s.at(-1) === ':closeConnections' && (n === 1 || (n === 3 && (a === 'groups' || a === 'users')))) {
      const reason = url.searchParams.get('reason') ?? undefined;
      for (const conn of [...conns.values()]) {
        if (conn.hub !== hub || excluded.includes(conn.id)) continue;
        if (n === 1 || (a === 'groups' && inGroup(conn, b!)) || (a === 'users' && conn.userId === b)) closeConn(conn, reason);
      }
      return reply(204);
    }
    throw new HttpFailure(404, `No such REST operation: ${method} /api/hubs/${hub}/${s.join('/')}`);
  }

  // ---- WebSocket ---------------------------------------------------------------------------------

  function upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const refuse = (status: number, text: string): void => {
      if (status === 401) counters.rejectedTokens++;
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const url = new URL(req.url ?? '/', `https://${req.headers.host ?? '127.0.0.1'}`);
    if (url.pathname.replace(/\/+$/, '').toLowerCase() !== '/client') return refuse(404, 'Not Found');
    const hub = (url.searchParams.get('hub') ?? '').toLowerCase();
    const entry = pending.get(url.searchParams.get('id') ?? '');
    if (!entry || entry.hub !== hub) return refuse(404, 'Not Found');
    const token = bearerOf(req, url, true);
    if (!token) return refuse(401, 'Unauthorized');
    let verified: ReturnType<typeof verifyJwt>;
    try {
      verified = verifyJwt(token, { host: url.hostname, path: '/client/', hub });
    } catch {
      return refuse(401, 'Unauthorized');
    }
    acceptedTokens.push({ kind: 'connect', ...verified });
    pending.delete(url.searchParams.get('id')!);
    wss.handleUpgrade(req, socket, head, (ws) => accept(entry, ws));
  }

  function accept(c: Conn, ws: WebSocket): void {
    c.socket = ws;
    let handshaken = false;
    let buffer = '';
    ws.on('message', (data: RawData) => {
      buffer += data.toString();
      let i: number;
      while ((i = buffer.indexOf(RECORD_SEPARATOR)) >= 0) {
        const record = buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
        let msg: Record<string, unknown>;
        try {
          msg = JSON.parse(record) as Record<string, unknown>;
        } catch {
          ws.close(1002, 'Invalid payload.');
          return;
        }
        if (!handshaken) {
          if (msg.protocol !== 'json') {
            ws.send(JSON.stringify({ error: `The protocol '${String(msg.protocol)}' is not supported.` }) + RECORD_SEPARATOR);
            ws.close(1000);
            return;
          }
          handshaken = true;
          ws.send('{}' + RECORD_SEPARATOR);
          conns.set(c.id, c);
          c.ping = setInterval(() => write(c, { type: 6 }), PING_INTERVAL_MS);
          c.ping.unref();
          events.emit('change');
          continue;
        }
        if (msg.type === 7) {
          ws.close(1000);
          return;
        }
        if (msg.type === 1 && typeof msg.target === 'string') {
          invocations.push({ hub: c.hub, connectionId: c.id, target: msg.target, arguments: Array.isArray(msg.arguments) ? msg.arguments : [] });
        }
      }
    });
    ws.on('close', () => dropConnection(c));
    ws.on('error', () => ws.terminate());
  }

  // ---- lifecycle ---------------------------------------------------------------------------------

  const listen = (port: number): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(options.port ?? 0);
  const port = (server.address() as AddressInfo).port;
  const endpoint = `https://127.0.0.1:${port}`;
  const agent = trustingAgent(certs.caPem);

  function releaseHeld(): void {
    for (const r of held) r();
    held.clear();
  }

  async function takeDown(): Promise<void> {
    for (const c of [...conns.values()]) {
      c.socket?.terminate();
      dropConnection(c);
    }
    pending.clear();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    releaseHeld();
    server.closeAllConnections();
    await closed;
  }

  return {
    endpoint,
    port,
    ca: certs.caPem,
    agent,
    accessKey,
    connectionString(auth = 'key', extra = {}) {
      const parts: Record<string, string> = { Endpoint: endpoint };
      if (auth === 'key') parts.AccessKey = accessKey;
      else parts.AuthType = auth;
      if (auth === 'azure.app') {
        parts.ClientId = extra.ClientId ?? randomUUID();
        parts.TenantId = extra.TenantId ?? TEST_TENANT_ID;
        if (extra.ClientCertPath === undefined && extra.ClientCert === undefined) parts.ClientSecret = extra.ClientSecret ?? 'emulator-client-secret';
      }
      Object.assign(parts, extra);
      parts.Version = '1.0';
      return Object.entries(parts)
        .map(([k, v]) => `${k}=${v};`)
        .join('');
    },
    keys: {
      current: () => ({ ...current }),
      rotate() {
        current = newKey();
        entraKeys.set(current.kid, { key: current.key, revoked: false });
        return { ...current };
      },
      revoke(kid: string) {
        const k = entraKeys.get(kid);
        if (k) k.revoked = true;
      },
    },
    failAccessKey(mode, times = Infinity) {
      failure = mode === null ? undefined : { mode, remaining: times };
      if (mode === null) releaseHeld();
    },
    counters,
    credential() {
      const calls: Array<{ scopes: string[] }> = [];
      return {
        calls,
        async getToken(scopes: string | string[]): Promise<AccessToken> {
          const list = Array.isArray(scopes) ? scopes : [scopes];
          calls.push({ scopes: list });
          const minted = mintToken({ oid: randomUUID(), aud: audienceOf(list[0]!), lifetimeSeconds: 3600 });
          return { token: minted.token, expiresOnTimestamp: minted.exp * 1000 };
        },
      };
    },
    connections: (hub) => [...conns.values()].filter((c) => hub === undefined || c.hub === hub.toLowerCase()).map(snapshot),
    waitForConnections(hub, count, timeoutMs = 10_000) {
      const h = hub.toLowerCase();
      const enough = () => [...conns.values()].filter((c) => c.hub === h).length >= count;
      if (enough()) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const onChange = () => {
          if (!enough()) return;
          clearTimeout(timer);
          events.off('change', onChange);
          resolve();
        };
        const timer = setTimeout(() => {
          events.off('change', onChange);
          reject(new Error(`Timed out waiting for ${count} connection(s) on hub '${hub}'.`));
        }, timeoutMs);
        events.on('change', onChange);
      });
    },
    acceptedTokens,
    sent,
    invocations,
    userGroups: (hub, userId) => [...userGroupsOf(hub.toLowerCase(), userId).keys()],
    closeConnection(id, reason) {
      const c = conns.get(id);
      if (c) closeConn(c, reason);
    },
    takeDown,
    async bringUp() {
      if (!server.listening) await listen(port);
    },
    async stop() {
      if (server.listening) await takeDown();
      releaseHeld();
      wss.close();
      agent.destroy();
    },
  };
}
