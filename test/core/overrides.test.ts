import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigurationBuilder } from '../../src/builder.js';
import { DuplicateKeyError, OverrideError, ValidationError } from '../../src/core/errors.js';
import { OVERRIDES_PROVIDER_NAME } from '../../src/core/overrides.js';
import { loadConfig } from '../../src/loadConfig.js';
import { getRedisSettings } from '../../src/binders/redis/settings.js';
import { getSignalREndpoints } from '../../src/binders/signalr/endpoints.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'lc-overrides-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const file = () => path.join(dir, 'appsettings.json');
const write = (json: unknown) => writeFileSync(file(), JSON.stringify(json));

async function original() {
  write({ Redis: { Host: 'cache.contoso.net', Port: 6380, Ssl: true }, Service: { Name: 'orders' } });
  return new ConfigurationBuilder()
    .addJsonFile(file())
    .addInMemory({ 'Service:Owner': 'team-a' }, { name: 'Defaults' })
    .build();
}

describe('config.withOverrides(values)', () => {
  it('reads the overrides on top of every layer and leaves the original untouched', async () => {
    const config = await original();
    const view = config.withOverrides({ 'redis:host': 'localhost', 'Redis:Ssl': 'false', 'Feature:New': 'on' });
    expect(view.get('Redis:Host')).toBe('localhost');
    expect(view.get('Redis:Port')).toBe('6380');
    expect(view.get('Feature:New')).toBe('on');
    expect(view.getSection('Redis').getChildren().map((s) => s.key)).toEqual(['Host', 'Port', 'Ssl']);
    expect(config.get('Redis:Host')).toBe('cache.contoso.net');
    expect(config.get('Feature:New')).toBeUndefined();
    expect(config.providers).toHaveLength(2);
    await view.dispose();
    await config.dispose();
  });

  it('explain names the override layer and what it overrode, from the shared providers', async () => {
    const config = await original();
    const view = config.withOverrides({ 'Redis:Host': 'localhost' });
    const explained = view.explain('Redis:Host')!;
    expect(explained).toMatchObject({ provider: OVERRIDES_PROVIDER_NAME, source: 'withOverrides', value: 'localhost' });
    expect(explained.overridden).toEqual([expect.objectContaining({ value: 'cache.contoso.net', provider: expect.stringContaining('appsettings.json') })]);
    expect(view.providers.map((p) => p.name)).toEqual([...config.providers.map((p) => p.name), OVERRIDES_PROVIDER_NAME]);
    await config.dispose();
  });

  it('an override of null sets the key to null', async () => {
    const config = await original();
    const view = config.withOverrides(new Map([['Service:Name', null]]));
    expect(view.get('Service:Name')).toBeNull();
    expect(view.bind('Service', { Name: 'fallback', Owner: '' })).toEqual({ Name: 'fallback', Owner: 'team-a' });
    await config.dispose();
  });

  it('follows the original: a reload of the original shows in the view, the override still wins', async () => {
    const config = await original();
    const view = config.withOverrides({ 'Redis:Host': 'localhost' });
    let viewChanges = 0;
    view.onChange(() => viewChanges++);
    write({ Redis: { Host: 'cache2.contoso.net', Port: 6390 }, Service: { Name: 'orders' } });
    await config.reload();
    expect(view.get('Redis:Port')).toBe('6390');
    expect(view.get('Redis:Ssl')).toBeUndefined();
    expect(view.get('Redis:Host')).toBe('localhost');
    expect(viewChanges).toBe(1);
    // the view's own reload re-reads nothing: it takes the original's data again
    await view.reload();
    expect(view.get('Redis:Port')).toBe('6390');
    await config.dispose();
  });

  it('disposing the view leaves the original working; the view stops following', async () => {
    const config = await original();
    const view = config.withOverrides({ 'Redis:Host': 'localhost' });
    await view.dispose();
    write({ Redis: { Host: 'cache3.contoso.net' } });
    await config.reload();
    expect(config.get('Redis:Host')).toBe('cache3.contoso.net');
    expect(view.get('Redis:Port')).toBe('6380');
    await config.dispose();
  });

  it('binds with defaults objects, Standard Schemas and the Redis and SignalR binders', async () => {
    const config = await original();
    const key = 'b3ZlcnJpZGUtc2lnbmFsci1rZXk=';
    const view = config.withOverrides({
      'Redis:Host': 'localhost',
      'Redis:Port': '6379',
      'Redis:Ssl': 'false',
      'Azure:SignalR:ConnectionString': `Endpoint=http://localhost:8888;AccessKey=${key};Version=1.0;`,
    });
    expect(view.bind('Redis', { Host: '', Port: 0, Ssl: true })).toEqual({ Host: 'localhost', Port: 6379, Ssl: false });
    expect(view.getSection('Redis').bind(z.object({ port: z.coerce.number() }))).toEqual({ port: 6379 });
    const redis = getRedisSettings(view);
    expect(redis).toMatchObject({ host: 'localhost', port: 6379, tls: false });
    const endpoints = getSignalREndpoints(view);
    expect(endpoints).toHaveLength(1);
    expect(endpoints[0]!.connection.endpoint).toBe('http://localhost:8888');
    expect(endpoints[0]!.provider).toBe(OVERRIDES_PROVIDER_NAME);
    expect(() => getSignalREndpoints(config)).toThrow(/No connection string/);
    expect(inspect(view) + JSON.stringify(view) + view.debugView()).not.toContain(key);
    await config.dispose();
  });

  it('a value that is not a string or null is an OverrideError naming the key, never the value', async () => {
    const config = await original();
    const bad = (values: Record<string, unknown>) => {
      try {
        config.withOverrides(values as Record<string, string>);
      } catch (error) {
        return error as OverrideError;
      }
      throw new Error('expected an error');
    };
    for (const [value, type] of [[6380, 'number'], [true, 'boolean'], [{ Host: 'x' }, 'object'], [['a'], 'an array'], [undefined, 'undefined']] as const) {
      const error = bad({ 'Redis:Port': value });
      expect(error).toBeInstanceOf(OverrideError);
      expect(error).toMatchObject({ code: 'INVALID_OVERRIDE', key: 'Redis:Port', provider: OVERRIDES_PROVIDER_NAME });
      expect(error.message).toContain(type);
    }
    expect(bad({ 'Db:Password': 987654321 }).message).not.toContain('987654321');
    expect(bad({ 'A:b': 'x', 'a:B': 'y' })).toBeInstanceOf(DuplicateKeyError);
    await config.dispose();
  });

  it('keeps what the original marked secret (a convict sensitive key) secret in the view', async () => {
    const config = await original();
    config.bind('Service', { Name: { default: '', format: String, sensitive: true } });
    const view = config.withOverrides({ 'Redis:Host': 'localhost' });
    expect(view.isSecret('Service:Name')).toBe(true);
    expect(view.debugView()).not.toContain('orders');
    await config.dispose();
  });

  it('a view of a view layers both', async () => {
    const config = await original();
    const first = config.withOverrides({ 'Redis:Host': 'one', 'Redis:Port': '1' });
    const second = first.withOverrides({ 'Redis:Host': 'two' });
    expect([second.get('Redis:Host'), second.get('Redis:Port'), first.get('Redis:Host')]).toEqual(['two', '1', 'one']);
    await config.dispose();
  });
});

describe('withOverrides on loadConfig({ schema })', () => {
  const schema = z.object({ Redis: z.object({ Host: z.string(), Port: z.coerce.number().int().min(1) }) });

  it("gives the view settings validated from the view's tree, and rejects an override that fails the schema", async () => {
    write({ Redis: { Host: 'cache.contoso.net', Port: 6380 } });
    const config = await loadConfig({ cwd: dir, env: {}, args: [], reloadOnChange: false, schema });
    const view = config.withOverrides({ 'Redis:Host': 'localhost', 'Redis:Port': '6379' });
    expect(view.settings).toEqual({ Redis: { Host: 'localhost', Port: 6379 } });
    expect(config.settings).toEqual({ Redis: { Host: 'cache.contoso.net', Port: 6380 } });
    expect(() => config.withOverrides({ 'Redis:Port': '0' })).toThrow(ValidationError);
    // the view re-validates when the original reloads
    write({ Redis: { Host: 'cache.contoso.net', Port: 6381 } });
    const bare = config.withOverrides({ 'Redis:Host': 'localhost' });
    await config.reload();
    expect(bare.settings.Redis.Port).toBe(6381);
    await config.dispose();
  });
});
