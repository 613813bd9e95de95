import { CommandLineError } from '../core/errors.js';
import type { ConfigurationProvider, ProviderData } from '../core/provider.js';
import { providerData } from '../core/provider.js';
import { parseCommandLine, validateSwitchMappings, type SwitchMappings } from '../parsers/commandLine.js';

export type { SwitchMappings } from '../parsers/commandLine.js';

export interface CommandLineOptions {
  /** Switch → key (`{ '-e': 'Environment' }`); switches start with `-` and are case-insensitive. */
  switchMappings?: SwitchMappings;
}

/**
 * `addCommandLine(args, options)`: .NET's forms (`--k=v`, `--k v`, `/k v`, `k=v`, mapped `-k v`),
 * the last occurrence winning. Invalid mappings throw here, as .NET's constructor does; an unmapped
 * `-k=v` fails the load. Each entry's `source` is `argv[i]`.
 */
export class CommandLineProvider implements ConfigurationProvider {
  readonly name = 'CommandLineConfigurationProvider';
  readonly args: readonly string[];
  readonly #mappings: SwitchMappings | undefined;

  constructor(args: readonly string[], options: CommandLineOptions = {}) {
    this.args = [...args];
    if (options.switchMappings !== undefined) {
      // Validated now so a bad mapping fails where it is written; the copy keeps it immutable.
      this.#mappings = new Map(validateSwitchMappings(options.switchMappings));
    }
  }

  async load(): Promise<ProviderData> {
    try {
      return providerData(parseCommandLine(this.args, this.#mappings));
    } catch (err) {
      if (err instanceof CommandLineError) {
        throw new CommandLineError(err.message, { provider: this.name, source: err.source, cause: err });
      }
      throw err;
    }
  }
}
