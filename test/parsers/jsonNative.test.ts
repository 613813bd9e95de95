import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigurationParseError } from '../../src/core/errors.js';
import { flattenJson, parseJsonConfiguration, readJson, type JsonEntry } from '../../src/parsers/json.js';
import { readPlainJsonConfiguration } from '../../src/parsers/jsonNative.js';

/**
 * `parseJsonConfiguration` reads plain JSON with `JSON.parse` when it can be sure of the same
 * result. The reference here is the hand-written reader alone, as it was before the fast path.
 */
function reference(text: string): JsonEntry[] {
  const document = readJson(text);
  if (document.root.kind !== 'Object') {
    const { line, column } = document.positionOf(document.root.offset);
    throw new ConfigurationParseError(`Top-level JSON element must be an object. Instead, '${document.root.kind}' was found.`, { line, column });
  }
  return flattenJson(document);
}

function outcome(read: () => JsonEntry[]): { entries?: JsonEntry[]; error?: { name: string; message: string; line?: unknown; column?: unknown } } {
  try {
    return { entries: read() };
  } catch (error) {
    const e = error as Error & { line?: unknown; column?: unknown };
    return { error: { name: e.constructor.name, message: e.message, line: e.line, column: e.column } };
  }
}

// Names that collide by case, hold ':' or look like array indexes; numbers as people write them.
const names = fc.constantFrom('a', 'A', 'b', 'Key', 'KEY', 'x:y', 'X:Y', '0', '1', '10', '__proto__', 'constructor', 'Ünï', 'straße', '');
const numbers = fc.constantFrom('0', '1', '-1', '8080', '1.5', '1.0', '-0', '1e5', '1E+2', '0.1', '12345678901234567890', '3.14159');
const scalars = fc.oneof(
  fc.string({ maxLength: 6 }).map((s) => JSON.stringify(s)),
  fc.constantFrom('"with \\"escape\\""', '"tab\\t"', '"\\u00e9"', 'true', 'false', 'null'),
  numbers,
);
const { value: jsonText } = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalars,
    fc.array(tie('value'), { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
    fc
      .array(fc.tuple(names, tie('value')), { maxLength: 4 })
      .chain((members) =>
        fc.constantFrom('', ' ', '\n  ').map((ws) => `{${members.map(([n, v]) => `${ws}${JSON.stringify(n)}${ws}:${ws}${v}`).join(',')}${ws}}`),
      ),
  ),
}));
const documents = fc.oneof(
  jsonText,
  jsonText.map((t) => `{"root": ${t}}`),
  jsonText.map((t) => `// comment\n{"root": ${t},}`),
  jsonText.map((t) => `\uFEFF{"root": ${t}}`),
);

