/**
 * A local Azure App Configuration data plane on loopback HTTPS that the unmodified
 * `@azure/app-configuration` client (and `@azure/app-configuration-provider` on top of it) talk to.
 * It follows the wire protocol in `shared/reference/azure-wire.md` B2, traps included: `after` is
 * never the first query parameter of a `@nextLink`, the page etag is in the body as well as in
 * `ETag`, `Link` is sent on 200 and 304 alike, and every response carries a well-formed Sync-Token.
 *
 * Tests change its data with one call (`set`, `remove`, `replaceAll`) and read request counters
 * from `stats` to assert what a client sent.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { testCertificates, trustingAgent } from '../support/tls.js';
import { isValidTestToken, mintToken } from '../support/tokens.js';

export const KEY_VAULT_REF_CONTENT_TYPE = 'application/vnd.microsoft.appconfig.keyvaultref+json;charset=utf-8';
export const FEATURE_FLAG_CONTENT_TYPE = 'application/vnd.microsoft.appconfig.ff+json;charset=utf-8';
export const FEATURE_FLAG_PREFIX = '.appconfig.featureflag/';
const APPCONFIG_AUDIENCE = 'https://appconfig.azure.com';
const EMPTY_SHA256 = createHash('sha256').update('').digest('base64');

export interface EmulatorSetting {
  key: string;
  label?: string | null;
  value?: string | null;
  contentType?: string | null;
  tags?: Record<string, string>;
}

interface StoredSetting {
  key: string;
  label: string | null;
  value: string | null;
  content_type: string | null;
  tags: Record<string, string>;
  etag: string;
  last_modified: string;
  locked: false;
}

interface Snapshot {
  name: string;
  compositionType: 'key' | 'key_label';
  filters: Array<{ key: string; label?: string | null }>;
  items: StoredSetting[];
  etag: string;
  created: string;
}

/** One injected fault, consumed by the next request that matches `route` (default: any). */
export interface Fault {
  /** 429 or 503 answer; `drop` closes the socket without an answer. */
  status?: 429 | 503;
  /** `Retry-After` in seconds; absent = a bare 429/503 the SDK does not retry itself. */
  retryAfterSeconds?: number;
  /** `retry-after-ms`, as the real service sends. */
  retryAfterMs?: number;
  drop?: boolean;
  route?: Route;
}

export type Route = 'list' | 'get' | 'head' | 'snapshot' | 'other';

export interface RequestRecord {
  method: string;
  route: Route;
  url: string;
  status: number;
  ifNoneMatch?: string;
  auth: 'hmac' | 'bearer' | 'none';
}

export interface EmulatorStats {
  total: number;
  list: number;
  listNotModified: number;
  get: number;
  getNotModified: number;
  head: number;
  snapshot: number;
  unauthorized: number;
  faults: number;
}

export interface AppConfigurationEmulator {
  /** `https://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** `Endpoint=…;Id=…;Secret=…` for HMAC. */
  readonly connectionString: string;
  /** The same store and id with another secret: every request must fail with 401. */
  readonly wrongConnectionString: string;
  /** A bearer credential whose tokens the emulator accepts (audience `https://appconfig.azure.com`). */
  readonly credential: TokenCredential;
  /** Client options trusting the test CA: pass as `clientOptions`. */
  readonly clientOptions: { agent: https.Agent };
  readonly caPem: string;
  /** Items per page (the service uses 100). */
  pageSize: number;
  /** Delay before each answer, in ms. */
  latencyMs: number;
  readonly faults: Fault[];
  readonly stats: EmulatorStats;
  readonly requests: RequestRecord[];
  /** Called as each request arrives, before latency and faults (tests correlate with other servers). */
  onRequest: ((record: RequestRecord) => void) | undefined;
  /** Adds or replaces settings (by key and label), each with a new etag. */
  set(settings: EmulatorSetting | EmulatorSetting[]): void;
  remove(key: string, label?: string | null): void;
  /** Replaces the whole store. */
  replaceAll(settings: EmulatorSetting[]): void;
  /** Freezes the settings the filters select now, as the service does when a snapshot is created. */
  createSnapshot(name: string, filters: Array<{ key: string; label?: string | null }>, compositionType?: 'key' | 'key_label'): void;
  resetStats(): void;
  close(): Promise<void>;
}

