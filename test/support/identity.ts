/**
 * A fake App Service managed-identity endpoint (IDENTITY_ENDPOINT + IDENTITY_HEADER) on loopback
 * http, speaking the protocol msal-node's AppService source uses:
 * `GET <endpoint>?api-version=2019-08-01&resource=<res>[&client_id=<id>]` with `X-IDENTITY-HEADER`.
 *
 * msal-node caches the managed-identity source, endpoint URL and header included, in a static
 * field the first time any ManagedIdentityCredential asks for a token in a process. A second
 * server on another port would never be called. So every handle shares one server per process,
 * with one header; a handle only sees requests made while it is the newest open one, and the
 * server re-listens on the same port if all handles were closed and a new one is started.
 */
import http from 'node:http';
import { afterAll, beforeAll } from 'vitest';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { audienceOf, mintToken, type MintedToken } from './tokens.js';

export interface FakeIdentityEndpoint {
  readonly url: string;
  readonly header: string;
  readonly requests: ReadonlyArray<{ resource: string; clientId?: string }>;
  env(): { IDENTITY_ENDPOINT: string; IDENTITY_HEADER: string };
  /** Lifetime of tokens minted from now on. */
  lifetimeSeconds: number;
  /** The `oid` minted for the system identity (undefined) or a user-assigned client id. */
  oidFor(clientId?: string): string;
  /** Every token minted, newest last. */
  issued: ReadonlyArray<MintedToken>;
  /** Requests rejected (wrong or missing X-IDENTITY-HEADER, no resource). */
  readonly rejected: number;
  close(): Promise<void>;
}

interface Handle {
  requests: Array<{ resource: string; clientId?: string }>;
  issued: MintedToken[];
  lifetimeSeconds: number;
  oids: Map<string, string>;
  rejected: number;
}

const HEADER = randomBytes(16).toString('hex');
const PATH = '/msi/token';
let server: http.Server | undefined;
let lastPort = 0;
const open: Handle[] = [];

const SYSTEM = '\u0000system';

function oid(handle: Handle, clientId?: string): string {
  const k = clientId?.toLowerCase() ?? SYSTEM;
  let value = handle.oids.get(k);
  if (!value) handle.oids.set(k, (value = randomUUID()));
  return value;
}

function handleRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
  const handle = open[open.length - 1];
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const send = (status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (!handle || req.method !== 'GET' || url.pathname !== PATH) return send(404, { error: 'not_found' });
  const resource = url.searchParams.get('resource');
  if (req.headers['x-identity-header'] !== HEADER || !resource) {
    handle.rejected++;
    return send(400, { statusCode: 400, message: 'Missing or invalid X-IDENTITY-HEADER or resource' });
  }
  const clientId = url.searchParams.get('client_id') ?? undefined;
  handle.requests.push(clientId === undefined ? { resource } : { resource, clientId });
  const minted = mintToken({
    oid: oid(handle, clientId),
    aud: audienceOf(resource),
    appid: clientId,
    lifetimeSeconds: handle.lifetimeSeconds,
  });
  handle.issued.push(minted);
  send(200, {
    access_token: minted.token,
    expires_on: String(minted.exp),
    resource,
    token_type: 'Bearer',
    client_id: clientId ?? 'system-assigned',
  });
}

async function listen(): Promise<http.Server> {
  const s = http.createServer(handleRequest);
  const tryListen = (port: number): Promise<void> =>
    new Promise((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        s.off('error', reject);
        resolve();
      });
    });
  try {
    await tryListen(lastPort);
  } catch (err) {
    if (lastPort === 0) throw err;
    await tryListen(0);
  }
  lastPort = (s.address() as AddressInfo).port;
  return s;
}

export async function startFakeIdentityEndpoint(opts: { lifetimeSeconds?: number } = {}): Promise<FakeIdentityEndpoint> {
  server ??= await listen();
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${PATH}`;
  const h: Handle = { requests: [], issued: [], lifetimeSeconds: opts.lifetimeSeconds ?? 3600, oids: new Map(), rejected: 0 };
  open.push(h);
  let closed = false;
  return {
    url,
    header: HEADER,
    get requests() {
      return h.requests;
    },
    get issued() {
      return h.issued;
    },
    get rejected() {
      return h.rejected;
    },
    get lifetimeSeconds() {
      return h.lifetimeSeconds;
    },
    set lifetimeSeconds(v: number) {
      h.lifetimeSeconds = v;
    },
    env: () => ({ IDENTITY_ENDPOINT: url, IDENTITY_HEADER: HEADER }),
    oidFor: (clientId?: string) => oid(h, clientId),
    async close() {
      if (closed) return;
      closed = true;
      open.splice(open.indexOf(h), 1);
      if (open.length === 0 && server) {
        const s = server;
        server = undefined;
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    },
  };
}

/**
 * Sets process environment variables (msal-node reads the managed-identity variables from
 * `process.env` only) and returns a function that restores the previous values.
 */
export function setProcessEnv(vars: Readonly<Record<string, string | undefined>>): () => void {
  const saved = Object.entries(vars).map(([k]) => [k, process.env[k]] as const);
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  return () => {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

/**
 * For a test file: starts the fake identity endpoint before its tests, points the process
 * environment at it (msal-node reads only `process.env`), and restores both afterwards. Call at
 * the top level of the file; read `.endpoint` inside tests.
 */
export function useFakeIdentityEndpoint(opts: { lifetimeSeconds?: number } = {}): { readonly endpoint: FakeIdentityEndpoint } {
  let endpoint: FakeIdentityEndpoint | undefined;
  let restoreEnv: (() => void) | undefined;
  beforeAll(async () => {
    endpoint = await startFakeIdentityEndpoint(opts);
    restoreEnv = setProcessEnv(endpoint.env());
  });
  afterAll(async () => {
    restoreEnv?.();
    await endpoint?.close();
  });
  return {
    get endpoint() {
      if (!endpoint) throw new Error('useFakeIdentityEndpoint: read .endpoint inside a test, after beforeAll ran');
      return endpoint;
    },
  };
}
