/**
 * The endpoints of one App Configuration store — the configured ones (`endpoints` /
 * `connectionStrings`, primary first) and those found by SRV discovery — and the order an
 * operation tries them in, as Microsoft's providers do it (appconfig-fleet.md §5):
 *  - failover on 401, 403, 408, 429, ≥ 500, timeouts and connection errors; anything else is the
 *    caller's error and is thrown without trying another endpoint;
 *  - a failed endpoint is skipped for a back-off (30 s, doubling to 10 min, ±25 % jitter; a success
 *    resets it), after which it is tried first again: that is how the primary comes back;
 *  - with load balancing, each operation starts at the endpoint after the last one that succeeded;
 *  - discovery (opt-in: it needs DNS) reads `_origin._tcp.<host>` (the origin is a target) then `_alt0._tcp.<origin>`,
 *    `_alt1…` through an injectable resolver, keeps targets in the store's domain, and runs again
 *    at most every 30 s when every endpoint is failing, or when its list is an hour old.
 * This module knows nothing of the SDK: the provider gives it a factory for clients.
 */
import { statusOf } from '../../net/retry.js';
import { AdaptiveLimiter } from '../../net/concurrency.js';

/** One SRV answer, as `dns.promises.resolveSrv` gives it. */
export interface SrvRecord {
  name: string;
  port: number;
  priority: number;
  weight: number;
}

/** Replica discovery: `true` uses `node:dns` (`resolveSrv`); tests and custom DNS pass their own resolver. */
export type ReplicaDiscoveryOption = boolean | { resolveSrv(name: string): Promise<SrvRecord[]> };

export interface ReplicaBackoff {
  /** First back-off after a failure. Default 30 s (both Microsoft providers). */
  minMs?: number;
  /** Cap of the doubling back-off. Default 10 min. */
  maxMs?: number;
}

export interface EndpointEntry<C> {
  /** `https://host[:port]`. */
  readonly endpoint: string;
  /** `host[:port]`, as push notifications are matched against it. */
  readonly host: string;
  readonly discovered: boolean;
  readonly client: Promise<C>;
  /** The endpoint's own in-flight limit: replicas have their own quotas. */
  readonly limiter: AdaptiveLimiter;
  failures: number;
  backoffUntil: number;
}

export interface ReplicaSetOptions<C> {
  /** Configured endpoints, primary first (`https://host[:port]`). */
  endpoints: string[];
  createClient(endpoint: string): Promise<C>;
  loadBalancing?: boolean;
  discovery?: ReplicaDiscoveryOption;
  backoff?: ReplicaBackoff;
  /** Upper bound of each endpoint's in-flight limit. */
  maxConcurrency?: number;
  now?: () => number;
  random?: () => number;
  /** Discovery problems (never fatal). */
  warn?: (message: string) => void;
}

export const DEFAULT_REPLICA_BACKOFF_MS = 30_000;
export const MAX_REPLICA_BACKOFF_MS = 10 * 60_000;
const MIN_DISCOVERY_GAP_MS = 30_000;
const DISCOVERY_MAX_AGE_MS = 60 * 60_000;
/** The JS provider stops after `_alt9`. */
const MAX_ALT_SETS = 10;

const FAILOVER_CODES = new Set(['ENOTFOUND', 'ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET']);

/** Whether another endpoint might succeed where this one failed (JS `isFailoverableError`, .NET `IsFailOverable`). */
export function isFailoverable(error: unknown): boolean {
  const status = statusOf(error);
  if (status !== undefined) return status === 401 || status === 403 || status === 408 || status === 429 || status >= 500;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && FAILOVER_CODES.has(code)) return true;
  // A RestError without a status never got an answer (socket closed, TLS reset).
  return (error as { name?: unknown } | null)?.name === 'RestError';
}

/** 30 s on the first failure, then doubling to 10 min, ±25 % (appconfig-fleet.md §2.4). */
export function replicaBackoffMs(failures: number, backoff: ReplicaBackoff = {}, random: () => number = Math.random): number {
  const min = backoff.minMs ?? DEFAULT_REPLICA_BACKOFF_MS;
  const max = Math.max(min, backoff.maxMs ?? MAX_REPLICA_BACKOFF_MS);
  if (failures <= 1) return min;
  const step = Math.min(max, min * 2 ** (failures - 1));
  return Math.min(max, Math.round(step * (0.75 + random() * 0.5)));
}

