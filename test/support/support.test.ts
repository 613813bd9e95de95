import { beforeAll, describe, expect, it } from 'vitest';
import https from 'node:https';
import { ClientSecretCredential, DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import { testCertificates, trustingAgent, type TestCertificates } from './tls.js';
import { useFakeIdentityEndpoint, type FakeIdentityEndpoint } from './identity.js';
import { startFakeAuthority } from './authority.js';
import { decodeToken, isValidTestToken } from './tokens.js';

const fake = useFakeIdentityEndpoint();
let certs: TestCertificates;
let identity: FakeIdentityEndpoint;

beforeAll(async () => {
  certs = await testCertificates();
  identity = fake.endpoint;
});

describe('test certificates', () => {
  it('are served and trusted through trustingAgent only', async () => {
    const server = https.createServer({ cert: certs.certPem, key: certs.keyPem }, (_req, res) => res.end('hello'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const get = (agent?: https.Agent) =>
      new Promise<string>((resolve, reject) => {
        https
          .get({ host: '127.0.0.1', port, agent, servername: undefined }, (res) => {
            let body = '';
            res.on('data', (d: Buffer) => (body += d.toString()));
            res.on('end', () => resolve(body));
          })
          .on('error', reject);
      });
    try {
      const agent = trustingAgent(certs.caPem);
      expect(await get(agent)).toBe('hello');
      agent.destroy();
      await expect(get(new https.Agent({ keepAlive: false }))).rejects.toThrow(/certificate/i);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('fake managed identity endpoint', () => {
  it('serves the real ManagedIdentityCredential, system-assigned', async () => {
    const before = identity.requests.length;
    const token = await new ManagedIdentityCredential().getToken('https://vault.azure.net/.default');
    expect(identity.requests.slice(before)).toEqual([{ resource: 'https://vault.azure.net' }]);
    const claims = decodeToken(token.token);
    expect(claims?.oid).toBe(identity.oidFor());
    expect(claims?.aud).toBe('https://vault.azure.net');
    expect(isValidTestToken(token.token, 'https://vault.azure.net/.default')).toBe(true);
    expect(identity.issued.at(-1)?.token).toBe(token.token);
    // MSAL turns expires_on into a lifetime relative to its own clock and adds it back later, so on a
    // loaded machine the two reads of the clock can straddle a second boundary: allow that, no more.
    const issuedExpMs = (identity.issued.at(-1)?.exp ?? 0) * 1000;
    expect(issuedExpMs).toBeGreaterThan(Date.now());
    expect(Math.abs(token.expiresOnTimestamp - issuedExpMs)).toBeLessThanOrEqual(2000);
  });

  it('serves a user-assigned identity with its own oid', async () => {
    const clientId = '0f6b1e4c-0000-4000-8000-0000000000aa';
    const token = await new ManagedIdentityCredential({ clientId }).getToken('https://redis.azure.com/.default');
    expect(identity.requests.at(-1)).toEqual({ resource: 'https://redis.azure.com', clientId });
    expect(decodeToken(token.token)?.oid).toBe(identity.oidFor(clientId));
    expect(identity.oidFor(clientId)).not.toBe(identity.oidFor());
  });

  it('honours a changed lifetime and is found by DefaultAzureCredential', async () => {
    identity.lifetimeSeconds = 7200;
    const now = Math.floor(Date.now() / 1000);
    const token = await new DefaultAzureCredential().getToken('https://appconfig.azure.com/.default');
    const exp = decodeToken(token.token)?.exp as number;
    expect(exp).toBeGreaterThanOrEqual(now + 7200 - 5);
    expect(identity.requests.at(-1)?.resource).toBe('https://appconfig.azure.com');
    identity.lifetimeSeconds = 3600;
  });

  it('rejects a request without the identity header', async () => {
    const res = await fetch(`${identity.url}?api-version=2019-08-01&resource=https://vault.azure.net`);
    expect(res.status).toBe(400);
    expect(identity.rejected).toBeGreaterThan(0);
  });
});

describe('fake Entra authority', () => {
  it('serves the real ClientSecretCredential over HTTPS', async () => {
    const authority = await startFakeAuthority(certs, { clientSecrets: { 'app-1': 'not-a-real-secret' } });
    const agent = trustingAgent(certs.caPem);
    try {
      const tenant = '11111111-2222-4333-8444-555555555555';
      const credential = new ClientSecretCredential(tenant, 'app-1', 'not-a-real-secret', {
        authorityHost: authority.authorityHost,
        disableInstanceDiscovery: true,
        agent,
      } as ConstructorParameters<typeof ClientSecretCredential>[3]);
      const token = await credential.getToken('https://signalr.azure.com/.default');
      expect(authority.requests).toEqual([{ tenant, clientId: 'app-1', scope: 'https://signalr.azure.com/.default' }]);
      const claims = decodeToken(token.token);
      expect(claims).toMatchObject({ oid: authority.oidFor('app-1'), aud: 'https://signalr.azure.com', tid: tenant });

      const wrong = new ClientSecretCredential(tenant, 'app-1', 'wrong', {
        authorityHost: authority.authorityHost,
        disableInstanceDiscovery: true,
        agent,
      } as ConstructorParameters<typeof ClientSecretCredential>[3]);
      await expect(wrong.getToken('https://signalr.azure.com/.default')).rejects.toThrow();
    } finally {
      agent.destroy();
      await authority.close();
    }
  });
});
