/**
 * Packs the repository as npm would publish it and installs the tarball into a new project outside
 * the repository, with no network: the consumer's lockfile lists the package's dependencies at
 * the versions and integrities of the repository's own lockfile, so `npm ci --offline` takes them
 * from the npm cache that the repository's `npm ci` filled.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = fileURLToPath(new URL('../..', import.meta.url));

/** One file of `npm pack --json`. */
export interface PackedFile {
  path: string;
  size: number;
}

export interface Installed {
  /** The temporary directory holding the tarball and the consumer project; remove it after. */
  root: string;
  tarball: string;
  /** The consumer project, with `node_modules/layered-config` installed from the tarball. */
  consumer: string;
  /** `npm pack --json`'s report: packed size, unpacked size, file list. */
  pack: { size: number; unpackedSize: number; files: PackedFile[] };
}

interface LockEntry {
  dev?: boolean;
  [field: string]: unknown;
}

/** npm, with output that the caller can quote when it fails. */
export function npm(args: string[], cwd: string): string {
  try {
    return execFileSync('npm', args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' },
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`npm ${args.join(' ')} failed in ${cwd}:\n${e.stderr ?? ''}${e.stdout ?? ''}${e.message}`);
  }
}

export function packAndInstall(): Installed {
  if (!existsSync(path.join(repo, 'dist/index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const root = mkdtempSync(path.join(os.tmpdir(), 'lc-package-'));
  try {
    const [pack] = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', root], repo)) as Array<
      Installed['pack'] & { filename: string }
    >;
    const tarball = path.join(root, pack!.filename);

    const consumer = path.join(root, 'consumer');
    mkdirSync(consumer);
    const spec = `file:../${pack!.filename}`;
    const manifest = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as Record<string, unknown>;
    const repoLock = JSON.parse(readFileSync(path.join(repo, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, LockEntry>;
    };
    const packages: Record<string, unknown> = {
      '': { name: 'consumer', dependencies: { 'layered-config': spec } },
      'node_modules/layered-config': {
        version: manifest.version,
        resolved: spec,
        integrity: `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`,
        dependencies: manifest.dependencies,
        bin: manifest.bin,
        engines: manifest.engines,
      },
    };
    // The repository's runtime dependencies are the package's: same tree, same hoisting.
    for (const [key, entry] of Object.entries(repoLock.packages)) {
      if (key !== '' && entry.dev !== true) packages[key] = entry;
    }
    writeFileSync(
      path.join(consumer, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { 'layered-config': spec } }, null, 2),
    );
    writeFileSync(path.join(consumer, 'package-lock.json'), JSON.stringify({ name: 'consumer', lockfileVersion: 3, requires: true, packages }, null, 2));
    npm(['ci', '--offline', '--ignore-scripts'], consumer);
    return { root, tarball, consumer, pack: pack! };
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}