// ---- filters ------------------------------------------------------------------------------------

interface Matcher {
  exact?: string;
  prefix?: string;
  any?: boolean;
}

/** Splits a filter on unescaped commas and reads `\` escapes; a trailing unescaped `*` is a prefix. */
export function parseFilter(filter: string): Matcher[] | { error: string } {
  const out: Matcher[] = [];
  let current = '';
  let wildcard = false;
  const finish = (): void => {
    if (wildcard) out.push(current === '' ? { any: true } : { prefix: current });
    else out.push({ exact: current });
    current = '';
    wildcard = false;
  };
  for (let i = 0; i < filter.length; i++) {
    const c = filter[i]!;
    if (wildcard && c !== ',') return { error: 'A wildcard may only end a filter.' };
    if (c === '\\') {
      const next = filter[i + 1];
      if (next === undefined) return { error: 'A filter cannot end with an escape character.' };
      current += next;
      i++;
    } else if (c === ',') finish();
    else if (c === '*') wildcard = true;
    else current += c;
  }
  finish();
  if (out.length > 5 && out.some((m) => m.exact !== undefined)) return { error: 'At most 5 names may be listed.' };
  return out;
}

function matches(value: string, matchers: Matcher[]): boolean {
  return matchers.some((m) => m.any || (m.prefix !== undefined ? value.startsWith(m.prefix) : value === m.exact));
}

function labelMatches(label: string | null, matchers: Matcher[] | undefined): boolean {
  // An omitted label filter means any label on the list route.
  if (!matchers) return true;
  return matchers.some((m) => {
    if (m.any) return true;
    if (m.exact === '\0') return label === null;
    if (label === null) return false;
    return m.prefix !== undefined ? label.startsWith(m.prefix) : label === m.exact;
  });
}

// ---- the server --------------------------------------------------------------------------------

function compareSettings(a: StoredSetting, b: StoredSetting): number {
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  const la = a.label ?? '';
  const lb = b.label ?? '';
  return la < lb ? -1 : la > lb ? 1 : 0;
}

const id = (key: string, label: string | null): string => `${key}\n${label ?? '\0'}`;

