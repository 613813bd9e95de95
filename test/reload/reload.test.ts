import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationBuilder } from '../../src/builder.js';
import type { ConfigurationProvider } from '../../src/core/provider.js';
import { providerData } from '../../src/core/provider.js';
import type { ConfigurationRoot } from '../../src/core/root.js';
import { JsonFileProvider } from '../../src/providers/jsonFile.js';

let dir: string;
let config: ConfigurationRoot | undefined;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'lc-reload-'));
});
afterEach(async () => {
  await config?.dispose();
  config = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function until<T>(what: () => T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = what();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('reloadOnChange through the root', () => {
  it('fires onChange with the new value visible, keeps the last good data on bad JSON and reports it', async () => {
    const file = path.join(dir, 'appsettings.json');
    writeFileSync(file, JSON.stringify({ Feature: { Level: '1' }, Other: 'x' }));
    config = await new ConfigurationBuilder()
      .addJsonFile(file, { reloadOnChange: true })
      .addInMemory({ Fixed: 'y' })
      .build();
    const changes: Array<string | null | undefined> = [];
    const errors: Array<{ error: unknown; provider: string }> = [];
    config.onChange((c) => changes.push(c.get('feature:level')));
    config.onError((error, provider) => errors.push({ error, provider }));

    writeFileSync(file, JSON.stringify({ Feature: { Level: '2' } }));
    await until(() => (changes.length > 0 ? true : undefined));
    expect(changes).toEqual(['2']);
    expect(config.get('Feature:Level')).toBe('2');
    expect(config.get('Other')).toBeUndefined();
    expect(config.get('Fixed')).toBe('y');

    writeFileSync(file, '{ "Feature": { "Level": "3" ');
    const failure = await until(() => errors[0]);
    expect(failure.provider).toContain('appsettings.json');
    expect(failure.error).toMatchObject({ code: 'PARSE_ERROR' });
    expect(config.get('Feature:Level')).toBe('2');
    expect(changes).toEqual(['2']);

    writeFileSync(file, JSON.stringify({ Feature: { Level: '4' } }));
    await until(() => (changes.length > 1 ? true : undefined));
    expect(config.get('Feature:Level')).toBe('4');
  });

  it('a file change that a failed config.reload() read (another provider failed) is still applied by the watcher', async () => {
    const file = path.join(dir, 'appsettings.json');
    writeFileSync(file, JSON.stringify({ Level: '1' }));
    let failing = false;
    const flaky: ConfigurationProvider = {
      name: 'Flaky',
      load: async () => {
        if (failing) throw new Error('flaky provider down');
        return providerData([]);
      },
    };
    config = await new ConfigurationBuilder().addJsonFile(file, { reloadOnChange: true, reloadDelayMs: 300 }).add(flaky).build();
    config.onError(() => {});
    failing = true;
    writeFileSync(file, JSON.stringify({ Level: '2' }));
    // Before the watcher's debounce ends: the file provider reads level 2, but the reload is all or nothing.
    await expect(config.reload()).rejects.toThrow('flaky provider down');
    expect(config.get('Level')).toBe('1');
    await until(() => (config!.get('Level') === '2' ? true : undefined), 5_000);
  });

  it('startWatching() a second time is a no-op: one change notification per file change, no watcher left after dispose', async () => {
    const file = path.join(dir, 'appsettings.json');
    writeFileSync(file, JSON.stringify({ Level: '1' }));
    const json = new JsonFileProvider(file, { reloadOnChange: true, reloadDelayMs: 50 });
    let watchers = 0;
    // The real file provider, counting the watchers the root starts and stops.
    const counted: ConfigurationProvider = {
      name: json.name,
      load: () => json.load(),
      watch: (sink) => {
        watchers++;
        const stop = json.watch(sink);
        return () => {
          watchers--;
          stop();
        };
      },
    };
    config = await new ConfigurationBuilder().add(counted).build();
    config.startWatching();
    expect(watchers).toBe(1);
    const changes: Array<string | null | undefined> = [];
    config.onChange((c) => changes.push(c.get('Level')));

    writeFileSync(file, JSON.stringify({ Level: '2' }));
    await until(() => (changes.length > 0 ? true : undefined));
    // Long enough for a second watcher's debounced reload to have landed too.
    await new Promise((r) => setTimeout(r, 500));
    expect(changes).toEqual(['2']);

    await config.dispose();
    expect(watchers).toBe(0);
    config.startWatching();
    expect(watchers).toBe(0);
  });

  it('dispose() lets a process that watched files and polled exit on its own', async () => {
    const file = path.join(dir, 'appsettings.json');
    writeFileSync(file, '{"A":"1"}');
    const builder = pathToFileURL(fileURLToPath(new URL('../../dist/index.js', import.meta.url))).href;
    const script = `
      const { ConfigurationBuilder } = await import(${JSON.stringify(builder)});
      const config = await new ConfigurationBuilder().addJsonFile(${JSON.stringify(file)}, { reloadOnChange: true }).build();
      config.onChange(() => {});
      await config.dispose();
      console.log('disposed');
    `;
    const started = Date.now();
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000 }, (error, stdout) =>
        error ? reject(error) : resolve(stdout),
      ),
    );
    expect(out.trim()).toBe('disposed');
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
