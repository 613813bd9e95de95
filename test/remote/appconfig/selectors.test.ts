import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAppConfigurationEmulator, type AppConfigurationEmulator } from '../../emulators/appConfiguration.js';
import { AzureAppConfigurationProvider } from '../../../src/providers/azureAppConfiguration.js';
import { ConfigurationError, RemoteProviderError } from '../../../src/core/errors.js';
import { buildRoot, entraOptions, flat, hmacOptions } from './helpers.js';

let emu: AppConfigurationEmulator;
beforeAll(async () => {
  emu = await startAppConfigurationEmulator();
});
afterAll(async () => emu.close());
beforeEach(() => {
  emu.replaceAll([
    { key: 'App:Name', value: 'base' },
    { key: 'App:Name', label: 'dev', value: 'dev-name' },
    { key: 'App:Name', label: 'prod', value: 'prod-name' },
    { key: 'App:Color', value: 'blue' },
    { key: 'App:Color', label: 'dev', value: 'green' },
    { key: 'Other:Key', value: 'other' },
    { key: 'Other:Key', label: 'dev', value: 'other-dev' },
    { key: 'a*b,c\\d', value: 'reserved' },
    { key: 'a*bX', value: 'not-reserved' },
  ]);
  emu.resetStats();
});

describe('selectors', () => {
  it('loads every key with no label by default, and names store, key and label as the source', async () => {
    const { root } = await buildRoot(hmacOptions(emu));
    expect(flat(root)).toEqual({ 'App:Name': 'base', 'App:Color': 'blue', 'Other:Key': 'other', 'a*b,c\\d': 'reserved', 'a*bX': 'not-reserved' });
    const origin = root.explain('App:Name');
    expect(JSON.stringify(origin)).toContain(`127.0.0.1`);
    expect(JSON.stringify(origin)).toContain(`key 'App:Name' label (no label)`);
    expect(emu.requests[0]!.url).toContain('label=%00');
    await root.dispose();
  });

  it('lets a later selector win per key, and a label override only the keys it has', async () => {
    const { root } = await buildRoot(
      entraOptions(emu, {
        selectors: [{ keyFilter: 'App:*' }, { keyFilter: 'App:*', labelFilter: 'dev' }, { keyFilter: 'Other:*', labelFilter: 'prod' }],
      }),
    );
    expect(flat(root)).toEqual({ 'App:Name': 'dev-name', 'App:Color': 'green' });
    expect(root.explain('App:Name')).toMatchObject({ value: 'dev-name' });
    expect(JSON.stringify(root.explain('App:Color'))).toContain("label 'dev'");
    await root.dispose();

    // Reversed order: the no-label selector comes last and wins.
    const reversed = await buildRoot(entraOptions(emu, { selectors: [{ keyFilter: 'App:*', labelFilter: 'dev' }, { keyFilter: 'App:*' }] }));
    expect(flat(reversed.root)).toEqual({ 'App:Name': 'base', 'App:Color': 'blue' });
    await reversed.root.dispose();
  });

  it('moves a repeated selector to the end, as .NET AppendUnique does', async () => {
    const { root } = await buildRoot(
      hmacOptions(emu, {
        selectors: [{ keyFilter: 'App:*' }, { keyFilter: 'App:*', labelFilter: 'prod' }, { keyFilter: 'App:*' }],
      }),
    );
    expect(root.get('App:Name')).toBe('base');
    await root.dispose();
  });

  it('sends comma lists and escaped reserved characters that the emulator matches exactly', async () => {
    const { root } = await buildRoot(hmacOptions(emu, { selectors: [{ keyFilter: 'App:Color,Other:Key' }, { keyFilter: 'a\\*b\\,c\\\\d' }] }));
    expect(flat(root)).toEqual({ 'App:Color': 'blue', 'Other:Key': 'other', 'a*b,c\\d': 'reserved' });
    await root.dispose();
  });

  it('refuses label filters with * or , and empty key filters, as .NET', () => {
    expect(() => new AzureAppConfigurationProvider(hmacOptions(emu, { selectors: [{ keyFilter: '*', labelFilter: 'dev*' }] }))).toThrow(
      "The characters '*' and ',' are not supported in label filters.",
    );
    expect(() => new AzureAppConfigurationProvider(hmacOptions(emu, { selectors: [{ keyFilter: '*', labelFilter: 'a,b' }] }))).toThrow(ConfigurationError);
    expect(() => new AzureAppConfigurationProvider(hmacOptions(emu, { selectors: [{ keyFilter: '' }] }))).toThrow('Key filter cannot be null or empty.');
    expect(() => new AzureAppConfigurationProvider({ endpoint: emu.endpoint })).toThrow(/credential/);
    expect(() => new AzureAppConfigurationProvider({ connectionString: 'Endpoint=https://x.azconfig.io;Id=abc' })).toThrow(/Endpoint=…;Id=…;Secret=…/);
  });

  it.each(['InvalidTagFormat', '=tagValue', '', 'emptyTag'])(
    'refuses the tag filter %j, in key-value and feature-flag selectors (TagFiltersTests_InvalidTagFormat; load.test.ts invalid tag filter)',
    (tag) => {
      const message = `Tag filter '${tag}' does not follow the format "tagName=tagValue".`;
      expect(() => new AzureAppConfigurationProvider(hmacOptions(emu, { selectors: [{ keyFilter: '*', tagFilters: ['env=prod', tag] }] }))).toThrow(message);
      expect(() => new AzureAppConfigurationProvider(hmacOptions(emu, { featureFlags: { selectors: [{ keyFilter: '*', tagFilters: [tag] }] } }))).toThrow(message);
    },
  );

  it('accepts a tag value holding "=", as .NET does', () => {
    expect(() => new AzureAppConfigurationProvider(hmacOptions(emu, { selectors: [{ keyFilter: '*', tagFilters: ['expr=a=b'] }] }))).not.toThrow();
  });

  it('treats an empty selector list as the default selector (every key, no label), as the JavaScript provider does', async () => {
    const { root } = await buildRoot(hmacOptions(emu, { selectors: [] }));
    expect(root.get('App:Name')).toBe('base');
    expect(root.get('Other:Key')).toBe('other');
  });

  it('refuses a sentinel key or label with * or , (refresh.test.ts "should not allow \'*\' in key or label")', () => {
    const cases = [
      [{ key: 'app.settings.*' }, "The characters '*' and ',' are not supported in key of watched settings."],
      [{ key: 'keyA,KeyB' }, "The characters '*' and ',' are not supported in key of watched settings."],
      [{ key: 'sentinel', label: '*' }, "The characters '*' and ',' are not supported in label of watched settings."],
      [{ key: 'sentinel', label: 'labelA,labelB' }, "The characters '*' and ',' are not supported in label of watched settings."],
    ] as const;
    for (const [sentinel, message] of cases) {
      expect(() => new AzureAppConfigurationProvider(hmacOptions(emu, { refresh: { sentinel } }))).toThrow(message);
    }
  });

  it('refuses a connection string whose Secret is not base64, without quoting it (AddsInvalidConfigurationStore_MalformedSecret)', () => {
    const create = () => new AzureAppConfigurationProvider({ connectionString: 'Endpoint=https://x.azconfig.io;Id=abc;Secret=non-base64-string' });
    expect(create).toThrow(ConfigurationError);
    expect(create).toThrow(/^The Secret of the App Configuration connection string is not base64\.$/);
    expect(create).not.toThrow(/non-base64-string/);
  });

  it('passes tag filters, ANDed', async () => {
    emu.set([
      { key: 'Tagged:A', value: 'a', tags: { env: 'prod', team: 'x' } },
      { key: 'Tagged:B', value: 'b', tags: { env: 'prod' } },
      { key: 'Tagged:C', value: 'c', tags: { env: 'dev', team: 'x' } },
    ]);
    const { root } = await buildRoot(hmacOptions(emu, { selectors: [{ keyFilter: 'Tagged:*', tagFilters: ['env=prod', 'team=x'] }] }));
    expect(flat(root)).toEqual({ 'Tagged:A': 'a' });
    expect(emu.requests.at(-1)!.url).toContain('tags=env%3Dprod');
    await root.dispose();
  });

  it('treats a blank label as no label', async () => {
    const { root } = await buildRoot(hmacOptions(emu, { selectors: [{ keyFilter: 'App:*', labelFilter: '  ' }] }));
    expect(root.get('App:Name')).toBe('base');
    await root.dispose();
  });
});

