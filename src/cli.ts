import { parseArgs } from 'node:util';
import { ConfigurationError, describeOrigin } from './core/errors.js';
import { isSecretKey, isSecretValue, scrubSecrets, secretParts } from './core/secrets.js';
import type { ConfigurationRoot } from './core/root.js';
import type { ConfigurationSection } from './core/section.js';
import { loadConfig, resolveEnvironmentName, type LoadConfigOptions } from './loadConfig.js';
import { runChecks } from './checks.js';
import { describeCommand } from './describeCommand.js';

export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
}

const USAGE = `Usage: layered-config <command> [options] [-- <configuration arguments>]

Commands:
  show [--json]     print the layered tree with the provider and source of each value (secrets redacted)
  explain <key>     print a key's winning value, where it came from, and what it overrode
  check [--connect] load and validate the configuration: with the app's schema, if it names one (as
                    describe finds it), and the SignalR and Redis settings in it
  describe          print every setting the app's schema declares: key, type, default, secret, and the
                    environment / .env and Key Vault names that set it (--format env: a .env.example)

Options:
  --cwd <dir>            the app's content root (default: the current directory)
  -e, --environment <n>  the environment name (default: DOTNET_ENVIRONMENT, ASPNETCORE_ENVIRONMENT, NODE_ENV, Production)
  --json                 machine-readable output (show, explain, describe)
  --all                  show: also list plain environment variables (PATH, HOME…) that set no section
  --connect              check: also connect to the Redis servers found and PING them, get a Microsoft
                         Entra access key from each identity-based SignalR endpoint, and probe the
                         health API of each access-key SignalR endpoint
  --schema <m>[#export]  describe, check: the schema module (default: "layered-config": { "schema" } in package.json)
  --format <f>           describe: text (default), json or env
  -h, --help             this text

Arguments after -- are the command-line layer of the configuration (e.g. -- --Logging:Level=Debug).
`;

