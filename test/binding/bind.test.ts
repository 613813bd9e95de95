import { describe, expect, expectTypeOf, it } from 'vitest';
import { dictionaryOf } from '../../src/binding/bind.js';
import { ConfigurationBuilder } from '../../src/builder.js';
import { BindingError, ConfigurationError } from '../../src/core/errors.js';

type Values = Record<string, string | null>;
const build = (...layers: Values[]) => {
  const b = new ConfigurationBuilder();
  layers.forEach((layer, i) => b.addInMemory(layer, { name: `Layer${i}` }));
  return b.build();
};

const complexDefaults = { Integer: 0, Boolean: false, Nested: { Integer: 0 }, Virtual: 'default' };

describe('bind(key, defaults): .NET Bind semantics', () => {
  it('binds nested properties case-insensitively, parsing bool "TRUe" (CanBindToObjectWithNestedProperties / GetCanReadComplexProperties)', async () => {
    const config = await build({ 'Opts:integer': '-2', 'Opts:BOOLEAN': 'TRUe', 'Opts:Nested:Integer': '11' });
    const opts = config.bind('Opts', complexDefaults);
    expect(opts).toEqual({ Integer: -2, Boolean: true, Nested: { Integer: 11 }, Virtual: 'default' });
    expectTypeOf(opts).toEqualTypeOf<{ Integer: number; Boolean: boolean; Nested: { Integer: number }; Virtual: string }>();
  });

  it('keeps defaults for missing keys and never mutates or shares the defaults', async () => {
    const config = await build({ 'Opts:Nested:Integer': '5' });
    const defaults = { Integer: 7, Nested: { Integer: 1, List: ['a'] }, When: new Date('2020-01-01T00:00:00Z') };
    const opts = config.bind('Opts', defaults);
    expect(opts.Integer).toBe(7);
    expect(opts.Nested.Integer).toBe(5);
    expect(defaults.Nested.Integer).toBe(1);
    expect(opts.Nested).not.toBe(defaults.Nested);
    expect(opts.Nested.List).not.toBe(defaults.Nested.List);
    expect(opts.When).not.toBe(defaults.When);
    expect(opts.When.getTime()).toBe(defaults.When.getTime());
  });

  it('binds through a section the same way (section.bind)', async () => {
    const config = await build({ 'A:B:Port': '6380' });
    expect(config.getSection('a').getSection('b').bind({ Port: 6379, Host: 'localhost' })).toEqual({ Port: 6380, Host: 'localhost' });
  });

  it('parses numbers with the invariant culture and rejects "", "12abc", thousands separators and NaN', async () => {
    const config = await build({ A: ' 1.5e3 ', B: '-.25', C: '', D: '12abc', E: '1,000', F: 'NaN' });
    expect(config.bind('A', 0)).toBe(1500);
    expect(config.bind('B', 0)).toBe(-0.25);
    for (const key of ['C', 'D', 'E', 'F']) expect(() => config.bind(key, 0)).toThrow(BindingError);
  });

  it('fails a scalar property with a typed error naming the full key, the type and the provider (ExceptionOnFailedBindingIncludesPath)', async () => {
    const config = await build({ 'Opts:Nested:Integer': 'Invalid data' });
    let error: unknown;
    try {
      config.bind('Opts', complexDefaults);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BindingError);
    expect(error).toBeInstanceOf(ConfigurationError);
    const e = error as BindingError;
    expect(e.code).toBe('BINDING');
    expect(e.key).toBe('Opts:Nested:Integer');
    expect(e.targetType).toBe('number');
    expect(e.provider).toBe('Layer0');
    expect(e.message).toBe(
      "Failed to convert configuration value at 'Opts:Nested:Integer' to type 'number' (value from Layer0).",
    );
    expect(e.message).not.toContain('Invalid data');
  });

  it('never puts a secret value in a binding error', async () => {
    const config = await new ConfigurationBuilder().addInMemory({ 'Db:Password': 'hunter2-secret' }, { secret: true }).build();
    expect(() => config.bind('Db', { Password: 0 })).toThrow(BindingError);
    try {
      config.bind('Db', { Password: 0 });
    } catch (e) {
      expect(String((e as Error).message)).not.toContain('hunter2-secret');
      expect(JSON.stringify(e)).not.toContain('hunter2-secret');
    }
  });

  it('parses booleans case-insensitively and rejects anything but true/false', async () => {
    const config = await build({ A: 'TRUe', B: ' false ', C: '1', D: 'yes' });
    expect(config.bind('A', false)).toBe(true);
    expect(config.bind('B', true)).toBe(false);
    expect(() => config.bind('C', false)).toThrow(/to type 'boolean'/);
    expect(() => config.bind('D', false)).toThrow(BindingError);
  });

  it('parses ISO dates and absolute URLs, rejecting impossible dates and relative URLs', async () => {
    const config = await build({ D: '2024-02-29T12:30:00Z', Bad: '2023-02-30', U: 'https://example.com:8443/x', R: '/relative' });
    const when = config.bind('D', new Date(0));
    expect(when).toBeInstanceOf(Date);
    expect(when.toISOString()).toBe('2024-02-29T12:30:00.000Z');
    expect(() => config.bind('Bad', new Date(0))).toThrow(/to type 'Date'/);
    const url = config.bind('U', new URL('http://localhost'));
    expect(url.port).toBe('8443');
    expectTypeOf(url).toEqualTypeOf<URL>();
    expect(() => config.bind('R', new URL('http://localhost'))).toThrow(/to type 'URL'/);
  });

  it('reads the date forms .NET reads with the invariant culture, local time without an offset (CanReadAllSupportedTypes)', async () => {
    const config = await build({
      A: '2015-12-24T07:34:42-5:00',
      B: '2024-02-29T10:00:00+02',
      C: '2024-02-29T10:00:00 +02:00',
      D: '2024-2-9T10:00:00Z',
      E: 'Thu, 29 Feb 2024 10:00:00 GMT',
      F: '0001-01-01T00:00:00Z',
      G: '2024-02-29',
      H: '2024-02-29T10:00:00',
      I: '12/24/2015 13:44:55',
      J: '2024-02',
      Far: '2024-02-29T10:00:00+15:00',
    });
    const at = (key: string) => config.bind(key, new Date(0)).toISOString();
    expect(at('A')).toBe('2015-12-24T12:34:42.000Z');
    expect(at('B')).toBe('2024-02-29T08:00:00.000Z');
    expect(at('C')).toBe('2024-02-29T08:00:00.000Z');
    expect(at('D')).toBe('2024-02-09T10:00:00.000Z');
    expect(at('E')).toBe('2024-02-29T10:00:00.000Z');
    expect(at('F')).toBe('0001-01-01T00:00:00.000Z');
    // no offset: local time, the same rule for a date alone and a date-time (JavaScript's Date differs between them)
    expect(config.bind('G', new Date(0)).getTime()).toBe(new Date(2024, 1, 29).getTime());
    expect(config.bind('H', new Date(0)).getTime()).toBe(new Date(2024, 1, 29, 10).getTime());
    expect(config.bind('I', new Date(0)).getTime()).toBe(new Date(2015, 11, 24, 13, 44, 55).getTime());
    expect(config.bind('J', new Date(0)).getTime()).toBe(new Date(2024, 1, 1).getTime());
    // an offset past 14 hours is no offset .NET reads
    expect(() => config.bind('Far', new Date(0))).toThrow(BindingError);
  });

  it('refuses http:/x and https:contoso.com, which a URL parser would give an invented host (.NET reads them as relative)', async () => {
    const config = await build({ A: 'http:/x', B: 'https:contoso.com', C: 'urn:isbn:0451450523' });
    expect(() => config.bind('A', new URL('http://localhost'))).toThrow(BindingError);
    expect(() => config.bind('B', new URL('http://localhost'))).toThrow(BindingError);
    expect(config.bind('C', new URL('http://localhost')).href).toBe('urn:isbn:0451450523');
  });

  it('reads a bigint in hex with 0x, &h or # as .NET\'s Int64 converter does', async () => {
    const config = await build({ A: '0x10', B: '&h10', C: '#10', D: '0X1f', E: '0x' });
    expect(['A', 'B', 'C', 'D'].map((k) => config.bind(k, 0n))).toEqual([16n, 16n, 16n, 31n]);
    expect(() => config.bind('E', 0n)).toThrow(BindingError);
  });

  it('takes strings as they are, including ""', async () => {
    const config = await build({ 'O:Name': '' });
    expect(config.bind('O', { Name: 'default' }).Name).toBe('');
  });

  it('treats a null default as a nullable string (.NET string?): "" stays "", as the differential suite measured', async () => {
    const config = await build({ 'O:Empty': '', 'O:Set': 'x' });
    const o = config.bind('O', { Empty: null, Set: null, Missing: null });
    expect(o).toEqual({ Empty: '', Set: 'x', Missing: null });
    expectTypeOf(o.Set).toEqualTypeOf<string | null>();
  });
});

