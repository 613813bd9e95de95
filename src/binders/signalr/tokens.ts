/**
 * Access tokens signed with an endpoint's AccessKey — or, for identity-based endpoints, with the key
 * the service hands out through the Microsoft Entra key exchange (`accessKey.ts`, header `kid` =
 * KeyId) — and the client negotiate and REST URLs they go with, built as the .NET SDK builds them
 * (see `reference/signalr.md` §3 and §5): HS256 over the UTF-8 bytes of the key text (not
 * base64-decoded); audiences on `scheme://host/` of Endpoint with the port always dropped, even
 * when ClientEndpoint or ServerEndpoint is set.
 * Tokens are signed here with `node:crypto` (a JWS with one HMAC is a dozen lines, and an app server
 * signs one per negotiation: a JOSE library costs several times the HMAC itself); the tests verify
 * them independently with `jose`.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { signingKeyOrPromise, type AccessKeyOptions, type SignalRSigningKey } from './accessKey.js';
import { SignalRConnection } from './connectionString.js';
import { ServiceEndpoint } from './endpoints.js';
import { SignalRAuthError } from './errors.js';

/** The claim the service reads the user id from (the SDK's `asrs.s.uid`). */
export const USER_ID_CLAIM = 'asrs.s.uid';
/** `ClaimTypes.NameIdentifier` as a JWT claim: where the SDK's `GenerateClientAccessToken` puts the user id. */
export const NAME_IDENTIFIER_CLAIM = 'nameid';
/** The claim REST API tokens name their caller in (`ClaimTypes.NameIdentifier` after the SDK's outbound claim map). */
export const SERVER_NAME_CLAIM = 'nameid';
/** `iss` of every token the newest SDK signs. */
export const TOKEN_ISSUER = 'azure-signalr';
/** The data-plane REST API version the Management SDK calls. */
export const REST_API_VERSION = '2022-06-01';
/** The SDK's default token lifetime: one hour. */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 3600;
const MAX_TOKEN_LENGTH = 4096;
const USER_CLAIM_PREFIX = 'asrs.u.';
/** User claims that would clash with the service's own; the SDK renames them `asrs.u.<name>`. */
const SYSTEM_CLAIMS = new Set(['aud', 'exp', 'iat', 'nbf', 'iss', 'actort', 'acr', 'azp', 'c_hash', 'jti', 'nonce']);

export type TokenTarget = ServiceEndpoint | SignalRConnection;

export interface AccessTokenOptions extends AccessKeyOptions {
  /** The exact audience. Give this or `hub`. */
  audience?: string;
  /** A hub: the audience becomes the client audience `{scheme://host/}client/?hub=<hub>`. */
  hub?: string;
  /** Prefixes the hub as the SDK's ApplicationName does: `<app>_<hub>`, lower-cased. */
  applicationName?: string;
  /**
   * The user id: `negotiate` puts it in `asrs.s.uid`, as the SDK's negotiation does;
   * `generateAccessToken` in `nameid`, as the SDK's `GenerateClientAccessToken` does. The service
   * takes the user id from either.
   */
  userId?: string;
  /** Extra claims. An array gives a repeated claim. Names clashing with system claims become `asrs.u.<name>`. */
  claims?: Readonly<Record<string, string | readonly string[]>>;
  /** Seconds; default 3600. */
  lifetime?: number;
  /** HS256 (default, and always for REST) or HS512 (the SDK's `AccessTokenAlgorithm`). */
  algorithm?: 'HS256' | 'HS512';
  /** The clock, for tests: seconds since the epoch. */
  now?: number;
}

function connectionOf(target: TokenTarget): SignalRConnection {
  if (target instanceof ServiceEndpoint) return target.connection;
  if (target instanceof SignalRConnection) return target;
  // The common mistake: the whole array from getSignalREndpoints(). Say what to do instead of a TypeError.
  throw new SignalRAuthError(
    Array.isArray(target)
      ? 'Tokens are signed for one endpoint, not a set: pick one, or use createSignalRService(endpoints).negotiate(), which routes among them.'
      : 'Expected a ServiceEndpoint (from getSignalREndpoints) or a parsed connection string (parseSignalRConnectionString).',
  );
}

/**
 * The encoded header, remembered: an endpoint signs every token with the same one (`alg`, `typ`, and
 * `kid` for an Entra key), so it is encoded once per key id rather than once per negotiation. Kept
 * small: keys rotate rarely, and the cache starts over when it fills.
 */
