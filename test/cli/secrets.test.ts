/**
 * Every error path of the CLI scrubs secret values before printing, foreign errors included:
 * `main` is run in-process with injected io and env, and `loadConfig` / `runChecks` can be made
 * to fail with an error that quotes a secret, as an SDK or Node error might.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ConfigurationRoot } from '../../src/core/root.js';
import type { LoadConfigOptions } from '../../src/loadConfig.js';
import { main } from '../../src/cli.js';

const failures = vi.hoisted(() => ({
  load: undefined as ((options: LoadConfigOptions) => unknown) | undefined,
  check: undefined as ((config: ConfigurationRoot) => unknown) | undefined,
}));

vi.mock('../../src/loadConfig.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/loadConfig.js')>();
  return {
    ...actual,
    loadConfig: async (options: LoadConfigOptions) => {
      if (failures.load) throw failures.load(options);
      return actual.loadConfig(options);
    },
  };
});
vi.mock('../../src/checks.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/checks.js')>();
  return {
    ...actual,
    runChecks: async (config: ConfigurationRoot, options: object) => {
      if (failures.check) throw failures.check(config);
      return actual.runChecks(config, options);
    },
  };
});

afterEach(() => {
  failures.load = undefined;
  failures.check = undefined;
});

const fixture = fileURLToPath(new URL('../../fixtures/app', import.meta.url));
const REDACTED = /<redacted sha256:[0-9a-f]{8}>/;

async function run(argv: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: { HOME: os.tmpdir(), ...env },
  });
  return { code, stdout, stderr };
}

function expectScrubbed(out: { stdout: string; stderr: string }, ...secrets: string[]): void {
  for (const secret of secrets) {
    expect(out.stderr).not.toContain(secret);
    expect(out.stdout).not.toContain(secret);
  }
  expect(out.stderr).toMatch(REDACTED);
}

describe('layered-config: a foreign error before any tree exists', () => {
  it('redacts a secret-named environment variable the error quotes', async () => {
    const secret = 'cli-env-password-7d1f2a';
    failures.load = (o) => new Error(`login failed with password '${o.env!.Db__Password}'`);
    const out = await run(['show', '--cwd', fixture], { Db__Password: secret });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/^error: login failed with password '<redacted sha256:[0-9a-f]{8}>'\n$/);
    expectScrubbed(out, secret);
  });

  it('redacts the password part of a connection string held by a variable with an ordinary name', async () => {
    const part = 'cli-cs-part-91ab';
    const cs = `cache.example.net:6380,password=${part},ssl=True`;
    failures.load = () => new TypeError(`bad option near "${part}"`);
    const out = await run(['show'], { CACHE: cs, SIGNALR_PRIMARY: 'Endpoint=https://x.service.signalr.net;AccessKey=cli-signalr-key-2c4e;Version=1.0;' });
    expect(out.stderr).toMatch(/^error: bad option near "<redacted sha256:[0-9a-f]{8}>"\n$/);
    expectScrubbed(out, part);

    failures.load = (o) => new Error(`cannot parse ${o.env!.SIGNALR_PRIMARY}`);
    const whole = await run(['show'], { SIGNALR_PRIMARY: 'Endpoint=https://x.service.signalr.net;AccessKey=cli-signalr-key-2c4e;Version=1.0;' });
    expectScrubbed(whole, 'cli-signalr-key-2c4e');
  });

  it('redacts an App Service connection-string variable and a percent-encoded URL password', async () => {
    failures.load = () => new Error('values: Server=db;Uid=app;Pwd=cli-sqlconn-5b7d and p@ss-cli-3f9a');
    const out = await run(['check'], { SQLCONNSTR_main: 'Server=db;Uid=app;Pwd=cli-sqlconn-5b7d', REDIS_URL: 'rediss://:p%40ss-cli-3f9a@h.example:6380' });
    expectScrubbed(out, 'cli-sqlconn-5b7d', 'p@ss-cli-3f9a');
    expect(out.stderr).toContain('values: ');
  });

  it('redacts configuration arguments after --, in the --Key=value and --Key value forms', async () => {
    const argSecret = 'cli-arg-secret-55c3';
    const sak = 'cli-sak-0e9d71';
    failures.load = (o) => new Error(`rejected ${o.args!.join(' ')}`);
    const out = await run(['show', '--', `--Redis:Password=${argSecret}`, '--ConnectionStrings:Bus', `Endpoint=sb://bus/;SharedAccessKey=${sak}`, '--Service:Port=8080'], {});
    expectScrubbed(out, argSecret, sak);
    expect(out.stderr).toContain('--Service:Port=8080');
  });

  it('leaves ordinary values, paths and the working directory alone', async () => {
    failures.load = () => new Error(`cannot read /srv/app/appsettings.json for orders-api`);
    const out = await run(['show'], { PWD: '/srv/app', Service__Name: 'orders-api' });
    expect(out.stderr).toBe('error: cannot read /srv/app/appsettings.json for orders-api\n');
  });
});

describe('layered-config: every other error path', () => {
  it('redacts the tree’s secret values (secret by provider only) in a foreign error after loading', async () => {
    const merchant = 'fixture-merchant-code-91c2'; // user secrets, under a key that does not look secret
    failures.check = (config) => new Error(`check failed on ${config.get('Payments:MerchantCode')}`);
    const out = await run(['check', '--cwd', fixture, '-e', 'Development'], { APPDATA: path.join(fixture, 'appdata') });
    expect(out.code).toBe(1);
    expectScrubbed(out, merchant);
  });

  it('shows our own error about a vault URL with a password without the password', async () => {
    const out = await run(['show', '--cwd', fixture], { AZURE_KEYVAULT_RESOURCEENDPOINT: 'https://user:cli-kv-url-pw-4471@bad vault' });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/^error \[KEY_VAULT_OPTIONS\]: .*bad vault \(user info, query or fragment removed\)/);
    expect(out.stderr).not.toContain('cli-kv-url-pw-4471');
    expect(out.stdout).not.toContain('cli-kv-url-pw-4471');
  });

  it('redacts secrets in usage errors (configuration arguments given without --)', async () => {
    const out = await run(['show', 'Redis:Password=cli-positional-8e2b'], {});
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/^Unknown command or arguments: show Redis:Password=<redacted sha256:[0-9a-f]{8}>\n\nUsage:/);
    expectScrubbed(out, 'cli-positional-8e2b');
  });
});
