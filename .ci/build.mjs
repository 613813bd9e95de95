#!/usr/bin/env node
// `npm run build`: the library's own code as bundled ES modules in dist/ (esbuild), declarations
// beside them (tsc --emitDeclarationOnly). Why a bundle, and why builtins are required lazily:
// docs/package.md ("How dist/ is built").
import { rmSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
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
      const lines = [`import { createRequire } from 'node:module';`, `const load = () => createRequire(import.meta.url)(${JSON.stringify(specifier)});`];
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
    entryPoints: ['src/index.ts'],
    bundle: true,
    write: false,
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
  return reached;
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

const reached = await staticallyReachedFromIndex();
rmSync(dist, { recursive: true, force: true });

const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: { index: 'src/index.ts', cli: 'src/cli.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Dependencies stay external: the user's package manager installs them once, and the Azure
  // SDKs, redis, convict and jose keep being imported only when used.
  packages: 'external',
  chunkNames: 'chunks/[name]-[hash]',
  // Whitespace and syntax minified (names kept: error classes and stack traces read as in src/):
  // about a quarter less text for Node to read and compile at import; the source maps lead back to src/.
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  sourcesContent: true,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
  plugins: [builtinsByRequire, staticWhenReached(reached)],
});
if (result.errors.length > 0) process.exit(1);

// Declarations file by file, as tsc writes them: consumers' type checkers read them once.
const tsc = spawnSync(process.execPath, [requireHere.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json', '--emitDeclarationOnly'], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(tsc.status ?? 1);
