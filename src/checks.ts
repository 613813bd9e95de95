import { ConfigurationError } from './core/errors.js';
import type { ConfigurationRoot } from './core/root.js';
import { bindShapeAsync } from './binding/index.js';
import { findSchemaReference, importSchema, schemaReferenceLabel } from './binding/schemaModule.js';

export interface CheckResult {
  /** One line per thing found (never a secret). */
  lines: string[];
  errors: ConfigurationError[];
}

export interface CheckOptions {
  /** Also connect to the servers found: Redis PING; SignalR key exchange (identity-based) or health probe (access key). */
  connect?: boolean;
  /** `--schema <module>[#export]`; default the `"layered-config": { "schema" }` field of the app's package.json. */
  schema?: string | undefined;
  /** The app's directory, where package.json and a relative schema module are found; default the current directory. */
  cwd?: string | undefined;
}

type Check = (config: ConfigurationRoot, options: CheckOptions) => Promise<CheckResult>;

/**
 * The typed binders' validations run by `layered-config check`. Each is imported only when the
 * check runs, so `show` and `explain` never load the SignalR or Redis code.
 */
const checks: Check[] = [
  checkSchema,
  async (config, options) => {
    const signalr = await import('./binders/signalr/check.js');
    return options.connect ? signalr.checkSignalRConnect(config) : signalr.checkSignalR(config);
  },
  async (config, options) => (await import('./binders/redis/check.js')).checkRedis(config, { connect: options.connect ?? false }),
];

/**
 * The app's own schema, when `--schema` or package.json names one (the one `describe` documents):
 * the whole tree is validated with it as `loadConfig({ schema })` would, so a setting the app
 * requires but no layer gives fails here, naming its key and layer, never its value.
 */
async function checkSchema(config: ConfigurationRoot, options: CheckOptions): Promise<CheckResult> {
  const result: CheckResult = { lines: [], errors: [] };
  try {
    const reference = findSchemaReference(options.schema, options.cwd ?? process.cwd());
    if (!reference) return result;
    await bindShapeAsync(config, null, await importSchema(reference));
    result.lines.push(`Schema: the configuration is valid against ${schemaReferenceLabel(reference)}`);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    result.errors.push(error);
  }
  return result;
}

export async function runChecks(config: ConfigurationRoot, options: CheckOptions = {}): Promise<CheckResult> {
  const result: CheckResult = { lines: [], errors: [] };
  for (const check of checks) {
    const { lines, errors } = await check(config, options);
    result.lines.push(...lines);
    result.errors.push(...errors);
  }
  return result;
}
