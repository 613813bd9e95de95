/**
 * The settings a schema declares, for `layered-config describe`: each key with its type, default,
 * whether it is secret, and the names that set it from the environment, a `.env` file and Key
 * Vault. Pure: schema in, descriptions out (the CLI finds and imports the schema).
 *
 * Reads a convict schema, a defaults object, or a Standard Schema that exposes JSON Schema through
 * the Standard JSON Schema extension (`~standard.jsonSchema`: zod 4, arktype); a Standard Schema
 * without it (valibot) declares nothing we can read, which is a `SchemaError`.
 */
import { SchemaError } from '../core/errors.js';
import { combinePath } from '../core/path.js';
import { isSecretKey } from '../core/secrets.js';
import { isPlainObject } from './bind.js';
import { isConvictSchema, isSchemaLeaf } from './schema.js';
import { claimsStandard } from './standardSchema.js';
import type { StandardJSONSchemaV1 } from './standardSchemaSpec.js';

export interface SettingDescription {
  /** The configuration key, `:`-separated; an array's elements are `<key>:0`, `<key>:1`… */
  key: string;
  /** `string`, `integer`, `number`, `boolean`, `array of string`, `one of "a" | "b"`, a convict format… */
  type: string;
  /** The schema's default, as configuration text; undefined when there is none. */
  default?: string;
  /** Whether the value is secret: the schema says so (`sensitive`, `writeOnly`) or the key's name does. */
  secret: boolean;
  /** Whether the schema requires a value (Standard Schema `required`); undefined when the schema does not say. */
  required?: boolean;
  /** The schema's description (`doc` in convict, `description` in JSON Schema). */
  doc?: string;
  /** The environment variable (and `.env` name) that sets the key: `Redis__Password`. */
  environmentVariable: string;
  /** The Key Vault secret name that sets the key (`Redis--Password`); undefined when the key has characters a secret name cannot. */
  keyVaultSecret?: string;
}

/** `Redis:Password` → `Redis__Password`, the name .NET's environment provider maps back to the key. */
export function environmentVariableName(key: string): string {
  return key.split(':').join('__');
}

/** Key Vault secret names: 1–127 letters, digits and dashes. */
const KEY_VAULT_NAME = /^[0-9A-Za-z-]{1,127}$/;

/** `Redis:Password` → `Redis--Password` (the Key Vault provider's `--` → `:`), or undefined when not a valid secret name. */
export function keyVaultSecretName(key: string): string | undefined {
  const name = key.split(':').join('--');
  return KEY_VAULT_NAME.test(name) ? name : undefined;
}

type Leaf = Omit<SettingDescription, 'environmentVariable' | 'keyVaultSecret' | 'secret'> & { secret?: boolean };

function complete(leaf: Leaf): SettingDescription {
  const out: SettingDescription = { ...leaf, secret: leaf.secret === true || isSecretKey(leaf.key), environmentVariable: environmentVariableName(leaf.key) };
  const vault = keyVaultSecretName(leaf.key);
  if (vault !== undefined) out.keyVaultSecret = vault;
  return out;
}

/** Every setting `schema` declares, in the schema's order. */
export function describeSchema(schema: unknown): SettingDescription[] {
  if (claimsStandard(schema)) return fromStandardSchema(schema).map(complete);
  if (isConvictSchema(schema)) return fromConvict(schema as Record<string, unknown>, null).map(complete);
  if (isPlainObject(schema)) return fromDefaults(schema, null).map(complete);
  throw new SchemaError('Cannot describe this schema: expected a convict schema, a defaults object or a Standard Schema.', 'INVALID_SCHEMA');
}

// ---- Standard JSON Schema ------------------------------------------------------------------------

/**
 * The settings of a Standard Schema, from both sides of its JSON Schema. The input side lists what
 * is configured (text, before coercion) and whether it is required; the output side gives the type
 * the app receives (`z.stringbool()` is a boolean there, a string on input) and the defaults a
 * transform would otherwise hide. Either side may be unavailable (a converter may throw).
 */
