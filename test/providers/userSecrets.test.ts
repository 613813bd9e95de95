import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, ConfigurationFileNotFoundError, ConfigurationParseError } from '../../src/core/errors.js';
import { findUserSecretsId, userSecretsPath, UserSecretsProvider } from '../../src/providers/userSecrets.js';
import { pairsOf, recordingSink, useTempDirPerTest, valueOf, waitFor } from './helpers.js';

const tmp = useTempDirPerTest();

const ID = 'b5a7c0d2-6f4e-4c8a-9f1e-2d3c4b5a6978';

async function writeSecrets(root: string, id: string, text: string, appData = false): Promise<string> {
  const folder = appData ? join(root, 'Microsoft', 'UserSecrets', id) : join(root, '.microsoft', 'usersecrets', id);
  await mkdir(folder, { recursive: true });
  const file = join(folder, 'secrets.json');
  await writeFile(file, text);
  return file;
}

describe('userSecretsPath: .NET PathHelper', () => {
  it('uses APPDATA first, with the Windows folder names', () => {
    expect(userSecretsPath(ID, { APPDATA: '/appdata', HOME: '/home/u' })).toBe(join('/appdata', 'Microsoft', 'UserSecrets', ID, 'secrets.json'));
  });

  it('uses HOME, else the application-data folder (XDG_CONFIG_HOME when it exists), with the lower-case folder names (.NET 10 measured)', () => {
    const tail = ['.microsoft', 'usersecrets', ID, 'secrets.json'];
    expect(userSecretsPath(ID, { HOME: '/home/u', DOTNET_USER_SECRETS_FALLBACK_DIR: '/fb' })).toBe(join('/home/u', ...tail));
    // HOME unset: .NET asks GetFolderPath(ApplicationData), XDG_CONFIG_HOME if absolute, and only if that folder exists
    expect(userSecretsPath(ID, { XDG_CONFIG_HOME: tmp.dir, USERPROFILE: '/profile' })).toBe(join(tmp.dir, ...tail));
    // USERPROFILE is not read; a missing folder leaves no root, so the fallback variable is the root
    expect(userSecretsPath(ID, { XDG_CONFIG_HOME: join(tmp.dir, 'missing'), USERPROFILE: '/profile', DOTNET_USER_SECRETS_FALLBACK_DIR: '/fb' })).toBe(
      join('/fb', ...tail),
    );
  });

  it('counts a variable set to an empty string as set, leaving no root, as .NET\'s ?? does (.NET 10 measured)', () => {
    for (const env of [{ APPDATA: '', HOME: '/home/u' }, { HOME: '', XDG_CONFIG_HOME: tmp.dir }]) {
      expect(() => userSecretsPath(ID, env)).toThrow(expect.objectContaining({ code: 'USER_SECRETS_LOCATION' }));
      expect(userSecretsPath(ID, env, { throwIfNoRoot: false })).toBe('');
    }
  });

  it('fails with .NET message when there is no root', () => {
    expect(() => userSecretsPath(ID, { HOME: '' })).toThrowError(
      'Could not determine an appropriate location for storing user secrets. Set the DOTNET_USER_SECRETS_FALLBACK_DIR environment variable to a folder where user secrets should be stored.',
    );
  });

  it.each([
    ['a/b', '/', 1],
    ['..\\x', '\\', 2],
    ['id:1', ':', 2],
    ['x*', '*', 1],
    ['tab\there', '\\u0009', 3],
  ])('rejects the id %j naming the character and its index', (id, shown, index) => {
    expect(() => userSecretsPath(id, { HOME: '/h' })).toThrowError(`Invalid character '${shown}' found in the user secrets ID at index '${index}'.`);
  });

  it('rejects ids that would leave the store, and an empty id with .NET\'s message', () => {
    expect(() => userSecretsPath('..', { HOME: '/h' })).toThrow(ConfigurationError);
    expect(() => userSecretsPath('', { HOME: '/h' })).toThrowError("Value cannot be null or an empty string. (Parameter 'userSecretsId')");
  });
});

describe('findUserSecretsId', () => {
  it('reads userSecretsId from the nearest package.json above the directory', async () => {
    await writeFile(join(tmp.dir, 'package.json'), JSON.stringify({ name: 'app', userSecretsId: ID }));
    await mkdir(join(tmp.dir, 'src', 'deep'), { recursive: true });
    expect(findUserSecretsId(join(tmp.dir, 'src', 'deep'))).toEqual({ id: ID, packageJson: join(tmp.dir, 'package.json') });
  });

  it('tmp.stops at the first package.json even without the field', async () => {
    await writeFile(join(tmp.dir, 'package.json'), JSON.stringify({ userSecretsId: ID }));
    await mkdir(join(tmp.dir, 'pkg'));
    await writeFile(join(tmp.dir, 'pkg', 'package.json'), JSON.stringify({ name: 'inner' }));
    expect(findUserSecretsId(join(tmp.dir, 'pkg'))).toEqual({ packageJson: join(tmp.dir, 'pkg', 'package.json') });
  });
});

