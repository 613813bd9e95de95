import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const bin = path.join(repo, 'bin/layered-config.js');
const fixture = path.join(repo, 'fixtures/app');

/** Every secret value planted in the fixture: none may ever be printed. */
export const FIXTURE_SECRETS = [
  'Zml4dHVyZS1zaWduYWxyLWtleS1wcm9kdWN0aW9u', // SignalR access key in appsettings.json
  'Zml4dHVyZS1zaWduYWxyLWtleS1lYXN0', // SignalR access key in user secrets
  'fixture-redis-password-3b9d', // .env
  'fixture-merchant-code-91c2', // user secrets, a key that does not look secret
];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built binary (npm test builds first), as a user would, in the fixture's environment. */
function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), APPDATA: path.join(fixture, 'appdata'), ...env }, cwd: repo },
      (error, stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
    );
  });
}

const outputs: string[] = [];
async function runAndKeep(args: string[], env?: Record<string, string>): Promise<Run> {
  const result = await run(args, env);
  outputs.push(result.stdout, result.stderr);
  return result;
}

afterAll(() => {
  // Whatever the commands printed, no planted secret appears in it.
  expect(outputs.length).toBeGreaterThan(0);
  for (const out of outputs) for (const secret of FIXTURE_SECRETS) expect(out).not.toContain(secret);
});

