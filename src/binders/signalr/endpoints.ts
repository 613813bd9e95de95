/**
 * SignalR endpoint sets from the configuration tree, read the way the .NET SDKs read them, so a
 * Node service and a .NET service given the same configuration see the same endpoints:
 * - ASP.NET Core SDK: `Azure:SignalR:ConnectionString` (default, name "", primary) and every key
 *   below it (`…:<name>`, `…:<name>:<primary|secondary>`), with `ConnectionStrings:` fallbacks;
 * - Management SDK and Azure Functions: `Azure:SignalR:Endpoints:<name>[:<type>]`, and the
 *   identity-based `Azure:SignalR:Endpoints:<name>:serviceUri` form of Functions.
 * Reads only the tree (values and provenance); never `process.env`.
 */
import { inspect } from 'node:util';
import { ConfigurationError, describeOrigin } from '../../core/errors.js';
import { combinePath, foldKey, getParentPath, getSectionKey } from '../../core/path.js';
import type { ConfigurationRoot } from '../../core/root.js';
import {
  ApplicationAuth,
  parseSignalRConnectionString,
  SignalRConnection,
  tryEndpointUrl,
  type SignalRAuth,
} from './connectionString.js';
import { SignalRConnectionStringError, SignalREndpointsError } from './errors.js';
import { readFunctionsSignalREndpoints, readNamedSignalREndpoints, type FunctionsEndpointsOptions } from './functions.js';

/** Which .NET registration's keys to read; default `AddAzureSignalR()` and the Management SDK's. */
export interface SignalREndpointsOptions {
  /** `AddNamedAzureSignalR(name)`: `Azure:SignalR:<name>:ConnectionString`, `…:Endpoints:*`, `ConnectionStrings:<name>`. */
  name?: string;
  /** The Azure Functions extension's keys: `AzureSignalRConnectionString` (or the given setting), `…:serviceUri`. */
  functions?: true | FunctionsEndpointsOptions;
}

export const SIGNALR_CONNECTION_STRING_KEY = 'Azure:SignalR:ConnectionString';
export const SIGNALR_ENDPOINTS_KEY = 'Azure:SignalR:Endpoints';
/** The SDK falls back to these when the keys above give nothing. */
const CONNECTION_STRINGS_FALLBACK_KEY = combinePath('ConnectionStrings', SIGNALR_CONNECTION_STRING_KEY);

export type EndpointType = 'primary' | 'secondary';

export interface ServiceEndpointInit {
  name?: string;
  type?: EndpointType;
  /** The configuration key the endpoint was read from. */
  key?: string;
  provider?: string;
  source?: string;
}

/** One endpoint of a set: a named, typed connection and where in the configuration it came from. Frozen. */
export class ServiceEndpoint {
  readonly name: string;
  readonly type: EndpointType;
  readonly connection: SignalRConnection;
  /** The configuration key (`Azure:SignalR:ConnectionString:east:secondary`), when read from configuration. */
  readonly key?: string;
  /** The provider that supplied the key's value. */
  readonly provider?: string;
  /** Where inside the provider: file, variable name… */
  readonly source?: string;

  constructor(connection: SignalRConnection, init: ServiceEndpointInit = {}) {
    this.name = init.name ?? '';
    this.type = init.type ?? 'primary';
    this.connection = connection;
    if (init.key !== undefined) this.key = init.key;
    if (init.provider !== undefined) this.provider = init.provider;
    if (init.source !== undefined) this.source = init.source;
    Object.freeze(this);
  }

  /** `scheme://host[:port]` of the resource. */
  get endpoint(): string {
    return this.connection.endpoint;
  }

  get auth(): SignalRAuth {
    return this.connection.auth;
  }

  /** The SDK's `ToString()` shape, `[name](Primary)https://host;ClientEndpoint=…`, plus the redacted auth. */
  redacted(): string {
    const c = this.connection;
    const prefix = this.name === '' ? '' : `[${this.name}]`;
    const type = this.type === 'primary' ? 'Primary' : 'Secondary';
    return `${prefix}(${type})${c.redacted()}`;
  }

