/**
 * The start of a child process's ES module script that records every npm package the module loader
 * resolves: a loader hook posts each `node_modules/<package>` it sees to `seen` (a Set of names),
 * and `settle()` waits for the hook's messages to arrive. The script ends with `port1.close()`.
 * The lazy-import tests use it to prove a feature loads its dependencies only when used.
 */
const hook = `
  let port;
  export function initialize(data) { port = data.port; }
  export async function resolve(specifier, context, next) {
    const result = await next(specifier, context);
    const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(result.url);
    if (m) port.postMessage(m[1]);
    return result;
  }
`;

export const RECORD_RESOLVED_PACKAGES = `
  import { register } from 'node:module';
  import { MessageChannel } from 'node:worker_threads';
  const seen = new Set();
  const { port1, port2 } = new MessageChannel();
  port1.on('message', (name) => seen.add(name));
  register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}), { data: { port: port2 }, transferList: [port2] });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 200));
`;
