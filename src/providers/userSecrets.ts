import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { ConfigurationError } from '../core/errors.js';
import type { ConfigurationProvider, ProviderData, ProviderWatchSink } from '../core/provider.js';
import { EMPTY_PROVIDER_DATA } from '../core/provider.js';
import { JsonFileProvider } from './jsonFile.js';

export interface UserSecretsOptions {
  /** The user-secrets id; default `userSecretsId` from the nearest `package.json`. */
  id?: string;
  /**
   * Default true: no id, no store location or no `secrets.json` gives no keys, as the .NET hosts'
   * default stack does. `false` makes each of them an error, as .NET 10's `AddUserSecrets(…, optional: false)`.
   */
  optional?: boolean;
  /** Watch `secrets.json` and reload it when it changes. Default false. */
  reloadOnChange?: boolean;
  /** Where `APPDATA`, `HOME`, `XDG_CONFIG_HOME` and `DOTNET_USER_SECRETS_FALLBACK_DIR` are read; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Where the search for `package.json` starts (walking up); default the current directory. */
  packageJsonDir?: string;
}

export const USER_SECRETS_FALLBACK_DIR = 'DOTNET_USER_SECRETS_FALLBACK_DIR';

// Characters .NET's Path.GetInvalidFileNameChars() gives on Windows (a superset of Linux's),
// so an id that works here also works for a teammate on another OS.
const INVALID_ID_CHAR = /["<>|:*?\\/\u0000-\u001f]/;

/**
 * .NET's `Environment.GetFolderPath(SpecialFolder.ApplicationData)` on Linux and macOS:
 * `XDG_CONFIG_HOME` when it is an absolute path, else `.config` in the account's home directory
 * (from the user database: `HOME` is unset when this is asked); '' when that folder does not exist.
 */
function applicationDataFolder(env: Readonly<Record<string, string | undefined>>): string {
  const xdg = env.XDG_CONFIG_HOME;
  let folder: string;
  if (xdg && isAbsolute(xdg)) folder = xdg;
  else {
    try {
      folder = join(userInfo().homedir, '.config');
    } catch {
      return ''; // no entry for this user (some containers)
    }
  }
  return existsSync(folder) ? folder : '';
}

/**
 * The path of `secrets.json` for an id, as .NET's `PathHelper` computes it: the store root is
 * `APPDATA` if set, else `HOME` if set, else the application-data folder (see above) — a variable
 * set to '' counts as set, so it leaves no root, as `??` does in .NET. Under a non-empty `APPDATA`
 * the file is `Microsoft/UserSecrets/{id}/secrets.json`, else `.microsoft/usersecrets/{id}/secrets.json`.
 * With no root, `DOTNET_USER_SECRETS_FALLBACK_DIR` is the root: .NET's error message says to set
 * it, though its own chain never reaches it (docs/differences.md). Throws a `ConfigurationError`
 * for an invalid id, and for no root unless `throwIfNoRoot` is false (then '' is returned).
 */
export function userSecretsPath(
  id: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
  { throwIfNoRoot = true }: { throwIfNoRoot?: boolean } = {},
): string {
  if (id.length === 0) {
    throw new ConfigurationError("Value cannot be null or an empty string. (Parameter 'userSecretsId')", 'USER_SECRETS_ID');
  }
  const bad = INVALID_ID_CHAR.exec(id);
  if (bad) {
    // A control character is written as its escape: error text goes to logs and terminals.
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
  const appData = env.APPDATA;
  const root = appData ?? env.HOME ?? applicationDataFolder(env);
  if (root !== '') {
    return appData ? join(root, 'Microsoft', 'UserSecrets', id, 'secrets.json') : join(root, '.microsoft', 'usersecrets', id, 'secrets.json');
  }
  const fallback = env[USER_SECRETS_FALLBACK_DIR];
  if (fallback) return join(fallback, '.microsoft', 'usersecrets', id, 'secrets.json');
  if (!throwIfNoRoot) return '';
  throw new ConfigurationError(
    `Could not determine an appropriate location for storing user secrets. Set the ${USER_SECRETS_FALLBACK_DIR} environment variable to a folder where user secrets should be stored.`,
    'USER_SECRETS_LOCATION',
  );
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
 * an invalid id, or (with `optional: false`) no id, no store location or no `secrets.json`, fail
 * the load, so the error comes out of `build()` with the others.
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
    const optional = options.optional !== false;
    let path: string;
    try {
      path = userSecretsPath(id, env, { throwIfNoRoot: !optional });
    } catch (err) {
      const e = err as ConfigurationError;
      this.#error = new ConfigurationError(e.message, e.code, { provider: this.name, cause: e });
      return;
    }
    // No store location, optional: nothing to read, as .NET adds no file then.
    if (path === '') return;
    this.secretsPath = path;
    this.#file = new JsonFileProvider(path, {
      optional,
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