describe('arrays: REPLACED by the configured children', () => {
  it('takes children in getChildren order, non-numeric ones last (GetList / BindStringList)', async () => {
    const config = await build({ 'StringList:0': 'val0', 'StringList:1': 'val1', 'StringList:2': 'val2', 'StringList:x': 'valx' });
    expect(config.bind('StringList', ['This was here before'])).toEqual(['val0', 'val1', 'val2', 'valx']);
  });

  it('converts to the first default element type (BindIntList) and compacts gaps', async () => {
    const config = await build({ 'IntList:0': '42', 'IntList:1': '43', 'IntList:2': '44', 'IntList:x': '45', 'Gaps:0': '1', 'Gaps:5': '2', 'Gaps:10': '3' });
    const ints = config.bind('IntList', [0]);
    expect(ints).toEqual([42, 43, 44, 45]);
    expectTypeOf(ints).toEqualTypeOf<number[]>();
    expect(config.bind('Gaps', [0])).toEqual([1, 2, 3]);
  });

  it('keeps strings for an empty default array, typed string[]', async () => {
    const config = await build({ 'L:0': '1', 'L:1': 'two' });
    const list = config.bind('L', []);
    expect(list).toEqual(['1', 'two']);
    expectTypeOf(list).toEqualTypeOf<string[]>();
  });

  it('skips null entries (GetListNullValues: the configured list is empty) and keeps the default when nothing is configured', async () => {
    const config = await build({ 'L:0': null, 'L:1': null, 'L:x': null });
    expect(config.bind('L', ['d'])).toEqual([]);
    expect(config.bind('Missing', ['d'])).toEqual(['d']);
  });

  it('clears the list for a present null-valued key (JSON "Hosts": [])', async () => {
    const config = await build({ 'O:Hosts': null });
    expect(config.bind('O', { Hosts: ['a', 'b'] }).Hosts).toEqual([]);
  });

  it('drops elements that fail to convert (GetListInvalidValues), or throws with strict', async () => {
    const config = await build({ 'InvalidList:0': 'true', 'InvalidList:1': 'invalid' });
    expect(config.bind('InvalidList', [false])).toEqual([true]);
    expect(() => config.bind('InvalidList', [false], { strict: true })).toThrow(
      "'strict' (ErrorOnUnknownConfiguration) was set and binding has failed. The likely cause is an invalid configuration value. Failed to convert configuration value at 'InvalidList:1' to type 'boolean' (value from Layer0).",
    );
  });

  it('binds object elements from the first default element (GetObjectList)', async () => {
    const config = await build({ 'ObjectList:0:Integer': '30', 'ObjectList:1:Integer': '31', 'ObjectList:2:Integer': '32' });
    const list = config.bind('ObjectList', [{ Integer: 0, Name: 'n' }]);
    expect(list).toEqual([
      { Integer: 30, Name: 'n' },
      { Integer: 31, Name: 'n' },
      { Integer: 32, Name: 'n' },
    ]);
    expectTypeOf(list).toEqualTypeOf<{ Integer: number; Name: string }[]>();
  });

  it('replaces element-wise overridden arrays across providers, never appending', async () => {
    const config = await build({ 'ip:0': '1.2.3.4', 'ip:1': '7.8.9.10' }, { 'ip:0': '15.16.17.18' });
    expect(config.bind('ip', ['127.0.0.1'])).toEqual(['15.16.17.18', '7.8.9.10']);
  });
});

