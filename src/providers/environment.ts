import type { ConfigurationProvider, ProviderData } from '../core/provider.js';
import { providerData } from '../core/provider.js';
import { mapEnvironmentVariables } from '../parsers/environment.js';

export interface EnvironmentVariablesOptions {
  /**
   * Keep only variables whose key (after `__` → `:`) starts with this, case-insensitively, and
   * remove it once. A prefix also drops the connection-string variables unless it is
   * `ConnectionStrings:` (they map to `ConnectionStrings:<name>` first), as in .NET.
   */
  prefix?: string;
  /** The variables to read; default `process.env`, read afresh on every load. */
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * `addEnvironmentVariables(options)`: .NET's mapping (`A__B` → `A:B`, `A___B` → `A:_B`), the
 * App Service connection-string prefixes, the later variable winning. Each entry's `source` is
 * `env <NAME>`.
 */
export class EnvironmentVariablesProvider implements ConfigurationProvider {
  readonly name: string;
  readonly prefix: string | undefined;
  readonly #env: Readonly<Record<string, string | undefined>> | undefined;

  constructor(options: EnvironmentVariablesOptions = {}) {
    this.prefix = options.prefix;
    this.#env = options.env;
    this.name = options.prefix ? `EnvironmentVariablesConfigurationProvider Prefix: '${options.prefix}'` : 'EnvironmentVariablesConfigurationProvider';
  }

  async load(): Promise<ProviderData> {
    const env = this.#env ?? process.env;
    return providerData(mapEnvironmentVariables(Object.entries(env), { prefix: this.prefix }));
  }
}
