import { readdirSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repo } from './install.js';

/**
 * The bundle's source maps lead back to the right line of the right TypeScript file, so a stack
 * trace under `--enable-source-maps` (or in a debugger) points at `src/`, whose text the maps carry.
 */
const dist = path.join(repo, 'dist');
// the entries, the lazily loaded modules (lazy.js) and the chunks they share, all in dist/
const scripts = readdirSync(dist).filter((f) => f.endsWith('.js'));

/** Where `needle` starts in the shipped file, and where its source map says it came from. */
function original(needle: string): { file: string; line: number; text: string } {
  for (const script of scripts) {
    const code = readFileSync(path.join(dist, script), 'utf8');
    const offset = code.indexOf(needle);
    if (offset < 0) continue;
    const before = code.slice(0, offset).split('\n');
    const map = new SourceMap(JSON.parse(readFileSync(path.join(dist, `${script}.map`), 'utf8')));
    // SourceMap takes and gives 0-based lines and columns.
    const entry = map.findEntry(before.length - 1, before.at(-1)!.length) as { originalSource: string; originalLine: number };
    const payload = map.payload as { sources: string[]; sourcesContent: string[] };
    const index = payload.sources.findIndex((s) => entry.originalSource.endsWith(s.replace(/^(\.\.\/)+/, '')));
    const text = payload.sourcesContent[index]!.split('\n')[entry.originalLine]!;
    return { file: path.relative(repo, path.resolve(dist, path.dirname(script), payload.sources[index]!)), line: entry.originalLine + 1, text };
  }
  throw new Error(`${needle} is not in dist/`);
}

describe('source maps of dist/', () => {
  it('map the bundled code back to its TypeScript file and line', () => {
    for (const [needle, file, signature] of [
      ['function registerAncestors(', 'src/core/root.ts', 'function registerAncestors('],
      ['function readPlainJsonConfiguration(', 'src/parsers/jsonNative.ts', 'export function readPlainJsonConfiguration('],
      ['async function main(', 'src/cli.ts', 'export async function main('],
      // in lazy.js, loaded on first use
      ['function toDictionary(', 'src/binders/signalr/connectionString.ts', 'function toDictionary('],
    ] as const) {
      const found = original(needle);
      expect(found.file).toBe(file);
      expect(found.text).toContain(signature);
      const lines = readFileSync(path.join(repo, file), 'utf8').split('\n');
      expect(lines[found.line - 1]).toBe(found.text);
    }
  });
});
