import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalSettingsProvider } from '../../src/providers/localSettings.js';
import { LocalSettingsEncryptedError, parseLocalSettings } from '../../src/parsers/localSettings.js';
import { ConfigurationBuilder } from '../../src/builder.js';
import { ConfigurationParseError } from '../../src/core/errors.js';
import { pairsOf, useTempDirPerTest } from './helpers.js';

const tmp = useTempDirPerTest();

// The file's layout is the one `func init` writes (IsEncrypted, Values, Host, ConnectionStrings);
// Core Tools sets each Values member as an environment variable of the host process.
const SAMPLE = `{
  "IsEncrypted": false,
  "Values": {
    "AzureWebJobsStorage": "UseDevelopmentStorage=true",
    "FUNCTIONS_WORKER_RUNTIME": "node",
    "Redis__Host": "localhost",
    "AzureWebJobs.HttpTrigger.Disabled": "true",
    "CUSTOMCONNSTR_Legacy": "Server=legacy",
    "MaxItems": 25,
    "Feature__On": true,
    "Unset": null,
  },
  "Host": { "LocalHttpPort": 7071, "CORS": "*" },
  // comments are allowed, as Core Tools' reader allows them
  "ConnectionStrings": { "Sql": "Server=db;Password=pw" }
}`;

describe('parseLocalSettings', () => {
  it('maps Values as environment variables and ConnectionStrings under ConnectionStrings:', () => {
    const entries = parseLocalSettings(SAMPLE, { file: 'local.settings.json' });
    expect(entries.map((e) => [e.key, e.value])).toEqual([
      ['AzureWebJobsStorage', 'UseDevelopmentStorage=true'],
      ['FUNCTIONS_WORKER_RUNTIME', 'node'],
      ['Redis:Host', 'localhost'],
      ['AzureWebJobs.HttpTrigger.Disabled', 'true'],
      ['ConnectionStrings:Legacy', 'Server=legacy'],
      ['MaxItems', '25'],
      ['Feature:On', 'True'],
      ['ConnectionStrings:Sql', 'Server=db;Password=pw'],
    ]);
    expect(entries.find((e) => e.key === 'Redis:Host')?.source).toBe('local.settings.json:Values:Redis__Host');
    expect(entries.find((e) => e.key === 'ConnectionStrings:Sql')?.source).toBe('local.settings.json:ConnectionStrings:Sql');
    // Host is the local host's own settings, not configuration.
    expect(entries.some((e) => e.key.toLowerCase().includes('localhttpport'))).toBe(false);
  });

  it('refuses an encrypted file', () => {
    expect(() => parseLocalSettings('{"IsEncrypted": true, "Values": {"A": "ciphertext"}}')).toThrow(LocalSettingsEncryptedError);
    expect(() => parseLocalSettings('{"isEncrypted": "true"}')).toThrow(/func settings decrypt/);
    expect(parseLocalSettings('{"IsEncrypted": false}')).toEqual([]);
  });

  it('rejects a Values member that is an object, naming it with line and column', () => {
    let error: unknown;
    try {
      parseLocalSettings('{\n  "Values": {\n    "Nested": { "A": "1" }\n  }\n}');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationParseError);
    expect(error).toMatchObject({ key: 'Values:Nested' });
    expect((error as Error).message).toMatch(/'Values:Nested' must be a string, number or boolean, not an object \(line 3, column 5\)/);
    expect(() => parseLocalSettings('{"Values": []}')).toThrow(/'Values' must be an object/);
    expect(() => parseLocalSettings('[]')).toThrow(/must hold an object/);
  });
});

describe('LocalSettingsProvider', () => {
  it('loads the file, naming it in provenance', async () => {
    const file = join(tmp.dir, 'local.settings.json');
    writeFileSync(file, SAMPLE);
    const provider = new LocalSettingsProvider(file);
    expect(pairsOf(await provider.load())).toContainEqual(['Redis:Host', 'localhost']);
    expect(provider.name).toBe(`LocalSettingsConfigurationProvider for '${file}' (Required)`);
  });

  it('an encrypted file is a typed error naming the file', async () => {
    const file = join(tmp.dir, 'local.settings.json');
    writeFileSync(file, '{"IsEncrypted": true, "Values": {"Secret": "AQAAANCMnd8BFdERjHoAwE"}}');
    const error = (await new LocalSettingsProvider(file).load().catch((e: unknown) => e)) as Error & { code: string; source: string };
    expect(error).toBeInstanceOf(LocalSettingsEncryptedError);
    expect(error.code).toBe('LOCAL_SETTINGS_ENCRYPTED');
    expect(error.message).toContain(file);
    expect(error.message).not.toContain('AQAAANCMnd8BFdERjHoAwE');
    expect(error.source).toBe(file);
  });

  it('ConfigurationBuilder.addLocalSettings: connection strings are secret by their key', async () => {
    writeFileSync(join(tmp.dir, 'local.settings.json'), SAMPLE);
    const config = await new ConfigurationBuilder().addLocalSettings(join(tmp.dir, 'local.settings.json')).build();
    expect(config.getConnectionString('Sql')).toBe('Server=db;Password=pw');
    expect(config.isSecret('ConnectionStrings:Sql')).toBe(true);
    expect(config.debugView()).not.toContain('Password=pw');
    await config.dispose();
  });
});
