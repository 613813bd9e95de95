/**
 * Feature flags (`.appconfig.featureflag/<id>`) mapped into the tree as the .NET provider's
 * `FeatureManagementKeyValueAdapter` maps them for Microsoft.FeatureManagement:
 *   enabled, no filters      → `FeatureManagement:<id>` = `True`
 *   enabled, with filters    → `FeatureManagement:<id>:EnabledFor:<i>:Name` and `…:Parameters:<path>`,
 *                              plus `FeatureManagement:<id>:RequirementType` when the flag sets one
 *   disabled                 → `FeatureManagement:<id>` = `False`
 * The flag's JSON `id` names it, not the key suffix; a null `id` skips the flag, as in .NET.
 */
import { ConfigurationParseError } from '../../core/errors.js';
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

/** The entries one feature flag contributes; throws `ConfigurationParseError` naming the setting on a malformed flag. */
export function featureFlagEntries(setting: FlagSetting, store: string): JsonEntry[] {
  const where = `feature flag '${setting.key}' ${describeLabel(setting.label)} in store '${store}'`;
  const invalid = (property: string, found: string, expected: string): ConfigurationParseError =>
    new ConfigurationParseError(`Invalid property '${property}' of ${where}: found ${found}, expected ${expected}.`, { source: store });

  let document: JsonDocument;
  try {
    document = readJson(setting.value ?? '', { allowTrailingCommas: false });
  } catch (cause) {
    throw new ConfigurationParseError(`The value of ${where} is not valid JSON.`, { source: store, cause });
  }
  const root = document.root;
  if (root.kind !== 'Object') throw new ConfigurationParseError(`The value of ${where} is not a JSON object.`, { source: store });

  const idNode = member(root, 'id');
  if (idNode?.kind === 'Null') return [];
  if (idNode === undefined || idNode.kind !== 'String') throw invalid('id', idNode?.kind ?? 'nothing', 'String');
  const enabledNode = member(root, 'enabled');
  let enabled = false;
  if (enabledNode !== undefined) {
    if (enabledNode.kind !== 'True' && enabledNode.kind !== 'False') throw invalid('enabled', enabledNode.kind, "'True' or 'False'");
    enabled = enabledNode.kind === 'True';
  }
  const path = combinePath(FEATURE_MANAGEMENT_SECTION, idNode.value);
  if (!enabled) return [{ key: path, value: 'False' }];

  const conditions = member(root, 'conditions');
  if (conditions !== undefined && conditions.kind !== 'Object' && conditions.kind !== 'Null') {
    throw invalid('conditions', conditions.kind, 'StartObject');
  }
  const filtersNode = conditions ? member(conditions, 'client_filters') : undefined;
  if (filtersNode !== undefined && filtersNode.kind !== 'Array' && filtersNode.kind !== 'Null') {
    throw invalid('client_filters', filtersNode.kind, 'StartArray');
  }
  const filters = filtersNode?.kind === 'Array' ? filtersNode.items.filter((f) => f.kind === 'Object') : [];
  if (filters.length === 0) return [{ key: path, value: 'True' }];

  const entries: JsonEntry[] = [];
  filters.forEach((filter, i) => {
    const base = combinePath(path, 'EnabledFor', String(i));
    const name = member(filter, 'name');
    if (name !== undefined && name.kind !== 'String' && name.kind !== 'Null') throw invalid('name', name.kind, 'String');
    entries.push({ key: combinePath(base, 'Name'), value: name?.kind === 'String' ? name.value : null });
    const parameters = member(filter, 'parameters');
    if (parameters !== undefined && parameters.kind !== 'Object' && parameters.kind !== 'Null') {
      throw invalid('parameters', parameters.kind, 'StartObject');
    }
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
  const requirement = conditions ? member(conditions, 'requirement_type') : undefined;
  if (requirement !== undefined) {
    if (requirement.kind !== 'String') throw invalid('requirement_type', requirement.kind, 'String');
    entries.push({ key: combinePath(path, 'RequirementType'), value: requirement.value });
  }
  return entries;
}
