/**
 * The data-plane REST API of one endpoint, called as the Management SDK's `RestClient` +
 * `RestApiProvider` + `RestHubLifetimeManager` call it:
 * - `{ServerEndpoint}api/hubs/{hub lower-cased}{path}?api-version=2022-06-01`, URL and per-request
 *   token from `restApi()` (an access-key JWT whose audience is the request path, or the Microsoft
 *   Entra token for identity-based endpoints);
 * - POST bodies are `{"target","arguments"}` JSON;
 * - any 2xx is success; a 404 is an answer only with the `x-ms-error-code` the operation expects
 *   (`Warning.Connection.NotExisted`…), otherwise 400/401/403/404/other become typed errors;
 * - retries with exponential back-off (the SDK's 0.8 s doubling, at most 1 min) honouring
 *   `Retry-After`: operations that are safe to repeat retry 408, 429, 5xx, timeouts and network
 *   faults; message sends retry only what cannot have delivered the message (429, 5xx above 500 as
 *   the SDK's `IsTransientErrorAndIdempotentForMessageApi`, and requests that never went out),
 *   because the service answers 500 for its own timeouts and a resend could deliver twice.
 */
import type http from 'node:http';
import type { TokenCredential } from '@azure/core-auth';
import { retryAfterMs, sleep } from '../../net/retry.js';
import type { ServiceEndpoint } from './endpoints.js';
import { HttpTimeoutError, httpRequest, type HttpResponse } from './http.js';
import { SignalRRestError, type SignalRRestErrorCode } from './serviceErrors.js';
import { restApi, type RestApi } from './tokens.js';

export interface RestRetryOptions {
  /** Retries after the first attempt. Default 3 (the SDK's `ServiceManagerRetryOptions.MaxRetries`). */
  maxRetries?: number;
  /** The first back-off; each next one doubles. Default 800 ms (the SDK's `Delay`). */
  delayMs?: number;
  /** The longest back-off, and the longest `Retry-After` waited for (a longer one fails at once). Default 60 s. */
  maxDelayMs?: number;
}

export interface RestClientOptions {
  /** For identity-based endpoints: the credential the Entra token comes from. */
  credential?: TokenCredential;
  /** The HTTP agent (TLS trust, proxy, keep-alive) for REST calls. */
  agent?: http.Agent;
  /** Per attempt. Default 100 s (the SDK's `HttpClientTimeout`). */
  timeoutMs?: number;
  retry?: RestRetryOptions;
  /** Aborts waits and requests (the service's `dispose()`). */
  signal?: AbortSignal;
}

export interface RestOperation {
  method: 'POST' | 'PUT' | 'DELETE' | 'HEAD' | 'GET';
  /** Below `api/hubs/{hub}`, each name already escaped: `/:send`, `/users/alice/groups/room1`. */
  path: string;
  /** Extra query parameters (`ttl`, `reason`), after `api-version`. */
  query?: ReadonlyArray<readonly [string, string]>;
  /** The JSON body of a message send. */
  body?: string;
  /** A 404 carrying this `x-ms-error-code` is an answer ("does not exist"), not an error. */
  notFoundCode?: string;
}

export interface RestResult {
  status: number;
  /** For existence checks: 2xx → true, the expected 404 → false. */
  found: boolean;
}

/** .NET `Uri.EscapeDataString`, as the SDK escapes user ids, groups and connection ids in paths. */
export function escapeDataString(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const DEFAULT_TIMEOUT_MS = 100_000;
/** A JWT, should a service message ever quote one: never shown. */
const JWT_SHAPE = /eyJ[\w-]*\.[\w-]*\.[\w-]*/g;

interface Attempt {
  response?: HttpResponse;
  error?: unknown;
}

/** The service's own words from an error body (`ErrorDetail.message`), short and without anything token-shaped. */
function serviceMessage(body: string): string {
  let text = body.trim();
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && typeof (parsed as { message?: unknown }).message === 'string') text = (parsed as { message: string }).message;
  } catch {
    // not JSON: the text as it is
  }
  text = text.replace(JWT_SHAPE, '[token]').replace(/\s+/g, ' ');
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** REST calls to one endpoint. One per endpoint; the per-hub `restApi` (URL builder and signer) is made once. */
export class EndpointRestClient {
  readonly #endpoint: ServiceEndpoint;
  readonly #options: RestClientOptions;
  readonly #apis = new Map<string, Promise<RestApi>>();

  constructor(endpoint: ServiceEndpoint, options: RestClientOptions = {}) {
    this.#endpoint = endpoint;
    this.#options = options;
  }

