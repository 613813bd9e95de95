import { ConfigurationError } from '../core/errors.js';
import type { ProviderData, ProviderEntry } from '../core/provider.js';
import { LocalSettingsEncryptedError, parseLocalSettings } from '../parsers/localSettings.js';
import { FileConfigurationProvider, type FileProviderOptions } from './fileProvider.js';

export type LocalSettingsOptions = FileProviderOptions;

/**
 * `addLocalSettings(path, options)`: Azure Functions' `local.settings.json`, its `Values` mapped
 * as the environment variables Core Tools makes of them (`__` → `:`) and its `ConnectionStrings`
 * under `ConnectionStrings:`. An encrypted file is refused (`LocalSettingsEncryptedError`).
 * Never touches `process.env`.
 */
export class LocalSettingsProvider extends FileConfigurationProvider {
  constructor(path = 'local.settings.json', options: LocalSettingsOptions = {}) {
    super('LocalSettingsConfigurationProvider', path, options);
  }

  override async load(): Promise<ProviderData> {
    try {
      return await super.load();
    } catch (error) {
      // The file provider re-wraps parse errors to name the file; keep the specific class for callers.
      if (error instanceof ConfigurationError && error.code === 'LOCAL_SETTINGS_ENCRYPTED' && !(error instanceof LocalSettingsEncryptedError)) {
        throw new LocalSettingsEncryptedError(error.message, {
          ...(error.provider !== undefined ? { provider: error.provider } : {}),
          ...(error.source !== undefined ? { source: error.source } : {}),
        });
      }
      throw error;
    }
  }

  protected parse(text: string): ProviderEntry[] {
    return parseLocalSettings(text, { file: this.path });
  }
}
