import type { ConfigurationProvider } from './core/provider.js';
import { ConfigurationRoot } from './core/root.js';
// Installs root.bind / section.bind: the tree does not import the binder (src/binding/methods.ts).
import './binding/methods.js';
import { CommandLineProvider, type CommandLineOptions } from './providers/commandLine.js';
import { DotenvProvider, type DotenvOptions } from './providers/dotenv.js';
import { EnvironmentVariablesProvider, type EnvironmentVariablesOptions } from './providers/environment.js';
import { JsonFileProvider, type JsonFileOptions } from './providers/jsonFile.js';
import { KeyPerFileProvider, type KeyPerFileOptions } from './providers/keyPerFile.js';
import { LocalSettingsProvider, type LocalSettingsOptions } from './providers/localSettings.js';
import { MemoryProvider, type InMemoryOptions, type InMemoryValues } from './providers/memory.js';
import { UserSecretsProvider, type UserSecretsOptions } from './providers/userSecrets.js';
// The Azure provider modules import the SDKs lazily, inside load(), so adding them here costs nothing at start-up.
import { AzureKeyVaultProvider, type AzureKeyVaultOptions } from './providers/azureKeyVault.js';
import { AzureAppConfigurationProvider, type AzureAppConfigurationOptions } from './providers/azureAppConfiguration.js';

/**
 * Collects providers in precedence order (a later one wins) and loads them into a root.
 * Each `addX` method only constructs a provider; nothing is read until `build()`.
 */
export class ConfigurationBuilder {
  readonly #providers: ConfigurationProvider[] = [];

  /** The providers added so far, in order. */
  get providers(): readonly ConfigurationProvider[] {
    return this.#providers;
  }

  /** Adds any provider implementing `ConfigurationProvider`. */
  add(provider: ConfigurationProvider): this {
    this.#providers.push(provider);
    return this;
  }

  addInMemory(values: InMemoryValues, options?: InMemoryOptions): this {
    return this.add(new MemoryProvider(values, options));
  }

  /** A JSON file with .NET's flattening rules; `reloadOnChange` watches it. */
  addJsonFile(path: string, options?: JsonFileOptions): this {
    return this.add(new JsonFileProvider(path, options));
  }

  /** The .NET user-secrets store (`secrets.json`); every value is secret. */
  addUserSecrets(options?: UserSecretsOptions): this {
    return this.add(new UserSecretsProvider(options));
  }

  /** A `.env` file, parsed by `dotenv`, names mapped like environment variables; never writes `process.env`. */
  addDotenv(path: string, options?: DotenvOptions): this {
    return this.add(new DotenvProvider(path, options));
  }

  /** Azure Functions' `local.settings.json`: `Values` mapped as environment variables, `ConnectionStrings` under `ConnectionStrings:`. */
  addLocalSettings(path?: string, options?: LocalSettingsOptions): this {
    return this.add(new LocalSettingsProvider(path, options));
  }

  /** Environment variables (`__` → `:`), optionally only those with a prefix. */
  addEnvironmentVariables(options?: EnvironmentVariablesOptions): this {
    return this.add(new EnvironmentVariablesProvider(options));
  }

  /** Command-line arguments in .NET's forms, with optional switch mappings. */
  addCommandLine(args: readonly string[], options?: CommandLineOptions): this {
    return this.add(new CommandLineProvider([...args], options));
  }

  /** A directory whose files are keys (`A__B` → `A:B`) and contents values, as .NET's `AddKeyPerFile`; every value is secret. */
  addKeyPerFile(directory: string, options?: KeyPerFileOptions): this {
    return this.add(new KeyPerFileProvider(directory, options));
  }

  /** Azure Key Vault: secret `A--B` is key `A:B`; every value is secret. */
  addAzureKeyVault(options: AzureKeyVaultOptions): this {
    return this.add(new AzureKeyVaultProvider(options));
  }

  /** Azure App Configuration: selectors, Key Vault references, JSON values, feature flags, refresh. */
  addAzureAppConfiguration(options: AzureAppConfigurationOptions): this {
    return this.add(new AzureAppConfigurationProvider(options));
  }

  /**
   * Loads every provider (concurrently: a provider never reads another) and returns the merged
   * tree with its watchers started. If a provider fails, the ones already loaded are disposed.
   */
  async build(): Promise<ConfigurationRoot> {
    const providers = [...this.#providers];
    const results = await Promise.allSettled(providers.map((p) => p.load()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await Promise.allSettled(providers.map((p) => p.dispose?.()));
      throw failed.reason;
    }
    const data = results.map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<ConfigurationProvider['load']>>>).value);
    const root = new ConfigurationRoot(providers, data);
    root.startWatching();
    return root;
  }
}
