// Every relative link in README.md and docs/*.md points at a file or folder that exists, and every
// `#anchor` (on the same page or into another markdown page) at a heading there, by GitHub's slug rules.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchors, documentationPages, links, readPage, repoRoot } from './markdown.js';

const pages = documentationPages();
const anchorCache = new Map<string, Set<string>>();
const anchorsOf = (page: string): Set<string> => {
  let set = anchorCache.get(page);
  if (!set) anchorCache.set(page, (set = anchors(readPage(page))));
  return set;
};

function brokenLinks(page: string): string[] {
  const broken: string[] = [];
  for (const { target, line } of links(readPage(page))) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue; // https:, mailto:, …
    const hash = target.indexOf('#');
    const filePart = decodeURIComponent(hash === -1 ? target : target.slice(0, hash)).replace(/\?.*$/, '');
    const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
    const resolved = filePart === '' ? page : path.posix.normalize(path.posix.join(path.posix.dirname(page), filePart));
    if (resolved.startsWith('..') || !existsSync(path.join(repoRoot, resolved))) {
      broken.push(`${page}:${line}: ${target} → ${resolved} does not exist`);
      continue;
    }
    if (anchor !== undefined && anchor !== '' && resolved.endsWith('.md') && !anchorsOf(resolved).has(anchor.toLowerCase())) {
      broken.push(`${page}:${line}: ${target} → no heading '#${anchor}' in ${resolved}`);
    }
  }
  return broken;
}

describe('relative links in the documentation resolve', () => {
  it.each(pages)('%s', (page) => {
    expect(brokenLinks(page)).toEqual([]);
  });
});
