/**
 * The App Service / Azure Functions Key Vault reference grammar, as a pure parser (text in, parts
 * out; nothing here talks to Azure). The platform documents two forms
 * (MicrosoftDocs/azure-docs, articles/app-service/app-service-key-vault-references.md):
 *
 *   @Microsoft.KeyVault(SecretUri=https://<vault>.vault.azure.net/secrets/<name>[/<version>][/])
 *   @Microsoft.KeyVault(VaultName=<vault>;SecretName=<name>[;SecretVersion=<version>])
 *
 * The documentation is silent on case and whitespace; this parser is lenient where leniency
 * cannot change the meaning (prefix and parameter names case-insensitive, spaces around the
 * value, `=` and `;` ignored, an empty `;;` part ignored) and strict everywhere else: a value that
 * starts like a reference but breaks the grammar is an error, never passed through as a literal.
 */
import { ConfigurationError, type ConfigurationErrorDetails } from '../core/errors.js';
import { readSecretIdentifier, SECRET_NAME, SECRET_VERSION, type SecretIdentifierProblem } from './keyVaultSecretId.js';

/** A parsed reference. `secretId` is the data-plane identifier a Key Vault client reads. */
export interface KeyVaultReferenceParts {
  /** `https://host[:port]` */
  readonly vaultUrl: string;
  readonly secretName: string;
  /** Absent: the latest version, re-read on reload and on the refresh interval. */
  readonly secretVersion?: string;
  /** `<vaultUrl>/secrets/<name>[/<version>]` */
  readonly secretId: string;
  /** Which of the two documented forms was written. */
  readonly form: 'SecretUri' | 'VaultName';
}

export interface KeyVaultReferenceParseOptions {
  /**
   * The vault URL for the `VaultName=` form. Default `https://<name>.vault.azure.net` (the public
   * cloud); sovereign clouds and emulators pass their own.
   */
  vaultUrlFromName?: (vaultName: string) => string;
}

/** A value that starts as a Key Vault reference but does not follow the grammar. */
export class InvalidKeyVaultReferenceError extends ConfigurationError {
  constructor(message: string, details: ConfigurationErrorDetails = {}) {
    super(message, 'KEY_VAULT_REFERENCE_INVALID', details);
  }
}

