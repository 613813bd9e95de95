import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { foldKey, pathAndAncestors, splitPath } from './path.js';

/**
 * Last key segments that name a secret. Matched on the segment with `_`, `-` and `.` removed,
 * case-insensitively, so `Password`, `DB_PASSWORD`, `client-secret` and `AccessKey` all count.
 */
const SECRET_SEGMENT =
  /(password|passwd|pwd|secret|accesskey|apikey|connectionstrings?|connstr|token|credential|privatekey|sas|signature|primarykey|secondarykey|clientcert)$/i;

/** The shell's working directories (`PWD`, `OLDPWD`): `pwd` names a password in a key below the root, not these paths. */
const SHELL_DIRECTORY = /^(?:OLD)?PWD$/i;

/**
 * True when a segment of a key names a secret: the last (`Redis:Password`, `Azure:SignalR:ConnectionString`)
 * or an earlier one (`Azure:SignalR:ConnectionString:east:secondary`: a named value below a secret-named
 * section is just as secret).
 */
export function isSecretKey(key: string): boolean {
  if (SHELL_DIRECTORY.test(key)) return false;
  return splitPath(key).some((s) => SECRET_SEGMENT.test(s.replace(/[_\-.]/g, '')));
}

/**
 * Keys marked secret (a schema's `sensitive`), each covering itself and every key below it: a
 * section marked at bind time also hides children that only appear in a later reload.
 */
export class MarkedSecretKeys {
  /** Folded paths as marked. */
  readonly #marked = new Set<string>();

  mark(key: string): void {
    this.#marked.add(foldKey(key));
  }

  /** True when `key` or one of its ancestors is marked (whole segments only: `Db:PasswordHint` is not below `Db:Password`). */
  covers(key: string): boolean {
    if (this.#marked.size === 0) return false;
    for (const path of pathAndAncestors(foldKey(key))) if (this.#marked.has(path)) return true;
    return false;
  }
}

/** Names whose value is the secret part of a connection string (`password=…`, `AccessKey=…`) or SAS query (`sig=…`). */
const SECRET_PART_NAMES = 'password|pwd|accesskey|sharedaccesskey|sharedaccesssignature|accountkey|clientsecret|secret|token|sig';
const SECRET_PART_NAME = new RegExp(`^(?:${SECRET_PART_NAMES})$`, 'i');

/**
 * Connection strings carry their secret inside the value (`Endpoint=…;AccessKey=…`,
 * `host:6380,password=…`, `rediss://:key@host`, a SAS URL's `?…&sig=…`), whatever the key is called
 * (`Azure:SignalR:Endpoints:first`), so a value of that shape is secret too.
 */
const SECRET_ASSIGNMENT = new RegExp(`(?:^|[;,?&])\\s*(?:${SECRET_PART_NAMES})\\s*=`, 'i');
/** `scheme://user:password@`, the password captured. */
const URL_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:([^/@\s]+)@/gi;
// A value is secret-shaped when such a URL opens it or sits in a connection string (`Endpoint=https://u:pw@host;…`).
const URL_WITH_PASSWORD = new RegExp(`(?:^|[=;,\\s])${URL_PASSWORD.source}`, 'i');

/** True when a value looks like it contains a secret (a connection string with a key or password, a URL with a password). */
export function isSecretValue(value: string | null | undefined): boolean {
  if (!value) return false;
  return SECRET_ASSIGNMENT.test(value) || URL_WITH_PASSWORD.test(value);
}

/**
 * The secret parts inside a value: `password=…` of `host:6380,password=…`, `AccessKey=…` of a SignalR
 * string, `sig=…` of a SAS query, the password of `rediss://:pw@host` (also percent-decoded). A
 * foreign message may quote one part without the rest, so scrubbing needs each on its own too.
 */
export function secretParts(value: string): string[] {
  const parts: string[] = [];
  const query = value.indexOf('?');
  const pieces = [...value.split(/[;,]/), ...(query < 0 ? [] : value.slice(query + 1).split('&'))];
  for (const piece of pieces) {
    const eq = piece.indexOf('=');
    if (eq <= 0) continue;
    const name = piece.slice(0, eq).trim();
    const part = piece.slice(eq + 1).trim();
    if (part && (SECRET_PART_NAME.test(name) || isSecretKey(name))) parts.push(part);
  }
  for (const m of value.matchAll(URL_PASSWORD)) {
    parts.push(m[1]!);
    try {
      parts.push(decodeURIComponent(m[1]!));
    } catch {
      // not percent-encoded text: the raw form is already listed
    }
  }
  return parts;
}

/**
 * A short, stable fingerprint so two secret values can be compared without showing them.
 * Eight hex digits of SHA-256: enough to tell values apart, far too few to reverse a real secret.
 */
export function fingerprint(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 8);
}

/** The text shown in place of a secret value. */
export function redactedText(value: string | null | undefined): string {
  if (value === null || value === undefined) return '';
  return `<redacted sha256:${fingerprint(value)}>`;
}

/** The value as it may be shown: itself when not secret, a fingerprint otherwise. */
export function displayValue(value: string | null | undefined, secret: boolean): string | null | undefined {
  if (!secret || value === null || value === undefined) return value;
  return redactedText(value);
}

/** Values that can sit under a secret-looking key (`UseToken=true`) and hide nothing. */
const NOT_A_SECRET = /^(?:true|false|null)$/i;

/**
 * Removes every occurrence of the given secret values from a text (an error message from a
 * third-party library, say), so even foreign messages cannot leak them.
 */
export function scrubSecrets(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const s of secrets) {
    // Redacting every `true` in a message would garble it and protect nothing.
    if (s.length < 4 || NOT_A_SECRET.test(s)) continue;
    if (out.includes(s)) out = out.split(s).join(redactedText(s));
  }
  return out;
}

/**
 * Some `@azure/identity` credentials (`ClientSecretCredential`…) keep the secret in a plain field,
 * which `util.inspect` would print: gives the instance an inspect and JSON form that show only its class.
 */
export function hideCredentialInternals<T extends object>(credential: T): T {
  const label = `${credential.constructor.name} {}`;
  Object.defineProperty(credential, inspect.custom, { value: () => label, enumerable: false });
  Object.defineProperty(credential, 'toJSON', { value: () => ({ credential: credential.constructor.name }), enumerable: false });
  return credential;
}
