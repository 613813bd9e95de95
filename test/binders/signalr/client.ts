/**
 * The real `@microsoft/signalr` client in Node, made to trust the test CA through its own extension
 * points (`httpClient` for negotiate, `WebSocket` for the socket) instead of turning TLS verification
 * off for the process. Everything else — negotiate redirects, access-token handling, the JSON hub
 * protocol — is the unmodified client.
 */
import http from 'node:http';
import https from 'node:https';
import { WebSocket as WsWebSocket, type ClientOptions } from 'ws';
import {
  AbortError,
  HttpClient,
  HttpError,
  HttpResponse,
  HubConnectionBuilder,
  LogLevel,
  type HttpRequest,
  type HubConnection,
  type IHttpConnectionOptions,
} from '@microsoft/signalr';

/** Negotiate (and any other HTTP) over node:http / node:https, the latter with an agent that trusts `ca`. */
export class TrustingHttpClient extends HttpClient {
  readonly agent: https.Agent;
  /** Every request URL, for assertions (negotiate hops). */
  readonly requests: string[] = [];
  constructor(ca: string) {
    super();
    this.agent = new https.Agent({ ca, keepAlive: false });
  }
  override send(request: HttpRequest): Promise<HttpResponse> {
    const url = request.url!;
    this.requests.push(url);
    return new Promise((resolve, reject) => {
      if (request.abortSignal?.aborted) return reject(new AbortError());
      // The app server's negotiate may be plain http; the service is https with the test CA.
      const secure = url.startsWith('https:');
      const req = (secure ? https : http).request(
        url,
        { method: request.method, headers: { ...(request.headers ?? {}) }, ...(secure ? { agent: this.agent } : {}) },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (body += d));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) reject(new HttpError(body || (res.statusMessage ?? ''), status));
            else resolve(new HttpResponse(status, res.statusMessage ?? '', body));
          });
        },
      );
      req.on('error', reject);
      if (request.abortSignal) request.abortSignal.onabort = () => req.destroy(new AbortError());
      if (typeof request.content === 'string' && request.content !== '') req.end(request.content);
      else req.end();
    });
  }
  override getCookieString(): string {
    return '';
  }
}

/** A `ws` WebSocket class that trusts `ca`; the client constructs it as `new C(url, undefined, { headers })`. */
export function trustingWebSocket(ca: string): typeof WsWebSocket {
  return class extends WsWebSocket {
    constructor(url: string, protocols?: string | string[], options: ClientOptions = {}) {
      super(url, protocols, { ...options, ca });
    }
  } as typeof WsWebSocket;
}

/**
 * Connection options that make the real client trust the test CA. `WebSocket` is an option the
 * client reads (`HttpConnection`: "Platform.isNode && !options.WebSocket") but leaves out of its typings.
 */
export function hubConnectionOptions(
  ca: string,
  extra: IHttpConnectionOptions = {},
): IHttpConnectionOptions & { httpClient: TrustingHttpClient; WebSocket: unknown } {
  return { logger: LogLevel.None, ...extra, httpClient: new TrustingHttpClient(ca), WebSocket: trustingWebSocket(ca) };
}

/** A started HubConnection to `url` (an app server's hub URL, or the service URL with a token). */
export async function connectHub(
  url: string,
  ca: string,
  extra: IHttpConnectionOptions = {},
): Promise<{ connection: HubConnection; httpClient: TrustingHttpClient }> {
  const options = hubConnectionOptions(ca, extra);
  const connection = new HubConnectionBuilder().withUrl(url, options).configureLogging(LogLevel.None).build();
  await connection.start();
  return { connection, httpClient: options.httpClient };
}
