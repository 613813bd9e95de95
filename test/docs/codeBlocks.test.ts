// Every code block marked `ts`/`typescript` in README.md and docs/*.md must type-check against the
// package: each block is written as its own ES module into a temp dir and all are compiled in one
// TypeScript program, with 'layered-config' mapped to src/index.ts.
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeBlocks, documentationPages, readPage, repoRoot } from './markdown.js';

const TYPESCRIPT = new Set(['ts', 'typescript']);

interface BlockFile {
  readonly page: string;
  readonly line: number;
  readonly file: string;
}

const pages = documentationPages();
const failures = new Map<string, string[]>(pages.map((p) => [p, []]));
const counts = new Map<string, number>();
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'layered-config-docs-'));
  // Packages a block imports (`@azure/identity`, `node:http` types) resolve from the repository's node_modules.
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const files: BlockFile[] = [];
  for (const page of pages) {
    const blocks = codeBlocks(readPage(page)).filter((b) => TYPESCRIPT.has(b.lang));
    counts.set(page, blocks.length);
    for (const block of blocks) {
      // .mts: an ES module whatever the directory, so top-level await and `import` work.
      const file = path.join(dir, `${page.replace(/[^A-Za-z0-9]+/g, '_')}_L${block.line}.mts`);
      writeFileSync(file, block.code + '\n');
      files.push({ page, line: block.line, file });
    }
  }
  if (files.length === 0) return;

  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2023.d.ts'],
    types: ['node'],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    esModuleInterop: true,
    paths: { 'layered-config': [path.join(repoRoot, 'src/index.ts')] },
  };
  const program = ts.createProgram(
    files.map((f) => f.file),
    options,
  );
  const byFile = new Map(files.map((f) => [path.resolve(f.file), f]));
  const diagnostics = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  for (const f of files) {
    const source = program.getSourceFile(f.file)!;
    diagnostics.push(...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source));
  }
  for (const d of diagnostics) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n  ');
    const block = d.file ? byFile.get(path.resolve(d.file.fileName)) : undefined;
    if (!d.file || !block) {
      // A problem of the whole program (options, lib): report it against every page.
      for (const list of failures.values()) list.push(`TS${d.code}: ${message}`);
      continue;
    }
    const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    // The block's first code line is the line after its opening fence.
    failures.get(block.page)!.push(`${block.page}:${block.line + 1 + line} (block at line ${block.line}): TS${d.code}: ${message}`);
  }
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('TypeScript code blocks in the documentation type-check against the package', () => {
  it.each(pages)('%s', (page) => {
    expect(failures.get(page), `${counts.get(page) ?? 0} TypeScript block(s) in ${page}`).toEqual([]);
  });
});
