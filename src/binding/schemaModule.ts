/**
 * Finds and imports the schema `layered-config describe` documents. The schema is named by
 * `--schema <module>[#export]`, else by the `layered-config.schema` field of the app's
 * `package.json` (same form). The module is imported with `import()`, so it must be JavaScript
 * Node can load by itself (`.mjs`/`.js`/`.cjs`, or TypeScript under a loader such as tsx); the
 * export is the one named after `#`, else `schema`, else the default export.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigurationError } from '../core/errors.js';

export interface SchemaReference {
  /** The module file, absolute. */
  file: string;
  /** The export to use; undefined: `schema`, else `default`. */
  exportName?: string;
  /** Where the reference came from, for messages: `--schema` or `package.json`. */
  from: string;
}

/** The reference as messages show it: the module file, and `#export` when one was named. */
export function schemaReferenceLabel(reference: SchemaReference): string {
  return `${reference.file}${reference.exportName ? `#${reference.exportName}` : ''}`;
}

/** Splits `./schema.mjs#settings` into the file (resolved against `cwd`) and the export. */
export function parseSchemaReference(text: string, cwd: string, from: string): SchemaReference {
  const hash = text.lastIndexOf('#');
  const file = hash < 0 ? text : text.slice(0, hash);
  const exportName = hash < 0 ? undefined : text.slice(hash + 1);
  if (file.trim() === '' || exportName === '') {
    throw new ConfigurationError(`The schema reference '${text}' (${from}) is not of the form <module>[#export].`, 'SCHEMA_MODULE');
  }
  return { file: path.resolve(cwd, file), ...(exportName !== undefined ? { exportName } : {}), from };
}

/** The reference from `--schema`, else from `package.json`'s `layered-config.schema`; undefined when neither names one. */
export function findSchemaReference(option: string | undefined, cwd: string): SchemaReference | undefined {
  if (option !== undefined) return parseSchemaReference(option, cwd, '--schema');
  const packageJson = path.join(cwd, 'package.json');
  let text: string;
  try {
    text = readFileSync(packageJson, 'utf8');
  } catch {
    return undefined;
  }
  let field: unknown;
  try {
    field = (JSON.parse(text) as { 'layered-config'?: { schema?: unknown } })['layered-config']?.schema;
  } catch (error) {
    throw new ConfigurationError(`Cannot read ${packageJson}: ${(error as Error).message}`, 'SCHEMA_MODULE', { source: packageJson });
  }
  if (field === undefined) return undefined;
  if (typeof field !== 'string') {
    throw new ConfigurationError(`The "layered-config": { "schema" } field of ${packageJson} must be a string such as "./schema.mjs#schema".`, 'SCHEMA_MODULE', {
      source: packageJson,
    });
  }
  return parseSchemaReference(field, cwd, packageJson);
}

/** Imports the module and returns the schema export. */
export async function importSchema(reference: SchemaReference): Promise<unknown> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(reference.file).href)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const why = code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(reference.file) ? 'the file does not exist' : (error as Error).message;
    throw new ConfigurationError(`Cannot import the schema module ${reference.file} (from ${reference.from}): ${why}`, 'SCHEMA_MODULE', { source: reference.file });
  }
  const name = reference.exportName ?? ('schema' in module ? 'schema' : 'default');
  const schema = module[name];
  if (schema === undefined || schema === null) {
    const exports = Object.keys(module).join(', ') || 'none';
    throw new ConfigurationError(`The schema module ${reference.file} has no export '${name}' (its exports: ${exports}).`, 'SCHEMA_MODULE', { source: reference.file });
  }
  return schema;
}
