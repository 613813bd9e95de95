/**
 * The negotiate endpoint of an app server, for `node:http` and as Express middleware. The real
 * `@microsoft/signalr` client posts `{hub URL}/negotiate?negotiateVersion=1` (plus any query the
 * app put in the hub URL) with an empty body; the answer is `{ url, accessToken }`, which sends the
 * client on to the service. In a browser on another origin the client sends a CORS preflight and
 * then the POST with credentials, so the handler answers the preflight and echoes an allowed
 * origin with `Access-Control-Allow-Credentials: true` (never `*`, which browsers refuse with
 * credentials). Errors are JSON `{ "error", "code" }` without stack or secret.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigurationError } from '../../core/errors.js';
import { SignalRNotConnectedError } from './serviceErrors.js';
import type { NegotiateResponse } from './tokens.js';

export interface NegotiateCorsOptions {
  /** Origins allowed to negotiate from a browser (`https://app.example`), or a test. No other origin gets CORS headers. */
  origins: readonly string[] | ((origin: string) => boolean);
  /** How long a browser may cache the preflight answer. Default 600 s. */
  maxAgeSeconds?: number;
}

export interface NegotiateHandlerOptions {
  /**
   * The user the connection belongs to, from a source the server has verified (a session cookie,
   * a validated bearer token) — never a header or query the client chose. Return `undefined` for
   * an anonymous connection; throw (or reject) to refuse the request with 401.
   */
  userId?: (req: IncomingMessage) => string | undefined | null | Promise<string | undefined | null>;
  /** Extra claims for the client token, from the request. */
  claims?: (req: IncomingMessage) => Readonly<Record<string, string | readonly string[]>> | undefined | Promise<Readonly<Record<string, string | readonly string[]>> | undefined>;
  cors?: NegotiateCorsOptions;
  /** The client token's lifetime. Default one hour. */
  lifetimeMs?: number;
  /** Hears every error answered with a 5xx, for the app's own logging (the client sees only a code). */
  onError?: (error: unknown, req: IncomingMessage) => void;
}

/** `(req, res)` for `node:http`; `(req, res, next)` as Express middleware (requests that are not a negotiation go to `next`). */
export type NegotiateHandler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => Promise<void>;

type Negotiate = (
  hub: string,
  options: { userId?: string; claims?: Readonly<Record<string, string | readonly string[]>>; lifetimeMs?: number; request?: IncomingMessage },
) => Promise<NegotiateResponse>;

/** The headers the browser client sends with negotiate (`FetchHttpClient`, `AccessTokenHttpClient`). */
const ALLOWED_HEADERS = 'Authorization, Content-Type, X-Requested-With, X-SignalR-User-Agent';

/** Express strips a mount path from `req.url` (`app.use('/chat/negotiate', h)` sees `/`); `originalUrl` keeps it. */
function isNegotiatePath(req: IncomingMessage): boolean {
  const url = (req as IncomingMessage & { originalUrl?: unknown }).originalUrl;
  const full = typeof url === 'string' ? url : (req.url ?? '/');
  const query = full.indexOf('?');
  let end = query < 0 ? full.length : query;
  while (end > 0 && full.charCodeAt(end - 1) === 47 /* '/' */) end--;
  const path = full.slice(0, end);
  return path === 'negotiate' || path.endsWith('/negotiate');
}

function originAllowed(origin: string | undefined, cors: NegotiateCorsOptions | undefined): origin is string {
  if (!cors || origin === undefined || origin === '' || origin === 'null') return false;
  if (typeof cors.origins === 'function') return cors.origins(origin) === true;
  const o = origin.toLowerCase();
  return cors.origins.some((allowed) => allowed.replace(/\/+$/, '').toLowerCase() === o);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  // Set on the object already made, rather than spread into a new one: this runs once per negotiation.
  headers['content-type'] = 'application/json; charset=utf-8';
  headers['content-length'] = String(Buffer.byteLength(text));
  // A token is in the answer: no cache may keep it.
  headers['cache-control'] = 'no-store';
  res.writeHead(status, headers);
  res.end(text);
}

export function createNegotiateHandler(negotiate: Negotiate, hub: string, options: NegotiateHandlerOptions = {}): NegotiateHandler {
  const maxAge = String(options.cors?.maxAgeSeconds ?? 600);
  return async (req, res, next) => {
    if (!isNegotiatePath(req)) {
      if (next) return next();
      return sendJson(res, 404, { error: 'Not found.', code: 'NOT_FOUND' });
    }
    // The negotiate POST has an empty body; drain whatever comes so the socket can be reused.
    req.resume();
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
    const cors: Record<string, string> = originAllowed(origin, options.cors)
      ? { 'access-control-allow-origin': origin!, 'access-control-allow-credentials': 'true', vary: 'Origin' }
      : options.cors
        ? { vary: 'Origin' }
        : {};

    if (req.method === 'OPTIONS') {
      if (origin !== undefined && cors['access-control-allow-origin'] === undefined) {
        return sendJson(res, 403, { error: 'This origin may not negotiate.', code: 'CORS_ORIGIN' }, cors);
      }
      res.writeHead(204, {
        ...cors,
        allow: 'POST, OPTIONS',
        ...(cors['access-control-allow-origin'] !== undefined
          ? { 'access-control-allow-methods': 'POST, OPTIONS', 'access-control-allow-headers': ALLOWED_HEADERS, 'access-control-max-age': maxAge }
          : {}),
      });
      return void res.end();
    }
    if (req.method !== 'POST') {
      return sendJson(res, 405, { error: 'Negotiate takes POST.', code: 'METHOD_NOT_ALLOWED' }, { ...cors, allow: 'POST, OPTIONS' });
    }

    let userId: string | undefined | null;
    try {
      // Awaited only when it is a promise: a negotiation is a hot path, and each await is a turn of the loop.
      const found = options.userId?.(req);
      userId = found instanceof Promise ? await found : found;
    } catch {
      return sendJson(res, 401, { error: 'Unauthorized.', code: 'UNAUTHORIZED' }, cors);
    }
    try {
      const claimed = options.claims?.(req);
      const claims = claimed instanceof Promise ? await claimed : claimed;
      const request: Parameters<Negotiate>[1] = { request: req };
      if (userId !== undefined && userId !== null) request.userId = userId;
      if (claims !== undefined) request.claims = claims;
      if (options.lifetimeMs !== undefined) request.lifetimeMs = options.lifetimeMs;
      const answer = await negotiate(hub, request);
      return sendJson(res, 200, { url: answer.url, accessToken: answer.accessToken }, cors);
    } catch (err) {
      options.onError?.(err, req);
      if (err instanceof SignalRNotConnectedError) {
        // The endpoints' addresses stay on the server; the client only learns to try again.
        return sendJson(res, 503, { error: 'Azure SignalR Service is not connected yet, please try again later.', code: err.code }, { ...cors, 'retry-after': '5' });
      }
      const code = err instanceof ConfigurationError ? err.code : 'INTERNAL';
      return sendJson(res, 500, { error: 'Negotiation failed.', code }, cors);
    }
  };
}
