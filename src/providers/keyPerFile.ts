import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { combinePath, foldKey } from '../core/path.js';
import { ConfigurationError, ConfigurationFileNotFoundError, DuplicateKeyError } from '../core/errors.js';
import type { ConfigurationProvider, ProviderData, ProviderEntry, ProviderWatchSink } from '../core/provider.js';
import { EMPTY_PROVIDER_DATA } from '../core/provider.js';
import {
  DEFAULT_IGNORE_PREFIX,
  DEFAULT_SECTION_DELIMITER,
  isListedByFileProvider,
  keyFromFileName,
  valueFromFileBytes,
} from '../parsers/keyPerFile.js';
import { watchAndReload, watchDirectory } from './fileWatch.js';

export interface KeyPerFileOptions {
  /** A missing directory gives no keys instead of an error. Default false. */
  optional?: boolean;
  /**
   * A section every key is put under (`prefix: 'Secrets'` turns file `Db__Password` into
   * `Secrets:Db:Password`). Default none, as .NET, which has no such option.
   */
  prefix?: string;
  /** File names starting with this are skipped (.NET's `IgnorePrefix`). Default `ignore.`, as .NET; `null` skips none. */
  ignorePrefix?: string | null;
  /** Replaces the `ignorePrefix` rule: return true to skip a file (.NET's `IgnoreCondition`). */
  ignoreCondition?: (fileName: string) => boolean;
  /** What in a file name stands for `:` (.NET's `SectionDelimiter`). Default `__`. */
  sectionDelimiter?: string;
  /** Watch the directory and reload when anything in it changes (debounced). Default false. */
  reloadOnChange?: boolean;
  /** Debounce before a reload, in milliseconds. Default 250, as .NET's `ReloadDelay`. */
  reloadDelayMs?: number;
  /** Directory a relative path is resolved against; default the current directory. */
  baseDir?: string;
  /** Shown in provenance and errors instead of the default provider name. */
  name?: string;
}

/**
 * `addKeyPerFile(directory, options)`: each file of a directory is one key, its content the value
 * (.NET's `AddKeyPerFile`), which is how Kubernetes secrets and the Secrets Store CSI driver's
 * Azure Key Vault provider appear in a pod. Every value is secret. Sub-directories and names
 * starting with `.` are not read; a failed reload keeps the last good data (the root's rule).
 */
export class KeyPerFileProvider implements ConfigurationProvider {
  readonly name: string;
  readonly secret = true;
  /** The directory as given. */
  readonly directory: string;
  readonly physicalPath: string;
  readonly optional: boolean;
  readonly #options: KeyPerFileOptions;
  #lastSeen: string | undefined;
  #watching = false;

  constructor(directory: string, options: KeyPerFileOptions = {}) {
    if (typeof directory !== 'string' || directory.length === 0) {
      throw new ConfigurationError('Key-per-file directory must be a non-empty string.', 'INVALID_ARGUMENT', {
        provider: 'KeyPerFileConfigurationProvider',
      });
    }
    this.directory = directory;
    this.physicalPath = resolve(options.baseDir ?? process.cwd(), directory);
    this.optional = options.optional ?? false;
    this.#options = options;
    this.name = options.name ?? `KeyPerFileConfigurationProvider for files in '${directory}' (${this.optional ? 'Optional' : 'Required'})`;
    // .NET fails here, in AddKeyPerFile (its PhysicalFileProvider needs the directory), before any
    // layer loads; failing as early keeps the same error first when other layers are broken too.
    if (!this.optional && !isDirectory(this.physicalPath)) throw this.#missing();
  }

  #missing(): ConfigurationFileNotFoundError {
    return new ConfigurationFileNotFoundError(
      `The key-per-file directory '${this.directory}' doesn't exist and is not optional. The expected physical path was '${this.physicalPath}'.`,
      { provider: this.name, source: this.directory },
    );
  }

  async load(): Promise<ProviderData> {
    const data = await this.#read();
    // Once watching, only the watcher records what it delivered: a `config.reload()` that read this
    // may still be dropped (another provider failed), and the watcher must not skip it then.
    if (!this.#watching) this.#lastSeen = signatureOf(data);
    return data;
  }

  async #read(): Promise<ProviderData> {
    let names: string[];
    try {
      names = await readdir(this.physicalPath);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        if (this.optional) return EMPTY_PROVIDER_DATA;
        throw this.#missing();
      }
      throw this.#readError(this.physicalPath, code, err);
    }
    const data = new Map<string, ProviderEntry>();
    for (const fileName of names) {
      if (!isListedByFileProvider(fileName) || this.#ignored(fileName)) continue;
      const file = join(this.physicalPath, fileName);
      let bytes: Buffer;
      try {
        // Follows links (Kubernetes mounts each key as a link into `..data`); a directory is not a key.
        if ((await stat(file)).isDirectory()) continue;
        bytes = await readFile(file);
      } catch (err) {
        throw this.#readError(file, (err as NodeJS.ErrnoException).code, err);
      }
      const relative = keyFromFileName(fileName, this.#options.sectionDelimiter ?? DEFAULT_SECTION_DELIMITER);
      const key = this.#options.prefix ? combinePath(this.#options.prefix, relative) : relative;
      const folded = foldKey(key);
      if (data.has(folded)) {
        // .NET's Dictionary.Add throws here too: two files (`A` and `a`, `A__B` and `A:B`) name one key.
        throw new DuplicateKeyError(
          `Failed to load configuration from directory '${this.physicalPath}'. A duplicate key '${key}' was found (file '${fileName}').`,
          { provider: this.name, source: file, key },
        );
      }
      data.set(folded, { key, value: valueFromFileBytes(bytes), source: file });
    }
    return data;
  }

  watch(sink: ProviderWatchSink): () => void {
    if (!this.#options.reloadOnChange) return () => {};
    this.#watching = true;
    // A mount changes in several steps (new timestamped directory, link swap, clean-up) and each
    // fires an event: report a reload only when the keys or values actually changed.
    const reload = async (): Promise<ProviderData | undefined> => {
      const data = await this.#read();
      const signature = signatureOf(data);
      if (signature === this.#lastSeen) return undefined;
      this.#lastSeen = signature;
      return data;
    };
    const stop = watchAndReload(this.physicalPath, reload, sink, this.#options.reloadDelayMs, watchDirectory);
    return () => {
      this.#watching = false;
      stop();
    };
  }

  #ignored(fileName: string): boolean {
    if (this.#options.ignoreCondition) return this.#options.ignoreCondition(fileName);
    const prefix = this.#options.ignorePrefix === undefined ? DEFAULT_IGNORE_PREFIX : this.#options.ignorePrefix;
    return prefix !== null && fileName.startsWith(prefix);
  }

  #readError(path: string, code: string | undefined, cause: unknown): ConfigurationError {
    return new ConfigurationError(
      `Failed to load configuration from '${path}'. It could not be read (${code ?? 'unknown error'}).`,
      'FILE_READ',
      { provider: this.name, source: path, cause },
    );
  }
}

/** A digest of the keys and values: the values are secrets, so not even the provider keeps a copy of them as text. */
function signatureOf(data: ProviderData): string {
  return createHash('sha256')
    .update(JSON.stringify([...data.values()].map((e) => [e.key, e.value])))
    .digest('base64');
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
