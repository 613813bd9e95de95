#!/usr/bin/env node
// `npm run build`: the library's own code as bundled ES modules in dist/ (esbuild), declarations
// beside them (tsc --emitDeclarationOnly). Why a bundle, and why builtins are required lazily:
// docs/package.md ("How dist/ is built").
import { rmSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = path.join(root, 'dist');
const requireHere = createRequire(import.meta.url);

/**
 * Builtins that Node has already loaded when user code starts: requiring them costs nothing.
 * Any other builtin is loaded on first use instead (a function by a forwarding wrapper, a whole
 * module by a proxy), so importing the package does not load the network or TLS stacks.
 */
const PRELOADED = new Set(['fs', 'path', 'util', 'events', 'module', 'url', 'buffer', 'timers', 'process']);

/** The bindings an import statement takes from `specifier`: default, namespace and named ones. */
function importedBindings(source, specifier) {
  const out = { whole: false, names: new Set() };
  const escaped = specifier.replace(/[/.]/g, '\\$&');
  const re = new RegExp(`import\\s+(?!type\\s)([^;]*?)\\s+from\\s+['"]${escaped}['"]`, 'g');
  for (const m of source.matchAll(re)) {
    const clause = m[1].trim();
    const braces = /\{([^}]*)\}/.exec(clause);
    const outside = clause.replace(/\{[^}]*\}/, '').replace(/,/g, ' ').trim();
    if (outside) out.whole = true; // `x` or `* as x`
    for (const part of braces ? braces[1].split(',') : []) {
      const name = part.trim().split(/\s+as\s+/)[0].trim();
      if (name && !name.startsWith('type ')) out.names.add(name);
    }
  }
  return out;
}

/**
 * ESM's facade for a builtin reads every one of its exports when imported, which loads parts
 * Node keeps lazy (`node:fs` pulls in fs/promises and readline, `node:crypto` WebCrypto and
 * streams): several milliseconds of start-up for nothing. This plugin hands each importer a
 * small module that takes exactly the names it imports from `require(builtin)` instead.
 */
const builtinsByRequire = {
  name: 'builtins-by-require',
  setup(build) {
    build.onResolve({ filter: /^node:/ }, (args) => {
      if (args.kind !== 'import-statement' || args.path === 'node:module') return undefined;
      const { whole, names } = importedBindings(readFileSync(args.importer, 'utf8'), args.path);
      const key = `${args.path}|${whole ? '*' : ''}|${[...names].sort().join(',')}`;
      return { path: key, namespace: 'builtin' };
    });
    build.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => {
      const [specifier, whole, list] = args.path.split('|');
      const names = list ? list.split(',') : [];
      const bare = specifier.slice('node:'.length);
      const eager = PRELOADED.has(bare);
      const actual = requireHere(specifier);
      // process.getBuiltinModule (Node 20.16+): no require function built per module, as createRequire does.
      const lines = [`const load = () => process.getBuiltinModule(${JSON.stringify(specifier)});`];
      if (eager) {
        lines.push('const m = load();');
        if (whole) lines.push('export default m;');
        if (names.length) lines.push(`export const { ${names.join(', ')} } = m;`);
      } else {
        lines.push('let m; const get = () => (m ??= load());');
        if (whole) lines.push('export default new Proxy({}, { get: (_, k) => get()[k], has: (_, k) => k in get() });');
        for (const name of names) {
          // A plain function can be forwarded; a class or a constant has to be read now.
          const plain = typeof actual[name] === 'function' && !/^class\b/.test(Function.prototype.toString.call(actual[name])) && !/^[A-Z]/.test(name);
          lines.push(plain ? `export function ${name}(...a) { return get().${name}(...a); }` : `export const ${name} = get().${name};`);
        }
      }
      return { contents: lines.join('\n'), loader: 'js', resolveDir: root };
    });
  },
};

/**
 * Source files that `src/index.ts` reaches through static imports: importing the package loads
 * them anyway. Read from a first bundling pass's metafile.
 */