describe('dictionaries', () => {
  it('binds a record from an empty object default (GetStringDictionary)', async () => {
    const config = await build({ 'StringDictionary:abc': 'val_1', 'StringDictionary:def': 'val_2', 'StringDictionary:ghi': 'val_3' });
    const dict = config.bind('StringDictionary', {});
    expect({ ...dict }).toEqual({ abc: 'val_1', def: 'val_2', ghi: 'val_3' });
    expect(Object.getPrototypeOf(dict)).toBeNull();
    expectTypeOf(dict).toEqualTypeOf<Record<string, string>>();
  });

  it('binds a Map, keeping existing entries and overwriting on a case-insensitive match', async () => {
    const config = await build({ 'D:Existing': '5', 'D:New': '6' });
    const defaults = new Map<string, number>([['existing', 1], ['kept', 2]]);
    const map = config.bind('D', defaults);
    expect([...map]).toEqual([['existing', 5], ['kept', 2], ['New', 6]]);
    expect(defaults.get('existing')).toBe(1);
    expectTypeOf(map).toEqualTypeOf<Map<string, number>>();
  });

  it('binds dictionaryOf(element) with typed elements, drops bad ones (GetDictionaryInvalidValues) and gives null children the default element', async () => {
    const config = await build({ 'InvalidDictionary:0': 'true', 'InvalidDictionary:1': 'invalid', 'InvalidDictionary:2': null });
    const dict = config.bind('InvalidDictionary', dictionaryOf(false));
    expect({ ...dict }).toEqual({ 0: true, 2: false });
    expectTypeOf(dict).toEqualTypeOf<Record<string, boolean>>();
    expect(() => config.bind('InvalidDictionary', dictionaryOf(false), { strict: true })).toThrow(/InvalidDictionary:1/);
  });

  it('binds dictionaries of objects, merging into existing entries', async () => {
    const config = await build({ 'Endpoints:east:Port': '1', 'Endpoints:west:Host': 'w' });
    const eps = config.bind('Endpoints', dictionaryOf({ Host: 'h', Port: 0 }, { east: { Host: 'e', Port: 9 } }));
    expect({ ...eps }).toEqual({ east: { Host: 'e', Port: 1 }, west: { Host: 'w', Port: 0 } });
  });
});

