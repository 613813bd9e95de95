import { describe, expect, it } from 'vitest';
import { CommandLineError } from '../../src/core/errors.js';
import { CommandLineProvider } from '../../src/providers/commandLine.js';
import { pairsOf } from './helpers.js';

describe('CommandLineProvider', () => {
  it('loads arguments with mappings, naming the argument index as the source', async () => {
    const provider = new CommandLineProvider(['--Logging:Level=Debug', '-e', 'Development', 'x'], { switchMappings: { '-e': 'Environment' } });
    expect(provider.name).toBe('CommandLineConfigurationProvider');
    const data = await provider.load();
    expect(pairsOf(data)).toEqual([
      ['Logging:Level', 'Debug'],
      ['Environment', 'Development'],
    ]);
    expect(data.get('environment')?.source).toBe('argv[1]');
  });

  it('copies its arguments, so later changes to the array do not leak in', async () => {
    const args = ['--A=1'];
    const provider = new CommandLineProvider(args);
    args[0] = '--A=2';
    expect(pairsOf(await provider.load())).toEqual([['A', '1']]);
  });

  it('rejects invalid or duplicated mappings when created, as .NET does', () => {
    expect(() => new CommandLineProvider([], { switchMappings: { '/x': 'X' } })).toThrow(CommandLineError);
    expect(() => new CommandLineProvider([], { switchMappings: new Map([['-a', 'A'], ['-A', 'B']]) })).toThrow(/duplicated key '-A'/);
  });

  it('fails the load for an unmapped short switch, naming the provider and argument', async () => {
    await expect(new CommandLineProvider(['-x=1']).load()).rejects.toMatchObject({
      code: 'COMMAND_LINE',
      provider: 'CommandLineConfigurationProvider',
      source: 'argv[0]',
      message: "The short switch '-x=…' is not defined in the switch mappings.",
    });
  });

  it('keeps --__proto__:polluted=1 as an ordinary key', async () => {
    expect(pairsOf(await new CommandLineProvider(['--__proto__:polluted=1']).load())).toEqual([['__proto__:polluted', '1']]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