async function staticallyReachedFromIndex() {
  const { metafile } = await esbuild.build({
    absWorkingDir: root,
    entryPoints: ['src/index.ts', 'src/cli.ts'],
    bundle: true,
    write: false,
    outdir: 'first-pass',
    format: 'esm',
    platform: 'node',
    packages: 'external',
    metafile: true,
    logLevel: 'silent',
  });
  const reached = new Set();
  const pending = ['src/index.ts'];
  while (pending.length > 0) {
    const file = pending.pop();
    if (reached.has(file) || !metafile.inputs[file]) continue;
    reached.add(file);
    for (const i of metafile.inputs[file].imports) if (i.kind === 'import-statement' && !i.external) pending.push(i.path);
  }
  return { reached, metafile };
}

/**
 * esbuild gives each set of entry points (the two entries and every `import()` target) that reaches
 * a module its own chunk, so the handful of internal `import()`s (check's validators, the Key Vault
 * secret resolver) cut the library's static graph into some ten files, each resolved, read and
 * compiled on its own at import: several milliseconds. An internal `import()` whose target the
 * library's entry loads statically anyway gains the library nothing, so it is bundled as a static
 * import (`Promise.resolve` of the namespace, still asynchronous). The library then loads two files
 * (its entry and the chunk it shares with the CLI); the CLI loads the check code with the rest.
 * An `import()` of a module that the entry does not reach stays a lazily loaded chunk.
 */
