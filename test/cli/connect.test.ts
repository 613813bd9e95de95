/**
 * `layered-config check --connect` with SignalR endpoints, run as the built binary: identity-based
 * endpoints get one Entra key exchange against the emulator (the real ManagedIdentityCredential via
 * the fake App Service identity endpoint), access-key endpoints one health probe. The child process
 * trusts the test CA through NODE_EXTRA_CA_CERTS, as a user with a private CA would.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSignalREmulator, type SignalREmulator } from '../emulators/signalr.js';
import { useFakeIdentityEndpoint } from '../support/identity.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const bin = path.join(repo, 'bin/layered-config.js');
const fake = useFakeIdentityEndpoint();

let dir: string;
let ok: SignalREmulator;
let denied: SignalREmulator;
let keyed: SignalREmulator;
let down: SignalREmulator;

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      {
        env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), NODE_EXTRA_CA_CERTS: path.join(dir, 'ca.pem'), ...fake.endpoint.env() },
        cwd: dir,
      },
      (error, stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  [ok, denied, keyed, down] = await Promise.all([
    startSignalREmulator({ allowAccessKeys: false }),
    startSignalREmulator({ allowAccessKeys: false }),
    startSignalREmulator(),
    startSignalREmulator({ allowAccessKeys: false }),
  ]);
  dir = mkdtempSync(path.join(os.tmpdir(), 'lc-connect-'));
  writeFileSync(path.join(dir, 'ca.pem'), ok.ca);
});
afterAll(async () => {
  await Promise.all([ok, denied, keyed, down].map((e) => e?.stop()));
  rmSync(dir, { recursive: true, force: true });
});

describe('layered-config check --connect (SignalR)', () => {
  it('reports per endpoint: authorized, reachable, not authorized (role named), unreachable; exits 1 with typed errors', async () => {
    denied.failAccessKey(401);
    await down.takeDown();
    writeFileSync(
      path.join(dir, 'appsettings.json'),
      JSON.stringify({
        Azure: {
          SignalR: {
            ConnectionString: {
              ok: ok.connectionString('azure.msi'),
              denied: denied.connectionString('azure.msi'),
              keyed: keyed.connectionString('key'),
              down: down.connectionString('azure.msi'),
            },
          },
        },
      }),
    );
    const { code, stdout, stderr } = await run(['check', '--connect']);
    expect(code).toBe(1);
    const line = (name: string) => stdout.split('\n').find((l) => l.startsWith(`SignalR "${name}"`) && l.includes('connect:')) ?? '';
    expect(line('ok')).toMatch(/connect: reachable, authorized \(Microsoft Entra access key issued\)$/);
    expect(line('keyed')).toMatch(/connect: reachable \(health 200; access key not verified\)$/);
    expect(line('denied')).toMatch(/connect: reachable, not authorized \(401\): the identity needs the "SignalR App Server" role$/);
    expect(line('down')).toMatch(/connect: unreachable$/);
    expect(line('ok')).toContain("[Azure:SignalR:ConnectionString:ok from JsonConfigurationProvider for '");
    expect(stderr).toMatch(/error \[SIGNALR_ACCESS_KEY_UNAUTHORIZED\]: .*configuration key 'Azure:SignalR:ConnectionString:denied' from JsonConfigurationProvider/);
    expect(stderr).toMatch(/error \[SIGNALR_ACCESS_KEY_INACCESSIBLE\]: .*'Azure:SignalR:ConnectionString:down'.*ECONNREFUSED/);
    expect(stdout).not.toContain('configuration ok');
    // One exchange each for the two that answered, one health probe; no key, token or secret printed.
    expect([ok.counters.accessKey, denied.counters.accessKey, keyed.counters.health]).toEqual([1, 1, 1]);
    for (const secret of [keyed.accessKey, ok.keys.current().key, ...fake.endpoint.issued.map((t) => t.token)]) {
      expect(stdout + stderr).not.toContain(secret);
    }
  });

  it('exits 0 when every endpoint answers, and plain check makes no request', async () => {
    writeFileSync(
      path.join(dir, 'appsettings.json'),
      JSON.stringify({ Azure: { SignalR: { Endpoints: { east: { serviceUri: ok.endpoint, credential: 'managedidentity' } } } } }),
    );
    const before = ok.counters.accessKey;
    const plain = await run(['check']);
    expect(plain.code).toBe(0);
    expect(ok.counters.accessKey).toBe(before);
    const connected = await run(['check', '--connect']);
    expect(connected.stderr).toBe('');
    expect(connected.code).toBe(0);
    expect(connected.stdout).toMatch(/SignalR "east" primary https:\/\/127\.0\.0\.1:\d+ \[Azure:SignalR:Endpoints:east:serviceUri from .*\] connect: reachable, authorized/);
    expect(connected.stdout).toContain('configuration ok');
    expect(ok.counters.accessKey).toBe(before + 1);
  });
});
