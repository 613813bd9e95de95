/**
 * Feature flags (`.appconfig.featureflag/<id>`) mapped into the tree as the .NET provider's
 * `FeatureManagementKeyValueAdapter` maps them for Microsoft.FeatureManagement:
 *   enabled, no filters      → `FeatureManagement:<id>` = `True`
 *   enabled, with filters    → `FeatureManagement:<id>:EnabledFor:<i>:Name` and `…:Parameters:<path>`,
 *                              plus `FeatureManagement:<id>:RequirementType` when the flag sets one
 *   disabled                 → `FeatureManagement:<id>` = `False`
 * The flag's JSON `id` names it, not the key suffix; a missing, null or empty `id` skips the flag,
 * as in .NET. Every property .NET reads is type-checked as .NET checks it, the v2 ones (variants,
 * allocation, telemetry) included, though they map to nothing here (docs/app-configuration.md).
 */
import { ConfigurationParseError } from '../../core/errors.js';
import { parseBoolean, parseInt32 } from '../../core/dotnetText.js';
import { combinePath } from '../../core/path.js';
import { flattenJson, readJson, type JsonDocument, type JsonEntry, type JsonNode } from '../../parsers/json.js';
import { FEATURE_FLAG_MEDIA_TYPE, mediaType } from './jsonValues.js';
import { describeLabel } from './selectors.js';

export const FEATURE_MANAGEMENT_SECTION = 'FeatureManagement';

/**
 * A setting is a flag by its content type, not its key: a `.appconfig.featureflag/` key stored as
 * `application/json` or as plain text is an ordinary key-value (flattened when JSON), as the JS
 * provider's `isFeatureFlag` decides it. The media type is compared without parameters, as .NET
 * compares it, so `…ff+json` without `;charset=utf-8` is still a flag.
 */
export function isFeatureFlag(setting: { key: string; contentType?: string | null }): boolean {
  return mediaType(setting.contentType) === FEATURE_FLAG_MEDIA_TYPE;
}

interface FlagSetting {
  key: string;
  label?: string | null;
  value?: string | null;
}

function member(node: JsonNode, name: string): JsonNode | undefined {
  if (node.kind !== 'Object') return undefined;
  let found: JsonNode | undefined;
  // Later duplicates win, as the .NET reader overwrites on each occurrence.
  for (const m of node.members) if (m.name === name) found = m.value;
  return found;
}

/**
 * The JSON types .NET's `FeatureManagementKeyValueAdapter` accepts for a flag's v2 properties; a
 * JSON null is accepted everywhere, as there. `int` is a number that is an Int32 or a string
 * `int.TryParse` reads; `bool` is true/false or a string `bool.TryParse` reads.
 */
type Shape =
  | 'string'
  | 'int'
  | 'bool'
  | 'any'
  | { readonly object: Readonly<Record<string, Shape>> }
  | { readonly array: Shape }
  | { readonly values: 'string' };

const V2_PROPERTIES: Readonly<Record<string, Shape>> = {
  variants: { array: { object: { name: 'string', configuration_value: 'any', status_override: 'string' } } },
  allocation: {
    object: {
      default_when_disabled: 'string',
      default_when_enabled: 'string',
      user: { array: { object: { variant: 'string', users: { array: 'string' } } } },
      group: { array: { object: { variant: 'string', groups: { array: 'string' } } } },
      percentile: { array: { object: { variant: 'string', from: 'int', to: 'int' } } },
      seed: 'string',
    },
  },
  telemetry: { object: { enabled: 'bool', metadata: { values: 'string' } } },
};

/** The JSON token type .NET names in its message for what a shape expects. */
function expectedToken(shape: Shape): string {
  if (shape === 'string') return 'String';
  if (shape === 'int') return 'Number';
  if (shape === 'bool') return "True' or 'False";
  if (typeof shape === 'object' && 'array' in shape) return 'StartArray';
  return 'StartObject';
}

function fits(node: JsonNode, shape: Shape): boolean {
  if (node.kind === 'Null' || shape === 'any') return true;
  if (shape === 'string') return node.kind === 'String';
  if (shape === 'int') return (node.kind === 'Number' && parseInt32(node.raw) !== undefined) || (node.kind === 'String' && parseInt32(node.value) !== undefined);
  if (shape === 'bool') return node.kind === 'True' || node.kind === 'False' || (node.kind === 'String' && parseBoolean(node.value) !== undefined);
  if ('array' in shape) return node.kind === 'Array';
  return node.kind === 'Object';
}

/** Throws `invalid(property, found, expected)` where `node` (at `property`) does not have `shape`, at any depth. */
function checkShape(node: JsonNode, shape: Shape, property: string, invalid: (property: string, found: string, expected: string) => Error): void {
  if (!fits(node, shape)) throw invalid(property, node.kind, expectedToken(shape));
  if (typeof shape !== 'object') return;
  if ('array' in shape && node.kind === 'Array') node.items.forEach((item, i) => checkShape(item, shape.array, `${property}[${i}]`, invalid));
  else if ('values' in shape && node.kind === 'Object') for (const m of node.members) checkShape(m.value, shape.values, m.name, invalid);
  else if ('object' in shape && node.kind === 'Object') {
    for (const m of node.members) {
      const inner = Object.hasOwn(shape.object, m.name) ? shape.object[m.name] : undefined;
      if (inner !== undefined) checkShape(m.value, inner, m.name, invalid);
    }
  }
}

