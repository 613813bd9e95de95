/**
 * A real redis-server (Debian's package) on a free loopback port, optionally TLS-only with the
 * test certificates, with `requirepass` and extra ACL users. Each test file starts its own and
 * stops it; the temporary directory (config, certificates) is removed on stop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createClient } from 'redis';
import { testCertificates } from './tls.js';

export interface RedisServerOptions {
  /** Serve TLS only (no plain port), with the test CA's server certificate. */
  tls?: boolean;
  /** `requirepass` for the default user. */
  password?: string;
  /** Extra ACL users: name → password(s). */
  users?: Record<string, string | string[]>;
}

export interface RedisServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly tls: boolean;
  /** The CA that signed the server certificate (TLS only). */
  readonly caPem?: string;
  /** Runs one command as the default user on a separate admin connection. */
  command(args: string[]): Promise<unknown>;
  /** Everything redis-server wrote to stdout/stderr (its log). */
  log(): string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'layered-config-redis-'));
  const port = await freePort();
  const lines = ['bind 127.0.0.1', `dir ${dir}`, 'save ""', 'appendonly no', 'daemonize no', 'protected-mode no', 'loglevel notice', 'logfile ""'];
  let caPem: string | undefined;
  if (options.tls) {
    const certs = await testCertificates();
    caPem = certs.caPem;
    writeFileSync(path.join(dir, 'server.crt'), certs.certPem);
    writeFileSync(path.join(dir, 'server.key'), certs.keyPem, { mode: 0o600 });
    writeFileSync(path.join(dir, 'ca.crt'), certs.caPem);
    lines.push('port 0', `tls-port ${port}`, `tls-cert-file ${dir}/server.crt`, `tls-key-file ${dir}/server.key`, `tls-ca-cert-file ${dir}/ca.crt`, 'tls-auth-clients no');
  } else {
    lines.push(`port ${port}`);
  }
  if (options.password !== undefined) lines.push(`requirepass "${options.password}"`);
  for (const [name, pw] of Object.entries(options.users ?? {})) {
    const passwords = (Array.isArray(pw) ? pw : [pw]).map((p) => `>${p}`).join(' ');
    lines.push(`user ${name} on ${passwords} ~* &* +@all`);
  }
  writeFileSync(path.join(dir, 'redis.conf'), `${lines.join('\n')}\n`, { mode: 0o600 });

  let output = '';
  const child: ChildProcess = spawn('redis-server', [path.join(dir, 'redis.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let exited = false;
  child.on('exit', () => (exited = true));
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  try {
    await waitFor(() => exited || /Ready to accept connections/.test(output), 20_000, 'redis-server to start');
    if (exited) throw new Error(`redis-server exited: ${output}`);
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  const admin = createClient({
    socket: options.tls ? { host: '127.0.0.1', port, tls: true, ca: caPem!, reconnectStrategy: false } : { host: '127.0.0.1', port, reconnectStrategy: false },
    ...(options.password !== undefined ? { password: options.password } : {}),
  });
  admin.on('error', () => {});
  let adminReady: Promise<unknown> | undefined;

  return {
    host: '127.0.0.1',
    port,
    tls: options.tls === true,
    ...(caPem ? { caPem } : {}),
    async command(args: string[]) {
      adminReady ??= admin.connect();
      await adminReady;
      return admin.sendCommand(args);
    },
    log: () => output,
    async stop() {
      // Let a connect or command still in flight settle first: destroy() would reject it with
      // "Disconnects client", and nobody would be left to catch that.
      await adminReady?.catch(() => {});
      if (admin.isOpen) await admin.close().catch(() => admin.destroy());
      if (!exited) {
        const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await done;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
