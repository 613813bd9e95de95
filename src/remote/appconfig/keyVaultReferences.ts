/**
 * Key Vault references: settings of content type `application/vnd.microsoft.appconfig.keyvaultref+json`
 * (parameters ignored) whose value is `{"uri":"https://<vault>/secrets/<name>[/<version>]"}`. The
 * secret's value replaces the setting's and is marked secret. Errors name the App Configuration key
 * and label and the vault, never a value.
 */
import { ConfigurationError, RemoteProviderError, type ConfigurationErrorDetails } from '../../core/errors.js';
import { sanitizedCause } from '../../net/sanitize.js';
import { parseKeyVaultSecretId } from '../keyvault/secretResolver.js';
import { readSecretIdentifier } from '../../parsers/keyVaultSecretId.js';
import { KEY_VAULT_REFERENCE_MEDIA_TYPE, mediaType } from './jsonValues.js';
import { describeLabel } from './selectors.js';

export function isKeyVaultReference(setting: { contentType?: string | null }): boolean {
  return mediaType(setting.contentType) === KEY_VAULT_REFERENCE_MEDIA_TYPE;
}

/** What resolves a secret identifier; `KeyVaultSecretResolver` implements it (one client per vault, bounded, deduplicated). */
export interface SecretResolver {
  /** `retryAfterDeadline` (epoch ms, refreshes only): give up rather than wait out a `Retry-After` ending later. */
  resolve(secretId: string, options?: { retryAfterDeadline?: number }): Promise<{ value: string; vaultUrl: string; name: string; version?: string }>;
  /** Forgets resolved values, so a reload after a change fetches the secrets again. */
  clear?(): void;
  dispose?(): void | Promise<void>;
}

export interface KeyVaultReference {
  /** The identifier as written, for the resolver. */
  secretId: string;
  /** `https://host[:port]` */
  vaultUrl: string;
  name: string;
  version?: string;
}

export type KeyVaultReferenceProblem = 'INVALID_REFERENCE' | 'INVALID_SECRET_ID' | 'NO_CREDENTIAL' | 'RESOLUTION_FAILED';

/** A Key Vault reference that could not be parsed or resolved. */
export class KeyVaultReferenceError extends RemoteProviderError {
  /** The App Configuration key and label of the reference. */
  readonly settingKey: string;
  readonly label: string | null;
  readonly vaultUrl?: string;
  readonly secretName?: string;
  /** What went wrong; for `RESOLUTION_FAILED` the Key Vault error is the `cause`. */
  readonly problem: KeyVaultReferenceProblem;
  constructor(
    message: string,
    details: ConfigurationErrorDetails & {
      statusCode?: number;
      settingKey: string;
      label: string | null;
      vaultUrl?: string;
      secretName?: string;
      problem: KeyVaultReferenceProblem;
    },
  ) {
    super(message, 'APP_CONFIGURATION_KEY_VAULT_REFERENCE', details);
    this.settingKey = details.settingKey;
    this.label = details.label;
    this.problem = details.problem;
    if (details.vaultUrl !== undefined) this.vaultUrl = details.vaultUrl;
    if (details.secretName !== undefined) this.secretName = details.secretName;
  }
}

interface ReferenceSetting {
  key: string;
  label?: string | null;
  value?: string | null;
}

function where(setting: ReferenceSetting, store: string): string {
  return `Key Vault reference '${setting.key}' ${describeLabel(setting.label)} in App Configuration store '${store}'`;
}

/**
 * A secret identifier → vault, name, version; undefined when it is not one (.NET
 * `KeyVaultSecretIdentifier`). The resolver's own parser, so a reference is never accepted here and
 * then refused by the resolver (reported as a failed resolution instead of an invalid identifier).
 */
export function parseSecretIdentifier(uri: string): Omit<KeyVaultReference, 'secretId'> | undefined {
  try {
    return parseKeyVaultSecretId(uri);
  } catch {
    return undefined;
  }
}

