/**
 * The markdown table of deliberate differences, generated from deliberate.ts for docs/differences.md
 * (the README links it): `npx tsx test/dotnet/table.ts` prints it, `--write` puts it between the
 * `deliberate-differences` markers.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DELIBERATE } from './deliberate.js';

const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

export const TABLE_FILES = ['../../docs/differences.md'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
const START = /<!-- deliberate-differences:start[^>]*-->\n/;
const END = '<!-- deliberate-differences:end -->';

export function renderTable(): string {
  const lines = ['| .NET | layered-config | why |', '|---|---|---|'];
  for (const d of DELIBERATE) lines.push(`| ${cell(d.dotnet)} | ${cell(d.ours)} | ${cell(d.reason)} |`);
  return lines.join('\n');
}

/** The text between a file's markers, or undefined when it has none. */
export function tableIn(text: string): string | undefined {
  const start = START.exec(text);
  const end = text.indexOf(END);
  if (!start || end < 0) return undefined;
  return text.slice(start.index + start[0].length, end).trimEnd();
}

function write(): void {
  for (const file of TABLE_FILES) {
    const text = readFileSync(file, 'utf8');
    const start = START.exec(text);
    const end = text.indexOf(END);
    if (!start || end < 0) throw new Error(`${file} has no deliberate-differences markers`);
    writeFileSync(file, `${text.slice(0, start.index + start[0].length)}${renderTable()}\n${text.slice(end)}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--write')) write();
  else console.log(renderTable());
}
