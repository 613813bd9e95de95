import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppConfigurationEmulator, type AppConfigurationEmulator } from '../../emulators/appConfiguration.js';
import { isJsonContentType, jsonSettingEntries } from '../../../src/remote/appconfig/jsonValues.js';
import { buildRoot, flat, hmacOptions } from './helpers.js';

const json = (key: string, value: string | null, contentType = 'application/json') => ({ key, value, contentType });

describe('JSON content types', () => {
  it('counts application/json and application/*+json, not the feature-flag, reference, text or bare json types', () => {
    for (const t of [
      'application/json',
      'APPLICATION/JSON; charset=utf-8',
      'application/json; profile="https://azconfig.io/mime-profiles/ai"',
      'application/vnd.foo+json',
      'application/activity+json;charset=utf-8',
    ]) {
      expect(isJsonContentType(t), t).toBe(true);
    }
    for (const t of [
      'application/vnd.microsoft.appconfig.ff+json;charset=utf-8',
      'application/vnd.microsoft.appconfig.keyvaultref+json;charset=utf-8',
      'text/json',
      'json',
      'text/plain',
      'application/xml',
      '',
      null,
    ]) {
      expect(isJsonContentType(t), String(t)).toBe(false);
    }
  });

  it('flattens with App Configuration rules: {} and [] give nothing, null is "", booleans as .NET prints them, last duplicate wins', () => {
    expect(jsonSettingEntries('K', '{}')).toEqual([]);
    expect(jsonSettingEntries('K', '[]')).toEqual([]);
    expect(jsonSettingEntries('K', 'null')).toEqual([{ key: 'K', value: '' }]);
    expect(jsonSettingEntries('K', 'true')).toEqual([{ key: 'K', value: 'True' }]);
    expect(jsonSettingEntries('K', 'false')).toEqual([{ key: 'K', value: 'False' }]);
    expect(jsonSettingEntries('K', '8.50')).toEqual([{ key: 'K', value: '8.50' }]);
    expect(jsonSettingEntries('K', '"string"')).toEqual([{ key: 'K', value: 'string' }]);
    expect(jsonSettingEntries('K', '{"a":1,"a":2}')).toEqual([{ key: 'K:a', value: '2' }]);
    expect(jsonSettingEntries('K', '{"a":{"b":[1,{"c":null}],"e":{}}}')).toEqual([
      { key: 'K:a:b:0', value: '1' },
      { key: 'K:a:b:1:c', value: '' },
    ]);
    // Blank and invalid values are kept as the raw string.
    expect(jsonSettingEntries('K', '')).toBeUndefined();
    expect(jsonSettingEntries('K', '[unclosed')).toBeUndefined();
    expect(jsonSettingEntries('K', 'True')).toBeUndefined();
    expect(jsonSettingEntries('K', '{"a":1,}')).toBeUndefined();
  });
});

describe('JSON values loaded from a store (the official provider test cases as the model)', () => {
  let emu: AppConfigurationEmulator;
  beforeAll(async () => {
    emu = await startAppConfigurationEmulator();
  });
  afterAll(async () => emu.close());

  it('loads every kind of legal JSON value and keeps invalid ones raw', async () => {
    emu.replaceAll([
      json('json.settings.logging', '{"Test":{"Level":"Debug"},"Prod":{"Level":"Warning"}}'),
      json('json.settings.object', '{}'),
      json('json.settings.array', '[]'),
      json('json.settings.number', '8'),
      json('json.settings.string', '"string"'),
      json('json.settings.false', 'false'),
      json('json.settings.true', 'true'),
      json('json.settings.null', 'null'),
      json('json.settings.literalNull', null),
      json('json.settings.zero', '0'),
      json('json.settings.emptyString', ''),
      json('json.settings.illegalString', '[unclosed'),
      json('json.settings.plain', '{"not":"parsed"}', 'text/plain'),
    ]);
    const { root } = await buildRoot(hmacOptions(emu));
    expect(root.get('json.settings.logging:Test:Level')).toBe('Debug');
    expect(root.get('json.settings.logging:Prod:Level')).toBe('Warning');
    expect(root.get('json.settings.logging')).toBeUndefined();
    expect(root.getSection('json.settings.object').exists()).toBe(false);
    expect(root.getSection('json.settings.array').exists()).toBe(false);
    expect(root.get('json.settings.number')).toBe('8');
    expect(root.get('json.settings.string')).toBe('string');
    expect(root.get('json.settings.false')).toBe('False');
    expect(root.get('json.settings.true')).toBe('True');
    expect(root.get('json.settings.null')).toBe('');
    expect(root.get('json.settings.literalNull')).toBeNull();
    expect(root.get('json.settings.zero')).toBe('0');
    expect(root.get('json.settings.emptyString')).toBe('');
    expect(root.get('json.settings.illegalString')).toBe('[unclosed');
    expect(root.get('json.settings.plain')).toBe('{"not":"parsed"}');
    expect(JSON.stringify(root.explain('json.settings.logging:Test:Level'))).toContain('(JSON)');
    await root.dispose();
  });

  it('skips comments but keeps comment-like text inside strings; comment-only or broken text stays raw', async () => {
    const mixed = `{
      // Single line comment at start
      "ApiSettings": {
        "BaseUrl": "https://api.example.com", // Inline
        /* Multi-line
           comment */
        "Endpoints": [
          // before an element
          "/users",
          /* between */ "/orders",
          "/products" // after
        ]
      },
      "StringWithSlashes": "This is not a // comment",
      "StringWithStars": "This is not a /* comment */",
      "EmptyComment": "value", //
      /**/
      "AfterEmptyComment": "value2"
    }`;
    const invalid = `// comment\n { invalid json structure\n // another\n missing quotes`;
    const onlyComments = `\n // Just comments\n /* No actual content */\n`;
    emu.replaceAll([json('Mixed', mixed), json('Invalid', invalid), json('OnlyComments', onlyComments)]);
    const { root } = await buildRoot(hmacOptions(emu));
    expect(flat(root)).toEqual({
      'Mixed:ApiSettings:BaseUrl': 'https://api.example.com',
      'Mixed:ApiSettings:Endpoints:0': '/users',
      'Mixed:ApiSettings:Endpoints:1': '/orders',
      'Mixed:ApiSettings:Endpoints:2': '/products',
      'Mixed:StringWithSlashes': 'This is not a // comment',
      'Mixed:StringWithStars': 'This is not a /* comment */',
      'Mixed:EmptyComment': 'value',
      'Mixed:AfterEmptyComment': 'value2',
      Invalid: invalid,
      OnlyComments: onlyComments,
    });
    await root.dispose();
  });
});
