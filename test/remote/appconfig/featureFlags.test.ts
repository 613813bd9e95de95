import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featureFlag, startAppConfigurationEmulator, FEATURE_FLAG_CONTENT_TYPE, type AppConfigurationEmulator } from '../../emulators/appConfiguration.js';
import { featureFlagEntries } from '../../../src/remote/appconfig/featureFlags.js';
import { normalizeFeatureFlagSelectors } from '../../../src/remote/appconfig/selectors.js';
import { ConfigurationParseError } from '../../../src/core/errors.js';
import { buildRoot, flat, hmacOptions } from './helpers.js';

let emu: AppConfigurationEmulator;
beforeAll(async () => {
  emu = await startAppConfigurationEmulator();
  emu.replaceAll([
    { key: 'App:Name', value: 'demo' },
    featureFlag({ id: 'Beta', enabled: true }),
    featureFlag({ id: 'Off', enabled: false, client_filters: [{ name: 'Ignored' }] }),
    featureFlag({
      id: 'Targeted',
      enabled: true,
      requirement_type: 'All',
      client_filters: [
        { name: 'Microsoft.Targeting', parameters: { Audience: { Users: ['a@contoso.com', 'b@contoso.com'], DefaultRolloutPercentage: 50.0, Groups: [] } } },
        { name: 'Microsoft.TimeWindow', parameters: { Start: 'Mon, 01 Jan 2024 00:00:00 GMT', Flag: true, Nothing: null } },
      ],
    }),
    featureFlag({ id: 'Beta', enabled: false }, 'dev'),
    // The JSON id names the flag, not the key suffix.
    { key: '.appconfig.featureflag/suffix', contentType: FEATURE_FLAG_CONTENT_TYPE, value: JSON.stringify({ id: 'RealId', enabled: true }) },
  ]);
});
afterAll(async () => emu.close());

/** What the flags with no label above map to. */
const NO_LABEL_FLAGS = {
  'FeatureManagement:Beta': 'True',
  'FeatureManagement:Off': 'False',
  'FeatureManagement:RealId': 'True',
  'FeatureManagement:Targeted:EnabledFor:0:Name': 'Microsoft.Targeting',
  'FeatureManagement:Targeted:EnabledFor:0:Parameters:Audience:Users:0': 'a@contoso.com',
  'FeatureManagement:Targeted:EnabledFor:0:Parameters:Audience:Users:1': 'b@contoso.com',
  'FeatureManagement:Targeted:EnabledFor:0:Parameters:Audience:DefaultRolloutPercentage': '50',
  'FeatureManagement:Targeted:EnabledFor:1:Name': 'Microsoft.TimeWindow',
  'FeatureManagement:Targeted:EnabledFor:1:Parameters:Start': 'Mon, 01 Jan 2024 00:00:00 GMT',
  'FeatureManagement:Targeted:EnabledFor:1:Parameters:Flag': 'True',
  'FeatureManagement:Targeted:EnabledFor:1:Parameters:Nothing': '',
  'FeatureManagement:Targeted:RequirementType': 'All',
};

