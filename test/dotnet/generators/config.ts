/**
 * fast-check generators for configuration layers: what teams write (nested JSON, `__` variables,
 * `--key value` arguments, mounted secret files) and what breaks parsers (case-only differences,
 * `:` in names, duplicates, comments, trailing commas, every number form, surrogate pairs).
 */
import fc from 'fast-check';

/** Segments drawn from a small pool so layers overlap, collide and differ only in case. */
export const segment = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('a', 'A', 'b', 'B', 'Name', 'NAME', 'name', 'Db', 'db', 'Logging', 'LogLevel') },
  { weight: 3, arbitrary: fc.constantFrom('0', '1', '2', '10', '01', '-1', '1.5') },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'é', 'É', 'ß', 'ẞ', 'İ', 'ı', '😀', 'k😀', 'x y', '', '_', 'ConnectionStrings') },
);

export const key = fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join(':'));

export const text = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('', 'v', 'V', 'true', 'False', '0', '1.0', ' spaced ', 'a=b', 'line\nbreak', 'é', '😀', '\u0000', '"q"', '\\') },
  { weight: 2, arbitrary: fc.string({ maxLength: 6, unit: 'grapheme' }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 4, unit: 'binary' }) },
);

// ---- JSON -------------------------------------------------------------------------------------

export type JsonTree =
  | { t: 'obj'; members: Array<[string, JsonTree]> }
  | { t: 'arr'; items: JsonTree[] }
  | { t: 'str'; value: string }
  | { t: 'num'; raw: string }
  | { t: 'lit'; raw: 'true' | 'false' | 'null' };

const NUMBERS = ['0', '-0', '1', '-1', '10', '1.0', '0.10', '3.14', '1e5', '1E+5', '1e-7', '-2.5E-3', '123456789012345678901234567890', '0.1000', '5e0', '9007199254740993'];

const jsonName = fc.oneof({ weight: 4, arbitrary: segment }, { weight: 1, arbitrary: key });

const { tree } = fc.letrec<{ tree: JsonTree; obj: JsonTree; arr: JsonTree }>((tie) => ({
  tree: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'json' },
    fc.record({ t: fc.constant('str' as const), value: text }),
    fc.record({ t: fc.constant('num' as const), raw: fc.constantFrom(...NUMBERS) }),
    fc.record({ t: fc.constant('lit' as const), raw: fc.constantFrom('true' as const, 'false' as const, 'null' as const) }),
    tie('obj'),
    tie('arr'),
  ),
  obj: fc.record({ t: fc.constant('obj' as const), members: fc.array(fc.tuple(jsonName, tie('tree')), { maxLength: 4, depthIdentifier: 'json' }) }),
  arr: fc.record({ t: fc.constant('arr' as const), items: fc.array(tie('tree'), { maxLength: 3, depthIdentifier: 'json' }) }),
}));

export interface JsonStyle {
  pretty: boolean;
  comments: boolean;
  trailingCommas: boolean;
  escapeNonAscii: boolean;
}