/** `.azconfig.io` from `contoso.azconfig.io`: the part from the last `.azconfig.` or `.appconfig.` label. */
export function validDomain(host: string): string {
  const lower = host.toLowerCase();
  for (const label of ['.azconfig.', '.appconfig.']) {
    const at = lower.lastIndexOf(label);
    if (at >= 0) return lower.slice(at);
  }
  return '';
}

function hostOf(endpoint: string): string {
  return new URL(endpoint).host.toLowerCase();
}

/** The replicas SRV records announce for `host` (without the configured ones). */
export async function discoverReplicas(
  host: string,
  resolveSrv: (name: string) => Promise<SrvRecord[]>,
  random: () => number = Math.random,
): Promise<string[]> {
  const hostname = host.split(':')[0]!;
  const domain = validDomain(hostname);
  if (domain === '') return [];
  const lookup = async (name: string): Promise<SrvRecord[]> => {
    try {
      return await resolveSrv(name);
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      // "No such name" ends the list; anything else is a real DNS problem for the caller to report.
      if (code === 'ENOTFOUND' || code === 'ENODATA') return [];
      throw error;
    }
  };
  const origin = (await lookup(`_origin._tcp.${hostname}`))[0];
  if (!origin) return [];
  const originName = origin.name.replace(/\.$/, '');
  // The origin is a target too, as in both providers: configured with a replica's endpoint, the
  // store's origin is then a failover target (when the origin is the configured one, it is dropped
  // with the configured endpoints).
  const found: SrvRecord[] = [origin];
  for (let i = 0; i < MAX_ALT_SETS; i++) {
    const records = await lookup(`_alt${i}._tcp.${originName}`);
    if (records.length === 0) break;
    found.push(...records);
  }
  const endpoints = found
    .map((r) => ({ ...r, name: r.name.replace(/\.$/, '').toLowerCase() }))
    .filter((r) => r.name.endsWith(domain))
    // Port 443 is the service's; another port (an emulator, a test) is kept in the endpoint.
    .map((r) => `https://${r.name}${r.port && r.port !== 443 ? `:${r.port}` : ''}`);
  // Shuffled, as the JS provider does, so a fleet spreads over the replicas.
  for (let i = endpoints.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [endpoints[i], endpoints[j]] = [endpoints[j]!, endpoints[i]!];
  }
  return [...new Set(endpoints)];
}

export class ReplicaSet<C> {
  readonly #options: ReplicaSetOptions<C>;
  readonly #configured: EndpointEntry<C>[];
  #discovered: EndpointEntry<C>[] = [];
  #discovery: Promise<void> | undefined;
  #discoveredAt = Number.NEGATIVE_INFINITY;
  #lastSuccess = -1;
  readonly #now: () => number;
  readonly #random: () => number;

