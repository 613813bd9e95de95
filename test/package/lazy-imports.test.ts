import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Cold start matters on serverless: importing the package must not load the Azure SDKs or the
 * Redis client. A child process imports the built package with a module hook that records every
 * package it resolves; the test reads that list.
 */
describe('importing the package', () => {
  it('loads no Azure SDK, Redis or identity module', () => {
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
    const script = `
      import { register } from 'node:module';
      import { MessageChannel } from 'node:worker_threads';
      const seen = new Set();
      const { port1, port2 } = new MessageChannel();
      port1.on('message', (name) => seen.add(name));
      register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}), { data: { port: port2 }, transferList: [port2] });
      const api = await import(${JSON.stringify(new URL('../../dist/index.js', import.meta.url).href)});
      if (typeof api.ConfigurationBuilder !== 'function' || typeof api.loadConfig !== 'function') process.exit(3);
      setTimeout(() => { port1.close(); process.stdout.write(JSON.stringify([...seen])); }, 200);
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    const loaded: string[] = JSON.parse(out);
    expect(loaded.filter((p) => p.startsWith('@azure/') || p === 'redis' || p.startsWith('@redis/'))).toEqual([]);
    // the hook did see packages, so an empty Azure list is meaningful
    expect(loaded).toContain('dotenv');
  });
});
