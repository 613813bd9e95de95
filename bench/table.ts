/** One benchmark's result, printed as a Markdown table so it can be pasted into docs/benchmarks.md. */
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

/** The run as one JSON document: the machine, then every table with its rows as objects. */
export function renderJson(machine: Record<string, string | number>, tables: readonly BenchTable[]): string {
  return JSON.stringify({ machine, tables }, null, 2);
}
