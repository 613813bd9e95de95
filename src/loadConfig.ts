import { KeyPerFileProvider, type KeyPerFileOptions } from './providers/keyPerFile.js';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { TokenCredential } from '@azure/identity';
import type { ConfigurationProvider, ProviderData } from './core/provider.js';
import { ConfigurationRoot } from './core/root.js';
// Installs root.bind / section.bind on the roots made here (the tree does not import the binder).
import './binding/methods.js';
import { attachSettings, type ValidatedConfigurationRoot } from './binding/settings.js';
import { CommandLineProvider } from './providers/commandLine.js';
import { DotenvProvider } from './providers/dotenv.js';
import { EnvironmentVariablesProvider } from './providers/environment.js';
import { JsonFileProvider } from './providers/jsonFile.js';
import { UserSecretsProvider } from './providers/userSecrets.js';
import { appConfigurationLayer } from './discovery/appConfiguration.js';
import { keyVaultLayer } from './discovery/keyVault.js';
import { KeyVaultReferences, type KeyVaultReferenceOptions } from './remote/keyvault/references.js';
import { LocalSettingsProvider } from './providers/localSettings.js';

/** Where warnings go (optional remote layers that failed, for instance). Never given a secret value. */
export interface ConfigLogger {
  warn(message: string): void;
}

export interface LoadConfigOptions {
  /** The app's content root: where `appsettings*.json`, `.env*` and `package.json` are. Default: `process.cwd()`. */
  cwd?: string;
  /** The environment name. Default: `DOTNET_ENVIRONMENT`, `ASPNETCORE_ENVIRONMENT`, `NODE_ENV`, else `Production`. */
  environment?: string;
  /** The environment variables to read. Default: `process.env` (never written to). */
  env?: NodeJS.ProcessEnv;
  /** Command-line arguments for the last layer. Default: `process.argv.slice(2)`. */
  args?: readonly string[];
  /** .NET switch mappings for the command line (`{ '-p': 'Server:Port' }`). */
  switchMappings?: Readonly<Record<string, string>>;
  /** The user-secrets id. Default: `userSecretsId` in the app's `package.json`. */
  userSecretsId?: string;
  /**
   * Watch `appsettings*.json` and the user-secrets file and reload on change. Default true, as in
   * the .NET hosts; the watchers never keep a process alive, and `dispose()` stops them.
   */
  reloadOnChange?: boolean;
  /**
   * A key-per-file directory read as a secret layer after the environment variables (and before the
   * Azure layers and the command line): a Kubernetes secret volume or the Secrets Store CSI
   * driver's mount, e.g. `'/mnt/secrets-store'`. Optional unless `optional: false`; reloaded on
   * change with `reloadOnChange`. See docs/key-per-file.md.
   */
  keyPerFile?: string | (KeyPerFileOptions & { directory: string });
  /**
   * Read `.env`, `.env.local`, `.env.{environment}`, `.env.{environment}.local` (later wins;
   * `.env.local` is skipped in `Test`). Default true. See docs/local-development.md.
   */
  dotenv?: boolean;
  /**
   * Resolve `@Microsoft.KeyVault(…)` values in every layer (except Key Vault itself) as App Service
   * does. Default on; nothing Azure is loaded unless a value is a reference. `false` turns it off.
   * See docs/key-vault-references.md.
   */
  keyVaultReferences?: boolean | KeyVaultReferenceOptions;
  /**
   * Azure Functions' `local.settings.json`, read after the `.env` files: by default when it sits
   * beside `host.json` in `cwd` (a Functions app, as Core Tools finds it); `true` reads it without
   * `host.json`, a path reads that file, `false` never reads it. See docs/local-development.md.
   */
  localSettings?: boolean | string;
  /** The credential for Key Vault and App Configuration. Default: `DefaultAzureCredential`, created only when needed. */
  credential?: TokenCredential;
  /** Options for the Azure layers; `false` turns a layer off even when it is configured. */
  keyVault?: false | Readonly<Record<string, unknown>>;
  appConfiguration?: false | Readonly<Record<string, unknown>>;
  logger?: ConfigLogger;
  /**
   * A schema for the whole tree: a convict schema or any Standard Schema v1 validator (zod, valibot,
   * arktype). Validated at start-up (every violation at once, in one `ValidationError`) and again
   * after every reload (a reload that fails validation keeps the last good `settings` and goes to
   * `onError`); the typed result is `settings`. See docs/typed-settings.md.
   */
  schema?: object;
}

