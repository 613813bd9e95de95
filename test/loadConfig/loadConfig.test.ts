import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, remoteLayers, resolveEnvironmentName, type RemoteLayer } from '../../src/loadConfig.js';

let dir: string;
let appdata: string;
const secretsId = 'lc-test-app-1';

function write(file: string, text: string): void {
  const full = path.join(dir, file);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, text);
}

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'lc-load-'));
  appdata = path.join(dir, 'appdata');
  write('package.json', JSON.stringify({ name: 'x', userSecretsId: secretsId }));
  // Each layer sets its own key and overrides every earlier one's `Winner`.
  write('appsettings.json', JSON.stringify({ Winner: 'json', Layer: { Json: 'yes' } }));
  write('appsettings.Development.json', JSON.stringify({ Winner: 'json-env', Layer: { JsonEnv: 'yes' } }));
  write(`appdata/Microsoft/UserSecrets/${secretsId}/secrets.json`, JSON.stringify({ Winner: 'secrets', Layer: { Secrets: 'yes' } }));
  write('.env', 'Winner=dotenv\nLayer__Dotenv=yes\n');
  write('.env.development', 'Winner=dotenv-env\nLayer__DotenvEnv=yes\n');
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('loadConfig', () => {
  it('stacks the layers in SPEC order, later winning', async () => {
    const env = { APPDATA: appdata, DOTNET_ENVIRONMENT: 'Development', Layer__Env: 'yes', WINNER: 'env' };
    const base = { cwd: dir, env };
    const expectWinner = async (args: string[], winner: string) => {
      const config = await loadConfig({ ...base, args });
      expect(config.get('winner')).toBe(winner);
      await config.dispose();
    };
    await expectWinner(['--Winner=args'], 'args');
    await expectWinner([], 'env');
    const config = await loadConfig({ ...base, args: [] });
    expect(config.getSection('Layer').getChildren().map((c) => c.key)).toEqual(['Dotenv', 'DotenvEnv', 'Env', 'Json', 'JsonEnv', 'Secrets']);
    const explained = config.explain('Winner')!;
    expect(explained.overridden.map((o) => o.value)).toEqual(['dotenv-env', 'dotenv', expect.stringMatching(/^<redacted/), 'json-env', 'json']);
    await config.dispose();
  });

  it('reads user secrets only in Development, and environment files by a case-insensitive name', async () => {
    const prod = await loadConfig({ cwd: dir, env: { APPDATA: appdata }, args: [] });
    expect(prod.get('Layer:Secrets')).toBeUndefined();
    expect(prod.get('Layer:JsonEnv')).toBeUndefined();
    expect(prod.get('Winner')).toBe('dotenv');
    await prod.dispose();
    const dev = await loadConfig({ cwd: dir, env: { APPDATA: appdata, NODE_ENV: 'development' }, args: [] });
    expect(dev.get('Layer:JsonEnv')).toBe('yes');
    expect(dev.get('Layer:Secrets')).toBe('yes');
    expect(dev.get('Layer:DotenvEnv')).toBe('yes');
    await dev.dispose();
  });

  it('never writes to process.env', async () => {
    const before = { ...process.env };
    const config = await loadConfig({ cwd: dir, environment: 'Development', env: { APPDATA: appdata }, args: [] });
    expect(process.env).toEqual(before);
    expect(process.env.Layer__Dotenv).toBeUndefined();
    await config.dispose();
  });

  it('works in a directory with no files at all', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'lc-empty-'));
    try {
      const config = await loadConfig({ cwd: empty, env: { A__B: 'c' }, args: ['--X=1'] });
      expect(config.get('A:B')).toBe('c');
      expect(config.get('x')).toBe('1');
      await config.dispose();
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('loadConfig with a remote layer that cannot be created', () => {
  it('disposes the remote providers already created and rethrows', async () => {
    let disposed = 0;
    const created: RemoteLayer = {
      name: 'TestCreated',
      create: async () => ({ name: 'TestCreatedProvider', load: async () => new Map(), dispose: () => void disposed++ }),
    };
    const broken: RemoteLayer = {
      name: 'TestBroken',
      create: async () => {
        throw new Error('layer options invalid');
      },
    };
    remoteLayers.push(created, broken);
    try {
      await expect(loadConfig({ cwd: dir, env: {}, args: [] })).rejects.toThrow('layer options invalid');
      expect(disposed).toBe(1);
    } finally {
      remoteLayers.splice(remoteLayers.indexOf(created), 2);
    }
  });
});

describe('loadConfig({ schema })', () => {
  const schema = {
    Service: { Port: { format: 'port', default: 3000 }, Name: { format: String, default: 'svc' } },
    Db: { Password: { format: String, default: '', sensitive: true } },
    Workers: { format: 'nat', default: 1 },
  };

  it('returns the validated, typed settings and marks sensitive keys secret', async () => {
    write('appsettings.json', JSON.stringify({ service: { port: '8080' }, Db: { Password: 'opaque-value-771' } }));
    const config = await loadConfig({ cwd: dir, env: {}, args: [], schema });
    expect(config.settings.Service.Port).toBe(8080);
    expect(config.settings.Service.Name).toBe('svc');
    expect(config.isSecret('Db:Password')).toBe(true);
    expect(config.debugView()).not.toContain('opaque-value-771');
    await config.dispose();
  });

  it('reports every violation at once with its key and file, never a sensitive value', async () => {
    write('appsettings.json', JSON.stringify({ Service: { Port: 'http' }, Db: { Password: 'opaque-value-771' }, Workers: 'many' }));
    const error = await loadConfig({ cwd: dir, env: {}, args: ['--Service:Name=x', '--Service:Port=99999'], schema }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'VALIDATION' });
    const violations = (error as { violations: Array<{ key: string; provider?: string }> }).violations;
    expect(violations.map((v) => v.key).sort()).toEqual(['Service:Port', 'Workers']);
    expect(JSON.stringify(violations) + (error as Error).message).not.toContain('opaque-value-771');
    expect(violations.find((v) => v.key === 'Service:Port')!.provider).toBe('CommandLineConfigurationProvider');
  });
});

describe('resolveEnvironmentName', () => {
  it('prefers the option, then DOTNET_ENVIRONMENT, ASPNETCORE_ENVIRONMENT, NODE_ENV, else Production', () => {
    const env = { DOTNET_ENVIRONMENT: 'Staging', ASPNETCORE_ENVIRONMENT: 'Test', NODE_ENV: 'development' };
    expect(resolveEnvironmentName({ environment: 'Local' }, env)).toBe('Local');
    expect(resolveEnvironmentName({}, env)).toBe('Staging');
    expect(resolveEnvironmentName({}, { ASPNETCORE_ENVIRONMENT: 'Test', NODE_ENV: 'development' })).toBe('Test');
    expect(resolveEnvironmentName({}, { NODE_ENV: 'development' })).toBe('development');
    expect(resolveEnvironmentName({}, { DOTNET_ENVIRONMENT: '  ' })).toBe('Production');
  });
});
