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
import { testCertificates } from '../support/tls.js';
import { isValidTestToken, mintToken } from '../support/tokens.js';
import { loopbackLookup } from './keyVault.js';
import { TokenBucket, type QuotaCounters, type QuotaOptions } from './quota.js';

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
  /** Which endpoint answered: `origin`, `replica1`, … */
  node: string;
  method: string;
  route: Route;
  url: string;
  status: number;
  ifNoneMatch?: string;
  auth: 'hmac' | 'bearer' | 'none';
  /** The `Sync-Token` header the client sent, if any. */
  syncToken?: string;
  /** The data version the answer was built from (see `dataVersion`). */
  dataVersion?: number;
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
  /** Answers refused by the quota (429 or 503). */
  throttled: number;
}

export interface AppConfigurationQuotaOptions extends QuotaOptions {
  /** 429 (default, `too-many-requests`) or 503 (`service-unavailable`), both problem+json. */
  status?: 429 | 503;
  /** Which header carries the wait. Default `retry-after-ms`, as the service sends. */
  header?: 'retry-after-ms' | 'x-ms-retry-after-ms' | 'retry-after' | 'none';
}

/** How an endpoint is down: connections refused, accepted but never answered, or 503 + retry-after-ms. */
export type Outage = 'refuse' | 'hang' | 'unavailable';

/** One endpoint of the store: the origin or a replica. Each has its own counters, faults and quota. */
export interface AppConfigurationEndpoint {
  /** `origin`, `replica1`, `replica2`, … */
  readonly name: string;
  /** `https://127.0.0.1:<port>`, or `https://<host>:<port>` with `hostname`. */
  readonly endpoint: string;
  /** `Endpoint=…;Id=…;Secret=…` for HMAC; every endpoint accepts the origin's key, as replicas do. */
  readonly connectionString: string;
  readonly faults: Fault[];
  readonly stats: EmulatorStats;
  readonly requests: RequestRecord[];
  /** Called as each request arrives, before latency and faults (tests correlate with other servers). */
  onRequest: ((record: RequestRecord) => void) | undefined;
  /** Sets (or with `undefined` removes) this endpoint's own request quota; counters start from zero. */
  setQuota(quota: AppConfigurationQuotaOptions | undefined): void;
  /** Accepted and throttled requests under the quota, with a timeline; undefined without a quota. */
  readonly quota: QuotaCounters | undefined;
  takeDown(outage: Outage): Promise<void>;
  bringUp(): Promise<void>;
  /**
   * Stops replicating: the endpoint keeps serving the data as it is now until `catchUp()`, or until
   * a request carries a `Sync-Token` for newer data (then it serves that version, as the service
   * promises consistency with a token the client presents).
   */
  lag(): void;
  catchUp(): void;
  /** The data version this endpoint serves now. */
  readonly dataVersion: number;
  resetStats(): void;
}

