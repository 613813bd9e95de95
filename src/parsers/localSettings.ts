/**
 * Azure Functions' `local.settings.json` → configuration entries, as Functions Core Tools reads
 * it (`func start`): each `Values` member becomes an environment variable of the host, so here it
 * is mapped exactly as one (`__` → `:`, the App Service connection-string prefixes); each
 * `ConnectionStrings` member is `ConnectionStrings:<name>`; `Host` (the local host's port and CORS)
 * and anything else is not configuration. Pure: text in, entries out.
 */
import { combinePath } from '../core/path.js';
import { ConfigurationError, ConfigurationParseError } from '../core/errors.js';
import type { ProviderEntry } from '../core/provider.js';
import { mapEnvironmentVariables } from './environment.js';
import { readJson, scalarText, type JsonMember, type JsonNode } from './json.js';

/** The file is encrypted (`func settings encrypt`): only Core Tools on the machine that encrypted it can read it. */
export class LocalSettingsEncryptedError extends ConfigurationError {
  constructor(message: string, details: { provider?: string; source?: string } = {}) {
    super(message, 'LOCAL_SETTINGS_ENCRYPTED', details);
  }
}

export interface LocalSettingsParseOptions {
  /** Provenance prefix for entries: the file's path. Entries' sources are `<file>:Values:<NAME>`. */
  file?: string;
}

/** A scalar as Core Tools' JSON reader (Newtonsoft.Json) turns it into a string setting; undefined for null. */
function settingText(node: JsonNode, key: string, position: () => string): string | undefined {
  if (node.kind === 'Null') return undefined;
  if (node.kind === 'Object' || node.kind === 'Array') {
    throw new ConfigurationParseError(`'${key}' must be a string, number or boolean, not ${node.kind === 'Object' ? 'an object' : 'an array'} (${position()}).`, { key });
  }
  return scalarText(node);
}

function membersOf(node: JsonNode | undefined, name: string, position: (offset: number) => string): readonly JsonMember[] {
  if (node === undefined || node.kind === 'Null') return [];
  if (node.kind !== 'Object') throw new ConfigurationParseError(`'${name}' must be an object (${position(node.offset)}).`, { key: name });
  return node.members;
}

/**
 * Parses the file's text. Throws `LocalSettingsEncryptedError` when `IsEncrypted` is true (its
 * values are machine-key ciphertext, useless as configuration) and `ConfigurationParseError`
 * for malformed JSON or a `Values` member that is not a scalar.
 */
export function parseLocalSettings(text: string, options: LocalSettingsParseOptions = {}): ProviderEntry[] {
  const document = readJson(text);
  const position = (offset: number): string => {
    const { line, column } = document.positionOf(offset);
    return `line ${line}, column ${column}`;
  };
  const root = document.root;
  if (root.kind !== 'Object') {
    throw new ConfigurationParseError(`local.settings.json must hold an object, not '${root.kind}'.`, document.positionOf(root.offset));
  }
  // Top-level names are matched case-insensitively, as Newtonsoft.Json binds them to Core Tools' model.
  const top = (name: string) => [...root.members].reverse().find((m) => m.name.toLowerCase() === name.toLowerCase());
  const encrypted = top('IsEncrypted')?.value;
  if (encrypted && (encrypted.kind === 'True' || (encrypted.kind === 'String' && encrypted.value.toLowerCase() === 'true'))) {
    throw new LocalSettingsEncryptedError(
      "The file is encrypted (IsEncrypted: true), so its values cannot be read. Decrypt it with 'func settings decrypt' on the machine that encrypted it, or set IsEncrypted to false.",
    );
  }
  const file = options.file ?? 'local.settings.json';
  const variables: Array<[string, string]> = [];
  for (const m of membersOf(top('Values')?.value, 'Values', position)) {
    const value = settingText(m.value, `Values:${m.name}`, () => position(m.offset));
    if (value !== undefined) variables.push([m.name, value]);
  }
  const entries = mapEnvironmentVariables(variables, { sourceOf: (name) => `${file}:Values:${name}` });
  for (const m of membersOf(top('ConnectionStrings')?.value, 'ConnectionStrings', position)) {
    const value = settingText(m.value, `ConnectionStrings:${m.name}`, () => position(m.offset));
    if (value !== undefined) entries.push({ key: combinePath('ConnectionStrings', m.name), value, source: `${file}:ConnectionStrings:${m.name}` });
  }
  return entries;
}