function rawQuery(url: string): Array<[string, string]> {
  const q = url.indexOf('?');
  if (q < 0) return [];
  return url
    .slice(q + 1)
    .split('&')
    .filter(Boolean)
    .map((part) => {
      const eq = part.indexOf('=');
      const name = eq < 0 ? part : part.slice(0, eq);
      const value = eq < 0 ? '' : part.slice(eq + 1);
      return [safeDecode(name).toLowerCase(), safeDecode(value)];
    });
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function problem(res: ServerResponse, status: number, type: string, title: string, detail: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/problem+json; charset=utf-8', ...headers });
  res.end(JSON.stringify({ type: `https://azconfig.io/errors/${type}`, title, detail, status }));
}

export async function startAppConfigurationEmulator(options: { pageSize?: number; latencyMs?: number } = {}): Promise<AppConfigurationEmulator> {
  const { caPem, certPem, keyPem } = await testCertificates();
  const store = new Map<string, StoredSetting>();
  const snapshots = new Map<string, Snapshot>();
  const credentialId = `emu-${randomBytes(3).toString('hex')}`;
  const secret = randomBytes(32).toString('base64');
  const wrongSecret = randomBytes(32).toString('base64');
  const syncTokenId = `emu${randomBytes(2).toString('hex')}`;
  let sequence = 1;
  let etagCounter = 0;
  let sorted: StoredSetting[] | undefined;
  const filterCache = { version: 0, results: new Map<string, StoredSetting[]>() };

  const stats: EmulatorStats = { total: 0, list: 0, listNotModified: 0, get: 0, getNotModified: 0, head: 0, snapshot: 0, unauthorized: 0, faults: 0 };
  const requests: RequestRecord[] = [];
  const faults: Fault[] = [];
  const sockets = new Set<import('node:stream').Duplex>();

  const stored = (s: EmulatorSetting): StoredSetting => ({
    key: s.key,
    label: s.label === undefined || s.label === '' ? null : s.label,
    value: s.value ?? null,
    content_type: s.contentType ?? null,
    tags: s.tags ?? {},
    etag: `etag-${++etagCounter}-${randomBytes(4).toString('hex')}`,
    last_modified: new Date().toISOString(),
    locked: false,
  });
  const changed = (): void => {
    sorted = undefined;
    sequence++;
  };
  const all = (): StoredSetting[] => (sorted ??= [...store.values()].sort(compareSettings));

  function authenticate(req: IncomingMessage): 'hmac' | 'bearer' | undefined {
    const auth = req.headers.authorization ?? '';
    if (auth.startsWith('Bearer ')) return isValidTestToken(auth.slice(7), APPCONFIG_AUDIENCE) ? 'bearer' : undefined;
    if (!auth.startsWith('HMAC-SHA256 ')) return undefined;
    const fields = new Map(
      auth
        .slice('HMAC-SHA256 '.length)
        .split('&')
        .map((p) => {
          const eq = p.indexOf('=');
          return [p.slice(0, eq).trim(), p.slice(eq + 1).trim()] as [string, string];
        }),
    );
    if (fields.get('Credential') !== credentialId) return undefined;
    if (fields.get('SignedHeaders') !== 'x-ms-date;host;x-ms-content-sha256') return undefined;
    const date = String(req.headers['x-ms-date'] ?? '');
    const parsed = Date.parse(date);
    if (!Number.isFinite(parsed) || Math.abs(Date.now() - parsed) > 15 * 60_000) return undefined;
    const contentHash = String(req.headers['x-ms-content-sha256'] ?? '');
    if (contentHash !== EMPTY_SHA256) return undefined;
    // Recomputed from the request line and Host header exactly as received (host includes the port).
    const toSign = `${req.method}\n${req.url}\n${date};${req.headers.host};${contentHash}`;
    const expected = createHmac('sha256', Buffer.from(secret, 'base64')).update(toSign).digest();
    const given = Buffer.from(fields.get('Signature') ?? '', 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected) ? 'hmac' : undefined;
  }

  function routeOf(method: string, pathname: string): Route {
    if (pathname === '/kv') return method === 'HEAD' ? 'head' : 'list';
    if (pathname.startsWith('/kv/')) return 'get';
    if (pathname.startsWith('/snapshots/')) return 'snapshot';
    return 'other';
  }

  function commonHeaders(): Record<string, string> {
    return { 'sync-token': `${syncTokenId}=${Buffer.from(`v${sequence}`).toString('base64')};sn=${sequence}` };
  }

  function serialize(s: StoredSetting): Record<string, unknown> {
    return { etag: s.etag, key: s.key, label: s.label, content_type: s.content_type, value: s.value, tags: s.tags, locked: s.locked, last_modified: s.last_modified };
  }

  function handleList(req: IncomingMessage, res: ServerResponse, record: RequestRecord): void {
    const params = rawQuery(req.url ?? '');
    const get = (name: string): string | undefined => params.find(([n]) => n === name)?.[1];
    const keyFilter = get('key');
    const labelFilter = get('label');
    const snapshotName = get('snapshot');
    const tagFilters = params.filter(([n]) => n === 'tags').map(([, v]) => v);
    const after = get('after');

    let source: StoredSetting[];
    if (snapshotName !== undefined) {
      const snapshot = snapshots.get(snapshotName);
      if (!snapshot) return problem(res, 404, 'not-found', 'Snapshot not found', `Snapshot '${snapshotName}' does not exist.`);
      source = snapshot.items;
    } else {
      const keys = keyFilter === undefined ? [{ any: true }] : parseFilter(keyFilter);
      if ('error' in keys) return problem(res, 400, 'invalid-argument', "Invalid request parameter 'key'", keys.error);
      let labels: Matcher[] | undefined;
      if (labelFilter !== undefined) {
        const parsed = parseFilter(labelFilter);
        if ('error' in parsed) return problem(res, 400, 'invalid-argument', "Invalid request parameter 'label'", parsed.error);
        labels = parsed;
      }
      const tags = tagFilters.map((t) => {
        const eq = t.indexOf('=');
        return [t.slice(0, eq), t.slice(eq + 1)] as const;
      });
      // Paging a large store asks the same filter a hundred times: compute it once per data version.
      const cacheKey = `${keyFilter ?? ''}\n${labelFilter ?? ''}\n${tagFilters.join('\n')}`;
      if (filterCache.version !== sequence) {
        filterCache.version = sequence;
        filterCache.results.clear();
      }
      let hit = filterCache.results.get(cacheKey);
      if (!hit) {
        hit = all().filter((s) => matches(s.key, keys) && labelMatches(s.label, labels) && tags.every(([n, v]) => s.tags[n] === v));
        filterCache.results.set(cacheKey, hit);
      }
      source = hit;
    }

    let start = 0;
    if (after !== undefined) {
      const [afterKey, afterLabel] = JSON.parse(Buffer.from(after, 'base64url').toString('utf8')) as [string, string | null];
      const marker = { key: afterKey, label: afterLabel } as StoredSetting;
      // Binary search for the first item after the marker (the source is sorted).
      let lo = 0;
      let hi = source.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (compareSettings(source[mid]!, marker) > 0) hi = mid;
        else lo = mid + 1;
      }
      start = lo;
    }
    const page = source.slice(start, start + pageSizeRef.value);
    const hasMore = start + page.length < source.length;
    const pageEtag = createHash('sha256')
      .update(page.map((s) => s.etag).join('|'))
      .digest('base64url');

    const headers: Record<string, string> = { ...commonHeaders(), etag: `"${pageEtag}"` };
    if (hasMore) {
      const last = page[page.length - 1]!;
      const token = Buffer.from(JSON.stringify([last.key, last.label])).toString('base64url');
      // `after` goes last: with it first, URLSearchParams reads `/kv?after` and the SDK throws.
      const kept = params.filter(([n]) => n !== 'after').map(([n, v]) => `${n}=${encodeURIComponent(v)}`);
      const nextLink = `/kv?${[...kept, `after=${token}`].join('&')}`;
      headers.link = `<${nextLink}>; rel="next"`;
      (record as { nextLink?: string }).nextLink = nextLink;
    }
    const ifNoneMatch = req.headers['if-none-match'];
    if (ifNoneMatch !== undefined && ifNoneMatch.replace(/^W\//, '').replace(/"/g, '') === pageEtag) {
      stats.listNotModified++;
      record.status = 304;
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const body: Record<string, unknown> = { items: page.map(serialize), etag: pageEtag };
    if (hasMore) body['@nextLink'] = (record as { nextLink?: string }).nextLink;
    res.writeHead(200, { ...headers, 'content-type': 'application/vnd.microsoft.appconfig.kvset+json; charset=utf-8' });
    if (req.method === 'HEAD') res.end();
    else res.end(JSON.stringify(body));
  }

  function handleGet(req: IncomingMessage, res: ServerResponse, pathname: string, record: RequestRecord): void {
    const key = safeDecode(pathname.slice('/kv/'.length));
    const labelParam = rawQuery(req.url ?? '').find(([n]) => n === 'label')?.[1];
    // Without `label`, a single-key read means the null label.
    const label = labelParam === undefined || labelParam === '' || labelParam === '\0' ? null : labelParam;
    const setting = store.get(id(key, label));
    if (!setting) {
      record.status = 404;
      return problem(res, 404, 'not-found', 'Key-value not found', `Key '${key}' with label '${label ?? '\\0'}' does not exist.`, commonHeaders());
    }
    const headers = { ...commonHeaders(), etag: `"${setting.etag}"`, 'last-modified': new Date(setting.last_modified).toUTCString() };
    const ifNoneMatch = req.headers['if-none-match'];
    if (ifNoneMatch !== undefined && ifNoneMatch.replace(/"/g, '') === setting.etag) {
      stats.getNotModified++;
      record.status = 304;
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': 'application/vnd.microsoft.appconfig.kv+json; charset=utf-8' });
    res.end(JSON.stringify(serialize(setting)));
  }

  function handleSnapshot(res: ServerResponse, pathname: string, record: RequestRecord): void {
    const name = safeDecode(pathname.slice('/snapshots/'.length));
    const snapshot = snapshots.get(name);
    if (!snapshot) {
      record.status = 404;
      return problem(res, 404, 'not-found', 'Snapshot not found', `Snapshot '${name}' does not exist.`, commonHeaders());
    }
    res.writeHead(200, { ...commonHeaders(), etag: `"${snapshot.etag}"`, 'content-type': 'application/vnd.microsoft.appconfig.snapshot+json; charset=utf-8' });
    res.end(
      JSON.stringify({
        name: snapshot.name,
        status: 'ready',
        // The SDK maps `filters` without a null check: it must be an array.
        filters: snapshot.filters.map((f) => ({ key: f.key, label: f.label ?? null, tags: [] })),
        composition_type: snapshot.compositionType,
        created: snapshot.created,
        expires: null,
        retention_period: 2592000,
        size: 1000,
        items_count: snapshot.items.length,
        tags: {},
        etag: snapshot.etag,
      }),
    );
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const pathname = (req.url ?? '/').split('?')[0]!;
    const route = routeOf(method, pathname);
    stats.total++;
    const record: RequestRecord = { method, route, url: req.url ?? '', status: 0, auth: 'none' };
    const ifNoneMatch = req.headers['if-none-match'];
    if (ifNoneMatch !== undefined) record.ifNoneMatch = ifNoneMatch;
    requests.push(record);
    emulator.onRequest?.(record);
    if (latencyRef.value > 0) await new Promise((r) => setTimeout(r, latencyRef.value));

    const faultIndex = faults.findIndex((f) => f.route === undefined || f.route === route);
    if (faultIndex >= 0) {
      const fault = faults.splice(faultIndex, 1)[0]!;
      stats.faults++;
      if (fault.drop) {
        record.status = -1;
        req.socket.destroy();
        return;
      }
      const status = fault.status ?? 503;
      const headers: Record<string, string> = {};
      if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
      if (fault.retryAfterMs !== undefined) headers['retry-after-ms'] = String(fault.retryAfterMs);
      record.status = status;
      return status === 429
        ? problem(res, 429, 'too-many-requests', 'Resource utilization has surpassed the assigned quota', 'Too many requests.', headers)
        : problem(res, 503, 'service-unavailable', 'Service unavailable', 'The service is unavailable.', headers);
    }

    const auth = authenticate(req);
    if (!auth) {
      stats.unauthorized++;
      record.status = 401;
      return problem(res, 401, 'unauthorized', 'Unauthorized', 'Invalid Signature', {
        'www-authenticate': 'HMAC-SHA256 error="invalid_token" error_description="Invalid Signature", Bearer',
      });
    }
    record.auth = auth;
    record.status = 200;
    if (route === 'list' || route === 'head') {
      stats[route]++;
      return handleList(req, res, record);
    }
    if (route === 'get') {
      stats.get++;
      return handleGet(req, res, pathname, record);
    }
    if (route === 'snapshot') {
      stats.snapshot++;
      return handleSnapshot(res, pathname, record);
    }
    record.status = 404;
    problem(res, 404, 'not-found', 'Not found', `No route for ${method} ${pathname}.`);
  }

  const pageSizeRef = { value: options.pageSize ?? 100 };
  const latencyRef = { value: options.latencyMs ?? 0 };
  const server = https.createServer({ cert: certPem, key: keyPem, keepAliveTimeout: 30_000 }, (req, res) => {
    req.resume();
    req.on('end', () => {
      handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) problem(res, 500, 'internal', 'Internal error', String(err));
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const endpoint = `https://127.0.0.1:${port}`;
  const agent = trustingAgent(caPem);

  const credential: TokenCredential = {
    async getToken(): Promise<AccessToken> {
      const minted = mintToken({ oid: 'appconfig-test-principal', aud: APPCONFIG_AUDIENCE, lifetimeSeconds: 3600 });
      return { token: minted.token, expiresOnTimestamp: minted.exp * 1000 };
    },
  };

  const emulator: AppConfigurationEmulator = {
    endpoint,
    connectionString: `Endpoint=${endpoint};Id=${credentialId};Secret=${secret}`,
    wrongConnectionString: `Endpoint=${endpoint};Id=${credentialId};Secret=${wrongSecret}`,
    credential,
    clientOptions: { agent },
    caPem,
    get pageSize() {
      return pageSizeRef.value;
    },
    set pageSize(n: number) {
      pageSizeRef.value = n;
    },
    get latencyMs() {
      return latencyRef.value;
    },
    set latencyMs(n: number) {
      latencyRef.value = n;
    },
    faults,
    stats,
    requests,
    onRequest: undefined,
    set(settings) {
      for (const s of Array.isArray(settings) ? settings : [settings]) {
        const item = stored(s);
        store.set(id(item.key, item.label), item);
      }
      changed();
    },
    remove(key, label = null) {
      store.delete(id(key, label === '' ? null : label));
      changed();
    },
    replaceAll(settings) {
      store.clear();
      emulator.set(settings);
    },
    createSnapshot(name, filters, compositionType = 'key') {
      const picked = new Map<string, StoredSetting>();
      for (const f of filters) {
        const keys = parseFilter(f.key);
        const labels = parseFilter(f.label === undefined || f.label === null ? '\0' : f.label);
        if ('error' in keys || 'error' in labels) throw new Error(`bad snapshot filter ${f.key}`);
        for (const s of all()) {
          if (!matches(s.key, keys) || !labelMatches(s.label, labels)) continue;
          // Composition `key`: one item per key, a later filter's match replacing an earlier one.
          picked.set(compositionType === 'key' ? s.key : id(s.key, s.label), { ...s });
        }
      }
      snapshots.set(name, {
        name,
        compositionType,
        filters: filters.map((f) => ({ key: f.key, label: f.label ?? null })),
        items: [...picked.values()].sort(compareSettings),
        etag: randomBytes(8).toString('hex'),
        created: new Date().toISOString(),
      });
    },
    resetStats() {
      for (const k of Object.keys(stats) as Array<keyof EmulatorStats>) stats[k] = 0;
      requests.length = 0;
    },
    async close() {
      agent.destroy();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return emulator;
}

/** A Key Vault reference setting as the portal writes it. */
export function keyVaultReference(key: string, secretUri: string, label?: string | null): EmulatorSetting {
  return { key, label: label ?? null, value: JSON.stringify({ uri: secretUri }), contentType: KEY_VAULT_REF_CONTENT_TYPE };
}

/** A feature flag setting in the v1 schema (`id`, `enabled`, `conditions.client_filters`). */
export function featureFlag(flag: { id: string; enabled: boolean; client_filters?: unknown[]; requirement_type?: string; description?: string }, label?: string | null): EmulatorSetting {
  const conditions: Record<string, unknown> = { client_filters: flag.client_filters ?? [] };
  if (flag.requirement_type !== undefined) conditions.requirement_type = flag.requirement_type;
  return {
    key: `${FEATURE_FLAG_PREFIX}${flag.id}`,
    label: label ?? null,
    contentType: FEATURE_FLAG_CONTENT_TYPE,
    value: JSON.stringify({ id: flag.id, description: flag.description ?? '', enabled: flag.enabled, conditions }),
  };
}