function staticWhenReached(reached) {
  return {
    name: 'static-when-reached',
    setup(build) {
      build.onLoad({ filter: /[/\\]src[/\\].*\.ts$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        if (!/\bimport\((['"])\.{1,2}\//.test(text)) return undefined;
        const added = [];
        const contents = text.replace(/\bimport\((['"])(\.{1,2}\/[^'"]+)\1\)/g, (call, _quote, specifier) => {
          const target = path.relative(root, path.resolve(path.dirname(args.path), specifier)).split(path.sep).join('/').replace(/\.js$/, '.ts');
          if (!reached.has(target)) return call;
          added.push(`import * as __reached${added.length} from ${JSON.stringify(specifier)};`);
          return `Promise.resolve(__reached${added.length - 1})`;
        });
        // on the first line, so that every other line keeps its number in the source maps
        return added.length === 0 ? undefined : { contents: added.join(' ') + ' ' + contents, loader: 'ts' };
      });
    },
  };
}


/**
 * Modules loaded on first use, in groups. Importing the package compiles every module it reaches,
 * and most of the library (the SignalR and Redis binders, the Key Vault and App Configuration
 * providers and their protocol code, the readers a plain start-up does not need) is not used by a
 * service that only reads its settings. Each group is bundled into `dist/lazy-<group>.js`; a module
 * outside the groups that imports one of them gets a facade instead (see `lazyFacades`), which
 * `require()`s the group the first time one of its exports is used. Node loads an ES module with
 * `require()` synchronously from 20.19 and 22.12 (`engines`), so every export stays synchronous.
 */
const LAZY = {
  // (remote/keyvault/references.ts stays: every loadConfig() scans values for Key Vault references)
  signalr: ['src/binders/signalr/'],
  redis: ['src/binders/redis/'],
  azure: ['src/providers/azureKeyVault.ts', 'src/providers/azureAppConfiguration.ts', 'src/remote/', 'src/net/retry.ts', 'src/net/concurrency.ts'],
  // Files a default start-up does not read: comments or errors in JSON (the hand-written reader),
  // key-per-file mounts, user secrets (Development), local.settings.json (Functions).
  files: [
    'src/parsers/json.ts',
    'src/providers/keyPerFile.ts',
    'src/parsers/keyPerFile.ts',
    'src/providers/userSecrets.ts',
    'src/providers/localSettings.ts',
    'src/parsers/localSettings.ts',
  ],
  // The binder and schemas, on the first bind() (methods.ts, which attaches bind, and settings.ts,
  // which loadConfig calls, stay: they only call into the group).
  binding: ['src/binding/'],
};
/** Under a lazy folder, but loaded at import (see above). */
const EAGER = new Set(['src/remote/keyvault/references.ts', 'src/binding/methods.ts', 'src/binding/settings.ts']);
/** The group a source file is loaded with, or undefined when it is loaded at import. */
function lazyGroup(file) {
  if (EAGER.has(file)) return undefined;
  for (const [group, paths] of Object.entries(LAZY)) if (paths.some((p) => (p.endsWith('/') ? file.startsWith(p) : file === p))) return group;
  return undefined;
}
const isLazy = (file) => lazyGroup(file) !== undefined;

/** `export * as m<i> from './<file>'` for each boundary module (`i`: its index in `boundary`) that `keep` keeps. */
function namespaceExports(boundary, keep = () => true) {
  return boundary.flatMap((file, i) => (keep(file) ? [`export * as m${i} from ${JSON.stringify('./' + file)};`] : []));
}

/** A relative import's target as a root-relative source path (`./x.js` → `src/…/x.ts`). */
function sourceTarget(importer, specifier) {
  return path.relative(root, path.resolve(path.dirname(importer), specifier)).split(path.sep).join('/').replace(/\.js$/, '.ts');
}

/**
 * The modules that importing the package loads: those `src/index.ts` reaches through static
 * imports (and `import()`s that are bundled as static, see `staticWhenReached`) without passing
 * into a lazy module.
 */
function eagerModules(metafile, reached) {
  const eager = new Set();
  const pending = ['src/index.ts'];
  while (pending.length > 0) {
    const file = pending.pop();
    if (eager.has(file) || isLazy(file) || !metafile.inputs[file]) continue;
    eager.add(file);
    for (const i of metafile.inputs[file].imports) {
      if (!i.external && (i.kind === 'import-statement' || (i.kind === 'dynamic-import' && reached.has(i.path)))) pending.push(i.path);
    }
  }
  eager.delete('src/index.ts');
  return [...eager].sort();
}

/**
 * The lazy modules that a module outside them imports (statically or with `import()`): each gets a
 * facade. From the first pass's metafile, over both entry points.
 */
function lazyBoundary(metafile) {
  const boundary = new Set();
  for (const [file, input] of Object.entries(metafile.inputs)) {
    if (!file.startsWith('src/') || isLazy(file)) continue;
    for (const i of input.imports) if (!i.external && isLazy(i.path)) boundary.add(i.path);
  }
  return [...boundary].sort();
}

/**
 * What each boundary module exports, by kind: a function is forwarded; a class, or an instance of
 * one (a process-wide cache), stands behind a proxy; a primitive constant, or deeply frozen plain
 * data, is copied. Found by bundling the boundary modules on their own and importing that bundle in
 * a child process (executing only their module bodies, which do no work). A mutable plain object or
 * array cannot be had without loading the module: the build fails and names it.
 */
async function exportKinds(boundary) {
  const probe = path.join(root, `.lazy-probe-${process.pid}.mjs`);
  try {
    await esbuild.build({
      absWorkingDir: root,
      stdin: { contents: namespaceExports(boundary).join('\n'), resolveDir: root, loader: 'ts' },
      outfile: probe,
      bundle: true,
      format: 'esm',
      platform: 'node',
      packages: 'external',
      logLevel: 'warning',
    });
    const script = `
      const frozenData = (v) => v === null || typeof v !== 'object'
        ? typeof v !== 'function' && v !== undefined
        : Object.isFrozen(v) && [Object.prototype, Array.prototype].includes(Object.getPrototypeOf(v)) && Object.values(v).every(frozenData);
      const ns = await import(${JSON.stringify(pathToFileURL(probe).href)});
      const out = {};
      for (const [m, exports] of Object.entries(ns)) {
        out[m] = {};
        for (const [name, value] of Object.entries(exports)) {
          out[m][name] =
            typeof value === 'function' ? (/^class\\b/.test(Function.prototype.toString.call(value)) ? { kind: 'class' } : { kind: 'function' })
            : value === null || typeof value !== 'object' ? { kind: 'constant', value: value === undefined ? 'undefined' : JSON.stringify(value) }
            : frozenData(value) ? { kind: 'data', value: JSON.stringify(value) }
            : ![Object.prototype, Array.prototype, null].includes(Object.getPrototypeOf(value)) ? { kind: 'instance' }
            : { kind: 'object' };
        }
      }
      process.stdout.write(JSON.stringify(out));`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`probing the lazy modules' exports failed:\n${child.stderr}`);
    const kinds = JSON.parse(child.stdout);
    const objects = boundary.flatMap((file, i) => Object.entries(kinds[`m${i}`]).filter(([, k]) => k.kind === 'object').map(([name]) => `${file}: ${name}`));
    if (objects.length > 0) {
      throw new Error(`A lazily loaded module exports a mutable object, which a facade cannot stand in for; freeze it or move it to an eager module:\n  ${objects.join('\n  ')}`);
    }
    return boundary.map((_, i) => kinds[`m${i}`]);
  } finally {
    rmSync(probe, { force: true });
  }
}

/** The runtime the facades share: loads each group once, and stands a proxy in for each lazy class or instance. */
const LAZY_RUNTIME = `
import { createRequire } from 'node:module';
import { ConfigurationError } from './src/core/errors.ts';
const groups = {};
const load = (group) => {
  if (groups[group]) return groups[group];
  try {
    return (groups[group] = createRequire(import.meta.url)(\`./lazy-\${group}.js\`));
  } catch (error) {
    // Node before 20.19 / 22.12 (or run with --no-experimental-require-module): say what is needed, not where.
    if (error?.code !== 'ERR_REQUIRE_ESM') throw error;
    throw new ConfigurationError(
      \`layered-config loads its \${group} code on first use with require() of an ES module, which needs Node 20.19+ or 22.12+ (this is Node \${process.versions.node}\${process.execArgv.includes('--no-experimental-require-module') ? ', run with --no-experimental-require-module' : ''}).\`,
      'UNSUPPORTED_RUNTIME',
      { cause: error },
    );
  }
};
export const lazyModule = (group, id) => () => load(group)[id];
// A proxy of an empty function, so that it can be called, constructed and extended before the
// class is loaded; every use past that goes to the real class (prototype, statics, instanceof).
export function lazyClass(get) {
  let real;
  const cls = () => (real ??= get());
  const proxy = new Proxy(function () {}, {
    construct: (_, args, newTarget) => Reflect.construct(cls(), args, newTarget === proxy ? cls() : newTarget),
    apply: (_, self, args) => Reflect.apply(cls(), self, args),
    get: (_, key) => Reflect.get(cls(), key),
    set: (_, key, value) => Reflect.set(cls(), key, value),
    has: (_, key) => key in cls(),
    getPrototypeOf: () => Reflect.getPrototypeOf(cls()),
  });
  return proxy;
}
// An instance's methods use its private fields, so they are called on the instance itself.
export function lazyInstance(get) {
  let real;
  const obj = () => (real ??= get());
  return new Proxy({}, {
    get: (_, key) => {
      const value = Reflect.get(obj(), key);
      return typeof value === 'function' ? value.bind(obj()) : value;
    },
    set: (_, key, value) => Reflect.set(obj(), key, value),
    has: (_, key) => key in obj(),
    getPrototypeOf: () => Reflect.getPrototypeOf(obj()),
  });
}
// A copy of frozen data (constants such as defaults): the same content, frozen alike.
export function deepFreeze(value) {
  if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
}
`;

/**
 * Hands every module outside the lazy groups a facade in place of a lazy module it imports, and
 * builds the groups' entries, `dist/lazy-<group>.js` (each with the code only it uses).
 *
 * Each group's entry also imports every module that the library's entry loads at import: esbuild
 * puts a module in a chunk per set of entries that reach it, so without this, modules reached by
 * different groups would be split over several chunks, each one more file to read at import.
 */
function lazyFacades(boundary, kinds, eager) {
  const ids = new Map(boundary.map((file, i) => [file, i]));
  return {
    name: 'lazy-facades',
    setup(build) {
      build.onResolve({ filter: /^lazy-(runtime|entry:\w+)$/ }, (args) => ({ path: args.path, namespace: 'lazy' }));
      build.onResolve({ filter: /^\.{1,2}\// }, (args) => {
        if (args.namespace !== 'file' || !args.importer.startsWith(path.join(root, 'src'))) return undefined;
        const importer = path.relative(root, args.importer).split(path.sep).join('/');
        if (isLazy(importer)) return undefined;
        const id = ids.get(sourceTarget(args.importer, args.path));
        return id === undefined ? undefined : { path: String(id), namespace: 'lazy-facade' };
      });
      const importEager = eager.map((file) => `import ${JSON.stringify('./' + file)};`);
      build.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => {
        const entry = args.path.slice('lazy-entry:'.length);
        const lines =
          args.path === 'lazy-runtime'
            ? [LAZY_RUNTIME]
            : entry === 'cli'
              ? // the CLI too, so that it shares the one chunk of everything loaded at import
                [...importEager, `export * from './src/cli.ts';`]
              : [...importEager, ...namespaceExports(boundary, (file) => lazyGroup(file) === entry)];
        return { contents: lines.join('\n'), loader: 'js', resolveDir: root };
      });
      build.onLoad({ filter: /.*/, namespace: 'lazy-facade' }, (args) => {
        const id = Number(args.path);
        const group = lazyGroup(boundary[id]);
        const lines = [`import { lazyModule, lazyClass, lazyInstance, deepFreeze } from 'lazy-runtime';`, `const get = lazyModule('${group}', 'm${id}');`];
        for (const [name, { kind, value }] of Object.entries(kinds[id])) {
          if (kind === 'function') lines.push(`export function ${name}(...args) { return get().${name}(...args); }`);
          else if (kind === 'class') lines.push(`export const ${name} = /* @__PURE__ */ lazyClass(() => get().${name});`);
          else if (kind === 'instance') lines.push(`export const ${name} = /* @__PURE__ */ lazyInstance(() => get().${name});`);
          else if (kind === 'data') lines.push(`export const ${name} = /* @__PURE__ */ deepFreeze(${value});`);
          else lines.push(`export const ${name} = ${value};`);
        }
        return { contents: lines.join('\n'), loader: 'js', resolveDir: root };
      });
    },
  };
}

const { reached, metafile: firstPass } = await staticallyReachedFromIndex();
const boundary = lazyBoundary(firstPass);
const kinds = await exportKinds(boundary);
/** What importing the package loads: the modules its entry reaches without passing a facade. */
const eager = eagerModules(firstPass, reached);
rmSync(dist, { recursive: true, force: true });

/** What both builds share: ES modules for Node 20, dependencies external, minified for whitespace and syntax. */
const common = {
  absWorkingDir: root,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Dependencies stay external: the user's package manager installs them once, and the Azure
  // SDKs, redis, convict and jose keep being imported only when used.
  packages: 'external',
  // Whitespace and syntax minified (names kept: error classes and stack traces read as in src/):
  // about a quarter less text for Node to read and compile at import; the source maps lead back to src/.
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  sourcesContent: true,
  legalComments: 'none',
  logLevel: 'warning',
};

// For Node (the package's "default" export): the lazy groups behind facades.
const result = await esbuild.build({
  ...common,
  entryPoints: {
    index: 'src/index.ts',
    cli: 'lazy-entry:cli',
    ...Object.fromEntries(Object.keys(LAZY).map((group) => [`lazy-${group}`, `lazy-entry:${group}`])),
  },
  outdir: 'dist',
  // Chunks beside the entries, so that the lazy-module runtime finds `./lazy-<group>.js` from wherever it lands.
  chunkNames: '[name]-[hash]',
  plugins: [builtinsByRequire, staticWhenReached(reached), lazyFacades(boundary, kinds, eager)],
});
if (result.errors.length > 0) process.exit(1);

// For bundlers (the "module" export condition, which esbuild, webpack, Rollup and Vite use and Node
// does not): no facades. A bundler cannot follow the facades' `require()` of a file beside them, so
// an app bundled with this package would miss the lazy groups (or load a second copy of the shared
// chunk beside its bundle); here every module is an ordinary import and the bundler places it.
const forBundlers = await esbuild.build({
  ...common,
  entryPoints: { index: 'src/index.ts' },
  outdir: 'dist/bundler',
  chunkNames: '[name]-[hash]',
  plugins: [builtinsByRequire, staticWhenReached(reached)],
});
if (forBundlers.errors.length > 0) process.exit(1);

// Declarations file by file, as tsc writes them: consumers' type checkers read them once.
const tsc = spawnSync(process.execPath, [requireHere.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json', '--emitDeclarationOnly'], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(tsc.status ?? 1);
