import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { generate } from 'selfsigned';
import {
  ClientCertificateCredential,
  ClientSecretCredential,
  DefaultAzureCredential,
  ManagedIdentityCredential,
} from '@azure/identity';
import { parseSignalRConnectionString } from '../../../src/binders/signalr/connectionString.js';
import { createServiceEndpoint } from '../../../src/binders/signalr/endpoints.js';
import { credentialFor, SIGNALR_SCOPE } from '../../../src/binders/signalr/credentials.js';
import { SignalRAuthError } from '../../../src/binders/signalr/errors.js';
import { useFakeIdentityEndpoint, type FakeIdentityEndpoint } from '../../support/identity.js';
import { startFakeAuthority } from '../../support/authority.js';
import { testCertificates, trustingAgent, type TestCertificates } from '../../support/tls.js';
import { captureErrorAsync, CLIENT_SECRET, DEFAULT_KEY, expectNothingLeaked, recordShown } from './leaks.js';

const HTTPS = 'https://res.service.signalr.net';
const TENANT = '72f988bf-0000-4000-8000-00000000aaaa';

const fake = useFakeIdentityEndpoint();
let identity: FakeIdentityEndpoint;
let certs: TestCertificates;

beforeAll(async () => {
  certs = await testCertificates();
  identity = fake.endpoint;
});
afterAll(({}, file) => expectNothingLeaked([], file));

