import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repo } from './install.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('bin/layered-config.js', () => {
  it('exits quietly when the reader of its output goes away (`show | head`)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lc-bin-'));
    dirs.push(dir);
    // far more output than a pipe buffers, so the CLI is still writing when the reader closes
    const settings = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`Section${i % 50}:Key${i}`, `value-${i}`]));
    writeFileSync(path.join(dir, 'appsettings.json'), JSON.stringify(settings));
    const child = spawn(process.execPath, [path.join(repo, 'bin/layered-config.js'), 'show', '--cwd', dir], {
      env: { PATH: process.env.PATH ?? '', HOME: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
