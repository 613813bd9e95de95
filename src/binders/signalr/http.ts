/**
 * One HTTP(S) request with `node:http`/`node:https`, so callers can pass an `https.Agent` (a test
 * CA, a proxy agent, keep-alive) the way the Azure SDK clients take one. Bodies are small JSON
 * texts; responses are read whole and capped. A timeout covers the whole exchange.
 */
import http from 'node:http';
import https from 'node:https';

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  agent?: http.Agent;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** The request got no answer in time. `sent` says whether the request had been written out. */
export class HttpTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(readonly sent: boolean) {
    super('The request timed out.');
    this.name = 'HttpTimeoutError';
  }
}

const MAX_BODY = 64 * 1024;

export function httpRequest(request: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const url = new URL(request.url);
    const lib = url.protocol === 'https:' ? https : http;
    const headers: Record<string, string> = { ...request.headers };
    if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
    let sent = false;
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const req = lib.request(url, { method: request.method, headers, ...(request.agent ? { agent: request.agent } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < MAX_BODY) chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', () =>
        finish(() => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8').slice(0, MAX_BODY) })),
      );
      res.on('error', (err) => finish(() => reject(err)));
    });
    const timer = setTimeout(() => {
      finish(() => reject(new HttpTimeoutError(sent)));
      req.destroy();
    }, request.timeoutMs);
    const onAbort = () => {
      finish(() => reject(request.signal!.reason ?? Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' })));
      req.destroy();
    };
    if (request.signal?.aborted) {
      onAbort();
      return;
    }
    request.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err) => finish(() => reject(Object.assign(err, { sent }))));
    req.on('finish', () => {
      sent = true;
    });
    req.end(request.body);
  });
}
