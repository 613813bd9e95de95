import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dotenvFileNames, loadConfig, type LoadConfigOptions } from '../../src/loadConfig.js';
import { LocalSettingsEncryptedError } from '../../src/parsers/localSettings.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function app(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lc-local-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

async function load(cwd: string, extra: LoadConfigOptions = {}) {
  return loadConfig({ cwd, env: {}, args: [], reloadOnChange: false, ...extra });
}

// Every file sets Winner; each also sets its own key, so both the order and the presence show.
const DOTENV_FILES = {
  '.env': 'Winner=env\nFrom__Env=1\n',
  '.env.local': 'Winner=env.local\nFrom__Local=1\n',
  '.env.development': 'Winner=env.development\nFrom__Environment=1\n',
  '.env.development.local': 'Winner=env.development.local\nFrom__EnvironmentLocal=1\n',
  '.env.test': 'Winner=env.test\n',
  '.env.test.local': 'Winner=env.test.local\n',
};

describe('.env files', () => {
  it('reads .env, .env.local, .env.{environment}, .env.{environment}.local, later winning (Vite and dotenv-flow order)', async () => {
    expect(dotenvFileNames('Development')).toEqual(['.env', '.env.local', '.env.development', '.env.development.local']);
    const cwd = app(DOTENV_FILES);
    const config = await load(cwd, { environment: 'Development' });
    expect(config.get('Winner')).toBe('env.development.local');
    expect(config.getSection('From').bind({ Env: '', Local: '', Environment: '', EnvironmentLocal: '' })).toEqual({
      Env: '1',
      Local: '1',
      Environment: '1',
      EnvironmentLocal: '1',
    });
    expect(config.explain('Winner')!.overridden.map((o) => path.basename(o.source ?? '').split(':')[0])).toEqual([
      '.env.development',
      '.env.local',
      '.env',
    ]);
    await config.dispose();
  });

  it('an environment file beats .env.local (the documented choice; Next.js ranks them the other way)', async () => {
    const config = await load(app({ '.env.local': 'Winner=local\n', '.env.staging': 'Winner=staging\n' }), { environment: 'Staging' });
    expect(config.get('Winner')).toBe('staging');
    await config.dispose();
  });

  it('skips .env.local in Test, so tests do not depend on a developer machine', async () => {
    expect(dotenvFileNames('Test')).toEqual(['.env', '.env.test', '.env.test.local']);
    // `Local` (a name .NET teams use) has `.env.local` as its own file, listed once
    expect(dotenvFileNames('Local')).toEqual(['.env', '.env.local', '.env.local.local']);
    const config = await load(app(DOTENV_FILES), { environment: 'Test' });
    expect(config.get('Winner')).toBe('env.test.local');
    expect(config.get('From:Local')).toBeUndefined();
    await config.dispose();
  });

  it('matches the environment name case-insensitively and reads none with dotenv: false', async () => {
    const cwd = app({ '.env.Production': 'Winner=prod\n' });
    const config = await load(cwd, { environment: 'PRODUCTION' });
    expect(config.get('Winner')).toBe('prod');
    await config.dispose();
    const off = await load(app(DOTENV_FILES), { environment: 'Development', dotenv: false });
    expect(off.get('Winner')).toBeUndefined();
    await off.dispose();
  });
});

const LOCAL_SETTINGS = JSON.stringify({
  IsEncrypted: false,
  Values: { FUNCTIONS_WORKER_RUNTIME: 'node', Redis__Host: 'from-local-settings', Winner: 'local.settings' },
  ConnectionStrings: { Db: 'Server=db;Password=local-pw' },
});