describe('credentialFor', () => {
  it('exports the SignalR scope', () => {
    expect(SIGNALR_SCOPE).toBe('https://signalr.azure.com/.default');
  });

  it.each(['azure', 'foo'])('AuthType=%s → DefaultAzureCredential', async (type) => {
    expect(await credentialFor(parseSignalRConnectionString(`Endpoint=${HTTPS};AuthType=${type}`))).toBeInstanceOf(DefaultAzureCredential);
  });

  it('a system-assigned managed identity really fetches a SignalR token', async () => {
    for (const text of [`Endpoint=${HTTPS};AuthType=azure.msi`, `Endpoint=${HTTPS};AuthType=aad;TenantId=${TENANT};ClientSecret=${CLIENT_SECRET}`]) {
      const credential = await credentialFor(createServiceEndpoint(text));
      expect(credential).toBeInstanceOf(ManagedIdentityCredential);
      const token = await credential.getToken(SIGNALR_SCOPE);
      expect(token?.token).toBe(identity.issued.at(-1)!.token);
      expect(identity.requests.at(-1)).toEqual({ resource: 'https://signalr.azure.com' });
      expect(identity.issued.at(-1)!.oid).toBe(identity.oidFor());
    }
  });

  it('a user-assigned managed identity asks for its client id', async () => {
    for (const text of [`Endpoint=${HTTPS};AuthType=azure.msi;ClientId=mi-client-1`, `Endpoint=${HTTPS};AuthType=aad;ClientId=mi-client-1`]) {
      const credential = await credentialFor(parseSignalRConnectionString(text));
      expect(credential).toBeInstanceOf(ManagedIdentityCredential);
      const token = await credential.getToken(SIGNALR_SCOPE);
      expect(identity.requests.at(-1)).toEqual({ resource: 'https://signalr.azure.com', clientId: 'mi-client-1' });
      expect(token?.token).toBe(identity.issued.at(-1)!.token);
      expect(identity.issued.at(-1)!.oid).toBe(identity.oidFor('mi-client-1'));
    }
  });

  it('an application with a secret → ClientSecretCredential for the tenant, client id and secret', async () => {
    const clientId = '0a6f0c2e-0000-4000-8000-00000000c1d1';
    const authority = await startFakeAuthority(certs, { clientSecrets: { [clientId]: CLIENT_SECRET } });
    const agent = trustingAgent(certs.caPem);
    try {
      for (const type of ['azure.app', 'aad']) {
        const text = `Endpoint=${HTTPS};AuthType=${type};ClientId=${clientId};TenantId=${TENANT};ClientSecret=${CLIENT_SECRET}`;
        const credential = await credentialFor(parseSignalRConnectionString(text), {
          credentialOptions: { authorityHost: authority.authorityHost, disableInstanceDiscovery: true, agent } as never,
        });
        expect(credential).toBeInstanceOf(ClientSecretCredential);
        expect((credential as unknown as { tenantId: string }).tenantId).toBe(TENANT);
        const token = await credential.getToken(SIGNALR_SCOPE);
        expect(token?.token).toBe(authority.issued.at(-1)!.token);
        expect(authority.requests.at(-1)).toEqual({ tenant: TENANT, clientId, scope: SIGNALR_SCOPE });
        // the credential's own inspect and JSON forms would show the secret; ours do not
        recordShown(credential);
        expect(inspect(credential, { depth: 5, showHidden: true })).not.toContain(CLIENT_SECRET);
        expect(JSON.stringify(credential)).toBe('{"credential":"ClientSecretCredential"}');
      }
      // the wrong secret is refused by the authority: the secret really is the one configured
      const wrong = await credentialFor(parseSignalRConnectionString(`Endpoint=${HTTPS};AuthType=azure.app;ClientId=${clientId};TenantId=${TENANT};ClientSecret=nope-nope`), {
        credentialOptions: { authorityHost: authority.authorityHost, disableInstanceDiscovery: true, agent } as never,
      });
      await expect(wrong.getToken(SIGNALR_SCOPE)).rejects.toThrow();
    } finally {
      agent.destroy();
      await authority.close();
    }
  });

  it('an application with a certificate file → ClientCertificateCredential that signs its assertion with it', async () => {
    const clientId = '0a6f0c2e-0000-4000-8000-00000000cee7';
    const dir = await mkdtemp(join(tmpdir(), 'signalr-cert-'));
    const authority = await startFakeAuthority(certs);
    const agent = trustingAgent(certs.caPem);
    try {
      // MSAL signs client assertions with RS256/PS256 only, so the application certificate is RSA
      const app = await generate([{ name: 'commonName', value: 'signalr-test-app' }], { keyType: 'rsa', keySize: 2048, algorithm: 'sha256' });
      const pem = join(dir, 'app.pem');
      await writeFile(pem, `${app.private}\n${app.cert}`);
      for (const name of ['ClientCert', 'ClientCertPath']) {
        const credential = await credentialFor(parseSignalRConnectionString(`Endpoint=${HTTPS};AuthType=azure.app;ClientId=${clientId};TenantId=${TENANT};${name}=${pem}`), {
          credentialOptions: { authorityHost: authority.authorityHost, disableInstanceDiscovery: true, agent } as never,
        });
        expect(credential).toBeInstanceOf(ClientCertificateCredential);
        expect((credential as unknown as { certificateConfiguration: object }).certificateConfiguration).toEqual({ certificatePath: pem });
        expect((credential as unknown as { tenantId: string }).tenantId).toBe(TENANT);
        await credential.getToken(SIGNALR_SCOPE);
        expect(authority.requests.at(-1)).toEqual({ tenant: TENANT, clientId, scope: SIGNALR_SCOPE });
      }
    } finally {
      agent.destroy();
      await authority.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the identity-based Endpoints form gets the same classes', async () => {
    const { ConfigurationBuilder } = await import('../../../src/builder.js');
    const { getSignalREndpoints } = await import('../../../src/binders/signalr/endpoints.js');
    const config = await new ConfigurationBuilder()
      .addInMemory({
        'Azure:SignalR:Endpoints:a:serviceUri': HTTPS,
        'Azure:SignalR:Endpoints:a:credential': 'managedidentity',
        'Azure:SignalR:Endpoints:b:serviceUri': HTTPS.replace('res', 'b'),
        'Azure:SignalR:Endpoints:b:tenantId': TENANT,
        'Azure:SignalR:Endpoints:b:clientId': 'c',
        'Azure:SignalR:Endpoints:b:clientSecret': CLIENT_SECRET,
        'Azure:SignalR:Endpoints:c:serviceUri': HTTPS.replace('res', 'c'),
      })
      .build();
    const [a, b, c] = getSignalREndpoints(config);
    expect(await credentialFor(a!)).toBeInstanceOf(ManagedIdentityCredential);
    expect(await credentialFor(b!)).toBeInstanceOf(ClientSecretCredential);
    expect(await credentialFor(c!)).toBeInstanceOf(DefaultAzureCredential);
  });

  it('the identity-based form with clientId alone: DefaultAzureCredential asks the managed identity for that client id', async () => {
    const { ConfigurationBuilder } = await import('../../../src/builder.js');
    const { getSignalREndpoints } = await import('../../../src/binders/signalr/endpoints.js');
    const config = await new ConfigurationBuilder()
      .addInMemory({ 'Azure:SignalR:Endpoints:u:serviceUri': HTTPS, 'Azure:SignalR:Endpoints:u:clientId': 'uami-client-3' })
      .build();
    const credential = await credentialFor(getSignalREndpoints(config)[0]!);
    expect(credential).toBeInstanceOf(DefaultAzureCredential);
    const token = await credential.getToken(SIGNALR_SCOPE);
    expect(identity.requests.at(-1)).toEqual({ resource: 'https://signalr.azure.com', clientId: 'uami-client-3' });
    expect(token?.token).toBe(identity.issued.at(-1)!.token);
  });

  it('an access-key endpoint has no Entra credential', async () => {
    const err = await captureErrorAsync(() =>
      credentialFor(createServiceEndpoint(`Endpoint=${HTTPS};AccessKey=${DEFAULT_KEY}`, { key: 'Azure:SignalR:ConnectionString:x', provider: 'Mem' })),
    );
    expect(err).toBeInstanceOf(SignalRAuthError);
    expect(err.message).toBe(`The SignalR endpoint ${HTTPS} authenticates with an AccessKey; there is no Microsoft Entra credential to build.`);
    expect([(err as SignalRAuthError).key, (err as SignalRAuthError).provider]).toEqual(['Azure:SignalR:ConnectionString:x', 'Mem']);
  });
});