describe('JSON configuration files through JSON.parse', () => {
  it('give exactly the entries, or the error with its line and column, that the hand-written reader gives', () => {
    let fast = 0;
    fc.assert(
      fc.property(documents, (text) => {
        if (readPlainJsonConfiguration(text) !== undefined) fast++;
        expect(outcome(() => parseJsonConfiguration(text))).toEqual(outcome(() => reference(text)));
      }),
      { numRuns: 3000 },
    );
    // the property did exercise the fast path, not only the fallback
    expect(fast).toBeGreaterThan(300);
  });

  it('refuses what JSON.parse would change, and takes plain JSON', () => {
    expect(readPlainJsonConfiguration('{"a":1,"a":2}')).toBeUndefined(); // duplicate, dropped by JSON.parse
    expect(readPlainJsonConfiguration('{"a":{"b":1},"A:B":2}')).toBeUndefined(); // duplicate after flattening
    // duplicates that drop a whole object, or strings with colons and quotes' neighbours in them
    expect(readPlainJsonConfiguration('{"a":{"b":"1","c":"2"},"a":"3"}')).toBeUndefined();
    expect(readPlainJsonConfiguration('{"a": ":", "a" : ": \\"x\\""}')).toBeUndefined();
    expect(readPlainJsonConfiguration('{"a": ":", "b" : {"": ""}, "a": ""}')).toBeUndefined();
    expect(readPlainJsonConfiguration('{"a": ":", "b" : {"": ""}}')).toEqual([
      { key: 'a', value: ':' },
      { key: 'b:', value: '' },
    ]);
    // names that differ only in case: JSON.parse keeps both, the tree would hold one key
    expect(readPlainJsonConfiguration('{"Key":"1","key":"2"}')).toBeUndefined();
    expect(readPlainJsonConfiguration('{"a":["x"],"A":["y"]}')).toBeUndefined();
    expect(readPlainJsonConfiguration('{"e":{},"E":[]}')).toBeUndefined(); // the hand-written reader decides
    // a dropped duplicate among strings that start with ':' (the string count never starts inside one)
    expect(readPlainJsonConfiguration('{"a":":b",":c":"d","a":":"}')).toBeUndefined();
    expect(readPlainJsonConfiguration('{"a":":b",":c":"d"}')).toEqual([
      { key: 'a', value: ':b' },
      { key: ':c', value: 'd' },
    ]);
    expect(readPlainJsonConfiguration('{"a":1.0}')).toBeUndefined(); // number text
    expect(readPlainJsonConfiguration('{"id":12345678901234567890}')).toBeUndefined();
    expect(readPlainJsonConfiguration('{"b":{"x":1},"10":{"y":2}}')).toBeUndefined(); // integer-like names reorder
    expect(readPlainJsonConfiguration('{"a":1,}')).toBeUndefined(); // trailing comma
    expect(readPlainJsonConfiguration('{"a":1} // c')).toBeUndefined(); // comment
    expect(readPlainJsonConfiguration('[1]')).toBeUndefined(); // not an object
    expect(readPlainJsonConfiguration(`${'{"a":'.repeat(65)}1${'}'.repeat(65)}`)).toBeUndefined(); // deeper than 64
    // colons and digits inside names and strings are not mistaken for members or numbers
    expect(readPlainJsonConfiguration('{"Url":"https://host:443/a","x:y":["b:c"],"n":[8080,"v1"]}')).toEqual([
      { key: 'Url', value: 'https://host:443/a' },
      { key: 'x:y:0', value: 'b:c' },
      { key: 'n:0', value: '8080' },
      { key: 'n:1', value: 'v1' },
    ]);
    // text in strings that would not print back as a number is no number: the fast path reads it
    expect(readPlainJsonConfiguration('{"Version":"v:1.0","Opens":"at:08","List":"[1e5, -0]"}')).toEqual([
      { key: 'Version', value: 'v:1.0' },
      { key: 'Opens', value: 'at:08' },
      { key: 'List', value: '[1e5, -0]' },
    ]);
    // while a number after such strings is still checked
    expect(readPlainJsonConfiguration('{"a":"x:1.0","b":[2, 1.50]}')).toBeUndefined();
    expect(readPlainJsonConfiguration('{"a":"1e5","b":-0}')).toBeUndefined();
    expect(readPlainJsonConfiguration('{"path":"C:\\\\dir\\\\file","q":"say \\"a:b\\""}')).toEqual([
      { key: 'path', value: 'C:\\dir\\file' },
      { key: 'q', value: 'say "a:b"' },
    ]);
    expect(readPlainJsonConfiguration('{"a":{"b:c":[1,"x",true,null,{}],"__proto__":"p"},"n":-2.5}')).toEqual([
      { key: 'a:b:c:0', value: '1' },
      { key: 'a:b:c:1', value: 'x' },
      { key: 'a:b:c:2', value: 'True' },
      { key: 'a:b:c:3', value: null },
      { key: 'a:b:c:4', value: null },
      { key: 'a:__proto__', value: 'p' },
      { key: 'n', value: '-2.5' },
    ]);
  });

  it('still reports a duplicate with the line and column of the hand-written reader', () => {
    const text = '{\n  "Logging": { "Level": "x" },\n  "logging:level": "y"\n}';
    expect(() => parseJsonConfiguration(text)).toThrow(/at line 3, column 3/);
    expect(outcome(() => parseJsonConfiguration(text))).toEqual(outcome(() => reference(text)));
  });
});
