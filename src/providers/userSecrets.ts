import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigurationError } from '../core/errors.js';
import type { ConfigurationProvider, ProviderData, ProviderWatchSink } from '../core/provider.js';
import { EMPTY_PROVIDER_DATA } from '../core/provider.js';
import { JsonFileProvider } from './jsonFile.js';

export interface UserSecretsOptions {
  /** The user-secrets id; default `userSecretsId` from the nearest `package.json`. */
  id?: string;
  /**
   * Whether a missing id is fine (no keys) rather than an error. Default true, as .NET's
   * `AddUserSecrets<T>()`. The secrets file itself is always optional, as in .NET.
   */
  optional?: boolean;
  /** Watch `secrets.json` and reload it when it changes. Default false. */
  reloadOnChange?: boolean;
  /** Where `APPDATA`, `HOME`, `USERPROFILE` and `DOTNET_USER_SECRETS_FALLBACK_DIR` are read; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Where the search for `package.json` starts (walking up); default the current directory. */
  packageJsonDir?: string;
}

export const USER_SECRETS_FALLBACK_DIR = 'DOTNET_USER_SECRETS_FALLBACK_DIR';

// Characters .NET's Path.GetInvalidFileNameChars() gives on Windows (a superset of Linux's),
// so an id that works here also works for a teammate on another OS.
const INVALID_ID_CHAR = /["<>|:*?\\/\u0000-\u001f]/;

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/**
 * The path of `secrets.json` for an id, as .NET's `PathHelper` computes it: under
 * `{APPDATA}/Microsoft/UserSecrets/{id}` when `APPDATA` is set, else under
 * `{HOME}/.microsoft/usersecrets/{id}` (`USERPROFILE`, then `DOTNET_USER_SECRETS_FALLBACK_DIR`
 * stand in for `HOME`). Throws a `ConfigurationError` for an invalid id or when there is no root.
 */
export function userSecretsPath(id: string, env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (id.length === 0) {
    throw new ConfigurationError('The user secrets ID must be a non-empty string.', 'USER_SECRETS_ID');
  }
  const bad = INVALID_ID_CHAR.exec(id);
  if (bad) {
    const shown = bad[0] < ' ' ? `\\u${bad[0].charCodeAt(0).toString(16).padStart(4, '0')}` : bad[0];
    throw new ConfigurationError(
      `Invalid character '${shown}' found in the user secrets ID at index '${bad.index}'.`,
      'USER_SECRETS_ID',
    );
  }
  // `.` and `..` contain no invalid character but would leave the store directory.
  if (id === '.' || id === '..') {
    throw new ConfigurationError(`The user secrets ID '${id}' is not a valid directory name.`, 'USER_SECRETS_ID');
  }
  const appData = nonEmpty(env.APPDATA);
  if (appData !== undefined) return join(appData, 'Microsoft', 'UserSecrets', id, 'secrets.json');
  const root = nonEmpty(env.HOME) ?? nonEmpty(env.USERPROFILE) ?? nonEmpty(env[USER_SECRETS_FALLBACK_DIR]);
  if (root === undefined) {
    throw new ConfigurationError(
      `Could not determine an appropriate location for storing user secrets. Set the ${USER_SECRETS_FALLBACK_DIR} environment variable to a folder where user secrets should be stored.`,
      'USER_SECRETS_LOCATION',
    );
  }
  return join(root, '.microsoft', 'usersecrets', id, 'secrets.json');
}

/**
 * `userSecretsId` of the nearest `package.json` at or above `dir` (the app's own manifest: the
 * search stops at the first `package.json`, whether or not it has the field).
 */
export function findUserSecretsId(dir: string): { id?: string; packageJson?: string } {
  let current = resolve(dir);
  for (;;) {
    const candidate = join(current, 'package.json');
    let text: string | undefined;
    try {
      text = readFileSync(candidate, 'utf8');
    } catch {
      text = undefined;
    }
    if (text !== undefined) {
      try {
        const manifest: unknown = JSON.parse(text);
        const id = (manifest as { userSecretsId?: unknown } | null)?.userSecretsId;
        return typeof id === 'string' ? { id, packageJson: candidate } : { packageJson: candidate };
      } catch {
        return { packageJson: candidate };
      }
    }
    const parent = dirname(current);
    if (parent === current) return {};
    current = parent;
  }
}

/**
 * `addUserSecrets(options)`: the .NET user-secrets store's `secrets.json`, read with the JSON
 * file rules; every value is secret. The id and path are resolved when the provider is created;
 * an invalid id, no store location, or (with `optional: false`) no id fail the load, so the error
 * comes out of `build()` with the others.
 */
export class UserSecretsProvider implements ConfigurationProvider {
  readonly name: string;
  readonly secret = true;
  /** The resolved id, when one was found. */
  readonly id: string | undefined;
  /** The resolved `secrets.json` path, when there is one. */
  readonly secretsPath: string | undefined;
  readonly #file: JsonFileProvider | undefined;
  readonly #error: ConfigurationError | undefined;

  constructor(options: UserSecretsOptions = {}) {
    const env = options.env ?? process.env;
    let id = options.id;
    let packageJson: string | undefined;
    if (id === undefined) ({ id, packageJson } = findUserSecretsId(options.packageJsonDir ?? process.cwd()));
    this.id = id;
    this.name = id === undefined ? 'UserSecretsConfigurationProvider' : `UserSecretsConfigurationProvider for '${id}'`;

    if (id === undefined) {
      if (options.optional === false) {
        const where = packageJson ? `'${packageJson}' has no 'userSecretsId'` : `no package.json was found above '${resolve(options.packageJsonDir ?? process.cwd())}'`;
        this.#error = new ConfigurationError(
          `Could not find a user secrets ID: pass { id } or set 'userSecretsId' in package.json (${where}).`,
          'USER_SECRETS_ID',
          { provider: this.name },
        );
      }
      return;
    }
    try {
      this.secretsPath = userSecretsPath(id, env);
    } catch (err) {
      const e = err as ConfigurationError;
      this.#error = new ConfigurationError(e.message, e.code, { provider: this.name, cause: e });
      return;
    }
    this.#file = new JsonFileProvider(this.secretsPath, {
      optional: true,
      reloadOnChange: options.reloadOnChange ?? false,
      name: this.name,
    });
  }

  async load(): Promise<ProviderData> {
    if (this.#error) throw this.#error;
    return this.#file ? this.#file.load() : EMPTY_PROVIDER_DATA;
  }

  watch(sink: ProviderWatchSink): () => void {
    return this.#file ? this.#file.watch(sink) : () => {};
  }
}
