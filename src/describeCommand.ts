/** `layered-config describe`: finds the app's schema, imports it, and prints the settings it declares. */
import { ConfigurationError } from './core/errors.js';
import { describeSchema, formatDescriptionTable, formatDotenvExample } from './binding/describe.js';
import { findSchemaReference, importSchema, schemaReferenceLabel } from './binding/schemaModule.js';

export interface DescribeCommandOptions {
  cwd?: string | undefined;
  /** `--schema <module>[#export]`. */
  schema?: string | undefined;
  /** `text` (default), `json` or `env`. */
  format?: string | undefined;
}

/** Runs the command; returns the exit code. Errors are `ConfigurationError`s (`USAGE` for bad options). */
export async function describeCommand(options: DescribeCommandOptions, stdout: { write(text: string): unknown }): Promise<number> {
  const format = options.format ?? 'text';
  if (!['text', 'json', 'env'].includes(format)) {
    throw new ConfigurationError(`Unknown --format '${format}': use text, json or env.`, 'USAGE');
  }
  const cwd = options.cwd ?? process.cwd();
  const reference = findSchemaReference(options.schema, cwd);
  if (!reference) {
    throw new ConfigurationError(
      'No schema to describe: pass --schema <module>[#export], or add "layered-config": { "schema": "./schema.mjs" } to the app\'s package.json.',
      'USAGE',
    );
  }
  const settings = describeSchema(await importSchema(reference));
  if (format === 'json') stdout.write(`${JSON.stringify(settings.map((s) => (s.secret ? { ...s, default: s.default === undefined ? undefined : null } : s)), null, 2)}\n`);
  else if (format === 'env') stdout.write(formatDotenvExample(settings));
  else stdout.write(`# ${settings.length} settings declared by ${schemaReferenceLabel(reference)}\n${formatDescriptionTable(settings)}`);
  return 0;
}
