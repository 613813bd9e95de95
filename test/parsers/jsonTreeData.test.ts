import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { foldKey } from '../../src/core/path.js';
import { entriesWhere, scanEntriesWhere, type ProviderEntry } from '../../src/core/provider.js';
import { readPlainJsonProviderData } from '../../src/parsers/jsonNative.js';
import { JsonTreeData, readJsonTreeData } from '../../src/parsers/jsonTreeData.js';

/**
 * A JSON file's data flattened on first walk must be, at every step, what flattening at load
 * gives (`readPlainJsonProviderData`, itself checked against the hand-written reader in
 * jsonNative.test.ts): the same answer to every `get`, the same size, the same scan results, and
 * once walked the same entries in the same order.
 */

// Names that collide by case, hold ':', look like array indexes, are empty, or name what every
// object inherits; capitals in and beyond ASCII.
const names = fc.constantFrom('a', 'A', 'b', 'Key', 'KEY', 'key', 'x:y', '0', '1', '01', '', '__proto__', 'constructor', 'toString', 'Ünï', 'ünï', 'ΣΑ', 'AΣ', 'straße', 'Svc4');
const scalars = fc.oneof(
  fc.constantFrom('"v"', '"@Microsoft.KeyVault(x)"', '"@microsoft.keyvault(y)"', '""', '"with \\"escape\\""', 'true', 'false', 'null', '0', '-1', '1.5', '1.0', '8080'),
  fc.string({ maxLength: 4 }).filter((s) => !/["\\]/.test(s)).map((s) => JSON.stringify(s)),
);
const { value: jsonValue } = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalars,
    fc.array(tie('value'), { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
    fc.array(fc.tuple(names, tie('value')), { maxLength: 4 }).map((members) => `{${members.map(([n, v]) => `${JSON.stringify(n)}: ${v}`).join(', ')}}`),
  ),
}));
const documents = fc.oneof(
  jsonValue.map((v) => `{"Root": ${v}, "b": {"C": "d"}}`),
  // a name above another level, where a key's folding could depend on the letters after the name
  fc.tuple(names, names, jsonValue).map(([outer, inner, v]) => `{"Root": {${JSON.stringify(outer)}: {${JSON.stringify(inner)}: ${v}}}}`),
);

/** Keys a caller may ask for that the data may or may not hold: every key, its parents, children, case variants. */
function probes(data: ReadonlyMap<string, ProviderEntry>): string[] {
  const out = new Set<string>(['', 'root', 'b', 'b:c', 'b:c:x', 'nope', 'constructor', '__proto__', 'tostring', 'root:constructor', 'root:length', 'root:0', 'root:00', 'root:-1']);
  for (const { key } of data.values()) {
    const segments = key.split(':');
    for (let i = 1; i <= segments.length; i++) out.add(segments.slice(0, i).join(':'));
    out.add(`${key}:0`);
    out.add(`${key}:x`);
    out.add(key.toUpperCase());
  }
  return [...out].map(foldKey);
}

