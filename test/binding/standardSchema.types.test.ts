/**
 * Compile-time proof that binding infers the validator's output type, for zod, valibot and arktype:
 * `npm run typecheck` (tsc -p tsconfig.test.json) checks the `expectTypeOf` and `@ts-expect-error`
 * lines; vitest runs the same binds so the values match the types.
 */
import { type } from 'arktype';
import * as v from 'valibot';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { ConfigurationBuilder } from '../../src/builder.js';
import { loadConfig } from '../../src/loadConfig.js';

const values = { 'Redis:Host': 'cache', 'Redis:Port': '6380', 'Redis:Tags:0': 'a' };

describe('the bound type is the schema output type', () => {
  it('zod', async () => {
    const config = await new ConfigurationBuilder().addInMemory(values).build();
    const redis = config.bind('Redis', z.object({ Host: z.string(), Port: z.coerce.number(), Tags: z.array(z.string()), Db: z.coerce.number().optional() }));
    expectTypeOf(redis).toEqualTypeOf<{ Host: string; Port: number; Tags: string[]; Db?: number | undefined }>();
    // @ts-expect-error Port is a number, not a string
    const port: string = redis.Port;
    void port;
    expect(redis.Port).toBe(6380);
    const section = config.getSection('Redis').bind(z.object({ Port: z.coerce.number() }));
    expectTypeOf(section).toEqualTypeOf<{ Port: number }>();
    const later = await config.bindAsync('Redis:Port', z.coerce.number());
    expectTypeOf(later).toEqualTypeOf<number>();
    expect(later).toBe(6380);
  });

  it('valibot', async () => {
    const config = await new ConfigurationBuilder().addInMemory(values).build();
    const redis = config.bind('Redis', v.object({ Host: v.string(), Port: v.pipe(v.string(), v.transform(Number)) }));
    expectTypeOf(redis).toEqualTypeOf<{ Host: string; Port: number }>();
    // @ts-expect-error no such property in the schema
    void redis.Password;
    expect(redis).toEqual({ Host: 'cache', Port: 6380 });
  });

  it('arktype', async () => {
    const config = await new ConfigurationBuilder().addInMemory(values).build();
    const redis = config.bind('Redis', type({ Host: 'string', Port: 'string.numeric.parse', '+': 'delete' }));
    expectTypeOf(redis).toEqualTypeOf<{ Host: string; Port: number }>();
    expect(redis).toEqual({ Host: 'cache', Port: 6380 });
  });

  it('loadConfig({ schema }).settings and the settings of a view', async () => {
    const schema = z.object({ Redis: z.object({ Host: z.string().default('localhost'), Port: z.coerce.number().default(6379) }) });
    const config = await loadConfig({ cwd: '/nonexistent-layered-config', env: { Redis__Port: '6380' }, args: [], schema });
    expectTypeOf(config.settings).toEqualTypeOf<{ Redis: { Host: string; Port: number } }>();
    expect(config.settings).toEqual({ Redis: { Host: 'localhost', Port: 6380 } });
    const view = config.withOverrides({ 'Redis:Host': 'cache.test' });
    expectTypeOf(view.settings).toEqualTypeOf<{ Redis: { Host: string; Port: number } }>();
    expect(view.settings.Redis.Host).toBe('cache.test');
    // @ts-expect-error a configuration value is a string: a number is refused at compile time (and at run time)
    expect(() => config.withOverrides({ 'Redis:Port': 6380 })).toThrow(/Redis:Port/);
    await view.dispose();
    await config.dispose();
  });

  it('loadConfig({ schema }) with valibot and arktype', async () => {
    const options = { cwd: '/nonexistent-layered-config', env: { Redis__Port: '6380' }, args: [], reloadOnChange: false };
    const withValibot = await loadConfig({ ...options, schema: v.object({ Redis: v.object({ Port: v.pipe(v.string(), v.transform(Number)) }) }) });
    expectTypeOf(withValibot.settings).toEqualTypeOf<{ Redis: { Port: number } }>();
    expect(withValibot.settings.Redis.Port).toBe(6380);
    const withArktype = await loadConfig({ ...options, schema: type({ Redis: { Port: 'string.numeric.parse' } }) });
    expectTypeOf(withArktype.settings.Redis.Port).toEqualTypeOf<number>();
    expect(withArktype.settings.Redis.Port).toBe(6380);
    await withValibot.dispose();
    await withArktype.dispose();
  });
});
