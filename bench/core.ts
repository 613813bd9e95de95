/**
 * Core benchmarks, each against the peers measured in the same run on the same generated data:
 *  (a) `get` of a deep key on a 10,000-key tree, lookups per second, and heap per key;
 *  (b) cold load, from process start to a ready tree of 5,000 JSON keys + 200 environment
 *      variables + a `.env`, as whole processes (median of interleaved runs).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchTable } from './table.js';

const require = createRequire(import.meta.url);
const repo = fileURLToPath(new URL('..', import.meta.url));
const dist = pathToFileURL(path.join(repo, 'dist/index.js')).href;

/** A nested object with `fanout^depth` leaves: app0..9 → svc0..9 → opt0..9 for the cold-load data. */
function nested(fanout: number, prefixes: string[]): Record<string, unknown> {
  const [head, ...tail] = prefixes;
  const out: Record<string, unknown> = {};
  for (let i = 0; i < fanout; i++) {
    out[`${head}${i}`] = tail.length === 0 ? `value-${head}${i}` : nested(fanout, tail);
  }
  return out;
}

function flatten(obj: Record<string, unknown>, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}:${k}` : k;
    if (v !== null && typeof v === 'object') flatten(v as Record<string, unknown>, key, out);
    else out[key] = String(v);
  }
  return out;
}

/** Best of several rounds of a tight loop, in operations per second. */
function opsPerSecond(fn: () => unknown, iterations = 1_000_000, rounds = 5): number {
  let best = Infinity;
  let sink: unknown;
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) sink = fn();
    const ns = Number(process.hrtime.bigint() - start);
    best = Math.min(best, ns);
  }
  if (sink === undefined) throw new Error('benchmark lookup returned nothing');
  return (iterations / best) * 1e9;
}

/** Collects garbage (the bench runs without --expose-gc, so the flag is set now). */
const collectGarbage: () => void = (() => {
  v8.setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/**
 * Heap bytes that `build()`'s result keeps alive, per key of a `keys`-key tree: three trees built
 * and kept at once, so no earlier tree (held by a settled promise) is counted in or out.
 */
async function heapPerKey(keys: number, build: () => unknown | Promise<unknown>): Promise<number> {
  const COPIES = 3;
  collectGarbage();
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  const kept: unknown[] = [];
  for (let i = 0; i < COPIES; i++) kept.push(await build());
  collectGarbage();
  collectGarbage();
  const perKey = (process.memoryUsage().heapUsed - before) / (keys * COPIES);
  if (kept.some((tree) => tree === undefined)) throw new Error('nothing was built');
  return perKey;
}

/**
 * The 10,000-key tree of the get benchmark, spelled as users write keys: Svc0..9 → Part0..9 →
 * Key0..99, the value of `Svc4:Part2:Key17` being `value-Svc4-Part2-Key17`.
 */
function getBenchTree(): Record<string, Record<string, Record<string, string>>> {
  const tree: Record<string, Record<string, Record<string, string>>> = {};
  for (let s = 0; s < 10; s++) {
    const svc: Record<string, Record<string, string>> = (tree[`Svc${s}`] = {});
    for (let p = 0; p < 10; p++) {
      const part: Record<string, string> = (svc[`Part${p}`] = {});
      for (let k = 0; k < 100; k++) part[`Key${k}`] = `value-Svc${s}-Part${p}-Key${k}`;
    }
  }
  return tree;
}

export async function benchGet(): Promise<BenchTable> {
  const KEYS = 10_000;
  const tree = getBenchTree();
  const flat = flatten(tree);
  if (Object.keys(flat).length !== KEYS) throw new Error('the get tree should have 10,000 keys');
  // 64 keys spread over the tree, built at run time (a constant key can be folded by the JIT),
  // asked for in turn: Svc4:Part2:Key17 is one of them.
  const keys = Array.from({ length: 64 }, (_, i) => `Svc${(i * 7 + 4) % 10}:Part${(i * 3 + 2) % 10}:Key${(i * 37 + 17) % 100}`);
  const lower = keys.map((k) => k.toLowerCase());
  const upper = keys.map((k) => k.toUpperCase());
  const dotted = keys.map((k) => k.replaceAll(':', '.'));
  const expected = keys.map((k) => `value-${k.replaceAll(':', '-')}`);
  const rotate = (lookup: (key: string) => unknown, list: readonly string[]) => {
    let i = 0;
    return () => lookup(list[i++ & 63]!);
  };

  const { ConfigurationBuilder } = (await import(dist)) as typeof import('../src/index.js');
  const buildOurs = () => new ConfigurationBuilder().addInMemory(flat).build();
  const ours = await buildOurs();
  keys.forEach((key, i) => {
    for (const spelling of [key, lower[i]!, upper[i]!]) {
      if (ours.get(spelling) !== expected[i]) throw new Error(`layered-config lookup of ${spelling} is wrong`);
    }
  });

  // nconf ships no types; this is the part of its API the benchmark uses.
  const nconf = require('nconf') as {
    Provider: new () => { use(store: string): void; defaults(values: object): void; get(key: string): unknown };
  };
  const buildNconf = () => {
    const store = new nconf.Provider();
    store.use('memory');
    store.defaults(tree);
    return store;
  };
  const nconfStore = buildNconf();

  // node-config reads a directory once, when first required; its memory is not measured separately.
  const configDir = mkdtempSync(path.join(os.tmpdir(), 'lc-bench-get-'));
  writeFileSync(path.join(configDir, 'default.json'), JSON.stringify(tree));
  process.env.NODE_CONFIG_DIR = configDir;
  const nodeConfig = require('config') as { get(key: string): unknown };
  rmSync(configDir, { recursive: true, force: true });

  const convict = require('convict') as typeof import('convict');
  const schema: Record<string, unknown> = {};
  const toSchema = (obj: Record<string, unknown>, into: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(obj)) {
      if (typeof v === 'object' && v !== null) toSchema(v as Record<string, unknown>, (into[k] = {}) as Record<string, unknown>);
      else into[k] = { format: String, default: v };
    }
  };
  toSchema(tree, schema);
  const buildConvict = () => convict(schema as never);
  const conv = buildConvict();
  keys.forEach((key, i) => {
    for (const [lib, value] of [
      ['nconf', nconfStore.get(key)],
      ['node-config', nodeConfig.get(dotted[i]!)],
      ['convict', conv.get(dotted[i]! as never)],
    ] as const) {
      if (value !== expected[i]) throw new Error(`${lib} lookup of ${key} is wrong`);
    }
  });

  const results: Array<{ lib: string; ops: number; heap?: number; peer?: boolean }> = [
    { lib: 'layered-config, keys as written (Svc4:Part2:Key17)', ops: opsPerSecond(rotate((k) => ours.get(k), keys)), heap: await heapPerKey(KEYS, buildOurs) },
    { lib: 'layered-config, lower case (svc4:part2:key17)', ops: opsPerSecond(rotate((k) => ours.get(k), lower)) },
    { lib: 'layered-config, upper case (SVC4:PART2:KEY17)', ops: opsPerSecond(rotate((k) => ours.get(k), upper)) },
    { lib: 'nconf', ops: opsPerSecond(rotate((k) => nconfStore.get(k), keys)), heap: await heapPerKey(KEYS, buildNconf), peer: true },
    { lib: 'config (node-config)', ops: opsPerSecond(rotate((k) => nodeConfig.get(k), dotted)), peer: true },
    { lib: 'convict', ops: opsPerSecond(rotate((k) => conv.get(k as never), dotted)), heap: await heapPerKey(KEYS, buildConvict), peer: true },
  ];
  const oursOps = results[0]!.ops;
  const fastestPeer = results.filter((r) => r.peer).sort((a, b) => b.ops - a.ops)[0]!;
  return {
    title: '(a) get of a deep key on a 10,000-key tree',
    goal: `keys as written at least 10x the fastest peer (here ${fastestPeer.lib}: ${(oursOps / fastestPeer.ops).toFixed(1)}x); lower case at least as fast as before`,
    rows: results.map(({ lib, ops, heap }) => ({
      library: lib,
      'lookups/s': Math.round(ops).toLocaleString('en-US'),
      'first row is': `${(oursOps / ops).toFixed(2)}x`,
      'heap bytes/key': heap === undefined ? '' : Math.round(heap),
    })),
  };
}

/**
 * The last statement of every cold-load child: its memory and its own CPU time (robust to a busy
 * machine). Written with `fs.writeSync` on the descriptor, not `process.stdout.write`: the first use
 * of `process.stdout` on a pipe builds a socket stream, loading Node's stream and net modules, which
 * costs each child differently (a library that already loaded streams pays less), so the instrument
 * would weigh on what it measures.
 */
const report = `process.getBuiltinModule('node:fs').writeSync(1, JSON.stringify({ rss: process.memoryUsage().rss, cpu: (process.cpuUsage().user + process.cpuUsage().system) / 1000 }));`;

const NO_DOTENV_OURS = 'layered-config, no .env (dotenv: false)';
const NO_DOTENV_NCONF = 'nconf, no .env (without dotenv)';
const APP_OURS = 'layered-config, as an app file (node app.mjs)';
const APP_NCONF = 'nconf, as an app file (node app.mjs)';

/** Writes the cold-load data set and one script per library; returns the directory. */
function coldLoadFixture(): { dir: string; env: Record<string, string>; scripts: Record<string, string> } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lc-bench-'));
  const tree = nested(10, ['app', 'svc', 'opt']); // 1,000 leaves…
  const json: Record<string, unknown> = {};
  for (let i = 0; i < 5; i++) json[`area${i}`] = tree; // …× 5 = 5,000 keys
  writeFileSync(path.join(dir, 'appsettings.json'), JSON.stringify(json, null, 2));
  const env: Record<string, string> = {};
  for (let i = 0; i < 200; i++) env[`BENCH__VAR${i}`] = `env-${i}`;
  writeFileSync(path.join(dir, 'empty.mjs'), '');
  writeFileSync(path.join(dir, '.env'), Array.from({ length: 50 }, (_, i) => `DOTENV__KEY${i}=dotenv-${i}`).join('\n'));

  // node-config wants a config directory and a mapping file for environment variables.
  mkdirSync(path.join(dir, 'config'));
  writeFileSync(path.join(dir, 'config/default.json'), JSON.stringify(json));
  const mapping: Record<string, unknown> = { BENCH: {} };
  for (const name of Object.keys(env)) (mapping.BENCH as Record<string, string>)[name.split('__')[1]!] = name;
  writeFileSync(path.join(dir, 'config/custom-environment-variables.json'), JSON.stringify(mapping));

  // convict needs a schema covering every key: its load+validate is what users of convict run.
  const schema: Record<string, unknown> = {};
  const toSchema = (obj: Record<string, unknown>, into: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(obj)) {
      if (typeof v === 'object' && v !== null) toSchema(v as Record<string, unknown>, (into[k] = {}) as Record<string, unknown>);
      else into[k] = { format: String, default: '' };
    }
  };
  toSchema(json, schema);
  schema.BENCH = Object.fromEntries(Object.keys(env).map((n) => [n.split('__')[1]!, { format: String, default: '', env: n }]));
  schema.DOTENV = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`KEY${i}`, { format: String, default: '', env: `DOTENV__KEY${i}` }]));
  writeFileSync(path.join(dir, 'schema.json'), JSON.stringify(schema));

  const req = (m: string) => JSON.stringify(require.resolve(m));
  const dotenvLine = `require(${req('dotenv')}).config({ path: ${JSON.stringify(path.join(dir, '.env'))}, quiet: true });`;
  const ours = (withDotenv: boolean) => `
      const { loadConfig } = await import(${JSON.stringify(dist)});
      const c = await loadConfig({ cwd: ${JSON.stringify(dir)}, args: []${withDotenv ? '' : ', dotenv: false'} });
      if (c.get('area4:app9:svc9:opt9') !== 'value-opt9' || c.get('BENCH:VAR199') !== 'env-199' || c.get('DOTENV:KEY49') !== ${withDotenv ? "'dotenv-49'" : 'undefined'}) process.exit(3);
      ${report}`;
  const nconf = (withDotenv: boolean) => `
      const { createRequire } = await import('node:module'); const require = createRequire(import.meta.url);
      ${withDotenv ? dotenvLine : ''}
      const nconf = require(${req('nconf')});
      nconf.env({ separator: '__' }).file({ file: ${JSON.stringify(path.join(dir, 'appsettings.json'))} });
      if (nconf.get('area4:app9:svc9:opt9') !== 'value-opt9' || nconf.get('BENCH:VAR199') !== 'env-199' || nconf.get('DOTENV:KEY49') !== ${withDotenv ? "'dotenv-49'" : 'undefined'}) process.exit(3);
      ${report}`;
  const scripts = {
    'layered-config': ours(true),
    convict: `
      const { createRequire } = await import('node:module'); const require = createRequire(import.meta.url);
      ${dotenvLine}
      const convict = require(${req('convict')});
      const conf = convict(${JSON.stringify(path.join(dir, 'schema.json'))});
      conf.loadFile(${JSON.stringify(path.join(dir, 'appsettings.json'))});
      conf.validate({ allowed: 'warn' });
      if (conf.get('area4.app9.svc9.opt9') !== 'value-opt9' || conf.get('BENCH.VAR199') !== 'env-199' || conf.get('DOTENV.KEY49') !== 'dotenv-49') process.exit(3);
      ${report}`,
    nconf: nconf(true),
    'config (node-config)': `
      const { createRequire } = await import('node:module'); const require = createRequire(import.meta.url);
      ${dotenvLine}
      process.env.NODE_CONFIG_DIR = ${JSON.stringify(path.join(dir, 'config'))};
      const config = require(${req('config')});
      if (config.get('area4.app9.svc9.opt9') !== 'value-opt9' || config.get('BENCH.VAR199') !== 'env-199') process.exit(3);
      ${report}`,
    // The same data without the `.env` on either side (ours told not to read it, nconf's script not
    // loading dotenv): how far the load itself is from nconf's, apart from loading dotenv (docs/benchmarks.md).
    [NO_DOTENV_OURS]: ours(false),
    [NO_DOTENV_NCONF]: nconf(false),
  };
  return { dir, env, scripts };
}

/** Writes `script` as an ES module file in `dir`, as a service's main file; returns its path. */
function appFile(dir: string, name: string, script: string): string {
  const file = path.join(dir, `app-${name}.mjs`);
  writeFileSync(file, script);
  return file;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** A child process of the cold-load benchmark: Node's arguments, and the layered-config row it is compared with, if any. */
interface ColdProcess {
  args: string[];
  versus?: string;
}

export async function benchColdLoad(runs = 41): Promise<BenchTable> {
  const { dir, env, scripts } = coldLoadFixture();
  const processes: Record<string, ColdProcess> = {
    ...Object.fromEntries(
      Object.entries(scripts).map(([lib, script]) => [
        lib,
        { args: ['--input-type=module', '-e', script], versus: lib === NO_DOTENV_OURS || lib === NO_DOTENV_NCONF ? NO_DOTENV_OURS : 'layered-config' },
      ]),
    ),
    // The same scripts as a service's own ES module main file: Node then starts its ES module loader
    // for that file, before any library, where a `node -e` child starts it for the first ES module
    // imported (ours, not nconf, which is CommonJS). See docs/benchmarks.md (b).
    [APP_OURS]: { args: [appFile(dir, 'layered-config', scripts['layered-config']!)], versus: APP_OURS },
    [APP_NCONF]: { args: [appFile(dir, 'nconf', scripts.nconf!)], versus: APP_OURS },
    // What Node costs before any library: the bar for the import row.
    'bare node (node -e 0)': { args: ['-e', report] },
    // Node's ES module loader alone: any ES module's import pays it, ours included.
    'import of an empty ES module': { args: ['--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(path.join(dir, 'empty.mjs')).href)}); ${report}`] },
    'import of layered-config alone': { args: ['--input-type=module', '-e', `await import(${JSON.stringify(dist)}); ${report}`] },
  };
  try {
    const times: Record<string, number[]> = {};
    const cpu: Record<string, number[]> = {};
    const rss: Record<string, number[]> = {};
    const childEnv = { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), NODE_ENV: 'production', SUPPRESS_NO_CONFIG_WARNING: 'y', ...env };
    for (let r = 0; r < runs; r++) {
      // Interleave the processes so machine noise falls on all of them alike.
      for (const [name, { args }] of Object.entries(processes)) {
        const start = performance.now();
        const child = spawnSync(process.execPath, args, { env: childEnv, encoding: 'utf8', cwd: dir });
        const wall = performance.now() - start;
        if (child.status !== 0) throw new Error(`${name} cold-load script failed (${child.status}): ${child.stderr}`);
        const reported = JSON.parse(child.stdout) as { rss: number; cpu: number };
        (times[name] ??= []).push(wall);
        (cpu[name] ??= []).push(reported.cpu);
        (rss[name] ??= []).push(reported.rss);
      }
    }
    const ms = (name: string) => median(times[name]!);
    const ours = ms('layered-config');
    const bare = ms('bare node (node -e 0)');
    const importCost = ms('import of layered-config alone') - bare;
    const loaderCost = ms('import of an empty ES module') - bare;
    return {
      title: `(b) cold load: process start to a ready tree of 5,000 JSON keys + 200 environment variables + a .env (median of ${runs} processes)`,
      goal:
        `whole process at most 1.0x nconf's (here ${(ours / ms('nconf')).toFixed(2)}x; ` +
        `without the .env on either side ${(ms(NO_DOTENV_OURS) / ms(NO_DOTENV_NCONF)).toFixed(2)}x; ` +
        `as app files ${(ms(APP_OURS) / ms(APP_NCONF)).toFixed(2)}x); ` +
        `importing the package at most 10 ms over bare node (here ${importCost.toFixed(1)} ms, of which Node's ES module loader ${loaderCost.toFixed(1)} ms)`,
      rows: Object.entries(processes).map(([name, { versus }]) => ({
        process: name,
        'median ms': ms(name).toFixed(1),
        'over bare node, ms': (ms(name) - bare).toFixed(1),
        'median CPU ms': median(cpu[name]!).toFixed(1),
        'median RSS MiB': (median(rss[name]!) / 1048576).toFixed(1),
        // each library against layered-config on the same data (the rows without a .env against its own such row)
        'layered-config / this': versus ? `${(ms(versus) / ms(name)).toFixed(2)}x` : '',
      })),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