const PREFIX = /^\s*@microsoft\.keyvault\(/i;
/** What every reference contains, ignoring case: a scan may rule out a whole source without it. */
export const KEY_VAULT_REFERENCE_MARK = '@microsoft.keyvault(';
/** Key Vault's own rules: 3-24 characters, letters, digits and dashes, a letter first, no `--`, no dash last. */
const VAULT_NAME = /^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/;

/** Whether a value is meant as a Key Vault reference (and so must parse): the cheap test run on every value. */
export function looksLikeKeyVaultReference(value: string | null | undefined): value is string {
  // 20 is the prefix's own length: a shorter string cannot be one (a cheap test before the regex).
  return typeof value === 'string' && value.length >= 20 && PREFIX.test(value);
}

export function defaultVaultUrl(vaultName: string): string {
  return `https://${vaultName.toLowerCase()}.vault.azure.net`;
}

/**
 * Parses a reference. Throws `InvalidKeyVaultReferenceError` naming what is wrong (never the
 * value); `where` (key, provider, source) goes into the error so it names the key and the layer.
 */
export function parseKeyVaultReference(
  value: string,
  where: ConfigurationErrorDetails = {},
  options: KeyVaultReferenceParseOptions = {},
): KeyVaultReferenceParts {
  const at = where.key !== undefined ? ` in '${where.key}'${where.provider ? ` from ${where.provider}` : ''}${where.source ? ` (${where.source})` : ''}` : '';
  const fail = (why: string): never => {
    throw new InvalidKeyVaultReferenceError(`Invalid Key Vault reference${at}: ${why}`, where);
  };
  const text = value.trim();
  const open = PREFIX.exec(text);
  if (!open) return fail("it must start with '@Microsoft.KeyVault('.");
  if (!text.endsWith(')')) fail("it must end with ')'.");
  const body = text.slice(open[0].trimStart().length, -1);

  const params = new Map<string, string>();
  for (const part of body.split(';')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) fail(`'${part.trim().slice(0, 40)}' is not a Name=value pair.`);
    const name = part.slice(0, eq).trim();
    const canonical = ['SecretUri', 'VaultName', 'SecretName', 'SecretVersion'].find((n) => n.toLowerCase() === name.toLowerCase());
    if (!canonical) fail(`unknown parameter '${name.slice(0, 40)}' (expected SecretUri, or VaultName, SecretName and SecretVersion).`);
    if (params.has(canonical!)) fail(`'${canonical}' is given twice.`);
    params.set(canonical!, part.slice(eq + 1).trim());
  }

  const uri = params.get('SecretUri');
  if (uri !== undefined) {
    if (params.size > 1) fail('SecretUri cannot be combined with VaultName, SecretName or SecretVersion.');
    return fromSecretUri(uri, fail);
  }
  const vaultName = params.get('VaultName');
  const secretName = params.get('SecretName');
  const version = params.get('SecretVersion');
  if (vaultName === undefined && secretName === undefined) fail('it needs SecretUri, or VaultName and SecretName.');
  if (!vaultName) fail('VaultName is missing or empty.');
  if (!secretName) fail('SecretName is missing or empty.');
  if (!VAULT_NAME.test(vaultName!)) fail(`VaultName '${vaultName!.slice(0, 40)}' is not a vault name (3-24 letters, digits and dashes, starting with a letter).`);
  if (!SECRET_NAME.test(secretName!)) fail('SecretName must be 1-127 letters, digits or dashes.');
  if (version !== undefined && version !== '' && !SECRET_VERSION.test(version)) fail('SecretVersion must be letters and digits.');
  let vaultUrl: string;
  try {
    vaultUrl = new URL((options.vaultUrlFromName ?? defaultVaultUrl)(vaultName!)).origin;
  } catch {
    return fail(`VaultName '${vaultName}' does not give a vault URL.`);
  }
  return parts(vaultUrl, secretName!, version || undefined, 'VaultName');
}

/** Each problem in its words here: the vault host is shown, never the rest of the URL. */
const SECRET_URI_PROBLEMS: Record<SecretIdentifierProblem, (host: string) => string> = {
  'not-absolute': () => 'SecretUri is not an absolute URL.',
  'not-https': () => 'SecretUri must be an https URL.',
  'query-or-user-info': () => 'SecretUri must not carry a query, fragment or user info.',
  'not-a-secret-path': (host) => `SecretUri must be https://<vault>/secrets/<name>[/<version>] (vault host '${host}').`,
  'malformed-escape': (host) => `SecretUri has a malformed %-escape (vault host '${host}').`,
  'bad-name': (host) => `the secret name in SecretUri must be 1-127 letters, digits or dashes (vault host '${host}').`,
  'bad-version': (host) => `the version in SecretUri must be letters and digits (vault host '${host}').`,
};

function fromSecretUri(uri: string, fail: (why: string) => never): KeyVaultReferenceParts {
  if (uri === '') fail('SecretUri is empty.');
  const id = readSecretIdentifier(uri);
  if (!id.ok) return fail(SECRET_URI_PROBLEMS[id.problem](id.host ?? ''));
  return parts(id.vaultUrl, id.name, id.version, 'SecretUri');
}

function parts(vaultUrl: string, secretName: string, secretVersion: string | undefined, form: KeyVaultReferenceParts['form']): KeyVaultReferenceParts {
  return {
    vaultUrl,
    secretName,
    ...(secretVersion ? { secretVersion } : {}),
    secretId: `${vaultUrl}/secrets/${secretName}${secretVersion ? `/${secretVersion}` : ''}`,
    form,
  };
}
