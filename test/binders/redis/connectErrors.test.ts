/**
 * Connect failures against a real redis-server: the error names the host and port, the
 * configuration keys and providers the settings came from, keeps the cause's code, and never
 * contains the password.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationBuilder } from '../../../src/builder.js';
import { checkRedis } from '../../../src/binders/redis/check.js';
import { createRedisClient } from '../../../src/binders/redis/client.js';
import { RedisConnectionError } from '../../../src/binders/redis/errors.js';
import { getRedisSettings } from '../../../src/binders/redis/settings.js';
import { startRedisServer, type RedisServer } from '../../support/redisServer.js';

const PASSWORD = 'connerr-requirepass-4c1d9e';
const WRONG = 'connerr-wrong-password-b7f2a0';
const FILE_PASSWORD = 'connerr-file-password-e93c51';

let server: RedisServer;
let closedPort: number;
let dir: string;

beforeAll(async () => {
  server = await startRedisServer({ password: PASSWORD });
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  closedPort = (s.address() as net.AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  dir = mkdtempSync(path.join(os.tmpdir(), 'lc-redis-connerr-'));
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function connectError(settings: Parameters<typeof createRedisClient>[0]): Promise<RedisConnectionError> {
  const error = await createRedisClient(settings).then(
    (client) => {
      client.destroy();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RedisConnectionError);
  return error as RedisConnectionError;
}

/** Nothing the error exposes (message, stack, inspect, JSON, cause) contains any of the secrets. */
function expectNoSecret(error: Error, ...secrets: string[]): void {
  const texts = [error.message, error.stack ?? '', inspect(error, { depth: 10 }), JSON.stringify(error), String((error.cause as Error | undefined)?.message)];
  for (const text of texts) for (const secret of secrets) expect(text).not.toContain(secret);
}

describe('createRedisClient connect failures name where the settings came from', () => {
  it('wrong password (WRONGPASS): the password variable and its provider, host:port, no password', async () => {
    const env = {
      AZURE_REDIS_HOST: '127.0.0.1',
      AZURE_REDIS_PORT: String(server.port),
      AZURE_REDIS_SSL: 'false',
      AZURE_REDIS_PASSWORD: WRONG,
    };
    const config = await new ConfigurationBuilder().addEnvironmentVariables({ env }).build();
    const error = await connectError(getRedisSettings(config));
    expect(error.code).toBe('REDIS_CONNECTION');
    expect(error.causeCode).toBe('WRONGPASS');
    expect(error.message).toContain(`127.0.0.1:${server.port}`);
    expect(error.message).toMatch(/WRONGPASS/);
    expect(error.message).toContain("'AZURE_REDIS_PASSWORD'");
    expect(error.message).toContain('env AZURE_REDIS_PASSWORD');
    expect(error.message).toContain('EnvironmentVariablesConfigurationProvider');
    // the server refused the credential: the error points at the key that holds it
    expect(error.key).toBe('AZURE_REDIS_PASSWORD');
    expect(error.provider).toMatch(/EnvironmentVariablesConfigurationProvider/);
    expect(error.keys).toEqual(['AZURE_REDIS_HOST', 'AZURE_REDIS_PORT', 'AZURE_REDIS_SSL', 'AZURE_REDIS_PASSWORD']);
    expectNoSecret(error, WRONG, PASSWORD);
  });

  it('no password for a server that needs one (NOAUTH)', async () => {
    const config = await new ConfigurationBuilder()
      .addInMemory({ 'Redis:Host': '127.0.0.1', 'Redis:Port': String(server.port), 'Redis:Ssl': 'false' })
      .build();
    const error = await connectError(getRedisSettings(config));
    expect(error.causeCode).toBe('NOAUTH');
    expect(error.message).toContain("'Redis:Host', 'Redis:Port', 'Redis:Ssl' from MemoryConfigurationProvider");
    expect(error.key).toBe('Redis:Host');
  });

  it('closed port (ECONNREFUSED): the connection string key and its file, the cause code kept, no password', async () => {
    const file = path.join(dir, 'appsettings.json');
    const cs = `127.0.0.1:${closedPort},password=${FILE_PASSWORD},ssl=False,connectRetry=1`;
    writeFileSync(file, JSON.stringify({ ConnectionStrings: { Redis: cs } }));
    const config = await new ConfigurationBuilder().addJsonFile(file).build();
    const error = await connectError(getRedisSettings(config));
    expect(error.causeCode).toBe('ECONNREFUSED');
    expect((error.cause as { code?: unknown }).code).toBe('ECONNREFUSED');
    expect(error.message).toContain(`127.0.0.1:${closedPort}`);
    expect(error.message).toContain(`settings from 'ConnectionStrings:Redis' from JsonConfigurationProvider for '${file}' (Required))`);
    expect(error.key).toBe('ConnectionStrings:Redis');
    expectNoSecret(error, FILE_PASSWORD, cs);
  });

  it('TLS handshake with a plain server times out (ConnectionTimeoutError), naming the source', async () => {
    const cs = `127.0.0.1:${server.port},password=${PASSWORD},ssl=True,connectTimeout=300,connectRetry=0`;
    const config = await new ConfigurationBuilder().addInMemory({ 'Redis:ConnectionString': cs }).build();
    const error = await connectError(getRedisSettings(config));
    expect(error.causeCode).toBe('ConnectionTimeoutError');
    expect(error.message).toContain(`127.0.0.1:${server.port} (TLS, access key; settings from 'Redis:ConnectionString' from MemoryConfigurationProvider)`);
    expectNoSecret(error, PASSWORD, cs);
  });

  it('a server that accepts the connection but never answers the handshake fails after connectTimeout, not never', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const cs = `127.0.0.1:${port},password=${PASSWORD},ssl=False,connectTimeout=300,connectRetry=0`;
      const config = await new ConfigurationBuilder().addInMemory({ 'Redis:ConnectionString': cs }).build();
      const started = Date.now();
      const error = await connectError(getRedisSettings(config));
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(error.causeCode).toBe('HandshakeTimeout');
      expect(error.message).toContain(`127.0.0.1:${port}`);
      expect(error.message).toContain('did not answer the handshake within 300 ms');
      expect(error.message).toContain("settings from 'Redis:ConnectionString' from MemoryConfigurationProvider");
      expectNoSecret(error, PASSWORD, cs);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('checkRedis --connect reports the same error for a wrong password', async () => {
    const config = await new ConfigurationBuilder()
      .addInMemory({ 'Redis:Host': '127.0.0.1', 'Redis:Port': String(server.port), 'Redis:Ssl': 'false' })
      .addEnvironmentVariables({ env: { Redis__Password: WRONG } })
      .build();
    const { errors } = await checkRedis(config, { connect: true });
    expect(errors).toHaveLength(1);
    const error = errors[0] as RedisConnectionError;
    expect(error).toBeInstanceOf(RedisConnectionError);
    expect(error.message).toContain("'Redis:Host', 'Redis:Port', 'Redis:Ssl' from MemoryConfigurationProvider");
    expect(error.message).toMatch(/'Redis:Password' from EnvironmentVariablesConfigurationProvider \(env Redis__Password\)/);
    expect(error.key).toBe('Redis:Password');
    expectNoSecret(error, WRONG, PASSWORD);
  });
});
