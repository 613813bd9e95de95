/**
 * `layered-config check --connect` for SignalR: per endpoint, one Microsoft Entra key exchange
 * (identity-based) or one health probe (access key, `HEAD {ServerEndpoint}api/health`, no token,
 * as the SDK's health check sends it). One line per endpoint says reachable / authorized or the
 * cause; failures also come back as typed errors naming the configuration key and provider.
 */
import http from 'node:http';
import https from 'node:https';
import type { ConfigurationError } from '../../core/errors.js';
import { describeOrigin } from '../../core/errors.js';
import { endpointOrigin, SignalREntraAccessKey, type AccessKeyOptions } from './accessKey.js';
import { credentialFor } from './credentials.js';
import type { ServiceEndpoint } from './endpoints.js';
import { SignalRAccessKeyError, SignalRUnreachableError } from './errors.js';
import { REST_API_VERSION } from './tokens.js';

/** Each probe gives up after this long: a check should not hang on a black-holed address. */
const PROBE_TIMEOUT_MS = 15_000;

export interface SignalRConnectOptions extends Pick<AccessKeyOptions, 'credential' | 'credentialOptions' | 'agent'> {}

function label(e: ServiceEndpoint): string {
  const name = e.name === '' ? '(default)' : `"${e.name}"`;
  const from = e.key === undefined ? '' : ` [${e.key} from ${describeOrigin(e)}]`;
  return `SignalR ${name} ${e.type} ${e.connection.endpoint}${from}`;
}

function head(url: string, agent: http.Agent | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = (url.startsWith('https:') ? https : http).request(url, { method: 'HEAD', ...(agent ? { agent } : {}) }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.setTimeout(PROBE_TIMEOUT_MS, () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end();
  });
}

async function probeHealth(e: ServiceEndpoint, agent: http.Agent | undefined): Promise<{ line: string; error?: ConfigurationError }> {
  const base = e.connection.effectiveServerEndpoint;
  const url = `${base.endsWith('/') ? base : `${base}/`}api/health?api-version=${REST_API_VERSION}`;
  const fail = (why: string, status?: number) => {
    const error = new SignalRUnreachableError(`SignalR endpoint ${e.connection.endpoint}${e.key === undefined ? '' : ` (configuration key '${e.key}' from ${describeOrigin(e)})`} is not reachable: ${why} (HEAD ${url})`, {
      ...endpointOrigin(e),
      endpoint: e.connection.endpoint,
      ...(status !== undefined ? { status } : {}),
    });
    return { line: `${label(e)} connect: unreachable (${why})`, error };
  };
  try {
    const status = await head(url, agent);
    if (status >= 200 && status < 300) return { line: `${label(e)} connect: reachable (health ${status}; access key not verified)` };
    return fail(`health probe answered ${status}`, status);
  } catch (err) {
    return fail((err as NodeJS.ErrnoException).code ?? (err as Error).message);
  }
}

async function probeKey(e: ServiceEndpoint, options: SignalRConnectOptions): Promise<{ line: string; error?: ConfigurationError }> {
  const key = new SignalREntraAccessKey(
    e,
    () => (options.credential ? Promise.resolve(options.credential) : credentialFor(e, options.credentialOptions ? { credentialOptions: options.credentialOptions } : {})),
    options.agent,
  );
  try {
    await key.probe();
    return { line: `${label(e)} connect: reachable, authorized (Microsoft Entra access key issued)` };
  } catch (err) {
    if (!(err instanceof SignalRAccessKeyError)) throw err;
    const cause =
      err.failure === 'unauthorized' || err.failure === 'forbidden'
        ? `reachable, not authorized (${err.status}): the identity needs the "SignalR App Server" role`
        : err.failure === 'credential'
          ? 'no Microsoft Entra token (credential failed)'
          : err.failure === 'inaccessible' && err.status === undefined
            ? 'unreachable'
            : `${err.failure}${err.status !== undefined ? ` (${err.status})` : ''}`;
    return { line: `${label(e)} connect: ${cause}`, error: err };
  } finally {
    key.dispose();
  }
}

/** Probes every endpoint, all at once; lines come back in the endpoints' order. */
export async function connectSignalR(
  endpoints: readonly ServiceEndpoint[],
  options: SignalRConnectOptions = {},
): Promise<{ lines: string[]; errors: ConfigurationError[] }> {
  const results = await Promise.all(
    endpoints.map((e) => (e.connection.auth.kind === 'accessKey' ? probeHealth(e, options.agent) : probeKey(e, options))),
  );
  return {
    lines: results.map((r) => r.line),
    errors: results.flatMap((r) => (r.error ? [r.error] : [])),
  };
}
