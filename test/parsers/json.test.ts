import { describe, expect, it } from 'vitest';
import { ConfigurationParseError, DuplicateKeyError } from '../../src/core/errors.js';
import { flattenJson, flattenJsonSetting, parseJsonConfiguration, readJson } from '../../src/parsers/json.js';

const pairs = (text: string) => parseJsonConfiguration(text).map((e) => [e.key, e.value]);

function parseError(text: string): ConfigurationParseError {
  try {
    parseJsonConfiguration(text);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigurationParseError);
    return err as ConfigurationParseError;
  }
  throw new Error('expected a parse error');
}

describe('parseJsonConfiguration: .NET JsonConfigurationFileParser vectors', () => {
  it('nests objects with ":" and keeps dots in names (LoadKeyValuePairsFromValidJson)', () => {
    const json = `{
      "firstname": "test",
      "test.last.name": "last.name",
      "residential.address": { "street.name": "Something street", "zipcode": "12345" }
    }`;
    expect(pairs(json)).toEqual([
      ['firstname', 'test'],
      ['test.last.name', 'last.name'],
      ['residential.address:street.name', 'Something street'],
      ['residential.address:zipcode', '12345'],
    ]);
  });

  it('does not escape ":" inside a name, so "a:b" and nesting are the same key', () => {
    expect(pairs('{"a:b": "1", "c": {"d:e": "2"}}')).toEqual([
      ['a:b', '1'],
      ['c:d:e', '2'],
    ]);
    const err = (() => {
      try {
        parseJsonConfiguration('{"a:b": "1", "a": {"B": "2"}}');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(DuplicateKeyError);
  });

  it('flattens arrays by index, arrays of objects and nested arrays (ArrayTest)', () => {
    expect(pairs('{"ip": ["1.2.3.4", "7.8.9.10", "11.12.13.14"]}')).toEqual([
      ['ip:0', '1.2.3.4'],
      ['ip:1', '7.8.9.10'],
      ['ip:2', '11.12.13.14'],
    ]);
    expect(pairs('{"ip": [{"address": "1.2.3.4", "hidden": false}, {"address": "5.6.7.8", "hidden": true}]}')).toEqual([
      ['ip:0:address', '1.2.3.4'],
      ['ip:0:hidden', 'False'],
      ['ip:1:address', '5.6.7.8'],
      ['ip:1:hidden', 'True'],
    ]);
    expect(pairs('{"ip": [["1.2.3.4", "5.6.7.8"], ["9.10.11.12", "13.14.15.16"]]}')).toEqual([
      ['ip:0:0', '1.2.3.4'],
      ['ip:0:1', '5.6.7.8'],
      ['ip:1:0', '9.10.11.12'],
      ['ip:1:1', '13.14.15.16'],
    ]);
  });

  it('gives an empty object a null-valued key and an empty array "" (measured on .NET 10 by test/dotnet), but not the root (EmptyObjectTest)', () => {
    expect(pairs('{}')).toEqual([]);
    expect(pairs('{"key": {}, "list": [], "deep": {"inner": {}}, "arr": [{}, []]}')).toEqual([
      ['key', null],
      ['list', ''],
      ['deep:inner', null],
      ['arr:0', null],
      ['arr:1', ''],
    ]);
  });

  it('writes scalars as .NET 10 prints them: True, False, null for null, numbers as written', () => {
    expect(
      pairs('{"t": true, "f": false, "n": null, "pi": 3.14, "one": 1.0, "exp": 1E+5, "neg": -0, "big": 12345678901234567890123, "empty": ""}'),
    ).toEqual([
      ['t', 'True'],
      ['f', 'False'],
      ['n', null],
      ['pi', '3.14'],
      ['one', '1.0'],
      ['exp', '1E+5'],
      ['neg', '-0'],
      ['big', '12345678901234567890123'],
      ['empty', ''],
    ]);
  });

  it('unescapes strings', () => {
    expect(pairs(String.raw`{"s": "a\"b\\c\/d\n\t\u00e9\ud83d\ude00", "k\u0041": "x"}`)).toEqual([
      ['s', 'a"b\\c/d\n\té😀'],
      ['kA', 'x'],
    ]);
  });

  it('reads a surrogate pair written as two escapes, in names and values', () => {
    expect(pairs(String.raw`{"k\ud83d\ude00": "\uD83D\uDE00x"}`)).toEqual([['k\u{1F600}', '\u{1F600}x']]);
  });

  it('skips comments between tokens (SupportAndIgnoreComments)', () => {
    const json = `/* Comments */
      {/* Comments */
      "name": /* Comments */ "test", // line comment
      "address": {
        "street": "Something street", /* Comments */
        "zipcode": "12345"
      }
    } // trailing`;
    expect(pairs(json)).toEqual([
      ['name', 'test'],
      ['address:street', 'Something street'],
      ['address:zipcode', '12345'],
    ]);
  });

  it('allows trailing commas (SupportAndIgnoreTrailingCommas)', () => {
    expect(pairs('{"a": "1", "b": {"c": "2",}, "d": [1, 2,],}')).toEqual([
      ['a', '1'],
      ['b:c', '2'],
      ['d:0', '1'],
      ['d:1', '2'],
    ]);
  });

  it('skips a UTF-8 byte-order mark', () => {
    expect(pairs('\ufeff{"a": "1"}')).toEqual([['a', '1']]);
  });

  it('rejects a duplicate key compared case-insensitively, naming the second one (ThrowExceptionWhenKeyIsDuplicated)', () => {
    const json = `{
      "Data": { "DefaultConnection": { "ConnectionString": "TestConnectionString", "Provider": "SqlClient" } },
      "data": { "defaultconnection": { "connectionstring": "Other" } }
    }`;
    expect(() => parseJsonConfiguration(json)).toThrowError(
      /^A duplicate key 'data:defaultconnection:connectionstring' was found\. The second occurrence is at line 3, column 40\.$/,
    );
    try {
      parseJsonConfiguration(json);
    } catch (err) {
      expect(err).toBeInstanceOf(DuplicateKeyError);
      expect((err as DuplicateKeyError).code).toBe('DUPLICATE_KEY');
      expect((err as DuplicateKeyError).key).toBe('data:defaultconnection:connectionstring');
    }
  });

  it('counts a scalar after an empty container under the same key as a duplicate, as .NET', () => {
    expect(() => parseJsonConfiguration('{"a": {}, "A": 1}')).toThrow(DuplicateKeyError);
    expect(() => parseJsonConfiguration('{"a": [1], "a:0": 2}')).toThrow(/duplicate key 'a:0'/);
  });

  it.each([
    ['"test"', 'String'],
    ['[1, 2]', 'Array'],
    ['42', 'Number'],
    ['true', 'True'],
    ['false', 'False'],
    ['null', 'Null'],
  ])('requires an object at the top, not %s (NonObjectRootIsInvalid)', (text, kind) => {
    const err = parseError(text);
    expect(err.message).toBe(`Top-level JSON element must be an object. Instead, '${kind}' was found.`);
    expect(err.code).toBe('PARSE_ERROR');
  });

  it.each([
    ['', 1, 1],
    ['   \n  // only a comment\n', 3, 1],
    ['{"name": "test", "address": {"street": "Something street", "zipcode": "12345"}', 1, 79],
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3],
    ['{\n  "a" 1\n}', 2, 7],
    ['{\n  a: 1\n}', 2, 3],
    ["{\n  'a': 1\n}", 2, 3],
    ['{"a": 01}', 1, 7],
    ['{"a": 1.}', 1, 7],
    ['{"a": .5}', 1, 7],
    ['{"a": +1}', 1, 7],
    ['{"a": NaN}', 1, 7],
    ['{"a": tru}', 1, 7],
    ['{"a": truex}', 1, 7],
    ['{"a": "x\ny"}', 1, 9],
    ['{"a": "\\x"}', 1, 8],
    ['{"a": "\\u12G4"}', 1, 8],
    ['{"a": "open', 1, 7],
    ['{"a": 1} /* open comment', 1, 10],
    ['{"a": 1} / 2', 1, 10],
    ['{"a": 1} {}', 1, 10],
    ['{,}', 1, 2],
    ['{"a": [1,,2]}', 1, 10],
    ['{"a": [,]}', 1, 8],
    ['{"a": [1 2]}', 1, 10],
    // System.Text.Json skips comments between tokens, but not between a name and its ':' (.NET 10 measured)
    ['{"a"/*y*/:1}', 1, 5],
    ['{"a" //y\n:1}', 1, 6],
    // a surrogate escape without its other half (.NET: "Cannot read invalid UTF-16 JSON text as string")
    ['{"a":"\\ud800"}', 1, 7],
    ['{"a":"\\udc00x"}', 1, 7],
    ['{"a\\ud800":"x"}', 1, 4],
    ['{"a":"\\ud800\\u0041"}', 1, 7],
    ['{"a":"\\uDBFF"}', 1, 7],
  ])('reports malformed JSON %j with line %i and column %i', (text, line, column) => {
    const err = parseError(text);
    expect(err.message).toMatch(/^Could not parse the JSON file\. [A-Z'].+ at line \d+, column \d+\.$/);
    expect([err.line, err.column]).toEqual([line, column]);
    expect(err.message).toContain(`at line ${line}, column ${column}.`);
  });

  it('never quotes the input text in a parse error', () => {
    const err = parseError('{"password": hunter2}');
    expect(err.message).not.toContain('hunter2');
    expect(err.message).not.toMatch(/\bh\b/);
  });

  it('limits nesting to 64 levels like System.Text.Json, without a stack overflow', () => {
    const nested = (depth: number) => '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);
    expect(pairs(nested(64))).toEqual([[Array.from({ length: 63 }, () => 'a').join(':'), null]]);
    expect(parseError(nested(65)).message).toContain('nested deeper than 64 levels');
    expect(parseError('{"a":' + '['.repeat(200_000)).message).toContain('nested deeper than 64 levels');
  });

  it('keeps __proto__, constructor and prototype as ordinary keys without polluting any prototype', () => {
    const entries = parseJsonConfiguration('{"__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 2}}}');
    expect(entries.map((e) => [e.key, e.value])).toEqual([
      ['__proto__:polluted', '1'],
      ['constructor:prototype:polluted', '2'],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});

describe('readJson / flattenJson', () => {
  it('keeps duplicate members in the document so the flattener decides', () => {
    const doc = readJson('{"a": 1, "a": 2}');
    expect(doc.root.kind).toBe('Object');
    expect(doc.root.kind === 'Object' && doc.root.members.map((m) => m.name)).toEqual(['a', 'a']);
    expect(flattenJson(doc, { duplicates: 'last-wins' })).toEqual([{ key: 'a', value: '2' }]);
  });

  it('can refuse trailing commas', () => {
    expect(() => readJson('[1,]', { allowTrailingCommas: false })).toThrow(/trailing comma is not allowed at line 1, column 3/);
    expect(() => readJson('{"a":1,}', { allowTrailingCommas: false })).toThrow(ConfigurationParseError);
  });
});

describe('flattenJsonSetting: App Configuration JSON values', () => {
  it('flattens under the setting key, drops empty containers and lets the last duplicate win', () => {
    expect(flattenJsonSetting('App:Settings', '{"a": {}, "b": [], "c": [1, {"d": null}], "e": true, "c": 5, "E": "x"}')).toEqual([
      { key: 'App:Settings:c:0', value: '1' },
      { key: 'App:Settings:c:1:d', value: '' },
      { key: 'App:Settings:c', value: '5' },
      { key: 'App:Settings:E', value: 'x' },
    ]);
  });

  it('gives a scalar value to the key itself and nothing for an empty container', () => {
    expect(flattenJsonSetting('K', '"text"')).toEqual([{ key: 'K', value: 'text' }]);
    expect(flattenJsonSetting('K', 'true')).toEqual([{ key: 'K', value: 'True' }]);
    expect(flattenJsonSetting('K', '2.50')).toEqual([{ key: 'K', value: '2.50' }]);
    expect(flattenJsonSetting('K', '{}')).toEqual([]);
    expect(flattenJsonSetting('K', '[]')).toEqual([]);
  });

  it('returns undefined for invalid JSON (the caller keeps the raw string), trailing commas included', () => {
    expect(flattenJsonSetting('K', 'True')).toBeUndefined();
    expect(flattenJsonSetting('K', '{"a": 1,}')).toBeUndefined();
    expect(flattenJsonSetting('K', '')).toBeUndefined();
    expect(flattenJsonSetting('K', '{"a": 1 /* comment */}')).toEqual([{ key: 'K:a', value: '1' }]);
  });
});
