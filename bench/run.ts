/**
 * `npm run bench`: every benchmark in one run, each reported as ratios against peers measured in
 * the same run on the same data. Not a test: nothing here fails on a slow machine.
 * Pass names to run a subset: `npm run bench -- get cold keyvault appconfig`.
 * `--json` prints the same tables as one JSON document instead, to compare a run with another.
 */
import os from 'node:os';
import { renderJson, renderTable, type BenchTable } from './table.js';

// Each suite is imported when it runs, so a subset loads only what it measures.
const suites: Record<string, () => Promise<BenchTable | BenchTable[]>> = {
  get: async () => (await import('./core.js')).benchGet(),
  cold: async () => (await import('./core.js')).benchColdLoad(),
  keyvault: async () => (await import('./keyVault.js')).benchKeyVault(),
  appconfig: async () => (await import('./appConfiguration.js')).benchAppConfiguration(),
  signalr: async () => (await import('./signalr.js')).benchSignalR(),
  fleet: async () => (await import('./fleet.js')).benchFleet(),
};

const args = process.argv.slice(2).filter((a) => a !== '--');
const json = args.includes('--json');
const wanted = args.filter((a) => a !== '--json');
const names = wanted.length > 0 ? wanted : Object.keys(suites);
const machine = { node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'cpu', date: new Date().toISOString() };
if (!json) console.log(`# layered-config benchmarks\n\nnode ${machine.node}, ${machine.cpus} x ${machine.cpu}, ${machine.date.slice(0, 10)}\n`);
const tables: BenchTable[] = [];
for (const name of names) {
  const suite = suites[name];
  if (!suite) {
    console.error(`unknown benchmark '${name}'; known: ${Object.keys(suites).join(', ')}`);
    process.exitCode = 2;
    continue;
  }
  const result = await suite();
  for (const table of Array.isArray(result) ? result : [result]) {
    tables.push(table);
    if (!json) console.log(renderTable(table));
  }
}
if (json) console.log(renderJson(machine, tables));