  constructor(options: ReplicaSetOptions<C>) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#configured = options.endpoints.map((e) => this.#entry(e, false));
  }

  /** Whether replicas are looked up in DNS. */
  get discovers(): boolean {
    return Boolean(this.#options.discovery);
  }

  /** Every endpoint known now, configured first. */
  get entries(): readonly EndpointEntry<C>[] {
    return [...this.#configured, ...this.#discovered];
  }

  /** The endpoint whose host (and port) is `host`, configured or discovered. */
  find(host: string): EndpointEntry<C> | undefined {
    const wanted = host.toLowerCase();
    return this.entries.find((e) => e.host === wanted);
  }

  /**
   * The endpoints one operation tries, in order: configured ones not in back-off (rotated with
   * load balancing), then discovered ones. When every endpoint is in back-off, all of them, the
   * soonest out of back-off first: an operation someone asked for is better tried than refused.
   */
  async candidates(): Promise<EndpointEntry<C>[]> {
    const now = this.#now();
    if (this.#options.discovery && (this.#discovered.length === 0 || now - this.#discoveredAt > DISCOVERY_MAX_AGE_MS)) this.#startDiscovery();
    let configured = this.#configured;
    if (this.#options.loadBalancing && configured.length > 1 && this.#lastSuccess >= 0) {
      const start = (this.#lastSuccess + 1) % configured.length;
      configured = [...configured.slice(start), ...configured.slice(0, start)];
    }
    const available = [...configured, ...this.#discovered].filter((e) => e.backoffUntil <= now);
    if (available.length > 0) return available;
    // Everything is failing: look for replicas again (at most every 30 s), then try them all.
    if (this.#options.discovery) {
      this.#startDiscovery();
      await this.#discovery;
    }
    return [...this.#configured, ...this.#discovered].sort((a, b) => a.backoffUntil - b.backoffUntil);
  }

  /** Discovered replicas to try after every candidate failed (waits for a discovery in flight). */
  async more(tried: ReadonlySet<EndpointEntry<C>>): Promise<EndpointEntry<C>[]> {
    if (!this.#options.discovery) return [];
    this.#startDiscovery();
    await this.#discovery;
    return this.#discovered.filter((e) => !tried.has(e));
  }

  succeeded(entry: EndpointEntry<C>): void {
    entry.failures = 0;
    entry.backoffUntil = 0;
    const at = this.#configured.indexOf(entry);
    if (at >= 0) this.#lastSuccess = at;
  }

  failed(entry: EndpointEntry<C>): void {
    entry.failures++;
    entry.backoffUntil = this.#now() + replicaBackoffMs(entry.failures, this.#options.backoff, this.#random);
  }

  #entry(endpoint: string, discovered: boolean): EndpointEntry<C> {
    // Created on first use: constructing a provider must not import the SDK.
    let client: Promise<C> | undefined;
    const create = this.#options.createClient;
    return {
      endpoint,
      host: hostOf(endpoint),
      discovered,
      get client() {
        if (!client) {
          const created = create(endpoint);
          client = created;
          // A failed creation (an import error) is not kept: the next operation tries again.
          created.catch(() => {
            if (client === created) client = undefined;
          });
        }
        return client;
      },
      limiter: new AdaptiveLimiter({ max: this.#options.maxConcurrency ?? 32 }),
      failures: 0,
      backoffUntil: 0,
    };
  }

  #startDiscovery(): void {
    const discovery = this.#options.discovery;
    if (!discovery || this.#discovery) return;
    if (this.#now() - this.#discoveredAt < MIN_DISCOVERY_GAP_MS) return;
    this.#discoveredAt = this.#now();
    const run = async (): Promise<void> => {
      try {
        const resolveSrv =
          discovery === true ? (await import('node:dns/promises')).resolveSrv : (name: string) => discovery.resolveSrv(name);
        const found = await discoverReplicas(this.#configured[0]!.host, resolveSrv, this.#random);
        const configured = new Set(this.#configured.map((e) => e.host));
        const known = new Map(this.#discovered.map((e) => [e.host, e]));
        this.#discovered = found
          .filter((endpoint) => !configured.has(hostOf(endpoint)))
          // Known replicas keep their client and back-off state.
          .map((endpoint) => known.get(hostOf(endpoint)) ?? this.#entry(endpoint, true));
      } catch (error) {
        const code = (error as { code?: unknown } | null)?.code;
        this.#options.warn?.(`Replica discovery for '${this.#configured[0]!.host}' failed${typeof code === 'string' ? ` (${code})` : ''}; using the configured endpoints.`);
      } finally {
        this.#discovery = undefined;
      }
    };
    this.#discovery = run();
  }
}

/**
 * Runs one operation against the replica set in failover order: the next endpoint on a
 * failoverable error, anything else thrown at once. `failoverAvailable` tells the operation whether
 * another endpoint could take over (then it should hand over quickly). With discovery, replicas may
 * turn up after the configured endpoints failed; if none does, the first endpoint gets one more try
 * with the operation's full budget.
 */
export async function withFailover<C, T>(
  replicas: ReplicaSet<C>,
  run: (entry: EndpointEntry<C>, failoverAvailable: boolean) => Promise<T>,
  aborted: () => boolean,
): Promise<T> {
  const queue = await replicas.candidates();
  const first = queue[0];
  const tried = new Set<EndpointEntry<C>>();
  let lastError: unknown;
  let final = false;
  for (;;) {
    let entry = queue.shift();
    if (!entry) {
      queue.push(...(await replicas.more(tried)));
      entry = queue.shift();
      if (!entry) {
        if (final || !replicas.discovers || !first) throw lastError;
        final = true;
        entry = first;
      }
    }
    tried.add(entry);
    try {
      const result = await run(entry, !final && (queue.length > 0 || replicas.discovers));
      replicas.succeeded(entry);
      return result;
    } catch (error) {
      if (aborted() || !isFailoverable(error)) throw error;
      replicas.failed(entry);
      lastError = error;
    }
  }
}
