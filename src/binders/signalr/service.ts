/**
 * `createSignalRService`: what a Node app server needs from Azure SignalR, as .NET apps get it from
 * `Microsoft.Azure.SignalR.Management` (`ServiceManager` / `ServiceHubContext`): negotiate through
 * a router, send messages and manage groups over the data-plane REST API on every endpoint, probe
 * endpoint health, and follow configuration reloads (endpoints added, removed or changed take
 * effect without a restart, as the SDK's `ServiceEndpointManager` does on options change).
 */
import { setMaxListeners } from 'node:events';
import type http from 'node:http';
import type { TokenCredential } from '@azure/core-auth';
import { ConfigurationError } from '../../core/errors.js';
import { combinePath, foldKey, getParentPath } from '../../core/path.js';
import { ConfigurationRoot } from '../../core/root.js';
import { ConfigurationSection } from '../../core/section.js';
import type { SignalRAuth } from './connectionString.js';
import {
  createServiceEndpoint,
  distinctEndpoints,
  endpointsEqual,
  getSignalREndpoints,
  ServiceEndpoint,
  SIGNALR_CONNECTION_STRING_KEY,
  type SignalRConfigurationSource,
} from './endpoints.js';
import { SignalREndpointsError } from './errors.js';
import { HealthMonitor, type Probed } from './health.js';
import { checkHubName, checkUserId } from './names.js';
import { Hub, type SignalRHub } from './hub.js';
export type { SignalRHub, AddToGroupOptions } from './hub.js';
import { createNegotiateHandler, type NegotiateHandler, type NegotiateHandlerOptions } from './negotiateHandler.js';
import { EndpointRestClient, type RestRetryOptions } from './rest.js';
import {
  defaultMessageEndpoints,
  defaultNegotiateEndpoint,
  type EndpointRouter,
  type MessageTarget,
  type NegotiateContext,
  type RoutedEndpoint,
} from './router.js';
import {
  SignalRArgumentError,
  SignalRDisposedError,
  SignalRRouterError,
} from './serviceErrors.js';
import { negotiate as negotiateWith, type NegotiateOptions, type NegotiateResponse } from './tokens.js';

export interface SignalRServiceOptions {
  /** For identity-based endpoints: the credential Microsoft Entra tokens come from (default: the endpoint's own, from `credentialFor`). */
  credential?: TokenCredential;
  /** Replaces the negotiate choice, the message choice, or both. */
  router?: EndpointRouter;
  /** Between health rounds. Default 120 000 (the SDK's 2 min); 0 turns the timer off (`checkHealth()` still probes). */
  healthCheckIntervalMs?: number;
  /** Between the probes of an unhealthy endpoint before it is marked offline. Default 3 000. */
  healthCheckRetryIntervalMs?: number;
  /** One probe's timeout. Default 2 000. */
  healthCheckTimeoutMs?: number;
  /** The HTTP agent for REST calls, health probes and the Entra key exchange (TLS trust, proxy, keep-alive). */
  agent?: http.Agent;
  /** One REST attempt's timeout. Default 100 000 (the SDK's `HttpClientTimeout`). */
  timeoutMs?: number;
  retry?: RestRetryOptions;
  /** Hears what the service cannot throw to a caller: a reload with invalid SignalR settings (the last good endpoints stay). */
  onError?: (error: ConfigurationError) => void;
  /** Randomness of the negotiate pick, in [0, 1). For tests. */
  random?: () => number;
}

export type SignalRServiceSource = ConfigurationRoot | ConfigurationSection | readonly (ServiceEndpoint | string)[];

export interface ServiceNegotiateOptions {
  /** Put in the token's `asrs.s.uid` claim: the id `sendToUser` addresses. Take it from a verified source (a session, a validated JWT), never from what the client says. */
  userId?: string;
  claims?: Readonly<Record<string, string | readonly string[]>>;
  /** The client token's lifetime. Default one hour. */
  lifetimeMs?: number;
  /** The HTTP request being answered, passed on to a custom router. */
  request?: http.IncomingMessage;
}

/** An endpoint's current state, as `signalr.endpoints` lists it. */
export interface SignalREndpointState {
  readonly name: string;
  readonly type: 'primary' | 'secondary';
  readonly endpoint: string;
  readonly online: boolean;
}