describe('feature flags', () => {
  it('maps flags under FeatureManagement as .NET does, and only when asked for', async () => {
    const without = await buildRoot(hmacOptions(emu));
    expect(flat(without.root)).toEqual({ 'App:Name': 'demo' });
    await without.root.dispose();

    const { root } = await buildRoot(hmacOptions(emu, { featureFlags: true }));
    expect(flat(root)).toEqual({ 'App:Name': 'demo', ...NO_LABEL_FLAGS });
    expect(JSON.stringify(root.explain('FeatureManagement:Beta'))).toContain(".appconfig.featureflag/Beta' label (no label)");
    await root.dispose();
  });

  it('selects flags by id filter and label, a later selector winning', async () => {
    const { root } = await buildRoot(
      hmacOptions(emu, { selectors: [{ keyFilter: 'App:*' }], featureFlags: { selectors: [{ keyFilter: 'B*' }, { keyFilter: 'Beta', labelFilter: 'dev' }] } }),
    );
    expect(flat(root)).toEqual({ 'App:Name': 'demo', 'FeatureManagement:Beta': 'False' });
    expect(emu.requests.some((r) => r.url.includes('key=.appconfig.featureflag/B*'))).toBe(true);
    await root.dispose();
  });

  it('loads the feature flags of a snapshot, and only its flags (featureFlag.test.ts "should load feature flags from snapshot")', async () => {
    emu.createSnapshot('flags-1', [{ key: '.appconfig.featureflag/*' }, { key: 'App:*' }]);
    const { root } = await buildRoot(hmacOptions(emu, { selectors: [{ keyFilter: 'Nothing:*' }], featureFlags: { selectors: [{ snapshotName: 'flags-1' }] } }));
    expect(flat(root)).toEqual(NO_LABEL_FLAGS);
    await root.dispose();
    expect(() => normalizeFeatureFlagSelectors({ selectors: [{ snapshotName: 'flags-1', labelFilter: 'dev' } as never] })).toThrow(
      'Key, label or tag filters should not be specified while selecting a snapshot.',
    );
  });

  it('prefixes every name of a comma list with the flag marker, leaving escaped commas alone', () => {
    expect(normalizeFeatureFlagSelectors({ selectors: [{ keyFilter: 'A, B\\,C*' }] })).toEqual([
      { kind: 'keyValues', keyFilter: '.appconfig.featureflag/A,.appconfig.featureflag/B\\,C*', labelFilter: '\0', tagFilters: [], featureFlags: true },
    ]);
    expect(normalizeFeatureFlagSelectors(false)).toEqual([]);
    expect(normalizeFeatureFlagSelectors(true)).toMatchObject([{ keyFilter: '.appconfig.featureflag/*', labelFilter: '\0' }]);
  });

  it('keeps raw parameter numbers, skips a null id and names the setting in format errors', () => {
    expect(featureFlagEntries({ key: '.appconfig.featureflag/x', value: '{"id":null,"enabled":true}' }, 'store')).toEqual([]);
    expect(
      featureFlagEntries(
        { key: '.appconfig.featureflag/P', value: '{"id":"P","enabled":true,"conditions":{"client_filters":[{"name":"Pct","parameters":{"Value":12.50}}]}}' },
        'store',
      ),
    ).toEqual([
      { key: 'FeatureManagement:P:EnabledFor:0:Name', value: 'Pct' },
      { key: 'FeatureManagement:P:EnabledFor:0:Parameters:Value', value: '12.50' },
    ]);
    const bad = () => featureFlagEntries({ key: '.appconfig.featureflag/Bad', label: 'dev', value: '{"id":"Bad","enabled":"yes"}' }, 'store');
    expect(bad).toThrow(ConfigurationParseError);
    expect(bad).toThrow(/'enabled'.*\.appconfig\.featureflag\/Bad' 'dev'/);
    expect(() => featureFlagEntries({ key: '.appconfig.featureflag/J', value: '{oops' }, 'store')).toThrow(/not valid JSON/);
  });
});

/** FeatureManagementTests' CreateFeatureFlag: an enabled flag whose every other property is given as raw JSON (default null). */
function dotnetTestFlag(id: string, raw: Partial<Record<'requirementType' | 'clientFilters' | 'variants' | 'seed' | 'defaultWhenDisabled' | 'defaultWhenEnabled' | 'user' | 'group' | 'percentile' | 'telemetryEnabled' | 'telemetryMetadata', string>> = {}) {
  const r = (name: keyof typeof raw) => raw[name] ?? 'null';
  return {
    key: `.appconfig.featureflag/${id}`,
    value: `{ "id": "${id}", "enabled": true,
      "conditions": { "requirement_type": ${r('requirementType')}, "client_filters": ${r('clientFilters')} },
      "variants": ${r('variants')},
      "allocation": { "seed": ${r('seed')}, "default_when_disabled": ${r('defaultWhenDisabled')}, "default_when_enabled": ${r('defaultWhenEnabled')},
        "user": ${r('user')}, "group": ${r('group')}, "percentile": ${r('percentile')} },
      "telemetry": { "enabled": ${r('telemetryEnabled')}, "metadata": ${r('telemetryMetadata')} } }`,
  };
}

describe('feature flag JSON as .NET reads it (FeatureManagementTests)', () => {
  it('accepts the template with every property null, and type-checks v2 properties it does not map', () => {
    expect(featureFlagEntries(dotnetTestFlag('Plain'), 'store')).toEqual([{ key: 'FeatureManagement:Plain', value: 'True' }]);
    // valid v2 values load (mapped to the classic form)
    const v2 = dotnetTestFlag('V2', {
      variants: '[{"name": "Big", "configuration_value": {"Size": 1}, "status_override": "Enabled"}, null]',
      seed: '"s"',
      user: '[{"variant": "Big", "users": ["a", null]}]',
      percentile: '[{"variant": "Big", "from": 0, "to": "100"}]',
      telemetryEnabled: '"true"',
      telemetryMetadata: '{"k": "v", "n": null}',
    });
    expect(featureFlagEntries(v2, 'store')).toEqual([{ key: 'FeatureManagement:V2', value: 'True' }]);
  });

  it.each([
    ['Feature1', { variants: '[{"name": 1}]' }],
    ['Feature2', { requirementType: '2' }],
    ['Feature3', { variants: '[{"status_override": []}]' }],
    ['Feature4', { seed: '{}' }],
    ['Feature5', { defaultWhenDisabled: '5' }],
    ['Feature6', { defaultWhenEnabled: '6' }],
    ['Feature7', { user: '[{"variant": []}]' }],
    ['Feature8', { user: '[{"users": [ {"name": "8"} ]}]' }],
    ['Feature9', { group: '[{"variant": false}]' }],
    ['Feature10', { group: '[{"groups": 10}]' }],
    ['Feature11', { percentile: '[{"variant": []}]' }],
    ['Feature12', { percentile: '[{"from": true}]' }],
    ['Feature13', { percentile: '[{"to": {}}]' }],
    ['Feature14', { telemetryEnabled: '"14"' }],
    ['Feature15', { telemetryMetadata: '{"key": 15}' }],
    ['Feature16', { clientFilters: '[{"name": 16}]' }],
    ['Feature17', { clientFilters: '{"key": [{"name": "name", "parameters": 17}]}' }],
  ] as const)('refuses %s, a property of the wrong JSON type (ThrowsOnIncorrectJsonTypes)', (id, raw) => {
    expect(() => featureFlagEntries(dotnetTestFlag(id, raw), 'store')).toThrow(ConfigurationParseError);
  });

  it('reads what .NET reads leniently: string booleans, trailing commas, a null requirement type, empty or null filters dropped', () => {
    const entries = (value: string) => featureFlagEntries({ key: '.appconfig.featureflag/F', value }, 'store');
    expect(entries('{"id": "F", "enabled": "True",}')).toEqual([{ key: 'FeatureManagement:F', value: 'True' }]);
    expect(entries('{"id": "F", "enabled": " false "}')).toEqual([{ key: 'FeatureManagement:F', value: 'False' }]);
    // {} and a null-named filter without parameters are no filters; a null item is skipped
    expect(entries('{"id": "F", "enabled": true, "conditions": {"client_filters": [{}, {"name": null, "parameters": {}}, null]}}')).toEqual([
      { key: 'FeatureManagement:F', value: 'True' },
    ]);
    expect(entries('{"id": "F", "enabled": true, "conditions": {"requirement_type": null, "client_filters": [{"name": "A"}]}}')).toEqual([
      { key: 'FeatureManagement:F:EnabledFor:0:Name', value: 'A' },
    ]);
    // a filter with parameters but no name is kept, its name null
    expect(entries('{"id": "F", "enabled": true, "conditions": {"client_filters": [{"parameters": {"P": 1}}]}}')).toEqual([
      { key: 'FeatureManagement:F:EnabledFor:0:Name', value: null },
      { key: 'FeatureManagement:F:EnabledFor:0:Parameters:P', value: '1' },
    ]);
    // a missing or empty id: no flag
    expect(entries('{"enabled": true}')).toEqual([]);
    expect(entries('{"id": "", "enabled": true}')).toEqual([]);
    // still refused: a non-object filter, a null `enabled`
    expect(() => entries('{"id": "F", "enabled": true, "conditions": {"client_filters": [1]}}')).toThrow(/client_filters\[0\]/);
    expect(() => entries('{"id": "F", "enabled": null}')).toThrow(ConfigurationParseError);
  });
});

describe('a .appconfig.featureflag/ key without the feature-flag content type', () => {
  it('is an ordinary key-value (JSON flattened, text kept), as the JS provider decides; the content type makes a flag', async () => {
    const store = await startAppConfigurationEmulator();
    try {
      store.replaceAll([
        { key: '.appconfig.featureflag/Json', contentType: 'application/json', value: '{"enabled":true,"n":[1,2]}' },
        { key: '.appconfig.featureflag/Text', value: 'plain' },
        // The media type decides, parameters aside (.NET compares it without them).
        { key: '.appconfig.featureflag/NoCharset', contentType: 'application/vnd.microsoft.appconfig.ff+json', value: JSON.stringify({ id: 'NoCharset', enabled: true }) },
        featureFlag({ id: 'Real', enabled: false }),
      ]);
      const { root } = await buildRoot(hmacOptions(store, { featureFlags: true }));
      expect(flat(root)).toEqual({
        '.appconfig.featureflag/Json:enabled': 'True',
        '.appconfig.featureflag/Json:n:0': '1',
        '.appconfig.featureflag/Json:n:1': '2',
        '.appconfig.featureflag/Text': 'plain',
        'FeatureManagement:NoCharset': 'True',
        'FeatureManagement:Real': 'False',
      });
      await root.dispose();
    } finally {
      await store.close();
    }
  });
});