  /**
   * Exactly the SDK's `ServiceEndpoint.ToString()`, `[name](Primary)https://host[:port]`, then
   * `;ClientEndpoint=…` / `;ServerEndpoint=…` when set: the form its log messages name endpoints in.
   * It holds no secret; `redacted()` adds the auth.
   */
  toString(): string {
    const c = this.connection;
    const prefix = this.name === '' ? '' : `[${this.name}]`;
    const type = this.type === 'primary' ? 'Primary' : 'Secondary';
    const client = c.effectiveClientEndpoint === c.serviceUrl ? '' : `;ClientEndpoint=${c.effectiveClientEndpoint}`;
    const server = c.effectiveServerEndpoint === c.serviceUrl ? '' : `;ServerEndpoint=${c.effectiveServerEndpoint}`;
    return `${prefix}(${type})${c.endpoint}${client}${server}`;
  }

  toJSON(): object {
    return {
      name: this.name,
      type: this.type,
      ...(this.key !== undefined ? { key: this.key } : {}),
      ...(this.provider !== undefined ? { provider: this.provider } : {}),
      ...(this.source !== undefined ? { source: this.source } : {}),
      connection: this.connection.toJSON(),
    };
  }

  [inspect.custom](): string {
    const where = this.key === undefined ? '' : ` from '${this.key}' (${describeOrigin(this)})`;
    return `ServiceEndpoint { ${this.redacted()}${where} }`;
  }
}

/** A `ServiceEndpoint` from a connection string (or parsed connection) in code: name "" and primary unless given. */
export function createServiceEndpoint(connection: string | SignalRConnection, init: ServiceEndpointInit = {}): ServiceEndpoint {
  return new ServiceEndpoint(typeof connection === 'string' ? parseSignalRConnectionString(connection) : connection, init);
}

/**
 * The SDK's equality: name (ordinal), `Endpoint` (scheme, host and port), type, and the effective
 * client and server endpoints. The access key, auth kind and Version do not count.
 */
export function endpointsEqual(a: ServiceEndpoint, b: ServiceEndpoint): boolean {
  return (
    a.name === b.name &&
    a.connection.endpoint === b.connection.endpoint &&
    a.type === b.type &&
    a.connection.effectiveClientEndpoint === b.connection.effectiveClientEndpoint &&
    a.connection.effectiveServerEndpoint === b.connection.effectiveServerEndpoint
  );
}

/**
 * What the SDK's endpoint manager keeps: equal endpoints once, then one per resource
 * (`Endpoint`): its first primary, else its first endpoint. Order of first appearance is kept.
 */
export function distinctEndpoints(endpoints: readonly ServiceEndpoint[]): ServiceEndpoint[] {
  const unique: ServiceEndpoint[] = [];
  for (const e of endpoints) if (!unique.some((u) => endpointsEqual(u, e))) unique.push(e);
  const groups = new Map<string, ServiceEndpoint[]>();
  for (const e of unique) {
    const g = groups.get(e.connection.endpoint);
    if (g) g.push(e);
    else groups.set(e.connection.endpoint, [e]);
  }
  return [...groups.values()].map((g) => g.find((e) => e.type === 'primary') ?? g[0]!);
}

/**
 * Name and type from a key relative to the endpoints section, as `ServiceEndpoint.Parse`: the last
 * segment is a type only when it is `primary` or `secondary` (any case) and follows a name segment
 * (possibly empty: `:secondary` is the unnamed secondary); otherwise the whole key is the name.
 */
export function parseEndpointName(relativeKey: string): { name: string; type: EndpointType } {
  const parent = getParentPath(relativeKey);
  const last = foldKey(getSectionKey(relativeKey));
  if (parent !== null && (last === 'primary' || last === 'secondary')) return { name: parent, type: last };
  return { name: relativeKey, type: 'primary' };
}

// ---- reading the tree ----------------------------------------------------------------------------

/** What the reader needs from the tree. */
export type SignalRConfigurationSource = Pick<ConfigurationRoot, 'get' | 'getSection' | 'origin'>;

export interface SignalREndpointsReport {
  /** Every valid endpoint found, in order: default, `ConnectionString:*`, `Endpoints:*`. */
  endpoints: ServiceEndpoint[];
  /** One error per invalid entry, then "none" or "no primary" when that applies. */
  errors: ConfigurationError[];
  /** Whether any SignalR key exists at all (a check can skip apps that do not use SignalR). */
  configured: boolean;
}