describe('a plain value where an object or a collection is expected (.NET 10 measured)', () => {
  it('drops such an element of a list or dictionary, and fails it with strict (TestCollectionWithNullOrEmptyItems)', async () => {
    const config = await build({ 'S:Items:0': 'x', 'S:Items:1:Name': 'n', 'S:Items:2': '', 'S:NL:0': 'x', 'S:NL:1:0': 'a', 'S:D:k': 'x', 'S:D:j:Name': 'j' });
    const item = { Name: '', Value: 0 };
    const bound = config.bind('S', { Items: [item], NL: [[] as string[]], D: dictionaryOf(item) });
    // an empty value is no value: that element is a default one
    expect(bound.Items).toEqual([{ Name: 'n', Value: 0 }, { Name: '', Value: 0 }]);
    expect(bound.NL).toEqual([['a']]);
    expect(bound.D).toEqual({ j: { Name: 'j', Value: 0 } });
    expect(() => config.bind('S', { Items: [item], NL: [[] as string[]], D: dictionaryOf(item) }, { strict: true })).toThrow(/binding has failed/);
  });

  it('keeps the default of such a property, and with strict is a conversion error naming the key', async () => {
    const config = await build({ 'S:Nested': 'x', 'S:Names': 'v' });
    expect(config.bind('S', { Nested: { Name: 'custom' }, Names: ['d'] })).toEqual({ Nested: { Name: 'custom' }, Names: ['d'] });
    const strict = () => config.bind('S', { Nested: { Name: 'custom' }, Names: ['d'] }, { strict: true });
    expect(strict).toThrow(BindingError);
    expect(strict).toThrow(/'S:Nested'/);
    expect(strict).not.toThrow(/'x'/);
  });

  it('gives a dictionary entry with children only the default of a value-type element, and leaves a string one out', async () => {
    const config = await build({ 'S:N:k:sub': '1', 'S:N:j': '2', 'S:T:k:sub': '1', 'S:T:j': 'b' });
    expect(config.bind('S', { N: dictionaryOf(0), T: dictionaryOf('') })).toEqual({ N: { k: 0, j: 2 }, T: { j: 'b' } });
  });
});

