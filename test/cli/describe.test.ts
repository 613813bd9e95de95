import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse as parseDotenv } from 'dotenv';
import { afterAll, describe, expect, it } from 'vitest';
import { type } from 'arktype';
import * as v from 'valibot';
import { z } from 'zod';
import { dictionaryOf } from '../../src/binding/bind.js';
import { describeSchema, environmentVariableName, keyVaultSecretName } from '../../src/binding/describe.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const bin = path.join(repo, 'bin/layered-config.js');
const fixture = path.join(repo, 'fixtures/app');

/** The secret values planted in fixtures/app (as test/cli/cli.test.ts lists them): describe reads none of them. */
const FIXTURE_SECRETS = ['Zml4dHVyZS1zaWduYWxyLWtleS1wcm9kdWN0aW9u', 'Zml4dHVyZS1zaWduYWxyLWtleS1lYXN0', 'fixture-redis-password-3b9d', 'fixture-merchant-code-91c2'];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const outputs: string[] = [];
/** Runs the built binary (`npm run build` first), as a user would. */
function run(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), APPDATA: path.join(fixture, 'appdata') }, cwd: repo },
      (error, stdout, stderr) => {
        outputs.push(stdout, stderr);
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}

const dirs: string[] = [];
function tempApp(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lc-describe-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  for (const out of outputs) for (const secret of FIXTURE_SECRETS) expect(out).not.toContain(secret);
});

/** The table row of a key, split into its columns (two or more spaces apart). */
function row(stdout: string, key: string): string[] {
  const line = stdout.split('\n').find((l) => l.startsWith(`${key} `));
  if (!line) throw new Error(`no row for ${key} in:\n${stdout}`);
  return line.split(/ {2,}/);
}

