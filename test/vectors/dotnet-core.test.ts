/**
 * Vectors from dotnet/runtime's Microsoft.Extensions.Configuration test suites (ConfigurationPathTest,
 * ConfigurationPathComparerTest, ConfigurationTest, ConfigurationProviderTestBase and its JSON /
 * command-line / environment subclasses, Json ArrayTest and JsonConfigurationTest), translated to
 * this API. Vectors already asserted in test/core, test/parsers and test/providers are not repeated.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationBuilder } from '../../src/builder.js';
import { ConfigurationFileNotFoundError, ConfigurationParseError, DuplicateKeyError, SectionNotFoundError } from '../../src/core/errors.js';
import { combinePath, compareKeys, getParentPath, getSectionKey } from '../../src/core/path.js';
import type { ConfigurationRoot } from '../../src/core/root.js';
import { parseJsonConfiguration } from '../../src/parsers/json.js';

type Values = Record<string, string | null>;
const memory = (...layers: Values[]) => {
  const b = new ConfigurationBuilder();
  for (const layer of layers) b.addInMemory(layer);
  return b.build();
};

describe('ConfigurationPathTest', () => {
  it('keeps a delimiter for every empty segment when combining', () => {
    expect(combinePath('parent', '')).toBe('parent:');
    expect(combinePath('parent', '', '')).toBe('parent::');
    expect(combinePath('parent', '', '', 'key')).toBe('parent:::key');
  });

  it.each([
    ['', ''],
    [':::', ''],
    ['a::b:::c', 'c'],
    ['a:::b:', ''],
    ['key', 'key'],
    [':key', 'key'],
    ['::key', 'key'],
    ['parent:key', 'key'],
  ])('getSectionKey(%j) is %j', (path, key) => {
    expect(getSectionKey(path)).toBe(key);
  });

  it.each([
    ['', null],
    [':::', '::'],
    ['a::b:::c', 'a::b::'],
    ['a:::b:', 'a:::b'],
    ['key', null],
    [':key', ''],
    ['::key', ':'],
    ['parent:key', 'parent'],
  ])('getParentPath(%j) is %j', (path, parent) => {
    expect(getParentPath(path)).toBe(parent);
  });
});

describe('ConfigurationPathComparerTest', () => {
  it.each([
    ['a', 'a', 0],
    ['a', 'A', 0],
    ['aB', 'Ab', 0],
    ['a', 'aa', -1],
    ['a', 'b', -1],
    ['001', '1', 0],
    ['1', '1', 0],
    ['1', '10', -1],
    ['2', '10', -1],
    ['1', 'a', -1],
    ['100', 'a', -1],
    ['1a', '100', 1],
    ['100a', '100', 1],
    ['a100', '100', 1],
    ['1a', 'a', -1],
    ['abc:DEF:0:a100', 'ABC:DEF:0:a100', 0],
    ['abc:def', 'ghi:2', -1],
    ['abc:def:XYQ', 'abc:def:XYZ', -1],
    ['abc:def', 'abc:def:ghi', -1],
    ['abc:def:2', 'abc:def:10', -1],
    ['abc:def:10', 'abc:def:22', -1],
    ['abc:def:1000:jkl', 'abc:def:ghi:jkl', -1],
    ['abc:def:10:jkl', 'abc:def:22:jkl', -1],
    // The newer span-walking comparer: a run of ':' is one separator, an empty key sorts first.
    ['a::b', 'a:b', 0],
    ['a:', 'a', 0],
    [':a', 'a', 0],
    [':a::b:', 'a:b', 0],
    ['a::10', 'a:2', 1],
    ['', '5', -1],
    ['', 'a', -1],
  ] as const)('compares %j with %j as %i, and the reverse as its opposite', (a, b, sign) => {
    expect(Math.sign(compareKeys(a, b))).toBe(sign);
    expect(Math.sign(compareKeys(b, a))).toBe(sign === 0 ? 0 : -sign);
  });

  it('lists an empty child name before numeric ones', async () => {
    const config = await memory({ 'Mem1:': 'NoKeyValue1', 'Mem1:0': 'a', 'Mem1:1': 'b', 'Mem1:x': 'c' });
    expect(config.getSection('Mem1').getChildren().map((c) => c.key)).toEqual(['', '0', '1', 'x']);
  });
});

describe('ConfigurationTest', () => {
  const mems = (): Values[] =>
    [1, 2, 3].map((n) => ({
      [`Mem${n}`]: `Value${n}`,
      [`Mem${n}:`]: `NoKeyValue${n}`,
      [`Mem${n}:KeyInMem${n}`]: `ValueInMem${n}`,
      [`Mem${n}:KeyInMem${n}:Deep${n}`]: `ValueDeep${n}`,
    }));

  it('reads keys from several providers in any case; a missing key has no value (LoadAndCombineKeyValuePairs…)', async () => {
    const config = await memory({ 'Mem1:KeyInMem1': 'ValueInMem1' }, { 'Mem2:KeyInMem2': 'ValueInMem2' }, { 'Mem3:KeyInMem3': 'ValueInMem3' });
    expect(config.get('mem1:keyinmem1')).toBe('ValueInMem1');
    expect(config.get('Mem2:KeyInMem2')).toBe('ValueInMem2');
    expect(config.get('MEM3:KEYINMEM3')).toBe('ValueInMem3');
    expect(config.get('NotExist')).toBeUndefined();
  });

  it('flattens the root into every path, "Mem1:" included, with or without relative paths (AsEnumerateFlattensIntoDictionaryTest)', async () => {
    const config = await memory(...mems());
    const all = new Map(config.entries());
    for (const n of [1, 2, 3]) {
      expect(all.get(`Mem${n}`)).toBe(`Value${n}`);
      expect(all.get(`Mem${n}:`)).toBe(`NoKeyValue${n}`);
      expect(all.get(`Mem${n}:KeyInMem${n}`)).toBe(`ValueInMem${n}`);
      expect(all.get(`Mem${n}:KeyInMem${n}:Deep${n}`)).toBe(`ValueDeep${n}`);
    }
    expect(all.size).toBe(12);
  });

  it('strips the section path with makePathsRelative and leaves the section out (AsEnumerateStripsKeyFromChildren)', async () => {
    const [m1, m2, m3] = mems();
    const config = await memory(m1!, m2!, { ...m3, 'Mem3:KeyInMem4': 'ValueInMem4', 'Mem3:KeyInMem3:Deep4': 'ValueDeep4' });
    expect(new Map(config.getSection('Mem1').entries({ makePathsRelative: true }))).toEqual(
      new Map([
        ['', 'NoKeyValue1'],
        ['KeyInMem1', 'ValueInMem1'],
        ['KeyInMem1:Deep1', 'ValueDeep1'],
      ]),
    );
    expect(new Map(config.getSection('Mem3').entries({ makePathsRelative: true }))).toEqual(
      new Map([
        ['', 'NoKeyValue3'],
        ['KeyInMem3', 'ValueInMem3'],
        ['KeyInMem4', 'ValueInMem4'],
        ['KeyInMem3:Deep3', 'ValueDeep3'],
        ['KeyInMem3:Deep4', 'ValueDeep4'],
      ]),
    );
  });

  it('includes the section itself first when paths are not made relative (.NET AsEnumerable on a section)', async () => {
    const config = await memory(...mems());
    const entries = [...config.getSection('Mem1').entries()];
    expect(entries[0]).toEqual(['Mem1', 'Value1']);
    expect(new Map(entries)).toEqual(
      new Map([
        ['Mem1', 'Value1'],
        ['Mem1:', 'NoKeyValue1'],
        ['Mem1:KeyInMem1', 'ValueInMem1'],
        ['Mem1:KeyInMem1:Deep1', 'ValueDeep1'],
      ]),
    );
    // A parent with no value of its own, and a section that does not exist, still yield themselves with null.
    expect([...config.getSection('mem1:KeyInMem1').entries()][0]).toEqual(['mem1:KeyInMem1', 'ValueInMem1']);
    const parent = await memory({ 'A:B': '1' });
    expect([...parent.getSection('A').entries()]).toEqual([
      ['A', null],
      ['A:B', '1'],
    ]);
    expect([...parent.getSection('Missing').entries()]).toEqual([['Missing', null]]);
  });

  it('rebuilds a root from another one\'s entries, case-folded duplicates resolved (NewConfigurationRootMayBeBuiltFromExistingWithDuplicateKeys)', async () => {
    const first = await memory({ 'keya:keyb': 'valueA' }, { 'KEYA:KEYB': 'valueB' });
    const second = await new ConfigurationBuilder().addInMemory(first.entries()).build();
    expect(second.get('keya:keyb')).toBe('valueB');
  });

  it('reads through a section only below its own path (CanGetConfigurationSection)', async () => {
    const config = await memory(
      { 'Data:DB1:Connection1': 'MemVal1', 'Data:DB1:Connection2': 'MemVal2' },
      { 'DataSource:DB2:Connection': 'MemVal3' },
      { Data: 'MemVal4' },
    );
    const focus = config.getSection('Data');
    expect(focus.get('DB1:Connection1')).toBe('MemVal1');
    expect(focus.get('DB1:Connection2')).toBe('MemVal2');
    expect(focus.get('DB2:Connection')).toBeUndefined();
    expect(focus.get('Source:DB2:Connection')).toBeUndefined();
    expect(focus.value).toBe('MemVal4');
  });

  it('reads connection strings whose names contain ":" (CanGetConnectionStrings)', async () => {
    const config = await memory(
      { 'ConnectionStrings:DB1:Connection1': 'MemVal1', 'ConnectionStrings:DB1:Connection2': 'MemVal2' },
      { 'ConnectionStrings:DB2:Connection': 'MemVal3' },
    );
    expect(config.getConnectionString('DB1:Connection1')).toBe('MemVal1');
    expect(config.getConnectionString('DB1:Connection2')).toBe('MemVal2');
    expect(config.getConnectionString('DB2:Connection')).toBe('MemVal3');
  });

  it('lists only the immediate children of a section, merged across providers (CanGetConfigurationChildren)', async () => {
    const config = await memory(
      { 'Data:DB1:Connection1': 'MemVal1', 'Data:DB1:Connection2': 'MemVal2' },
      { 'Data:DB2Connection': 'MemVal3' },
      { 'DataSource:DB3:Connection': 'MemVal4' },
    );
    const children = config.getSection('Data').getChildren();
    expect(children.map((c) => c.key)).toEqual(['DB1', 'DB2Connection']);
    expect(children[0]!.get('Connection1')).toBe('MemVal1');
    expect(children[0]!.get('Connection2')).toBe('MemVal2');
    expect(children[1]!.value).toBe('MemVal3');
  });

  it('gives a key ending with ":" a child with an empty name (KeyEndingWithColonMeansLastSectionHasEmptyName)', async () => {
    const config = await memory({ 'Key1:': 'value' });
    const [key1] = config.getChildren();
    expect(config.getChildren()).toHaveLength(1);
    expect(key1!.key).toBe('Key1');
    expect(key1!.getChildren().map((c) => [c.key, c.path, c.value])).toEqual([['', 'Key1:', 'value']]);
  });

  it('exists() for a section with a value or children; getRequiredSection throws otherwise (SectionWithValueExists, SectionGetRequiredSection…)', async () => {
    const config = await memory({ Mem1: 'Value1', 'Mem1:KeyInMem1': 'ValueInMem1', 'Mem1:KeyInMem1:Deep1': 'ValueDeep1', 'Mem2:KeyInMem2:Deep1': 'x' });
    expect(config.getSection('Mem1').exists()).toBe(true);
    expect(config.getSection('Mem1:KeyInMem1').exists()).toBe(true);
    expect(config.getSection('Mem2').exists()).toBe(true);
    expect(config.getSection('Mem3').exists()).toBe(false);
    expect(config.getRequiredSection('Mem1:KeyInMem1').exists()).toBe(true);
    expect(() => config.getRequiredSection('Mem3')).toThrow(SectionNotFoundError);
    expect(() => config.getRequiredSection('Mem1:Deep2')).toThrow(SectionNotFoundError);
    expect(config.getSection('Mem2').value).toBeUndefined();
  });

  it('lists a null-valued key without children as a child that does not exist (KeyWithNullValueAndWithoutChildrenIsASectionButNotExists)', async () => {
    const config = await memory({ Mem1: null });
    expect(config.getChildren().map((c) => c.key)).toEqual(['Mem1']);
    expect(config.getSection('Mem1').exists()).toBe(false);
    expect(config.getSection('Mem1').getChildren()).toEqual([]);
  });

  it('sorts children numerically across providers (ConfigurationGetChildrenKeysOrdered)', async () => {
    const config = await memory({ 'Services:2': 'Service2' }, { 'Services:10': 'Service10' });
    expect(config.getSection('Services').getChildren().map((c) => c.key)).toEqual(['2', '10']);
  });

  it('keeps 1000 distinct keys of spaces, and 1000 numeric keys, in comparer order (GetChildKeys_CanChain…)', async () => {
    const spaces: Values = {};
    for (let i = 0; i < 1000; i++) spaces[' '.repeat(i)] = '';
    const keys = (await memory(spaces)).getChildren().map((c) => c.key);
    expect(keys).toHaveLength(1000);
    expect(keys[0]).toBe('');
    expect(keys[999]!.length).toBe(999);

    const numbers: Values = {};
    for (let i = 1999; i >= 1000; i--) numbers[String(i)] = '';
    const numeric = (await memory(numbers)).getChildren().map((c) => c.key);
    expect(numeric).toHaveLength(1000);
    expect([numeric[0], numeric[999]]).toEqual(['1000', '1999']);
  });
});

// ---- ConfigurationProviderTestBase: the same tree through every provider ----------------------

type Pair = readonly [string, string | null];
const arr = (key: string, values: Array<string | null>): Pair[] => values.map((v, i) => [`${key}:${i}`, v]);

/** TestConfig, flattened in its source order. */
const testConfig = (v: (s: string) => string | null = (s) => s, k: (s: string) => string = (s) => s): Pair[] => [
  [k('Key1'), v('Value1')],
  [`${k('Section1')}:${k('Key2')}`, v('Value12')],
  [`${k('Section1')}:${k('Section2')}:${k('Key3')}`, v('Value123')],
  ...arr(`${k('Section1')}:${k('Section2')}:${k('Key3a')}`, ['ArrayValue0', 'ArrayValue1', 'ArrayValue2'].map(v)),
  [`${k('Section3')}:${k('Section4')}:${k('Key4')}`, v('Value344')],
];
const TestConfig = testConfig();
const DifferentCasedTestConfig = testConfig(undefined, (s) => s.replace(/y(\d)/, 'Y$1').replace(/n(\d)/, 'N$1'));
const NoValuesTestConfig = testConfig((s) => '-'.repeat(s.length));
const NullsTestConfig = testConfig(() => null);
const MissingSection2ValuesConfig = TestConfig.filter(
  ([key]) => key !== 'Section1:Section2:Key3' && key !== 'Section1:Section2:Key3a:1' && key !== 'Section1:Section2:Key3a:2',
);
const MissingSection4Config = TestConfig.filter(([key]) => !key.startsWith('Section3'));