function fromStandardSchema(schema: unknown): Leaf[] {
  const converter = (schema as Partial<StandardJSONSchemaV1>)['~standard']?.jsonSchema;
  if (typeof converter?.input !== 'function' || typeof converter.output !== 'function') {
    throw new SchemaError(
      'Cannot describe this Standard Schema: it does not expose JSON Schema (`~standard.jsonSchema`, the Standard JSON Schema extension that zod 4 and arktype implement). For valibot, wrap it with toStandardJsonSchema() from @valibot/to-json-schema.',
      'INVALID_SCHEMA',
    );
  }
  const errors: string[] = [];
  const convert = (side: 'input' | 'output'): Json | undefined => {
    for (const target of ['draft-2020-12', 'draft-07'] as const) {
      try {
        // zod reads libraryOptions: a transform becomes `{}` on the output side instead of an error.
        return converter[side]({ target, libraryOptions: { unrepresentable: 'any' } });
      } catch (error) {
        errors.push(`${side} ${target}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return undefined;
  };
  const input = convert('input');
  const output = convert('output');
  if (!input && !output) throw new SchemaError(`Cannot describe this Standard Schema: it could not convert itself to JSON Schema (${errors.join('; ')}).`, 'INVALID_SCHEMA');
  const inputs = input ? fromJsonSchema(input) : [];
  const outputs = new Map((output ? fromJsonSchema(output) : []).map((l) => [l.key, l]));
  const merged = inputs.map((leaf): Leaf => {
    const out = outputs.get(leaf.key);
    outputs.delete(leaf.key);
    if (!out) return leaf;
    const both: Leaf = { ...leaf, type: out.type === 'any' ? leaf.type : out.type };
    if (both.default === undefined && out.default !== undefined) both.default = out.default;
    if (out.secret === true) both.secret = true;
    if (both.doc === undefined && out.doc !== undefined) both.doc = out.doc;
    if (both.required === true && out.default !== undefined) both.required = false;
    return both;
  });
  return [...merged, ...outputs.values()];
}

type Json = Record<string, unknown>;

function fromJsonSchema(rootSchema: Json): Leaf[] {
  const out: Leaf[] = [];
  const resolve = (node: Json): Json => {
    const ref = node.$ref;
    if (typeof ref !== 'string' || !ref.startsWith('#/')) return node;
    let target: unknown = rootSchema;
    for (const part of ref.slice(2).split('/')) target = (target as Json | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    return isPlainObject(target) ? { ...target, ...node, $ref: undefined } : node;
  };
  const walk = (raw: Json, key: string | null, required: boolean | undefined, depth: number): void => {
    const node = resolve(raw);
    const properties = node.properties;
    if (isPlainObject(properties) && depth < 32) {
      const needed = new Set(Array.isArray(node.required) ? node.required.map(String) : []);
      for (const name of Object.keys(properties)) {
        const child = properties[name];
        // Required only when every section above it is: a key inside an optional section need not be set.
        if (isPlainObject(child)) walk(child, key === null ? name : combinePath(key, name), required !== false && needed.has(name), depth + 1);
      }
      return;
    }
    if (key === null) return;
    const leaf: Leaf = { key, type: jsonType(node) };
    if (node.default !== undefined) leaf.default = configurationText(node.default);
    if (node.sensitive === true || node.writeOnly === true || node['x-sensitive'] === true) leaf.secret = true;
    if (required !== undefined) leaf.required = required && node.default === undefined;
    if (typeof node.description === 'string') leaf.doc = node.description;
    out.push(leaf);
  };
  walk(rootSchema, null, undefined, 0);
  return out;
}

function jsonType(node: Json): string {
  if (Array.isArray(node.enum)) return `one of ${node.enum.map((v) => JSON.stringify(v)).join(' | ')}`;
  if (node.const !== undefined) return JSON.stringify(node.const);
  const variants = (Array.isArray(node.anyOf) ? node.anyOf : Array.isArray(node.oneOf) ? node.oneOf : undefined) as Json[] | undefined;
  if (variants) return [...new Set(variants.map((v) => (isPlainObject(v) ? jsonType(v) : 'unknown')))].join(' | ');
  const type = Array.isArray(node.type) ? node.type.join(' | ') : typeof node.type === 'string' ? node.type : 'any';
  if (type === 'array' && isPlainObject(node.items)) return `array of ${jsonType(node.items)}`;
  return typeof node.format === 'string' ? `${type} (${node.format})` : type;
}

// ---- convict and defaults objects --------------------------------------------------------------

function fromConvict(schema: Record<string, unknown>, key: string | null): Leaf[] {
  if (key !== null && isSchemaLeaf(schema)) return [convictLeaf(key, schema as Record<string, unknown>)];
  const out: Leaf[] = [];
  for (const name of Object.keys(schema)) {
    const node = schema[name];
    const childKey = key === null ? name : combinePath(key, name);
    if (isSchemaLeaf(node)) out.push(convictLeaf(childKey, node as Record<string, unknown>));
    else if (isPlainObject(node) && Object.keys(node).length > 0) out.push(...fromConvict(node, childKey));
    else out.push(...fromDefaults({ [name]: node }, key));
  }
  return out;
}

const BUILT_IN_NAMES = new Map<unknown, string>([
  [String, 'string'],
  [Number, 'number'],
  [Boolean, 'boolean'],
  [Array, 'array'],
  [Object, 'object'],
  [RegExp, 'regexp'],
]);

function convictLeaf(key: string, leaf: Record<string, unknown>): Leaf {
  const format = leaf.format;
  const type =
    BUILT_IN_NAMES.get(format) ??
    (typeof format === 'string'
      ? format
      : Array.isArray(format)
        ? `one of ${format.map((v) => JSON.stringify(v)).join(' | ')}`
        : typeof format === 'function'
          ? format.name || 'custom format'
          : leaf.default === null || leaf.default === undefined
            ? 'any'
            : Array.isArray(leaf.default)
              ? 'array'
              : typeof leaf.default);
  const out: Leaf = { key, type };
  if (leaf.default !== undefined && leaf.default !== null) out.default = configurationText(leaf.default);
  if (leaf.sensitive === true) out.secret = true;
  if (typeof leaf.doc === 'string') out.doc = leaf.doc;
  return out;
}

function fromDefaults(shape: Record<string, unknown>, key: string | null): Leaf[] {
  const out: Leaf[] = [];
  for (const name of Object.keys(shape)) {
    const value = shape[name];
    const childKey = key === null ? name : combinePath(key, name);
    if (isPlainObject(value) && isDictionaryDefault(value)) {
      out.push({ key: `${childKey}:<name>`, type: `dictionary entry (${describeDefaultType(value.element)})` });
      continue;
    }
    if (isPlainObject(value) && Object.keys(value).length > 0) {
      out.push(...fromDefaults(value, childKey));
      continue;
    }
    const type = describeDefaultType(value);
    const leaf: Leaf = { key: childKey, type };
    if (value !== null && value !== undefined && !(value instanceof Map) && !isPlainObject(value)) leaf.default = configurationText(value);
    out.push(leaf);
  }
  return out;
}

/** `dictionaryOf(element)` (bind.ts): a frozen object carrying its element default under a symbol brand. */
function isDictionaryDefault(value: Record<string, unknown>): value is Record<string, unknown> & { element: unknown } {
  return Object.isFrozen(value) && 'element' in value && 'entries' in value && Object.getOwnPropertySymbols(value).length > 0;
}

function describeDefaultType(value: unknown): string {
  if (value === null || value === undefined) return 'string';
  if (Array.isArray(value)) return `array of ${value.length > 0 ? typeof value[0] : 'string'}`;
  if (value instanceof Date) return 'date';
  if (value instanceof URL) return 'url';
  if (isPlainObject(value) && Object.keys(value).length > 0) return 'object';
  if (value instanceof Map || isPlainObject(value)) return 'dictionary';
  return typeof value;
}

/** A default as the configuration would hold it: text (`true`, `8080`), arrays and objects as JSON. */
function configurationText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof URL) return value.href;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

// ---- output ------------------------------------------------------------------------------------

/** The descriptions as a table: key, type, default, secret, the environment / `.env` name, the Key Vault name. */
export function formatDescriptionTable(settings: readonly SettingDescription[]): string {
  const header = ['KEY', 'TYPE', 'DEFAULT', 'SECRET', 'ENVIRONMENT / .ENV', 'KEY VAULT SECRET'];
  const rows = settings.map((s) => [
    s.key,
    s.type,
    s.default === undefined ? (s.required === true ? '(required)' : '') : s.secret ? '<redacted>' : JSON.stringify(s.default),
    s.secret ? 'yes' : 'no',
    // An array is set element by element: `Service__Features__0`, `__1`…
    s.type.startsWith('array') ? `${s.environmentVariable}__0, __1…` : s.environmentVariable,
    s.keyVaultSecret === undefined ? '(not a valid secret name)' : s.type.startsWith('array') ? `${s.keyVaultSecret}--0, --1…` : s.keyVaultSecret,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const docs = settings.filter((s) => s.doc !== undefined).map((s) => `#   ${s.key}: ${s.doc}`);
  return [line(header), ...rows.map(line), ...(docs.length > 0 ? ['', '# descriptions:', ...docs] : [])].join('\n') + '\n';
}

/** A dotenv value, quoted when dotenv would otherwise cut or change it. */
function dotenvValue(text: string): string {
  if (text === '' || /^[^\s#"'`\\]*$/.test(text)) return text;
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/**
 * A `.env.example`: one `NAME=default` line per setting, secrets always blank, each preceded by a
 * comment with its key, type and description. An array default becomes `NAME__0`, `NAME__1`…
 */
export function formatDotenvExample(settings: readonly SettingDescription[]): string {
  const lines = ['# Generated by `layered-config describe --format env`. Copy to .env and fill in; never commit secrets.'];
  for (const s of settings) {
    lines.push('', `# ${s.key} (${s.type}${s.secret ? ', secret' : ''}${s.required === true ? ', required' : ''})${s.doc !== undefined ? `: ${s.doc.replace(/\s+/g, ' ')}` : ''}`);
    let values: Array<[string, string]> = [[s.environmentVariable, s.secret || s.default === undefined ? '' : s.default]];
    if (!s.secret && s.default !== undefined && s.type.startsWith('array')) {
      try {
        const parsed = JSON.parse(s.default) as unknown;
        if (Array.isArray(parsed)) values = parsed.length === 0 ? [[`${s.environmentVariable}__0`, '']] : parsed.map((v, i) => [`${s.environmentVariable}__${i}`, configurationText(v)]);
      } catch {
        // not JSON: keep the single line
      }
    }
    for (const [name, value] of values) lines.push(`${name}=${dotenvValue(value)}`);
  }
  return `${lines.join('\n')}\n`;
}
