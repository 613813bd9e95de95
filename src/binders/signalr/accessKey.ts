/**
 * The Microsoft Entra key exchange of identity-based SignalR endpoints, as the SDK's
 * `MicrosoftEntraAccessKey` does it: the app server gets a signing key from the service with
 * `GET {ServerEndpoint ?? Endpoint}/api/v1/auth/accessKey` and an Entra bearer token for
 * `https://signalr.azure.com/.default`, then signs client and REST tokens HS256 with the key's
 * UTF-8 bytes and `kid` = KeyId.
 *
 * Timing (the SDK's constants): the first use waits for the first fetch; the key is refreshed when
 * 55 minutes old, retried every 5 minutes once it is unavailable, and unusable 120 minutes after
 * the last success. A fetch makes 3 attempts, 3 s apart (at once after a timeout), each limited to
 * 100 s. A 1-minute tick drives refreshes, and so does each use of a key that is due, as the SDK's
 * `GenerateAccessTokenAsync` (which then waits for the fetch only if there is no usable key); only
 * one fetch runs at a time per key. Timers are unref'd so an idle key never keeps a process alive;
 * `dispose()` stops them.
 */
import http from 'node:http';
import https from 'node:https';
import type { TokenCredential } from '@azure/core-auth';
import type { TokenCredentialOptions } from '@azure/identity';
import { describeOrigin, type ConfigurationErrorDetails } from '../../core/errors.js';
import { fingerprint, scrubSecrets } from '../../core/secrets.js';
import type { SignalRConnection } from './connectionString.js';
import { credentialFor, SIGNALR_SCOPE } from './credentials.js';
import { ServiceEndpoint } from './endpoints.js';
import { SignalRAccessKeyError, type SignalRAccessKeyFailure } from './errors.js';

export const ACCESS_KEY_REFRESH_MS = 55 * 60_000;
export const ACCESS_KEY_RETRY_WHEN_UNAVAILABLE_MS = 5 * 60_000;
export const ACCESS_KEY_EXPIRY_MS = 120 * 60_000;
export const ACCESS_KEY_ATTEMPTS = 3;
export const ACCESS_KEY_RETRY_DELAY_MS = 3_000;
export const ACCESS_KEY_ATTEMPT_TIMEOUT_MS = 100_000;
export const ACCESS_KEY_TICK_MS = 60_000;
/** The SDK asks the credential up to three times, without delay, before giving up on an attempt. */
const TOKEN_ATTEMPTS = 3;
const APP_SERVER_ROLE = 'SignalR App Server';
/** What the SDK says when a 403 comes from the resource's network rules (an nginx page). */
const NETWORK_MESSAGE = 'please check your service Networking settings (public network access, private endpoints, IP rules)';

/** Options every token function takes for identity-based endpoints. */
export interface AccessKeyOptions {
  /** The credential for the Entra token, overriding the one `credentialFor` builds from the connection string. */
  credential?: TokenCredential;
  /** Passed to `credentialFor` when no `credential` is given. */
  credentialOptions?: TokenCredentialOptions;
  /** The HTTP(S) agent for the key request (a private CA, a proxy, keep-alive). */
  agent?: http.Agent;
  /** The cache to keep keys in; default the process-wide `signalRAccessKeys`. */
  accessKeys?: SignalRAccessKeyCache;
}

export interface SignalRSigningKey {
  key: string;
  /** Present for Entra keys (the service's KeyId); absent for AccessKey connection strings. */
  kid?: string;
}

export interface AccessKeyStatus {
  available: boolean;
  kid?: string;
  /** `Date.now()` of the last success, or of the last failure once the key is unavailable. */
  updatedAt?: number;
  lastError?: SignalRAccessKeyError;
}

function connectionOf(target: ServiceEndpoint | SignalRConnection): SignalRConnection {
  return target instanceof ServiceEndpoint ? target.connection : target;
}

/** Where an endpoint came from in the configuration, for error details. */
export function endpointOrigin(target: ServiceEndpoint | SignalRConnection): ConfigurationErrorDetails {
  if (!(target instanceof ServiceEndpoint) || target.key === undefined) return {};
  return {
    key: target.key,
    ...(target.provider !== undefined ? { provider: target.provider } : {}),
    ...(target.source !== undefined ? { source: target.source } : {}),
  };
}

/** The SDK's `(serverEndpoint ?? endpoint).Append("/api/v1/auth/accessKey")`: path kept, default port dropped. */
export function accessKeyUrl(connection: SignalRConnection): string {
  const base = connection.effectiveServerEndpoint;
  return `${base.endsWith('/') ? base : `${base}/`}api/v1/auth/accessKey`;
}

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms).unref?.();
  });

