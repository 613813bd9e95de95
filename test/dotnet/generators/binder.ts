/** fast-check generators for binding a section onto the fixed `BoundSettings` shape (test/dotnet/oracle/BinderArea.cs). */
import fc from 'fast-check';

function anyCase(word: string): fc.Arbitrary<string> {
  return fc.constantFrom(word, word.toLowerCase(), word.toUpperCase());
}
const index = fc.constantFrom('0', '1', '2', '5', '10', 'x', '01');
const number = fc.constantFrom('0', '1', '-2.5', ' 3 ', '1e3', '1E-2', '.5', '5.', '+7', 'NaN', 'Infinity', '-Infinity', '1,000', '0x10', '', 'abc', '1_000');
const bool = fc.constantFrom('true', 'False', 'TRUE', ' true ', 'yes', '1', '', 'tru');
const date = fc.constantFrom('2024-02-29T10:00:00Z', '2024-02-29T10:00:00+02:00', '2024-02-29T10:00:00.123Z', '2023-02-30T00:00:00Z', 'x', '');
const link = fc.constantFrom('https://contoso.com/a', 'http://localhost:8080', 'HTTPS://CONTOSO.COM', 'https://contoso.com/a b', '', 'api/v1', '/relative');
const mode = fc.constantFrom('Off', 'ReadOnly', 'ReadWrite', 'readwrite', 'READONLY', ' ReadOnly ', '1', '2', '7', '-1', '', 'Off, ReadOnly', 'Read-Only', 'Unknown');
const int = fc.constantFrom('0', '42', ' 3 ', '+7', '-1', '1.5', '1e3', '2147483647', '2147483648', '-2147483649', '', 'x', '0x10', '&h1F', '#10');
const text = fc.constantFrom('', 'v', 'V', ' spaced ', 'é', '😀');

const pair: fc.Arbitrary<[string, string | null]> = fc.oneof(
  fc.tuple(anyCase('Str'), fc.option(text, { freq: 6 })),
  fc.tuple(anyCase('Number'), number),
  fc.tuple(anyCase('Maybe'), fc.option(text, { freq: 4 })),
  fc.tuple(anyCase('Big'), fc.constantFrom('0', '9007199254740993', '-9223372036854775808', '9223372036854775808', ' 12 ', '+5', '1.0', '1e3', '', 'x')),
  fc.tuple(anyCase('Flag'), bool),
  fc.tuple(anyCase('When'), date),
  fc.tuple(anyCase('Link'), link),
  fc.tuple(fc.tuple(anyCase('Names'), index).map(([a, b]) => `${a}:${b}`), fc.option(text, { freq: 6 })),
  fc.tuple(fc.tuple(anyCase('Numbers'), index).map(([a, b]) => `${a}:${b}`), number),
  fc.tuple(fc.tuple(anyCase('Labels'), fc.constantFrom('a', 'A', 'b', 'key:sub')).map(([a, b]) => `${a}:${b}`), fc.option(text, { freq: 6 })),
  fc.tuple(fc.tuple(anyCase('Nested'), fc.constantFrom('Name', 'value', 'Other')).map(([a, b]) => `${a}:${b}`), number),
  fc.tuple(fc.tuple(anyCase('Items'), index, fc.constantFrom('Name', 'Value')).map(([a, b, d]) => `${a}:${b}:${d}`), number),
  fc.tuple(anyCase('Mode'), fc.option(mode, { freq: 6 })),
  fc.tuple(anyCase('Count'), int),
  fc.tuple(anyCase('Retries'), fc.option(int, { freq: 6 })),
  fc.tuple(anyCase('Enabled'), fc.option(bool, { freq: 6 })),
  fc.tuple(fc.constantFrom('Unknown', 'Str:Child', 'Flag:x', 'Mode:x'), fc.constant('1')),
);

export interface BinderCase {
  pairs: Array<[string, string | null]>;
  strict: boolean;
}
export const binderCase: fc.Arbitrary<BinderCase> = fc.record({
  pairs: fc.uniqueArray(pair, { maxLength: 6, selector: ([k]) => k.toLowerCase() }).map((ps) => ps.map(([k, v]) => [`S:${k}`, v] as [string, string | null])),
  strict: fc.boolean(),
});