function assertConfig(config: ConfigurationRoot, nullValue?: null | ''): void {
  const v = (s: string) => (nullValue === undefined ? s : nullValue);
  expect(config.get('Key1')).toBe(v('Value1'));
  expect(config.get('Section1:Key2')).toBe(v('Value12'));
  expect(config.get('section1:section2:key3')).toBe(v('Value123'));
  expect(config.get('Section1:Section2:Key3a:0')).toBe(v('ArrayValue0'));
  expect(config.get('Section1:Section2:Key3a:1')).toBe(v('ArrayValue1'));
  expect(config.get('Section1:Section2:Key3a:2')).toBe(v('ArrayValue2'));
  expect(config.get('Section3:Section4:Key4')).toBe(v('Value344'));

  const section1 = config.getSection('Section1');
  const section2 = section1.getSection('Section2');
  const section3a = section2.getSection('Key3a');
  expect(section1.get('Section2:Key3a:2')).toBe(v('ArrayValue2'));
  expect(section2.path).toBe('Section1:Section2');
  expect(section3a.path).toBe('Section1:Section2:Key3a');
  expect(section3a.get('1')).toBe(v('ArrayValue1'));
  for (const s of [section1, section2, section3a, config.getSection('Section3'), config.getSection('Section3:Section4')]) {
    expect(s.value ?? null).toBeNull();
  }
  expect(config.getSection('Section3').getSection('Section4').get('Key4')).toBe(v('Value344'));

  const keysOf = (children: Array<{ key: string }>) => children.map((c) => c.key.toLowerCase());
  expect(keysOf(config.getChildren())).toEqual(['key1', 'section1', 'section3']);
  expect(config.getChildren()[0]!.value).toBe(v('Value1'));
  expect(keysOf(section1.getChildren())).toEqual(['key2', 'section2']);
  expect(keysOf(section2.getChildren())).toEqual(['key3', 'key3a']);
  expect(section3a.getChildren().map((c) => [c.key, c.path.toLowerCase(), c.value])).toEqual([
    ['0', 'section1:section2:key3a:0', v('ArrayValue0')],
    ['1', 'section1:section2:key3a:1', v('ArrayValue1')],
    ['2', 'section1:section2:key3a:2', v('ArrayValue2')],
  ]);
  expect(keysOf(config.getSection('Section3').getChildren())).toEqual(['section4']);
  expect(keysOf(config.getSection('Section3:Section4').getChildren())).toEqual(['key4']);
}