export interface SignalRService {
  /** A client's `{ url, accessToken }` for `hub`, from the endpoint the router picks. */
  negotiate(hub: string, options?: ServiceNegotiateOptions): Promise<NegotiateResponse>;
  /** A `(req, res[, next])` handler for `node:http` and Express answering `POST …/negotiate`. */
  negotiateHandler(hub: string, options?: NegotiateHandlerOptions): NegotiateHandler;
  hub(name: string): SignalRHub;
  /** The endpoints now in use and their health. */
  readonly endpoints: readonly SignalREndpointState[];
  /** Probes every endpoint now (as the periodic round does) and resolves when their states are updated. */
  checkHealth(): Promise<void>;
  /** Stops health probes and configuration tracking and aborts REST calls in flight. */
  dispose(): Promise<void>;
}

// ---- endpoints at run time -------------------------------------------------------------------------

class EndpointRuntime implements RoutedEndpoint, Probed {
  online = true;
  readonly serviceEndpoint: ServiceEndpoint;
  readonly rest: EndpointRestClient;
  constructor(serviceEndpoint: ServiceEndpoint, rest: EndpointRestClient) {
    this.serviceEndpoint = serviceEndpoint;
    this.rest = rest;
  }
  get name(): string {
    return this.serviceEndpoint.name;
  }
  get type(): 'primary' | 'secondary' {
    return this.serviceEndpoint.type;
  }
  get endpoint(): string {
    return this.serviceEndpoint.endpoint;
  }
  get serverEndpoint(): string {
    return this.serviceEndpoint.connection.effectiveServerEndpoint;
  }
  toJSON(): SignalREndpointState {
    return { name: this.name, type: this.type, endpoint: this.endpoint, online: this.online };
  }
  toString(): string {
    return this.serviceEndpoint.toString();
  }
}

function sameAuth(a: SignalRAuth, b: SignalRAuth): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'accessKey':
      return a.accessKey === (b as typeof a).accessKey;
    case 'default':
      return true;
    case 'managedIdentity':
      return a.clientId === (b as typeof a).clientId;
    case 'application': {
      const o = b as typeof a;
      return a.tenantId === o.tenantId && a.clientId === o.clientId && a.clientSecret === o.clientSecret && a.certificatePath === o.certificatePath;
    }
  }
}

/** The same resource, name, type and credentials: its runtime state (health) carries over a reload. */
function sameEndpoint(a: ServiceEndpoint, b: ServiceEndpoint): boolean {
  return endpointsEqual(a, b) && sameAuth(a.connection.auth, b.connection.auth);
}

/**
 * The tree to read `Azure:SignalR:…` from. A section named `…Azure:SignalR` is read as that
 * section; any other section holds the `Azure:SignalR:…` keys below it.
 */
function readerOf(source: ConfigurationRoot | ConfigurationSection): SignalRConfigurationSource {
  if (source instanceof ConfigurationRoot) return source;
  let base: string | null = source.path;
  const signalrSuffix = foldKey(getParentPath(SIGNALR_CONNECTION_STRING_KEY)!);
  if (foldKey(base) === signalrSuffix || foldKey(base).endsWith(`:${signalrSuffix}`)) base = getParentPath(getParentPath(base)!);
  const root = source.root;
  if (base === null || base === '') return root;
  const prefix = base;
  return {
    get: (key) => root.get(combinePath(prefix, key)),
    getSection: (key) => root.getSection(combinePath(prefix, key)),
    origin: (key) => root.origin(combinePath(prefix, key)),
  };
}

function endpointsFromArray(items: readonly (ServiceEndpoint | string)[]): ServiceEndpoint[] {
  if (!Array.isArray(items)) throw new SignalRArgumentError('createSignalRService takes a ConfigurationRoot, a ConfigurationSection or an array of endpoints.', 'config');
  const endpoints = items.map((item, i) => {
    if (item instanceof ServiceEndpoint) return item;
    if (typeof item === 'string') return createServiceEndpoint(item);
    throw new SignalRArgumentError(`Endpoint ${i} is neither a ServiceEndpoint nor a connection string.`, 'config');
  });
  if (endpoints.length === 0) {
    throw new SignalREndpointsError('No connection string was specified: the endpoint array is empty.', 'SIGNALR_NO_ENDPOINT');
  }
  if (!endpoints.some((e) => e.type === 'primary')) {
    throw new SignalREndpointsError(`No primary endpoint defined. Every endpoint given is secondary: ${endpoints.map(String).join(', ')}.`, 'SIGNALR_NO_PRIMARY');
  }
  return endpoints;
}

