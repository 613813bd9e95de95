/**
 * Azure SignalR connection strings, parsed as the SDK's `ConnectionStringParser` does
 * (Azure/azure-signalr, the 1.26 line): same grammar, same validation order, same messages.
 * Pure: text in, a frozen `SignalRConnection` out. Secrets (AccessKey, ClientSecret) live in
 * private fields, so `util.inspect`, `JSON.stringify` and string conversion cannot show them.
 */
import { inspect } from 'node:util';
import { fingerprint, redactedText, scrubSecrets } from '../../core/secrets.js';
import { SignalRConnectionStringError } from './errors.js';

/** What the SDK's `Version` check accepts: `1.0`, `1.1-preview`; not `1.x`, `2.0`. */
const VERSION_RE = /^1\.\d+(?:[\w.-]+)?$/;
/** .NET `int.TryParse` (NumberStyles.Integer) on an already trimmed value. */
const INT_RE = /^[+-]?\d+$/;

const KNOWN_PROPERTIES = new Map(
  [
    'Endpoint',
    'AccessKey',
    'Version',
    'Port',
    'ClientEndpoint',
    'ServerEndpoint',
    'AuthType',
    'ClientId',
    'TenantId',
    'ClientSecret',
    'ClientCert',
    'ClientCertPath',
  ].map((k) => [k.toLowerCase(), k] as const),
);

// ---- auth kinds ----------------------------------------------------------------------------------