describe('snapshots', () => {
  it('loads a snapshot frozen at creation, in selector order with key-value selectors', async () => {
    emu.createSnapshot('release-1', [{ key: 'App:*' }, { key: 'App:*', label: 'prod' }]);
    emu.set({ key: 'App:Name', value: 'changed-after-snapshot' });
    const { root } = await buildRoot(hmacOptions(emu, { selectors: [{ keyFilter: 'Other:*' }, { snapshotName: 'release-1' }] }));
    expect(flat(root)).toEqual({ 'Other:Key': 'other', 'App:Name': 'prod-name', 'App:Color': 'blue' });
    expect(emu.stats.snapshot).toBe(1);
    expect(emu.requests.some((r) => r.route === 'list' && r.url.includes('snapshot=release-1'))).toBe(true);
    await root.dispose();

    const later = await buildRoot(hmacOptions(emu, { selectors: [{ snapshotName: 'release-1' }, { keyFilter: 'App:*' }] }));
    expect(later.root.get('App:Name')).toBe('changed-after-snapshot');
    await later.root.dispose();
  });

  it('refuses a snapshot selector with a key, label or tag filter (load.test.ts invalid snapshot selector)', () => {
    const message = 'Key, label or tag filters should not be specified while selecting a snapshot.';
    for (const extra of [{ keyFilter: '*' }, { labelFilter: '\0' }, { tagFilters: ['a=b'] }]) {
      expect(() => new AzureAppConfigurationProvider(hmacOptions(emu, { selectors: [{ snapshotName: 'Test', ...extra } as never] }))).toThrow(message);
    }
  });

  it('treats a missing snapshot as empty and refuses a key_label snapshot', async () => {
    const missing = await buildRoot(hmacOptions(emu, { selectors: [{ snapshotName: 'nope' }] }));
    expect(flat(missing.root)).toEqual({});
    await missing.root.dispose();

    emu.createSnapshot('by-label', [{ key: 'App:*' }], 'key_label');
    const error = await buildRoot(hmacOptions(emu, { selectors: [{ snapshotName: 'by-label' }] })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteProviderError);
    expect((error as RemoteProviderError).code).toBe('APP_CONFIGURATION_SNAPSHOT');
    expect((error as Error).message).toContain("'by-label'");
  });
});

