import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packAndInstall, repo, type Installed } from './install.js';

/**
 * The package as a user gets it: packed, installed from the tarball into a new project outside
 * the repository, and used from there as ESM, CommonJS, TypeScript and through `npx`. One pack
 * and one install serve every check in this file.
 */
let installed: Installed;
const bin = (name: string) => path.join(repo, 'node_modules', name);

function node(args: string[], options: { env?: NodeJS.ProcessEnv } = {}) {
  return spawnSync(process.execPath, args, { cwd: installed.consumer, encoding: 'utf8', env: options.env ?? cleanEnv() });
}

/** A user's shell with nothing of ours in it: no config-shaped variables from the test runner. */
function cleanEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '', HOME: installed.root, npm_config_cache: process.env.npm_config_cache ?? path.join(process.env.HOME ?? '', '.npm') };
}

function writeConsumerFile(name: string, text: string): string {
  const file = path.join(installed.consumer, name);
  writeFileSync(file, text);
  return file;
}

beforeAll(() => {
  installed = packAndInstall();
  // A TypeScript user has @types/node; the repository's copy stands in for theirs.
  mkdirSync(path.join(installed.consumer, 'node_modules/@types'), { recursive: true });
  for (const name of ['@types/node', 'undici-types']) {
    const target = path.join(installed.consumer, 'node_modules', name);
    if (!existsSync(target)) symlinkSync(path.join(repo, 'node_modules', name), target);
  }
  // dotenv is required on first use, from inside the installed package: this proves it resolves there
  writeConsumerFile('.env', 'Service__Region=from-dotenv\n');
  writeConsumerFile(
    'appsettings.json',
    JSON.stringify({
      Service: { Name: 'orders', Port: '8081', Features: ['a', 'b'] },
      Azure: { SignalR: { ConnectionString: 'Endpoint=https://demo.service.signalr.net;AccessKey=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg=;Version=1.0;' } },
    }),
  );
}, 180_000);

