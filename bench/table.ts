/** One benchmark's result, printed as a Markdown table so it can be pasted into the README. */
export interface BenchTable {
  title: string;
  goal?: string;
  rows: Array<Record<string, string | number>>;
}

export function renderTable(table: BenchTable): string {
  const columns = [...new Set(table.rows.flatMap((r) => Object.keys(r)))];
  const lines = [`### ${table.title}`];
  if (table.goal) lines.push(`Goal: ${table.goal}.`);
  lines.push('', `| ${columns.join(' | ')} |`, `|${columns.map(() => '---').join('|')}|`);
  for (const row of table.rows) lines.push(`| ${columns.map((c) => String(row[c] ?? '')).join(' | ')} |`);
  return `${lines.join('\n')}\n`;
}
