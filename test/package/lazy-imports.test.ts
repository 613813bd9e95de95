import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RECORD_RESOLVED_PACKAGES } from '../support/resolvedPackages.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Cold start matters on serverless: importing the package must not load the Azure SDKs or the
 * Redis client. A child process imports the built package with a module hook that records every
 * package it resolves; the test reads that list.
 */
describe('importing the package', () => {
  it('loads no dependency at all: no Azure SDK, Redis, identity, convict, jose or dotenv module', () => {
    const script = `
      ${RECORD_RESOLVED_PACKAGES}
      const api = await import(${JSON.stringify(new URL('../../dist/index.js', import.meta.url).href)});
      if (typeof api.ConfigurationBuilder !== 'function' || typeof api.loadConfig !== 'function') process.exit(3);
      await settle();
      const atImport = [...seen];
      await import('jose');
      await settle();
      port1.close();
      process.stdout.write(JSON.stringify({ atImport, afterJose: [...seen] }));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    const { atImport, afterJose } = JSON.parse(out) as { atImport: string[]; afterJose: string[] };
    // Not even dotenv or convict: every dependency waits for the feature that needs it.
    expect(atImport).toEqual([]);
    // the hook does see packages, so the empty list is meaningful
    expect(afterJose).toContain('jose');
  });
});

describe('importing the built package', () => {
  it('loads none of the network, TLS or crypto builtins until a feature needs them', () => {
    const dist = new URL('../../dist/index.js', import.meta.url).href;
    const script = `
      const before = new Set(process.moduleLoadList);
      const api = await import(${JSON.stringify(dist)});
      const atImport = process.moduleLoadList.filter((m) => !before.has(m));
      api.fingerprint('x'); // the first hash loads node:crypto
      const afterHash = process.moduleLoadList.filter((m) => !before.has(m));
      process.stdout.write(JSON.stringify({ atImport, afterHash }));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    const { atImport, afterHash } = JSON.parse(out) as { atImport: string[]; afterHash: string[] };
    const heavy = ['NativeModule net', 'NativeModule http', 'NativeModule https', 'NativeModule tls', 'NativeModule crypto', 'NativeModule child_process'];
    expect(atImport.filter((m) => heavy.includes(m))).toEqual([]);
    expect(afterHash).toContain('NativeModule crypto');
  });
});

describe('builtins loaded on first use by the built package', () => {
  it('work as the real ones: HMAC signing, hashing, IP checks', async () => {
    const api = (await import(new URL('../../dist/index.js', import.meta.url).href)) as typeof import('../../src/index.js');
    const { createHash, createHmac } = await import('node:crypto');
    const accessKey = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg=';
    const connection = api.parseSignalRConnectionString(`Endpoint=https://demo.service.signalr.net;AccessKey=${accessKey};Version=1.0;`);
    const token = await api.generateAccessToken(connection, { audience: 'https://demo.service.signalr.net/api/hubs/chat' });
    const [header, payload, signature] = token.split('.');
    expect(createHmac('sha256', Buffer.from(accessKey, 'utf8')).update(`${header}.${payload}`).digest('base64url')).toBe(signature);

    expect(api.fingerprint('value')).toBe(createHash('sha256').update('value').digest('hex').slice(0, 8));

    const config = await new api.ConfigurationBuilder().addInMemory({ 'Net:Ip': '10.0.0.1', 'Bad:Ip': 'not-an-ip' }).build();
    expect(config.bind('Net', { Ip: { format: 'ipaddress', default: '' } })).toEqual({ Ip: '10.0.0.1' });
    expect(() => config.bind('Bad', { Ip: { format: 'ipaddress', default: '' } })).toThrow(/Bad:Ip/);
  });
});