const valueTests: Array<[string, (value: string) => boolean, string | undefined]> = [
  ['a reference, with its needle', (v) => /^@microsoft\.keyvault\(/i.test(v), '@microsoft.keyvault('],
  ['True, with its needle', (v) => v === 'True', 'true'],
  ['every value', () => true, undefined],
  ['odd lengths', (v) => v.length % 2 === 1, undefined],
];

describe('a JSON file flattened on first walk', () => {
  it('answers get, has, size and scans as flattening at load does, and once walked holds the same entries in the same order', () => {
    let lazy = 0;
    fc.assert(
      fc.property(documents, (text) => {
        const eager = readPlainJsonProviderData(text, 'f.json');
        const data = readJsonTreeData(text, 'f.json');
        if (eager === undefined) {
          expect(data).toBeUndefined();
          return;
        }
        expect(data).toBeDefined();
        if (data instanceof JsonTreeData) lazy++;
        const tree = data!;
        expect(tree.size).toBe(eager.size);
        for (const [testName, test, needle] of valueTests) {
          expect(entriesWhere(tree, test, needle), testName).toEqual(scanEntriesWhere(eager, test));
        }
        const handedOut = new Map<string, ProviderEntry>();
        for (const folded of probes(eager)) {
          const entry = tree.get(folded);
          expect(entry, folded).toEqual(eager.get(folded));
          expect(tree.has(folded)).toBe(eager.has(folded));
          if (entry) handedOut.set(folded, entry);
        }
        expect([...tree.entries()]).toEqual([...eager.entries()]);
        expect(tree.size).toBe(eager.size);
        // entries handed out before the walk are the very ones the walked data holds
        for (const [folded, entry] of handedOut) expect(tree.get(folded)).toBe(entry);
      }),
      { numRuns: 2000 },
    );
    // the property exercised the lazy form, not only the fallback to flattening at load
    expect(lazy).toBeGreaterThan(200);
  });

  it('is lazy for plain files, and flattens at load what a descent could get wrong', () => {
    expect(readJsonTreeData('{"Logging": {"LogLevel": {"Default": "Information"}}, "Ports": [80, 443]}', 'f')).toBeInstanceOf(JsonTreeData);
    const flattenedAtLoad = [
      '{"a:b": 1}', // a name holding the delimiter
      '{"a": {"": 1}}', // an empty name
      '{"a": {"b": 1}, "A": {"c": 2}}', // names equal but for case (merged by flattening)
      '{"ΣΑ": {"b": 1}}', // a capital beyond ASCII (folding depends on the letters around it)
      '{"a": "tab\\t"}', // an escape
    ];
    for (const text of flattenedAtLoad) {
      const data = readJsonTreeData(text, 'f');
      expect(data, text).toBeInstanceOf(Map);
      expect(data, text).not.toBeInstanceOf(JsonTreeData);
      expect([...data!.entries()], text).toEqual([...readPlainJsonProviderData(text, 'f')!.entries()]);
    }
    // what flattening refuses (integer-like names reorder, duplicates drop), the hand-written reader reads
    expect(readJsonTreeData('{"2": 1, "1": 2}', 'f')).toBeUndefined();
    expect(readJsonTreeData('{"a": 1, "a": 2}', 'f')).toBeUndefined();
    // nesting: refused from exactly the depth where flattening refuses (the hand-written reader's 64)
    for (const levels of [62, 63, 64, 65, 66]) {
      const text = `${'{"a":'.repeat(levels)}"v"${'}'.repeat(levels)}`;
      const eager = readPlainJsonProviderData(text, 'f');
      const data = readJsonTreeData(text, 'f');
      expect(data === undefined, `${levels} levels`).toBe(eager === undefined);
      if (data === undefined) continue;
      expect(data).toBeInstanceOf(JsonTreeData);
      const key = Array(levels).fill('a').join(':');
      expect(data.get(key)).toEqual({ key, value: 'v', source: 'f' });
      expect(data.get(key)).toEqual(eager!.get(key));
    }
    expect(readPlainJsonProviderData(`${'{"a":'.repeat(64)}"v"${'}'.repeat(64)}`, 'f')).toBeDefined();
    expect(readPlainJsonProviderData(`${'{"a":'.repeat(66)}"v"${'}'.repeat(66)}`, 'f')).toBeUndefined();
  });

  it('finds keys case-insensitively and never reaches what objects inherit', () => {
    const data = readJsonTreeData('{"Svc4": {"Part2": {"Key17": "v", "Flag": true, "Port": 8080, "None": null, "Empty": {}, "List": [], "Items": ["x", {"Id": 1.5}]}}, "__proto__": {"A": "p"}}', 'appsettings.json')!;
    expect(data).toBeInstanceOf(JsonTreeData);
    expect(data.get('svc4:part2:key17')).toEqual({ key: 'Svc4:Part2:Key17', value: 'v', source: 'appsettings.json' });
    expect(data.get('svc4:part2:flag')?.value).toBe('True');
    expect(data.get('svc4:part2:port')?.value).toBe('8080');
    expect(data.get('svc4:part2:none')?.value).toBeNull();
    expect(data.get('svc4:part2:empty')).toEqual({ key: 'Svc4:Part2:Empty', value: null, source: 'appsettings.json' });
    expect(data.get('svc4:part2:list')?.value).toBe('');
    expect(data.get('svc4:part2:items:1:id')).toEqual({ key: 'Svc4:Part2:Items:1:Id', value: '1.5', source: 'appsettings.json' });
    expect(data.get('__proto__:a')?.value).toBe('p');
    // a parent has no value; nothing below a scalar; array indexes as flattening writes them
    expect(data.get('svc4:part2')).toBeUndefined();
    expect(data.get('svc4:part2:key17:x')).toBeUndefined();
    expect(data.get('svc4:part2:items:01')).toBeUndefined();
    expect(data.get('svc4:part2:items:2')).toBeUndefined();
    expect(data.get('svc4:part2:items:length')).toBeUndefined();
    // what every object inherits is not a name
    for (const inherited of ['constructor', 'tostring', 'hasownproperty', 'svc4:constructor', 'svc4:part2:items:constructor']) {
      expect(data.get(inherited), inherited).toBeUndefined();
    }
    expect(data.size).toBe(9);
  });

  it('rules out a whole file by its needle without testing a value, and still finds a needle written in another case', () => {
    const plain = readJsonTreeData(JSON.stringify({ A: { B: 'plain', C: ['x', 'y'] } }), 'f')!;
    const test = vi.fn((value: string) => value.startsWith('@'));
    expect(entriesWhere(plain, test, '@microsoft.keyvault(')).toEqual([]);
    expect(test).not.toHaveBeenCalled();
    // the needle is a promise about passing values only: without it every value is tested
    expect(entriesWhere(plain, test)).toEqual([]);
    expect(test).toHaveBeenCalledTimes(3);

    const withReference = readJsonTreeData(JSON.stringify({ A: { Secret: '@MICROSOFT.KEYVAULT(SecretUri=https://v.vault.azure.net/secrets/s)', Other: 'x' } }), 'f')!;
    const found = entriesWhere(withReference, (v) => v.startsWith('@'), '@microsoft.keyvault(');
    expect(found.map(([folded, entry]) => [folded, entry.key])).toEqual([['a:secret', 'A:Secret']]);
    // the entry found is the one get gives, and the one the walked data keeps
    expect(withReference.get('a:secret')).toBe(found[0]![1]);
    expect([...withReference.values()].find((e) => e.key === 'A:Secret')).toBe(found[0]![1]);
  });
});
