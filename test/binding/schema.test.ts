import { inspect } from 'node:util';
import convict from 'convict';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { bindShape } from '../../src/binding/index.js';
import { isConvictSchema, validateWithSchema } from '../../src/binding/schema.js';
import { ConfigurationBuilder } from '../../src/builder.js';
import { ConfigurationError, ValidationError } from '../../src/core/errors.js';
import { providerData, type ConfigurationProvider } from '../../src/core/provider.js';
import { fingerprint } from '../../src/core/secrets.js';

type Values = Record<string, string | null>;
const build = (...layers: Values[]) => {
  const b = new ConfigurationBuilder();
  layers.forEach((layer, i) => b.addInMemory(layer, { name: `Layer${i}` }));
  return b.build();
};

const catchError = (fn: () => unknown): ValidationError => {
  try {
    fn();
  } catch (e) {
    return e as ValidationError;
  }
  throw new Error('expected an error');
};

describe('bind(key, convictSchema)', () => {
  it('matches the section to the schema case-insensitively, coerces and infers the type', async () => {
    const config = await build({
      'server:PORT': '8080',
      'server:host': 'example.com',
      'Server:Debug': 'TRUE',
      'server:Tags:0': 'a',
      'server:Tags:1': 'b',
      'Server:Db:Url': 'postgres://db:5432/app',
      'Server:Timeout': '5 minutes',
      'Server:Env': 'production',
    });
    const server = config.bind('Server', {
      Port: { doc: 'listen port', format: 'port', default: 3000 },
      Host: { format: String, default: 'localhost' },
      Debug: { format: Boolean, default: false },
      Tags: { format: Array, default: ['x'] },
      Db: { Url: { format: 'url', default: 'postgres://localhost' } },
      Timeout: { format: 'duration', default: 1000 },
      Env: { format: ['production', 'development'], default: 'development' },
      Retries: { format: 'nat', default: 3 },
    });
    expect(server).toEqual({
      Port: 8080,
      Host: 'example.com',
      Debug: true,
      Tags: ['a', 'b'],
      Db: { Url: 'postgres://db:5432/app' },
      Timeout: 300_000,
      Env: 'production',
      Retries: 3,
    });
    expectTypeOf(server).toEqualTypeOf<{
      Port: number;
      Host: string;
      Debug: boolean;
      Tags: string[];
      Db: { Url: string };
      Timeout: number;
      Env: 'production' | 'development';
      Retries: number;
    }>();
  });

  it('reports every violation at once, each with key, message and provider', async () => {
    const config = await build(
      { 'App:Port': '99999', 'App:Workers': '1.5', 'App:Mail': 'not-an-email' },
      { 'App:Ip': '300.1.1.1', 'App:Mode': 'fast', 'App:Count': '12abc' },
    );
    const schema = {
      Port: { format: 'port', default: 80 },
      Workers: { format: 'int', default: 1 },
      Mail: { format: 'email', default: 'a@b.c' },
      Ip: { format: 'ipaddress', default: '127.0.0.1' },
      Mode: { format: ['slow', 'safe'], default: 'safe' },
      Count: { format: Number, default: 0 },
    };
    const error = catchError(() => config.bind('App', schema));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.code).toBe('VALIDATION');
    expect(error.violations.map((v) => [v.key, v.provider])).toEqual([
      ['App:Port', 'Layer0'],
      ['App:Workers', 'Layer0'],
      ['App:Mail', 'Layer0'],
      ['App:Ip', 'Layer1'],
      ['App:Mode', 'Layer1'],
      ['App:Count', 'Layer1'],
    ]);
    expect(error.violations[0]!.message).toBe('ports must be within range 0 - 65535');
    expect(error.violations[1]!.message).toBe('must be an integer');
    expect(error.violations[4]!.message).toBe('must be one of the possible values: ["slow","safe"]');
    expect(error.violations[5]!.message).toBe('must be of type Number');
    expect(error.message).toContain('(6 violations)');
    expect(error.message).toContain("'App:Port': ports must be within range 0 - 65535 (expected port, value from Layer0)");
  });

  it('supports custom formats added with convict.addFormat, including their coerce', async () => {
    convict.addFormat({
      name: 'upper-csv',
      validate(value: unknown) {
        if (!Array.isArray(value) || value.some((v) => v !== String(v).toUpperCase())) throw new Error('must be upper-case words');
      },
      coerce: (text: string) => text.split(',').map((s) => s.trim()),
    });
    const config = await build({ 'A:Regions': 'EU, US', 'B:Regions': 'eu' });
    expect(config.bind('A', { Regions: { format: 'upper-csv', default: [] as string[] } }).Regions).toEqual(['EU', 'US']);
    const error = catchError(() => config.bind('B', { Regions: { format: 'upper-csv', default: [] as string[] } }));
    expect(error.violations).toEqual([{ key: 'B:Regions', message: 'must be upper-case words', provider: 'Layer0', expected: 'upper-csv' }]);
  });

  it('allowed: strict makes undeclared keys violations; warn sends them to output', async () => {
    const config = await build({ 'App:Port': '81', 'App:Extra': 'x', 'App:Nested:Deep': 'y', 'App:Flag': 'yes' });
    const schema = { Port: { format: 'port', default: 80 }, Flag: { default: false } };
    expect(catchError(() => config.bind('App', schema)).violations).toEqual([
      { key: 'App:Flag', message: 'must be of type Boolean', provider: 'Layer0', expected: 'boolean' },
    ]);
    delete (schema as Partial<typeof schema>).Flag;
    const warnings: string[] = [];
    expect(config.bind('App', schema, { output: (m) => warnings.push(m) })).toEqual({ Port: 81 });
    expect(warnings).toEqual([
      "Warning: configuration param 'App:Extra' not declared in the schema",
      "Warning: configuration param 'App:Flag' not declared in the schema",
      "Warning: configuration param 'App:Nested' not declared in the schema",
    ]);
    const error = catchError(() => config.bind('App', schema, { allowed: 'strict' }));
    expect(error.violations.map((v) => v.key)).toEqual(['App:Extra', 'App:Flag', 'App:Nested']);
    expect(catchError(() => config.bind('App', schema, { strict: true })).violations).toHaveLength(3);
  });

  it('reports a required value (default null) that is not configured', async () => {
    const config = await build({});
    const error = catchError(() => config.bind('Db', { Url: { format: 'url', default: null } }));
    expect(error.violations).toHaveLength(1);
    expect(error.violations[0]!.key).toBe('Db:Url');
    expect(error.violations[0]!.message).toBe('no value configured and the default is not valid: must be a URL');
    expect(error.violations[0]!.provider).toBeUndefined();
    expect(error.message).toContain('not configured');
  });

  it('nullable: an empty value is null; without nullable it is a violation', async () => {
    const config = await build({ 'A:Port': '' });
    const ok = config.bind('A', { Port: { format: 'port', default: 80, nullable: true } });
    expect(ok.Port).toBeNull();
    expectTypeOf(ok.Port).toEqualTypeOf<number | null>();
    expect(catchError(() => config.bind('A', { Port: { format: 'port', default: 80 } })).violations[0]!.key).toBe('A:Port');
  });

  it('binds a single leaf schema to a scalar section', async () => {
    const config = await build({ Port: '6380' });
    const port = config.bind('Port', { format: 'port', default: 6379 });
    expect(port).toBe(6380);
    expectTypeOf(port).toEqualTypeOf<number>();
  });

  it('turns convict schema errors into a typed error and refuses a Config instance', async () => {
    const config = await build({});
    expect(() => config.bind('A', { X: { format: 'no-such-format', default: 1 } })).toThrow(
      expect.objectContaining({ code: 'INVALID_SCHEMA' }),
    );
    expect(() => bindShape(config, 'A', convict({ x: { default: 1 } }))).toThrow(/not a convict Config instance/);
  });

  it('tells a schema from a defaults object by an own `default` property at any depth', () => {
    expect(isConvictSchema({ a: { b: { default: 1 } } })).toBe(true);
    expect(isConvictSchema({ a: { b: 1 }, c: [{ default: 1 }] })).toBe(false);
    expect(isConvictSchema({ port: 80 })).toBe(false);
    expect(isConvictSchema(new Map())).toBe(false);
  });
});