function quote(s: string, escapeNonAscii: boolean): string {
  const json = JSON.stringify(s);
  if (!escapeNonAscii) return json;
  return json.replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function renderJson(node: JsonTree, style: JsonStyle, depth = 0): string {
  const nl = style.pretty ? `\n${'  '.repeat(depth + 1)}` : '';
  const end = style.pretty ? `\n${'  '.repeat(depth)}` : '';
  const comment = style.comments ? '/* c */ ' : '';
  const trailing = style.trailingCommas ? ',' : '';
  switch (node.t) {
    case 'str':
      return quote(node.value, style.escapeNonAscii);
    case 'num':
    case 'lit':
      return node.raw;
    case 'arr':
      if (node.items.length === 0) return '[]';
      return `[${nl}${comment}${node.items.map((i) => renderJson(i, style, depth + 1)).join(`,${nl}`)}${trailing}${end}]`;
    case 'obj':
      if (node.members.length === 0) return '{}';
      return `{${nl}${comment}${node.members
        .map(([k, v]) => `${quote(k, style.escapeNonAscii)}: ${renderJson(v, style, depth + 1)}`)
        .join(`,${style.comments ? ' // line\n' : ''}${nl}`)}${trailing}${end}}`;
  }
}

const style = fc.record({ pretty: fc.boolean(), comments: fc.boolean(), trailingCommas: fc.boolean(), escapeNonAscii: fc.boolean() });

export const jsonText = fc.oneof(
  { weight: 12, arbitrary: fc.tuple(fc.record({ t: fc.constant('obj' as const), members: fc.array(fc.tuple(jsonName, tree), { maxLength: 5 }) }), style).map(([t, s]) => renderJson(t, s)) },
  // Roots that are not objects, broken documents and an empty file.
  { weight: 1, arbitrary: fc.tuple(tree, style).map(([t, s]) => renderJson(t, s)) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '{', '{"a":1,,}', '{"a":}', "{'a':1}", '{"a":1}}', '{"a":1} x', '{"a":01}', '{"a":NaN}', '{"a":"\\x"}', '\uFEFF{"a":1}',
    // a comment between a name and its ':'; surrogate escapes alone and paired
    '{"a"/*c*/:1}', '{"a" //c\n:1}', '{"a":"\\ud800"}', '{"a":"\\udc00x"}', '{"a\\ud800":1}', '{"a":"\\ud83d\\ude00"}') },
);

// ---- environment --------------------------------------------------------------------------------

const CONNSTR = ['MYSQLCONNSTR_', 'SQLAZURECONNSTR_', 'SQLCONNSTR_', 'POSTGRESQLCONNSTR_', 'CUSTOMCONNSTR_', 'APIHUBCONNSTR_', 'DOCDBCONNSTR_', 'EVENTHUBCONNSTR_', 'NOTIFICATIONHUBCONNSTR_', 'REDISCACHECONNSTR_', 'SERVICEBUSCONNSTR_', 'sqlconnstr_', 'CustomConnStr_'];
const PREFIXES = ['APP_', 'app_', 'MyApp__', 'myapp:', 'ConnectionStrings:', 'connectionstrings__', 'A', ''];

const envName = fc
  .tuple(
    fc.oneof({ weight: 5, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom(...CONNSTR) }, { weight: 2, arbitrary: fc.constantFrom(...PREFIXES) }),
    fc.array(segment, { minLength: 1, maxLength: 3 }),
    fc.array(fc.constantFrom('__', '__', '___', '_', ':', '____'), { minLength: 3, maxLength: 3 }),
    fc.constantFrom('', '', '', '_', '__'),
  )
  .map(([prefix, segs, seps, tail]) => prefix + segs.map((s, i) => (i === 0 ? s : seps[i - 1] + s)).join('') + tail)
  .filter((n) => n.length > 0 && !n.includes('=') && !n.includes('\u0000'));

export interface EnvLayer {
  kind: 'env';
  prefix: string | null;
  vars: Array<[string, string]>;
}
export const envLayer: fc.Arbitrary<EnvLayer> = fc.record({
  kind: fc.constant('env' as const),
  prefix: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 2, arbitrary: fc.constantFrom(...PREFIXES) }),
  vars: fc.uniqueArray(fc.tuple(envName, text.filter((t) => !t.includes('\u0000'))), { maxLength: 6, selector: ([n]) => n }),
});

// ---- command line -------------------------------------------------------------------------------

const MAPPING_SOURCES = ['-k', '-K', '--alias', '--ALIAS', '-n', '--name', 'bad', '-'];
export const mappings = fc.oneof(
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 3, arbitrary: fc.uniqueArray(fc.tuple(fc.constantFrom(...MAPPING_SOURCES.slice(0, 6)), key), { maxLength: 3, selector: ([k]) => k.toLowerCase() }) },
  { weight: 1, arbitrary: fc.uniqueArray(fc.tuple(fc.constantFrom(...MAPPING_SOURCES), key), { maxLength: 3, selector: ([k]) => k }) },
);

const switchName = fc.oneof(
  { weight: 4, arbitrary: key.map((k) => `--${k}`) },
  { weight: 2, arbitrary: key.map((k) => `/${k}`) },
  { weight: 2, arbitrary: fc.constantFrom('-k', '-K', '--alias', '--Alias', '-n', '--name', '-z', '-', '--', '/') },
  { weight: 1, arbitrary: key },
);
const argValue = fc.oneof({ weight: 4, arbitrary: text.filter((t) => !t.includes('\u0000')) }, { weight: 1, arbitrary: fc.constantFrom('--x', '-k', '/a', '=', 'a=b') });