  #api(hub: string): Promise<RestApi> {
    const key = hub.toLowerCase();
    let api = this.#apis.get(key);
    if (!api) {
      const { credential, agent } = this.#options;
      api = restApi(this.#endpoint, hub, { ...(credential ? { credential } : {}), ...(agent ? { agent } : {}) });
      // A failure (no key yet, an identity without the role) must not stick: the next call tries again.
      api.catch(() => this.#apis.delete(key));
      this.#apis.set(key, api);
    }
    return api;
  }

  async call(hub: string, op: RestOperation): Promise<RestResult> {
    const retry = this.#options.retry ?? {};
    const maxRetries = retry.maxRetries ?? 3;
    const delayMs = retry.delayMs ?? 800;
    const maxDelayMs = retry.maxDelayMs ?? 60_000;
    const isMessage = op.method === 'POST';
    let url = '';
    for (let attempt = 0; ; attempt++) {
      const api = await this.#api(hub);
      const request = await api.request(op.path);
      url = request.url + (op.query ?? []).map(([k, v]) => `&${escapeDataString(k)}=${escapeDataString(v)}`).join('');
      const outcome: Attempt = {};
      try {
        outcome.response = await httpRequest({
          method: op.method,
          url,
          headers: {
            authorization: `Bearer ${request.accessToken}`,
            ...(op.body !== undefined ? { 'content-type': 'application/json; charset=utf-8' } : {}),
          },
          ...(op.body !== undefined ? { body: op.body } : {}),
          ...(this.#options.agent ? { agent: this.#options.agent } : {}),
          timeoutMs: this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          ...(this.#options.signal ? { signal: this.#options.signal } : {}),
        });
      } catch (err) {
        if (this.#options.signal?.aborted) throw err;
        outcome.error = err;
      }
      const res = outcome.response;
      if (res && res.status >= 200 && res.status < 300) return { status: res.status, found: true };
      const errorCode = res ? headerOf(res, 'x-ms-error-code') : undefined;
      if (res && res.status === 404 && op.notFoundCode !== undefined && errorCode?.toLowerCase() === op.notFoundCode.toLowerCase()) {
        return { status: 404, found: false };
      }
      const retryable = res ? retryableStatus(res.status, isMessage) : retryableFailure(outcome.error, isMessage);
      if (retryable && attempt < maxRetries) {
        const asked = res ? retryAfterMs({ response: { headers: res.headers } }) : undefined;
        if (asked === undefined || asked <= maxDelayMs) {
          await sleep(asked ?? Math.min(maxDelayMs, delayMs * 2 ** attempt), this.#options.signal);
          continue;
        }
      }
      throw this.#error(op.method, url, outcome, attempt + 1, errorCode);
    }
  }

  #error(method: string, url: string, outcome: Attempt, attempts: number, errorCode: string | undefined): SignalRRestError {
    const endpoint = this.#endpoint.toString();
    const res = outcome.response;
    const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
    const where = `${method} ${url}`;
    const details = { endpoint, method, url, attempts, ...(res ? { statusCode: res.status } : {}), ...(errorCode !== undefined ? { errorCode } : {}), ...endpointOrigin(this.#endpoint) };
    const identity = this.#endpoint.connection.auth.kind !== 'accessKey';
    if (!res) {
      const timeout = outcome.error instanceof HttpTimeoutError;
      const code: SignalRRestErrorCode = timeout ? 'SIGNALR_REST_TIMEOUT' : 'SIGNALR_REST_NETWORK';
      const cause = outcome.error;
      const reason = timeout ? 'no answer in time' : `${(cause as { code?: string } | undefined)?.code ?? 'network error'}`;
      return new SignalRRestError(`SignalR endpoint ${endpoint} could not be reached${tries}: ${reason} (${where}).`, code, { ...details, cause: sanitized(cause) });
    }
    const said = serviceMessage(res.body);
    const suffix = said === '' ? '' : ` The service said: ${said}`;
    let code: SignalRRestErrorCode;
    let text: string;
    switch (res.status) {
      case 400:
        code = 'SIGNALR_REST_INVALID_ARGUMENT';
        text = `Bad Request from SignalR endpoint ${endpoint}.${suffix}`;
        break;
      case 401:
        code = 'SIGNALR_REST_UNAUTHORIZED';
        text = identity
          ? // REST tokens of identity endpoints are signed with the key from the Entra key exchange (accessKey.ts),
            // so a refusal means that key was rotated or revoked, or the identity lost the role that hands it out.
            `401 Unauthorized from SignalR endpoint ${endpoint}: the token signed with the key from the Microsoft Entra key exchange was not accepted (the key may have been rotated or revoked); the identity needs the 'SignalR App Server' role on the resource.`
          : `401 Unauthorized from SignalR endpoint ${endpoint}: please check the connection string and see if the AccessKey is correct.`;
        break;
      case 403:
        code = 'SIGNALR_REST_FORBIDDEN';
        text = `403 Forbidden from SignalR endpoint ${endpoint}: check the service's Networking settings${identity ? " and the identity's role ('SignalR App Server')" : ''}.`;
        break;
      case 404:
        code = 'SIGNALR_REST_NOT_FOUND';
        text = `Unable to access SignalR endpoint ${endpoint} (404${errorCode ? `, ${errorCode}` : ''}): please make sure the endpoint or DNS setting is correct.`;
        break;
      default:
        code = 'SIGNALR_REST_RUNTIME';
        text = `Azure SignalR service runtime error from endpoint ${endpoint}: status ${res.status}${tries}.${suffix}`;
    }
    return new SignalRRestError(`${text} (${where})`, code, details);
  }
}

function headerOf(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function retryableStatus(status: number, isMessage: boolean): boolean {
  if (status === 429) return true;
  return isMessage ? status > 500 : status >= 500 || status === 408;
}

const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function retryableFailure(error: unknown, isMessage: boolean): boolean {
  const e = error as { code?: unknown; sent?: unknown } | undefined;
  if (!isMessage) return error instanceof HttpTimeoutError || typeof e?.code === 'string';
  // A message that may have reached the service is not sent again.
  if (error instanceof HttpTimeoutError) return !error.sent;
  return typeof e?.code === 'string' && (NEVER_SENT.has(e.code) || e.sent === false);
}

/** A network error without anything a caller could mistake for a secret (the request options stay behind). */
function sanitized(error: unknown): Error | undefined {
  if (!(error instanceof Error)) return undefined;
  const copy = new Error(error.message.replace(JWT_SHAPE, '[token]'));
  copy.name = error.name;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') Object.assign(copy, { code });
  return copy;
}

function endpointOrigin(e: ServiceEndpoint): { key?: string; provider?: string; source?: string } {
  return {
    ...(e.key !== undefined ? { key: e.key } : {}),
    ...(e.provider !== undefined ? { provider: e.provider } : {}),
    ...(e.source !== undefined ? { source: e.source } : {}),
  };
}