/** Nests flat pairs back into an object for JSON text; `a:0` stays an object key, which flattens the same. */
function toJson(pairs: readonly Pair[]): string {
  const root: Record<string, unknown> = {};
  for (const [key, value] of pairs) {
    const segments = key.split(':');
    let node = root;
    for (const s of segments.slice(0, -1)) node = (node[s] ??= {}) as Record<string, unknown>;
    node[segments.at(-1)!] = value;
  }
  return JSON.stringify(root, null, 2);
}

describe('ConfigurationProviderTestBase through each provider', () => {
  let dir: string;
  let n = 0;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'layered-config-vectors-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  type Through = (b: ConfigurationBuilder, pairs: readonly Pair[]) => Promise<ConfigurationBuilder>;
  const providers: Array<[string, Through]> = [
    ['memory', async (b, pairs) => b.addInMemory(pairs)],
    [
      'JSON file',
      async (b, pairs) => {
        const file = join(dir, `config-${n++}.json`);
        await writeFile(file, toJson(pairs));
        return b.addJsonFile(file);
      },
    ],
    ['command line', async (b, pairs) => b.addCommandLine(pairs.map(([k, v]) => `--${k}=${v ?? ''}`))],
    ['environment', async (b, pairs) => b.addEnvironmentVariables({ env: Object.fromEntries(pairs.map(([k, v]) => [k.replaceAll(':', '__'), v ?? ''])) })],
  ];

  describe.each(providers)('%s', (_name, through) => {
    const root = async (...layers: Array<(b: ConfigurationBuilder) => Promise<ConfigurationBuilder> | ConfigurationBuilder>) => {
      let b = new ConfigurationBuilder();
      for (const layer of layers) b = await layer(b);
      return b.build();
    };

    it('loads the test tree alone (Load_from_single_provider)', async () => {
      assertConfig(await root((b) => through(b, TestConfig)));
    });

    it('combines with a memory provider before or after it (Combine_after/before_other_provider)', async () => {
      assertConfig(await root((b) => b.addInMemory(MissingSection2ValuesConfig), (b) => through(b, MissingSection4Config)));
      assertConfig(await root((b) => b.addInMemory(MissingSection4Config), (b) => through(b, MissingSection2ValuesConfig)));
      assertConfig(await root((b) => through(b, MissingSection2ValuesConfig), (b) => b.addInMemory(MissingSection4Config)));
      assertConfig(await root((b) => through(b, MissingSection4Config), (b) => b.addInMemory(MissingSection2ValuesConfig)));
    });

    it('overrides the values of an earlier provider, case-insensitively (Second_provider_overrides…, Combining_…_is_case_insensitive)', async () => {
      assertConfig(await root((b) => b.addInMemory(NoValuesTestConfig), (b) => through(b, TestConfig)));
      assertConfig(await root((b) => b.addInMemory(DifferentCasedTestConfig), (b) => through(b, TestConfig)));
    });

    it('binds the whole tree to an object (Bind_to_object)', async () => {
      const config = await root((b) => through(b, TestConfig));
      const options = config.bind(null, {
        Key1: '',
        Section1: { Key2: '', Section2: { Key3: '', Key3a: [] as string[] } },
        Section3: { Section4: { Key4: '' } },
      });
      expect(options).toEqual({
        Key1: 'Value1',
        Section1: { Key2: 'Value12', Section2: { Key3: 'Value123', Key3a: ['ArrayValue0', 'ArrayValue1', 'ArrayValue2'] } },
        Section3: { Section4: { Key4: 'Value344' } },
      });
    });
  });

  it('keeps null values from memory and JSON (Null_values_are_included_in_the_config; JSON null is null on .NET 10, measured by test/dotnet)', async () => {
    assertConfig(await new ConfigurationBuilder().addInMemory(NullsTestConfig).build(), null);
    const file = join(dir, 'nulls.json');
    await writeFile(file, toJson(NullsTestConfig));
    assertConfig(await new ConfigurationBuilder().addJsonFile(file).build(), null);
  });

  it('rejects keys that differ only by case in one JSON file, but lets the last one win on the command line and in the environment', async () => {
    const file = join(dir, 'dup.json');
    await writeFile(file, '{ "Key1": "Value1", "KeY1": "Value1" }');
    await expect(new ConfigurationBuilder().addJsonFile(file).build()).rejects.toThrow(DuplicateKeyError);
    const dupCase: Pair[] = [...TestConfig, ['KeY1', 'Value1'], ['SectioN1:SectioN2:KeY3', 'Value123']];
    assertConfig(await new ConfigurationBuilder().addCommandLine(dupCase.map(([k, v]) => `--${k}=${v}`)).build());
    const env = Object.fromEntries(dupCase.map(([k, v]) => [k.replaceAll(':', '__'), v ?? '']));
    assertConfig(await new ConfigurationBuilder().addEnvironmentVariables({ env }).build());
  });

  it('keeps the first spelling of a key one provider repeats in another case, with the last value (LastVariableAddedWhenMultipleEnvironmentVariablesWithSameNameButDifferentCaseExist; .NET 10 measured)', async () => {
    const env = await new ConfigurationBuilder().addEnvironmentVariables({ env: { CommonEnv: '1', commonenv: '2', cOMMonEnv: '3' } }).build();
    expect(env.get('commonenv')).toBe('3');
    expect(env.getChildren().map((c) => c.key)).toEqual(['CommonEnv']);
    expect([...env.entries()]).toEqual([['CommonEnv', '3']]);
    // where the value came from is still the variable that set it
    expect(env.origin('CommonEnv')?.source).toContain('cOMMonEnv');

    const args = await new ConfigurationBuilder().addCommandLine(['--KEY1=a', '--key1=b']).build();
    expect([...args.entries()]).toEqual([['KEY1', 'b']]);

    // An empty object or array sets its key without a duplicate check, keeping the first spelling.
    for (const [text, value] of [['{"a":1,"A":{}}', null], ['{"a":1,"A":[]}', '']] as const) {
      const file = join(dir, 'empty-after.json');
      await writeFile(file, text);
      const json = await new ConfigurationBuilder().addJsonFile(file).build();
      expect([...json.entries()]).toEqual([['a', value]]);
    }
  });
});

