/**
 * Which endpoints a store has, read from the options without ever echoing a connection string:
 * `endpoint` + `credential`, `connectionString`, or for replicas `endpoints` (primary first) or
 * `connectionStrings`. Every message names at most the endpoint's host.
 */
import { ConfigurationError } from '../../core/errors.js';

export interface EndpointOptions {
  endpoint?: string | URL;
  endpoints?: Array<string | URL>;
  credential?: unknown;
  connectionString?: string;
  connectionStrings?: string[];
}

export interface StoreEndpoints {
  /** `https://host[:port]`, primary first. */
  endpoints: string[];
  /** The primary's host: the store's name in messages and provenance. */
  host: string;
  /** HMAC: a connection string per configured endpoint; absent with a credential. */
  connectionStrings?: Map<string, string>;
}

const fail = (message: string): never => {
  throw new ConfigurationError(message, 'INVALID_OPTIONS', { provider: 'AzureAppConfigurationProvider' });
};

function origin(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return fail('The App Configuration endpoint is not an absolute URL.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail('The App Configuration endpoint must be an http(s) URL.');
  return url.origin;
}

/** Base64 as .NET's `Convert.FromBase64String` reads an access key's secret (white space aside). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The endpoint of `Endpoint=…;Id=…;Secret=…`; a malformed string fails without being quoted. A
 * `Secret` that is not base64 fails here, as the .NET client fails when it is built, rather than
 * as a 401 (or retries to the start-up timeout) at the first request.
 */
function endpointOfConnectionString(connectionString: string): string {
  const part = connectionString.split(';').find((p) => /^\s*endpoint\s*=/i.test(p));
  const hasId = /(^|;)\s*id\s*=/i.test(connectionString);
  const secret = connectionString.split(';').find((p) => /^\s*secret\s*=/i.test(p));
  if (!part || !hasId || !secret) fail('The App Configuration connection string must have the form Endpoint=…;Id=…;Secret=….');
  const secretValue = secret!.slice(secret!.indexOf('=') + 1).replace(/\s/g, '');
  if (secretValue === '' || !BASE64.test(secretValue)) fail('The Secret of the App Configuration connection string is not base64.');
  return part!.slice(part!.indexOf('=') + 1).trim();
}

export function storeEndpoints(options: EndpointOptions): StoreEndpoints {
  const strings = [...(options.connectionString !== undefined ? [options.connectionString] : []), ...(options.connectionStrings ?? [])];
  const urls = [...(options.endpoint !== undefined ? [options.endpoint] : []), ...(options.endpoints ?? [])].map(String);
  if (strings.length > 0) {
    if (urls.length > 0) fail('Give either a connection string or an endpoint, not both.');
    const connectionStrings = new Map<string, string>();
    for (const s of strings) connectionStrings.set(origin(endpointOfConnectionString(s)), s);
    const endpoints = [...connectionStrings.keys()];
    return { endpoints, host: new URL(endpoints[0]!).host, connectionStrings };
  }
  if (urls.length === 0) fail('Azure App Configuration needs an endpoint and credential, or a connection string.');
  if (!options.credential) fail(`An endpoint needs a credential (App Configuration store '${urls[0]}').`);
  const endpoints = [...new Set(urls.map(origin))];
  return { endpoints, host: new URL(endpoints[0]!).host };
}

/**
 * The connection string for a discovered replica: the primary's `Id` and `Secret` with the
 * replica's endpoint, as .NET's client factory builds it (replicas accept the origin's key).
 */
export function connectionStringFor(template: string, endpoint: string): string {
  return template
    .split(';')
    .map((part) => (/^\s*endpoint\s*=/i.test(part) ? `Endpoint=${endpoint}` : part))
    .join(';');
}
