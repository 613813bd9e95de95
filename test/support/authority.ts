/**
 * A fake Microsoft Entra authority on loopback HTTPS for ClientSecretCredential (and
 * EnvironmentCredential through AZURE_AUTHORITY_HOST). MSAL refuses http authorities, so this one
 * serves the test certificate; clients trust it through `trustingAgent(caPem)` as `agent`.
 * Use it with `{ authorityHost, disableInstanceDiscovery: true }`.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { TestCertificates } from './tls.js';
import { audienceOf, mintToken, type MintedToken } from './tokens.js';

export interface FakeAuthority {
  readonly authorityHost: string;
  readonly requests: ReadonlyArray<{ tenant: string; clientId: string; scope: string }>;
  /** Every token minted, newest last. */
  readonly issued: ReadonlyArray<MintedToken>;
  /** Lifetime of tokens minted from now on. */
  lifetimeSeconds: number;
  /** The `oid` minted for a client id (the service principal's object id). */
  oidFor(clientId: string): string;
  close(): Promise<void>;
}

export async function startFakeAuthority(
  certs: TestCertificates,
  opts: { lifetimeSeconds?: number; clientSecrets?: Record<string, string> } = {},
): Promise<FakeAuthority> {
  const requests: Array<{ tenant: string; clientId: string; scope: string }> = [];
  const issued: MintedToken[] = [];
  const oids = new Map<string, string>();
  const oidFor = (clientId: string): string => {
    let v = oids.get(clientId.toLowerCase());
    if (!v) oids.set(clientId.toLowerCase(), (v = randomUUID()));
    return v;
  };
  let lifetimeSeconds = opts.lifetimeSeconds ?? 3600;
  let base = '';

  const server = https.createServer({ cert: certs.certPem, key: certs.keyPem }, (req, res) => {
    const url = new URL(req.url ?? '/', base);
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    const segments = url.pathname.split('/').filter(Boolean);
    const tenant = segments[0] ?? '';
    const rest = segments.slice(1).join('/');
    if (req.method === 'GET' && rest === 'v2.0/.well-known/openid-configuration') {
      return send(200, {
        token_endpoint: `${base}/${tenant}/oauth2/v2.0/token`,
        authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/authorize`,
        end_session_endpoint: `${base}/${tenant}/oauth2/v2.0/logout`,
        issuer: `${base}/${tenant}/v2.0`,
        jwks_uri: `${base}/${tenant}/discovery/v2.0/keys`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      });
    }
    if (req.method === 'POST' && rest === 'oauth2/v2.0/token') {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (body += d));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        const clientId = form.get('client_id') ?? '';
        const scope = (form.get('scope') ?? '').split(' ').find((s) => s.endsWith('/.default')) ?? '';
        const expectedSecret = opts.clientSecrets?.[clientId];
        if (form.get('grant_type') !== 'client_credentials' || !scope || !clientId) {
          return send(400, { error: 'invalid_request', error_description: 'AADSTS900144: missing parameter' });
        }
        if (expectedSecret !== undefined && form.get('client_secret') !== expectedSecret) {
          return send(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
        }
        requests.push({ tenant, clientId, scope });
        const minted = mintToken({ oid: oidFor(clientId), aud: audienceOf(scope), tid: tenant, appid: clientId, lifetimeSeconds });
        issued.push(minted);
        send(200, { token_type: 'Bearer', expires_in: lifetimeSeconds, ext_expires_in: lifetimeSeconds, access_token: minted.token });
      });
      return;
    }
    send(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    authorityHost: base,
    requests,
    issued,
    get lifetimeSeconds() {
      return lifetimeSeconds;
    },
    set lifetimeSeconds(v: number) {
      lifetimeSeconds = v;
    },
    oidFor,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