// ---- Json: ArrayTest and JsonConfigurationTest --------------------------------------------------

describe('JSON ArrayTest and JsonConfigurationTest', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'layered-config-vectors-json-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const files = async (...texts: string[]) => {
    const b = new ConfigurationBuilder();
    for (const [i, text] of texts.entries()) {
      const file = join(dir, `f${i}-${Math.random().toString(36).slice(2)}.json`);
      await writeFile(file, text);
      b.addJsonFile(file);
    }
    return b.build();
  };
  const ips = '{ "ip": ["1.2.3.4", "7.8.9.10", "11.12.13.14"] }';

  it('replaces one element through an object with an index key (ExplicitArrayReplacement)', async () => {
    const config = await files(ips, '{ "ip": { "1": "15.16.17.18" } }');
    expect(config.getSection('ip').getChildren().map((c) => c.value)).toEqual(['1.2.3.4', '15.16.17.18', '11.12.13.14']);
  });

  it('appends through a later index (ArrayMerge)', async () => {
    const config = await files(ips, '{ "ip": { "3": "15.16.17.18" } }');
    expect(config.getSection('ip').getChildren().map((c) => [c.key, c.value])).toEqual([
      ['0', '1.2.3.4'],
      ['1', '7.8.9.10'],
      ['2', '11.12.13.14'],
      ['3', '15.16.17.18'],
    ]);
  });

  it('keeps array elements in file order, not value order (ArraysAreKeptInFileOrder)', async () => {
    const config = await files('{ "setting": ["b", "a", "2"] }');
    expect(config.getSection('setting').getChildren().map((c) => c.value)).toEqual(['b', 'a', '2']);
  });

  it('merges arrays and objects from several files into one sorted set of children (FunctionalTests ArrayTests)', async () => {
    const config = await files(
      '{ "address": ["json_0.0.0.0", "json_1.1.1.1", "json_2.2.2.2"] }',
      '{ "address": { "2": "ini_2.2.2.2", "i": "ini_i.i.i.i" } }',
      '{ "address": { "j": "json_j.j.j.j", "3": "json_3.3.3.3" } }',
      '{ "address": { "4": "xml_4.4.4.4", "1": "xml_1.1.1.1", "x": "xml_x.x.x.x" } }',
    );
    expect(config.getSection('address').getChildren().map((c) => [c.path, c.value])).toEqual([
      ['address:0', 'json_0.0.0.0'],
      ['address:1', 'xml_1.1.1.1'],
      ['address:2', 'ini_2.2.2.2'],
      ['address:3', 'json_3.3.3.3'],
      ['address:4', 'xml_4.4.4.4'],
      ['address:i', 'ini_i.i.i.i'],
      ['address:j', 'json_j.j.j.j'],
      ['address:x', 'xml_x.x.x.x'],
    ]);
  });

  it('reads names with dots, looked up in any case (CanLoadValidJsonFromStreamProvider, LoadMethodCanHandleEmptyValue, LoadWithCulture)', async () => {
    const config = await files(
      '{ "firstname": "test", "test.last.name": "last.name", "residential.address": { "street.name": "Something street", "zipcode": "12345" }, "name": "", "number": 3.14 }',
    );
    expect(config.get('firstname')).toBe('test');
    expect(config.get('test.last.name')).toBe('last.name');
    expect(config.get('residential.address:STREET.name')).toBe('Something street');
    expect(config.get('residential.address:zipcode')).toBe('12345');
    expect(config.get('name')).toBe('');
    expect(config.get('number')).toBe('3.14');
  });

  it.each([
    ['a missing closing brace after a comment', '{\n  "name": "test",\n  "address": { "street": "Something street", "zipcode": "12345" }\n  /* Missing a right brace here*/'],
    ['an unclosed object', '\n{\n  "Data": {\n'],
    ['an empty file', ''],
  ])('says "Could not parse the JSON file." for %s', (_what, text) => {
    expect(() => parseJsonConfiguration(text)).toThrow(ConfigurationParseError);
    expect(() => parseJsonConfiguration(text)).toThrow('Could not parse the JSON file.');
  });

  it('says "A duplicate key \'…\' was found." for a duplicate', () => {
    expect(() => parseJsonConfiguration('{ "name": "a", "NAME": "b" }')).toThrow("A duplicate key 'NAME' was found.");
  });

  it('names a missing required file, and ignores a missing optional one (JsonConfiguration_Throws_On_Missing_Configuration_File)', async () => {
    const missing = new ConfigurationBuilder().addJsonFile('NotExistingConfig.json', { optional: false, baseDir: dir }).build();
    await expect(missing).rejects.toThrow(ConfigurationFileNotFoundError);
    await expect(missing).rejects.toThrow(
      /^The configuration file 'NotExistingConfig\.json' was not found and is not optional\. The expected physical path was '/,
    );
    const optional = await new ConfigurationBuilder().addJsonFile('NotExistingConfig.json', { optional: true, baseDir: dir }).build();
    expect([...optional.entries()]).toEqual([]);
  });
});
