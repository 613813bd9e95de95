import { describe, expect, it } from 'vitest';
import { CommandLineError } from '../../src/core/errors.js';
import { providerData } from '../../src/core/provider.js';
import { parseCommandLine, validateSwitchMappings, type SwitchMappings } from '../../src/parsers/commandLine.js';

function mapped(args: string[], mappings?: SwitchMappings): Array<[string, string | null]> {
  return [...providerData(parseCommandLine(args, mappings)).values()].map((e) => [e.key, e.value]);
}

describe('parseCommandLine: .NET CommandLineTest vectors', () => {
  it('reads every form without switch mappings', () => {
    expect(mapped(['Key1=Value1', '--Key2=Value2', '/Key3=Value3', '--Key4', 'Value4', '/Key5', 'Value5'])).toEqual([
      ['Key1', 'Value1'],
      ['Key2', 'Value2'],
      ['Key3', 'Value3'],
      ['Key4', 'Value4'],
      ['Key5', 'Value5'],
    ]);
  });

  it('ignores unknown arguments in the middle and a trailing switch without a value (CanIgnoreValuesInMiddle)', () => {
    const args = ['Key1=Value1', '--Key2=Value2', '/Key3=Value3', 'Bogus1', '--Key4', 'Value4', 'Bogus2', '/Key5', 'Value5', 'Bogus3', '--Key6'];
    expect(mapped(args)).toEqual([
      ['Key1', 'Value1'],
      ['Key2', 'Value2'],
      ['Key3', 'Value3'],
      ['Key4', 'Value4'],
      ['Key5', 'Value5'],
    ]);
    expect(mapped(['foo', '/bar=baz'])).toEqual([['bar', 'baz']]);
    expect(mapped(['ArgWithoutPrefixAndEqualSign'])).toEqual([]);
  });

  it('takes the next argument as the value even when it looks like a switch', () => {
    expect(mapped(['--a', '--b', '--c', 'x'])).toEqual([
      ['a', '--b'],
      ['c', 'x'],
    ]);
  });

  it('splits at the first "=" and keeps empty values and ":" in keys', () => {
    expect(mapped(['--conn=Server=x;Password=y', '--empty=', 'Section:Key=v', '--Azure:SignalR:ConnectionString', 'Endpoint=https://a;'])).toEqual([
      ['conn', 'Server=x;Password=y'],
      ['empty', ''],
      ['Section:Key', 'v'],
      ['Azure:SignalR:ConnectionString', 'Endpoint=https://a;'],
    ]);
  });

  it('applies switch mappings, case-insensitively, with "/" matching "--" mappings', () => {
    const mappings = { '-K1': 'LongKey1', '--Key2': 'SuperLongKey2', '--Key6': 'SuchALongKey6', '-e': 'Environment' };
    const args = ['-K1=Value1', '--Key2=Value2', '/Key3=Value3', '--Key4', 'Value4', '/Key5', 'Value5', '/KEY6=Value6', '-E', 'Development'];
    expect(mapped(args, mappings)).toEqual([
      ['LongKey1', 'Value1'],
      ['SuperLongKey2', 'Value2'],
      ['Key3', 'Value3'],
      ['Key4', 'Value4'],
      ['Key5', 'Value5'],
      ['SuchALongKey6', 'Value6'],
      ['Environment', 'Development'],
    ]);
    expect(mapped(['-x', '1'], new Map([['-x', 'X']]))).toEqual([['X', '1']]);
  });

  it('ignores an unmapped short switch with a separate value, then reads the value on its own (IgnoreWhenShortSwitchNotDefined)', () => {
    expect(mapped(['-Key1', 'Value1'], { '-Key2': 'LongKey2' })).toEqual([]);
    expect(mapped(['-Key1', 'Value1'])).toEqual([]);
    expect(mapped(['-Key1', 'a=b'])).toEqual([['a', 'b']]);
  });

  it('rejects an unmapped short switch with "=" without quoting its value', () => {
    let caught: unknown;
    try {
      parseCommandLine(['--ok=1', '-p=hunter2'], { '-x': 'X' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(CommandLineError);
    const err = caught as CommandLineError;
    expect(err.message).toBe("The short switch '-p=…' is not defined in the switch mappings.");
    expect(err.message).not.toContain('hunter2');
    expect(err.code).toBe('COMMAND_LINE');
    expect(err.source).toBe('argv[1]');
    expect(() => parseCommandLine(['-k=v'])).toThrow(CommandLineError);
  });

  it('lets the last occurrence win, case-insensitively, the key keeping its first spelling (OverrideValueWhenKeyIsDuplicated; .NET 10 measured)', () => {
    expect(mapped(['/Key1=Value1', '--key1=Value2'])).toEqual([['Key1', 'Value2']]);
  });

  it('records the index of the argument naming the key as the source', () => {
    expect(parseCommandLine(['x', '--a', '1', 'b=2']).map((e) => [e.key, e.source])).toEqual([
      ['a', 'argv[1]'],
      ['b', 'argv[3]'],
    ]);
  });

  it('keeps --__proto__:polluted=1 as an ordinary key', () => {
    expect(mapped(['--__proto__:polluted=1', '--constructor', '2', '__proto__=3'])).toEqual([
      ['__proto__:polluted', '1'],
      ['constructor', '2'],
      ['__proto__', '3'],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('validateSwitchMappings', () => {
  it('rejects a switch that does not start with "-" (ThrowExceptionWhenSwitchMappingsContainInvalidKey)', () => {
    expect(() => validateSwitchMappings({ '-K1': 'LongKey1', '--Key2': 'SuperLongKey2', '/Key3': 'AnotherSuperLongKey3' })).toThrowError(
      new CommandLineError("The switch mappings contain an invalid switch '/Key3'. (Parameter 'switchMappings')"),
    );
  });

  it('rejects switches that differ only by case, naming the second (ThrowExceptionWhenPassingSwitchMappingsWithDuplicatedKeys)', () => {
    expect(() => validateSwitchMappings({ '--KEY1': 'LongKey1', '--key1': 'SuperLongKey1', '-Key2': 'LongKey2', '-KEY2': 'LongKey2' })).toThrowError(
      "Keys in switch mappings are case-insensitive. A duplicated key '--key1' was found. (Parameter 'switchMappings')",
    );
  });

  it('accepts a __proto__ switch as an ordinary mapping', () => {
    const mappings = JSON.parse('{"--__proto__": "Proto"}') as Record<string, string>;
    expect(mapped(['--__proto__', 'v'], mappings)).toEqual([['Proto', 'v']]);
  });
});