/** @internal Where a value came from (key, provider, source). */
export interface Where {
  key: string;
  provider?: string;
  source?: string;
}

/** @internal */
export function whereOf(config: SignalRConfigurationSource, key: string): Where {
  const origin = config.origin(key);
  const where: Where = { key };
  if (origin?.provider !== undefined) where.provider = origin.provider;
  if (origin?.source !== undefined) where.source = origin.source;
  return where;
}

/** @internal */
export function located(where: Where): string {
  return `configuration key '${where.key}' from ${describeOrigin(where)}`;
}

/** Re-raises a parser error with the key and provider named (the message stays free of secrets). */
export function withLocation(err: unknown, where: Where): ConfigurationError {
  if (err instanceof SignalRConnectionStringError) {
    return new SignalRConnectionStringError(`${err.message} (${located(where)})`, {
      ...where,
      ...(err.property !== undefined ? { property: err.property } : {}),
    });
  }
  if (err instanceof ConfigurationError) return err;
  return new SignalREndpointsError(`Could not read the SignalR endpoint (${located(where)}).`, 'SIGNALR_ENDPOINT', { ...where, cause: err });
}

/** @internal */
export function nonEmptyString(v: string | null | undefined): v is string {
  return typeof v === 'string' && v !== '';
}

/** Every non-empty value below a section, as the SDK's `GetEndpoints(section)` (the section's own value excluded). */
export function endpointsBelow(
  config: SignalRConfigurationSource,
  base: string,
  out: SignalREndpointsReport,
  skip: (relative: string) => boolean = () => false,
): number {
  let found = 0;
  for (const [relative, value] of config.getSection(base).entries({ makePathsRelative: true })) {
    if (!nonEmptyString(value) || skip(relative)) continue;
    found++;
    const where = whereOf(config, combinePath(base, relative));
    try {
      out.endpoints.push(new ServiceEndpoint(parseSignalRConnectionString(value), { ...parseEndpointName(relative), ...where }));
    } catch (err) {
      out.errors.push(withLocation(err, where));
    }
  }
  return found;
}

const ENDPOINT_TYPES = new Map<string, EndpointType>([
  ['primary', 'primary'],
  ['secondary', 'secondary'],
]);

/**
 * The credential of an identity-based entry, from the keys `Microsoft.Extensions.Azure` reads:
 * `credential=managedidentity` (+ `clientId`), `tenantId` + `clientId` + `clientSecret`; nothing
 * gives DefaultAzureCredential, as the Functions host falls back to it (with `clientId` alone, for
 * that user-assigned managed identity).
 */
function identityAuth(config: SignalRConfigurationSource, base: string): SignalRAuth {
  const read = (k: string) => {
    const v = config.get(combinePath(base, k));
    return typeof v === 'string' && v.trim() !== '' ? v : undefined;
  };
  const clientId = read('clientId');
  const tenantId = read('tenantId');
  const clientSecret = read('clientSecret');
  if (read('credential')?.toLowerCase() === 'managedidentity') {
    return clientId === undefined ? { kind: 'managedIdentity', authType: null } : { kind: 'managedIdentity', authType: null, clientId };
  }
  // Microsoft.Extensions.Azure ignores a secret or certificate that lacks an id and falls back to
  // DefaultAzureCredential, which may sign in as another identity; the SDK's own parser
  // (AuthType=azure.app) refuses the same gap, and so do we, checking clientId first as it does.
  const credentialName = clientSecret !== undefined ? 'clientSecret' : read('clientCertificate') !== undefined ? 'clientCertificate' : undefined;
  const missing = clientId === undefined ? 'clientId' : tenantId === undefined ? 'tenantId' : undefined;
  if (credentialName !== undefined && missing !== undefined) {
    const where = whereOf(config, combinePath(base, credentialName));
    const missingKey = combinePath(base, missing);
    throw new SignalREndpointsError(
      `Identity-based endpoint missing required properties ${missing}: '${credentialName}' is set, so '${missingKey}' ` +
        `is needed as well (${located(where)}).`,
      'SIGNALR_ENDPOINT',
      { ...where, keys: [where.key, missingKey] },
    );
  }
  if (tenantId !== undefined && clientId !== undefined && clientSecret !== undefined) {
    return new ApplicationAuth({ authType: null, tenantId, clientId, clientSecret });
  }
  if (tenantId !== undefined && clientId !== undefined && read('clientCertificate') !== undefined) {
    const key = combinePath(base, 'clientCertificate');
    const where = whereOf(config, key);
    throw new SignalREndpointsError(
      `'clientCertificate' names a certificate in a Windows certificate store by thumbprint, which Node cannot open; ` +
        `use a connection string with AuthType=azure.app and ClientCert=<path to a PEM file> instead (${located(where)}).`,
      'SIGNALR_ENDPOINT',
      where,
    );
  }
  // Only a client id: DefaultAzureCredential for that user-assigned identity.
  return clientId === undefined ? { kind: 'default', authType: null } : { kind: 'default', authType: null, clientId };
}

