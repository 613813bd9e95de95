import { createRequire } from 'node:module';
import type { ProviderEntry } from '../core/provider.js';
import { mapEnvironmentVariables } from '../parsers/environment.js';
import { FileConfigurationProvider, type FileProviderOptions } from './fileProvider.js';

/** dotenv is required on the first parse, so that importing the package does not load it (start-up time). */
let dotenvParse: typeof import('dotenv').parse | undefined;
function parseDotenv(text: string): Record<string, string> {
  dotenvParse ??= (createRequire(import.meta.url)('dotenv') as typeof import('dotenv')).parse;
  return dotenvParse(text);
}

export interface DotenvOptions extends FileProviderOptions {
  /** Keep only names that start with this (after `__` → `:`), removed once, as for environment variables. */
  prefix?: string;
}

/**
 * `addDotenv(path, options)`: a `.env` file read with the `dotenv` package's parser, whose names
 * mean exactly what the same environment variables would (`__` → `:`, connection-string prefixes).
 * Never touches `process.env`. Each entry's `source` is `<file>:<NAME>`.
 */
export class DotenvProvider extends FileConfigurationProvider {
  readonly #prefix: string | undefined;

  constructor(path: string, options: DotenvOptions = {}) {
    super('DotenvConfigurationProvider', path, options);
    this.#prefix = options.prefix;
  }

  protected parse(text: string): ProviderEntry[] {
    // dotenv collects names on a plain object, where `__proto__=x` sets nothing and the key is lost.
    // A word absent from the text stands in for `__proto__` and is swapped back in names and values;
    // its first letter occurs nowhere else in it, so no occurrence can overlap a swapped one.
    let standIn = 'LAYEREDCONFIGPROTO';
    for (let n = 0; text.includes(standIn); n++) standIn = `LAYEREDCONFIGPROTO${n}`;
    const restore = (s: string) => s.replaceAll(standIn, '__proto__');
    const parsed = parseDotenv(text.replaceAll('__proto__', standIn));
    const file = this.path;
    return mapEnvironmentVariables(
      Object.keys(parsed).map((name) => [restore(name), restore(parsed[name]!)] as const),
      { prefix: this.#prefix, sourceOf: (name) => `${file}:${name}` },
    );
  }
}
