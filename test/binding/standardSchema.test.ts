import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { type } from 'arktype';
import convict from 'convict';
import * as v from 'valibot';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigurationBuilder } from '../../src/builder.js';
import { ConfigurationError, SchemaError, ValidationError } from '../../src/core/errors.js';
import { isStandardSchema } from '../../src/binding/standardSchema.js';
import { scrubValues } from '../../src/binding/scrubIssue.js';
import type { StandardSchemaV1 } from '../../src/binding/standardSchemaSpec.js';
import { loadConfig } from '../../src/loadConfig.js';

type Values = Record<string, string | null>;
const build = (...layers: Values[]) => {
  const b = new ConfigurationBuilder();
  layers.forEach((layer, i) => b.addInMemory(layer, { name: `Layer${i}` }));
  return b.build();
};

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

/** Everything a user could see of an error: message, toString, inspect, JSON, cause, violations. */
function everything(error: unknown): string {
  const e = error as Error & { violations?: unknown };
  return [e.message, String(e), e.stack ?? '', inspect(e, { depth: 20, showHidden: true }), JSON.stringify(e), inspect(e.cause, { depth: 20 }), JSON.stringify(e.violations ?? null)].join('\n');
}

const redis = {
  'Redis:Host': 'cache.internal',
  'Redis:PORT': '6380',
  'Redis:Ssl': 'true',
  'Redis:Replicas:0': 'r0.internal',
  'Redis:Replicas:1': 'r1.internal',
};

