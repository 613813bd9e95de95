import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationBuilder } from '../../../src/builder.js';
import { checkRedis } from '../../../src/binders/redis/check.js';
import { RedisConnectionError, RedisSettingsError } from '../../../src/binders/redis/errors.js';
import { startRedisServer, type RedisServer } from '../../support/redisServer.js';

const PASSWORD = 'check-requirepass-61b0f3aa';
let server: RedisServer;

beforeAll(async () => {
  server = await startRedisServer({ password: PASSWORD, users: { app: 'check-acl-password-0c7e' } });
});
afterAll(async () => {
  await server?.stop();
});

const config = (values: Record<string, string>) => new ConfigurationBuilder().addInMemory(values).build();

describe('checkRedis (for layered-config check)', () => {
  it('reports host, port, TLS, database and auth mode, never the password, and PINGs with connect', async () => {
    const c = await config({ 'Redis:Host': '127.0.0.1', 'Redis:Port': String(server.port), 'Redis:Ssl': 'false', 'Redis:Password': PASSWORD });
    const { lines, errors } = await checkRedis(c, { connect: true });
    expect(errors).toEqual([]);
    expect(lines[0]).toBe(`Redis: 127.0.0.1:${server.port}, no TLS, database 0, access key; from Redis:Host, Redis:Port, Redis:Ssl, Redis:Password`);
    expect(lines[1]).toMatch(new RegExp(`^Redis: PING 127\\.0\\.0\\.1:${server.port} → PONG in \\d+ ms$`));
    expect(lines.join('\n')).not.toContain(PASSWORD);
  });

  it('connects as an ACL user from a redis:// URL', async () => {
    const c = await config({ 'ConnectionStrings:Redis': `redis://app:check-acl-password-0c7e@127.0.0.1:${server.port}/2` });
    const { lines, errors } = await checkRedis(c, { connect: true });
    expect(errors).toEqual([]);
    expect(lines[0]).toContain('access key (user app)');
    expect(lines[0]).toContain('database 2');
    expect(lines[1]).toContain('PONG');
    expect(lines.join('\n')).not.toContain('check-acl-password-0c7e');
  });

  it('describes Entra modes without connecting', async () => {
    const c = await config({ AZURE_REDIS_HOST: 'contoso.redis.cache.windows.net', AZURE_REDIS_CLIENTID: 'uami-client-id' });
    const { lines, errors } = await checkRedis(c);
    expect(errors).toEqual([]);
    expect(lines).toEqual([
      'Redis: contoso.redis.cache.windows.net:6380, TLS, database 0, Microsoft Entra ID, user-assigned managed identity uami-client-id; from AZURE_REDIS_HOST, AZURE_REDIS_CLIENTID',
    ]);
  });

  it('says nothing when there are no Redis settings', async () => {
    expect(await checkRedis(await config({ Other: '1' }), { connect: true })).toEqual({ lines: [], errors: [] });
  });

  it('returns settings errors and connection errors instead of throwing, without secrets', async () => {
    const bad = await checkRedis(await config({ AZURE_REDIS_HOST: 'h', AZURE_REDIS_CLIENTSECRET: 'check-secret-d41e' }));
    expect(bad.errors).toHaveLength(1);
    expect(bad.errors[0]).toBeInstanceOf(RedisSettingsError);
    expect(inspect(bad.errors[0])).not.toContain('check-secret-d41e');

    const wrong = await checkRedis(await config({ 'Redis:Host': '127.0.0.1', 'Redis:Port': String(server.port), 'Redis:Ssl': 'false', 'Redis:Password': 'check-wrong-9a9a' }), { connect: true });
    expect(wrong.lines).toHaveLength(1);
    expect(wrong.errors[0]).toBeInstanceOf(RedisConnectionError);
    expect(wrong.errors[0]!.message).toMatch(/WRONGPASS/);
    expect(inspect(wrong.errors[0])).not.toContain('check-wrong-9a9a');
  });
});