describe('UserSecretsProvider', () => {
  it('loads secrets.json from the store with the JSON rules; every value is secret', async () => {
    const home = join(tmp.dir, 'home');
    const file = await writeSecrets(home, ID, '{"Db": {"Password": "s3cr3t"}, "Api": {"Keys": ["k1"]}}');
    const provider = new UserSecretsProvider({ id: ID, env: { HOME: home } });
    expect(provider.secret).toBe(true);
    expect(provider.secretsPath).toBe(file);
    expect(provider.name).toBe(`UserSecretsConfigurationProvider for '${ID}'`);
    const data = await provider.load();
    expect(pairsOf(data)).toEqual([
      ['Db:Password', 's3cr3t'],
      ['Api:Keys:0', 'k1'],
    ]);
    expect(data.get('db:password')?.source).toBe(file);
  });

  it('finds the store under APPDATA and the id in package.json', async () => {
    const appData = join(tmp.dir, 'appdata');
    await writeSecrets(appData, ID, '{"FromAppData": "yes"}', true);
    await writeFile(join(tmp.dir, 'package.json'), JSON.stringify({ userSecretsId: ID }));
    const provider = new UserSecretsProvider({ env: { APPDATA: appData, HOME: join(tmp.dir, 'home') }, packageJsonDir: tmp.dir });
    expect(provider.id).toBe(ID);
    expect(valueOf(await provider.load(), 'FromAppData')).toBe('yes');
  });

  it('treats a missing secrets file as empty', async () => {
    const data = await new UserSecretsProvider({ id: ID, env: { HOME: join(tmp.dir, 'nobody') } }).load();
    expect(data.size).toBe(0);
  });

  it('gives no keys without an id by default, and fails the load without one when optional is false', async () => {
    await writeFile(join(tmp.dir, 'package.json'), JSON.stringify({ name: 'no-id' }));
    const lenient = new UserSecretsProvider({ env: { HOME: tmp.dir }, packageJsonDir: tmp.dir });
    expect(lenient.id).toBeUndefined();
    expect((await lenient.load()).size).toBe(0);
    const strict = new UserSecretsProvider({ env: { HOME: tmp.dir }, packageJsonDir: tmp.dir, optional: false });
    await expect(strict.load()).rejects.toThrowError(
      `Could not find a user secrets ID: pass { id } or set 'userSecretsId' in package.json ('${join(tmp.dir, 'package.json')}' has no 'userSecretsId').`,
    );
  });

  it('fails the load for an invalid id, even when optional', async () => {
    await expect(new UserSecretsProvider({ id: 'a/b', env: { HOME: tmp.dir } }).load()).rejects.toMatchObject({
      code: 'USER_SECRETS_ID',
      provider: "UserSecretsConfigurationProvider for 'a/b'",
    });
  });

  it('gives no keys without a store location unless optional is false (.NET 10 measured)', async () => {
    const lenient = new UserSecretsProvider({ id: ID, env: { HOME: '' } });
    expect(lenient.secretsPath).toBeUndefined();
    expect((await lenient.load()).size).toBe(0);
    await expect(new UserSecretsProvider({ id: ID, env: { HOME: '' }, optional: false }).load()).rejects.toMatchObject({
      code: 'USER_SECRETS_LOCATION',
    });
  });

  it('fails the load for a missing secrets.json when optional is false (AddUserSecrets_DoesThrowsIfNotOptionalAndSecretDoesNotExist)', async () => {
    const home = join(tmp.dir, 'nobody');
    const error = await new UserSecretsProvider({ id: ID, env: { HOME: home }, optional: false }).load().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationFileNotFoundError);
    expect((error as Error).message).toContain(join(home, '.microsoft', 'usersecrets', ID, 'secrets.json'));
  });

  it('reports malformed secrets without quoting them', async () => {
    const home = join(tmp.dir, 'home');
    await writeSecrets(home, ID, '{"Password": hunter2}');
    const err = await new UserSecretsProvider({ id: ID, env: { HOME: home } }).load().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigurationParseError);
    expect((err as Error).message).toContain('secrets.json');
    expect((err as Error).message).not.toContain('hunter2');
  });

  it('reloads on change when asked', async () => {
    const home = join(tmp.dir, 'home');
    const file = await writeSecrets(home, ID, '{"Token": "one"}');
    const provider = new UserSecretsProvider({ id: ID, env: { HOME: home }, reloadOnChange: true });
    await provider.load();
    const sink = recordingSink();
    tmp.stops.push(provider.watch(sink));
    await writeFile(file, '{"Token": "two"}');
    await waitFor(() => sink.updates.length > 0, 'the reload');
    expect(valueOf(sink.updates.at(-1)!, 'Token')).toBe('two');
  });
});