const headerCache = new Map<string, string>();
function encodedHeader(algorithm: 'HS256' | 'HS512', kid: string | undefined): string {
  const cacheKey = kid === undefined ? algorithm : `${algorithm} ${kid}`;
  let encoded = headerCache.get(cacheKey);
  if (encoded === undefined) {
    if (headerCache.size >= 64) headerCache.clear();
    const header = kid !== undefined ? { alg: algorithm, typ: 'JWT', kid } : { alg: algorithm, typ: 'JWT' };
    encoded = Buffer.from(JSON.stringify(header)).toString('base64url');
    headerCache.set(cacheKey, encoded);
  }
  return encoded;
}

/** A compact JWS (RFC 7515) with header `{ alg, typ: 'JWT'[, kid] }`, HMAC-signed with the UTF-8 bytes of `key`. */
function signJwt(algorithm: 'HS256' | 'HS512', kid: string | undefined, claims: Readonly<Record<string, unknown>>, key: string): string {
  const input = `${encodedHeader(algorithm, kid)}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const signature = createHmac(algorithm === 'HS512' ? 'sha512' : 'sha256', key).update(input).digest('base64url');
  return `${input}.${signature}`;
}

/** .NET `Uri.EscapeDataString`: like `encodeURIComponent`, but `!'()*` are escaped too. */
function escapeDataString(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function prefixedHub(hub: string, applicationName?: string): string {
  const h = hub.toLowerCase();
  return applicationName ? `${applicationName.toLowerCase()}_${h}` : h;
}

/** `base` with exactly one `/` at its end, so paths append cleanly. */
function withSlash(base: string): string {
  return base.endsWith('/') ? base : `${base}/`;
}

function clientPath(hub: string, applicationName?: string): string {
  return `client/?hub=${escapeDataString(prefixedHub(hub, applicationName))}`;
}

/** The claims in the SDK's order: user id, the user's claims (renamed where they clash), then the registered ones. */
function buildClaims(options: AccessTokenOptions, userIdClaim: string): Record<string, unknown> {
  // The common negotiation: a user id and nothing else.
  if (options.claims === undefined) return options.userId !== undefined ? { [userIdClaim]: options.userId } : {};
  const out: Record<string, unknown> = Object.create(null);
  const add = (name: string, value: string) => {
    const prev = out[name];
    out[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  };
  if (options.userId !== undefined) add(userIdClaim, options.userId);
  let hasSub = false;
  for (const [name, raw] of Object.entries(options.claims ?? {})) {
    for (const value of typeof raw === 'string' ? [raw] : raw) {
      if (name === 'sub') {
        add(hasSub ? `${USER_CLAIM_PREFIX}sub` : 'sub', value);
        hasSub = true;
      } else if (SYSTEM_CLAIMS.has(name)) add(`${USER_CLAIM_PREFIX}${name}`, value);
      else add(name, value);
    }
  }
  return { ...out };
}

/** Signs one token for `audience` with a key already in hand (synchronous: no promise per token). */
function signToken(audience: string, signing: SignalRSigningKey, options: AccessTokenOptions, userIdClaim = USER_ID_CLAIM): string {
  const lifetime = options.lifetime ?? DEFAULT_TOKEN_LIFETIME_SECONDS;
  if (!(Number.isFinite(lifetime) && lifetime > 0)) throw new SignalRAuthError('The token lifetime must be a positive number of seconds.');
  const algorithm = options.algorithm ?? 'HS256';
  if (algorithm !== 'HS256' && algorithm !== 'HS512') throw new SignalRAuthError("The token algorithm must be 'HS256' or 'HS512'.");
  const now = Math.floor(options.now ?? Date.now() / 1000);
  const claims = buildClaims(options, userIdClaim);
  claims.nbf = now;
  claims.exp = now + Math.floor(lifetime);
  claims.iat = now;
  claims.iss = TOKEN_ISSUER;
  claims.aud = audience;
  const token = signJwt(algorithm, signing.kid, claims, signing.key);
  if (token.length > MAX_TOKEN_LENGTH) throw new SignalRAuthError('AccessToken must not be longer than 4K.');
  return token;
}

/**
 * A JWT for the SignalR service signed with the endpoint's AccessKey, or its Entra key for an
 * identity-based endpoint: header `{ alg, typ: 'JWT' }` (plus `kid` = KeyId for an Entra key),
 * claims `nbf` = `iat` = now, `exp` = now + lifetime, `iss`, `aud`.
 *
 * @throws SignalRAuthError when no audience is given.
 * @throws SignalRAccessKeyError when an identity-based endpoint's key cannot be had.
 */
export async function generateAccessToken(target: TokenTarget, options: AccessTokenOptions): Promise<string> {
  const connection = connectionOf(target);
  const audience =
    options.audience ?? (options.hub !== undefined ? `${connection.audienceBaseUrl}${clientPath(options.hub, options.applicationName)}` : undefined);
  if (audience === undefined) throw new SignalRAuthError('generateAccessToken needs an audience or a hub.');
  const signing = signingKeyOrPromise(target, options);
  return signToken(audience, signing instanceof Promise ? await signing : signing, options, NAME_IDENTIFIER_CLAIM);
}

export interface NegotiateOptions
  extends AccessKeyOptions,
    Pick<AccessTokenOptions, 'userId' | 'claims' | 'lifetime' | 'applicationName' | 'algorithm' | 'now'> {}

/** What a negotiate endpoint returns to a SignalR client (serialise it as JSON as it is). */
export interface NegotiateResponse {
  url: string;
  accessToken: string;
}

/**
 * The negotiate response for a client: the URL on ClientEndpoint when set (else the service URL,
 * port kept) and a token whose audience is the client URL on `scheme://host/` of Endpoint.
 */
export async function negotiate(target: TokenTarget, hub: string, options: NegotiateOptions = {}): Promise<NegotiateResponse> {
  const connection = connectionOf(target);
  const path = clientPath(hub, options.applicationName);
  const signing = signingKeyOrPromise(target, options);
  const accessToken = signToken(`${connection.audienceBaseUrl}${path}`, signing instanceof Promise ? await signing : signing, options);
  return { url: `${withSlash(connection.effectiveClientEndpoint)}${path}`, accessToken };
}

export interface RestApiOptions extends AccessKeyOptions, Pick<AccessTokenOptions, 'lifetime' | 'applicationName' | 'now'> {
  /**
   * Put in the `nameid` claim of every REST token, as the SDK does with its server name. Default:
   * `<hostname>_<random 32 hex digits>`, the SDK's `{MachineName}_{Guid:N}`, fixed for this `restApi` object.
   */
  serverName?: string;
}

export interface RestApiRequest {
  /** The full request URL, with `api-version` (and `application`) in the query. */
  url: string;
  /** A token whose audience is the request URL on `scheme://host/` of Endpoint, without the query. */
  accessToken: string;
}

export interface RestApi {
  /** `{ServerEndpoint or service URL}api/hubs/<hub>`: append `/:send`, `/users/<id>/:send`… */
  baseUrl: string;
  /** A token for `baseUrl` itself (audience `{scheme://host/}api/hubs/<hub>`). */
  accessToken: string;
  /** The query every request carries: `api-version=…`, after `application=…` when given. */
  query: string;
  /** URL and token for one request path below `baseUrl` (`/:send`, `/groups/g1/:send`). */
  request(path?: string): Promise<RestApiRequest>;
}

/**
 * The data-plane REST API of one hub: base URL on ServerEndpoint when set (else the service URL,
 * port kept) and HS256 tokens whose audience is the same path on `scheme://host/` of Endpoint.
 */
export async function restApi(target: TokenTarget, hub: string, options: RestApiOptions = {}): Promise<RestApi> {
  const connection = connectionOf(target);
  const hubPath = `api/hubs/${escapeDataString(hub.toLowerCase())}`;
  const baseUrl = `${withSlash(connection.effectiveServerEndpoint)}${hubPath}`;
  const query = `${options.applicationName ? `application=${escapeDataString(options.applicationName.toLowerCase())}&` : ''}api-version=${REST_API_VERSION}`;
  // Every SDK version names the caller in REST tokens; one name per client, as the SDK makes one per generator.
  const serverName = options.serverName ?? `${hostname()}_${randomUUID().replace(/-/g, '')}`;
  const keyOptions: AccessKeyOptions = {
    ...(options.credential ? { credential: options.credential } : {}),
    ...(options.credentialOptions ? { credentialOptions: options.credentialOptions } : {}),
    ...(options.agent ? { agent: options.agent } : {}),
    ...(options.accessKeys ? { accessKeys: options.accessKeys } : {}),
  };
  const tokenFor = (path: string) =>
    generateAccessToken(target, {
      ...keyOptions,
      audience: `${connection.audienceBaseUrl}${hubPath}${path}`,
      claims: { [SERVER_NAME_CLAIM]: serverName },
      algorithm: 'HS256',
      ...(options.lifetime !== undefined ? { lifetime: options.lifetime } : {}),
      ...(options.now !== undefined ? { now: options.now } : {}),
    });
  const accessToken = await tokenFor('');
  return {
    baseUrl,
    accessToken,
    query,
    async request(path = '') {
      const p = path === '' || path.startsWith('/') ? path : `/${path}`;
      return { url: `${baseUrl}${p}?${query}`, accessToken: await tokenFor(p) };
    },
  };
}