/** Runs the CLI; returns the exit code (0 ok, 1 configuration error, 2 usage error). */
export async function main(argv: readonly string[], io: CliIo = defaultIo()): Promise<number> {
  const dashDash = argv.indexOf('--');
  const own = dashDash < 0 ? [...argv] : argv.slice(0, dashDash);
  const configArgs = dashDash < 0 ? [] : argv.slice(dashDash + 1);
  let config: ConfigurationRoot | undefined;
  // Every problem is reported through here, so none can print a secret, whatever quoted it.
  const complain = (text: string, after = '') => io.stderr.write(`${scrubSecrets(text, secretCandidates(io.env, argv, config))}\n${after}`);
  let parsed;
  try {
    parsed = parseArgs({
      args: own,
      allowPositionals: true,
      options: {
        cwd: { type: 'string' },
        environment: { type: 'string', short: 'e' },
        json: { type: 'boolean', default: false },
        connect: { type: 'boolean', default: false },
        all: { type: 'boolean', default: false },
        schema: { type: 'string' },
        format: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    complain(formatError(error), `\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') {
    (values.help || command === 'help' ? io.stdout : io.stderr).write(USAGE);
    return values.help || command === 'help' ? 0 : 2;
  }
  if (command === 'describe' && rest.length === 0) {
    // describe reads only the schema, never the configuration: nothing to load, nothing to dispose.
    try {
      return await describeCommand({ cwd: values.cwd, schema: values.schema, format: values.json ? 'json' : values.format }, io.stdout);
    } catch (error) {
      complain(formatError(error));
      return error instanceof ConfigurationError && error.code === 'USAGE' ? 2 : 1;
    }
  }
  if (!['show', 'explain', 'check'].includes(command) || (command === 'explain' ? rest.length !== 1 : rest.length !== 0)) {
    complain(`Unknown command or arguments: ${positionals.join(' ')}`, `\n${USAGE}`);
    return 2;
  }

  const options: LoadConfigOptions = { env: io.env, args: configArgs };
  if (values.cwd !== undefined) options.cwd = values.cwd;
  if (values.environment !== undefined) options.environment = values.environment;

  let code: number;
  try {
    config = await loadConfig(options);
    switch (command) {
      case 'show':
        show(config, io, values.json, values.all, resolveEnvironmentName(options, io.env));
        code = 0;
        break;
      case 'explain':
        code = explain(config, rest[0]!, io, values.json, complain);
        break;
      default: {
        const result = await runChecks(config, { connect: values.connect, schema: values.schema, cwd: values.cwd });
        for (const line of result.lines) io.stdout.write(`${line}\n`);
        for (const error of result.errors) complain(formatError(error));
        if (result.errors.length === 0) io.stdout.write('configuration ok\n');
        code = result.errors.length === 0 ? 0 : 1;
      }
    }
  } catch (error) {
    complain(formatError(error));
    code = 1;
  }
  try {
    await config?.dispose();
  } catch (error) {
    complain(formatError(error));
    code = 1;
  }
  return code;
}

/**
 * The process environment puts dozens of unrelated top-level keys (PATH, HOME, npm_*) in the tree.
 * `show` leaves out a top-level key that only the environment sets and that has no children, unless `--all`;
 * an environment variable that sets a section (`Azure__SignalR__…`) or overrides a file is always shown.
 */
function isPlainEnvironmentVariable(config: ConfigurationRoot, section: ConfigurationSection): boolean {
  if (section.path.includes(':') || section.getChildren().length > 0) return false;
  const explained = config.explain(section.path);
  return explained !== undefined && explained.overridden.length === 0 && explained.provider.startsWith('EnvironmentVariablesConfigurationProvider');
}

function show(config: ConfigurationRoot, io: CliIo, json: boolean, all: boolean, environment: string): void {
  const include = (section: ConfigurationSection) => all || !isPlainEnvironmentVariable(config, section);
  const hidden = all ? 0 : config.getChildren().filter((s) => !include(s)).length;
  if (json) {
    const out = Object.create(null) as Record<string, unknown>;
    for (const top of config.getChildren()) {
      if (!include(top)) continue;
      for (const [key] of top.entries()) {
        const explained = config.explain(key);
        if (explained) out[key] = { value: explained.value, provider: explained.provider, source: explained.source, secret: explained.secret };
      }
    }
    io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  io.stdout.write(`# environment: ${environment}\n# providers, lowest precedence first:\n`);
  config.providers.forEach((p, i) => io.stdout.write(`#   ${i + 1}. ${p.name}\n`));
  if (hidden > 0) io.stdout.write(`# ${hidden} plain environment variables that set no section are not shown (--all shows them)\n`);
  io.stdout.write(config.debugView({ include }));
}

function explain(config: ConfigurationRoot, key: string, io: CliIo, json: boolean, complain: (text: string) => void): number {
  const explained = config.explain(key);
  if (json) {
    io.stdout.write(`${JSON.stringify(explained ?? null, null, 2)}\n`);
    return explained ? 0 : 1;
  }
  if (!explained) {
    complain(`No provider has the key '${key}'.`);
    return 1;
  }
  io.stdout.write(`${explained.key} = ${explained.value ?? '(null)'}${explained.secret ? '   (secret)' : ''}\n`);
  io.stdout.write(`  from ${describeOrigin(explained)}\n`);
  for (const o of explained.overridden) io.stdout.write(`  overrides ${o.value ?? '(null)'} from ${describeOrigin(o)}\n`);
  return 0;
}

/** A foreign error is shown by its message only, without a stack; the caller scrubs the text. */
function formatError(error: unknown): string {
  if (error instanceof ConfigurationError) return `error [${error.code}]: ${error.message}`;
  return `error: ${error instanceof Error ? error.message : String(error)}`;
}

/** App Service's connection-string variables (`SQLCONNSTR_db`, `CUSTOMCONNSTR_x`…): secret whatever the name. */
const APP_SERVICE_CONNSTR = /^[a-z]*CONNSTR_/i;
/**
 * The values no CLI output may show: environment variables and command-line arguments (ours and
 * the configuration's, in every form the command-line layer accepts) that are secret by name or by
 * shape, with their secret parts, and once a tree exists, its secret values. Our errors carry no
 * secrets by design; this also covers foreign ones (SDKs, Node) that quote whatever they were given.
 * Longest first, so a whole value is redacted as one before any part of it.
 */
function secretCandidates(env: NodeJS.ProcessEnv, argv: readonly string[], config?: ConfigurationRoot): string[] {
  const found = new Set<string>();
  const consider = (key: string | undefined, value: string | null | undefined, secret = false) => {
    if (!value) return;
    if (!secret && !isSecretValue(value) && !(key !== undefined && isSecretKey(key))) return;
    found.add(value);
    for (const part of secretParts(value)) found.add(part);
  };
  for (const [name, value] of Object.entries(env)) consider(name.replace(/__/g, ':'), value, APP_SERVICE_CONNSTR.test(name));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const assigned = /^(?:--|-|\/)?([^=]+)=(.*)$/s.exec(arg);
    if (assigned) consider(assigned[1], assigned[2]);
    else if (/^(?:--|\/)./.test(arg) && i + 1 < argv.length) consider(arg.replace(/^(?:--|\/)/, ''), argv[i + 1]);
    else consider(undefined, arg);
  }
  if (config) {
    try {
      for (const [key, value] of config.entries()) consider(key, value, value !== null && config.isSecret(key));
    } catch {
      // a tree that can no longer be read (disposed) adds nothing; the rest still applies
    }
  }
  return [...found].sort((a, b) => b.length - a.length);
}

function defaultIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}
