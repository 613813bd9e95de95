// Reading the documentation pages: which pages there are, their fenced code blocks, their links
// and their headings' anchors (GitHub's slug rules). Shared by the docs tests.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** `README.md` and every `docs/*.md`, as paths relative to the repository root. */
export function documentationPages(): string[] {
  const docsDir = path.join(repoRoot, 'docs');
  const docs = existsSync(docsDir)
    ? readdirSync(docsDir)
        .filter((f) => f.endsWith('.md'))
        .sort()
        .map((f) => `docs/${f}`)
    : [];
  return ['README.md', ...docs].filter((p) => existsSync(path.join(repoRoot, p)));
}

export function readPage(page: string): string {
  return readFileSync(path.join(repoRoot, page), 'utf8');
}

export interface CodeBlock {
  /** The info string's first word, lower-cased (`ts`, `sh`, `json`, or `''`). */
  readonly lang: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly code: string;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/;

/** Fenced code blocks (``` or ~~~, CommonMark's closing rule: same character, at least as long). */
export function codeBlocks(text: string): CodeBlock[] {
  const lines = text.split(/\r?\n/);
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const fence = open[1]!;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(lines[j]!);
      if (close && close[1]![0] === fence[0] && close[1]!.length >= fence.length) break;
      body.push(lines[j]!);
    }
    blocks.push({ lang: open[2]!.toLowerCase(), line: i + 1, code: body.join('\n') });
    i = j;
  }
  return blocks;
}

/** For each line of the page: is it part of a fenced code block (fences included)? */
export function fencedLines(text: string): boolean[] {
  let fence: string | undefined;
  return text.split(/\r?\n/).map((line) => {
    if (fence === undefined) {
      const open = FENCE.exec(line);
      if (open) fence = open[1]!;
      return open !== null;
    }
    const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
    if (close && close[1]![0] === fence[0] && close[1]!.length >= fence.length) fence = undefined;
    return true;
  });
}

/** The page's lines with fenced code blocks blanked out (line numbers kept) and inline code removed. */
export function proseLines(text: string): string[] {
  const fenced = fencedLines(text);
  return text.split(/\r?\n/).map((line, i) => (fenced[i] ? '' : line.replace(/(`+)(?:(?!\1).)+?\1/g, '')));
}

export interface Link {
  readonly target: string;
  readonly line: number;
}

/** Inline links and images `[text](target "title")`, reference definitions `[x]: target`, and `href`/`src` attributes. */
export function links(text: string): Link[] {
  const found: Link[] = [];
  proseLines(text).forEach((line, index) => {
    const add = (target: string | undefined): void => {
      if (target) found.push({ target: target.replace(/^<|>$/g, ''), line: index + 1 });
    };
    for (const m of line.matchAll(/\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+"[^"]*")?\s*\)/g)) add(m[1]);
    const definition = /^ {0,3}\[[^\]]+\]:\s*(\S+)/.exec(line);
    if (definition) add(definition[1]);
    for (const m of line.matchAll(/\b(?:href|src)="([^"]+)"/g)) add(m[1]);
  });
  return found;
}

/** GitHub's anchor for a heading text: rendered text, lower case, punctuation dropped, spaces → `-`. */
export function githubSlug(heading: string): string {
  const rendered = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images keep their text
    .replace(/<[^>]+>/g, '') // inline HTML
    .replace(/`/g, '')
    .replace(/(\*\*|__|\*|~~)/g, '')
    .trim();
  return rendered
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every heading anchor of a page (ATX headings outside code blocks), duplicates numbered `-1`, `-2` as GitHub does. */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  const fenced = fencedLines(text);
  for (const line of text.split(/\r?\n/).filter((_, i) => !fenced[i])) {
    const m = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (!m) continue;
    const base = githubSlug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    result.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of text.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) result.add(m[1]!);
  return result;
}
