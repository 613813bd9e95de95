import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ConfigurationBuilder } from '../../src/core/builder.js';
import type { ConfigurationProvider, ProviderWatchSink } from '../../src/core/provider.js';
import { providerData } from '../../src/core/provider.js';
import { loadConfig } from '../../src/loadConfig.js';

const fixture = fileURLToPath(new URL('../../fixtures/app', import.meta.url));
const appdata = path.join(fixture, 'appdata');

/** Every secret value planted in fixtures/app. */
const SECRETS = [
  'Zml4dHVyZS1zaWduYWxyLWtleS1wcm9kdWN0aW9u',
  'Zml4dHVyZS1zaWduYWxyLWtleS1lYXN0',
  'fixture-redis-password-3b9d',
  'fixture-merchant-code-91c2',
];

/** Everything the library printed or threw during this file; checked once at the end. */
const seen: string[] = [];
const keep = (text: unknown) => seen.push(typeof text === 'string' ? text : inspect(text, { depth: 10 }));
const keepError = (error: unknown) => {
  keep(error);
  if (error instanceof Error) keep(`${error.message}\n${error.stack ?? ''}\n${JSON.stringify(error)}`);
};

afterAll(() => {
  expect(seen.length).toBeGreaterThan(10);
  for (const text of seen) for (const secret of SECRETS) expect(text).not.toContain(secret);
});

describe('no secret value leaks', () => {
  it('from debugView, explain, inspect and JSON of a loaded fixture', async () => {
    const warnings: string[] = [];
    const config = await loadConfig({ cwd: fixture, environment: 'Development', env: { APPDATA: appdata }, args: [], logger: { warn: (m) => warnings.push(m) } });
    // the secrets really are loaded, so redaction is what keeps them out
    expect(config.get('Payments:MerchantCode')).toBe('fixture-merchant-code-91c2');
    expect(config.get('Redis:Password')).toBe('fixture-redis-password-3b9d');
    keep(config.debugView());
    for (const [key] of config.entries()) keep(JSON.stringify(config.explain(key)));
    keep(inspect(config));
    keep(JSON.stringify(config));
    keep(inspect(config.getSection('Azure')));
    keep(JSON.stringify(config.getSection('Payments')));
    keep(warnings.join('\n'));
    await config.dispose();
  });

  it('from binder errors about secret values', async () => {
    const config = await loadConfig({ cwd: fixture, environment: 'Development', env: { APPDATA: appdata }, args: [] });
    const failures = [
      () => config.bind('Redis', { Password: 0 }),
      () => config.bind('Payments', { MerchantCode: true }),
      () => config.bind('Payments', { MerchantCode: new Date(0) }),
      () => config.bind('Redis', { Password: { format: 'int', default: 0 } }),
    ];
    for (const fail of failures) {
      let error: unknown;
      try {
        fail();
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ code: expect.stringMatching(/^(BINDING|VALIDATION)$/) });
      keepError(error);
    }
    await config.dispose();
  });

  it('from parse errors in files that hold secrets', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lc-leak-'));
    try {
      const file = path.join(dir, 'appsettings.json');
      const bad = [
        '{ "Redis": { "Password": "fixture-redis-password-3b9d" x } }',
        '{ "Redis": { "Password": "fixture-redis-password-3b9d", "password": "fixture-merchant-code-91c2" } }',
        '["fixture-redis-password-3b9d"]',
        '{ "Redis": { "Password": fixture-redis-password-3b9d } }',
        '{ "Redis": { "Password": "fixture-redis-password-3b9d',
      ];
      for (const text of bad) {
        writeFileSync(file, text);
        const error = await new ConfigurationBuilder().addJsonFile(file).build().catch((e: unknown) => e);
        expect(error).toMatchObject({ code: expect.any(String) });
        keepError(error);
      }
      const cli = await new ConfigurationBuilder()
        .addCommandLine(['-p=fixture-redis-password-3b9d'])
        .build()
        .catch((e: unknown) => e);
      expect(cli).toMatchObject({ code: 'COMMAND_LINE' });
      keepError(cli);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('no secret value leaks from the process warning of an unheard failure', () => {
  it('scrubs secret values out of a foreign error message a watcher or an onChange listener reports', async () => {
    let sink: ProviderWatchSink | undefined;
    const watched: ConfigurationProvider = {
      name: 'Watched',
      load: async () => providerData([{ key: 'Db:Password', value: 'fixture-redis-password-3b9d' }]),
      watch: (s) => {
        sink = s;
        return () => {};
      },
    };
    const config = await new ConfigurationBuilder().add(watched).build();
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      sink!.error(new Error('login failed with password fixture-redis-password-3b9d'));
      config.onChange(() => {
        throw new Error('listener saw fixture-redis-password-3b9d');
      });
      sink!.update(providerData([{ key: 'Db:Password', value: 'fixture-redis-password-3b9d' }]));
      const messages = warn.mock.calls.map((call) => String(call[0]));
      expect(messages).toHaveLength(2);
      expect(messages[0]).toContain('login failed with password <redacted sha256:');
      for (const m of messages) keep(m);
    } finally {
      warn.mockRestore();
      await config.dispose();
    }
  });
});

describe('prototype pollution', () => {
  it('JSON, environment and command-line keys named __proto__ never reach a prototype', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lc-proto-'));
    try {
      writeFileSync(path.join(dir, 'appsettings.json'), '{"__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 2}}}');
      const config = await loadConfig({
        cwd: dir,
        env: { __proto____polluted: '1', constructor__prototype__polluted: '3' },
        args: ['--__proto__:polluted=1', '--prototype:polluted=4'],
      });
      expect(config.get('__proto__:polluted')).toBe('1');
      expect(config.get('constructor:prototype:polluted')).toBe('3');
      expect(config.get('prototype:polluted')).toBe('4');
      const whole = config.bind('constructor', {} as Record<string, string>);
      const bound = config.bind('__proto__', { polluted: 0 });
      expect(bound.polluted).toBe(1);
      keep(inspect(whole));
      keep(JSON.stringify(config));
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
      expect((Function.prototype as unknown as Record<string, unknown>).polluted).toBeUndefined();
      await config.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