describe('sensitive values', () => {
  const secret = 'p@ssw0rd-TOPSECRET-42';

  it('marks sensitive keys secret and never shows the value in errors, debugView, explain or inspect', async () => {
    const config = await build({ 'Db:Pin': secret, 'Db:Auth:Token2': secret });
    const error = catchError(() =>
      config.bind('Db', {
        Pin: {
          sensitive: true,
          default: '0000',
          format: function pin(value: unknown) {
            if (!/^\d{4}$/.test(String(value))) throw new Error(`bad pin ${String(value)}`);
          },
        },
        Auth: { format: Object, default: {}, sensitive: true },
      }),
    );
    expect(config.isSecret('Db:Pin')).toBe(true);
    expect(config.isSecret('Db:Auth:Token2')).toBe(true);
    const outputs = [
      error.message,
      JSON.stringify(error.violations),
      inspect(error),
      config.debugView(),
      JSON.stringify(config.explain('Db:Pin')),
      inspect(config),
      JSON.stringify(config),
    ];
    for (const text of outputs) expect(text).not.toContain(secret);
    expect(error.violations[0]!.message).toMatch(/^bad pin <redacted sha256:[0-9a-f]{8}>$/);
  });

  it('a sensitive object field keeps hiding children that appear after a reload, not a sibling that shares its name', async () => {
    let values: Values = { 'Db:Login:User': 'alice-42' };
    const mutable: ConfigurationProvider = {
      name: 'Mutable',
      load: async () => providerData(Object.entries(values).map(([key, value]) => ({ key, value }))),
    };
    const config = await new ConfigurationBuilder().add(mutable).build();
    config.bind('Db', { Login: { format: Object, default: {}, sensitive: true }, LoginHint: { format: String, default: '' } });
    values = { 'Db:Login:User': 'alice-42', 'db:LOGIN:Pin': '4711-zebra', 'Db:LoginHint': 'first pet' };
    await config.reload();

    const view = config.debugView();
    for (const hidden of ['alice-42', '4711-zebra']) expect(view).not.toContain(hidden);
    expect(view).toContain(`Pin=<redacted sha256:${fingerprint('4711-zebra')}> (Mutable)`);
    expect(config.explain('Db:Login:Pin')).toMatchObject({ value: `<redacted sha256:${fingerprint('4711-zebra')}>`, secret: true });
    expect(view).toContain('LoginHint=first pet (Mutable)');
    expect(config.explain('Db:LoginHint')).toMatchObject({ value: 'first pet', secret: false });
  });

  it('convict never appends the value of a secret-named key to its message', async () => {
    const config = await build({ 'Redis:Password': 'short' });
    const error = catchError(() => config.bind('Redis', { Password: { format: 'port', default: 1 } }));
    expect(error.message).not.toContain('short');
    expect(error.violations[0]!.message).toBe('ports must be within range 0 - 65535');
  });
});