describe('bind(key, standardSchema)', () => {
  it('zod: the section arrives as strings, keys matched case-insensitively, arrays from 0,1,…; z.coerce converts', async () => {
    const config = await build(redis);
    const settings = config.bind(
      'redis',
      z.object({
        host: z.string(),
        port: z.coerce.number().int(),
        ssl: z.enum(['true', 'false']).transform((s) => s === 'true'),
        replicas: z.array(z.string()),
        database: z.coerce.number().default(0),
      }),
    );
    expect(settings).toEqual({ host: 'cache.internal', port: 6380, ssl: true, replicas: ['r0.internal', 'r1.internal'], database: 0 });
  });

  it('zod without coercion sees the text: a number schema rejects "6380", which is why the coercing forms exist', async () => {
    const config = await build(redis);
    const error = caught(() => config.bind('Redis', z.object({ Port: z.number() }))) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.violations).toEqual([{ key: 'Redis:PORT', message: 'Invalid input: expected number, received string', provider: 'Layer0' }]);
  });

  it('valibot: v.pipe(v.string(), v.transform(Number)) converts; section.bind works the same', async () => {
    const config = await build(redis);
    const schema = v.object({ Host: v.string(), Port: v.pipe(v.string(), v.transform(Number), v.number(), v.integer()), Replicas: v.array(v.string()) });
    expect(config.getSection('Redis').bind(schema)).toEqual({ Host: 'cache.internal', Port: 6380, Replicas: ['r0.internal', 'r1.internal'] });
  });

  it("arktype: 'string.numeric.parse' converts; the output takes the schema's spelling and keeps undeclared keys as arktype does", async () => {
    const config = await build(redis);
    const schema = type({ host: 'string', port: 'string.numeric.parse', 'ssl?': "'true' | 'false'" });
    const bound = config.bind('Redis', schema);
    expect(bound).toEqual({ host: 'cache.internal', port: 6380, ssl: 'true', Replicas: ['r0.internal', 'r1.internal'] });
    expect(Object.keys(bound)).toContain('port');
    // arktype's own way to drop undeclared keys works on the input it is given
    expect(config.bind('Redis', type({ '+': 'delete', host: 'string' }))).toEqual({ host: 'cache.internal' });
    expect(config.get('Redis:Replicas:0')).toBe('r0.internal');
  });

  it('strict objects flag only the keys the schema does not declare, whatever the case of the declared ones', async () => {
    const config = await build({ 'Redis:HOST': 'cache', 'Redis:Port': '1', 'Redis:Extra': 'e' });
    const strict: Array<[StandardSchemaV1, string]> = [
      [z.strictObject({ host: z.string(), port: z.string() }), 'Redis'],
      [v.strictObject({ host: v.string(), port: v.string() }), 'Redis:Extra'],
      [type({ '+': 'reject', host: 'string', port: 'string' }), 'Redis:Extra'],
    ];
    for (const [schema, key] of strict) {
      const error = caught(() => config.bind('Redis', schema)) as ValidationError;
      expect(error.violations).toHaveLength(1);
      expect(error.violations[0]).toMatchObject({ key, provider: 'Layer0' });
      expect(error.violations[0]!.message).toMatch(/Extra|never/);
    }
  });

  it('binds a single value and the whole tree (key null)', async () => {
    const config = await build(redis, { Name: 'orders' });
    expect(config.bind('Redis:Port', z.coerce.number())).toBe(6380);
    expect(config.bind(null, z.object({ name: z.string(), redis: z.object({ host: z.string() }) }))).toEqual({ name: 'orders', redis: { host: 'cache.internal' } });
  });

  it('reports every issue at once, each with its key as configured and the provider that set it', async () => {
    const config = await build({ 'Redis:Host': 'cache', 'Redis:Port': 'abc' }, { 'Redis:Port': 'x6380', 'Redis:Replicas:0': 'ok', 'Redis:Replicas:2': '' });
    const schema = z.object({ host: z.string().min(10), port: z.coerce.number(), replicas: z.array(z.string().min(1)), password: z.string() });
    const error = caught(() => config.bind('Redis', schema)) as ValidationError;
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.code).toBe('VALIDATION');
    const byKey = Object.fromEntries(error.violations.map((x) => [x.key, x]));
    expect(Object.keys(byKey).sort()).toEqual(['Redis:Host', 'Redis:Port', 'Redis:Replicas:2', 'Redis:password']);
    expect(byKey['Redis:Host']!.provider).toBe('Layer0');
    expect(byKey['Redis:Port']!.provider).toBe('Layer1');
    // the array's second element is configuration key 2: the index maps back to the key
    expect(byKey['Redis:Replicas:2']!.provider).toBe('Layer1');
    expect(byKey['Redis:password']!.provider).toBeUndefined();
    expect(error.message).toMatch(/\(4 violations\)/);
    expect(error.message).toMatch(/'Redis:password': .*\(not configured\)/);
    expect(error.key).toBe(error.violations[0]!.key);
  });

  it('never shows a value that fails validation: not in a message, the cause, toString or inspect', async () => {
    const secret = 'hunter2-Sup3r-Secret';
    const config = await build({ 'Db:Password': secret, 'Db:Mode': 'fastest-mode-xyz', 'Db:Pin': '7' });
    const schemas: StandardSchemaV1[] = [
      z.object({ password: z.string().min(40), mode: z.enum(['fast', 'safe']) }).refine((o) => o.password.startsWith('x'), { message: `bad password ${secret}` }),
      z.object({ password: z.string().superRefine((s, ctx) => ctx.addIssue({ code: 'custom', message: `too short: ${s}` })), mode: z.literal('fast') }),
      v.object({ password: v.pipe(v.string(), v.minLength(40)), mode: v.picklist(['fast', 'safe']), pin: v.pipe(v.string(), v.length(4)) }),
      type({ password: 'string >= 40', mode: "'fast' | 'safe'", pin: 'string == 4' }),
    ];
    for (const schema of schemas) {
      const error = caught(() => config.bind('Db', schema));
      expect(error).toBeInstanceOf(ValidationError);
      const text = everything(error);
      for (const value of [secret, 'fastest-mode-xyz']) expect(text).not.toContain(value);
      expect(text).toMatch(/'Db:(Password|Mode)'/);
    }
  });

  it('an asynchronous validator: bind() says to use bindAsync(), which awaits it', async () => {
    const config = await build(redis);
    const schema = z.object({ host: z.string().refine(async (h) => h.endsWith('.internal')), port: z.coerce.number() });
    const error = caught(() => config.bind('Redis', schema)) as SchemaError;
    expect(error).toBeInstanceOf(SchemaError);
    expect(error.code).toBe('ASYNC_SCHEMA');
    expect(error.key).toBe('Redis');
    expect(error.message).toContain('bindAsync');
    await expect(config.bindAsync('Redis', schema)).resolves.toEqual({ host: 'cache.internal', port: 6380 });
    await expect(config.getSection('Redis').bindAsync(v.objectAsync({ Host: v.string() }))).resolves.toEqual({ Host: 'cache.internal' });
    const failing = await config.bindAsync('Redis', v.objectAsync({ Host: v.pipeAsync(v.string(), v.checkAsync(async () => false, 'not reachable')) })).catch((e: unknown) => e);
    expect(failing).toMatchObject({ code: 'VALIDATION', violations: [{ key: 'Redis:Host', message: 'not reachable', provider: 'Layer0' }] });
  });

  it('bindAsync binds defaults objects and convict schemas as bind does', async () => {
    const config = await build(redis);
    await expect(config.bindAsync('Redis', { Port: 0, Host: '' })).resolves.toEqual({ Port: 6380, Host: 'cache.internal' });
    await expect(config.bindAsync('Redis', { Port: { format: 'port', default: 1 } })).resolves.toEqual({ Port: 6380 });
  });

  it('a validator that throws, or returns neither value nor issues, is a typed error naming the key, without the value', async () => {
    const config = await build({ 'Api:Token': 'tok-abcdef-123456' });
    const throwing: StandardSchemaV1 = {
      '~standard': {
        version: 1,
        vendor: 'hand-written',
        validate: (input) => {
          throw new Error(`cannot read ${JSON.stringify(input)}`);
        },
      },
    };
    const threw = caught(() => config.bind('Api', throwing)) as SchemaError;
    expect(threw).toBeInstanceOf(SchemaError);
    expect(threw).toMatchObject({ code: 'SCHEMA_THREW', key: 'Api' });
    expect(everything(threw)).not.toContain('tok-abcdef-123456');
    const rejecting: StandardSchemaV1 = { '~standard': { version: 1, vendor: 'x', validate: () => Promise.reject(new Error('tok-abcdef-123456 refused')) } };
    const rejected = await config.bindAsync('Api', rejecting).catch((e: unknown) => e);
    expect(rejected).toMatchObject({ code: 'SCHEMA_THREW', key: 'Api' });
    expect(everything(rejected)).not.toContain('tok-abcdef-123456');
    for (const result of [undefined, {}, { issues: 'bad' }, { issues: [] }, 42]) {
      const odd = { '~standard': { version: 1, vendor: 'x', validate: () => result } } as unknown as StandardSchemaV1;
      expect(caught(() => config.bind('Api', odd))).toMatchObject({ code: 'SCHEMA_RESULT', key: 'Api' });
    }
  });

  it('a shape that is none of the accepted forms is a typed error', async () => {
    const config = await build(redis);
    const wrongVersion = { '~standard': { version: 2, vendor: 'x', validate: () => ({ value: 1 }) } };
    expect(caught(() => config.bind('Redis', wrongVersion))).toMatchObject({ code: 'INVALID_SCHEMA', key: 'Redis', message: expect.stringContaining('version 2') });
    const jsonOnly = { '~standard': { version: 1, vendor: 'x', jsonSchema: { input: () => ({}), output: () => ({}) } } };
    expect(caught(() => config.bind('Redis', jsonOnly))).toMatchObject({ code: 'INVALID_SCHEMA', message: expect.stringContaining('validate') });
    expect(caught(() => config.bind('Redis', Promise.resolve(z.object({}))))).toMatchObject({ code: 'INVALID_SCHEMA', message: expect.stringContaining('await') });
    class LegacyValidator {
      validate(input: unknown) {
        return { value: input };
      }
    }
    expect(caught(() => config.bind('Redis', new LegacyValidator()))).toMatchObject({ code: 'INVALID_SCHEMA', message: expect.stringContaining("no '~standard' property") });
    expect(isStandardSchema(z.string())).toBe(true);
    expect(isStandardSchema(type('string'))).toBe(true);
    expect(isStandardSchema(wrongVersion)).toBe(false);
  });

  it('keeps the existing forms: a defaults object and a convict schema bind as before', async () => {
    const config = await build(redis);
    expect(config.bind('Redis', { Port: 0, Ssl: false })).toEqual({ Port: 6380, Ssl: true });
    expect(config.bind('Redis', { Port: { format: 'port', default: 1 } })).toEqual({ Port: 6380 });
    expect(() => config.bind('Redis', convict({ a: { default: 1 } }))).toThrow(TypeError);
  });

  it('a validator that writes to its input (arktype morphs in place) never changes the tree', async () => {
    const config = await build(redis);
    const writer: StandardSchemaV1<unknown, unknown> = {
      '~standard': {
        version: 1,
        vendor: 'hand-written',
        validate: (input) => {
          (input as Record<string, unknown>).Host = 'changed';
          return { value: (input as Record<string, unknown>).host };
        },
      },
    };
    expect(config.bind('Redis', writer)).toBe('changed');
    expect(config.get('Redis:Host')).toBe('cache.internal');
    expect(config.bind('Redis', z.object({ host: z.string() }))).toEqual({ host: 'cache.internal' });
  });
});

