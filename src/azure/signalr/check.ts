/**
 * The SignalR part of `layered-config check`: one line per endpoint found, and every problem as a
 * typed error naming the configuration key and its provider. Never prints a key or secret.
 */
import type { ConfigurationError } from '../../core/errors.js';
import { describeOrigin } from '../../core/errors.js';
import type { SignalRAuth } from './connectionString.js';
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