describe('local.settings.json', () => {
  it('is read automatically beside host.json, after the .env files and before the environment variables', async () => {
    const cwd = app({ 'host.json': '{"version":"2.0"}', 'local.settings.json': LOCAL_SETTINGS, '.env': 'Winner=dotenv\nOnly__Dotenv=1\n' });
    const config = await load(cwd, { env: { Redis__Host: 'from-env' } });
    expect(config.get('FUNCTIONS_WORKER_RUNTIME')).toBe('node');
    // A variable already in the environment wins, as Core Tools skips a setting the environment defines.
    expect(config.get('Redis:Host')).toBe('from-env');
    expect(config.get('Winner')).toBe('local.settings');
    expect(config.get('Only:Dotenv')).toBe('1');
    expect(config.getConnectionString('Db')).toBe('Server=db;Password=local-pw');
    expect(config.explain('Winner')).toMatchObject({ provider: expect.stringContaining('LocalSettingsConfigurationProvider'), source: `${path.join(cwd, 'local.settings.json')}:Values:Winner` });
    expect(config.isSecret('ConnectionStrings:Db')).toBe(true);
    expect(config.debugView()).not.toContain('local-pw');
    await config.dispose();
  });

  it('is not read without host.json unless asked for; false turns it off; a path reads that file (and must exist)', async () => {
    const noHost = app({ 'local.settings.json': LOCAL_SETTINGS });
    const plain = await load(noHost);
    expect(plain.get('Winner')).toBeUndefined();
    await plain.dispose();
    const asked = await load(noHost, { localSettings: true });
    expect(asked.get('Winner')).toBe('local.settings');
    await asked.dispose();

    const off = await load(app({ 'host.json': '{}', 'local.settings.json': LOCAL_SETTINGS }), { localSettings: false });
    expect(off.get('Winner')).toBeUndefined();
    await off.dispose();

    const elsewhere = app({ 'functions.settings.json': LOCAL_SETTINGS });
    const byPath = await load(elsewhere, { localSettings: 'functions.settings.json' });
    expect(byPath.get('Winner')).toBe('local.settings');
    await byPath.dispose();
    await expect(load(elsewhere, { localSettings: 'missing.json' })).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });

  it('an encrypted file fails the load with a typed error naming the file', async () => {
    const cwd = app({ 'host.json': '{}', 'local.settings.json': '{"IsEncrypted": true, "Values": {"A": "AQAAANCMnd8BFdERjHoAwE"}}' });
    const error = (await load(cwd).catch((e: unknown) => e)) as Error & { code: string };
    expect(error).toBeInstanceOf(LocalSettingsEncryptedError);
    expect(error.code).toBe('LOCAL_SETTINGS_ENCRYPTED');
    expect(error.message).toContain(path.join(cwd, 'local.settings.json'));
    expect(error.message).not.toContain('AQAAANCMnd8BFdERjHoAwE');
  });
});

describe('.env files when present', () => {
  it('adds a layer only for the .env files present (SPEC §7), so absent ones do not crowd providers and show', async () => {
    const root = await load(app({ '.env': 'A=1\n', '.env.development': 'B=2\n' }), { environment: 'Development' });
    expect(root.providers.map((p) => p.name).filter((n) => n.startsWith('Dotenv'))).toEqual([
      expect.stringContaining("/.env' (Optional)"),
      expect.stringContaining("/.env.development' (Optional)"),
    ]);
    expect([root.get('A'), root.get('B')]).toEqual(['1', '2']);
    await root.dispose();
  });
});

describe('file names from the environment name', () => {
  it('never reads a file outside the content root, whatever the environment name (as .NET\'s file provider)', async () => {
    const parent = mkdtempSync(path.join(os.tmpdir(), 'lc-root-'));
    dirs.push(parent);
    const cwd = path.join(parent, 'app');
    mkdirSync(cwd);
    writeFileSync(path.join(cwd, 'appsettings.json'), '{"Inside": "yes"}');
    writeFileSync(path.join(parent, 'evil.json'), '{"Evil": "read"}');
    writeFileSync(path.join(parent, 'evil'), 'Evil=read\n');
    const root = await load(cwd, { environment: 'x/../../evil' });
    expect(root.get('Inside')).toBe('yes');
    expect(root.get('Evil')).toBeUndefined();
    await root.dispose();
  });

  it('treats a directory named appsettings.json as a missing optional file, as .NET does', async () => {
    const cwd = app({ 'appsettings.Production.json': '{"Env": "prod"}' });
    mkdirSync(path.join(cwd, 'appsettings.json'));
    const root = await load(cwd);
    expect(root.get('Env')).toBe('prod');
    await root.dispose();
  });
});
