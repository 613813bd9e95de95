/**
 * Endpoint health as the Management SDK's `RestHealthCheckService` probes it: `HEAD
 * {ServerEndpoint}api/health?api-version=2022-06-01` with no Authorization header, any 2xx
 * healthy; an unhealthy answer is retried twice (`MaxRetries = 2`) `retryIntervalMs` apart
 * before the endpoint is marked offline, and a healthy one marks it online again. Probes run
 * only when there is more than one endpoint, or one that is offline (a single endpoint has nowhere
 * else to send clients). The first round runs at start, the next `intervalMs` after the previous one ended.
 */
import { setMaxListeners } from 'node:events';
import type http from 'node:http';
import { sleep } from '../../net/retry.js';
import { httpRequest } from './http.js';
import { REST_API_VERSION } from './tokens.js';

/** The SDK's `HealthCheckOption` defaults. */
export const HEALTH_CHECK_DEFAULTS = Object.freeze({ intervalMs: 120_000, retryIntervalMs: 3_000, timeoutMs: 2_000, retries: 2 });

export interface Probed {
  /** Where REST calls go (`effectiveServerEndpoint`). */
  readonly serverEndpoint: string;
  online: boolean;
}

export interface HealthCheckOptions {
  intervalMs?: number;
  retryIntervalMs?: number;
  timeoutMs?: number;
  agent?: http.Agent;
  /** Called when an endpoint changes state. */
  onStateChange?: (endpoint: Probed, online: boolean) => void;
}

/** `{ServerEndpoint}api/health?api-version=…`: the probe URL (ServerEndpoint ends with `/` or gets one). */
export function healthUrl(serverEndpoint: string): string {
  return `${serverEndpoint.endsWith('/') ? serverEndpoint : `${serverEndpoint}/`}api/health?api-version=${REST_API_VERSION}`;
}

export async function isHealthy(serverEndpoint: string, options: { timeoutMs: number; agent?: http.Agent; signal?: AbortSignal }): Promise<boolean> {
  try {
    const res = await httpRequest({
      method: 'HEAD',
      url: healthUrl(serverEndpoint),
      timeoutMs: options.timeoutMs,
      ...(options.agent ? { agent: options.agent } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return res.status >= 200 && res.status < 300;
  } catch {
    // As the SDK: hard to tell a transient fault, so it counts as unhealthy and is retried.
    return false;
  }
}

export class HealthMonitor {
  readonly #endpoints: () => readonly Probed[];
  readonly #options: Required<Omit<HealthCheckOptions, 'agent' | 'onStateChange'>> & Pick<HealthCheckOptions, 'agent' | 'onStateChange'>;
  readonly #abort = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(endpoints: () => readonly Probed[], options: HealthCheckOptions = {}) {
    this.#endpoints = endpoints;
    setMaxListeners(0, this.#abort.signal);
    this.#options = {
      intervalMs: options.intervalMs ?? HEALTH_CHECK_DEFAULTS.intervalMs,
      retryIntervalMs: options.retryIntervalMs ?? HEALTH_CHECK_DEFAULTS.retryIntervalMs,
      timeoutMs: options.timeoutMs ?? HEALTH_CHECK_DEFAULTS.timeoutMs,
      ...(options.agent ? { agent: options.agent } : {}),
      ...(options.onStateChange ? { onStateChange: options.onStateChange } : {}),
    };
  }

  /**
   * Starts the rounds: the first at once, as the SDK's `RestHealthCheckService.StartAsync` runs one
   * before its loop (so an endpoint that is down is offline from the start, not two minutes on),
   * then one `intervalMs` after the previous ended. An interval of 0 or Infinity means: only on `check()`.
   */
  start(): void {
    const ms = this.#options.intervalMs;
    if (this.#stopped || !(ms > 0 && Number.isFinite(ms))) return;
    void this.check().finally(() => this.#schedule());
  }

  #schedule(): void {
    const ms = this.#options.intervalMs;
    if (this.#stopped || !(ms > 0 && Number.isFinite(ms))) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.check().finally(() => this.#schedule());
    }, ms);
    // The probes must not keep a process alive that has nothing else to do.
    this.#timer.unref();
  }

  /** One round now (joining a round already running). Resolves when every endpoint has its new state. */
  check(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#running ??= this.#round().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #round(): Promise<void> {
    const endpoints = this.#endpoints();
    if (endpoints.length <= 1 && endpoints.every((e) => e.online)) return;
    const signal = this.#abort.signal;
    await Promise.all(
      endpoints.map(async (endpoint) => {
        let healthy = false;
        for (let attempt = 0; ; attempt++) {
          healthy = await isHealthy(endpoint.serverEndpoint, { timeoutMs: this.#options.timeoutMs, ...(this.#options.agent ? { agent: this.#options.agent } : {}), signal });
          if (healthy || attempt >= HEALTH_CHECK_DEFAULTS.retries || signal.aborted) break;
          try {
            await sleep(this.#options.retryIntervalMs, signal);
          } catch {
            return;
          }
        }
        if (signal.aborted) return;
        if (endpoint.online !== healthy) {
          endpoint.online = healthy;
          this.#options.onStateChange?.(endpoint, healthy);
        }
      }),
    );
  }

  /** Stops the timer and abandons probes in flight (their results are dropped). */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#abort.abort();
  }
}
