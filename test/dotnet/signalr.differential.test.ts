import { parseSignalRConnectionString } from '../../src/binders/signalr/connectionString.js';
import { SIGNALR_SECRETS, signalrCase, type SignalRCase } from './generators/signalr.js';
import { differentialSuite, type AreaSpec } from './harness.js';
import type { OracleAnswer } from './oracle.js';


interface SignalRAnswer {
  error?: string;
  endpoint?: string;
  clientEndpoint?: string;
  serverEndpoint?: string;
  audienceBaseUrl?: string;
  auth?: string;
}

/** The SDK's access-key class and credential type → our auth kind. */
function authOf(keyType: string | null, credentialType: string | null): string {
  if (keyType === 'AccessKey') return 'accessKey';
  switch (credentialType) {
    case 'DefaultAzureCredential':
      return 'default';
    case 'ManagedIdentityCredential':
      return 'managedIdentity';
    case 'ClientSecretCredential':
    case 'ClientCertificateCredential':
      return 'application';
    default:
      return `${keyType}/${credentialType}`;
  }
}

/**
 * An error message in the words both sides share: the SDK's sentence without its `(Parameter …)`
 * suffix, and a Version value replaced (ours may not echo it: see the table).
 */
export function errorText(message: string): string {
  return message
    .replace(/ \(Parameter '[^']*'\)$/, '')
    .replace(/^Version .* is not supported\.$/s, 'Version <v> is not supported.');
}

export function theirs(a: OracleAnswer): SignalRAnswer {
  if (a.error) return { error: errorText(a.error.message) };
  const r = a as unknown as Record<string, string | null>;
  return {
    endpoint: r.endpoint!,
    clientEndpoint: r.clientEndpoint!,
    serverEndpoint: r.serverEndpoint!,
    audienceBaseUrl: r.audienceBaseUrl!,
    auth: authOf(r.accessKeyType ?? null, r.credentialType ?? null),
  };
}

export function ours(c: SignalRCase): SignalRAnswer {
  try {
    const p = parseSignalRConnectionString(c.text);
    return {
      endpoint: p.endpoint,
      clientEndpoint: p.effectiveClientEndpoint,
      serverEndpoint: p.effectiveServerEndpoint,
      audienceBaseUrl: p.audienceBaseUrl,
      auth: p.auth.kind,
    };
  } catch (err) {
    return { error: errorText((err as Error).message) };
  }
}

const spec: AreaSpec<SignalRCase> = {
  area: 'signalr',
  arbitrary: signalrCase,
  toOracle: (c) => ({ area: 'signalr', text: c.text }),
  theirs: (a) => theirs(a),
  ours,
  secrets: () => SIGNALR_SECRETS,
};

differentialSuite('Microsoft.Azure.SignalR connection strings against ours', 'signalr', spec, 'test/dotnet/signalr.differential.test.ts');
