/**
 * A throwaway certificate authority and a server certificate it signs, generated at test time so
 * no key material lives in the repository. Cached per process: generation costs a few hundred ms.
 */
import https from 'node:https';
import { generate } from 'selfsigned';

export interface TestCertificates {
  /** The CA certificate to trust (https.Agent `ca`, or NODE_EXTRA_CA_CERTS). */
  caPem: string;
  /** The server certificate, signed by the CA. */
  certPem: string;
  /** The server certificate's private key. */
  keyPem: string;
}

/** Host names the server certificate is valid for: loopback plus the Azure domains the emulators stand in for. */
export const TEST_CERT_DNS_NAMES = [
  'localhost',
  '*.vault.azure.net',
  '*.azconfig.io',
  '*.redis.cache.windows.net',
] as const;

let cached: Promise<TestCertificates> | undefined;

export function testCertificates(): Promise<TestCertificates> {
  cached ??= create().catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

async function create(): Promise<TestCertificates> {
  const notBeforeDate = new Date(Date.now() - 60 * 60 * 1000);
  const notAfterDate = new Date(Date.now() + 7 * 24 * 60 * 60 * 1000);
  const ca = await generate([{ name: 'commonName', value: 'layered-config test CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          ...TEST_CERT_DNS_NAMES.map((value) => ({ type: 2 as const, value })),
          { type: 7 as const, ip: '127.0.0.1' },
          { type: 7 as const, ip: '::1' },
        ],
      },
    ],
  });
  return { caPem: ca.cert, certPem: server.cert, keyPem: server.private };
}

/** An agent trusting only the test CA, for SDK `clientOptions` (`agent` / `proxyOptions`-free). */
export function trustingAgent(caPem: string, options: https.AgentOptions = {}): https.Agent {
  return new https.Agent({ ...options, ca: caPem, keepAlive: options.keepAlive ?? true });
}
