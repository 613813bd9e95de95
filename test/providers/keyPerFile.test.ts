import { mkdir, rename, symlink, writeFile } from 'node:fs/promises';
import { EOL } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigurationBuilder } from '../../src/builder.js';
import { ConfigurationFileNotFoundError, DuplicateKeyError } from '../../src/core/errors.js';
import { loadConfig } from '../../src/loadConfig.js';
import { KeyPerFileProvider } from '../../src/providers/keyPerFile.js';
import { keyFromFileName, valueFromFileBytes } from '../../src/parsers/keyPerFile.js';
import { pairsOf, recordingSink, useTempDirPerTest, valueOf, waitFor } from './helpers.js';

const tmp = useTempDirPerTest();
const bytes = (s: string) => new TextEncoder().encode(s);

describe('key-per-file rules (KeyPerFileTests in dotnet/aspnetcore)', () => {
  it('maps `__` to `:` left to right, as file names are keys (ReadsFilesAsKeyValuePairs…)', () => {
    expect(keyFromFileName('Secret1__Nested')).toBe('Secret1:Nested');
    expect(keyFromFileName('a___b')).toBe('a:_b');
    expect(keyFromFileName('a.b', '.')).toBe('a:b');
  });

  it('removes one trailing platform newline only, and a byte-order mark (TrimNewLine + StreamReader)', () => {
    expect(valueFromFileBytes(bytes('value\n'), '\n')).toBe('value');
    expect(valueFromFileBytes(bytes('value\n\n'), '\n')).toBe('value\n');
    expect(valueFromFileBytes(bytes('value\r\n'), '\n')).toBe('value\r');
    expect(valueFromFileBytes(bytes('value\r\n'), '\r\n')).toBe('value');
    expect(valueFromFileBytes(bytes(' value '), '\n')).toBe(' value ');
    expect(valueFromFileBytes(bytes('\uFEFFvalue'), '\n')).toBe('value');
    expect(valueFromFileBytes(new Uint8Array([0xff, 0xfe, 0x76, 0x00]), '\n')).toBe('v');
  });
});