function optionalUrl(config: SignalRConfigurationSource, base: string, name: string): URL | undefined {
  const key = combinePath(base, name);
  const v = config.get(key);
  if (!nonEmptyString(v)) return undefined;
  const url = tryEndpointUrl(v);
  if (!url) {
    const where = whereOf(config, key);
    throw new SignalREndpointsError(`Invalid value for ${name} property, it must be a valid URI. (${located(where)})`, 'SIGNALR_ENDPOINT', where);
  }
  return url;
}

/** Functions' `TryGetNamedEndpointFromIdentity`: `<name>:serviceUri`, `:type`, `:clientEndpoint`, `:serverEndpoint` and credential keys. */
export function identityEndpoint(config: SignalRConfigurationSource, base: string, name: string): ServiceEndpoint {
  const uriKey = combinePath(base, 'serviceUri');
  const where = whereOf(config, uriKey);
  const text = config.get(uriKey) ?? '';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new SignalREndpointsError(`Invalid value for serviceUri property, it must be a valid URI. (${located(where)})`, 'SIGNALR_ENDPOINT', where);
  }
  if (!tryEndpointUrl(text)) {
    throw new SignalREndpointsError(`Endpoint scheme must be 'http://' or 'https://' (${located(where)})`, 'SIGNALR_ENDPOINT', where);
  }
  const typeKey = combinePath(base, 'type');
  const typeText = config.get(typeKey);
  let type: EndpointType = 'primary';
  if (nonEmptyString(typeText)) {
    const t = ENDPOINT_TYPES.get(typeText.trim().toLowerCase());
    if (!t) {
      const w = whereOf(config, typeKey);
      throw new SignalREndpointsError(
        `Failed to convert configuration value at '${typeKey}' to type 'EndpointType': use Primary or Secondary (${located(w)}).`,
        'SIGNALR_ENDPOINT',
        w,
      );
    }
    type = t;
  }
  const clientEndpoint = optionalUrl(config, base, 'clientEndpoint');
  const serverEndpoint = optionalUrl(config, base, 'serverEndpoint');
  const connection = new SignalRConnection({
    serviceUrl: url,
    ...(clientEndpoint ? { clientEndpoint } : {}),
    ...(serverEndpoint ? { serverEndpoint } : {}),
    auth: identityAuth(config, base),
  });
  return new ServiceEndpoint(connection, { name, type, ...where });
}

function hasAny(config: SignalRConfigurationSource, key: string): boolean {
  return config.get(key) != null || config.getSection(key).getChildren().length > 0;
}

/**
 * Reads every SignalR endpoint in the tree and reports every problem instead of stopping at the
 * first: what `layered-config check` prints. Use `getSignalREndpoints` to get a set or an error.
 */