describe('layered-config describe on fixtures/app (zod schema named in package.json)', () => {
  it('prints each setting with type, default, secrecy and the environment and Key Vault names', async () => {
    const { code, stdout, stderr } = await run(['describe', '--cwd', fixture]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^# 13 settings declared by .*fixtures\/app\/schema\.mjs$/m);
    expect(row(stdout, 'Redis:Password')).toEqual(['Redis:Password', 'string', 'yes', 'Redis__Password', 'Redis--Password']);
    expect(row(stdout, 'Service:Port')).toEqual(['Service:Port', 'integer', '"8080"', 'no', 'Service__Port', 'Service--Port']);
    // z.stringbool().default(true): a string on the input side, a boolean defaulting to true on the output side
    expect(row(stdout, 'Redis:Ssl')).toEqual(['Redis:Ssl', 'boolean', '"true"', 'no', 'Redis__Ssl', 'Redis--Ssl']);
    expect(row(stdout, 'Redis:Host')).toEqual(['Redis:Host', 'string', '(required)', 'no', 'Redis__Host', 'Redis--Host']);
    expect(row(stdout, 'Logging:LogLevel:Default')[1]).toBe('one of "Trace" | "Debug" | "Information" | "Warning" | "Error" | "Critical" | "None"');
    expect(row(stdout, 'Service:Features')).toContain('Service__Features__0, __1…');
    // inside an optional section nothing is required
    expect(row(stdout, 'Payments:MerchantCode')).toEqual(['Payments:MerchantCode', 'string', 'yes', 'Payments__MerchantCode', 'Payments--MerchantCode']);
    expect(stdout).toContain('#   Service:Name: The service name in logs and metrics');
  });

  it('--format env writes a .env.example: defaults filled in, secrets blank, names that map back to the keys', async () => {
    const { code, stdout } = await run(['describe', '--cwd', fixture, '--format', 'env']);
    expect(code).toBe(0);
    const parsed = parseDotenv(stdout);
    expect(parsed.Redis__Password).toBe('');
    expect(parsed.Payments__MerchantCode).toBe('');
    expect(parsed.Service__Port).toBe('8080');
    expect(parsed.AllowedHosts).toBe('*');
    expect(parsed.Logging__LogLevel__Default).toBe('Information');
    expect(parsed.Service__Enabled).toBe('true');
    expect(stdout).toMatch(/^# Redis:Password \(string, secret\)$/m);
    const described = JSON.parse((await run(['describe', '--cwd', fixture, '--json'])).stdout) as Array<{ key: string }>;
    // every line sets a declared key (an array through its element 0)
    const keys = new Set(described.map((s) => s.key.toLowerCase()));
    for (const name of Object.keys(parsed)) expect(keys.has(name.replace(/__0$/, '').split('__').join(':').toLowerCase())).toBe(true);
  });

  it('--schema <module>#<export> names the module explicitly; --json gives the descriptions', async () => {
    const { code, stdout } = await run(['describe', '--cwd', fixture, '--schema', './schema.mjs#schema', '--json']);
    expect(code).toBe(0);
    const settings = JSON.parse(stdout) as Array<Record<string, unknown>>;
    expect(settings.find((s) => s.key === 'Redis:Ssl')).toMatchObject({ environmentVariable: 'Redis__Ssl', keyVaultSecret: 'Redis--Ssl', secret: false });
    expect(settings.find((s) => s.key === 'Service:Timeouts:Read')).toMatchObject({ type: 'integer', default: '30', doc: 'Seconds' });
  });
});

describe('layered-config describe with other schema forms', () => {
  it('a convict schema: format, default, sensitive and doc', async () => {
    const dir = tempApp({
      'schema.mjs': `export default { Db: { Password: { doc: 'database password', format: String, default: 'changeme', sensitive: true }, Port: { format: 'port', default: 5432 } }, Mode: { format: ['a', 'b'], default: 'a' } };`,
    });
    const { code, stdout } = await run(['describe', '--cwd', dir, '--schema', 'schema.mjs']);
    expect(code).toBe(0);
    expect(row(stdout, 'Db:Password')).toEqual(['Db:Password', 'string', '<redacted>', 'yes', 'Db__Password', 'Db--Password']);
    expect(stdout).not.toContain('changeme');
    expect(row(stdout, 'Db:Port')).toEqual(['Db:Port', 'port', '"5432"', 'no', 'Db__Port', 'Db--Port']);
    expect(row(stdout, 'Mode')[1]).toBe('one of "a" | "b"');
    const env = (await run(['describe', '--cwd', dir, '--schema', 'schema.mjs', '--format', 'env'])).stdout;
    expect(parseDotenv(env)).toEqual({ Db__Password: '', Db__Port: '5432', Mode: 'a' });
  });

  it('a defaults object: types from the defaults; a key a Key Vault secret name cannot hold is said so', async () => {
    const dir = tempApp({ 'settings.mjs': `export const defaults = { Logging: { 'Microsoft.AspNetCore': 'Warning' }, Retries: 3, Hosts: ['a b', 'c'] };` });
    const { code, stdout } = await run(['describe', '--cwd', dir, '--schema', 'settings.mjs#defaults']);
    expect(code).toBe(0);
    expect(row(stdout, 'Logging:Microsoft.AspNetCore')).toEqual(['Logging:Microsoft.AspNetCore', 'string', '"Warning"', 'no', 'Logging__Microsoft.AspNetCore', '(not a valid secret name)']);
    expect(row(stdout, 'Retries')[1]).toBe('number');
    const env = parseDotenv((await run(['describe', '--cwd', dir, '--schema', 'settings.mjs#defaults', '--format', 'env'])).stdout);
    expect(env).toMatchObject({ Retries: '3', Hosts__0: 'a b', Hosts__1: 'c' });
  });

  it('fails clearly: no schema named, a missing export, a Standard Schema without JSON Schema, an unknown format', async () => {
    const empty = tempApp({ 'package.json': '{ "name": "x" }' });
    const none = await run(['describe', '--cwd', empty]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^error \[USAGE\]: No schema to describe: pass --schema/);
    const missing = await run(['describe', '--cwd', fixture, '--schema', 'schema.mjs#nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("has no export 'nope' (its exports: schema)");
    const valibot = pathToFileURL(path.join(repo, 'node_modules/valibot/dist/index.mjs')).href;
    const dir = tempApp({ 'v.mjs': `import * as v from '${valibot}'; export const schema = v.object({ a: v.string() });` });
    const noJson = await run(['describe', '--cwd', dir, '--schema', 'v.mjs']);
    expect(noJson.code).toBe(1);
    expect(noJson.stderr).toMatch(/INVALID_SCHEMA.*does not expose JSON Schema/);
    const format = await run(['describe', '--cwd', fixture, '--format', 'yaml']);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain("Unknown --format 'yaml'");
  });
});

describe('describeSchema', () => {
  it('maps keys to the names that set them', () => {
    expect(environmentVariableName('Azure:SignalR:ConnectionString')).toBe('Azure__SignalR__ConnectionString');
    expect(keyVaultSecretName('Azure:SignalR:ConnectionString')).toBe('Azure--SignalR--ConnectionString');
    expect(keyVaultSecretName('Logging:Microsoft.AspNetCore')).toBeUndefined();
  });

  it('describes defaults objects: dictionaries from dictionaryOf, dates and URLs', () => {
    const settings = describeSchema({ Hosts: dictionaryOf({ Port: 0 }), Since: new Date(0), Home: new URL('https://example.test/'), Ports: dictionaryOf(0) });
    expect(settings.map((s) => [s.key, s.type, s.default])).toEqual([
      ['Hosts:<name>', 'dictionary entry (object)', undefined],
      ['Since', 'date', '1970-01-01T00:00:00.000Z'],
      ['Home', 'url', 'https://example.test/'],
      ['Ports:<name>', 'dictionary entry (number)', undefined],
    ]);
  });

  it('reads arktype through the same extension: the output type of a parse, optional keys not required', () => {
    const settings = describeSchema(type({ host: 'string', port: 'string.numeric.parse', 'ssl?': "'true' | 'false'" }));
    expect(settings.map((s) => [s.key, s.type, s.required])).toEqual([
      ['host', 'string', true],
      ['port', 'number', true],
      ['ssl', 'one of "false" | "true"', false],
    ]);
  });

  it('refuses a Standard Schema without JSON Schema (valibot) and anything that is no schema', () => {
    expect(() => describeSchema(v.object({ a: v.string() }))).toThrow(expect.objectContaining({ code: 'INVALID_SCHEMA' }));
    expect(() => describeSchema('not a schema')).toThrow(expect.objectContaining({ code: 'INVALID_SCHEMA' }));
  });

  it('reads JSON Schema from zod: $ref definitions, writeOnly as secret, descriptions', () => {
    const port = z.coerce.number().int().meta({ id: 'port' });
    const settings = describeSchema(z.object({ A: z.object({ Port: port }), B: z.object({ Port: port }), Token: z.string().meta({ writeOnly: true }) }));
    expect(settings.map((s) => [s.key, s.type, s.secret])).toEqual([
      ['A:Port', 'integer', false],
      ['B:Port', 'integer', false],
      ['Token', 'string', true],
    ]);
  });
});
