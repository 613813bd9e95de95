import { RemoteProviderError, type ConfigurationErrorDetails } from '../../core/errors.js';
import { scrubSecrets } from '../../core/secrets.js';
import { sanitizedCause, withoutResponseBody } from '../../net/sanitize.js';
import { isAbortError, statusOf } from '../../net/retry.js';

/**
 * Stable codes of Key Vault failures. The status decides the code so callers can react
 * (a 403 is a permissions or disabled-secret problem, not a timeout).
 */
export type KeyVaultErrorCode =
  | 'KEY_VAULT_OPTIONS'
  | 'KEY_VAULT_SECRET_ID'
  | 'KEY_VAULT_UNAUTHORIZED'
  | 'KEY_VAULT_FORBIDDEN'
  | 'KEY_VAULT_SECRET_DISABLED'
  | 'KEY_VAULT_SECRET_NOT_FOUND'
  | 'KEY_VAULT_THROTTLED'
  | 'KEY_VAULT_UNAVAILABLE'
  | 'KEY_VAULT_TIMEOUT'
  | 'KEY_VAULT_CREDENTIAL'
  | 'KEY_VAULT_KEY_MAPPING'
  | 'KEY_VAULT_REQUEST';

/** A Key Vault provider or resolver failure, naming the vault and (when there is one) the secret. */
export class KeyVaultError extends RemoteProviderError {
  declare readonly code: KeyVaultErrorCode;
  readonly vaultUrl?: string;
  readonly secretName?: string;
  constructor(
    message: string,
    code: KeyVaultErrorCode,
    details: ConfigurationErrorDetails & { statusCode?: number; vaultUrl?: string; secretName?: string } = {},
  ) {
    super(message, code, details);
    if (details.vaultUrl !== undefined) this.vaultUrl = details.vaultUrl;
    if (details.secretName !== undefined) this.secretName = details.secretName;
  }
}

export interface FailureContext {
  vaultUrl: string;
  /** The secret being read; absent while listing. */
  secretName?: string;
  /** What was being done: `listing secrets`, `reading secret 'X'`. */
  operation: string;
  provider?: string;
  /** Values known so far, scrubbed from any foreign message just in case. */
  knownValues?: Iterable<string>;
}

/** The service's own explanation, one line, scrubbed; empty when there is none. */
function serviceMessage(error: unknown, knownValues: Iterable<string>): string {
  const m = (error as { message?: unknown })?.message;
  if (typeof m !== 'string' || m.trim() === '') return '';
  return scrubSecrets(withoutResponseBody(m).split('\n')[0]!.trim(), knownValues).slice(0, 300);
}

/** Turns whatever the SDK or credential threw into a KeyVaultError naming the vault, secret and cause. */
export function toKeyVaultError(error: unknown, context: FailureContext): KeyVaultError {
  if (error instanceof KeyVaultError) return error;
  const known = [...(context.knownValues ?? [])];
  const status = statusOf(error);
  const why = serviceMessage(error, known);
  const inner = (error as { details?: { error?: { innererror?: { code?: unknown } } } })?.details?.error?.innererror?.code;
  const name = (error as { name?: unknown })?.name;
  let code: KeyVaultErrorCode;
  if (status === 401) code = 'KEY_VAULT_UNAUTHORIZED';
  else if (status === 403) code = inner === 'SecretDisabled' || /disabled secret/i.test(why) ? 'KEY_VAULT_SECRET_DISABLED' : 'KEY_VAULT_FORBIDDEN';
  else if (status === 404) code = 'KEY_VAULT_SECRET_NOT_FOUND';
  else if (status === 429) code = 'KEY_VAULT_THROTTLED';
  else if (status !== undefined && status >= 500) code = 'KEY_VAULT_UNAVAILABLE';
  else if (name === 'CredentialUnavailableError' || name === 'AuthenticationError' || name === 'AggregateAuthenticationError' || name === 'CredentialCreationError') {
    code = 'KEY_VAULT_CREDENTIAL';
  }
  else if (status === undefined && !isAbortError(error)) code = 'KEY_VAULT_UNAVAILABLE';
  else code = 'KEY_VAULT_REQUEST';
  const statusText = status !== undefined ? `${status}` : code === 'KEY_VAULT_CREDENTIAL' ? 'a credential error' : 'a network error';
  const message = `Azure Key Vault ${context.vaultUrl}: ${context.operation} failed with ${statusText}${why ? `: ${why}` : ''}`;
  return new KeyVaultError(message, code, {
    vaultUrl: context.vaultUrl,
    ...(context.secretName !== undefined ? { secretName: context.secretName, source: secretSource(context.vaultUrl, context.secretName) } : {}),
    ...(context.provider !== undefined ? { provider: context.provider } : {}),
    ...(status !== undefined ? { statusCode: status } : {}),
    cause: sanitizedCause(error, known),
  });
}

/** Provenance text for one secret: the vault and the secret's name, never its value. */
export function secretSource(vaultUrl: string, secretName: string): string {
  return `${vaultUrl.replace(/\/+$/, '')}/secrets/${secretName}`;
}