export function readSignalREndpoints(config: SignalRConfigurationSource, options: SignalREndpointsOptions = {}): SignalREndpointsReport {
  if (options.name !== undefined) return readNamedSignalREndpoints(config, options.name);
  if (options.functions !== undefined) return readFunctionsSignalREndpoints(config, options.functions === true ? {} : options.functions);
  const report: SignalREndpointsReport = { endpoints: [], errors: [], configured: false };
  report.configured = [SIGNALR_CONNECTION_STRING_KEY, SIGNALR_ENDPOINTS_KEY, CONNECTION_STRINGS_FALLBACK_KEY].some((k) => hasAny(config, k));

  // Default endpoint: the plain key wins over the ConnectionStrings: one (AddAzureSignalRLoadConnectionStringOrder).
  for (const key of [SIGNALR_CONNECTION_STRING_KEY, CONNECTION_STRINGS_FALLBACK_KEY]) {
    const value = config.get(key);
    if (value == null) continue;
    if (value !== '') {
      const where = whereOf(config, key);
      try {
        report.endpoints.push(new ServiceEndpoint(parseSignalRConnectionString(value), { name: '', type: 'primary', ...where }));
      } catch (err) {
        report.errors.push(withLocation(err, where));
      }
    }
    break;
  }

  // Named endpoints at any depth; the ConnectionStrings: section only when the first gives none.
  if (endpointsBelow(config, SIGNALR_CONNECTION_STRING_KEY, report) === 0) {
    endpointsBelow(config, CONNECTION_STRINGS_FALLBACK_KEY, report);
  }

  // Management SDK / Functions: an entry with serviceUri is identity-based and its sub-keys are
  // its settings; any other entry contributes every connection string below it.
  for (const child of config.getSection(SIGNALR_ENDPOINTS_KEY).getChildren()) {
    const base = combinePath(SIGNALR_ENDPOINTS_KEY, child.key);
    if (nonEmptyString(config.get(combinePath(base, 'serviceUri')))) {
      try {
        report.endpoints.push(identityEndpoint(config, base, child.key));
      } catch (err) {
        report.errors.push(withLocation(err, whereOf(config, combinePath(base, 'serviceUri'))));
      }
      continue;
    }
    const value = config.get(base);
    if (nonEmptyString(value)) {
      const where = whereOf(config, base);
      try {
        report.endpoints.push(new ServiceEndpoint(parseSignalRConnectionString(value), { name: child.key, type: 'primary', ...where }));
      } catch (err) {
        report.errors.push(withLocation(err, where));
      }
    }
    for (const [relative, v] of config.getSection(base).entries({ makePathsRelative: true })) {
      if (!nonEmptyString(v)) continue;
      const where = whereOf(config, combinePath(base, relative));
      try {
        const parsed = parseEndpointName(combinePath(child.key, relative));
        report.endpoints.push(new ServiceEndpoint(parseSignalRConnectionString(v), { ...parsed, ...where }));
      } catch (err) {
        report.errors.push(withLocation(err, where));
      }
    }
  }

  if (report.errors.length > 0) return report;
  if (report.endpoints.length === 0) {
    report.errors.push(
      new SignalREndpointsError(
        `No connection string was specified. Set '${SIGNALR_CONNECTION_STRING_KEY}', a key below it ('${SIGNALR_CONNECTION_STRING_KEY}:<name>[:primary|secondary]') or '${SIGNALR_ENDPOINTS_KEY}:<name>'.`,
        'SIGNALR_NO_ENDPOINT',
        { key: SIGNALR_CONNECTION_STRING_KEY },
      ),
    );
  } else if (!report.endpoints.some((e) => e.type === 'primary')) {
    const keys = report.endpoints.map((e) => e.key!);
    const listed = report.endpoints.map((e) => `'${e.key}' from ${describeOrigin(e)}`).join(', ');
    const first = report.endpoints[0]!;
    report.errors.push(
      new SignalREndpointsError(`No primary endpoint defined. Every endpoint found is secondary: ${listed}.`, 'SIGNALR_NO_PRIMARY', {
        key: first.key!,
        ...(first.provider !== undefined ? { provider: first.provider } : {}),
        ...(first.source !== undefined ? { source: first.source } : {}),
        keys,
      }),
    );
  }
  return report;
}

/**
 * The SignalR endpoints configured in the tree: the default connection string, the named and
 * typed ones below it, and the `Azure:SignalR:Endpoints` entries. Throws the first invalid entry
 * (naming its key and provider), `No connection string was specified.` when there is none, and
 * `No primary endpoint defined.` when all are secondary. Equal endpoints are not merged; pass the
 * result to `distinctEndpoints` for the SDK's de-duplication. `options.name` / `options.functions`
 * read the `AddNamedAzureSignalR(name)` or Azure Functions keys instead (`functions.ts`).
 */
export function getSignalREndpoints(config: SignalRConfigurationSource, options: SignalREndpointsOptions = {}): ServiceEndpoint[] {
  const report = readSignalREndpoints(config, options);
  if (report.errors.length > 0) throw report.errors[0]!;
  return report.endpoints;
}
