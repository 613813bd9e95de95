/**
 * A Key Vault secret identifier, `https://<vault>/secrets/<name>[/<version>][/]`, read as a pure
 * parser: the one rule for both places that read one (a `SecretUri=` reference and an App
 * Configuration Key Vault reference's `uri`). Each caller words its own error from the problem
 * found here; nothing here echoes the text, which may carry a credential in its query or user info.
 */

export const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;
/** Key Vault versions are 32 hex digits; letters and digits, up to 64, is the looser rule both callers share. */
export const SECRET_VERSION = /^[0-9a-zA-Z]{1,64}$/;

export interface SecretIdentifier {
  /** `https://host[:port]` */
  readonly vaultUrl: string;
  readonly name: string;
  readonly version?: string;
  /** `certificates` only when the caller accepts certificate identifiers. */
  readonly collection: 'secrets' | 'certificates';
}

/** What is wrong with a text that is not a secret identifier. */
export type SecretIdentifierProblem =
  | 'not-absolute'
  | 'not-https'
  | 'query-or-user-info'
  | 'not-a-secret-path'
  | 'malformed-escape'
  | 'bad-name'
  | 'bad-version';

export type SecretIdentifierResult =
  | ({ readonly ok: true } & SecretIdentifier)
  | { readonly ok: false; readonly problem: SecretIdentifierProblem; /** the vault host, when the URL parsed */ readonly host?: string };

/**
 * `certificates: true` also accepts `https://<vault>/certificates/<name>[/<version>]`: Key Vault keeps a
 * secret of the same name and version beside every certificate (its private key and chain).
 */
export function readSecretIdentifier(text: string, { certificates = false }: { certificates?: boolean } = {}): SecretIdentifierResult {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, problem: 'not-absolute' };
  }
  const problem = (p: SecretIdentifierProblem): SecretIdentifierResult => ({ ok: false, problem: p, host: url.host });
  if (url.protocol !== 'https:') return problem('not-https');
  // A query or user info could carry a credential; it has no meaning in a secret identifier anyway.
  if (url.search || url.hash || url.username || url.password) return problem('query-or-user-info');
  // The documented example ends with '/': one trailing slash is allowed, as the platform accepts it.
  const segments = url.pathname.replace(/\/$/, '').split('/');
  const collection = segments[1]?.toLowerCase();
  if (segments.length < 3 || segments.length > 4 || segments[0] !== '' || !(collection === 'secrets' || (certificates && collection === 'certificates'))) {
    return problem('not-a-secret-path');
  }
  let name: string;
  let version: string | undefined;
  try {
    name = decodeURIComponent(segments[2]!);
    version = segments[3] ? decodeURIComponent(segments[3]) : undefined;
  } catch {
    return problem('malformed-escape');
  }
  if (!SECRET_NAME.test(name)) return problem('bad-name');
  if (version !== undefined && !SECRET_VERSION.test(version)) return problem('bad-version');
  return { ok: true, vaultUrl: url.origin, name, ...(version ? { version } : {}), collection };
}