/** `AccessKey=…`: tokens are signed locally (HS256 with the key's UTF-8 bytes). */
export class AccessKeyAuth {
  readonly kind = 'accessKey' as const;
  readonly #accessKey: string;
  constructor(accessKey: string) {
    this.#accessKey = accessKey;
    Object.freeze(this);
  }
  /** The key text. Read it only to sign; never log it. */
  get accessKey(): string {
    return this.#accessKey;
  }
  /** A short hash so two keys can be told apart without showing them. */
  get fingerprint(): string {
    return fingerprint(this.#accessKey);
  }
  toJSON(): object {
    return { kind: this.kind, accessKey: redactedText(this.#accessKey) };
  }
  [inspect.custom](): string {
    return `AccessKeyAuth { accessKey: ${redactedText(this.#accessKey)} }`;
  }
}

/**
 * `DefaultAzureCredential`: `AuthType=azure`, or (newest SDK) no AccessKey and no AuthType the
 * SDK knows. `authType` is the AuthType as written (lower-cased), `null` when there was none, so
 * a check can tell an explicit choice from a fallback that may hide a typo in `AccessKey`.
 */
export interface DefaultCredentialAuth {
  readonly kind: 'default';
  readonly authType: string | null;
  /**
   * The identity-based configuration form's `clientId` without a tenant or secret: passed on as the
   * managed-identity (and workload-identity) client id, as `Microsoft.Extensions.Azure` does.
   */
  readonly clientId?: string;
}

/** `ManagedIdentityCredential`: system-assigned without `clientId`, user-assigned with one. */
export interface ManagedIdentityAuth {
  readonly kind: 'managedIdentity';
  /** `azure.msi`, the legacy `aad`, or `null` for the identity-based `Endpoints:` form. */
  readonly authType: string | null;
  readonly clientId?: string;
}

/** A Microsoft Entra application: `ClientSecretCredential`, or `ClientCertificateCredential` by certificate file. */
export class ApplicationAuth {
  readonly kind = 'application' as const;
  /** `azure.app`, the legacy `aad`, or `null` for the identity-based `Endpoints:` form. */
  readonly authType: string | null;
  readonly tenantId: string;
  readonly clientId: string;
  /** The certificate file (PEM) when there is no client secret. */
  readonly certificatePath?: string;
  readonly #clientSecret: string | undefined;
  constructor(init: { authType: string | null; tenantId: string; clientId: string; clientSecret?: string; certificatePath?: string }) {
    this.authType = init.authType;
    this.tenantId = init.tenantId;
    this.clientId = init.clientId;
    this.#clientSecret = init.clientSecret;
    if (init.clientSecret === undefined && init.certificatePath !== undefined) this.certificatePath = init.certificatePath;
    Object.freeze(this);
  }
  /** The client secret, when the application authenticates with one. Never log it. */
  get clientSecret(): string | undefined {
    return this.#clientSecret;
  }
  toJSON(): object {
    return {
      kind: this.kind,
      authType: this.authType,
      tenantId: this.tenantId,
      clientId: this.clientId,
      ...(this.#clientSecret !== undefined ? { clientSecret: redactedText(this.#clientSecret) } : {}),
      ...(this.certificatePath !== undefined ? { certificatePath: this.certificatePath } : {}),
    };
  }
  [inspect.custom](): string {
    return `ApplicationAuth ${inspect(this.toJSON())}`;
  }
}

export type SignalRAuth = AccessKeyAuth | DefaultCredentialAuth | ManagedIdentityAuth | ApplicationAuth;
export type SignalRAuthKind = SignalRAuth['kind'];

// ---- the parsed connection -------------------------------------------------------------------------

export interface SignalRConnectionInit {
  /** The service URL after the `Port` override, path kept (the SDK's `UriBuilder.Uri`). */
  serviceUrl: URL;
  version?: string;
  clientEndpoint?: URL;
  serverEndpoint?: URL;
  auth: SignalRAuth;
}

/** One Azure SignalR resource and how to authenticate to it. Frozen; shows no secret. */
export class SignalRConnection {
  /** `scheme://host[:port]`, the default port dropped, host lower-cased, path dropped (the SDK's `ServiceEndpoint.Endpoint`). */
  readonly endpoint: string;
  /** The effective port (the `Port` key, else the URL's, else 80/443). */
  readonly port: number;
  /** The full service URL after the port override, path kept: where clients and servers go when no ClientEndpoint/ServerEndpoint is set. */
  readonly serviceUrl: string;
  /** `scheme://host/` of Endpoint, port always dropped: the base of every token audience. */
  readonly audienceBaseUrl: string;
  /** `Version` as written, when given (validated, changes nothing, as in the SDK). */
  readonly version?: string;
  /** `ClientEndpoint` as written (normalised), when given. */
  readonly clientEndpoint?: string;
  /** `ServerEndpoint` as written (normalised), when given. */
  readonly serverEndpoint?: string;
  readonly auth: SignalRAuth;

  constructor(init: SignalRConnectionInit) {
    const url = withoutUserInfo(init.serviceUrl);
    this.endpoint = `${url.protocol}//${url.host}`;
    this.port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    this.serviceUrl = url.href;
    this.audienceBaseUrl = `${url.protocol}//${url.hostname}/`;
    if (init.version !== undefined) this.version = init.version;
    if (init.clientEndpoint !== undefined) this.clientEndpoint = withoutUserInfo(init.clientEndpoint).href;
    if (init.serverEndpoint !== undefined) this.serverEndpoint = withoutUserInfo(init.serverEndpoint).href;
    Object.freeze(init.auth);
    this.auth = init.auth;
    Object.freeze(this);
  }

  /** Where clients connect: ClientEndpoint when set, else the service URL (port kept). */
  get effectiveClientEndpoint(): string {
    return this.clientEndpoint ?? this.serviceUrl;
  }

  /** Where servers and REST calls go: ServerEndpoint when set, else the service URL (port kept). */
  get effectiveServerEndpoint(): string {
    return this.serverEndpoint ?? this.serviceUrl;
  }

  /** A connection-string-like line for logs, secrets replaced by fingerprints. */
  redacted(): string {
    const parts = [`Endpoint=${this.endpoint}`];
    const a = this.auth;
    switch (a.kind) {
      case 'accessKey':
        parts.push(`AccessKey=${redactedText(a.accessKey)}`);
        break;
      case 'default':
        parts.push(`AuthType=${a.authType ?? '(none: DefaultAzureCredential)'}`);
        break;
      case 'managedIdentity':
        parts.push(`AuthType=${a.authType ?? 'managedidentity'}`);
        if (a.clientId !== undefined) parts.push(`ClientId=${a.clientId}`);
        break;
      case 'application':
        parts.push(`AuthType=${a.authType ?? 'application'}`, `ClientId=${a.clientId}`, `TenantId=${a.tenantId}`);
        if (a.clientSecret !== undefined) parts.push(`ClientSecret=${redactedText(a.clientSecret)}`);
        if (a.certificatePath !== undefined) parts.push(`ClientCert=${a.certificatePath}`);
        break;
    }
    if (this.version !== undefined) parts.push(`Version=${this.version}`);
    if (this.clientEndpoint !== undefined) parts.push(`ClientEndpoint=${this.clientEndpoint}`);
    if (this.serverEndpoint !== undefined) parts.push(`ServerEndpoint=${this.serverEndpoint}`);
    return parts.join(';');
  }

  toString(): string {
    return this.redacted();
  }

  toJSON(): object {
    return {
      endpoint: this.endpoint,
      port: this.port,
      serviceUrl: this.serviceUrl,
      audienceBaseUrl: this.audienceBaseUrl,
      ...(this.version !== undefined ? { version: this.version } : {}),
      ...(this.clientEndpoint !== undefined ? { clientEndpoint: this.clientEndpoint } : {}),
      ...(this.serverEndpoint !== undefined ? { serverEndpoint: this.serverEndpoint } : {}),
      auth: authJson(this.auth),
    };
  }

  [inspect.custom](): string {
    return `SignalRConnection { ${this.redacted()} }`;
  }
}

function authJson(auth: SignalRAuth): object {
  return auth instanceof AccessKeyAuth || auth instanceof ApplicationAuth ? auth.toJSON() : { ...auth };
}

/**
 * A copy of the URL without `user:password@`. The SDK accepts user info, leaves it out of
 * `Endpoint` and audiences but keeps it in the client and server URLs, so negotiate would hand it
 * to every client; the service authenticates nothing with it, so it is dropped everywhere.
 */
function withoutUserInfo(url: URL): URL {
  if (url.username === '' && url.password === '') return url;
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy;
}

// ---- parsing -----------------------------------------------------------------------------------

/** .NET `Uri.TryCreate(value, UriKind.Absolute)` plus the SDK's http/https check. */
export function tryEndpointUrl(value: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  // WHATWG accepts `https:host` without slashes; .NET does not read that as an absolute http URI.
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return undefined;
  return url;
}

const param = (name: string) => ` (Parameter '${name}')`;

type Fail = (message: string, property?: string) => never;

/**
 * Splits on `;` (empty parts dropped), each part on its first `=`, trims keys and values, and
 * rejects case-insensitive duplicates; parts without `=` and unknown keys are ignored.
 */
function toDictionary(text: string, fail: Fail): Map<string, string> {
  const parts = text.split(';').filter((p) => p.length > 0);
  if (parts.length < 2) {
    fail(`Connection string missing required properties endpoint.${param('connectionString')}`, 'connectionString');
  }
  const dict = new Map<string, string>();
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const folded = key.toLowerCase();
    if (dict.has(folded)) {
      // The SDK echoes the key; an unknown "key" may be a pasted secret, so only known names are shown.
      const shown = KNOWN_PROPERTIES.has(folded) ? key : `<unrecognised property ${redactedText(key)}>`;
      fail(`Duplicate properties found in connection string: ${shown}.`);
    }
    dict.set(folded, part.slice(eq + 1).trim());
  }
  const cert = dict.get('clientcert');
  const certPath = dict.get('clientcertpath');
  if (cert !== undefined && certPath !== undefined) {
    fail('Connection string has both ClientCert and ClientCertPath; give only one.', 'clientCert');
  }
  if (certPath !== undefined) dict.set('clientcert', certPath);
  return dict;
}

/** A value that is present and not empty; the SDK passes empty ids on to Azure.Identity, which then fails later. */
function nonEmpty(dict: Map<string, string>, key: string): string | undefined {
  const v = dict.get(key);
  return v === undefined || v === '' ? undefined : v;
}

function entraAuth(dict: Map<string, string>, fail: Fail): SignalRAuth {
  const authType = dict.get('authtype')?.toLowerCase() ?? null;
  const clientId = nonEmpty(dict, 'clientid');
  const tenantId = nonEmpty(dict, 'tenantid');
  const clientSecret = nonEmpty(dict, 'clientsecret');
  const certificatePath = nonEmpty(dict, 'clientcert');
  const missingSecret = () =>
    fail(`Connection string missing required properties clientSecret or clientCert.${param('clientSecret')}`, 'clientSecret');
  const application = (t: string, c: string): ApplicationAuth => {
    if (clientSecret !== undefined) return new ApplicationAuth({ authType, tenantId: t, clientId: c, clientSecret });
    if (certificatePath !== undefined) return new ApplicationAuth({ authType, tenantId: t, clientId: c, certificatePath });
    return missingSecret();
  };
  switch (authType) {
    case 'azure.app':
      if (clientId === undefined) fail(`Connection string missing required properties clientId.${param('clientId')}`, 'clientId');
      if (tenantId === undefined) fail(`Connection string missing required properties tenantId.${param('tenantId')}`, 'tenantId');
      return application(tenantId, clientId);
    case 'azure.msi':
      return clientId === undefined ? { kind: 'managedIdentity', authType } : { kind: 'managedIdentity', authType, clientId };
    case 'aad':
      // Legacy: a TenantId or ClientSecret without ClientId is ignored; ClientId alone is a user-assigned identity.
      // The SDK picks the path by which keys are present, even empty (measured by test/dotnet):
      // ClientId and TenantId both written is the application path, whose empty values we reject.
      if (!dict.has('clientid')) return { kind: 'managedIdentity', authType };
      if (!dict.has('tenantid')) return clientId === undefined ? { kind: 'managedIdentity', authType } : { kind: 'managedIdentity', authType, clientId };
      if (clientId === undefined) fail(`Connection string missing required properties clientId.${param('clientId')}`, 'clientId');
      if (tenantId === undefined) fail(`Connection string missing required properties tenantId.${param('tenantId')}`, 'tenantId');
      return application(tenantId, clientId);
    default:
      // `azure`, none, or anything else: DefaultAzureCredential, ids ignored (SDK TestDefaultAzureCredential).
      return { kind: 'default', authType };
  }
}

/**
 * Parses an Azure SignalR connection string as the SDK does, checking in its order: the parts and
 * duplicates, Endpoint, Version, Port, ClientEndpoint, ServerEndpoint, then AuthType and its
 * credential properties. A non-empty AccessKey wins over AuthType (as the newest SDK), but the
 * AuthType's properties are still checked, as the SDK builds the credential either way.
 *
 * @throws SignalRConnectionStringError with the SDK's message; never containing a secret.
 */
export function parseSignalRConnectionString(text: string): SignalRConnection {
  const secrets: string[] = [];
  const fail: Fail = (message, property) => {
    throw new SignalRConnectionStringError(scrubSecrets(message, secrets), property === undefined ? {} : { property });
  };
  if (typeof text !== 'string' || text.trim() === '') {
    fail(`'connectionString' cannot be null or whitespace.${param('connectionString')}`, 'connectionString');
  }
  // Collect the secret values first so no message below can echo them, whatever the input.
  for (const m of text.matchAll(/(?:^|;)\s*(?:accesskey|clientsecret)\s*=([^;]*)/gi)) {
    const v = m[1]!.trim();
    if (v) secrets.push(v);
  }
  // User info in any URL (`https://user:password@host`), whole and by part.
  for (const m of text.matchAll(/:\/\/([^/?#@;\s]+)@/g)) {
    secrets.push(m[1]!, ...m[1]!.split(':').filter(Boolean));
  }

  const dict = toDictionary(text, fail);

  const rawEndpoint = dict.get('endpoint');
  if (rawEndpoint === undefined) fail(`Connection string missing required properties endpoint.${param('endpoint')}`, 'endpoint');
  const serviceUrl = tryEndpointUrl(rawEndpoint.replace(/\/+$/, ''));
  if (!serviceUrl) fail(`Invalid value for endpoint property, it must be a valid URI.${param('endpoint')}`, 'endpoint');

  const version = dict.get('version');
  if (version !== undefined && !VERSION_RE.test(version)) {
    // The SDK echoes the version; a long or odd value could be something pasted by mistake. An
    // empty one is echoed as the SDK does ("Version  is not supported."): it can hide nothing.
    const shown = /^[\w.+-]{0,24}$/.test(version) ? version : '<value not shown>';
    fail(`Version ${shown} is not supported.${param('version')}`, 'version');
  }

  const portText = dict.get('port');
  if (portText !== undefined) {
    const port = INT_RE.test(portText) ? Number(portText) : NaN;
    if (!(Number.isInteger(port) && port > 0 && port <= 0xffff)) {
      fail(`Invalid value for port property, it must be an positive integer between (0, 65536).${param('port')}`, 'port');
    }
    serviceUrl.port = String(port);
  }

  let clientEndpoint: URL | undefined;
  const rawClient = dict.get('clientendpoint');
  if (rawClient !== undefined) {
    clientEndpoint = tryEndpointUrl(rawClient);
    if (!clientEndpoint) fail(`Invalid value for clientEndpoint property, it must be a valid URI.${param('clientEndpoint')}`, 'clientEndpoint');
  }

  let serverEndpoint: URL | undefined;
  const rawServer = dict.get('serverendpoint');
  if (rawServer !== undefined) {
    serverEndpoint = tryEndpointUrl(rawServer);
    if (!serverEndpoint) fail(`Invalid value for serverEndpoint property, it must be a valid URI.${param('serverEndpoint')}`, 'serverEndpoint');
  }

  const entra = entraAuth(dict, fail);
  const accessKey = dict.get('accesskey');
  const auth: SignalRAuth = accessKey ? new AccessKeyAuth(accessKey) : entra;

  return new SignalRConnection({
    serviceUrl,
    ...(version !== undefined ? { version } : {}),
    ...(clientEndpoint ? { clientEndpoint } : {}),
    ...(serverEndpoint ? { serverEndpoint } : {}),
    auth,
  });
}