describe('KeyPerFileProvider', () => {
  it('reads each file as one secret key, skipping `..data`, dot files and sub-directories', async () => {
    await writeFile(join(tmp.dir, 'Redis__Password'), `p4ss${EOL}`);
    await writeFile(join(tmp.dir, 'Plain'), 'x');
    await writeFile(join(tmp.dir, '.hidden'), 'h');
    await mkdir(join(tmp.dir, '..data'));
    await mkdir(join(tmp.dir, 'sub'));
    await writeFile(join(tmp.dir, 'sub', 'Inner'), 'i');
    const config = await new ConfigurationBuilder().addKeyPerFile(tmp.dir).build();
    expect(config.get('redis:password')).toBe('p4ss');
    expect(config.getChildren().map((s) => s.key).sort()).toEqual(['Plain', 'Redis']);
    expect(config.isSecret('Plain')).toBe(true);
    expect(config.debugView()).not.toContain('p4ss');
    expect(config.origin('Plain')).toMatchObject({ source: join(tmp.dir, 'Plain'), secret: true });
  });

  it('reads Kubernetes-style links into `..data` and honours ignorePrefix, ignoreCondition and prefix', async () => {
    await mkdir(join(tmp.dir, '..2025_01_01'));
    await writeFile(join(tmp.dir, '..2025_01_01', 'Db__Password'), 'from-link');
    await symlink('..2025_01_01', join(tmp.dir, '..data'));
    await symlink(join('..data', 'Db__Password'), join(tmp.dir, 'Db__Password'));
    await writeFile(join(tmp.dir, 'ignore.me'), 'x');
    const data = await new KeyPerFileProvider(tmp.dir, { ignoreCondition: (n) => n.startsWith('ignore'), prefix: 'Secrets' }).load();
    expect(pairsOf(data)).toEqual([['Secrets:Db:Password', 'from-link']]);
    const noIgnore = await new KeyPerFileProvider(tmp.dir, { ignorePrefix: 'Db' }).load();
    expect(pairsOf(noIgnore)).toEqual([['ignore.me', 'x']]);
  });

  it('skips files named ignore.* by default, as .NET (aspnetcore KeyPerFileTests CanIgnoreFilesWithDefault)', async () => {
    await writeFile(join(tmp.dir, 'ignore.Secret0'), 'SecretValue0');
    await writeFile(join(tmp.dir, 'ignore.Secret1'), 'SecretValue1');
    await writeFile(join(tmp.dir, 'Secret2'), 'SecretValue2');
    // the prefix is case-sensitive, as .NET's StartsWith
    await writeFile(join(tmp.dir, 'Ignore.Secret3'), 'SecretValue3');
    const config = await new ConfigurationBuilder().addKeyPerFile(tmp.dir).build();
    expect(config.get('ignore.Secret0')).toBeUndefined();
    expect(config.get('ignore.Secret1')).toBeUndefined();
    expect(config.get('Secret2')).toBe('SecretValue2');
    expect(config.get('Ignore.Secret3')).toBe('SecretValue3');
    const none = await new KeyPerFileProvider(tmp.dir, { ignorePrefix: null }).load();
    expect(pairsOf(none).map(([k]) => k).sort()).toEqual(['Ignore.Secret3', 'Secret2', 'ignore.Secret0', 'ignore.Secret1']);
  });

  it('fails for a missing directory unless optional, when it is added (as AddKeyPerFile does)', async () => {
    const missing = join(tmp.dir, 'nope');
    expect(() => new ConfigurationBuilder().addKeyPerFile(missing)).toThrow(ConfigurationFileNotFoundError);
    const config = await new ConfigurationBuilder().addKeyPerFile(missing, { optional: true }).build();
    expect([...config.entries()]).toEqual([]);
  });

  it('rejects two files naming one key, naming the key but not the value', async () => {
    await writeFile(join(tmp.dir, 'A__B'), 'secret-one');
    await writeFile(join(tmp.dir, 'a:b'), 'secret-two');
    const error = await new KeyPerFileProvider(tmp.dir).load().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DuplicateKeyError);
    expect((error as DuplicateKeyError).key?.toLowerCase()).toBe('a:b');
    expect(String((error as Error).message)).not.toMatch(/secret-(one|two)/);
  });

  it('reloads when the mount swaps its `..data` link, and keeps the last good data on failure', async () => {
    await writeFile(join(tmp.dir, 'Token'), 'v1');
    const provider = new KeyPerFileProvider(tmp.dir, { reloadOnChange: true, reloadDelayMs: 50 });
    expect(valueOf(await provider.load(), 'Token')).toBe('v1');
    const sink = recordingSink();
    tmp.stops.push(provider.watch(sink));
    await writeFile(join(tmp.dir, 'Token.tmp'), 'v2');
    await rename(join(tmp.dir, 'Token.tmp'), join(tmp.dir, 'Token'));
    await waitFor(() => sink.updates.some((d) => valueOf(d, 'Token') === 'v2'), 'the reload');
  });

  it('follows a Kubernetes-style update: a new timestamped directory and an atomic `..data` link swap', async () => {
    await mkdir(join(tmp.dir, '..2025_01_01'));
    await writeFile(join(tmp.dir, '..2025_01_01', 'Token'), 'v1');
    await symlink('..2025_01_01', join(tmp.dir, '..data'));
    await symlink(join('..data', 'Token'), join(tmp.dir, 'Token'));
    const provider = new KeyPerFileProvider(tmp.dir, { reloadOnChange: true, reloadDelayMs: 50 });
    expect(valueOf(await provider.load(), 'Token')).toBe('v1');
    const sink = recordingSink();
    tmp.stops.push(provider.watch(sink));
    await mkdir(join(tmp.dir, '..2025_02_01'));
    await writeFile(join(tmp.dir, '..2025_02_01', 'Token'), 'v2');
    await symlink('..2025_02_01', join(tmp.dir, '..data_tmp'));
    await rename(join(tmp.dir, '..data_tmp'), join(tmp.dir, '..data'));
    await waitFor(() => sink.updates.some((d) => valueOf(d, 'Token') === 'v2'), 'the reload after the link swap');
    expect(pairsOf(sink.updates.at(-1)!)).toEqual([['Token', 'v2']]);
  });

  it('reports no reload when an event changes no key or value', async () => {
    await writeFile(join(tmp.dir, 'Token'), 'v1');
    const provider = new KeyPerFileProvider(tmp.dir, { reloadOnChange: true, reloadDelayMs: 20 });
    await provider.load();
    const sink = recordingSink();
    tmp.stops.push(provider.watch(sink));
    await writeFile(join(tmp.dir, '..ignored'), 'x');
    await writeFile(join(tmp.dir, 'Token'), 'v1');
    // Nothing to wait for can only make this pass late, never fail early: the events above change no value.
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.updates).toEqual([]);
    await writeFile(join(tmp.dir, 'Other'), 'o');
    await waitFor(() => sink.updates.length > 0, 'the reload of the new key');
    expect(valueOf(sink.updates.at(-1)!, 'Other')).toBe('o');
    expect(sink.errors).toEqual([]);
  });

  it('loadConfig reads a mount as a secret layer above the environment variables and below the command line', async () => {
    const mount = join(tmp.dir, 'secrets-store');
    await mkdir(mount);
    await writeFile(join(mount, 'Db__Password'), 'mounted');
    await writeFile(join(mount, 'Cli'), 'mounted');
    const config = await loadConfig({
      cwd: tmp.dir,
      env: { Db__Password: 'from-env', Cli: 'from-env' },
      args: ['--Cli=from-args'],
      keyPerFile: mount,
      reloadOnChange: false,
    });
    try {
      expect(config.get('Db:Password')).toBe('mounted');
      expect(config.get('Cli')).toBe('from-args');
      expect(config.isSecret('Db:Password')).toBe(true);
    } finally {
      await config.dispose();
    }
    // Absent in local development: optional by default.
    const local = await loadConfig({ cwd: tmp.dir, env: {}, args: [], keyPerFile: join(tmp.dir, 'absent'), reloadOnChange: false });
    await local.dispose();
  });
});