export interface AppConfigurationEmulator extends AppConfigurationEndpoint {
  /** Replicas: separate endpoints over the same data, with independent quotas. */
  readonly replicas: AppConfigurationEndpoint[];
  /** The Sync-Token of the newest data (`<id>=<value>;sn=<n>`), as an Event Grid event carries it. */
  syncToken(): string;
  /** The newest data version. */
  readonly latestVersion: number;
  /** The same store and id with another secret: every request must fail with 401. */
  readonly wrongConnectionString: string;
  /** A bearer credential whose tokens the emulator accepts (audience `https://appconfig.azure.com`). */
  readonly credential: TokenCredential;
  /** Client options trusting the test CA (and resolving `*.azconfig.io` to loopback): pass as `clientOptions`. */
  readonly clientOptions: { agent: https.Agent };
  readonly caPem: string;
  /** Items per page (the service uses 100). */
  pageSize: number;
  /** Delay before each answer, in ms. */
  latencyMs: number;
  /** Adds or replaces settings (by key and label), each with a new etag. */
  set(settings: EmulatorSetting | EmulatorSetting[]): void;
  remove(key: string, label?: string | null): void;
  /** Replaces the whole store. */
  replaceAll(settings: EmulatorSetting[]): void;
  /** Freezes the settings the filters select now, as the service does when a snapshot is created. */
  createSnapshot(name: string, filters: Array<{ key: string; label?: string | null }>, compositionType?: 'key' | 'key_label'): void;
  /** Resets every endpoint's counters and quota. */
  resetAll(): void;
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

export interface AppConfigurationEmulatorOptions {
  /** Items per page (the service uses 100). */
  pageSize?: number;
  /** Delay before each answer, in ms. */
  latencyMs?: number;
  /** Replica endpoints besides the origin. Default 0. */
  replicas?: number;
  /**
   * Serve under names instead of 127.0.0.1: the origin as `https://<hostname>:<port>`, replica i as
   * `https://<label>-replica<i>.<rest>:<port>` (use a `*.azconfig.io` name: the agent resolves those
   * to loopback and the test certificate covers them). Needed for replica discovery by SRV records.
   */
  hostname?: string;
  /** The same quota for every endpoint (each its own bucket). */
  quota?: AppConfigurationQuotaOptions;
}

interface Node {
  api: AppConfigurationEndpoint;
  server: https.Server;
  port: number;
  host: string;
  sockets: Set<import('node:stream').Duplex>;
  /** Requests held open by a `hang` outage, answered (destroyed) when it ends. */
  held: Set<ServerResponse>;
  quota: { bucket: TokenBucket; status: 429 | 503; header: NonNullable<AppConfigurationQuotaOptions['header']> } | undefined;
  outage: Outage | undefined;
  /** undefined: follows the newest data; a number: the version it is stuck at. */
  pinned: number | undefined;
}

export async function startAppConfigurationEmulator(options: AppConfigurationEmulatorOptions = {}): Promise<AppConfigurationEmulator> {
  const { caPem, certPem, keyPem } = await testCertificates();
  const snapshots = new Map<string, Snapshot>();
  const credentialId = `emu-${randomBytes(3).toString('hex')}`;
  const secret = randomBytes(32).toString('base64');
  const wrongSecret = randomBytes(32).toString('base64');
  const syncTokenId = `emu${randomBytes(2).toString('hex')}`;
  let etagCounter = 0;
  // Every change makes a new version of the whole data set, so a lagging replica can keep serving
  // an older one. Versions no endpoint can still serve are dropped.
  let current = 1;
  const versions = new Map<number, Map<string, StoredSetting>>([[1, new Map()]]);
  const sortedCache = new Map<number, StoredSetting[]>();
  const filterCache = new Map<number, Map<string, StoredSetting[]>>();
  const nodes: Node[] = [];

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
  const mutate = (change: (data: Map<string, StoredSetting>) => void): void => {
    const next = new Map(versions.get(current)!);
    change(next);
    versions.set(++current, next);
    const oldest = Math.min(current, ...nodes.map((n) => n.pinned ?? current));
    for (const v of versions.keys()) {
      if (v < oldest) {
        versions.delete(v);
        sortedCache.delete(v);
        filterCache.delete(v);
      }
    }
  };
  const sortedAt = (version: number): StoredSetting[] => {
    let hit = sortedCache.get(version);
    if (!hit) {
      hit = [...versions.get(version)!.values()].sort(compareSettings);
      sortedCache.set(version, hit);
    }
    return hit;
  };
  const all = (): StoredSetting[] => sortedAt(current);
  const tokenFor = (version: number): string => `${syncTokenId}=${Buffer.from(`v${version}`).toString('base64')};sn=${version}`;

  /** The version a request to `node` sees: the newest, or a lagging node's, moved forward by a newer Sync-Token. */
  function versionFor(node: Node, req: IncomingMessage): number {
    if (node.pinned === undefined) return current;
    const header = String(req.headers['sync-token'] ?? '');
    for (const part of header.split(',')) {
      const eq = part.indexOf('=');
      if (eq < 0 || part.slice(0, eq).trim() !== syncTokenId) continue;
      const m = /^v(\d+)$/.exec(Buffer.from(part.slice(eq + 1).trim(), 'base64').toString('utf8'));
      const wanted = m ? Math.min(Number(m[1]), current) : 0;
      if (wanted > node.pinned && versions.has(wanted)) node.pinned = wanted;
    }
    return node.pinned;
  }

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

  function serialize(s: StoredSetting): Record<string, unknown> {
    return { etag: s.etag, key: s.key, label: s.label, content_type: s.content_type, value: s.value, tags: s.tags, locked: s.locked, last_modified: s.last_modified };
  }

  function handleList(req: IncomingMessage, res: ServerResponse, record: RequestRecord, version: number, node: Node): void {
    const params = rawQuery(req.url ?? '');
    const get = (name: string): string | undefined => params.find(([n]) => n === name)?.[1];
    const keyFilter = get('key');
    const labelFilter = get('label');
    const snapshotName = get('snapshot');
    const tagFilters = params.filter(([n]) => n === 'tags').map(([, v]) => v);
    const after = get('after');
    const common = { 'sync-token': tokenFor(version) };

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
      let cache = filterCache.get(version);
      if (!cache) filterCache.set(version, (cache = new Map()));
      let hit = cache.get(cacheKey);
      if (!hit) {
        hit = sortedAt(version).filter((s) => matches(s.key, keys) && labelMatches(s.label, labels) && tags.every(([n, v]) => s.tags[n] === v));
        cache.set(cacheKey, hit);
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

    const headers: Record<string, string> = { ...common, etag: `"${pageEtag}"` };
    let nextLink: string | undefined;
    if (hasMore) {
      const last = page[page.length - 1]!;
      const token = Buffer.from(JSON.stringify([last.key, last.label])).toString('base64url');
      // `after` goes last: with it first, URLSearchParams reads `/kv?after` and the SDK throws.
      const kept = params.filter(([n]) => n !== 'after').map(([n, v]) => `${n}=${encodeURIComponent(v)}`);
      nextLink = `/kv?${[...kept, `after=${token}`].join('&')}`;
      headers.link = `<${nextLink}>; rel="next"`;
    }
    const ifNoneMatch = req.headers['if-none-match'];
    if (ifNoneMatch !== undefined && ifNoneMatch.replace(/^W\//, '').replace(/"/g, '') === pageEtag) {
      node.api.stats.listNotModified++;
      record.status = 304;
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const body: Record<string, unknown> = { items: page.map(serialize), etag: pageEtag };
    if (nextLink !== undefined) body['@nextLink'] = nextLink;
    res.writeHead(200, { ...headers, 'content-type': 'application/vnd.microsoft.appconfig.kvset+json; charset=utf-8' });
    if (req.method === 'HEAD') res.end();
    else res.end(JSON.stringify(body));
  }

  function handleGet(req: IncomingMessage, res: ServerResponse, pathname: string, record: RequestRecord, version: number, node: Node): void {
    const key = safeDecode(pathname.slice('/kv/'.length));
    const labelParam = rawQuery(req.url ?? '').find(([n]) => n === 'label')?.[1];
    // Without `label`, a single-key read means the null label.
    const label = labelParam === undefined || labelParam === '' || labelParam === '\0' ? null : labelParam;
    const common = { 'sync-token': tokenFor(version) };
    const setting = versions.get(version)!.get(id(key, label));
    if (!setting) {
      record.status = 404;
      return problem(res, 404, 'not-found', 'Key-value not found', `Key '${key}' with label '${label ?? '\\0'}' does not exist.`, common);
    }
    const headers = { ...common, etag: `"${setting.etag}"`, 'last-modified': new Date(setting.last_modified).toUTCString() };
    const ifNoneMatch = req.headers['if-none-match'];
    if (ifNoneMatch !== undefined && ifNoneMatch.replace(/"/g, '') === setting.etag) {
      node.api.stats.getNotModified++;
      record.status = 304;
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': 'application/vnd.microsoft.appconfig.kv+json; charset=utf-8' });
    res.end(JSON.stringify(serialize(setting)));
  }

  function handleSnapshot(res: ServerResponse, pathname: string, record: RequestRecord, version: number): void {
    const name = safeDecode(pathname.slice('/snapshots/'.length));
    const snapshot = snapshots.get(name);
    const common = { 'sync-token': tokenFor(version) };
    if (!snapshot) {
      record.status = 404;
      return problem(res, 404, 'not-found', 'Snapshot not found', `Snapshot '${name}' does not exist.`, common);
    }
    res.writeHead(200, { ...common, etag: `"${snapshot.etag}"`, 'content-type': 'application/vnd.microsoft.appconfig.snapshot+json; charset=utf-8' });
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

  function throttle(res: ServerResponse, status: 429 | 503, waitMs: number | undefined, header: NonNullable<AppConfigurationQuotaOptions['header']>): void {
    const headers: Record<string, string> = {};
    if (waitMs !== undefined && header !== 'none') headers[header] = header === 'retry-after' ? String(Math.max(1, Math.ceil(waitMs / 1000))) : String(waitMs);
    if (status === 429) {
      // Azure/AppConfiguration docs/REST/throttling.md: problem+json naming the policy.
      res.writeHead(429, { 'content-type': 'application/problem+json; charset=utf-8', ...headers });
      res.end(
        JSON.stringify({
          type: 'https://azconfig.io/errors/too-many-requests',
          title: 'Resource utilization has surpassed the assigned quota',
          policy: 'TotalRequests',
          status: 429,
        }),
      );
    } else {
      problem(res, 503, 'service-unavailable', 'Service unavailable', 'The service is unavailable.', headers);
    }
  }

  async function handle(node: Node, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { api } = node;
    const method = req.method ?? 'GET';
    const pathname = (req.url ?? '/').split('?')[0]!;
    const route = routeOf(method, pathname);
    api.stats.total++;
    const record: RequestRecord = { node: api.name, method, route, url: req.url ?? '', status: 0, auth: 'none' };
    const ifNoneMatch = req.headers['if-none-match'];
    if (ifNoneMatch !== undefined) record.ifNoneMatch = ifNoneMatch;
    const syncToken = req.headers['sync-token'];
    if (typeof syncToken === 'string') record.syncToken = syncToken;
    api.requests.push(record);
    api.onRequest?.(record);
    if (node.outage === 'hang') {
      record.status = -1;
      node.held.add(res);
      return;
    }
    if (node.outage === 'unavailable') {
      record.status = 503;
      return throttle(res, 503, 1000, 'retry-after-ms');
    }
    if (latencyRef.value > 0) await new Promise((r) => setTimeout(r, latencyRef.value));

    const faultIndex = api.faults.findIndex((f) => f.route === undefined || f.route === route);
    if (faultIndex >= 0) {
      const fault = api.faults.splice(faultIndex, 1)[0]!;
      api.stats.faults++;
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

    // The quota counts every request that reaches the store, authenticated or not.
    if (node.quota) {
      const decision = node.quota.bucket.take();
      if (!decision.ok) {
        api.stats.throttled++;
        record.status = node.quota.status;
        return throttle(res, node.quota.status, decision.retryAfterMs, node.quota.header);
      }
    }
    const auth = authenticate(req);
    if (!auth) {
      api.stats.unauthorized++;
      record.status = 401;
      return problem(res, 401, 'unauthorized', 'Unauthorized', 'Invalid Signature', {
        'www-authenticate': 'HMAC-SHA256 error="invalid_token" error_description="Invalid Signature", Bearer',
      });
    }
    record.auth = auth;
    const version = versionFor(node, req);
    record.dataVersion = version;
    record.status = 200;
    if (route === 'list' || route === 'head') {
      api.stats[route]++;
      return handleList(req, res, record, version, node);
    }
    if (route === 'get') {
      api.stats.get++;
      return handleGet(req, res, pathname, record, version, node);
    }
    if (route === 'snapshot') {
      api.stats.snapshot++;
      return handleSnapshot(res, pathname, record, version);
    }
    record.status = 404;
    problem(res, 404, 'not-found', 'Not found', `No route for ${method} ${pathname}.`);
  }

  const pageSizeRef = { value: options.pageSize ?? 100 };
  const latencyRef = { value: options.latencyMs ?? 0 };
  const agent = new https.Agent({ ca: caPem, keepAlive: true, lookup: loopbackLookup });
  const makeQuota = (q: AppConfigurationQuotaOptions | undefined): Node['quota'] =>
    q ? { bucket: new TokenBucket(q), status: q.status ?? 429, header: q.header ?? 'retry-after-ms' } : undefined;

  async function listen(server: https.Server, port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return (server.address() as AddressInfo).port;
  }

  function hostFor(index: number): string | undefined {
    if (!options.hostname) return undefined;
    if (index === 0) return options.hostname;
    const dot = options.hostname.indexOf('.');
    return `${options.hostname.slice(0, dot)}-replica${index}${options.hostname.slice(dot)}`;
  }

  async function startNode(index: number): Promise<Node> {
    const name = index === 0 ? 'origin' : `replica${index}`;
    const stats: EmulatorStats = { total: 0, list: 0, listNotModified: 0, get: 0, getNotModified: 0, head: 0, snapshot: 0, unauthorized: 0, faults: 0, throttled: 0 };
    const node = { sockets: new Set(), held: new Set(), quota: makeQuota(options.quota), outage: undefined, pinned: undefined } as unknown as Node;
    node.server = https.createServer({ cert: certPem, key: keyPem, keepAliveTimeout: 30_000 }, (req, res) => {
      req.resume();
      req.on('end', () => {
        handle(node, req, res).catch((err: unknown) => {
          if (!res.headersSent) problem(res, 500, 'internal', 'Internal error', String(err));
        });
      });
    });
    node.server.on('connection', (socket) => {
      node.sockets.add(socket);
      socket.on('close', () => node.sockets.delete(socket));
    });
    node.port = await listen(node.server, 0);
    const host = hostFor(index) ?? '127.0.0.1';
    node.host = `${host}:${node.port}`;
    const endpoint = `https://${node.host}`;
    const dropConnections = (): void => {
      for (const r of node.held) r.socket?.destroy();
      node.held.clear();
      for (const s of node.sockets) s.destroy();
    };
    node.api = {
      name,
      endpoint,
      connectionString: `Endpoint=${endpoint};Id=${credentialId};Secret=${secret}`,
      faults: [],
      stats,
      requests: [],
      onRequest: undefined,
      setQuota(q) {
        node.quota = makeQuota(q);
      },
      get quota() {
        return node.quota?.bucket.counters;
      },
      async takeDown(outage) {
        node.outage = outage;
        if (outage === 'refuse') {
          const closed = new Promise<void>((resolve) => node.server.close(() => resolve()));
          dropConnections();
          await closed;
        }
      },
      async bringUp() {
        const was = node.outage;
        node.outage = undefined;
        if (was === 'hang') dropConnections();
        if (was === 'refuse') await listen(node.server, node.port);
      },
      lag() {
        node.pinned = current;
      },
      catchUp() {
        node.pinned = undefined;
      },
      get dataVersion() {
        return node.pinned ?? current;
      },
      resetStats() {
        for (const k of Object.keys(stats) as Array<keyof EmulatorStats>) stats[k] = 0;
        node.api.requests.length = 0;
        node.quota?.bucket.reset();
      },
    };
    nodes.push(node);
    return node;
  }

  const origin = await startNode(0);
  for (let i = 1; i <= (options.replicas ?? 0); i++) await startNode(i);

  const credential: TokenCredential = {
    async getToken(): Promise<AccessToken> {
      const minted = mintToken({ oid: 'appconfig-test-principal', aud: APPCONFIG_AUDIENCE, lifetimeSeconds: 3600 });
      return { token: minted.token, expiresOnTimestamp: minted.exp * 1000 };
    },
  };

  // The origin's endpoint API, extended with the store-wide controls. Property accessors of the
  // origin's API are kept (not copied) so `stats`, `quota` and `onRequest` stay live.
  const emulator = Object.defineProperties(origin.api, Object.getOwnPropertyDescriptors({
    replicas: nodes.slice(1).map((n) => n.api),
    syncToken: () => tokenFor(current),
    get latestVersion() {
      return current;
    },
    wrongConnectionString: `Endpoint=${origin.api.endpoint};Id=${credentialId};Secret=${wrongSecret}`,
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
    set(settings: EmulatorSetting | EmulatorSetting[]) {
      mutate((data) => {
        for (const s of Array.isArray(settings) ? settings : [settings]) {
          const item = stored(s);
          data.set(id(item.key, item.label), item);
        }
      });
    },
    remove(key: string, label: string | null = null) {
      mutate((data) => data.delete(id(key, label === '' ? null : label)));
    },
    replaceAll(settings: EmulatorSetting[]) {
      mutate((data) => {
        data.clear();
        for (const s of settings) {
          const item = stored(s);
          data.set(id(item.key, item.label), item);
        }
      });
    },
    createSnapshot(name: string, filters: Array<{ key: string; label?: string | null }>, compositionType: 'key' | 'key_label' = 'key') {
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
    resetAll() {
      for (const n of nodes) n.api.resetStats();
    },
    async close() {
      agent.destroy();
      await Promise.all(
        nodes.map(async (n) => {
          for (const r of n.held) r.socket?.destroy();
          for (const s of n.sockets) s.destroy();
          if (n.server.listening) await new Promise<void>((resolve) => n.server.close(() => resolve()));
        }),
      );
    },
  })) as unknown as AppConfigurationEmulator;
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