describe('snapshot references', () => {
  const SNAPSHOT_REF = 'application/json; profile="https://azconfig.io/mime-profiles/snapshot-ref"; charset=utf-8';

  it('expands a reference into the snapshot it names, in place in selector order, ignoring flags inside it', async () => {
    emu.set([
      { key: 'Frozen:A', value: 'frozen-a' },
      { key: 'Frozen:B', value: 'frozen-b' },
      { key: '.appconfig.featureflag/Inside', value: '{"id":"Inside","enabled":true}', contentType: 'application/vnd.microsoft.appconfig.ff+json;charset=utf-8' },
    ]);
    emu.createSnapshot('frozen', [{ key: 'Frozen:*' }, { key: '.appconfig.featureflag/*' }]);
    emu.remove('Frozen:A');
    emu.remove('.appconfig.featureflag/Inside');
    emu.set([
      { key: 'Frozen:B', value: 'live-b' },
      { key: 'Ref', value: JSON.stringify({ snapshot_name: 'frozen' }), contentType: SNAPSHOT_REF },
      { key: 'Ref', label: 'dev', value: JSON.stringify({ snapshot_name: 'frozen' }), contentType: SNAPSHOT_REF },
    ]);
    const { root } = await buildRoot(hmacOptions(emu, { selectors: [{ keyFilter: 'Frozen:*' }, { keyFilter: 'Ref' }], featureFlags: true }));
    expect(root.get('Frozen:A')).toBe('frozen-a');
    expect(root.get('Frozen:B')).toBe('frozen-b');
    expect(root.get('Ref')).toBeUndefined();
    expect(root.get('Ref:snapshot_name')).toBeUndefined();
    expect(root.get('FeatureManagement:Inside')).toBeUndefined();
    await root.dispose();

    // The live value wins when its selector comes after the reference; the snapshot is listed once for two references.
    emu.resetStats();
    const later = await buildRoot(hmacOptions(emu, { selectors: [{ keyFilter: 'Ref' }, { keyFilter: 'Ref', labelFilter: 'dev' }, { keyFilter: 'Frozen:*' }] }));
    expect(later.root.get('Frozen:B')).toBe('live-b');
    expect(emu.stats.snapshot).toBe(1);
    await later.root.dispose();
  });

  it('reports a reference without a snapshot name, naming key and label', async () => {
    emu.set({ key: 'BadRef', label: 'dev', value: '{"name":"x"}', contentType: SNAPSHOT_REF });
    const error = await buildRoot(hmacOptions(emu, { selectors: [{ keyFilter: 'BadRef', labelFilter: 'dev' }] })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).code).toBe('APP_CONFIGURATION_SNAPSHOT_REFERENCE');
    expect((error as Error).message).toContain("'BadRef' 'dev'");
  });
});

describe('trimKeyPrefixes', () => {
  it('trims the longest matching prefix once, case-insensitively, after JSON flattening', async () => {
    emu.replaceAll([
      { key: 'App:Settings:Color', value: 'red' },
      { key: 'App:Name', value: 'short-prefix' },
      { key: 'app:settings:app:settings:Deep', value: 'once' },
      { key: 'App:Settings:Json', value: '{"Inner":{"Leaf":1}}', contentType: 'application/json' },
      { key: 'Untouched', value: 'u' },
    ]);
    const { root } = await buildRoot(hmacOptions(emu, { trimKeyPrefixes: ['App:', 'App:Settings:'] }));
    expect(flat(root)).toEqual({
      Color: 'red',
      Name: 'short-prefix',
      'app:settings:Deep': 'once',
      'Json:Inner:Leaf': '1',
      Untouched: 'u',
    });
    await root.dispose();
  });
});