export type { ValidatedConfigurationRoot } from './binding/settings.js';

/** What a remote layer gets to decide whether it is configured and to build its provider. */
export interface RemoteLayerContext {
  /** The tree of every local layer (files, user secrets, `.env`, environment, command line). */
  readonly discovery: ConfigurationRoot;
  readonly env: NodeJS.ProcessEnv;
  readonly options: LoadConfigOptions;
  /** The credential: `options.credential` or a lazily created `DefaultAzureCredential`. */
  credential(): Promise<TokenCredential>;
}

/**
 * A layer that joins the stack only when configured (Azure App Configuration, Azure Key Vault).
 * `create` returns undefined when the layer is not configured; it must import Azure SDK modules
 * lazily, so an app that uses none of them never loads them.
 */
export interface RemoteLayer {
  readonly name: string;
  create(context: RemoteLayerContext): Promise<ConfigurationProvider | undefined>;
}

/**
 * The remote layers in precedence order (SPEC §7: App Configuration, then Key Vault), each placed
 * between the environment variables and the command line.
 */
export const remoteLayers: RemoteLayer[] = [appConfigurationLayer, keyVaultLayer];

/** The environment name as SPEC §7 and the .NET hosts choose it. */
export function resolveEnvironmentName(options: Pick<LoadConfigOptions, 'environment'>, env: NodeJS.ProcessEnv): string {
  return (
    nonEmpty(options.environment) ??
    nonEmpty(env.DOTNET_ENVIRONMENT) ??
    nonEmpty(env.ASPNETCORE_ENVIRONMENT) ??
    nonEmpty(env.NODE_ENV) ??
    'Production'
  );
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/**
 * The `.env` files in precedence order, later winning: Vite's and dotenv-flow's order (an
 * environment's file beats the machine-wide `.env.local`, as `appsettings.{Environment}.json`
 * beats `appsettings.json`). `.env.local` is skipped in `Test` so tests run the same everywhere.
 * An environment named `Local` (Vite refuses that mode name) has `.env.local` as its own file:
 * it is listed once.
 */
export function dotenvFileNames(environment: string): string[] {
  const env = environment.toLowerCase();
  const names = ['.env', ...(env === 'test' ? [] : ['.env.local']), `.env.${env}`, `.env.${env}.local`];
  return names.filter((name, i) => names.indexOf(name) === i);
}

/**
 * Which `local.settings.json` to read, if any: Core Tools reads it from the Functions app root, the
 * folder with `host.json`, so that is what marks a Functions app (a stray copy elsewhere is ignored).
 */
function localSettingsFile(option: boolean | string | undefined, files: readonly string[], cwd: string): string | undefined {
  if (option === false) return undefined;
  if (typeof option === 'string') return path.resolve(cwd, option);
  if (option === true || files.includes('host.json')) return path.join(cwd, 'local.settings.json');
  return undefined;
}

/** The listed file named `name` ignoring case: an exact match wins, then the first other. */
function listedAs(files: readonly string[], name: string): string | undefined {
  if (files.includes(name)) return name;
  const lower = name.toLowerCase();
  return files.find((f) => f.toLowerCase() === lower);
}

/**
 * Finds `name` in `dir` ignoring case (the environment name is case-insensitive, as .NET's
 * `IsDevelopment`, but Linux file systems are not): an exact match wins, then the first other.
 * A name that would leave `dir` (an environment name such as `x/../../evil`) names no file, as
 * .NET's file provider never reads above its root.
 */
function findFile(files: readonly string[], dir: string, name: string): string | undefined {
  const found = path.join(dir, listedAs(files, name) ?? name);
  const inside = path.relative(dir, found);
  return inside === '' || inside.startsWith('..') || path.isAbsolute(inside) ? undefined : found;
}

/**
 * The default stack, as one call at process start (SPEC §7), later layers winning:
 * 1. `appsettings.json`, `appsettings.{Environment}.json`; 2. user secrets (Development);
 * 3. `.env`, `.env.local`, `.env.{environment}`, `.env.{environment}.local`, `local.settings.json`
 * (beside `host.json`); 4. environment variables; 5. Azure App Configuration and
 * 6. Azure Key Vault when configured; 7. command-line arguments. `@Microsoft.KeyVault(…)` values in
 * any layer but Key Vault are resolved (docs/key-vault-references.md).
 * Every file is optional. Nothing is written to `process.env`.
 */
export async function loadConfig<const S extends object>(options: LoadConfigOptions & { schema: S }): Promise<ValidatedConfigurationRoot<S>>;
export async function loadConfig(options?: LoadConfigOptions): Promise<ConfigurationRoot>;
export async function loadConfig(options: LoadConfigOptions = {}): Promise<ConfigurationRoot> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const env = options.env ?? process.env;
  const environment = resolveEnvironmentName(options, env);
  const reloadOnChange = options.reloadOnChange ?? true;
  let files: string[] = [];
  try {
    files = readdirSync(cwd);
  } catch {
    // A missing content root behaves as one with no files; every file layer is optional.
  }

  const local: ConfigurationProvider[] = [];
  for (const name of ['appsettings.json', `appsettings.${environment}.json`]) {
    const file = findFile(files, cwd, name);
    if (file !== undefined) local.push(new JsonFileProvider(file, { optional: true, reloadOnChange }));
  }
  if (environment.toLowerCase() === 'development') {
    local.push(
      new UserSecretsProvider({ id: options.userSecretsId, optional: true, env, packageJsonDir: cwd, reloadOnChange }),
    );
  }
  if (options.dotenv ?? true) {
    // Only the files present (SPEC §7: "when present"): a `.env` layer is not watched, so one
    // created later would not be read anyway, and absent ones would only crowd `providers` and `show`.
    // (A listed name is a plain entry of `cwd`: it cannot lead out of it.)
    for (const name of dotenvFileNames(environment)) {
      const listed = listedAs(files, name);
      if (listed !== undefined) local.push(new DotenvProvider(path.join(cwd, listed), { optional: true }));
    }
  }
  const localSettings = localSettingsFile(options.localSettings, files, cwd);
  // A path given explicitly must exist; the conventional file is optional.
  if (localSettings !== undefined) local.push(new LocalSettingsProvider(localSettings, { optional: typeof options.localSettings !== 'string', reloadOnChange }));
  local.push(new EnvironmentVariablesProvider({ env }));
  if (options.keyPerFile !== undefined) {
    const { directory, ...mount } = typeof options.keyPerFile === 'string' ? { directory: options.keyPerFile } : options.keyPerFile;
    // Mounted secrets override plain environment values (a pod's env often holds non-secret defaults).
    local.push(new KeyPerFileProvider(directory, { optional: true, reloadOnChange, baseDir: cwd, ...mount }));
  }
  let credential: Promise<TokenCredential> | undefined;
  const getCredential = (): Promise<TokenCredential> => {
    if (options.credential) return Promise.resolve(options.credential);
    credential ??= import('@azure/identity').then(({ DefaultAzureCredential }) => new DefaultAzureCredential());
    return credential;
  };
  const refs = options.keyVaultReferences ?? true;
  const references =
    refs === false
      ? undefined
      : new KeyVaultReferences(refs === true ? {} : refs, { credential: getCredential, ...(options.logger ? { logger: options.logger } : {}) });
  const withReferences = <P extends ConfigurationProvider>(provider: P): P => (references ? references.decorate(provider) : provider);
  for (let i = 0; i < local.length; i++) local[i] = withReferences(local[i]!);
  const commandLine = withReferences(
    new CommandLineProvider([...(options.args ?? process.argv.slice(2))], {
      switchMappings: options.switchMappings,
    }),
  );

  const localData = await loadAll([...local, commandLine]);
  const commandLineData = localData.pop()!;
  // Remote layers are discovered from everything local, the command line included
  // (`--KeyVault:VaultUri=…` works), as .NET reads a vault URI from the configuration built so far.
  const discovery = new ConfigurationRoot([...local, commandLine], [...localData, commandLineData]);

  const context: RemoteLayerContext = { discovery, env, options, credential: getCredential };
  // One slot per remote layer, in precedence order; the configured ones load together.
  const created: Array<ConfigurationProvider | undefined> = [];
  const createLayer = async (layer: RemoteLayer, tree: ConfigurationRoot): Promise<ConfigurationProvider | undefined> => {
    const provider = await layer.create({ ...context, discovery: tree });
    // Key Vault's own secrets are values, never references; every other layer may hold one.
    return provider && (layer.name === keyVaultLayer.name ? provider : withReferences(provider));
  };
  const release = (error: unknown) =>
    Promise.allSettled(([...created, ...local, commandLine] as Array<ConfigurationProvider | undefined>).map((p) => p?.dispose?.())).then(() => {
      throw error;
    });
  try {
    for (const layer of remoteLayers) created.push(await createLayer(layer, discovery));
  } catch (error) {
    // A layer that cannot even be created (bad options, an SDK that fails to import) fails the load:
    // release the layers already created and the local ones, as a failed load does.
    return release(error);
  }
  const loaded = await loadAll(created.filter(isDefined), [...local, commandLine]);
  const createdData = created.map((p) => (p === undefined ? undefined : loaded.shift()));
  // SPEC §7: a layer is configured by "the key from the layers above", a remote one included: a
  // Key Vault named only by `KeyVault:VaultUri` in App Configuration is found once that store has
  // loaded (the command line still has the last word, as in the local discovery).
  for (let i = 1; i < remoteLayers.length; i++) {
    if (created[i] !== undefined || !created.slice(0, i).some((p) => p !== undefined)) continue;
    const above = created.slice(0, i).flatMap((p, j) => (p === undefined ? [] : [[p, createdData[j]!] as const]));
    const tree = new ConfigurationRoot([...local, ...above.map(([p]) => p), commandLine], [...localData, ...above.map(([, d]) => d), commandLineData]);
    try {
      created[i] = await createLayer(remoteLayers[i]!, tree);
    } catch (error) {
      return release(error);
    }
    const layer = created[i];
    if (layer !== undefined) [createdData[i]] = await loadAll([layer], [...created.filter(isDefined).filter((p) => p !== layer), ...local, commandLine]);
  }
  const remote = created.filter(isDefined);
  const remoteData = createdData.filter(isDefined);

  // With no remote layer the discovery tree already is the final stack: don't index it twice.
  const root =
    remote.length === 0
      ? discovery
      : new ConfigurationRoot([...local, ...remote, commandLine], [...localData, ...remoteData, commandLineData]);
  if (options.schema) {
    try {
      await attachSettings(root, options.schema);
    } catch (error) {
      await root.dispose();
      throw error;
    }
  }
  root.startWatching();
  return root;
}

function isDefined<T>(value: T | undefined): value is T {
  return value !== undefined;
}

/** Loads providers concurrently; on failure disposes them (and `others`) and rethrows the first error. */
async function loadAll(providers: readonly ConfigurationProvider[], others: readonly ConfigurationProvider[] = []): Promise<ProviderData[]> {
  const results = await Promise.allSettled(providers.map((p) => p.load()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.allSettled([...providers, ...others].map((p) => p.dispose?.()));
    throw failed.reason;
  }
  return results.map((r) => (r as PromiseFulfilledResult<ProviderData>).value);
}
