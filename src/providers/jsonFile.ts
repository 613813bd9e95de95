import type { ProviderEntry } from '../core/provider.js';
import { parseJsonConfiguration } from '../parsers/json.js';
import { readJsonTreeData } from '../parsers/jsonTreeData.js';
import { FileConfigurationProvider, registerFastData, type FileProviderOptions } from './fileProvider.js';

export type JsonFileOptions = FileProviderOptions;

/**
 * `addJsonFile(path, options)`: a JSON file with .NET's flattening (see `parseJsonConfiguration`).
 * Each entry's `source` is the path as given. With `reloadOnChange`, a failed reload is reported to
 * the root, which keeps the last good data (.NET clears it).
 */
export class JsonFileProvider extends FileConfigurationProvider {
  constructor(path: string, options: JsonFileOptions = {}) {
    super('JsonConfigurationProvider', path, options);
  }

  protected parse(text: string): ProviderEntry[] {
    const source = this.path;
    return parseJsonConfiguration(text).map((e) => ({ key: e.key, value: e.value, source }));
  }

  static {
    // Plain JSON straight to the provider's data (start-up time), flattened only when first walked:
    // the same data as `parse` gives. Not for a subclass that overrides `parse`.
    registerFastData(this.prototype.parse, readJsonTreeData);
  }
}