describe('strict (ErrorOnUnknownConfiguration)', () => {
  it('names keys with no property, with the full key (ThrowsIfPropertyInConfigMissingInModel)', async () => {
    const config = await build({ 'Opts:ThisDoesNotExistInTheModel': '42', 'Opts:Integer': '-2', 'Opts:Boolean': 'TRUe', 'Opts:Nested:Integer': '11' });
    expect(() => config.bind('Opts', complexDefaults)).not.toThrow();
    expect(() => config.bind('Opts', complexDefaults, { strict: true })).toThrow(
      "'strict' (ErrorOnUnknownConfiguration) was set on the bind options, but the following properties were not found on the defaults for 'Opts': 'Opts:ThisDoesNotExistInTheModel' (from Layer0).",
    );
  });

  it('checks nested objects too (ThrowsIfPropertyInConfigMissingInNestedModel)', async () => {
    const config = await build({ 'Opts:Nested:ThisDoesNotExistInTheModel': '42', 'Opts:Nested:Other': '1' });
    let error: BindingError | undefined;
    try {
      config.bind('Opts', complexDefaults, { strict: true });
    } catch (e) {
      error = e as BindingError;
    }
    expect(error?.code).toBe('BINDING');
    expect(error?.key).toBe('Opts:Nested:Other');
    expect(error?.message).toContain("'Opts:Nested:Other', 'Opts:Nested:ThisDoesNotExistInTheModel'");
  });
});

describe('prototype safety', () => {
  const pollutingKeys: Values = {
    '__proto__:polluted': '1',
    'constructor:prototype:polluted': '1',
    'O:__proto__:polluted': '1',
    'O:constructor:prototype:polluted': '1',
    'O:prototype:polluted': '1',
    'D:__proto__:polluted': '1',
    'M:__proto__': '1',
    'L:0:__proto__:polluted': '1',
  };

  it('never reaches a prototype chain through objects, records, Maps or arrays', async () => {
    const config = await build(pollutingKeys);
    const o = config.bind('O', { Name: 'x' });
    const whole = config.bind('', {});
    const d = config.bind('D', dictionaryOf({ polluted: 0 }));
    const m = config.bind('M', new Map<string, string>());
    const l = config.bind('L', [{ x: 1 }]);
    const root = config.getSection('O').bind({});
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as unknown as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
    expect(Object.keys(o)).toEqual(['Name']);
    expect(Object.getPrototypeOf(d)).toBeNull();
    expect(Object.getOwnPropertyNames(d)).toEqual(['__proto__']);
    expect(m.get('__proto__')).toBe('1');
    expect(Object.getPrototypeOf(l[0])).toBe(Object.prototype);
    expect(Object.getPrototypeOf(root)).toBeNull();
    expect(typeof whole).toBe('object');
  });

  it('binds an own __proto__ property of the defaults (from JSON.parse) as an ordinary key', async () => {
    const config = await build({ 'O:__proto__:polluted': '7' });
    const defaults = JSON.parse('{"__proto__": {"polluted": 0}}') as { polluted?: number };
    const o = config.bind('O', defaults) as unknown as Record<string, { polluted: number }>;
    expect(Object.getOwnPropertyDescriptor(o, '__proto__')?.value).toEqual({ polluted: 7 });
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reports unknown prototype-named keys in strict mode instead of binding them', async () => {
    const config = await build({ 'O:__proto__:polluted': '1' });
    expect(() => config.bind('O', { Name: 'x' }, { strict: true })).toThrow(/'O:__proto__'/);
  });
});
