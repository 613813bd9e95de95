/**
 * A local Azure Key Vault secrets emulator that the unmodified `@azure/keyvault-secrets`
 * SecretClient works against (wire protocol: shared/reference/azure-wire.md B1).
 *
 * Host names: the emulator is reached as `https://<name>.vault.azure.net:<port>`, and the agent from
 * `emulator.agent` / `vaultAgent(caPem)` resolves every `*.vault.azure.net` name to 127.0.0.1. That
 * keeps the SDK's challenge resource verification ON (the 401 says `resource="https://vault.azure.net"`
 * and the request host really ends with `.vault.azure.net`), so tests exercise the real policy
 * instead of `disableChallengeResourceVerification: true`. The test certificate's SANs cover the name.
 *
 * Test controls: `setSecret` / `deleteSecret` change data in one call; `latencyMs` delays every
 * response; `fault()` queues 429 / 503 / dropped connections / slow responses; `counters` counts
 * requests, 401 challenges and the peak number of concurrent requests.
 */
import https from 'node:https';
import dns from 'node:dns';
import type { AddressInfo, LookupFunction } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import type { TokenCredential, AccessToken } from '@azure/core-auth';
import { testCertificates, type TestCertificates } from '../support/tls.js';
import { isValidTestToken, mintToken, TEST_TENANT_ID } from '../support/tokens.js';
import { TokenBucket, type QuotaCounters, type QuotaOptions } from './quota.js';

export const VAULT_SCOPE = 'https://vault.azure.net/.default';
const MAX_PAGE = 25;

export interface SecretOptions {
  /** Default true. A disabled secret is listed but `get` answers 403 SecretDisabled. */
  enabled?: boolean;
  /** Default: now, and always at least one second after this secret's previous version. */
  updatedOn?: Date | null;
  contentType?: string;
  tags?: Record<string, string>;
  notBefore?: Date;
  expiresOn?: Date;
  /** Default true. A managed secret (a certificate's) is listed with `managed: true`. */
  managed?: boolean;
}

interface SecretVersion {
  version: string;
  value: string;
  enabled: boolean;
  created: number;
  updated: number | null;
  contentType?: string;
  tags?: Record<string, string>;
  nbf?: number;
  exp?: number;
  managed?: boolean;
}

interface StoredSecret {
  name: string;
  versions: SecretVersion[];
}

export type RequestKind = 'list' | 'get' | 'versions' | 'other';

export interface RequestInfo {
  method: string;
  path: string;
  /** The raw query string, `?` included (empty when none). */
  query: string;
  kind: RequestKind;
  /** The secret name as the client spelled it (get / versions). */
  name?: string;
  host: string;
}

export interface RecordedRequest extends RequestInfo {
  status: number;
  authorized: boolean;
}

export type Fault =
  /** Answer with this status (429, 503, 500, 403 …) and an error body; optional retry headers. */
  | { status: number; retryAfterSeconds?: number; retryAfterMs?: number; code?: string; message?: string }
  /** Destroy the connection: before any byte (`'before'`, default) or after the headers and half the body. */
  | { drop: 'before' | 'mid-body' | true }
  /** Delay this one response (a slow request), then answer normally. */
  | { delayMs: number };

export interface FaultOptions {
  /** How many matching requests get the fault (default 1; Infinity for all). */
  times?: number;
  /** Which requests: a kind, or a predicate. Default: any authenticated request. */
  on?: RequestKind | ((request: RequestInfo) => boolean);
}

export interface KeyVaultCounters {
  total: number;
  list: number;
  get: number;
  /** 401 challenges sent (requests without or with a rejected bearer token). */
  unauthorized: number;
  /** Faults served. */
  faults: number;
  /** 429s sent by the quota. */
  throttled: number;
  inFlight: number;
  peakConcurrent: number;
  /** Peak concurrent authenticated `get` requests. */
  peakConcurrentGets: number;
}

export interface KeyVaultEmulatorOptions {
  /** The vault name: the emulator is `https://<name>.vault.azure.net:<port>`. Default random. */
  name?: string;
  certs?: TestCertificates;
  latencyMs?: number;
  /** Default page size (≤ 25) when the client sends no `maxresults`. */
  pageSize?: number;
  tenantId?: string;
  /** A request quota for the vault (authenticated requests; 429s do not count, as the service says). */
  quota?: KeyVaultQuotaOptions;
  /** Decides whether a bearer token is accepted. Default: tokens minted by the test token minter for the vault audience, or any opaque non-JWT token. */
  acceptToken?: (token: string) => boolean;
}