interface Answer {
  status: number;
  body: string;
}

class AttemptTimeout extends Error {}

function get(url: string, token: string, agent: http.Agent | undefined): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const client = url.startsWith('https:') ? https : http;
    const req = client.request(url, { method: 'GET', headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, ...(agent ? { agent } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body });
      });
      res.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    const timer = setTimeout(() => req.destroy(new AttemptTimeout()), ACCESS_KEY_ATTEMPT_TIMEOUT_MS);
    timer.unref?.();
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end();
  });
}

/** One endpoint's key: fetched on first use, refreshed by a tick, shared by every caller. */
export class SignalREntraAccessKey {
  readonly url: string;
  readonly endpoint: string;
  #origin: ConfigurationErrorDetails;
  #credential: () => Promise<TokenCredential>;
  /** Secrets a credential error might echo (a client secret), scrubbed from messages. */
  #secrets: string[];
  #agent: http.Agent | undefined;
  #kid: string | undefined;
  #key: string | undefined;
  #authorized = false;
  #updatedAt = Number.NEGATIVE_INFINITY;
  #lastError: SignalRAccessKeyError | undefined;
  #running: Promise<void> | undefined;
  #initialized = false;
  #init: Promise<void>;
  #resolveInit!: () => void;
  #tick: NodeJS.Timeout | undefined;
  #disposed = false;

  constructor(target: ServiceEndpoint | SignalRConnection, credential: () => Promise<TokenCredential>, agent?: http.Agent) {
    const connection = connectionOf(target);
    this.url = accessKeyUrl(connection);
    this.endpoint = connection.endpoint;
    this.#origin = endpointOrigin(target);
    this.#credential = credential;
    const auth = connection.auth;
    this.#secrets = auth.kind === 'application' && auth.clientSecret !== undefined ? [auth.clientSecret] : [];
    this.#agent = agent;
    this.#init = new Promise((resolve) => (this.#resolveInit = resolve));
  }

  /** Later callers may bring an agent (TLS settings) the first did not. */
  useAgent(agent: http.Agent | undefined): void {
    if (agent) this.#agent = agent;
  }

  /** The SDK's `Available`: authorized and less than 120 minutes since the last success. */
  get available(): boolean {
    return this.#authorized && Date.now() - this.#updatedAt < ACCESS_KEY_EXPIRY_MS;
  }

