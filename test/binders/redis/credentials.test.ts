import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createRedisClient, createRedisCredentialsProvider, credentialFor } from '../../../src/binders/redis/client.js';
import { parseRedisConnectionString } from '../../../src/binders/redis/connectionString.js';
import { makeSettings } from '../../../src/binders/redis/types.js';

const SECRET = 'redis-sp-secret-3b9d0c51e7';

describe('Redis Entra credentials built from the settings', () => {
  it('a ClientSecretCredential shows no client secret in util.inspect or JSON.stringify', async () => {
    const credential = await credentialFor({ kind: 'servicePrincipal', tenantId: 't-1', clientId: 'c-1', clientSecret: SECRET });
    expect(credential.constructor.name).toBe('ClientSecretCredential');
    for (const text of [inspect(credential, { depth: 20, showHidden: true }), JSON.stringify(credential), String(credential)]) {
      expect(text).not.toContain(SECRET);
    }
  });

  it('nor does the unconnected client that holds it', async () => {
    const base = parseRedisConnectionString('contoso.redis.cache.windows.net:6380,ssl=True');
    const settings = makeSettings({ ...base, auth: { kind: 'servicePrincipal', tenantId: 't-1', clientId: 'c-1', clientSecret: SECRET } });
    const client = await createRedisClient(settings, { connect: false });
    expect(inspect(client, { depth: 20 })).not.toContain(SECRET);
    expect(inspect(client.options, { depth: 20 })).not.toContain(SECRET);
  });
});

describe('the Entra credentials provider', () => {
  it('a token refresh still in flight when the last subscriber leaves causes no unhandled rejection', async () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const token = `${b64({ alg: 'none' })}.${b64({ oid: 'oid-1' })}.c2ln`;
    let release!: () => void;
    let refreshStarted!: () => void;
    const started = new Promise<void>((r) => (refreshStarted = r));
    let calls = 0;
    const credential = {
      getToken: async () => {
        if (calls++ > 0) {
          refreshStarted();
          await new Promise<void>((r) => (release = r));
        }
        return { token, expiresOnTimestamp: Date.now() + 1000 };
      },
    };
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => void rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      const base = parseRedisConnectionString('contoso.redis.cache.windows.net:6380,ssl=True');
      const settings = makeSettings({ ...base, auth: { kind: 'systemAssignedIdentity' } });
      const provider = await createRedisCredentialsProvider(settings, { credential, tokenManagerConfig: { expirationRefreshRatio: 0.05 } });
      const [initial, subscription] = await provider.subscribe({ onNext: () => {}, onError: () => {} });
      expect(initial.username).toBe('oid-1');
      await started;
      subscription.dispose();
      release();
      await new Promise((r) => setTimeout(r, 50));
      expect(rejections).toEqual([]);
      expect(calls).toBe(2);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });
});
