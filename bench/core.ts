/**
 * Core benchmarks, each against the peers measured in the same run on the same generated data:
 *  (a) `get` of a deep key on a 10,000-key tree, lookups per second;
 *  (b) cold load, from process start to a ready tree of 5,000 JSON keys + 200 environment
 *      variables + a `.env`, as whole processes (median of interleaved runs).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchTable } from './table.js';

const require = createRequire(import.meta.url);
const repo = fileURLToPath(new URL('..', import.meta.url));
const dist = pathToFileURL(path.join(repo, 'dist/index.js')).href;

/** A nested object with `fanout^depth` leaves: s0..s9 → g0..g9 → h0..h9 → k0..k9 for 10,000 keys. */
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

export async function benchGet(): Promise<BenchTable> {
  const tree = nested(10, ['s', 'g', 'h', 'k']);
  const flat = flatten(tree);
  const deepColon = 's7:g3:h5:k9';
  const deepDot = 's7.g3.h5.k9';

  const { ConfigurationBuilder } = (await import(dist)) as typeof import('../src/index.js');
  const ours = await new ConfigurationBuilder().addInMemory(flat).build();
  if (ours.get(deepColon) !== 'value-k9') throw new Error('layered-config lookup is wrong');

  // nconf ships no types; this is the part of its API the benchmark uses.
  const nconf = require('nconf') as {
    Provider: new () => { use(store: string): void; defaults(values: object): void; get(key: string): unknown };
  };
  const nconfStore = new nconf.Provider();
  nconfStore.use('memory');
  nconfStore.defaults(tree);

  // node-config reads a directory once, when first required.
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
  const conv = convict(schema as never);

  const results: Array<[string, number]> = [
    ['layered-config', opsPerSecond(() => ours.get(deepColon))],
    ['layered-config (other case)', opsPerSecond(() => ours.get('S7:G3:H5:K9'))],
    ['nconf', opsPerSecond(() => nconfStore.get(deepColon))],
    ['config (node-config)', opsPerSecond(() => nodeConfig.get(deepDot))],
    ['convict', opsPerSecond(() => conv.get(deepDot as never))],
  ];
  const oursOps = results[0]![1];
  return {
    title: '(a) get of a deep key on a 10,000-key tree',
    goal: 'at least 5x nconf and at least node-config',
    rows: results.map(([lib, ops]) => ({
      library: lib,
      'lookups/s': Math.round(ops).toLocaleString('en-US'),
      'layered-config is': `${(oursOps / ops).toFixed(2)}x`,
    })),
  };
}

/** Writes the cold-load data set and one script per library; returns the directory. */
function coldLoadFixture(): { dir: string; env: Record<string, string>; scripts: Record<string, string> } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lc-bench-'));
  const tree = nested(10, ['app', 'svc', 'opt']); // 1,000 leaves…
  const json: Record<string, unknown> = {};
  for (let i = 0; i < 5; i++) json[`area${i}`] = tree; // …× 5 = 5,000 keys
  writeFileSync(path.join(dir, 'appsettings.json'), JSON.stringify(json, null, 2));
  const env: Record<string, string> = {};
  for (let i = 0; i < 200; i++) env[`BENCH__VAR${i}`] = `env-${i}`;
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
  const report = `process.stdout.write(JSON.stringify({ ms: performance.now(), rss: process.memoryUsage().rss }));`;
  const scripts = {
    'layered-config': `
      const { loadConfig } = await import(${JSON.stringify(dist)});
      const c = await loadConfig({ cwd: ${JSON.stringify(dir)}, args: [] });
      if (c.get('area4:app9:svc9:opt9') !== 'value-opt9' || c.get('BENCH:VAR199') !== 'env-199' || c.get('DOTENV:KEY49') !== 'dotenv-49') process.exit(3);
      ${report}`,
    convict: `
      const { createRequire } = await import('node:module'); const require = createRequire(import.meta.url);
      require(${req('dotenv')}).config({ path: ${JSON.stringify(path.join(dir, '.env'))}, quiet: true });
      const convict = require(${req('convict')});
      const conf = convict(${JSON.stringify(path.join(dir, 'schema.json'))});
      conf.loadFile(${JSON.stringify(path.join(dir, 'appsettings.json'))});
      conf.validate({ allowed: 'warn' });
      if (conf.get('area4.app9.svc9.opt9') !== 'value-opt9' || conf.get('BENCH.VAR199') !== 'env-199' || conf.get('DOTENV.KEY49') !== 'dotenv-49') process.exit(3);
      ${report}`,
    nconf: `
      const { createRequire } = await import('node:module'); const require = createRequire(import.meta.url);
      require(${req('dotenv')}).config({ path: ${JSON.stringify(path.join(dir, '.env'))}, quiet: true });
      const nconf = require(${req('nconf')});
      nconf.env({ separator: '__' }).file({ file: ${JSON.stringify(path.join(dir, 'appsettings.json'))} });
      if (nconf.get('area4:app9:svc9:opt9') !== 'value-opt9' || nconf.get('BENCH:VAR199') !== 'env-199') process.exit(3);
      ${report}`,
    'config (node-config)': `
      const { createRequire } = await import('node:module'); const require = createRequire(import.meta.url);
      require(${req('dotenv')}).config({ path: ${JSON.stringify(path.join(dir, '.env'))}, quiet: true });
      process.env.NODE_CONFIG_DIR = ${JSON.stringify(path.join(dir, 'config'))};
      const config = require(${req('config')});
      if (config.get('area4.app9.svc9.opt9') !== 'value-opt9' || config.get('BENCH.VAR199') !== 'env-199') process.exit(3);
      ${report}`,
  };
  return { dir, env, scripts };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function benchColdLoad(runs = 15): Promise<BenchTable> {
  const { dir, env, scripts } = coldLoadFixture();
  try {
    const times: Record<string, number[]> = {};
    const rss: Record<string, number[]> = {};
    const childEnv = { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), NODE_ENV: 'production', SUPPRESS_NO_CONFIG_WARNING: 'y', ...env };
    for (let r = 0; r < runs; r++) {
      // Interleave libraries so machine noise falls on all of them alike.
      for (const [lib, script] of Object.entries(scripts)) {
        const start = performance.now();
        const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: childEnv, encoding: 'utf8', cwd: dir });
        const wall = performance.now() - start;
        if (child.status !== 0) throw new Error(`${lib} cold-load script failed (${child.status}): ${child.stderr}`);
        const reported = JSON.parse(child.stdout) as { ms: number; rss: number };
        (times[lib] ??= []).push(wall);
        (rss[lib] ??= []).push(reported.rss);
      }
    }
    const ours = median(times['layered-config']!);
    return {
      title: `(b) cold load: process start to a ready tree of 5,000 JSON keys + 200 environment variables + a .env (median of ${runs} processes)`,
      goal: "at most 1.2x convict's load+validate of the same data",
      rows: Object.keys(scripts).map((lib) => ({
        library: lib,
        'median ms': median(times[lib]!).toFixed(1),
        'median RSS MiB': (median(rss[lib]!) / 1048576).toFixed(1),
        'layered-config / this': `${(ours / median(times[lib]!)).toFixed(2)}x`,
      })),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
