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

/** `DefaultAzureCredential` could not be created (its package failed to load, or its constructor refused the environment). */
export class CredentialCreationError extends Error {
  override readonly name = 'CredentialCreationError';
}

/** `DefaultAzureCredential`, imported only when a credential is actually needed. */
export async function defaultCredential(): Promise<TokenCredential> {
  try {
    const { DefaultAzureCredential } = await import('@azure/identity');
    return new DefaultAzureCredential();
  } catch (error) {
    // Told apart from a failed request, so the error says "a credential error", not "a network error".
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new CredentialCreationError(`could not create DefaultAzureCredential: ${why}`, { cause: error });
  }
}

/** Normalises a vault URL to `https://host[:port]` (no path, no trailing slash) for keys and messages. */
export function vaultOrigin(vaultUrl: string): string {
  return new URL(vaultUrl).origin;
}

/** A URL as an error may show it: no user info, query or fragment (they may carry credentials). */
export function shownUrl(given: unknown): string {
  const text = String(given);
  try {
    const url = new URL(text);
    if (url.host) {
      const redacted = url.username || url.password || url.search || url.hash;
      url.username = '';
      url.password = '';
      url.search = '';
      url.hash = '';
      return `${url.href}${redacted ? ' (user info, query or fragment removed)' : ''}`.slice(0, 300);
    }
  } catch {
    // Not a URL: shown below.
  }
  // No host to anchor on (`user:pw@vault…` parses as a scheme and a path): anything up to the
  // last '@' may be user info, anything after '?' or '#' a query.
  const head = text.split(/[?#]/)[0]!;
  const at = head.lastIndexOf('@');
  return at < 0 && head.length === text.length ? head.slice(0, 100) : `${head.slice(at + 1).slice(0, 100)} (user info, query or fragment removed)`;
}
