/**
 * Command-line arguments → configuration entries, as .NET's `CommandLineConfigurationProvider`
 * reads them. Pure: the arguments come in, entries or a `CommandLineError` come out.
 */

import { CommandLineError } from '../core/errors.js';
import { foldKey } from '../core/path.js';
import type { ProviderEntry } from '../core/provider.js';

/** Switch → key, e.g. `{ '-e': 'Environment', '--db': 'ConnectionStrings:Default' }`. */
export type SwitchMappings = Readonly<Record<string, string>> | ReadonlyMap<string, string>;

function mappingPairs(mappings: SwitchMappings): Iterable<readonly [string, string]> {
  // Object.entries sees an own `__proto__` key as an ordinary one; nothing is looked up on the object.
  return mappings instanceof Map ? mappings : Object.entries(mappings as Record<string, string>);
}

/**
 * Checks the mappings and returns them keyed case-insensitively. Every switch must start with `-`
 * (a `/switch` argument is rewritten to `--switch` before lookup, so mappings use `--`), and two
 * switches may not differ only by case.
 */
export function validateSwitchMappings(mappings: SwitchMappings): Map<string, string> {
  const validated = new Map<string, string>();
  for (const [from, to] of mappingPairs(mappings)) {
    // .NET's words exactly, its ArgumentException's parameter suffix included: CommandLineTest asserts them whole.
    if (!from.startsWith('-')) {
      throw new CommandLineError(`The switch mappings contain an invalid switch '${from}'. (Parameter 'switchMappings')`);
    }
    const folded = foldKey(from);
    if (validated.has(folded)) {
      throw new CommandLineError(
        `Keys in switch mappings are case-insensitive. A duplicated key '${from}' was found. (Parameter 'switchMappings')`,
      );
    }
    validated.set(folded, to);
  }
  return validated;
}

/**
 * Reads `--key=value`, `--key value`, `/key=value`, `/key value`, `key=value` and, through the
 * mappings, `-k value` / `-k=value`. The value after `--key` is always the next argument, even when
 * it looks like a switch. Arguments that fit no form, an unmapped `-k value` and a switch at the
 * very end with no value are ignored. Each entry's `source` is `argv[i]`, `i` being the index of
 * the argument that names the key.
 */
export function parseCommandLine(args: readonly string[], mappings?: SwitchMappings): ProviderEntry[] {
  const switches = mappings === undefined ? undefined : validateSwitchMappings(mappings);
  const entries: ProviderEntry[] = [];

  for (let i = 0; i < args.length; i++) {
    let arg = args[i]!;
    let keyStart = 0;
    if (arg.startsWith('--')) keyStart = 2;
    else if (arg.startsWith('-')) keyStart = 1;
    else if (arg.startsWith('/')) {
      arg = `--${arg.slice(1)}`;
      keyStart = 2;
    }
    const source = `argv[${i}]`;
    const separator = arg.indexOf('=');

    if (separator < 0) {
      if (keyStart === 0) continue;
      const mapped = switches?.get(foldKey(arg));
      let key: string;
      if (mapped !== undefined) key = mapped;
      else if (keyStart === 1) continue;
      else key = arg.slice(keyStart);
      if (i + 1 >= args.length) continue;
      i++;
      entries.push({ key, value: args[i]!, source });
      continue;
    }

    const keySegment = arg.slice(0, separator);
    const mapped = switches?.get(foldKey(keySegment));
    let key: string;
    if (mapped !== undefined) key = mapped;
    else if (keyStart === 1) {
      // .NET quotes the whole argument; the value part could be a password, so only the switch is named.
      throw new CommandLineError(`The short switch '${keySegment}=…' is not defined in the switch mappings.`, {
        source,
      });
    } else key = arg.slice(keyStart, separator);
    entries.push({ key, value: arg.slice(separator + 1), source });
  }
  return entries;
}
