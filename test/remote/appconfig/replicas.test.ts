/**
 * Replicas: failover from the primary on 429, 503, timeouts and refused connections, back to the
 * primary after its back-off, load balancing, and SRV discovery through a fake resolver. Which
 * endpoint answered is read from each emulator endpoint's request log.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAppConfigurationEmulator, type AppConfigurationEmulator } from '../../emulators/appConfiguration.js';
import { discoverReplicas, isFailoverable, replicaBackoffMs, validDomain, type SrvRecord } from '../../../src/remote/appconfig/replicas.js';
import { RemoteProviderError } from '../../../src/core/errors.js';
import { buildRoot } from './helpers.js';
import type { AzureAppConfigurationOptions } from '../../../src/providers/azureAppConfiguration.js';

let emu: AppConfigurationEmulator;
beforeAll(async () => {
  emu = await startAppConfigurationEmulator({ replicas: 2, hostname: 'fleet.azconfig.io' });
});
afterAll(async () => emu.close());
beforeEach(async () => {
  for (const node of [emu, ...emu.replicas]) {
    node.faults.length = 0;
    await node.bringUp();
    node.catchUp();
  }
  emu.replaceAll([{ key: 'A', value: '1' }]);
  emu.resetAll();
});

const [primary, replica] = [() => emu, () => emu.replicas[0]!];
const served = (node: { requests: Array<{ status: number }> }) => node.requests.filter((r) => r.status === 200).length;

function replicaOptions(extra: Partial<AzureAppConfigurationOptions> = {}): AzureAppConfigurationOptions {
  return {
    connectionStrings: [emu.connectionString, emu.replicas[0]!.connectionString],
    clientOptions: emu.clientOptions,
    replicaBackoff: { minMs: 60_000 },
    ...extra,
  };
}

describe('failover to a replica', () => {
  it.each([
    ['429 with retry-after-ms beyond the hand-over wait', () => primary().faults.push(...Array.from({ length: 3 }, () => ({ status: 429 as const, retryAfterMs: 5_000 })))],
    ['503', () => primary().faults.push({ status: 503 }, { status: 503 })],
    ['refused connections', () => primary().takeDown('refuse')],
  ])('loads from the replica when the primary answers %s', async (_what, breakPrimary) => {
    await breakPrimary();
    const { root } = await buildRoot(replicaOptions());
    expect(root.get('A')).toBe('1');
    expect(served(replica())).toBe(1);
    expect(served(primary())).toBe(0);
    await root.dispose();
  });

  it('fails over when the primary never answers (request time box)', async () => {
    await primary().takeDown('hang');
    const { root } = await buildRoot(replicaOptions({ requestTimeoutMs: 300 }));
    expect(root.get('A')).toBe('1');
    expect(primary().requests.length).toBeGreaterThanOrEqual(1);
    expect(served(replica())).toBe(1);
    await root.dispose();
  });

  it('goes back to the primary once its back-off is over, and skips it until then', async () => {
    primary().faults.push({ status: 503 }, { status: 503 });
    const { root } = await buildRoot(replicaOptions({ replicaBackoff: { minMs: 400 } }));
    expect(served(replica())).toBe(1);
    emu.set({ key: 'A', value: '2' });
    await root.reload();
    // Still in back-off: the reload went to the replica without asking the primary.
    expect(root.get('A')).toBe('2');
    expect(primary().requests).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 450));
    emu.set({ key: 'A', value: '3' });
    await root.reload();
    expect(root.get('A')).toBe('3');
    expect(served(primary())).toBeGreaterThanOrEqual(1);
    await root.dispose();
  });

  it('does not fail over on a request error (400): that is the caller’s, not the endpoint’s', async () => {
    const error = (await buildRoot(replicaOptions({ selectors: [{ keyFilter: 'a*b' }], startupTimeoutMs: 5_000 })).catch((e: unknown) => e)) as RemoteProviderError;
    expect(error).toBeInstanceOf(RemoteProviderError);
    expect(error.statusCode).toBe(400);
    expect(replica().requests).toHaveLength(0);
  });

  it('takes endpoints with a credential too, and fails with the last error when all are down', async () => {
    await primary().takeDown('refuse');
    await replica().takeDown('unavailable');
    const error = (await buildRoot({
      endpoints: [emu.endpoint, replica().endpoint],
      credential: emu.credential,
      clientOptions: emu.clientOptions,
      startupTimeoutMs: 1_500,
    }).catch((e: unknown) => e)) as RemoteProviderError;
    expect(error.code).toBe('APP_CONFIGURATION_TIMEOUT');
    expect(error.message).toContain("store 'fleet.azconfig.io:");
    expect(replica().requests.every((r) => r.status === 503)).toBe(true);
    await replica().bringUp();
    const { root } = await buildRoot({ endpoints: [emu.endpoint, replica().endpoint], credential: emu.credential, clientOptions: emu.clientOptions });
    expect(root.get('A')).toBe('1');
    expect(replica().requests.at(-1)?.auth).toBe('bearer');
    await root.dispose();
  });
});

describe('load balancing', () => {
  it('starts each operation at the endpoint after the last one that answered', async () => {
    const { root } = await buildRoot(
      replicaOptions({ connectionStrings: [emu.connectionString, ...emu.replicas.map((r) => r.connectionString)], loadBalancing: true }),
    );
    for (let i = 0; i < 5; i++) await root.reload();
    // Six operations (a load and five checks) round-robin over three endpoints: two each.
    expect([emu, ...emu.replicas].map((n) => n.requests.length)).toEqual([2, 2, 2]);
    await root.dispose();
  });
});

describe('replica discovery by SRV records', () => {
  const port = (endpoint: string) => Number(new URL(endpoint).port);
  function fakeDns(): { resolveSrv(name: string): Promise<SrvRecord[]>; asked: string[] } {
    const asked: string[] = [];
    const zone: Record<string, SrvRecord[]> = {
      '_origin._tcp.fleet.azconfig.io': [{ name: 'fleet.azconfig.io', port: port(emu.endpoint), priority: 1, weight: 100 }],
      // a replica's host names the same origin
      '_origin._tcp.fleet-replica1.azconfig.io': [{ name: 'fleet.azconfig.io', port: port(emu.endpoint), priority: 1, weight: 100 }],
      '_alt0._tcp.fleet.azconfig.io': [
        { name: 'fleet-replica1.azconfig.io.', port: port(emu.replicas[0]!.endpoint), priority: 1, weight: 100 },
        // Outside the store's domain: never used.
        { name: 'attacker.example.com', port: 443, priority: 1, weight: 100 },
      ],
      '_alt1._tcp.fleet.azconfig.io': [{ name: 'fleet-replica2.azconfig.io', port: port(emu.replicas[1]!.endpoint), priority: 1, weight: 100 }],
    };
    return {
      asked,
      async resolveSrv(name) {
        asked.push(name);
        const records = zone[name];
        if (!records) throw Object.assign(new Error(`queryNotFound ${name}`), { code: 'ENOTFOUND' });
        return records;
      },
    };
  }

  it('walks _origin then _alt0, _alt1… until a name has no records, keeping targets in the store domain', async () => {
    const dns = fakeDns();
    const found = await discoverReplicas('fleet.azconfig.io:443', dns.resolveSrv, () => 0);
    expect(dns.asked).toEqual(['_origin._tcp.fleet.azconfig.io', '_alt0._tcp.fleet.azconfig.io', '_alt1._tcp.fleet.azconfig.io', '_alt2._tcp.fleet.azconfig.io']);
    // the origin is a target too (the configured endpoint is dropped from the targets by the replica set)
    const origin = `https://fleet.azconfig.io:${port(emu.endpoint)}`;
    expect(found.sort()).toEqual([origin, emu.replicas[0]!.endpoint, emu.replicas[1]!.endpoint].sort());
    // configured with a replica's endpoint, the origin is where it fails over to (both providers add it)
    expect(await discoverReplicas('fleet-replica1.azconfig.io', dns.resolveSrv, () => 0)).toContain(origin);
    expect(validDomain('contoso.azconfig.io')).toBe('.azconfig.io');
    expect(validDomain('contoso.appconfig.azure.cn')).toBe('.appconfig.azure.cn');
    expect(await discoverReplicas('127.0.0.1:8443', dns.resolveSrv)).toEqual([]);
  });

  it('uses discovered replicas when the configured endpoint is down (off by default)', async () => {
    await primary().takeDown('refuse');
    const dns = fakeDns();
    const off = (await buildRoot({ connectionString: emu.connectionString, clientOptions: emu.clientOptions, startupTimeoutMs: 800 }).catch((e: unknown) => e)) as RemoteProviderError;
    expect(off.code).toBe('APP_CONFIGURATION_TIMEOUT');
    const { root } = await buildRoot({ connectionString: emu.connectionString, clientOptions: emu.clientOptions, replicaDiscovery: dns });
    expect(root.get('A')).toBe('1');
    expect(served(emu.replicas[0]!) + served(emu.replicas[1]!)).toBe(1);
    // The replica accepted the primary's Id and Secret with its own endpoint.
    expect([...emu.replicas[0]!.requests, ...emu.replicas[1]!.requests].some((r) => r.auth === 'hmac')).toBe(true);
    await root.dispose();
  });
});

describe('failover rules', () => {
  it('fails over on 401, 403, 408, 429, 5xx and connection errors, not on other answers', () => {
    for (const statusCode of [401, 403, 408, 429, 500, 503]) expect(isFailoverable({ statusCode })).toBe(true);
    for (const statusCode of [400, 404, 412]) expect(isFailoverable({ statusCode })).toBe(false);
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND']) expect(isFailoverable({ code })).toBe(true);
    expect(isFailoverable(new TypeError('x'))).toBe(false);
  });

  it('backs a failed endpoint off 30 s, then doubling with ±25 % jitter up to 10 minutes', () => {
    expect(replicaBackoffMs(1)).toBe(30_000);
    expect(replicaBackoffMs(2, {}, () => 0)).toBe(45_000);
    expect(replicaBackoffMs(2, {}, () => 1)).toBe(75_000);
    expect(replicaBackoffMs(30, {}, () => 1)).toBe(600_000);
  });
});