describe('input safety', () => {
  it('a key named __proto__ reaches the validator as an own property and no prototype changes', async () => {
    const config = await build({ 'App:__proto__:polluted': 'yes', 'App:constructor:prototype:polluted': 'yes', 'App:Name': 'x' });
    let seen: unknown;
    const spy: StandardSchemaV1 = { '~standard': { version: 1, vendor: 'hand-written', validate: (input) => ((seen = input), { value: input }) } };
    config.bind('App', spy);
    expect(Object.prototype.hasOwnProperty.call(seen, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(seen)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(config.bind('App', z.looseObject({ name: z.string() }))).toMatchObject({ name: 'x' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('an output holding frozen defaults is returned as is', async () => {
    const config = await build({ 'App:Name': 'x' });
    const tags = Object.freeze(['a', 'b']);
    const value = config.bind('App', z.object({ name: z.string(), tags: z.array(z.string()).readonly().default(tags) }));
    expect(value).toEqual({ name: 'x', tags: ['a', 'b'] });
  });
});

describe('scrubValues', () => {
  it('drops valibot and arktype "received" tails and every value, leaving short unquoted words alone', () => {
    expect(scrubValues('Invalid length: Expected 8 but received "abc"', [])).toBe('Invalid length: Expected 8');
    expect(scrubValues('must be a number (was "secret-ish")', [])).toBe('must be a number');
    expect(scrubValues('got secret-ish and "ab"', ['secret-ish', 'ab'])).toBe('got <redacted> and <redacted>');
    expect(scrubValues('must be a number', ['a'])).toBe('must be a number');
  });
});

describe('loadConfig({ schema: standardSchema })', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  const write = (json: unknown) => writeFileSync(path.join(dir!, 'appsettings.json'), JSON.stringify(json));
  const schema = z.object({
    Service: z.object({ Name: z.string(), Port: z.coerce.number().int().positive() }),
    Redis: z.object({ Password: z.string().min(8) }),
  });

  it('validates the tree, returns settings of the schema type, and re-validates on reload: a failing reload keeps the last good settings and goes to onError', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lc-ss-'));
    write({ Service: { Name: 'orders', Port: '8080' }, Redis: { Password: 'first-pass-1234' } });
    const config = await loadConfig({ cwd: dir, env: {}, args: [], reloadOnChange: false, schema });
    expect(config.settings).toEqual({ Service: { Name: 'orders', Port: 8080 }, Redis: { Password: 'first-pass-1234' } });
    const errors: Array<{ error: unknown; source: string }> = [];
    config.onError((error, source) => errors.push({ error, source }));

    write({ Service: { Name: 'orders', Port: '9090' }, Redis: { Password: 'second-pass-5678' } });
    await config.reload();
    expect(config.settings.Service.Port).toBe(9090);

    write({ Service: { Name: 'orders', Port: '-1' }, Redis: { Password: 'short' } });
    await config.reload();
    expect(config.get('Service:Port')).toBe('-1');
    expect(config.settings.Service.Port).toBe(9090);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.error).toBeInstanceOf(ValidationError);
    expect((errors[0]!.error as ValidationError).violations.map((x) => x.key).sort()).toEqual(['Redis:Password', 'Service:Port']);
    expect(everything(errors[0]!.error)).not.toContain('second-pass-5678');
    await config.dispose();
  });

  it('awaits an asynchronous schema at start-up and after a reload', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lc-ss-'));
    write({ Service: { Name: 'orders', Port: '8080' } });
    const asyncSchema = v.objectAsync({ Service: v.objectAsync({ Port: v.pipeAsync(v.string(), v.transform(Number), v.checkAsync(async (n) => n > 0, 'must be positive')) }) });
    const config = await loadConfig({ cwd: dir, env: {}, args: [], reloadOnChange: false, schema: asyncSchema });
    expect(config.settings.Service.Port).toBe(8080);
    const heard = new Promise<unknown>((resolve) => config.onError((error) => resolve(error)));
    write({ Service: { Name: 'orders', Port: '0' } });
    await config.reload();
    await expect(heard).resolves.toMatchObject({ code: 'VALIDATION', violations: [{ key: 'Service:Port', message: 'must be positive' }] });
    expect(config.settings.Service.Port).toBe(8080);
    write({ Service: { Name: 'orders', Port: '7070' } });
    const changed = new Promise<void>((resolve) => config.onChange(() => resolve()));
    await config.reload();
    await changed;
    await expect.poll(() => config.settings.Service.Port).toBe(7070);
    await config.dispose();
  });

  it('makes a key secret when the JSON Schema of the Standard Schema says so (zod .meta({ sensitive: true }))', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lc-ss-'));
    write({ Payments: { MerchantCode: 'merchant-7731', Region: 'eu' } });
    const config = await loadConfig({
      cwd: dir,
      env: {},
      args: [],
      reloadOnChange: false,
      schema: z.object({ Payments: z.object({ MerchantCode: z.string().meta({ sensitive: true }), Region: z.string() }) }),
    });
    expect(config.isSecret('Payments:MerchantCode')).toBe(true);
    expect(config.isSecret('Payments:Region')).toBe(false);
    expect(config.debugView()).not.toContain('merchant-7731');
    expect(config.settings.Payments.MerchantCode).toBe('merchant-7731');
    await config.dispose();
  });

  it('fails start-up with every issue and the file that set each key', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lc-ss-'));
    write({ Service: { Name: 'orders', Port: 'http' }, Redis: { Password: 'tiny' } });
    const error = await loadConfig({ cwd: dir, env: {}, args: [], reloadOnChange: false, schema }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    const violations = (error as ValidationError).violations;
    expect(violations.map((x) => x.key).sort()).toEqual(['Redis:Password', 'Service:Port']);
    for (const x of violations) expect(x.provider).toMatch(/^JsonConfigurationProvider for '.*appsettings\.json'/);
    expect(everything(error)).not.toContain('tiny');
  });
});