afterAll(() => {
  if (installed) rmSync(installed.root, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('holds the built library, its declarations and maps, the CLI and the README, and nothing else', () => {
    const files = installed.pack.files.map((f) => f.path).sort();
    const allowed = [/^package\.json$/, /^README\.md$/, /^bin\/layered-config\.js$/, /^dist\/.+\.js$/, /^dist\/.+\.js\.map$/, /^dist\/.+\.d\.ts$/];
    expect(files.filter((f) => !allowed.some((re) => re.test(f)))).toEqual([]);
    expect(files.filter((f) => /(^|\/)(test|tests|fixtures|bench|src|\.ci)\//.test(f) || /\.test\./.test(f))).toEqual([]);
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('dist/cli.js');
    // every relative import of the shipped code is shipped too
    for (const file of files.filter((f) => f.endsWith('.js'))) {
      const text = readFileSync(path.join(installed.consumer, 'node_modules/layered-config', file), 'utf8');
      for (const [, spec] of text.matchAll(/(?:from\s*|import\()\s*["'](\.{1,2}\/[^"']+)["']/g)) {
        expect(files, `${file} imports ${spec}`).toContain(path.posix.join(path.posix.dirname(file), spec!));
      }
    }
    const size = `${(installed.pack.size / 1024).toFixed(1)} KiB packed, ${(installed.pack.unpackedSize / 1024).toFixed(1)} KiB unpacked, ${files.length} files`;
    console.log(`layered-config tarball: ${size}`);
    // A budget, so that an accidental inclusion (node_modules, fixtures, a second copy of dist) is noticed.
    expect(installed.pack.size).toBeLessThan(1024 * 1024);
  });

  it('ships source maps whose every source is embedded, and links to maps that exist', () => {
    const pkgDir = path.join(installed.consumer, 'node_modules/layered-config');
    const files = installed.pack.files.map((f) => f.path);
    const scripts = files.filter((f) => f.startsWith('dist/') && f.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(0);
    for (const file of [...scripts, ...files.filter((f) => f.endsWith('.d.ts'))]) {
      const text = readFileSync(path.join(pkgDir, file), 'utf8');
      const link = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(text)?.[1];
      if (file.endsWith('.d.ts')) {
        // declaration maps would point at src/, which is not shipped
        expect(link, file).toBeUndefined();
        continue;
      }
      expect(link, `${file} has a source map`).toBeDefined();
      const mapFile = path.posix.join(path.posix.dirname(file), link!);
      expect(files).toContain(mapFile);
      const map = JSON.parse(readFileSync(path.join(pkgDir, mapFile), 'utf8')) as { sources: string[]; sourcesContent?: Array<string | null> };
      expect(map.sourcesContent?.length, mapFile).toBe(map.sources.length);
      map.sources.forEach((source, i) => {
        const shipped = existsSync(path.resolve(pkgDir, path.dirname(mapFile), source));
        expect(shipped || typeof map.sourcesContent?.[i] === 'string', `${mapFile}: ${source}`).toBe(true);
      });
    }
  });

  it('passes publint with no errors or warnings', () => {
    // --strict: a warning fails too
    // Plain text whatever the caller's terminal: CI may set FORCE_COLOR, and publint then colours its report.
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env.FORCE_COLOR;
    const out = stripVTControlCharacters(
      execFileSync(process.execPath, [path.join(bin('publint'), 'src/cli.js'), 'run', installed.tarball, '--strict'], { encoding: 'utf8', env }),
    );
    expect(out).not.toMatch(/Errors:|Warnings:/);
    // Its one suggestion, "sideEffects": false, would be untrue: importing the package attaches
    // bind() to the tree's classes (src/binding/methods.ts), and the build relies on bare imports.
    expect(out.replace(/^.*(Running publint|Unpacking tarball|Linting).*\n/gm, '').trim()).toMatch(/^(All good!?|Suggestions:\n1\. .*"sideEffects".*)$/);
  });

  it('passes @arethetypeswrong/cli for ESM-only packages (CommonJS users rely on require(esm))', () => {
    const result = spawnSync(
      process.execPath,
      [path.join(bin('@arethetypeswrong/cli'), 'dist/index.js'), installed.tarball, '--profile', 'esm-only', '--format', 'json'],
      { encoding: 'utf8' },
    );
    const report = JSON.parse(result.stdout) as { analysis: { problems: Array<{ kind: string; resolutionKind?: string }> } };
    // The one finding the esm-only profile accepts: TypeScript's node16 rules for a CommonJS file
    // predate require(esm); Node 20.19+ does load us from CommonJS (tested below).
    expect(report.analysis.problems.filter((p) => !(p.kind === 'CJSResolvesToESM' && p.resolutionKind === 'node16-cjs'))).toEqual([]);
    expect(result.status).toBe(0);
  });
});

describe('the installed package', () => {
  it('imports as an ES module and loads configuration', () => {
    writeConsumerFile(
      'esm.mjs',
      `import { loadConfig, ConfigurationRoot } from 'layered-config';
       const config = await loadConfig({ args: ['--Service:Port=9090'] });
       console.log(JSON.stringify({ root: config instanceof ConfigurationRoot, name: config.get('service:NAME'), port: config.get('Service:Port'),
         region: config.get('Service:Region'), features: config.bind('Service', { Features: [''] }).Features }));`,
    );
    const result = node(['esm.mjs']);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ root: true, name: 'orders', port: '9090', region: 'from-dotenv', features: ['a', 'b'] });
  });

  it('is required from CommonJS as the same module (require(esm): no top-level await anywhere in it)', () => {
    writeConsumerFile(
      'cjs.cjs',
      `const lc = require('layered-config');
       lc.loadConfig({ args: [] }).then(async (config) => {
         const esm = await import('layered-config');
         // a group loaded on first use, from a package that was itself loaded with require()
         let thrown;
         try { lc.parseSignalRConnectionString('Endpoint=nowhere'); } catch (error) { thrown = error; }
         console.log(JSON.stringify({ name: config.get('Service:Name'), region: config.get('Service:Region'), same: esm.ConfigurationRoot === lc.ConfigurationRoot, builder: typeof lc.ConfigurationBuilder,
           lazy: thrown instanceof esm.SignalRConnectionStringError && thrown instanceof lc.ConfigurationError, bound: config.bind('Service', { Port: 0 }).Port }));
       });`,
    );
    const result = node(['cjs.cjs']);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ name: 'orders', region: 'from-dotenv', same: true, builder: 'function', lazy: true, bound: 8081 });
  });

  it('uses its lazily loaded groups as the same classes: an error made in the SignalR group is a ConfigurationError', () => {
    writeConsumerFile(
      'lazy.mjs',
      `import { parseSignalRConnectionString, SignalRConnectionStringError, ConfigurationError, loadConfig } from 'layered-config';
       const config = await loadConfig({ args: [] });
       let thrown;
       try { parseSignalRConnectionString('Endpoint=nowhere'); } catch (error) { thrown = error; }
       const parsed = parseSignalRConnectionString(config.get('Azure:SignalR:ConnectionString'));
       console.log(JSON.stringify({ lazy: thrown instanceof SignalRConnectionStringError, base: thrown instanceof ConfigurationError, endpoint: parsed.endpoint }));
       await config.dispose();`,
    );
    const result = node(['lazy.mjs']);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ lazy: true, base: true, endpoint: 'https://demo.service.signalr.net' });
  });

  it('bundles into an app with esbuild (the "module" export, without lazy groups) that runs and keeps one copy of each class', () => {
    writeConsumerFile(
      'app.mjs',
      `import { loadConfig, parseSignalRConnectionString, parseRedisConnectionString, SignalRConnectionStringError, ConfigurationError } from 'layered-config';
       const config = await loadConfig({ args: ['--Service:Port=9090'] });
       let thrown;
       try { parseSignalRConnectionString('Endpoint=nowhere'); } catch (error) { thrown = error; }
       const redis = parseRedisConnectionString('cache.redis.cache.windows.net:6380,ssl=True');
       console.log(JSON.stringify({ port: config.get('Service:Port'), region: config.get('Service:Region'), bound: config.bind('Service', { Port: 0 }).Port,
         lazy: thrown instanceof SignalRConnectionStringError, base: thrown instanceof ConfigurationError, redis: redis.host }));
       await config.dispose();`,
    );
    const bundled = path.join(installed.consumer, 'out/app.mjs');
    // The consumer's own esbuild would do; the repository's is the same package.
    execFileSync(bin('esbuild/bin/esbuild'), ['app.mjs', '--bundle', '--platform=node', '--format=esm', `--outfile=${bundled}`, '--packages=bundle', '--external:@azure/*', '--external:redis', '--external:@redis/*', '--external:dotenv', '--external:convict', '--log-level=error'], {
      cwd: installed.consumer,
    });
    const text = readFileSync(bundled, 'utf8');
    // the bundler build, with everything in it: no facade looking for a lazy group beside the bundle
    expect(text).not.toMatch(/lazy-(signalr|redis|azure|binding|files)\.js/);
    expect(text).toContain('function parseSignalRConnectionString(');
    const result = node([bundled]);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ port: '9090', region: 'from-dotenv', bound: 9090, lazy: true, base: true, redis: 'cache.redis.cache.windows.net' });
  });

  it('runs `npx layered-config show` and `check` from the installed package, secrets redacted', () => {
    const npx = (args: string[]) => spawnSync('npx', ['--offline', '--no-install', 'layered-config', ...args], { cwd: installed.consumer, encoding: 'utf8', env: cleanEnv() });
    const show = npx(['show', '--json']);
    expect(show.status, show.stderr).toBe(0);
    const tree = JSON.parse(show.stdout) as Record<string, { value: string; secret: boolean }>;
    expect(tree['Service:Name']?.value).toBe('orders');
    expect(tree['Azure:SignalR:ConnectionString']?.secret).toBe(true);
    expect(show.stdout).not.toContain('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg');

    const check = npx(['check']);
    expect(check.status, check.stderr).toBe(0);
    expect(check.stdout).toContain('https://demo.service.signalr.net');

    const bad = npx(['check', '--', '--Azure:SignalR:ConnectionString=Endpoint=ftp://demo;AccessKey=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg=;Version=1.0;']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('Azure:SignalR:ConnectionString');
    expect(bad.stderr).not.toContain('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg');
  });

  describe('type-checks a TypeScript consumer, and bind infers the README types', () => {
    const consumerTs = `
      import { ConfigurationBuilder, dictionaryOf, loadConfig, type ConfigurationRoot } from 'layered-config';

      type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
      function expectType<T extends true>(): T | undefined { return undefined; }

      const config: ConfigurationRoot = await loadConfig();
      const built = await new ConfigurationBuilder().addInMemory({ 'Service:Port': '1' }).addEnvironmentVariables().build();
      expectType<Equal<ReturnType<typeof built.get>, string | null | undefined>>();

      const service = config.bind('Service', { Name: '', Port: 8080, Features: [''] });
      expectType<Equal<typeof service, { Name: string; Port: number; Features: string[] }>>();
      // @ts-expect-error Port is a number, not any
      const notAString: string = service.Port;

      const redis = config.bind('Redis', { Host: 'localhost', Port: 6379, Ssl: false, Hosts: [] as string[] });
      expectType<Equal<typeof redis, { Host: string; Port: number; Ssl: boolean; Hosts: string[] }>>();

      const eps = config.getSection('SignalR').bind({ Endpoints: dictionaryOf({ Url: new URL('http://x'), Weight: 1 }) });
      expectType<Equal<typeof eps, { Endpoints: Record<string, { Url: URL; Weight: number }> }>>();

      const server = config.bind('Server', {
        Port: { format: 'port', default: 3000 },
        Db: { Password: { format: String, default: '', sensitive: true } },
        Env: { format: ['production', 'development'], default: 'development' },
      });
      expectType<Equal<typeof server, { Port: number; Db: { Password: string }; Env: 'production' | 'development' }>>();
      export { notAString };
    `;

    for (const resolution of ['node16', 'bundler'] as const) {
      it(`with moduleResolution ${resolution}`, () => {
        const dir = installed.consumer;
        writeConsumerFile(`consumer-${resolution}.ts`, consumerTs);
        const tsconfig = `tsconfig.${resolution}.json`;
        writeConsumerFile(
          tsconfig,
          JSON.stringify({
            compilerOptions: {
              target: 'ES2022',
              module: resolution === 'node16' ? 'node16' : 'esnext',
              moduleResolution: resolution,
              strict: true,
              noEmit: true,
              // the package's own declarations are checked too, not only their use
              skipLibCheck: false,
              lib: ['ES2023'],
              types: ['node'],
            },
            files: [`consumer-${resolution}.ts`],
          }),
        );
        const result = spawnSync(process.execPath, [path.join(bin('typescript'), 'bin/tsc'), '-p', tsconfig], { cwd: dir, encoding: 'utf8' });
        // Every diagnostic in the consumer's file or in our declarations fails; the Azure SDKs'
        // own declarations need DOM types (msal's JsonWebKey), which is theirs to fix, not ours.
        const ours = `${result.stdout}${result.stderr}`
          .split('\n')
          .filter((line) => line.trim() !== '' && (!line.startsWith('node_modules/') || line.startsWith('node_modules/layered-config/')));
        expect(ours).toEqual([]);
      });
    }
  });
});