export interface KeyVaultQuotaOptions extends QuotaOptions {
  /**
   * `seconds` (default): the 429 carries `Retry-After` in whole seconds (rounded up), as the issue's
   * model of the service; `none`: a bare 429, as captured from the real service in 2023.
   */
  retryAfter?: 'seconds' | 'none';
}

export interface KeyVaultEmulator {
  /** `https://<name>.vault.azure.net:<port>` — use with `agent` (or `clientOptions()`). */
  readonly vaultUrl: string;
  /** `https://127.0.0.1:<port>` — needs `disableChallengeResourceVerification: true`. */
  readonly loopbackUrl: string;
  readonly port: number;
  readonly name: string;
  readonly tenantId: string;
  /** Trusts the test CA and resolves `*.vault.azure.net` to loopback. Destroyed by `close()`. */
  readonly agent: https.Agent;
  /** `{ agent }` plus any overrides, for `SecretClientOptions`. */
  clientOptions<T extends object>(extra?: T): T & { agent: https.Agent };
  /** A TokenCredential minting test tokens for this vault; `calls` counts getToken calls. */
  credential(): TokenCredential & { readonly calls: ReadonlyArray<{ scopes: string[]; tenantId?: string }> };
  latencyMs: number;
  setSecret(name: string, value: string, options?: SecretOptions): { id: string; version: string };
  deleteSecret(name: string): boolean;
  /** The secret identifier a Key Vault reference would carry. */
  secretId(name: string, version?: string): string;
  /** Current secret names as created. */
  names(): string[];
  fault(fault: Fault, options?: FaultOptions): void;
  /** Sets (or with `undefined` removes) the vault's request quota; counters start from zero. */
  setQuota(quota: KeyVaultQuotaOptions | undefined): void;
  /** Accepted and throttled requests under the quota, with a timeline; undefined without a quota. */
  readonly quota: QuotaCounters | undefined;
  clearFaults(): void;
  readonly counters: Readonly<KeyVaultCounters>;
  readonly requests: ReadonlyArray<RecordedRequest>;
  resetCounters(): void;
  close(): Promise<void>;
}