/** The entries one feature flag contributes; throws `ConfigurationParseError` naming the setting on a malformed flag. */
export function featureFlagEntries(setting: FlagSetting, store: string): JsonEntry[] {
  const where = `feature flag '${setting.key}' ${describeLabel(setting.label)} in store '${store}'`;
  const invalid = (property: string, found: string, expected: string): ConfigurationParseError =>
    new ConfigurationParseError(`Invalid property '${property}' of ${where}: found ${found}, expected ${expected}.`, { source: store });

  let document: JsonDocument;
  try {
    // .NET reads a flag with trailing commas allowed.
    document = readJson(setting.value ?? '', { allowTrailingCommas: true });
  } catch (cause) {
    throw new ConfigurationParseError(`The value of ${where} is not valid JSON.`, { source: store, cause });
  }
  const root = document.root;
  if (root.kind !== 'Object') throw new ConfigurationParseError(`The value of ${where} is not a JSON object.`, { source: store });

  // Checked first, as .NET reads the whole flag before mapping it.
  for (const m of root.members) {
    const shape = Object.hasOwn(V2_PROPERTIES, m.name) ? V2_PROPERTIES[m.name] : undefined;
    if (shape !== undefined) checkShape(m.value, shape, m.name, invalid);
  }
  const idNode = member(root, 'id');
  if (idNode !== undefined && idNode.kind !== 'String' && idNode.kind !== 'Null') throw invalid('id', idNode.kind, 'String');
  const enabledNode = member(root, 'enabled');
  let enabled = false;
  if (enabledNode !== undefined && enabledNode.kind !== 'Null') {
    const parsed = enabledNode.kind === 'True' ? true : enabledNode.kind === 'False' ? false : enabledNode.kind === 'String' ? parseBoolean(enabledNode.value) : undefined;
    if (parsed === undefined) throw invalid('enabled', enabledNode.kind, "'True' or 'False'");
    enabled = parsed;
  } else if (enabledNode?.kind === 'Null') throw invalid('enabled', 'Null', "'True' or 'False'");

  const conditions = member(root, 'conditions');
  if (conditions !== undefined && conditions.kind !== 'Object' && conditions.kind !== 'Null') {
    throw invalid('conditions', conditions.kind, 'StartObject');
  }
  const filtersNode = conditions ? member(conditions, 'client_filters') : undefined;
  if (filtersNode !== undefined && filtersNode.kind !== 'Array' && filtersNode.kind !== 'Null') {
    throw invalid('client_filters', filtersNode.kind, 'StartArray');
  }
  const requirement = conditions ? member(conditions, 'requirement_type') : undefined;
  if (requirement !== undefined && requirement.kind !== 'String' && requirement.kind !== 'Null') throw invalid('requirement_type', requirement.kind, 'String');
  const filters: JsonNode[] = [];
  (filtersNode?.kind === 'Array' ? filtersNode.items : []).forEach((filter, i) => {
    if (filter.kind === 'Null') return;
    if (filter.kind !== 'Object') throw invalid(`client_filters[${i}]`, filter.kind, 'StartObject');
    const name = member(filter, 'name');
    if (name !== undefined && name.kind !== 'String' && name.kind !== 'Null') throw invalid('name', name.kind, 'String');
    const parameters = member(filter, 'parameters');
    if (parameters !== undefined && parameters.kind !== 'Object' && parameters.kind !== 'Null') {
      throw invalid('parameters', parameters.kind, 'StartObject');
    }
    // A filter with neither a name nor parameters is no filter (.NET drops it).
    if (name?.kind === 'String' || (parameters?.kind === 'Object' && parameters.members.length > 0)) filters.push(filter);
  });

  // A missing, null or empty id: no flag.
  if (idNode === undefined || idNode.kind !== 'String' || idNode.value === '') return [];
  const path = combinePath(FEATURE_MANAGEMENT_SECTION, idNode.value);
  if (!enabled) return [{ key: path, value: 'False' }];
  if (filters.length === 0) return [{ key: path, value: 'True' }];

  const entries: JsonEntry[] = [];
  filters.forEach((filter, i) => {
    const base = combinePath(path, 'EnabledFor', String(i));
    const name = member(filter, 'name');
    entries.push({ key: combinePath(base, 'Name'), value: name?.kind === 'String' ? name.value : null });
    const parameters = member(filter, 'parameters');
    if (parameters?.kind === 'Object') {
      entries.push(
        ...flattenJson({ root: parameters, positionOf: document.positionOf }, {
          prefix: combinePath(base, 'Parameters'),
          emptyContainers: 'omit',
          duplicates: 'last-wins',
        }),
      );
    }
  });
  if (requirement?.kind === 'String') entries.push({ key: combinePath(path, 'RequirementType'), value: requirement.value });
  return entries;
}
