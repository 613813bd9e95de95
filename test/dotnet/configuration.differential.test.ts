import { configCase, type ConfigCase } from './generators/config.js';
import { CaseFiles, ours, theirs, toOracle } from './configCase.js';
import { differentialSuite, type AreaSpec } from './harness.js';

const files = new WeakMap<ConfigCase, CaseFiles>();
const filesOf = (c: ConfigCase) => {
  let f = files.get(c);
  if (!f) files.set(c, (f = new CaseFiles()));
  return f;
};

const spec: AreaSpec<ConfigCase> = {
  area: 'config',
  arbitrary: configCase,
  toOracle: (c) => toOracle(c, filesOf(c)),
  theirs: (a, c) => theirs(a, c),
  ours: (c) => ours(c, filesOf(c)),
  secrets: () => [],
  after: (c) => {
    files.get(c)?.cleanup();
    files.delete(c);
  },
};

differentialSuite('configuration against .NET (JSON, environment, command line, in-memory, key-per-file)', 'config', spec, 'test/dotnet/configuration.differential.test.ts');
