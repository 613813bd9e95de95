/**
 * The SignalR part of `layered-config check`: one line per endpoint found, and every problem as a
 * typed error naming the configuration key and its provider. Never prints a key or secret.
 */
import type { ConfigurationError } from '../../core/errors.js';
import { describeOrigin } from '../../core/errors.js';
import type { SignalRAuth } from './connectionString.js';
import type { SignalRConnectOptions } from './connectCheck.js';
import { readSignalREndpoints, type ServiceEndpoint, type SignalRConfigurationSource } from './endpoints.js';

export interface SignalRCheckResult {
  lines: string[];
  errors: ConfigurationError[];
}

function describeAuth(auth: SignalRAuth): string {
  switch (auth.kind) {
    case 'accessKey':
      return 'access key';
    case 'default':
      if (auth.clientId !== undefined) return `DefaultAzureCredential (managed identity client id ${auth.clientId})`;
      return auth.authType === null
        ? 'DefaultAzureCredential (no AccessKey and no AuthType given)'
        : `DefaultAzureCredential (AuthType=${auth.authType})`;
    case 'managedIdentity':
      return auth.clientId === undefined ? 'managed identity (system-assigned)' : `managed identity (user-assigned, client id ${auth.clientId})`;
    case 'application':
      return `application ${auth.clientId} in tenant ${auth.tenantId} (${auth.clientSecret !== undefined ? 'client secret' : `certificate ${auth.certificatePath}`})`;
  }
}

function line(e: ServiceEndpoint): string {
  const c = e.connection;
  const extra = [
    c.clientEndpoint !== undefined ? `client endpoint ${c.clientEndpoint}` : '',
    c.serverEndpoint !== undefined ? `server endpoint ${c.serverEndpoint}` : '',
  ].filter(Boolean);
  const name = e.name === '' ? '(default)' : `"${e.name}"`;
  const from = e.key === undefined ? '' : ` [${e.key} from ${describeOrigin(e)}]`;
  return `SignalR ${name} ${e.type} ${c.endpoint} auth: ${describeAuth(c.auth)}${extra.length ? `; ${extra.join('; ')}` : ''}${from}`;
}

/**
 * Validates every SignalR endpoint in the tree. An app with no SignalR keys at all gets no lines
 * and no errors; one with keys but no usable set gets the SDK's errors.
 */
export function checkSignalR(config: SignalRConfigurationSource): SignalRCheckResult {
  const report = readSignalREndpoints(config);
  if (!report.configured) return { lines: [], errors: [] };
  return { lines: report.endpoints.map(line), errors: report.errors };
}

/**
 * `checkSignalR`, then one probe per valid endpoint (`check --connect`): the Entra key exchange for
 * identity-based endpoints, the health API for access-key ones. The probe code loads only here.
 */
export async function checkSignalRConnect(config: SignalRConfigurationSource, options: SignalRConnectOptions = {}): Promise<SignalRCheckResult> {
  const checked = checkSignalR(config);
  const report = readSignalREndpoints(config);
  if (!report.configured || report.endpoints.length === 0) return checked;
  const { connectSignalR } = await import('./connectCheck.js');
  const connected = await connectSignalR(report.endpoints, options);
  return { lines: [...checked.lines, ...connected.lines], errors: [...checked.errors, ...connected.errors] };
}
