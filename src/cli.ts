import { parseArgs } from 'node:util';
import { ConfigurationError, describeOrigin } from './core/errors.js';
import type { ConfigurationRoot } from './core/root.js';
import type { ConfigurationSection } from './core/section.js';
import { loadConfig, resolveEnvironmentName, type LoadConfigOptions } from './loadConfig.js';
import { runChecks } from './checks.js';

export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
}

const USAGE = `Usage: layered-config <command> [options] [-- <configuration arguments>]

Commands:
  show [--json]     print the layered tree with the provider and source of each value (secrets redacted)
  explain <key>     print a key's winning value, where it came from, and what it overrode
  check [--connect] load and validate the configuration, and the SignalR and Redis settings in it

Options:
  --cwd <dir>            the app's content root (default: the current directory)
  -e, --environment <n>  the environment name (default: DOTNET_ENVIRONMENT, ASPNETCORE_ENVIRONMENT, NODE_ENV, Production)
  --json                 machine-readable output (show, explain)
  --all                  show: also list plain environment variables (PATH, HOME…) that set no section
  --connect              check: also connect to the Redis servers found and PING them
  -h, --help             this text

Arguments after -- are the command-line layer of the configuration (e.g. -- --Logging:Level=Debug).
`;

/** Runs the CLI; returns the exit code (0 ok, 1 configuration error, 2 usage error). */
export async function main(argv: readonly string[], io: CliIo = defaultIo()): Promise<number> {
  const dashDash = argv.indexOf('--');
  const own = dashDash < 0 ? [...argv] : argv.slice(0, dashDash);
  const configArgs = dashDash < 0 ? [] : argv.slice(dashDash + 1);
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
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') {
    (values.help || command === 'help' ? io.stdout : io.stderr).write(USAGE);
    return values.help || command === 'help' ? 0 : 2;
  }
  if (!['show', 'explain', 'check'].includes(command) || (command === 'explain' ? rest.length !== 1 : rest.length !== 0)) {
    io.stderr.write(`Unknown command or arguments: ${positionals.join(' ')}\n\n${USAGE}`);
    return 2;
  }

  const options: LoadConfigOptions = { env: io.env, args: configArgs };
  if (values.cwd !== undefined) options.cwd = values.cwd;
  if (values.environment !== undefined) options.environment = values.environment;

  let config: ConfigurationRoot | undefined;
  try {
    config = await loadConfig(options);
    switch (command) {
      case 'show':
        show(config, io, values.json, values.all, resolveEnvironmentName(options, io.env));
        return 0;
      case 'explain':
        return explain(config, rest[0]!, io, values.json);
      default: {
        const result = await runChecks(config, { connect: values.connect });
        for (const line of result.lines) io.stdout.write(`${line}\n`);
        for (const error of result.errors) io.stderr.write(`${formatError(error)}\n`);
        if (result.errors.length === 0) io.stdout.write('configuration ok\n');
        return result.errors.length === 0 ? 0 : 1;
      }
    }
  } catch (error) {
    io.stderr.write(`${formatError(error)}\n`);
    return 1;
  } finally {
    await config?.dispose();
  }
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

function explain(config: ConfigurationRoot, key: string, io: CliIo, json: boolean): number {
  const explained = config.explain(key);
  if (json) {
    io.stdout.write(`${JSON.stringify(explained ?? null, null, 2)}\n`);
    return explained ? 0 : 1;
  }
  if (!explained) {
    io.stderr.write(`No provider has the key '${key}'.\n`);
    return 1;
  }
  io.stdout.write(`${explained.key} = ${explained.value ?? '(null)'}${explained.secret ? '   (secret)' : ''}\n`);
  io.stdout.write(`  from ${describeOrigin(explained)}\n`);
  for (const o of explained.overridden) io.stdout.write(`  overrides ${o.value ?? '(null)'} from ${describeOrigin(o)}\n`);
  return 0;
}

/** Our errors carry no secret values; a foreign error is shown by its message only, without a stack. */
function formatError(error: unknown): string {
  if (error instanceof ConfigurationError) return `error [${error.code}]: ${error.message}`;
  return `error: ${error instanceof Error ? error.message : String(error)}`;
}

function defaultIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}