// ---- the service -------------------------------------------------------------------------------------

class Service implements SignalRService {
  readonly #options: SignalRServiceOptions;
  readonly #abort = new AbortController();
  readonly #health: HealthMonitor;
  #runtimes: EndpointRuntime[];
  #unsubscribe: (() => void) | undefined;
  #disposed = false;

  constructor(source: SignalRServiceSource, options: SignalRServiceOptions) {
    this.#options = options;
    // Every REST call in flight listens on this one signal; a busy server has many.
    setMaxListeners(0, this.#abort.signal);
    if (source instanceof ConfigurationRoot || source instanceof ConfigurationSection) {
      const reader = readerOf(source);
      this.#runtimes = this.#runtimesFor(distinctEndpoints(getSignalREndpoints(reader)), []);
      const root = source instanceof ConfigurationRoot ? source : source.root;
      this.#unsubscribe = root.onChange(() => this.#reload(reader));
    } else {
      this.#runtimes = this.#runtimesFor(distinctEndpoints(endpointsFromArray(source)), []);
    }
    this.#health = new HealthMonitor(() => this.#runtimes, {
      ...(options.healthCheckIntervalMs !== undefined ? { intervalMs: options.healthCheckIntervalMs } : {}),
      ...(options.healthCheckRetryIntervalMs !== undefined ? { retryIntervalMs: options.healthCheckRetryIntervalMs } : {}),
      ...(options.healthCheckTimeoutMs !== undefined ? { timeoutMs: options.healthCheckTimeoutMs } : {}),
      ...(options.agent ? { agent: options.agent } : {}),
    });
    this.#health.start();
  }

  #runtimesFor(endpoints: readonly ServiceEndpoint[], previous: readonly EndpointRuntime[]): EndpointRuntime[] {
    return endpoints.map(
      (e) =>
        previous.find((r) => sameEndpoint(r.serviceEndpoint, e)) ??
        new EndpointRuntime(
          e,
          new EndpointRestClient(e, {
            ...(this.#options.credential ? { credential: this.#options.credential } : {}),
            ...(this.#options.agent ? { agent: this.#options.agent } : {}),
            ...(this.#options.timeoutMs !== undefined ? { timeoutMs: this.#options.timeoutMs } : {}),
            ...(this.#options.retry ? { retry: this.#options.retry } : {}),
            signal: this.#abort.signal,
          }),
        ),
    );
  }

  #reload(reader: SignalRConfigurationSource): void {
    if (this.#disposed) return;
    let next: ServiceEndpoint[];
    try {
      next = distinctEndpoints(getSignalREndpoints(reader));
    } catch (err) {
      // Invalid settings after a reload: keep serving with the last good endpoints, and say so.
      const error = err instanceof ConfigurationError ? err : new SignalREndpointsError('Could not read the SignalR endpoints after a reload.', 'SIGNALR_ENDPOINT', { cause: err });
      this.#options.onError?.(error);
      return;
    }
    // Unchanged endpoints keep their state; removed ones are dropped with their clients and caches.
    this.#runtimes = this.#runtimesFor(next, this.#runtimes);
  }

  #assertLive(): void {
    if (this.#disposed) throw new SignalRDisposedError();
  }

  get endpoints(): readonly SignalREndpointState[] {
    return Object.freeze(this.#runtimes.map((r) => Object.freeze(r.toJSON())));
  }

  async checkHealth(): Promise<void> {
    this.#assertLive();
    return this.#health.check();
  }

  #resolve(chosen: RoutedEndpoint | ServiceEndpoint | undefined, set: readonly EndpointRuntime[], what: string): EndpointRuntime {
    const hit =
      set.find((r) => r === chosen) ??
      (chosen instanceof ServiceEndpoint ? set.find((r) => r.serviceEndpoint === chosen || endpointsEqual(r.serviceEndpoint, chosen)) : undefined);
    if (!hit) {
      const shown = chosen instanceof ServiceEndpoint || chosen instanceof EndpointRuntime ? chosen.toString() : typeof chosen;
      throw new SignalRRouterError(
        `The router's ${what} returned ${shown}, which is not one of the endpoints it was given (${set.map(String).join(', ') || 'none'}).`,
      );
    }
    return hit;
  }

  negotiate(hub: string, options: ServiceNegotiateOptions = {}): Promise<NegotiateResponse> {
    // Not async: the token's own promise is returned as it is (one promise per negotiation, not two);
    // a bad argument still rejects rather than throws.
    try {
      return this.#negotiate(hub, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #negotiate(hub: string, options: ServiceNegotiateOptions): Promise<NegotiateResponse> {
    this.#assertLive();
    checkHubName(hub);
    if (options.userId !== undefined) checkUserId(options.userId);
    let lifetime: number | undefined;
    if (options.lifetimeMs !== undefined) {
      if (typeof options.lifetimeMs !== 'number' || !Number.isFinite(options.lifetimeMs) || options.lifetimeMs < 1000) {
        throw new SignalRArgumentError('lifetimeMs must be a finite number of at least 1000 milliseconds.', 'lifetimeMs');
      }
      lifetime = options.lifetimeMs / 1000;
    }
    const set = this.#runtimes;
    const custom = this.#options.router?.negotiate;
    let chosen: EndpointRuntime;
    if (custom) {
      const context: NegotiateContext = {
        hub,
        ...(options.userId !== undefined ? { userId: options.userId } : {}),
        ...(options.claims !== undefined ? { claims: options.claims } : {}),
        ...(options.request !== undefined ? { request: options.request } : {}),
      };
      chosen = this.#resolve(custom.call(this.#options.router, set, context), set, 'negotiate()');
    } else {
      chosen = defaultNegotiateEndpoint(set, this.#options.random) as EndpointRuntime;
    }
    // Built field by field: this runs once per negotiation.
    const tokenOptions: NegotiateOptions = {};
    if (options.userId !== undefined) tokenOptions.userId = options.userId;
    if (options.claims !== undefined) tokenOptions.claims = options.claims;
    if (lifetime !== undefined) tokenOptions.lifetime = lifetime;
    if (this.#options.credential) tokenOptions.credential = this.#options.credential;
    if (this.#options.agent) tokenOptions.agent = this.#options.agent;
    return negotiateWith(chosen.serviceEndpoint, hub, tokenOptions);
  }

  negotiateHandler(hub: string, options: NegotiateHandlerOptions = {}): NegotiateHandler {
    this.#assertLive();
    checkHubName(hub);
    return createNegotiateHandler((h, o) => this.negotiate(h, o), hub, options);
  }

  hub(name: string): SignalRHub {
    this.#assertLive();
    checkHubName(name);
    return new Hub(this, name);
  }

  /** The endpoints an operation goes to. */
  route(target: MessageTarget): EndpointRuntime[] {
    this.#assertLive();
    const set = this.#runtimes;
    const custom = this.#options.router?.messages;
    if (!custom) return defaultMessageEndpoints(set) as EndpointRuntime[];
    const chosen = custom.call(this.#options.router, set, target);
    if (!Array.isArray(chosen)) throw new SignalRRouterError(`The router's messages() returned ${typeof chosen}, not an array of endpoints.`);
    return [...new Set(chosen.map((c) => this.#resolve(c, set, 'messages()')))];
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#unsubscribe?.();
    this.#health.stop();
    this.#abort.abort(new SignalRDisposedError());
  }
}

/**
 * The app-server side of Azure SignalR for a set of endpoints: from a `ConfigurationRoot` or
 * section (read with `getSignalREndpoints`, followed across reloads) or an array of endpoints or
 * connection strings.
 *
 * @throws SignalREndpointsError when there is no endpoint or no primary; the configuration's own errors for invalid entries.
 */
export function createSignalRService(source: SignalRServiceSource, options: SignalRServiceOptions = {}): SignalRService {
  return new Service(source, options);
}
