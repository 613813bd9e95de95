#!/usr/bin/env node
// `npm run test:differential -- [file…] [--cases N] [--seed S [--path P]]`: only the differential
// suites, more cases, or one failure replayed (the seed and path a failure printed). Needs the
// .NET 10 SDK (`dotnet`) on the PATH.
import { spawnSync } from 'node:child_process';

const argv = process.argv.slice(2);
const env = { ...process.env, LAYERED_CONFIG_REQUIRE_DOTNET: '1' };
const rest = [];
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i];
  const [name, inline] = arg.split(/=(.*)/s);
  const value = () => inline ?? argv[++i];
  if (name === '--cases') env.LAYERED_CONFIG_DIFF_CASES = value();
  else if (name === '--seed') env.LAYERED_CONFIG_DIFF_SEED = value();
  else if (name === '--path') env.LAYERED_CONFIG_DIFF_PATH = value();
  else rest.push(arg);
}
const files = rest.length > 0 ? rest : ['test/dotnet'];
const run = spawnSync('npx', ['vitest', 'run', ...files], { stdio: 'inherit', env });
process.exit(run.status ?? 1);
