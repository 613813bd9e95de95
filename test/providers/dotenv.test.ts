import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigurationFileNotFoundError } from '../../src/core/errors.js';
import { DotenvProvider } from '../../src/providers/dotenv.js';
import { pairsOf, useTempDirPerTest } from './helpers.js';

const tmp = useTempDirPerTest();

describe('DotenvProvider', () => {
  it("parses with dotenv's rules and maps names like environment variables", async () => {
    await writeFile(
      join(tmp.dir, '.env'),
      [
        '# comment',
        'Redis__Host=cache.local',
        'export Logging__Level = Debug',
        'QUOTED="a b # not a comment"',
        "SINGLE='x=y'",
        'MULTI="line1\\nline2"',
        'A___B=under',
        'SQLCONNSTR_Main=Server=db;Database=app',
        'EMPTY=',
        'Redis__Host=override',
      ].join('\n'),
    );
    const provider = new DotenvProvider('.env', { baseDir: tmp.dir });
    const data = await provider.load();
    expect(pairsOf(data)).toEqual([
      ['Redis:Host', 'override'],
      ['Logging:Level', 'Debug'],
      ['QUOTED', 'a b # not a comment'],
      ['SINGLE', 'x=y'],
      ['MULTI', 'line1\nline2'],
      ['A:_B', 'under'],
      ['ConnectionStrings:Main', 'Server=db;Database=app'],
      ['ConnectionStrings:Main_ProviderName', 'System.Data.SqlClient'],
      ['EMPTY', ''],
    ]);
    expect(data.get('redis:host')?.source).toBe('.env:Redis__Host');
    expect(provider.name).toBe("DotenvConfigurationProvider for '.env' (Required)");
  });

  it('never writes to process.env', async () => {
    const name = `LAYERED_CONFIG_DOTENV_PROBE_${process.pid}`;
    await writeFile(join(tmp.dir, '.env'), `${name}=1`);
    const data = await new DotenvProvider(join(tmp.dir, '.env')).load();
    expect(data.get(name.toLowerCase())?.value).toBe('1');
    expect(process.env[name]).toBeUndefined();
  });

  it('filters by a prefix like environment variables', async () => {
    await writeFile(join(tmp.dir, '.env'), 'APP__Port=80\nOTHER__Port=1');
    expect(pairsOf(await new DotenvProvider(join(tmp.dir, '.env'), { prefix: 'App__' }).load())).toEqual([['Port', '80']]);
  });

  it('is optional only when asked', async () => {
    expect((await new DotenvProvider('.env.missing', { baseDir: tmp.dir, optional: true }).load()).size).toBe(0);
    await expect(new DotenvProvider('.env.missing', { baseDir: tmp.dir }).load()).rejects.toBeInstanceOf(ConfigurationFileNotFoundError);
  });

  it('keeps prototype-looking names as ordinary keys', async () => {
    await writeFile(join(tmp.dir, '.env'), '__proto____polluted=1\nconstructor__prototype=2');
    expect(pairsOf(await new DotenvProvider(join(tmp.dir, '.env')).load())).toEqual([
      [':proto::polluted', '1'],
      ['constructor:prototype', '2'],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('DotenvProvider and prototype keys', () => {
  it('keeps the name __proto__ (key :proto:, as the environment variable) that dotenv alone drops, and __proto__ text elsewhere', async () => {
    await writeFile(
      join(tmp.dir, '.env'),
      ['__proto__=top', '__proto____polluted=1', 'constructor=c', 'VALUE="a __proto__ b"', 'LAYEREDCONFIGPROTO=word'].join('\n'),
    );
    const data = await new DotenvProvider('.env', { baseDir: tmp.dir }).load();
    expect(pairsOf(data)).toEqual([
      [':proto:', 'top'],
      [':proto::polluted', '1'],
      ['constructor', 'c'],
      ['VALUE', 'a __proto__ b'],
      ['LAYEREDCONFIGPROTO', 'word'],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