/** Resolves every `*.vault.azure.net` (and `*.azconfig.io`) name to 127.0.0.1; others as usual. */
export const loopbackLookup: LookupFunction = ((hostname: string, options: unknown, callback: unknown) => {
  const cb = (typeof options === 'function' ? options : callback) as (...args: unknown[]) => void;
  const opts = (typeof options === 'object' && options !== null ? options : {}) as dns.LookupOptions;
  if (/\.(vault\.azure\.net|azconfig\.io)$/i.test(hostname)) {
    if (opts.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
    else cb(null, '127.0.0.1', 4);
    return;
  }
  dns.lookup(hostname, opts, cb as never);
}) as LookupFunction;

/** An agent trusting the test CA that sends `*.vault.azure.net` to loopback. */
export function vaultAgent(caPem: string): https.Agent {
  return new https.Agent({ ca: caPem, keepAlive: true, lookup: loopbackLookup });
}

const seconds = (d: Date): number => Math.floor(d.getTime() / 1000);

export async function startKeyVaultEmulator(options: KeyVaultEmulatorOptions = {}): Promise<KeyVaultEmulator> {
  const certs = options.certs ?? (await testCertificates());
  const name = (options.name ?? `kv${randomBytes(4).toString('hex')}`).toLowerCase();
  const tenantId = options.tenantId ?? TEST_TENANT_ID;
  const defaultPage = Math.min(MAX_PAGE, Math.max(1, options.pageSize ?? MAX_PAGE));
  const acceptToken =
    options.acceptToken ??
    ((token: string) => (token.split('.').length === 3 ? isValidTestToken(token, VAULT_SCOPE) : token.length > 0));

  const secrets = new Map<string, StoredSecret>();
  const faults: Array<{ fault: Fault; remaining: number; on: FaultOptions['on'] }> = [];
  const requests: RecordedRequest[] = [];
  const counters: KeyVaultCounters = {
    total: 0, list: 0, get: 0, unauthorized: 0, faults: 0, throttled: 0, inFlight: 0, peakConcurrent: 0, peakConcurrentGets: 0,
  };
  let getsInFlight = 0;
  let quota: { bucket: TokenBucket; retryAfter: 'seconds' | 'none' } | undefined;
  const makeQuota = (q: KeyVaultQuotaOptions | undefined) => (q ? { bucket: new TokenBucket(q), retryAfter: q.retryAfter ?? 'seconds' } : undefined);
  quota = makeQuota(options.quota);
  let latencyMs = options.latencyMs ?? 0;
  const timers = new Set<NodeJS.Timeout>();
  const sleep = (ms: number): Promise<void> =>
    ms <= 0
      ? Promise.resolve()
      : new Promise((resolve) => {
          const t = setTimeout(() => {
            timers.delete(t);
            resolve();
          }, ms);
          timers.add(t);
        });

  const server = https.createServer({ cert: certs.certPem, key: certs.keyPem }, (req, res) => {
    void handle(req, res);
  });

  function classify(method: string, segments: string[]): { kind: RequestKind; name?: string; version?: string } {
    if (method !== 'GET' || segments[0]?.toLowerCase() !== 'secrets') return { kind: 'other' };
    if (segments.length === 1) return { kind: 'list' };
    const secretName = decodeURIComponent(segments[1] ?? '');
    if (segments.length === 3 && segments[2]?.toLowerCase() === 'versions') return { kind: 'versions', name: secretName };
    if (segments.length <= 3) return { kind: 'get', name: secretName, version: segments[2] || undefined };
    return { kind: 'other' };
  }

  function takeFault(info: RequestInfo): Fault | undefined {
    const i = faults.findIndex(({ on }) =>
      on === undefined ? true : typeof on === 'function' ? on(info) : on === info.kind,
    );
    if (i < 0) return undefined;
    const entry = faults[i]!;
    if (--entry.remaining <= 0) faults.splice(i, 1);
    return entry.fault;
  }

  async function handle(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    counters.total++;
    counters.inFlight++;
    counters.peakConcurrent = Math.max(counters.peakConcurrent, counters.inFlight);
    const host = req.headers.host ?? `127.0.0.1:${port}`;
    const url = new URL(req.url ?? '/', `https://${host}`);
    // The SDK percent-encodes the name (`api%2Dversion`); URLSearchParams decodes names.
    const apiVersion = url.searchParams.get('api-version');
    // `/secrets/{name}/` (latest) has an empty version segment: keep an empty segment only there.
    const segments = url.pathname.split('/').slice(1).filter((s, i) => s !== '' || i === 2);
    const { kind, name: secretName, version } = classify(req.method ?? 'GET', segments);
    const info: RequestInfo = { method: req.method ?? 'GET', path: url.pathname, query: url.search, kind, host, ...(secretName ? { name: secretName } : {}) };
    let authorized = false;
    let gotCounted = false;
    let finished = false;
    const finish = (status: number): void => {
      if (finished) return;
      finished = true;
      counters.inFlight--;
      if (gotCounted) getsInFlight--;
      requests.push({ ...info, status, authorized });
    };
    res.on('close', () => finish(res.statusCode));
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
      // The request is answered once its response is handed to the socket. Waiting for 'close'
      // would count it as in flight for a few more event-loop turns, during which the client may
      // already have read the answer and started its next request (peaks above the client's limit).
      finish(status);
    };
    const error = (status: number, code: string, message: string, extra: Record<string, string> = {}, inner?: string): void =>
      send(status, { error: { code, message, ...(inner ? { innererror: { code: inner } } : {}) } }, extra);

    // Drain any body so keep-alive connections stay usable.
    for await (const _chunk of req) void _chunk;

    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
    authorized = token !== undefined && acceptToken(token);
    if (authorized) {
      if (kind === 'list') counters.list++;
      if (kind === 'get') {
        counters.get++;
        getsInFlight++;
        gotCounted = true;
        counters.peakConcurrentGets = Math.max(counters.peakConcurrentGets, getsInFlight);
      }
    } else {
      counters.unauthorized++;
    }
    await sleep(latencyMs);
    if (!authorized) {
      return error(401, 'Unauthorized', token ? 'AKV10032: Invalid issuer or token.' : 'Request is missing a Bearer or PoP token.', {
        'www-authenticate': `Bearer authorization="https://login.microsoftonline.com/${tenantId}", resource="https://vault.azure.net"`,
      });
    }

    const fault = takeFault(info);
    if (fault) {
      counters.faults++;
      if ('delayMs' in fault) {
        await sleep(fault.delayMs);
      } else if ('drop' in fault) {
        if (fault.drop === 'mid-body') {
          res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': '4096' });
          res.write('{"value":[{"id":');
          await sleep(5);
        }
        req.socket.destroy();
        return;
      } else {
        const headers: Record<string, string> = {};
        if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
        if (fault.retryAfterMs !== undefined) headers['retry-after-ms'] = String(fault.retryAfterMs);
        const code = fault.code ?? (fault.status === 429 ? 'Throttled' : fault.status === 503 ? 'ServiceUnavailable' : 'InternalError');
        return error(fault.status, code, fault.message ?? `Injected fault ${fault.status}.`, headers);
      }
    }

    if (quota) {
      const decision = quota.bucket.take();
      if (!decision.ok) {
        counters.throttled++;
        const headers: Record<string, string> = quota.retryAfter === 'seconds' ? { 'retry-after': String(Math.ceil(decision.retryAfterMs / 1000)) } : {};
        // The body the real service sends (vcsjones/AzureSignTool#219).
        return error(429, 'Throttled', 'Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached', headers);
      }
    }

    if (!apiVersion) return error(400, 'BadParameter', 'The request URI must contain an api-version.');
    const base = `https://${host}`;

    if (kind === 'list') {
      const max = url.searchParams.get('maxresults');
      const pageSize = max === null ? defaultPage : Number(max);
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE) {
        return error(400, 'BadParameter', 'invalid maxresults: must be between 1 and 25');
      }
      const skip = decodeSkipToken(url.searchParams.get('$skiptoken'));
      const all = [...secrets.values()];
      const page = all.slice(skip, skip + pageSize).map((s) => listItem(base, s));
      const next = skip + pageSize < all.length
        ? `${base}/secrets?api-version=${encodeURIComponent(apiVersion)}&$skiptoken=${encodeSkipToken(skip + pageSize)}&maxresults=${pageSize}`
        : null;
      return send(200, { value: page, nextLink: next });
    }
    if (kind === 'versions') {
      const stored = secrets.get(secretName!.toLowerCase());
      if (!stored) return notFound(secretName!);
      return send(200, { value: stored.versions.map((v) => versionItem(base, stored.name, v)), nextLink: null });
    }
    if (kind === 'get') {
      const stored = secrets.get(secretName!.toLowerCase());
      if (!stored) return notFound(secretName!);
      const v = version ? stored.versions.find((x) => x.version.toLowerCase() === version.toLowerCase()) : stored.versions.at(-1);
      if (!v) return notFound(`${secretName}/${version}`);
      if (!v.enabled) {
        return error(403, 'Forbidden', 'Operation get is not allowed on a disabled secret.', {}, 'SecretDisabled');
      }
      return send(200, { value: v.value, ...versionItem(base, stored.name, v), id: `${base}/secrets/${stored.name}/${v.version}` });
    }
    return error(400, 'BadParameter', `Unsupported request ${req.method} ${url.pathname}`);

    function notFound(what: string): void {
      error(404, 'SecretNotFound', `A secret with (name/id) ${what} was not found in this key vault.`);
    }
  }

  function attributes(v: SecretVersion): Record<string, unknown> {
    return {
      enabled: v.enabled,
      ...(v.nbf !== undefined ? { nbf: v.nbf } : {}),
      ...(v.exp !== undefined ? { exp: v.exp } : {}),
      created: v.created,
      ...(v.updated !== null ? { updated: v.updated } : {}),
      recoveryLevel: 'Recoverable+Purgeable',
      recoverableDays: 90,
    };
  }
  function listItem(base: string, s: StoredSecret): Record<string, unknown> {
    const v = s.versions.at(-1)!;
    return {
      id: `${base}/secrets/${s.name}`,
      attributes: attributes(v),
      ...(v.contentType !== undefined ? { contentType: v.contentType } : {}),
      ...(v.tags ? { tags: v.tags } : {}),
      ...(v.managed ? { managed: true } : {}),
    };
  }
  function versionItem(base: string, secretName: string, v: SecretVersion): Record<string, unknown> {
    return {
      id: `${base}/secrets/${secretName}/${v.version}`,
      attributes: attributes(v),
      ...(v.contentType !== undefined ? { contentType: v.contentType } : {}),
      ...(v.tags ? { tags: v.tags } : {}),
      ...(v.managed ? { managed: true } : {}),
    };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const vaultUrl = `https://${name}.vault.azure.net:${port}`;
  const agent = vaultAgent(certs.caPem);

  return {
    vaultUrl,
    loopbackUrl: `https://127.0.0.1:${port}`,
    port,
    name,
    tenantId,
    agent,
    clientOptions: <T extends object>(extra?: T) => ({ ...(extra ?? ({} as T)), agent }),
    credential() {
      const calls: Array<{ scopes: string[]; tenantId?: string }> = [];
      return {
        calls,
        async getToken(scopes: string | string[], opts?: { tenantId?: string }): Promise<AccessToken> {
          const list = Array.isArray(scopes) ? scopes : [scopes];
          calls.push({ scopes: list, ...(opts?.tenantId ? { tenantId: opts.tenantId } : {}) });
          const minted = mintToken({ oid: randomUUID(), aud: list[0]!.replace(/\/\.default$/, ''), lifetimeSeconds: 3600 });
          return { token: minted.token, expiresOnTimestamp: minted.exp * 1000 };
        },
      };
    },
    get latencyMs() {
      return latencyMs;
    },
    set latencyMs(v: number) {
      latencyMs = v;
    },
    setSecret(secretName, value, opts = {}) {
      if (!/^[0-9a-zA-Z-]{1,127}$/.test(secretName)) throw new Error(`invalid secret name '${secretName}'`);
      const key = secretName.toLowerCase();
      const stored = secrets.get(key) ?? { name: secretName, versions: [] };
      const previous = stored.versions.at(-1);
      const now = Math.floor(Date.now() / 1000);
      const updated =
        opts.updatedOn === null
          ? null
          : opts.updatedOn !== undefined
            ? seconds(opts.updatedOn)
            : Math.max(now, (previous?.updated ?? 0) + 1);
      const v: SecretVersion = {
        version: randomBytes(16).toString('hex'),
        value,
        enabled: opts.enabled ?? true,
        created: updated ?? now,
        updated,
        ...(opts.contentType !== undefined ? { contentType: opts.contentType } : {}),
        ...(opts.tags ? { tags: opts.tags } : {}),
        ...(opts.notBefore ? { nbf: seconds(opts.notBefore) } : {}),
        ...(opts.expiresOn ? { exp: seconds(opts.expiresOn) } : {}),
        ...(opts.managed ? { managed: true } : {}),
      };
      stored.versions.push(v);
      secrets.set(key, stored);
      return { id: `${vaultUrl}/secrets/${stored.name}/${v.version}`, version: v.version };
    },
    deleteSecret: (secretName) => secrets.delete(secretName.toLowerCase()),
    secretId: (secretName, version) => `${vaultUrl}/secrets/${secretName}${version ? `/${version}` : ''}`,
    names: () => [...secrets.values()].map((s) => s.name),
    fault(f, opts = {}) {
      faults.push({ fault: f, remaining: opts.times ?? 1, on: opts.on });
    },
    clearFaults: () => void faults.splice(0),
    setQuota(q) {
      quota = makeQuota(q);
    },
    get quota() {
      return quota?.bucket.counters;
    },
    counters,
    requests,
    resetCounters() {
      for (const k of Object.keys(counters) as Array<keyof KeyVaultCounters>) {
        if (k !== 'inFlight') counters[k] = 0;
      }
      counters.peakConcurrent = counters.inFlight;
      requests.splice(0);
      quota?.bucket.reset();
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function encodeSkipToken(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64url');
}
function decodeSkipToken(token: string | null): number {
  if (!token) return 0;
  const m = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  return m ? Number(m[1]) : 0;
}
