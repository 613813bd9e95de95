/**
 * Test helpers for the app-server service: a scripted HTTPS stand-in for one SignalR endpoint
 * (records every request, answers what the test scripts: status, headers, delay), and a
 * configuration provider whose data a test swaps before `reload()`.
 */
import https from 'node:https';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConfigurationProvider, ProviderData } from '../../../src/core/provider.js';
import { providerData } from '../../../src/core/provider.js';
import { testCertificates, trustingAgent } from '../../support/tls.js';

export interface RecordedRequest {
  method: string;
  url: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Hold the answer this long (for timeouts). */
  delayMs?: number;
}

export type Script = (req: RecordedRequest) => ScriptedAnswer | undefined;

export interface FakeService {
  readonly endpoint: string;
  readonly requests: RecordedRequest[];
  /** Answers in order for matching requests; falls back to `fallback` (default 202 for POST, 200 otherwise). */
  script: Script | undefined;
  connectionString(key: string, extra?: string): string;
  close(): Promise<void>;
}

export async function startFakeService(): Promise<FakeService> {
  const certs = await testCertificates();
  const requests: RecordedRequest[] = [];
  const held = new Set<http.ServerResponse>();
  const fake: FakeService = {
    endpoint: '',
    requests,
    script: undefined,
    connectionString: (key, extra = '') => `Endpoint=${fake.endpoint};AccessKey=${key};Version=1.0;${extra}`,
    close: async () => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = https.createServer({ cert: certs.certPem, key: certs.keyPem }, (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'https://127.0.0.1');
      const recorded: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, body };
      requests.push(recorded);
      const answer = fake.script?.(recorded) ?? { status: req.method === 'POST' ? 202 : 200 };
      const send = () => {
        held.delete(res);
        if (res.destroyed) return;
        res.writeHead(answer.status, answer.headers ?? {});
        res.end(req.method === 'HEAD' ? undefined : answer.body);
      };
      if (answer.delayMs) {
        held.add(res);
        setTimeout(send, answer.delayMs).unref();
      } else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (fake as { endpoint: string }).endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

/** Answers the next `n` matching requests with `answer`, then lets others through. */
export function times(n: number, match: (r: RecordedRequest) => boolean, answer: ScriptedAnswer): Script {
  let left = n;
  return (r) => {
    if (left > 0 && match(r)) {
      left--;
      return answer;
    }
    return undefined;
  };
}

export async function testAgent(): Promise<https.Agent> {
  return trustingAgent((await testCertificates()).caPem, { keepAlive: false });
}

/** A provider whose values a test replaces before calling `config.reload()`. */
export class SwappableProvider implements ConfigurationProvider {
  readonly name = 'SwappableProvider';
  #values: Record<string, string>;
  constructor(values: Record<string, string>) {
    this.#values = values;
  }
  set(values: Record<string, string>): void {
    this.#values = values;
  }
  async load(): Promise<ProviderData> {
    return providerData(Object.entries(this.#values).map(([key, value]) => ({ key, value, source: 'test' })));
  }
}