describe('validateWithSchema (loadConfig({ schema }))', () => {
  it('validates the whole tree, returns the typed object and lists every violation', async () => {
    const config = await build({ 'Redis:Port': '6380', 'Redis:Host': 'cache', PATH: '/usr/bin' });
    const schema = {
      Redis: { Host: { format: String, default: 'localhost' }, Port: { format: 'port', default: 6379 } },
      Logging: { Level: { format: ['Debug', 'Information'], default: 'Information' } },
    } as const;
    const settings = validateWithSchema(config, schema);
    expect(settings).toEqual({ Redis: { Host: 'cache', Port: 6380 }, Logging: { Level: 'Information' } });
    expectTypeOf(settings.Redis.Port).toEqualTypeOf<number>();
    expectTypeOf(settings.Logging.Level).toEqualTypeOf<'Debug' | 'Information'>();

    const bad = await build({ 'Redis:Port': 'x', 'Logging:Level': 'Trace' });
    const error = catchError(() => validateWithSchema(bad, schema));
    expect(error.violations.map((v) => v.key)).toEqual(['Redis:Port', 'Logging:Level']);
    expect(catchError(() => validateWithSchema(config, schema, { allowed: 'strict' })).violations.map((v) => v.key)).toEqual(['PATH']);
  });

  it('ignores configuration keys that try to reach a prototype', async () => {
    const config = await build({ '__proto__:polluted': '1', 'App:__proto__:polluted': '1', 'App:Map:__proto__:polluted': '1' });
    const result = validateWithSchema(config, { App: { Name: { default: 'n' }, Map: { format: Object, default: {} } } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(result.App)).toEqual(['Name', 'Map']);
    expect(Object.getPrototypeOf(result.App)).toBe(Object.prototype);
  });
});
