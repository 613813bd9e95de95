import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createRedisClient, credentialFor } from '../../src/azure/redis/client.js';
import { parseRedisConnectionString } from '../../src/azure/redis/connectionString.js';
import { makeSettings } from '../../src/azure/redis/types.js';

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
