/**
 * `npm run bench`: every benchmark in one run, each reported as ratios against peers measured in
 * the same run on the same data. Not a test: nothing here fails on a slow machine.
 * Pass names to run a subset: `npm run bench -- get cold keyvault appconfig`.
 */
import os from 'node:os';
import { benchColdLoad, benchGet } from './core.js';
import { benchAppConfiguration } from './appConfiguration.js';
import { benchKeyVault } from './keyVault.js';
import { renderTable, type BenchTable } from './table.js';

const suites: Record<string, () => Promise<BenchTable | BenchTable[]>> = {
  get: benchGet,
  cold: () => benchColdLoad(),
  keyvault: benchKeyVault,
  appconfig: benchAppConfiguration,
};

const wanted = process.argv.slice(2).filter((a) => a !== '--');
const names = wanted.length > 0 ? wanted : Object.keys(suites);
console.log(`# layered-config benchmarks\n\nnode ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${new Date().toISOString().slice(0, 10)}\n`);
for (const name of names) {
  const suite = suites[name];
  if (!suite) {
    console.error(`unknown benchmark '${name}'; known: ${Object.keys(suites).join(', ')}`);
    process.exitCode = 2;
    continue;
  }
  const result = await suite();
  for (const table of Array.isArray(result) ? result : [result]) console.log(renderTable(table));
}
