import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigurationBuilder } from '../../src/builder.js';
import { SectionNotFoundError } from '../../src/core/errors.js';
import { compareKeys, foldKey, foldSegment } from '../../src/core/path.js';
import type { ConfigurationProvider, ProviderData, ProviderWatchSink } from '../../src/core/provider.js';
import { providerData } from '../../src/core/provider.js';
import { fingerprint } from '../../src/core/secrets.js';

const build = (...layers: Record<string, string | null>[]) => {
  const b = new ConfigurationBuilder();
  for (const layer of layers) b.addInMemory(layer);
  return b.build();
};

describe('key model', () => {
  it('folds a segment alone only when that is its folded form inside every key', () => {
    for (const segment of ['Svc4', 'connectionstring', 'ünï', 'straße', 'Key_1']) {
      expect(foldSegment(segment)).toBe(foldKey(segment));
      expect(foldKey(`${segment}:Part:${segment}`)).toBe(`${foldSegment(segment)}:part:${foldSegment(segment)}`);
    }
    // Greek final sigma: the lower case of 'Σ' depends on what follows it
    expect(foldKey('AΣ:b')).not.toBe(`${foldKey('AΣ')}:b`);
    expect(foldSegment('AΣ')).toBeUndefined();
    expect(foldSegment('Ünï')).toBeUndefined(); // a capital beyond ASCII
    expect(foldSegment('a:b')).toBeUndefined();
  });

  it('compares keys case-insensitively and lets the last provider win', async () => {
    const config = await build({ 'Azure:SignalR:ConnectionString': 'a', Other: 'x' }, { 'AZURE:signalr:connectionstring': 'b' });
    expect(config.get('azure:SIGNALR:ConnectionString')).toBe('b');
    expect(config.get('other')).toBe('x');
    expect(config.get('missing')).toBeUndefined();
  });

  it('lets a later null value hide an earlier one (.NET root get stops at the first provider that has the key)', async () => {
    const config = await build({ A: 'x' }, { A: null });
    expect(config.get('A')).toBeNull();
  });

  it('orders children like ConfigurationKeyComparer (ConfigurationPathComparerTest vectors)', async () => {
    const config = await build({ 'Sec:hello': '1', 'Sec:10': '1', 'Sec:bob': '1', 'Sec:4': '1', 'Sec:1text': '1', 'Sec:42': '1' });
    expect(config.getSection('Sec').getChildren().map((s) => s.key)).toEqual(['4', '10', '42', '1text', 'bob', 'hello']);
    expect(['b', 'a:b', 'a', 'A:a'].sort(compareKeys)).toEqual(['a', 'A:a', 'a:b', 'b']);
    expect(compareKeys('000', '0')).toBe(0);
    expect(compareKeys(' 5', '10')).toBeLessThan(0);
    // 2147483648 overflows Int32, so it compares as text and sorts after every integer
    expect(['2147483648', '9'].sort(compareKeys)).toEqual(['9', '2147483648']);
  });

  it('lists each child once whatever its case across providers, keeping the first spelling', async () => {
    const config = await build({ 'Mem1:KeyInMem1': 'a', 'mem1:Deep1:x': 'b' }, { 'MEM1:keyinmem1': 'c' });
    const children = config.getSection('mem1').getChildren();
    expect(children.map((c) => c.key)).toEqual(['Deep1', 'KeyInMem1']);
    expect(config.getChildren().map((c) => c.path)).toEqual(['Mem1']);
  });

  it('keeps empty segments as real keys', async () => {
    const config = await build({ ':Key2': 'a', 'Key1::Key3': 'b' });
    expect(config.getChildren().map((c) => c.key)).toEqual(['', 'Key1']);
    expect(config.getSection('Key1').getChildren().map((c) => c.key)).toEqual(['']);
    expect(config.getSection('Key1:').getChildren().map((c) => c.path)).toEqual(['Key1::Key3']);
    expect(config.get('Key1::Key3')).toBe('b');
  });

  it('replaces only the array elements a later provider sets (ArrayTest)', async () => {
    const config = await build({ 'ip:0': '1.2.3.4', 'ip:1': '7.8.9.10', 'ip:2': '11.12.13.14' }, { 'ip:0': '15.16.17.18' });
    expect(config.getSection('ip').getChildren().map((c) => c.value)).toEqual(['15.16.17.18', '7.8.9.10', '11.12.13.14']);
  });

  it('exists() is true for "" and for parents, false for null and for missing keys', async () => {
    const config = await build({ Empty: '', Null: null, 'Parent:Child': null });
    expect(config.getSection('Empty').exists()).toBe(true);
    expect(config.getSection('Null').exists()).toBe(false);
    expect(config.getSection('Parent').exists()).toBe(true);
    expect(config.getSection('Parent:Child').exists()).toBe(false);
    expect(config.getSection('Nope').exists()).toBe(false);
    // a null-valued key still appears among its parent's children (.NET)
    expect(config.getSection('Parent').getChildren().map((c) => c.key)).toEqual(['Child']);
    expect(() => config.getRequiredSection('Null')).toThrow(SectionNotFoundError);
    expect(config.getRequiredSection('Parent').path).toBe('Parent');
  });

  it('sections keep the caller spelling of the path and read through to the root', async () => {
    const config = await build({ 'Redis:Host': 'h', 'Redis:Port': '6380' });
    const section = config.getSection('REDIS');
    expect(section.path).toBe('REDIS');
    expect(section.key).toBe('REDIS');
    expect(section.value).toBeUndefined();
    expect(section.get('host')).toBe('h');
    expect(section.getSection('Port').value).toBe('6380');
    expect(section.getSection('Port').path).toBe('REDIS:Port');
  });

  it('reads connection strings and enumerates entries depth first like AsEnumerable', async () => {
    const config = await build({ 'ConnectionStrings:Db': 'Server=x', 'A:B:C': '1', 'A:B': '2', Z: '3' });
    expect(config.getConnectionString('db')).toBe('Server=x');
    expect([...config.entries()]).toEqual([
      ['A', null],
      ['A:B', '2'],
      ['A:B:C', '1'],
      ['ConnectionStrings', null],
      ['ConnectionStrings:Db', 'Server=x'],
      ['Z', '3'],
    ]);
    expect([...config.getSection('A').entries({ makePathsRelative: true })]).toEqual([
      ['B', '2'],
      ['B:C', '1'],
    ]);
  });

  it('treats __proto__, constructor and prototype as ordinary keys', async () => {
    const values = JSON.parse('{"__proto__:polluted":"1","__proto__":"p","constructor:prototype:x":"2"}');
    const config = await new ConfigurationBuilder().addInMemory(values).build();
    expect(config.get('__proto__:polluted')).toBe('1');
    expect(config.get('__PROTO__')).toBe('p');
    expect(config.getSection('constructor').getChildren().map((c) => c.key)).toEqual(['prototype']);
    const json = config.toJSON();
    expect(Object.getPrototypeOf(json)).toBeNull();
    expect(json['__proto__:polluted']).toBe('1');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('provenance and secrets', () => {
  it('prints the .NET GetDebugView layout', async () => {
    const config = await build({
      Key1: 'Value1',
      'Section1:Key2': 'Value12',
      'Section1:Section2:Key3': 'Value123',
      'Section1:Section2:Key3a:0': 'ArrayValue0',
      'Section1:Section2:Key3a:1': 'ArrayValue1',
      'Section1:Section2:Key3a:2': 'ArrayValue2',
      'Section3:Section4:Key4': 'Value344',
    });
    expect(config.debugView()).toBe(
      [
        'Key1=Value1 (MemoryConfigurationProvider)',
        'Section1:',
        '  Key2=Value12 (MemoryConfigurationProvider)',
        '  Section2:',
        '    Key3=Value123 (MemoryConfigurationProvider)',
        '    Key3a:',
        '      0=ArrayValue0 (MemoryConfigurationProvider)',
        '      1=ArrayValue1 (MemoryConfigurationProvider)',
        '      2=ArrayValue2 (MemoryConfigurationProvider)',
        'Section3:',
        '  Section4:',
        '    Key4=Value344 (MemoryConfigurationProvider)',
        '',
      ].join('\n'),
    );
  });

  it('explains the winner and what it overrode, redacting secrets by provider and by key name', async () => {
    const config = await new ConfigurationBuilder()
      .addInMemory({ 'Redis:Host': 'a', 'Redis:Password': 'hunter2-first' }, { name: 'Defaults' })
      .addInMemory({ 'Redis:Host': 'b' }, { name: 'Vault', secret: true })
      .build();
    const host = config.explain('redis:host')!;
    expect(host.provider).toBe('Vault');
    expect(host.secret).toBe(true);
    expect(host.value).toMatch(/^<redacted sha256:[0-9a-f]{8}>$/);
    expect(host.overridden).toEqual([{ provider: 'Defaults', value: 'a', secret: false }]);
    const password = config.explain('Redis:Password')!;
    expect(password.value).not.toContain('hunter2');
    expect(password.secret).toBe(true);
    expect(config.explain('nope')).toBeUndefined();
    const outputs = [config.debugView(), inspect(config), JSON.stringify(config), inspect(config.getSection('Redis')), JSON.stringify(config.getSection('redis'))];
    for (const out of outputs) expect(out).not.toContain('hunter2');
    expect(JSON.parse(JSON.stringify(config))['Redis:Host']).toMatch(/^<redacted/);
  });

  it('appends each value\'s source unless asked for .NET\'s exact layout', async () => {
    const config = await new ConfigurationBuilder()
      .addCommandLine(['--Key1=Value1', '--Section:Key2=Value2'])
      .addEnvironmentVariables({ env: { Section__Key3: 'Value3' } })
      .build();
    expect(config.debugView()).toBe(
      'Key1=Value1 (CommandLineConfigurationProvider) [argv[0]]\nSection:\n  Key2=Value2 (CommandLineConfigurationProvider) [argv[1]]\n  Key3=Value3 (EnvironmentVariablesConfigurationProvider) [env Section__Key3]\n',
    );
    expect(config.debugView({ sources: false })).toBe(
      'Key1=Value1 (CommandLineConfigurationProvider)\nSection:\n  Key2=Value2 (CommandLineConfigurationProvider)\n  Key3=Value3 (EnvironmentVariablesConfigurationProvider)\n',
    );
  });

  it('fingerprints equal secrets equally so they can be compared', async () => {
    const config = await build({ 'A:Password': 'same', 'B:Password': 'same', 'C:Password': 'other' });
    expect(config.explain('A:Password')!.value).toBe(config.explain('B:Password')!.value);
    expect(config.explain('A:Password')!.value).not.toBe(config.explain('C:Password')!.value);
  });

  it('redacts values shaped like connection strings with a key, whatever the key is called', async () => {
    const config = await build({
      'Azure:SignalR:Endpoints:first': 'Endpoint=https://x.service.signalr.net;AccessKey=K3yK3yK3y;Version=1.0',
      'Cache:Main': 'cache.example.net:6380,password=P4ssP4ss,ssl=True',
      'Queue:Url': 'amqps://user:Qu3u3Pw@broker.example.net/',
      'Azure:SignalR:Endpoints:msi': 'Endpoint=https://user:Url3Pw@y.service.signalr.net;AuthType=azure.msi;Version=1.0',
      'Plain:Url': 'https://example.net/path?x=1',
      'Plain:Text': 'tokenizer=on',
    });
    const view = config.debugView();
    for (const leaked of ['K3yK3yK3y', 'P4ssP4ss', 'Qu3u3Pw', 'Url3Pw']) expect(view).not.toContain(leaked);
    expect(view).toContain('Url=https://example.net/path?x=1');
    expect(view).toContain('Text=tokenizer=on');
    expect(config.isSecret('Azure:SignalR:Endpoints:first')).toBe(true);
    expect(config.isSecret('Plain:Url')).toBe(false);
  });

  it('markSecret redacts a key whose name does not look secret', async () => {
    const config = await build({ 'Api:Code': 'zebra-crossing' });
    expect(config.debugView()).toContain('zebra-crossing');
    config.markSecret('API:code');
    expect(config.debugView()).not.toContain('zebra-crossing');
    expect(config.origin('Api:Code')).toEqual({ key: 'Api:Code', provider: 'MemoryConfigurationProvider', secret: true });
  });

  it('markSecret covers the key and every key below it, case-insensitively and after reloads, but not a sibling that shares its text', async () => {
    const p = new ControlledProvider();
    p.values = { 'Api:Code': 'zebra-one' };
    const config = await new ConfigurationBuilder().add(p).build();
    config.markSecret('API');
    // Keys that were not there when the key was marked, and siblings that only start with the same text.
    p.values = { 'Api:Code': 'zebra-one', 'api:DEEP:New': 'zebra-two', 'Apis:Code': 'plain-one', ApiHint: 'plain-two' };
    await config.reload();
    expect(config.isSecret('Api:Deep:New')).toBe(true);
    expect(config.isSecret('api:never:configured')).toBe(true);
    expect(config.isSecret('Apis:Code')).toBe(false);
    expect(config.isSecret('ApiHint')).toBe(false);
    const view = config.debugView();
    expect(view).not.toContain('zebra');
    expect(view).toContain(`New=<redacted sha256:${fingerprint('zebra-two')}> (Controlled)`);
    expect(view).toContain('Code=plain-one (Controlled)');
    expect(view).toContain('ApiHint=plain-two (Controlled)');
    expect(config.explain('Api:Deep:New')).toMatchObject({ value: `<redacted sha256:${fingerprint('zebra-two')}>`, secret: true });
    expect(config.explain('ApiHint')).toMatchObject({ value: 'plain-two', secret: false });
  });
});

/** A provider whose data and failures the test controls, to exercise reload and watching. */
class ControlledProvider implements ConfigurationProvider {
  readonly name = 'Controlled';
  values: Record<string, string> = {};
  fail: Error | undefined;
  sink: ProviderWatchSink | undefined;
  /** Every sink a watcher was started with, and how many of those watchers are not stopped. */
  sinks: ProviderWatchSink[] = [];
  live = 0;
  stopped = false;
  disposed = false;
  async load(): Promise<ProviderData> {
    if (this.fail) throw this.fail;
    return providerData(Object.entries(this.values).map(([key, value]) => ({ key, value })));
  }
  watch(sink: ProviderWatchSink) {
    this.sink = sink;
    this.sinks.push(sink);
    this.live++;
    return () => {
      this.stopped = true;
      this.live--;
    };
  }
  dispose() {
    this.disposed = true;
  }
}

describe('reload and change events', () => {
  it('swaps in watched data atomically and fires onChange with the new tree visible', async () => {
    const p = new ControlledProvider();
    p.values = { A: '1', B: '1' };
    const config = await new ConfigurationBuilder().add(p).build();
    const seen: Array<string | null | undefined> = [];
    const unsubscribe = config.onChange((c) => seen.push(c.get('A')));
    p.sink!.update(providerData([{ key: 'A', value: '2' }]));
    expect(seen).toEqual(['2']);
    expect(config.get('B')).toBeUndefined();
    unsubscribe();
    p.sink!.update(providerData([{ key: 'A', value: '3' }]));
    expect(seen).toEqual(['2']);
    expect(config.get('A')).toBe('3');
  });

  it('keeps every provider\'s last good data when a reload fails, and reports it through onError', async () => {
    const good = new ControlledProvider();
    const bad = new ControlledProvider();
    good.values = { A: 'old' };
    bad.values = { B: 'old' };
    const config = await new ConfigurationBuilder().add(good).add(bad).build();
    const errors: unknown[] = [];
    let changes = 0;
    config.onError((e) => errors.push(e));
    config.onChange(() => changes++);
    good.values = { A: 'new' };
    bad.fail = new Error('mid-edit');
    await expect(config.reload()).rejects.toThrow('mid-edit');
    expect(config.get('A')).toBe('old');
    expect(config.get('B')).toBe('old');
    expect(errors).toHaveLength(1);
    expect(changes).toBe(0);
    bad.fail = undefined;
    await config.reload();
    expect(config.get('A')).toBe('new');
    expect(changes).toBe(1);
    bad.sink!.error(new Error('watch failed'));
    expect(errors).toHaveLength(2);
    expect(config.get('A')).toBe('new');
  });

  it('dispose stops watchers, releases providers and ignores later updates', async () => {
    const p = new ControlledProvider();
    p.values = { A: '1' };
    const config = await new ConfigurationBuilder().add(p).build();
    await config.dispose();
    expect(p.stopped).toBe(true);
    expect(p.disposed).toBe(true);
    p.sink!.update(providerData([{ key: 'A', value: '2' }]));
    expect(config.get('A')).toBe('1');
    await expect(config.reload()).rejects.toMatchObject({ code: 'DISPOSED' });
  });

  it('startWatching() a second time starts no second watcher, so one source change is one onChange; dispose stops it', async () => {
    const p = new ControlledProvider();
    p.values = { A: '1' };
    const config = await new ConfigurationBuilder().add(p).build(); // build() starts watching
    config.startWatching();
    expect(p.live).toBe(1);
    let changes = 0;
    config.onChange(() => changes++);
    // Each watcher the provider runs reports the same change of its source.
    for (const sink of p.sinks) sink.update(providerData([{ key: 'A', value: '2' }]));
    expect(changes).toBe(1);
    expect(config.get('A')).toBe('2');
    await config.dispose();
    expect(p.live).toBe(0);
    config.startWatching();
    expect(p.live).toBe(0);
  });

  it('a failing provider fails build and disposes the others', async () => {
    const ok = new ControlledProvider();
    const broken = new ControlledProvider();
    broken.fail = new Error('no such file');
    await expect(new ConfigurationBuilder().add(ok).add(broken).build()).rejects.toThrow('no such file');
    expect(ok.disposed).toBe(true);
  });
});

describe('overlapping reloads and dispose during a reload', () => {
  /** A provider whose every load waits until the test resolves it with a value for key A. */
  class DeferredProvider implements ConfigurationProvider {
    readonly name = 'Deferred';
    pending: Array<(value: string) => void> = [];
    first = true;
    async load(): Promise<ProviderData> {
      if (this.first) {
        this.first = false;
        return providerData([{ key: 'A', value: 'initial' }]);
      }
      const value = await new Promise<string>((resolve) => this.pending.push(resolve));
      return providerData([{ key: 'A', value }]);
    }
  }

  it('an older reload that ends after a newer one does not overwrite the newer data', async () => {
    const p = new DeferredProvider();
    const config = await new ConfigurationBuilder().add(p).build();
    const older = config.reload();
    const newer = config.reload();
    p.pending[1]!('new');
    await newer;
    p.pending[0]!('stale');
    await older;
    expect(config.get('A')).toBe('new');
  });

  /** A DeferredProvider that also watches, so the test plays the watcher's part through its sink. */
  class DeferredWatchedProvider extends DeferredProvider {
    sink: ProviderWatchSink | undefined;
    watch(sink: ProviderWatchSink) {
      this.sink = sink;
      return () => {};
    }
  }

  it('a watcher update that lands while reload() is reading the same provider is not replaced by the reload\'s earlier read', async () => {
    const p = new DeferredWatchedProvider();
    const other = new ControlledProvider();
    other.values = { B: 'old' };
    const config = await new ConfigurationBuilder().add(p).add(other).build();
    let changes = 0;
    config.onChange(() => changes++);
    other.values = { B: 'new' };
    const reloading = config.reload(); // its read of p began now and is still running
    p.sink!.update(providerData([{ key: 'A', value: 'from the watcher' }]));
    expect(config.get('A')).toBe('from the watcher');
    p.pending[0]!('read by the reload');
    await reloading;
    expect(config.get('A')).toBe('from the watcher');
    // The reload is still all or nothing across providers: the other one's new data is in.
    expect(config.get('B')).toBe('new');
    expect(changes).toBe(2);
  });

  it('a watcher read that began before reload() and is reported after it does not replace the reload\'s data', async () => {
    const p = new DeferredWatchedProvider();
    const config = await new ConfigurationBuilder().add(p).build();
    const earlierRead = p.sink!.readStarted!();
    const reloading = config.reload();
    p.pending[0]!('read by the reload');
    await reloading;
    p.sink!.update(providerData([{ key: 'A', value: 'read before the reload' }]), earlierRead);
    expect(config.get('A')).toBe('read by the reload');
    p.sink!.update(providerData([{ key: 'A', value: 'read after it' }]), p.sink!.readStarted!());
    expect(config.get('A')).toBe('read after it');
  });

  it('a reload that ends after dispose changes nothing', async () => {
    const p = new DeferredProvider();
    const config = await new ConfigurationBuilder().add(p).build();
    const reloading = config.reload();
    await config.dispose();
    p.pending[0]!('late');
    await reloading;
    expect(config.get('A')).toBe('initial');
  });
});
