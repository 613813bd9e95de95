import type { TokenCredential } from '@azure/core-auth';
import type { SecretClient, SecretClientOptions } from '@azure/keyvault-secrets';

/**
 * Creates a SecretClient, importing the SDK only now so that loading the package never loads it.
 * SDK retries are off unless the caller configured them: `withRetry` is the one retry layer, so
 * delays are predictable and a bare 429 is handled too.
 */
export async function createSecretClient(
  vaultUrl: string,
  credential: TokenCredential,
  clientOptions: SecretClientOptions = {},
): Promise<SecretClient> {
  const { SecretClient } = await import('@azure/keyvault-secrets');
  return new SecretClient(vaultUrl, credential, {
    ...clientOptions,
    retryOptions: { maxRetries: 0, ...clientOptions.retryOptions },
  });
}

/** `DefaultAzureCredential`, imported only when a credential is actually needed. */
export async function defaultCredential(): Promise<TokenCredential> {
  const { DefaultAzureCredential } = await import('@azure/identity');
  return new DefaultAzureCredential();
}

/** Normalises a vault URL to `https://host[:port]` (no path, no trailing slash) for keys and messages. */
export function vaultOrigin(vaultUrl: string): string {
  return new URL(vaultUrl).origin;
}
