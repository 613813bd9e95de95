/**
 * What every file-backed provider shares (.NET's `FileConfigurationProvider`): resolving the path,
 * optional vs required, wrapping parse errors with the file's name, and reload on change.
 * Subclasses only parse text. Internal: the concrete providers are the public API.
 */

import { readFile } from 'node:fs';
import { resolve } from 'node:path';
import {
  ConfigurationError,
  ConfigurationFileNotFoundError,
  ConfigurationParseError,
  DuplicateKeyError,
} from '../core/errors.js';
import type { ConfigurationProvider, ProviderData, ProviderEntry, ProviderWatchSink } from '../core/provider.js';
import { EMPTY_PROVIDER_DATA, providerData } from '../core/provider.js';
import { watchAndReload } from './fileWatch.js';

export interface FileProviderOptions {
  /** A missing file gives no keys instead of an error. Default false. */
  optional?: boolean;
  /** Watch the file and reload it when it changes (debounced, 250 ms by default). Default false. */
  reloadOnChange?: boolean;
  /** Directory a relative path is resolved against; default the current directory at construction. */
  baseDir?: string;
  /** Debounce before a reload, in milliseconds. Default 250, as .NET. */
  reloadDelayMs?: number;
  /** Shown in provenance and errors instead of the default provider name. */
  name?: string;
}

// `undefined`: never read; `null`: the file was missing at the last read.
type LastSeen = string | null | undefined;

/**
 * A faster way to the data of a `parse` method: it must give what `providerData(parse(text))` gives,
 * or undefined to fall back to that. Keyed by the method itself, so a subclass that overrides
 * `parse` never takes its parent's shortcut; kept out of the classes (no member in their declarations).
 */
const FAST_DATA = new WeakMap<object, (text: string, path: string) => ProviderData | undefined>();

/** Internal: registers `data` as the shortcut for the `parse` method `parse` (see `FAST_DATA`). */
export function registerFastData(parse: object, data: (text: string, path: string) => ProviderData | undefined): void {
  FAST_DATA.set(parse, data);
}

/**
 * `fs.readFile` with a promise. Not `node:fs/promises`: loading that module (with the streams it
 * pulls in) is a good part of a cold start's file reading, and `node:fs` is already loaded.
 */
function readText(path: string): Promise<string> {
  return new Promise((done, fail) => readFile(path, 'utf8', (err, text) => (err ? fail(err) : done(text))));
}

export abstract class FileConfigurationProvider implements ConfigurationProvider {
  readonly name: string;
  /** The path as given. */
  readonly path: string;
  /** The absolute path that is read. */
  readonly physicalPath: string;
  readonly optional: boolean;
  readonly reloadOnChange: boolean;
  readonly #reloadDelayMs: number | undefined;
  #lastSeen: LastSeen;
  #watching = false;

  protected constructor(kind: string, path: string, options: FileProviderOptions) {
    if (typeof path !== 'string' || path.length === 0) {
      throw new ConfigurationError('File path must be a non-empty string.', 'INVALID_ARGUMENT', { provider: kind });
    }
    this.path = path;
    this.physicalPath = resolve(options.baseDir ?? process.cwd(), path);
    this.optional = options.optional ?? false;
    this.reloadOnChange = options.reloadOnChange ?? false;
    this.#reloadDelayMs = options.reloadDelayMs;
    this.name = options.name ?? `${kind} for '${path}' (${this.optional ? 'Optional' : 'Required'})`;
  }

  /** Text → entries; throws a `ConfigurationError` (the caller adds the file's name). */
  protected abstract parse(text: string): Iterable<ProviderEntry>;

  async load(): Promise<ProviderData> {
    const text = await this.#read();
    // Once watching, only the watcher records what it delivered: a `config.reload()` that read this
    // text may still be dropped (another provider failed), and the watcher must not skip it then.
    if (!this.#watching) this.#lastSeen = text ?? null;
    return this.#toData(text);
  }

  watch(sink: ProviderWatchSink): () => void {
    if (!this.reloadOnChange) return () => {};
    this.#watching = true;
    const reload = async (): Promise<ProviderData | undefined> => {
      const text = await this.#read();
      // Editors fire several events per save, and touching a file changes nothing: skip a reload
      // (and a repeated error) when the content is what was last loaded or rejected.
      if ((text ?? null) === this.#lastSeen) return undefined;
      this.#lastSeen = text ?? null;
      return this.#toData(text);
    };
    const stop = watchAndReload(this.physicalPath, reload, sink, this.#reloadDelayMs);
    return () => {
      this.#watching = false;
      stop();
    };
  }

  async #read(): Promise<string | undefined> {
    let text: string;
    try {
      text = await readText(this.physicalPath);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A directory where the file should be is no file, as .NET's file provider sees it.
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
      throw new ConfigurationError(
        `Failed to load configuration from file '${this.physicalPath}'. The file could not be read (${code ?? 'unknown error'}).`,
        'FILE_READ',
        { provider: this.name, source: this.path, cause: err },
      );
    }
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }

  #toData(text: string | undefined): ProviderData {
    if (text === undefined) {
      if (this.optional) return EMPTY_PROVIDER_DATA;
      throw new ConfigurationFileNotFoundError(
        `The configuration file '${this.path}' was not found and is not optional. The expected physical path was '${this.physicalPath}'.`,
        { provider: this.name, source: this.path },
      );
    }
    try {
      const fast = FAST_DATA.get(this.parse);
      return fast?.(text, this.path) ?? providerData(this.parse(text));
    } catch (err) {
      throw this.#wrap(err);
    }
  }

  #wrap(err: unknown): ConfigurationError {
    const prefix = `Failed to load configuration from file '${this.physicalPath}'.`;
    const details = { provider: this.name, source: this.path, cause: err };
    if (err instanceof DuplicateKeyError) {
      return new DuplicateKeyError(`${prefix} ${err.message}`, { ...details, key: err.key });
    }
    if (err instanceof ConfigurationParseError) {
      return new ConfigurationParseError(`${prefix} ${err.message}`, { ...details, line: err.line, column: err.column });
    }
    if (err instanceof ConfigurationError) {
      return new ConfigurationError(`${prefix} ${err.message}`, err.code, { ...details, key: err.key });
    }
    // Not our parser's error, so its message is unknown territory: it could quote the content.
    return new ConfigurationError(prefix, 'FILE_LOAD', details);
  }
}
