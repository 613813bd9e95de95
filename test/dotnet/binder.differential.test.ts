import { ConfigurationBuilder } from '../../src/builder.js';
import { BindingError } from '../../src/core/errors.js';
import { dictionaryOf } from '../../src/binding/bind.js';
import { binderCase, type BinderCase } from './generators/binder.js';
import { differentialSuite, type AreaSpec } from './harness.js';
import type { OracleAnswer } from './oracle.js';


/** The defaults object equivalent to the oracle's `BoundSettings` class. */
const defaults = () => ({
  Str: '',
  Maybe: null,
  Number: 0,
  Big: 0n,
  Flag: false,
  When: new Date(Date.UTC(2000, 0, 1)),
  Link: new URL('https://example.com/'),
  Names: [] as string[],
  Numbers: [0],
  Labels: dictionaryOf(''),
  Nested: { Name: '', Value: 0 },
  Items: [{ Name: '', Value: 0 }],
  // `AccessMode Mode`: no enum type in a defaults object, a string holding the first member's name.
  Mode: 'Off',
  // `int Count`: a number default (JavaScript has one number type).
  Count: 0,
  // `int? Retries` and `bool? Enabled`: a null default, the one nullable default there is.
  Retries: null,
  Enabled: null,
});

interface BinderAnswer {
  error?: string;
  value?: Record<string, unknown>;
}

export function dotnetError(message: string): string {
  const convert = /^Failed to convert configuration value (?:'.*' )?at '(.*)' to type/s.exec(message);
  if (convert) return `convert:${convert[1]!.toLowerCase()}`;
  if (message.includes('the following properties were not found')) return 'unknown';
  if (message.includes('binding has failed')) return 'strict-element';
  return `other:${message.slice(0, 80)}`;
}

function ourError(err: unknown): string {
  if (!(err instanceof BindingError)) return `crash:${String(err)}`;
  if (err.message.includes('binding has failed')) return 'strict-element';
  if (err.message.includes('were not found')) return 'unknown';
  if (err.message.startsWith('Failed to convert')) return `convert:${(err.key ?? '').toLowerCase()}`;
  return `other:${err.message.slice(0, 80)}`;
}

const num = (n: number) => (Number.isFinite(n) ? n : String(n));

export function theirs(a: OracleAnswer): BinderAnswer {
  if (a.error) return { error: dotnetError(a.error.message) };
  const v = a.value as Record<string, unknown>;
  return { value: { ...v, When: String(v.When).replace(/\(unspecified\)$/, '') } };
}

export async function ours(c: BinderCase): Promise<BinderAnswer> {
  const config = await new ConfigurationBuilder().addInMemory(c.pairs).build();
  try {
    const b = config.bind('S', defaults(), { strict: c.strict });
    const labels = b.Labels instanceof Map ? [...b.Labels.entries()] : Object.entries(b.Labels as Record<string, string>);
    return {
      value: {
        Str: b.Str,
        Maybe: b.Maybe,
        Number: num(b.Number),
        Big: String(b.Big),
        Flag: b.Flag,
        When: b.When.toISOString(),
        Link: b.Link.href,
        Names: b.Names,
        Numbers: b.Numbers.map(num),
        Labels: labels,
        Nested: { Name: b.Nested.Name, Value: num(b.Nested.Value) },
        Items: b.Items.map((i) => ({ Name: i.Name, Value: num(i.Value) })),
        Mode: b.Mode,
        Count: num(b.Count),
        Retries: b.Retries,
        Enabled: b.Enabled,
      },
    };
  } catch (err) {
    return { error: ourError(err) };
  } finally {
    await config.dispose();
  }
}

const spec: AreaSpec<BinderCase> = {
  area: 'binder',
  arbitrary: binderCase,
  toOracle: (c) => ({ area: 'binder', pairs: c.pairs, strict: c.strict }),
  theirs: (a) => theirs(a),
  ours,
  secrets: () => [],
};

differentialSuite('ConfigurationBinder.Bind against our bind', 'binder', spec, 'test/dotnet/binder.differential.test.ts');
