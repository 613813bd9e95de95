import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The source tree's folders and which way their imports may point (docs/architecture.md): data flows
 * sources → providers → merged tree → binder → typed objects, and imports only point down that flow.
 * Type-only imports count too: a circle of types is still a circle for the next reader.
 */
const src = fileURLToPath(new URL('../../src', import.meta.url));

/** Each folder and the folders it may import (the top level, `src/*.ts`, may import any). */
const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  parsers: ['core'],
  net: ['core'],
  binding: ['core'],
  'remote/keyvault': ['core', 'parsers', 'net'],
  'remote/appconfig': ['core', 'parsers', 'net', 'remote/keyvault'],
  providers: ['core', 'parsers', 'net', 'remote/keyvault', 'remote/appconfig'],
  'binders/signalr': ['core', 'net'],
  'binders/redis': ['core', 'net'],
  discovery: ['core', 'net', 'providers', 'remote/keyvault', 'remote/appconfig'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

/** `binders/signalr` for src/binders/signalr/x.ts, `core` for src/core/x.ts, `top` for src/x.ts. */
function folderOf(file: string): string {
  const parts = path.relative(src, file).split(path.sep);
  if (parts.length === 1) return 'top';
  return parts[0] === 'binders' || parts[0] === 'remote' ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

const edges: Array<{ from: string; to: string; where: string }> = [];
for (const file of sourceFiles(src)) {
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)'(\.{1,2}\/[^']+)'/g)) {
    const target = path.resolve(path.dirname(file), m[1]!);
    const from = folderOf(file);
    const to = folderOf(target);
    if (from !== to) edges.push({ from, to, where: `${path.relative(src, file)} imports '${m[1]}'` });
  }
}

describe('the source tree', () => {
  it('has the folders the architecture page describes, and no others', () => {
    const folders = new Set(sourceFiles(src).map(folderOf));
    folders.delete('top');
    expect([...folders].sort()).toEqual(Object.keys(ALLOWED).sort());
  });

  it('imports only point down the flow', () => {
    const wrong = edges.filter((e) => e.from !== 'top' && !(ALLOWED[e.from] ?? []).includes(e.to)).map((e) => e.where);
    expect(wrong).toEqual([]);
  });

  it('sees the imports it checks (the check is not vacuous)', () => {
    expect(edges.some((e) => e.from === 'providers' && e.to === 'core')).toBe(true);
    expect(edges.some((e) => e.from === 'top' && e.to === 'binders/signalr')).toBe(true);
  });
});