/**
 * A certificate identifier, `https://<vault>/certificates/<name>[/<version>]`, as the identifier of
 * the secret Key Vault keeps beside every certificate under the same name and version: the .NET
 * provider reads a certificate reference that way (KeyVaultReferenceTests UseCertificate). Any other
 * text is returned as it is, for the secret-identifier parser to judge.
 */
function certificateAsSecretId(uri: string): string {
  const id = readSecretIdentifier(uri, { certificates: true });
  if (!id.ok || id.collection !== 'certificates') return uri;
  return `${id.vaultUrl}/secrets/${encodeURIComponent(id.name)}${id.version ? `/${encodeURIComponent(id.version)}` : ''}`;
}

/** Parses a reference setting's value; throws `KeyVaultReferenceError` when it is not a valid reference. */
export function parseKeyVaultReference(setting: ReferenceSetting, store: string): KeyVaultReference {
  const base = { settingKey: setting.key, label: setting.label ?? null, provider: 'AzureAppConfigurationProvider', source: store };
  let uri: unknown;
  try {
    uri = (JSON.parse(setting.value ?? '') as { uri?: unknown } | null)?.uri;
  } catch {
    uri = undefined;
  }
  if (typeof uri !== 'string') {
    throw new KeyVaultReferenceError(`Invalid Key Vault reference: the value of ${where(setting, store)} is not a JSON object with a string "uri".`, {
      ...base,
      problem: 'INVALID_REFERENCE',
    });
  }
  const secretId = certificateAsSecretId(uri);
  const parsed = parseSecretIdentifier(secretId);
  if (!parsed) {
    let host: string | undefined;
    try {
      host = new URL(uri).host;
    } catch {
      host = undefined;
    }
    throw new KeyVaultReferenceError(
      `Invalid Key Vault secret identifier in ${where(setting, store)}${host ? ` (vault host '${host}')` : ''}: expected https://<vault>/secrets/<name>[/<version>] (or /certificates/<name>[/<version>]).`,
      { ...base, problem: 'INVALID_SECRET_ID', ...(host ? { vaultUrl: `https://${host}` } : {}) },
    );
  }
  return { secretId, ...parsed };
}

/** No credential or resolver to reach Key Vault with. */
export function noCredentialError(setting: ReferenceSetting, store: string, reference: KeyVaultReference): KeyVaultReferenceError {
  return new KeyVaultReferenceError(
    `Cannot resolve ${where(setting, store)}: no Key Vault credential is configured (set keyVault.credential or credential) for vault '${reference.vaultUrl}'.`,
    { settingKey: setting.key, label: setting.label ?? null, vaultUrl: reference.vaultUrl, secretName: reference.name, problem: 'NO_CREDENTIAL', source: store },
  );
}

/**
 * Wraps the resolver's error with the App Configuration key, label and store. Our own errors are
 * value-free and kept; anything else (a custom resolver may throw the SDK's RestError, whose request
 * carries the bearer token and whose response the body) is kept only as a sanitized copy.
 */
export function resolutionError(error: unknown, setting: ReferenceSetting, store: string, reference: KeyVaultReference): KeyVaultReferenceError {
  if (error instanceof KeyVaultReferenceError) return error;
  const cause = error instanceof ConfigurationError ? error : sanitizedCause(error);
  const status = (cause as { statusCode?: unknown }).statusCode;
  const code = (cause as { code?: unknown }).code;
  const inner = error instanceof ConfigurationError ? error.message : error instanceof Error ? cause.message.slice(0, 300) : 'unknown error';
  return new KeyVaultReferenceError(
    `Cannot resolve ${where(setting, store)}: secret '${reference.name}' in vault '${reference.vaultUrl}'` +
      `${typeof code === 'string' ? ` (${code})` : ''}: ${inner}`,
    {
      settingKey: setting.key,
      label: setting.label ?? null,
      vaultUrl: reference.vaultUrl,
      secretName: reference.name,
      problem: 'RESOLUTION_FAILED',
      source: store,
      provider: 'AzureAppConfigurationProvider',
      cause,
      ...(typeof status === 'number' ? { statusCode: status } : {}),
    },
  );
}