export const args = fc
  .array(
    fc.oneof(
      fc.tuple(switchName, argValue).map(([k, v]) => [`${k}=${v}`]),
      fc.tuple(switchName, argValue).map(([k, v]) => [k, v]),
      switchName.map((k) => [k]),
    ),
    { maxLength: 5 },
  )
  .map((groups) => groups.flat());

export interface CmdLayer {
  kind: 'cmd';
  args: string[];
  mappings: Array<[string, string]> | null;
}
export const cmdLayer: fc.Arbitrary<CmdLayer> = fc.record({ kind: fc.constant('cmd' as const), args, mappings });

// ---- in memory, JSON, key per file --------------------------------------------------------------

export interface MemoryLayer {
  kind: 'memory';
  pairs: Array<[string, string | null]>;
}
export const memoryLayer: fc.Arbitrary<MemoryLayer> = fc.record({
  kind: fc.constant('memory' as const),
  // Unique keys: an object literal or a Map cannot hold the same key twice (a case variant it can).
  pairs: fc.uniqueArray(fc.tuple(key, fc.option(text, { freq: 5 })), { maxLength: 5, selector: ([k]) => k }),
});

export interface JsonLayer {
  kind: 'json';
  text: string;
}
export const jsonLayer: fc.Arbitrary<JsonLayer> = fc.record({ kind: fc.constant('json' as const), text: jsonText });

export interface KeyPerFileLayer {
  kind: 'keyPerFile';
  files: Array<[string, string]>;
  dirs: string[];
  optional: boolean;
  missing: boolean;
  ignorePrefix?: string | null;
  sectionDelimiter?: string;
}
const fileName = fc
  .oneof(
    { weight: 5, arbitrary: fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join('__')) },
    { weight: 1, arbitrary: fc.constantFrom('..data', '..2024_01_01', '.hidden', 'a:b', 'a___b', 'x.txt', 'key_', '_key', 'A__', 'a.b.c', 'a--b', 'Db.Password', 'ignore.Secret0', 'ignore.', 'Ignore.a', 'ignore__x') },
  )
  .filter((n) => n.length > 0 && n !== '.' && n !== '..' && !n.includes('/') && Buffer.byteLength(n) < 200);
const fileContent = fc.oneof(
  { weight: 3, arbitrary: text },
  { weight: 2, arbitrary: text.chain((t) => fc.constantFrom(`${t}\n`, `${t}\r\n`, `${t}\n\n`, `\uFEFF${t}`, `${t} `, `\n${t}`)) },
);
export const keyPerFileLayer: fc.Arbitrary<KeyPerFileLayer> = fc.record(
  {
    kind: fc.constant('keyPerFile' as const),
    files: fc.uniqueArray(fc.tuple(fileName, fileContent), { maxLength: 5, selector: ([n]) => n }),
    dirs: fc.uniqueArray(fileName, { maxLength: 1 }),
    optional: fc.boolean(),
    missing: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    ignorePrefix: fc.constantFrom('..', null, 'a', ''),
    sectionDelimiter: fc.constantFrom('__', '.', '--', '_'),
  },
  { requiredKeys: ['kind', 'files', 'dirs', 'optional', 'missing'] },
);

export type Layer = JsonLayer | EnvLayer | CmdLayer | MemoryLayer | KeyPerFileLayer;

export interface ConfigCase {
  layers: Layer[];
  sections: string[];
  lookups: string[];
}

export const configCase: fc.Arbitrary<ConfigCase> = fc.record({
  layers: fc.array(fc.oneof(jsonLayer, envLayer, cmdLayer, memoryLayer, keyPerFileLayer), { minLength: 1, maxLength: 4 }),
  sections: fc.uniqueArray(fc.oneof(fc.constant(''), key), { minLength: 1, maxLength: 3 }),
  lookups: fc.uniqueArray(key, { maxLength: 4 }),
});