describe('layered-config show', () => {
  it('prints the layered tree with providers and sources, secrets redacted', async () => {
    const { code, stdout } = await runAndKeep(['show', '--cwd', fixture, '--environment', 'Development']);
    expect(code).toBe(0);
    expect(stdout).toContain('# environment: Development');
    expect(stdout).toMatch(/^ {2}Port=5000 \(JsonConfigurationProvider for '.*appsettings\.Development\.json' \(Optional\)\)/m);
    expect(stdout).toMatch(/^ {2}Name=orders-local \(.*\) \[.*\.env/m);
    expect(stdout).toMatch(/^ {2}Password=<redacted sha256:[0-9a-f]{8}>/m);
    expect(stdout).toMatch(/^ {2}MerchantCode=<redacted sha256:[0-9a-f]{8}>/m);
    expect(stdout).toContain('Features:');
    // the Development array element 0 replaced only element 0
    expect(stdout).toMatch(/^ {4}0=audit-dev /m);
    expect(stdout).toMatch(/^ {4}1=metrics /m);
  });

  it('hides plain environment variables unless --all, but shows those that set a section', async () => {
    const env = { LC_PLAIN_VARIABLE: 'plain', Service__Owner: 'team-a' };
    const { stdout } = await runAndKeep(['show', '--cwd', fixture], env);
    expect(stdout).not.toContain('LC_PLAIN_VARIABLE');
    expect(stdout).toMatch(/^# \d+ plain environment variables that set no section are not shown \(--all shows them\)$/m);
    expect(stdout).toMatch(/^ {2}Owner=team-a \(EnvironmentVariablesConfigurationProvider\) \[env Service__Owner\]$/m);
    const all = await runAndKeep(['show', '--all', '--cwd', fixture], env);
    expect(all.stdout).toMatch(/^LC_PLAIN_VARIABLE=plain \(EnvironmentVariablesConfigurationProvider\) \[env LC_PLAIN_VARIABLE\]$/m);
    const json = JSON.parse((await runAndKeep(['show', '--json', '--cwd', fixture], env)).stdout);
    expect(json.LC_PLAIN_VARIABLE).toBeUndefined();
    expect(json['Service:Owner'].value).toBe('team-a');
  });

  it('--json prints every key with its provenance', async () => {
    const { code, stdout } = await runAndKeep(['show', '--json', '--cwd', fixture, '-e', 'Development']);
    expect(code).toBe(0);
    const tree = JSON.parse(stdout);
    expect(tree['Service:Port']).toMatchObject({ value: '5000', secret: false });
    expect(tree['Service:Port'].source).toContain('appsettings.Development.json');
    expect(tree['Redis:Password'].secret).toBe(true);
    expect(tree['Payments:MerchantCode'].provider).toMatch(/UserSecrets/);
    expect(tree['Payments:MerchantCode'].source).toMatch(/secrets\.json$/);
  });

  it('takes configuration arguments after --', async () => {
    const { code, stdout } = await runAndKeep(['explain', 'Service:Port', '--cwd', fixture, '--', '--Service:Port=9999']);
    expect(code).toBe(0);
    expect(stdout).toContain('Service:Port = 9999');
    expect(stdout).toContain('CommandLineConfigurationProvider');
    expect(stdout).toMatch(/overrides 8080 from JsonConfigurationProvider/);
  });
});

describe('layered-config explain', () => {
  it('names the winning provider and the values it overrode, redacting secrets', async () => {
    const { code, stdout } = await runAndKeep(['explain', 'service:name', '--cwd', fixture, '-e', 'Development']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Service:Name = orders-local/m);
    expect(stdout).toMatch(/overrides orders from JsonConfigurationProvider for '.*appsettings\.json'/);
    const secret = await runAndKeep(['explain', 'Redis:Password', '--cwd', fixture, '-e', 'Development']);
    expect(secret.code).toBe(0);
    expect(secret.stdout).toMatch(/Redis:Password = <redacted sha256:[0-9a-f]{8}>\s+\(secret\)/);
  });

  it('exits 1 for a key no provider has, 2 for usage errors', async () => {
    expect((await runAndKeep(['explain', 'No:Such:Key', '--cwd', fixture])).code).toBe(1);
    expect((await runAndKeep(['explain', '--cwd', fixture])).code).toBe(2);
    expect((await runAndKeep(['frobnicate'])).code).toBe(2);
    const help = await runAndKeep(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: layered-config');
  });
});

describe('layered-config check', () => {
  it('prints one line per SignalR endpoint and the Redis settings, exit 0', async () => {
    const { code, stdout } = await runAndKeep(['check', '--cwd', fixture, '-e', 'Development']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^SignalR \(default\) primary https:\/\/orders\.service\.signalr\.net auth: access key/m);
    expect(stdout).toMatch(/^SignalR "east" secondary https:\/\/orders-east\.service\.signalr\.net .*UserSecrets/m);
    expect(stdout).toMatch(/^Redis: localhost:6379, no TLS, database 0, access key/m);
    // the app's schema, named in its package.json (the one `describe` documents)
    expect(stdout).toMatch(/^Schema: the configuration is valid against .*fixtures\/app\/schema\.mjs$/m);
    expect(stdout).toContain('configuration ok');
  });

  it("validates with the app's schema: a setting out of range or too short fails with its key and layer, never its value", async () => {
    const shortSecret = 'pw-3b9d';
    const { code, stdout, stderr } = await runAndKeep(['check', '--cwd', fixture, '-e', 'Development'], { Service__Port: '99999', Redis__Password: shortSecret });
    expect(code).toBe(1);
    expect(stdout).not.toContain('configuration ok');
    expect(stderr).toMatch(/^error \[VALIDATION\]: Configuration does not match the schema \(2 violations\)/m);
    expect(stderr).toMatch(/'Service:Port': .*EnvironmentVariablesConfigurationProvider \(env Service__Port\)/);
    expect(stderr).toMatch(/'Redis:Password': .*EnvironmentVariablesConfigurationProvider \(env Redis__Password\)/);
    expect(stderr).not.toContain('99999');
    expect(stderr).not.toContain(shortSecret);
  });

  it('takes --schema <module>#<export>, and fails clearly on an export the module does not have', async () => {
    const named = await runAndKeep(['check', '--cwd', fixture, '-e', 'Development', '--schema', './schema.mjs#schema']);
    expect(named.code).toBe(0);
    expect(named.stdout).toMatch(/^Schema: the configuration is valid against .*schema\.mjs#schema$/m);
    const missing = await runAndKeep(['check', '--cwd', fixture, '-e', 'Development', '--schema', './schema.mjs#nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("error [SCHEMA_MODULE]: The schema module");
    expect(missing.stderr).toContain("has no export 'nope'");
  });

  it('exits 1 naming the key and its source when a connection string is invalid', async () => {
    const bad = 'Endpoint=https://orders.service.signalr.net;AccessKey=fixture-redis-password-3b9d;Version=2.0;';
    const { code, stderr } = await runAndKeep(['check', '--cwd', fixture], { Azure__SignalR__ConnectionString__west: bad });
    expect(code).toBe(1);
    expect(stderr).toMatch(/Azure:SignalR:ConnectionString:west/);
    expect(stderr).toMatch(/env Azure__SignalR__ConnectionString__west/);
    expect(stderr).toMatch(/Version/);
  });
});

describe('bad input', () => {
  let broken: string;
  beforeAll(() => {
    broken = mkdtempSync(path.join(os.tmpdir(), 'lc-cli-'));
    cpSync(fixture, broken, { recursive: true });
    // A secret just before the syntax error: the parse error must point at it without printing it.
    writeFileSync(path.join(broken, 'appsettings.json'), '{\n  "Redis": {\n    "Password": "fixture-redis-password-3b9d",\n    "Port": 63 80\n  }\n}\n');
  });
  afterAll(() => rmSync(broken, { recursive: true, force: true }));

  it('reports malformed JSON with the file, line and column, no stack, exit 1', async () => {
    const { code, stderr, stdout } = await runAndKeep(['show', '--cwd', broken]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^error \[PARSE_ERROR\]: .*appsettings\.json/);
    expect(stderr).toMatch(/line 4/i);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
