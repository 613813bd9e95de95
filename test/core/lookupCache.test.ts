import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ConfigurationRoot, foldKey, providerData, type ConfigurationProvider, type ProviderData } from '../../src/index.js';

/**
 * `get` remembers the spellings it was asked for (so `Svc4:Part2:Key17` is not folded again on
 * every call). These tests hold it to the folding rules: the answer for any spelling is what a
 * root that never saw that spelling gives, before and after reloads, beyond ASCII too, and the
 * memory it keeps is bounded however many spellings are asked for.
 */

/** A provider whose data is whatever `current` holds when it is loaded. */
function switchable(initial: Record<string, string | null>) {
  let current = initial;
  const provider: ConfigurationProvider = {
    name: 'Switchable',
    load: async (): Promise<ProviderData> => providerData(Object.entries(current).map(([key, value]) => ({ key, value }))),
  };
  return { provider, set: (next: Record<string, string | null>) => (current = next) };
}

async function rootOf(...layers: Array<Record<string, string | null>>): Promise<ConfigurationRoot> {
  const providers = layers.map((layer) => switchable(layer).provider);
  return new ConfigurationRoot(providers, await Promise.all(providers.map((p) => p.load())));
}

// Keys whose case mappings are not one-to-one, or that fold outside ASCII: German sharp s,
// Turkish dotted and dotless i, final sigma, Kelvin sign, a title-case digraph, Roman numerals.
const UNICODE_KEYS: Record<string, string> = {
  'Straße:Länge': 'sharp-s',
  'İstanbul:Iğdır': 'dotted-i',
  'ıspanak': 'dotless-i',
  'ΟΔΥΣΣΕΥΣ:Λόγος': 'sigma',
  '\u212Aelvin': 'kelvin-sign',
  'ǅemal': 'title-case',
  'Ⅻ:Ⅳ': 'roman',
  'Ünïcödé:ÆØÅ': 'latin-1',
};

function spellingsOf(key: string): string[] {
  const upper = key.toUpperCase();
  const lower = key.toLowerCase();
  const swapped = [...key].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');
  return [...new Set([key, upper, lower, swapped, foldKey(key), upper.toLowerCase(), lower.toUpperCase()])];
}

describe('get by the spelling the caller wrote', () => {
  it('answers every spelling as an uncached root does, the first time and every time after', async () => {
    const values = { 'Svc4:Part2:Key17': 'a', 'svc4:part2:KEY18': 'b', ...UNICODE_KEYS };
    const cached = await rootOf(values);
    for (const key of Object.keys(values)) {
      for (const spelling of spellingsOf(key)) {
        const expected = (await rootOf(values)).get(spelling);
        expect(cached.get(spelling), spelling).toBe(expected);
        expect(cached.get(spelling), `${spelling}, asked again`).toBe(expected);
        // the same answer as folding both sides, the tree's rule
        expect(expected, spelling).toBe(foldKey(spelling) === foldKey(key) ? values[key as keyof typeof values] : undefined);
      }
    }
    // a missed lookup is not remembered as a hit, and a hit not as a miss
    expect(cached.get('Svc4:Part2:Key99')).toBeUndefined();
    expect(cached.get('SVC4:PART2:KEY17')).toBe('a');
  });

  it('follows reloads: a spelling seen before the reload gets the new value, and a removed key is gone', async () => {
    const source = switchable({ 'Svc4:Part2:Key17': 'before', 'Straße': 'before', Gone: 'here' });
    const root = new ConfigurationRoot([source.provider], [await source.provider.load()]);
    const spellings = ['Svc4:Part2:Key17', 'svc4:part2:key17', 'SVC4:PART2:KEY17', 'Straße', 'STRASSE', 'straße', 'Gone', 'GONE'];
    const first = spellings.map((s) => root.get(s));
    expect(first).toEqual(['before', 'before', 'before', 'before', undefined, 'before', 'here', 'here']);

    source.set({ 'svc4:PART2:key17': 'after', 'STRAßE': 'after', Added: 'new' });
    await root.reload();
    expect(spellings.map((s) => root.get(s))).toEqual(['after', 'after', 'after', 'after', undefined, 'after', undefined, undefined]);
    expect(root.get('ADDED')).toBe('new');
  });

  it('follows a later provider that overrides the key in another spelling', async () => {
    const low = switchable({ 'Svc4:Part2:Key17': 'low' });
    const high = switchable({});
    const root = new ConfigurationRoot([low.provider, high.provider], [await low.provider.load(), await high.provider.load()]);
    expect(root.get('Svc4:Part2:Key17')).toBe('low');
    high.set({ 'SVC4:part2:KEY17': 'high' });
    await root.reload();
    expect(root.get('Svc4:Part2:Key17')).toBe('high');
    expect(root.get('SVC4:part2:KEY17')).toBe('high');
  });

  it('remembers a miss until a provider gains the key, and walks the providers only for spellings not seen', async () => {
    const low = switchable({ 'Svc4:Part2:Key17': 'low' });
    const high = switchable({});
    const providers = [low.provider, high.provider];
    const root = new ConfigurationRoot(providers, await Promise.all(providers.map((p) => p.load())));
    expect(root.get('Svc4:Part2:Missing')).toBeUndefined();
    expect(root.get('Svc4:Part2:Missing')).toBeUndefined();
    high.set({ 'svc4:part2:missing': 'now here' });
    await root.reload();
    expect(root.get('Svc4:Part2:Missing')).toBe('now here');
    // the winner and its provider, found by walking the providers from the last
    expect(root.origin('SVC4:PART2:KEY17')).toEqual({ key: 'Svc4:Part2:Key17', provider: 'Switchable', secret: false });
    expect(root.explain('svc4:part2:missing')).toMatchObject({ key: 'svc4:part2:missing', value: 'now here', overridden: [] });
  });

  it('keeps a bounded amount of memory however many missing keys are asked for', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const root = await rootOf({ Present: 'x' });
    gc();
    gc();
    const before = process.memoryUsage().heapUsed;
    let misses = 0;
    for (let n = 0; n < 1 << 18; n++) if (root.get(`Absent:Key${n}`) === undefined) misses++;
    gc();
    gc();
    expect(misses).toBe(1 << 18);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(4 * 1024 * 1024);
    expect(root.get('present')).toBe('x');
  });

  it('keeps a bounded amount of memory however many spellings are asked for', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // 2^18 case variants of one key: remembering each would keep well over 10 MB.
    const letters = 'abcdefghijklmnopqr';
    const root = await rootOf({ [letters]: 'x' });
    const variant = (n: number) => [...letters].map((c, i) => ((n >> i) & 1 ? c.toUpperCase() : c)).join('');
    expect(root.get(variant(0))).toBe('x');
    gc();
    gc();
    const before = process.memoryUsage().heapUsed;
    let hits = 0;
    for (let n = 0; n < 1 << letters.length; n++) if (root.get(variant(n)) === 'x') hits++;
    gc();
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    expect(hits).toBe(1 << letters.length);
    expect(grown).toBeLessThan(4 * 1024 * 1024);
  });
});