  status(): AccessKeyStatus {
    return {
      available: this.available,
      ...(this.#kid !== undefined ? { kid: this.#kid } : {}),
      ...(Number.isFinite(this.#updatedAt) ? { updatedAt: this.#updatedAt } : {}),
      ...(this.#lastError ? { lastError: this.#lastError } : {}),
    };
  }

  /**
   * The signing key, waiting for the first fetch. A key that is due is fetched again now, without
   * waiting for the tick; the caller waits for that fetch only when there is no usable key
   * meanwhile (unavailable, retried 5 minutes after the last failure). Throws the typed reason
   * when there is no key.
   */
  async get(): Promise<Required<SignalRSigningKey>> {
    this.#startTick();
    const due = this.update();
    await this.#init;
    if (!this.available) await due;
    if (this.available) return { key: this.#key!, kid: this.#kid! };
    throw this.#unavailableError();
  }

  /**
   * Fetches a new key when one is due (55 minutes after a success, 5 after the key became
   * unavailable). Joins a fetch already running rather than starting a second one.
   */
  update(): Promise<void> {
    if (this.#running) return this.#running;
    const age = Date.now() - this.#updatedAt;
    if (this.available && age < ACCESS_KEY_REFRESH_MS) return Promise.resolve();
    if (!this.available && age < ACCESS_KEY_RETRY_WHEN_UNAVAILABLE_MS) return Promise.resolve();
    this.#running = this.#fetch().finally(() => (this.#running = undefined));
    return this.#running;
  }

  /**
   * One attempt at the exchange, without retries, timers or touching the cached key: what
   * `layered-config check --connect` asks. Resolves the issued KeyId; throws the typed reason.
   */
  async probe(): Promise<{ kid: string }> {
    const { kid } = await this.#attempt();
    return { kid };
  }

  async #fetch(): Promise<void> {
    for (let attempt = 1; attempt <= ACCESS_KEY_ATTEMPTS && !this.#disposed; attempt++) {
      try {
        const { kid, key } = await this.#attempt();
        this.#kid = kid;
        this.#key = key;
        this.#authorized = true;
        this.#updatedAt = Date.now();
        this.#lastError = undefined;
        this.#settle();
        return;
      } catch (err) {
        this.#lastError = err as SignalRAccessKeyError;
        // The SDK retries a timed-out attempt at once and waits 3 s after any other failure.
        if (this.#lastError.failure !== 'timeout' && attempt < ACCESS_KEY_ATTEMPTS) await sleep(ACCESS_KEY_RETRY_DELAY_MS);
      }
    }
    // A failed refresh of a still valid key keeps it (and its time) until it expires; only an
    // unavailable key restarts the clock, so the next try comes 5 minutes later.
    if (!this.available) {
      this.#authorized = false;
      this.#updatedAt = Date.now();
    }
    this.#settle();
  }

  #settle(): void {
    this.#initialized = true;
    this.#resolveInit();
  }

  async #attempt(): Promise<{ kid: string; key: string }> {
    let token: string | undefined;
    let tokenError: unknown;
    for (let i = 0; i < TOKEN_ATTEMPTS && token === undefined; i++) {
      try {
        const credential = await this.#credential();
        const t = await credential.getToken(SIGNALR_SCOPE);
        if (t?.token) token = t.token;
        else tokenError = new Error('The credential returned no token.');
      } catch (err) {
        tokenError = err;
      }
    }
    if (token === undefined) {
      const reason = tokenError instanceof Error ? `${tokenError.name}: ${tokenError.message}` : 'no token';
      throw this.#error('credential', `no Microsoft Entra token for ${SIGNALR_SCOPE} could be obtained (${scrubSecrets(reason, this.#secrets)})`, undefined, tokenError);
    }
    let answer: Answer;
    try {
      answer = await get(this.url, token, this.#agent);
    } catch (err) {
      if (err instanceof AttemptTimeout) {
        throw this.#error('timeout', `GET ${this.url} did not answer within ${ACCESS_KEY_ATTEMPT_TIMEOUT_MS / 1000} s`);
      }
      const code = (err as NodeJS.ErrnoException).code;
      // A private CA (a gateway, an emulator) is the usual cause of a TLS failure here, not the endpoint.
      const hint = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code ?? '')
        ? "the service's TLS certificate is not trusted; pass an `agent` that trusts its CA (or set NODE_EXTRA_CA_CERTS)"
        : 'please make sure the endpoint or DNS setting is correct';
      throw this.#error('inaccessible', `unable to access the SignalR service (${code ?? (err as Error).message}); ${hint}`, undefined, err);
    }
    const body = scrubSecrets(answer.body, [token, ...this.#secrets]).slice(0, 300).trim();
    const { status } = answer;
    if (status === 200) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(answer.body);
      } catch {
        throw this.#error('response', 'the access key response is not JSON', status);
      }
      const obj = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
      // Case-sensitive, as System.Text.Json with default options reads AccessKeyResponse.
      if (typeof obj.KeyId !== 'string' || obj.KeyId === '') throw this.#error('response', 'Missing required <KeyId> field.', status);
      if (typeof obj.AccessKey !== 'string' || obj.AccessKey === '') throw this.#error('response', 'Missing required <AccessKey> field.', status);
      return { kid: obj.KeyId, key: obj.AccessKey };
    }
    if (status === 400) throw this.#error('invalidArgument', `400 Bad Request${body ? `: ${body}` : ''}`, status);
    if (status === 401) {
      throw this.#error(
        'unauthorized',
        `401 Unauthorized: the identity is not allowed to get an access key; give it the "${APP_SERVER_ROLE}" role on the SignalR resource ` +
          `(and check the credential's tenant and authority host)`,
        status,
      );
    }
    if (status === 403) {
      const why = /nginx/i.test(answer.body) ? NETWORK_MESSAGE : `${body ? `${body}; ` : ''}the identity needs the "${APP_SERVER_ROLE}" role, or the service's network rules refuse this caller`;
      throw this.#error('forbidden', `403 Forbidden: ${why}`, status);
    }
    if (status === 404) throw this.#error('inaccessible', '404 Not Found: unable to access the SignalR service; please make sure the endpoint or DNS setting is correct', status);
    throw this.#error('runtime', `Azure SignalR service runtime error ${status}${body ? `: ${body}` : ''}`, status);
  }

  #where(): string {
    const o = this.#origin;
    return o.key === undefined ? '' : ` (configuration key '${o.key}' from ${describeOrigin(o)})`;
  }

  #error(failure: SignalRAccessKeyFailure, reason: string, status?: number, cause?: unknown): SignalRAccessKeyError {
    return new SignalRAccessKeyError(`Could not get a Microsoft Entra access key for SignalR endpoint ${this.endpoint}${this.#where()} from ${this.url}: ${reason}`, {
      ...this.#origin,
      failure,
      endpoint: this.endpoint,
      requestUrl: this.url,
      ...(status !== undefined ? { status } : {}),
      ...(cause !== undefined ? { cause } : {}),
    });
  }

  #unavailableError(): SignalRAccessKeyError {
    const last = this.#lastError;
    if (last) return last;
    if (this.#disposed) return this.#error('expired', 'the access key cache was disposed; ask a live cache for the key');
    return this.#error('expired', `the access key has expired (no successful refresh in ${ACCESS_KEY_EXPIRY_MS / 60_000} minutes)`);
  }

  #startTick(): void {
    if (this.#tick || this.#disposed) return;
    this.#tick = setInterval(() => void this.update(), ACCESS_KEY_TICK_MS);
    this.#tick.unref?.();
  }

  /** Stops the refresh tick and forgets the key. */
  dispose(): void {
    this.#disposed = true;
    if (this.#tick) clearInterval(this.#tick);
    this.#tick = undefined;
    this.#key = undefined;
    this.#authorized = false;
  }
}

/**
 * Entra keys per endpoint (key URL) and identity, shared by every `negotiate` / `generateAccessToken`
 * / `restApi` call given the same cache, so a busy app server fetches each key once.
 */
export class SignalRAccessKeyCache {
  #keys = new Map<string, SignalREntraAccessKey>();
  #credentialIds = new WeakMap<TokenCredential, number>();
  #nextId = 1;

  /** The key of an identity-based endpoint (created on first request). */
  keyFor(target: ServiceEndpoint | SignalRConnection, options: Pick<AccessKeyOptions, 'credential' | 'credentialOptions' | 'agent'> = {}): SignalREntraAccessKey {
    const connection = connectionOf(target);
    const id = `${accessKeyUrl(connection)}\0${options.credential ? `credential#${this.#credentialId(options.credential)}` : identityOf(connection)}`;
    let key = this.#keys.get(id);
    if (!key) {
      let credential: Promise<TokenCredential> | undefined;
      const explicit = options.credential;
      const credentialOptions = options.credentialOptions;
      const make = (): Promise<TokenCredential> => {
        if (explicit) return Promise.resolve(explicit);
        credential ??= credentialFor(target, credentialOptions ? { credentialOptions } : {}).catch((err: unknown) => {
          credential = undefined;
          throw err;
        });
        return credential;
      };
      key = new SignalREntraAccessKey(target, make, options.agent);
      this.#keys.set(id, key);
    } else key.useAgent(options.agent);
    return key;
  }

  get size(): number {
    return this.#keys.size;
  }

  /** Stops every key's timer and forgets them all. */
  dispose(): void {
    for (const key of this.#keys.values()) key.dispose();
    this.#keys.clear();
  }

  #credentialId(credential: TokenCredential): number {
    let id = this.#credentialIds.get(credential);
    if (id === undefined) this.#credentialIds.set(credential, (id = this.#nextId++));
    return id;
  }
}

/** Identifies the credential a connection's auth builds, without holding its secret. */
function identityOf(connection: SignalRConnection): string {
  const auth = connection.auth;
  switch (auth.kind) {
    case 'accessKey':
      return 'accessKey';
    case 'default':
      return `default:${auth.clientId ?? ''}`;
    case 'managedIdentity':
      return `msi:${auth.clientId ?? ''}`;
    case 'application':
      return `app:${auth.tenantId}:${auth.clientId}:${auth.clientSecret !== undefined ? fingerprint(auth.clientSecret) : (auth.certificatePath ?? '')}`;
  }
}

/** The process-wide cache the token functions use unless given another. */
export const signalRAccessKeys = new SignalRAccessKeyCache();

/** Stops the timers of the process-wide cache and forgets its keys (tests, graceful shutdown). */
export function disposeSignalRAccessKeys(): void {
  signalRAccessKeys.dispose();
}

/** The key to sign with: the connection string's AccessKey, or the endpoint's Entra key (fetched when needed). */
export async function signingKeyFor(target: ServiceEndpoint | SignalRConnection, options: AccessKeyOptions = {}): Promise<SignalRSigningKey> {
  return signingKeyOrPromise(target, options);
}

/**
 * As `signingKeyFor`, but an access key comes back synchronously: the token functions sign one token
 * per negotiation, and for access-key endpoints the extra promise and microtask are most of the cost.
 */
export function signingKeyOrPromise(
  target: ServiceEndpoint | SignalRConnection,
  options: AccessKeyOptions = {},
): SignalRSigningKey | Promise<SignalRSigningKey> {
  const auth = connectionOf(target).auth;
  if (auth.kind === 'accessKey') return { key: auth.accessKey };
  return (options.accessKeys ?? signalRAccessKeys).keyFor(target, options).get();
}
