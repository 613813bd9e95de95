/**
 * `@azure/identity` credentials for SignalR endpoints that use Microsoft Entra ID. The identity
 * package is imported only when a credential is asked for, so loading the library stays cheap.
 */
import type { TokenCredential, TokenCredentialOptions } from '@azure/identity';
import { hideCredentialInternals } from '../../core/secrets.js';
import type { SignalRConnection } from './connectionString.js';
import { ServiceEndpoint } from './endpoints.js';
import { SignalRAuthError } from './errors.js';

/** The scope every SignalR Entra token is requested for (the SDK's `DefaultScope`). */
export const SIGNALR_SCOPE = 'https://signalr.azure.com/.default';

export interface CredentialForOptions {
  /** Passed to the credential's constructor (`authorityHost`, `additionallyAllowedTenants`, an `agent`…). */
  credentialOptions?: TokenCredentialOptions;
}

/**
 * The `TokenCredential` an endpoint's Entra auth calls for, as the SDK chooses it:
 * `default` → DefaultAzureCredential, `managedIdentity` → ManagedIdentityCredential (user-assigned
 * with a client id), `application` → ClientSecretCredential or ClientCertificateCredential.
 * Request tokens for `SIGNALR_SCOPE`.
 *
 * @throws SignalRAuthError for an access-key endpoint, which needs no credential.
 */
export async function credentialFor(
  target: ServiceEndpoint | SignalRConnection,
  options: CredentialForOptions = {},
): Promise<TokenCredential> {
  const connection = target instanceof ServiceEndpoint ? target.connection : target;
  const auth = connection.auth;
  const opts = options.credentialOptions ?? {};
  const where =
    target instanceof ServiceEndpoint && target.key !== undefined
      ? { key: target.key, ...(target.provider !== undefined ? { provider: target.provider } : {}), ...(target.source !== undefined ? { source: target.source } : {}) }
      : {};
  if (auth.kind === 'accessKey') {
    throw new SignalRAuthError(
      `The SignalR endpoint ${connection.endpoint} authenticates with an AccessKey; there is no Microsoft Entra credential to build.`,
      where,
    );
  }
  const identity = await import('@azure/identity');
  switch (auth.kind) {
    case 'default':
      return hideCredentialInternals(
        new identity.DefaultAzureCredential(
          auth.clientId === undefined ? opts : { ...opts, managedIdentityClientId: auth.clientId, workloadIdentityClientId: auth.clientId },
        ),
      );
    case 'managedIdentity':
      return hideCredentialInternals(
        auth.clientId === undefined
          ? new identity.ManagedIdentityCredential(opts)
          : new identity.ManagedIdentityCredential({ ...opts, clientId: auth.clientId }),
      );
    case 'application': {
      const secret = auth.clientSecret;
      if (secret !== undefined) return hideCredentialInternals(new identity.ClientSecretCredential(auth.tenantId, auth.clientId, secret, opts));
      return hideCredentialInternals(
        new identity.ClientCertificateCredential(auth.tenantId, auth.clientId, { certificatePath: auth.certificatePath! }, opts),
      );
    }
  }
}
