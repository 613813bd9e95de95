import { spawn } from 'node:child_process';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  ConfigurationFileNotFoundError,
  ConfigurationParseError,
  DuplicateKeyError,
} from '../../src/core/errors.js';
import { JsonFileProvider } from '../../src/providers/jsonFile.js';
import { pairsOf, recordingSink, useTempDirPerTest, valueOf, waitFor } from './helpers.js';

const tmp = useTempDirPerTest();

async function loadError(provider: JsonFileProvider): Promise<ConfigurationError> {
  try {
    await provider.load();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigurationError);
    return err as ConfigurationError;
  }
  throw new Error('expected the load to fail');
}

describe('JsonFileProvider', () => {
  it('loads a file with .NET flattening, the path as given as every source', async () => {
    await writeFile(join(tmp.dir, 'appsettings.json'), '{"Logging": {"Level": "Debug"}, "Hosts": ["a", "b"], "Empty": {}}');
    const provider = new JsonFileProvider('appsettings.json', { baseDir: tmp.dir });
    const data = await provider.load();
    expect(pairsOf(data)).toEqual([
      ['Logging:Level', 'Debug'],
      ['Hosts:0', 'a'],
      ['Hosts:1', 'b'],
      ['Empty', null],
    ]);
    expect([...data.values()].every((e) => e.source === 'appsettings.json')).toBe(true);
    expect(valueOf(data, 'logging:level')).toBe('Debug');
    expect(provider.physicalPath).toBe(join(tmp.dir, 'appsettings.json'));
  });

  it("is named like .NET's provider, with the file as given", () => {
    expect(new JsonFileProvider('appsettings.json', { optional: true }).name).toBe("JsonConfigurationProvider for 'appsettings.json' (Optional)");
    expect(new JsonFileProvider('config/app.json').name).toBe("JsonConfigurationProvider for 'config/app.json' (Required)");
    expect(new JsonFileProvider('a.json', { name: 'Custom' }).name).toBe('Custom');
  });

  it('returns a fresh map on every load', async () => {
    await writeFile(join(tmp.dir, 'a.json'), '{"A": "1"}');
    const provider = new JsonFileProvider(join(tmp.dir, 'a.json'));
    const first = await provider.load();
    await writeFile(join(tmp.dir, 'a.json'), '{"A": "2"}');
    const second = await provider.load();
    expect(first).not.toBe(second);
    expect([valueOf(first, 'A'), valueOf(second, 'A')]).toEqual(['1', '2']);
  });

  it('gives no keys for a missing optional file', async () => {
    const data = await new JsonFileProvider('missing.json', { baseDir: tmp.dir, optional: true }).load();
    expect(data.size).toBe(0);
  });

  it('fails for a missing required file with the .NET message (JsonConfiguration_Throws_On_Missing_Configuration_File)', async () => {
    const provider = new JsonFileProvider('NotExistingConfig.json', { baseDir: tmp.dir });
    const err = await loadError(provider);
    expect(err).toBeInstanceOf(ConfigurationFileNotFoundError);
    expect(err.code).toBe('FILE_NOT_FOUND');
    expect(err.message).toBe(
      `The configuration file 'NotExistingConfig.json' was not found and is not optional. The expected physical path was '${join(tmp.dir, 'NotExistingConfig.json')}'.`,
    );
    expect(err.provider).toBe("JsonConfigurationProvider for 'NotExistingConfig.json' (Required)");
  });

  it('rejects an empty path', () => {
    expect(() => new JsonFileProvider('')).toThrow('File path must be a non-empty string.');
  });

  it('names the file, line and column of malformed JSON', async () => {
    const file = join(tmp.dir, 'bad.json');
    await writeFile(file, '{\n  "name": "test",\n  "address": {\n    "street": "x"\n    "zipcode": "12345"\n  }\n}');
    const err = await loadError(new JsonFileProvider(file));
    expect(err).toBeInstanceOf(ConfigurationParseError);
    expect(err.message).toMatch(new RegExp(`^Failed to load configuration from file '${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}'\\. Could not parse the JSON file\\. .* at line 5, column 5\\.$`));
    expect([(err as ConfigurationParseError).line, (err as ConfigurationParseError).column]).toEqual([5, 5]);
    expect(err.source).toBe(file);
    expect(err.provider).toBe(`JsonConfigurationProvider for '${file}' (Required)`);
    expect(err.cause).toBeInstanceOf(ConfigurationParseError);
  });

  it('fails for an empty file (ThrowFormatExceptionWhenFileIsEmpty) and a non-object root', async () => {
    await writeFile(join(tmp.dir, 'empty.json'), '');
    await writeFile(join(tmp.dir, 'array.json'), '[1]');
    const empty = await loadError(new JsonFileProvider('empty.json', { baseDir: tmp.dir, optional: true }));
    expect(empty).toBeInstanceOf(ConfigurationParseError);
    expect(empty.message).toContain('Could not parse the JSON file');
    const array = await loadError(new JsonFileProvider('array.json', { baseDir: tmp.dir }));
    expect(array.message).toBe(
      `Failed to load configuration from file '${join(tmp.dir, 'array.json')}'. Top-level JSON element must be an object. Instead, 'Array' was found.`,
    );
  });

  it('reports a duplicate key as a DuplicateKeyError naming the file and the key', async () => {
    await writeFile(join(tmp.dir, 'dup.json'), '{"Data": {"Port": 1}, "data:PORT": 2}');
    const err = await loadError(new JsonFileProvider('dup.json', { baseDir: tmp.dir }));
    expect(err).toBeInstanceOf(DuplicateKeyError);
    expect(err.key).toBe('data:PORT');
    expect(err.message).toBe(
      `Failed to load configuration from file '${join(tmp.dir, 'dup.json')}'. A duplicate key 'data:PORT' was found. The second occurrence is at line 1, column 23.`,
    );
  });

  it('never writes __proto__ onto an object', async () => {
    await writeFile(join(tmp.dir, 'p.json'), '{"__proto__": {"polluted": 1}, "prototype": "x"}');
    const data = await new JsonFileProvider('p.json', { baseDir: tmp.dir }).load();
    expect(pairsOf(data)).toEqual([
      ['__proto__:polluted', '1'],
      ['prototype', 'x'],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  describe('watch', () => {
    it('does nothing without reloadOnChange', async () => {
      const file = join(tmp.dir, 'a.json');
      await writeFile(file, '{"A": "1"}');
      const provider = new JsonFileProvider(file);
      await provider.load();
      const sink = recordingSink();
      tmp.stops.push(provider.watch(sink));
      await writeFile(file, '{"A": "2"}');
      await new Promise((r) => setTimeout(r, 600));
      expect(sink.updates.length + sink.errors.length).toBe(0);
    });

    it('reports an edit as new data, and invalid JSON as an error without new data', async () => {
      const file = join(tmp.dir, 'appsettings.json');
      await writeFile(file, '{"Feature": {"Enabled": false}}');
      const provider = new JsonFileProvider(file, { reloadOnChange: true });
      expect(valueOf(await provider.load(), 'Feature:Enabled')).toBe('False');
      const sink = recordingSink();
      tmp.stops.push(provider.watch(sink));

      await writeFile(file, '{"Feature": {"Enabled": true}}');
      await waitFor(() => sink.updates.length > 0, 'the reload');
      expect(valueOf(sink.updates.at(-1)!, 'Feature:Enabled')).toBe('True');

      const updatesBefore = sink.updates.length;
      await writeFile(file, '{"Feature": {"Enabled": tru');
      await waitFor(() => sink.errors.length > 0, 'the reload error');
      expect(sink.errors[0]).toBeInstanceOf(ConfigurationParseError);
      expect((sink.errors[0] as Error).message).toContain(file);
      expect(sink.updates.length).toBe(updatesBefore);

      await writeFile(file, '{"Feature": {"Enabled": "again"}}');
      await waitFor(() => sink.updates.length > updatesBefore, 'the recovery');
      expect(valueOf(sink.updates.at(-1)!, 'Feature:Enabled')).toBe('again');
    });

    it('debounces a burst of writes into one reload', async () => {
      const file = join(tmp.dir, 'a.json');
      await writeFile(file, '{"N": "0"}');
      const provider = new JsonFileProvider(file, { reloadOnChange: true, reloadDelayMs: 400 });
      await provider.load();
      const sink = recordingSink();
      tmp.stops.push(provider.watch(sink));
      for (let i = 1; i <= 5; i++) await writeFile(file, `{"N": "${i}"}`);
      await waitFor(() => sink.updates.length > 0, 'the reload');
      await new Promise((r) => setTimeout(r, 800));
      expect(sink.updates.length).toBe(1);
      expect(valueOf(sink.updates[0]!, 'N')).toBe('5');
    });

    it('sees a file replaced by rename (editor save) and a file created after start', async () => {
      const file = join(tmp.dir, 'late.json');
      const provider = new JsonFileProvider(file, { optional: true, reloadOnChange: true });
      expect((await provider.load()).size).toBe(0);
      const sink = recordingSink();
      tmp.stops.push(provider.watch(sink));

      await writeFile(file, '{"Created": "yes"}');
      await waitFor(() => sink.updates.length > 0, 'the created file');
      expect(valueOf(sink.updates.at(-1)!, 'Created')).toBe('yes');

      const seen = sink.updates.length;
      await writeFile(join(tmp.dir, 'late.json.tmp'), '{"Created": "renamed"}');
      await rename(join(tmp.dir, 'late.json.tmp'), file);
      await waitFor(() => sink.updates.length > seen, 'the renamed file');
      expect(valueOf(sink.updates.at(-1)!, 'Created')).toBe('renamed');
    });

    it('reports a deleted optional file as empty data, a deleted required file as an error', async () => {
      const optionalFile = join(tmp.dir, 'optional.json');
      const requiredFile = join(tmp.dir, 'required.json');
      await writeFile(optionalFile, '{"A": "1"}');
      await writeFile(requiredFile, '{"B": "2"}');
      const optional = new JsonFileProvider(optionalFile, { optional: true, reloadOnChange: true });
      const required = new JsonFileProvider(requiredFile, { reloadOnChange: true });
      await optional.load();
      await required.load();
      const optionalSink = recordingSink();
      const requiredSink = recordingSink();
      tmp.stops.push(optional.watch(optionalSink), required.watch(requiredSink));

      await rm(optionalFile);
      await rm(requiredFile);
      await waitFor(() => optionalSink.updates.length > 0 && requiredSink.errors.length > 0, 'both reloads');
      expect(optionalSink.updates.at(-1)!.size).toBe(0);
      expect(optionalSink.errors).toEqual([]);
      expect(requiredSink.errors[0]).toBeInstanceOf(ConfigurationFileNotFoundError);
      expect(requiredSink.updates).toEqual([]);
    });

    it('polls a file whose directory does not exist yet', async () => {
      const file = join(tmp.dir, 'later', 'a.json');
      const provider = new JsonFileProvider(file, { optional: true, reloadOnChange: true });
      expect((await provider.load()).size).toBe(0);
      const sink = recordingSink();
      tmp.stops.push(provider.watch(sink));
      await mkdir(join(tmp.dir, 'later'));
      await writeFile(file, '{"Polled": "yes"}');
      await waitFor(() => sink.updates.length > 0, 'the polled file', 15_000);
      expect(valueOf(sink.updates.at(-1)!, 'Polled')).toBe('yes');
    });

    it('reports nothing after the stop function ran', async () => {
      const file = join(tmp.dir, 'a.json');
      await writeFile(file, '{"A": "1"}');
      const provider = new JsonFileProvider(file, { reloadOnChange: true });
      await provider.load();
      const sink = recordingSink();
      const stop = provider.watch(sink);
      await writeFile(file, '{"A": "2"}');
      await waitFor(() => sink.updates.length > 0, 'the reload');
      stop();
      const seen = sink.updates.length;
      await writeFile(file, '{"A": "3"}');
      await writeFile(file, '{"A": ');
      await new Promise((r) => setTimeout(r, 800));
      expect(sink.updates.length).toBe(seen);
      expect(sink.errors).toEqual([]);
    });

    it('lets a process that watched a file and stopped exit', async () => {
      const repo = fileURLToPath(new URL('../..', import.meta.url));
      const file = join(tmp.dir, 'child.json');
      await writeFile(file, '{"A": "1"}');
      const script = join(tmp.dir, 'child.mts');
      const providerModule = relative(tmp.dir, join(repo, 'src/providers/jsonFile.ts')).split('\\').join('/');
      await writeFile(
        script,
        `import { writeFileSync } from 'node:fs';
import { JsonFileProvider } from '${providerModule.startsWith('.') ? providerModule : './' + providerModule}';
const provider = new JsonFileProvider(${JSON.stringify(file)}, { reloadOnChange: true });
await provider.load();
// Watchers never hold the process open on their own, so the child holds itself open until the
// reload arrives; after that, stopping must leave nothing behind.
const keepAlive = setTimeout(() => { console.log('no reload'); process.exit(2); }, 15000);
const done = () => { stop(); clearTimeout(keepAlive); };
const stop = provider.watch({
  update(data) { console.log('updated ' + data.get('a').value); done(); },
  error(err) { console.log('error ' + err.message); done(); },
});
writeFileSync(${JSON.stringify(file)}, '{"A": "2"}');
`,
      );
      const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let errOut = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (errOut += d.toString()));
      const code = await new Promise<number | null>((resolve, reject) => {
        const timer = setTimeout(() => {
          child.kill();
          reject(new Error(`the child did not exit; stdout: ${out} stderr: ${errOut}`));
        }, 20_000);
        child.on('exit', (c) => {
          clearTimeout(timer);
          resolve(c);
        });
      });
      expect({ code, out: out.trim() }).toEqual({ code: 0, out: 'updated 2' });
    }, 30_000);
  });
});
