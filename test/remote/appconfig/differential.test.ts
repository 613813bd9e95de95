/**
 * The same emulator data loaded by Microsoft's `@azure/app-configuration-provider` and by ours must
 * give the same key → value map for plain and JSON settings. The official provider keeps JSON
 * values as parsed JavaScript values; they are flattened here with App Configuration's .NET rules
 * (`{}`/`[]` nothing, `null` → "", booleans `True`/`False`) so the two can be compared as strings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { load } from '@azure/app-configuration-provider';
import { startAppConfigurationEmulator, type AppConfigurationEmulator, type EmulatorSetting } from '../../emulators/appConfiguration.js';
import { buildRoot, flat, hmacOptions } from './helpers.js';

function flattenOfficial(key: string, value: unknown, out: Record<string, string | null>): void {
  if (value === null) out[key] = '';
  else if (value === undefined) out[key] = null;
  else if (Array.isArray(value)) value.forEach((v, i) => flattenOfficial(`${key}:${i}`, v, out));
  else if (typeof value === 'object') for (const [k, v] of Object.entries(value)) flattenOfficial(`${key}:${k}`, v, out);
  else if (typeof value === 'boolean') out[key] = value ? 'True' : 'False';
  else out[key] = String(value);
}

const json = (key: string, value: string, label?: string): EmulatorSetting => ({ key, value, label: label ?? null, contentType: 'application/json; charset=utf-8' });

const data: EmulatorSetting[] = [
  ...Array.from({ length: 23 }, (_, i) => ({ key: `App:Plain:${String(i).padStart(2, '0')}`, value: `value ${i}` })),
  { key: 'App:Plain:05', label: 'dev', value: 'dev override' },
  { key: 'App:Empty', value: '' },
  { key: 'App:Unicode', value: 'grüße ✓' },
  json('App:Logging', '{"LogLevel":{"Default":"Warning","Microsoft":"Error"},"Console":{"Enabled":true}}'),
  json('App:Servers', '[{"Host":"a","Port":80},{"Host":"b","Port":8080,"Tls":false}]'),
  json('App:Number', '8'),
  json('App:Float', '1.5'),
  json('App:String', '"text"'),
  json('App:True', 'true'),
  json('App:Null', 'null'),
  json('App:EmptyObject', '{}'),
  json('App:EmptyArray', '[]'),
  json('App:Nested', '{"a":{"b":{"c":[1,[2,3],{"d":null}]}},"e":{}}'),
  json('App:Invalid', '[unclosed'),
  json('App:Commented', '{\n // comment\n "Key": "value" /* trailing */\n}'),
  json('App:Json', '{"Mode":"dev"}', 'dev'),
  { key: 'App:Vendor', value: '{"a":1}', contentType: 'application/vnd.contoso+json' },
  { key: 'App:TextJson', value: '{"a":1}', contentType: 'text/json' },
  { key: 'Trim:Me:Key', value: 'trimmed' },
];

let emu: AppConfigurationEmulator;
beforeAll(async () => {
  emu = await startAppConfigurationEmulator({ pageSize: 7 });
  emu.replaceAll([...data, { key: 'Snap:One', value: 'from snapshot' }, json('Snap:Json', '{"x":[1,2]}')]);
  emu.createSnapshot('diff-snap', [{ key: 'Snap:*' }]);
  emu.remove('Snap:One');
  emu.remove('Snap:Json');
  emu.set({ key: 'App:SnapshotRef', value: '{"snapshot_name":"diff-snap"}', contentType: 'application/json; profile="https://azconfig.io/mime-profiles/snapshot-ref"; charset=utf-8' });
});
afterAll(async () => emu.close());

async function both(selectors: Array<{ keyFilter: string; labelFilter?: string }>, trimKeyPrefixes?: string[]) {
  const theirs = await load(emu.connectionString, {
    clientOptions: emu.clientOptions,
    replicaDiscoveryEnabled: false,
    selectors,
    ...(trimKeyPrefixes ? { trimKeyPrefixes } : {}),
  });
  const theirMap: Record<string, string | null> = {};
  for (const [k, v] of theirs.entries()) flattenOfficial(k, v, theirMap);
  const { root } = await buildRoot(hmacOptions(emu, { selectors, ...(trimKeyPrefixes ? { trimKeyPrefixes } : {}) }));
  const ours = flat(root);
  await root.dispose();
  return { ours, theirs: Object.fromEntries(Object.entries(theirMap).filter(([, v]) => v !== null)) };
}

describe('differential: @azure/app-configuration-provider vs ours on the same emulator', () => {
  it('agrees on plain and JSON settings with the default selector', async () => {
    const { ours, theirs } = await both([{ keyFilter: '*' }]);
    expect(Object.keys(ours).length).toBeGreaterThan(40);
    expect(ours['Snap:Json:x:1']).toBe('2');
    expect(ours).toEqual(theirs);
  });

  it('agrees with labelled selectors (a later one winning) and trimmed prefixes', async () => {
    const { ours, theirs } = await both([{ keyFilter: 'App:*' }, { keyFilter: 'App:*', labelFilter: 'dev' }, { keyFilter: 'Trim:*' }], ['Trim:Me:', 'Trim:']);
    expect(ours['App:Plain:05']).toBe('dev override');
    expect(ours['App:Json:Mode']).toBe('dev');
    expect(ours.Key).toBe('trimmed');
    expect(ours).toEqual(theirs);
  });
});
