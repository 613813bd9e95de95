/**
 * Throttle-aware loading against quota-enforcing emulators: both header forms (Key Vault
 * `Retry-After` seconds, App Configuration `retry-after-ms`), at start-up and during refresh; every
 * throttled request retried and none duplicated; the in-flight limit converging, read from the
 * emulators' counters (never from timings).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SecretClient } from '@azure/keyvault-secrets';
import { ConfigurationBuilder } from '../../src/builder.js';
import { AzureKeyVaultProvider } from '../../src/providers/azureKeyVault.js';
import { startKeyVaultEmulator, type KeyVaultEmulator } from '../emulators/keyVault.js';
import { keyVaultReference, startAppConfigurationEmulator, type AppConfigurationEmulator } from '../emulators/appConfiguration.js';
import { buildRoot, hmacOptions } from './appconfig/helpers.js';

const SECRETS = 60;
let kv: KeyVaultEmulator;
let emu: AppConfigurationEmulator;
beforeAll(async () => {
  [kv, emu] = await Promise.all([startKeyVaultEmulator({ name: 'throttled' }), startAppConfigurationEmulator({ pageSize: 10 })]);
  for (let i = 0; i < SECRETS; i++) kv.setSecret(`Fleet--Key${i}`, `value-${i}`);
});
afterAll(async () => Promise.all([kv.close(), emu.close()]));
afterEach(() => {
  kv.setQuota(undefined);
  emu.setQuota(undefined);
  kv.clearFaults();
  emu.faults.length = 0;
});

/** Successful (200) gets per secret name, from the vault's request log. */
function acceptedGets(): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of kv.requests) if (r.kind === 'get' && r.status === 200) out.set(r.name!.toLowerCase(), (out.get(r.name!.toLowerCase()) ?? 0) + 1);
  return out;
}

async function loadVault(options: { maxConcurrency?: number } = {}) {
  const provider = new AzureKeyVaultProvider({
    vaultUrl: kv.vaultUrl,
    credential: kv.credential(),
    clientOptions: kv.clientOptions(),
    retry: { baseDelayMs: 20, maxDelayMs: 200 },
    ...options,
  });
  return new ConfigurationBuilder().add(provider).build();
}

describe('Key Vault start-up under a quota', () => {
  it('honours Retry-After seconds: every secret loaded, each fetched exactly once, no failed start', async () => {
    kv.resetCounters();
    kv.setQuota({ ratePerSecond: 100, burst: 10 });
    const root = await loadVault();
    expect(root.get('Fleet:Key59')).toBe('value-59');
    const gets = acceptedGets();
    expect(gets.size).toBe(SECRETS);
    expect([...gets.values()].every((n) => n === 1)).toBe(true);
    expect(kv.quota!.throttled).toBeGreaterThan(0);
    // Every throttled request came back once more and nothing else was sent: requests = accepted + throttled.
    expect(kv.requests.filter((r) => r.authorized).length).toBe(kv.quota!.accepted + kv.quota!.throttled);
    await root.dispose();
  });

  it('survives bare 429s (no Retry-After) beyond the fault retry budget', async () => {
    kv.resetCounters();
    kv.setQuota({ ratePerSecond: 40, burst: 5, retryAfter: 'none' });
    const root = await loadVault();
    expect(root.get('Fleet:Key0')).toBe('value-0');
    expect([...acceptedGets().values()].every((n) => n === 1)).toBe(true);
    expect(kv.quota!.throttled).toBeGreaterThan(5);
    await root.dispose();
  });

  it('converges on the vault rate: far fewer 429s than a fixed-width client of the same width', async () => {
    const quota = { ratePerSecond: 40, burst: 10 };
    kv.resetCounters();
    kv.setQuota(quota);
    const root = await loadVault({ maxConcurrency: 32 });
    const ours = { ...kv.quota! };
    await root.dispose();

    // The same work as a fixed 32-wide loop through the SDK's own retry (which honours Retry-After).
    kv.resetCounters();
    kv.setQuota(quota);
    const client = new SecretClient(kv.vaultUrl, kv.credential(), kv.clientOptions({ retryOptions: { maxRetries: 50 } }));
    const names = kv.names();
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < names.length) await client.getSecret(names[next++]!);
      }),
    );
    const fixed = { ...kv.quota! };
    expect(ours.accepted).toBeGreaterThanOrEqual(SECRETS);
    expect(fixed.throttled).toBeGreaterThan(SECRETS);
    expect(ours.throttled * 3).toBeLessThan(fixed.throttled);
  });
});

describe('App Configuration under a quota', () => {
  const settings = Array.from({ length: 50 }, (_, i) => ({ key: `App:K${String(i).padStart(2, '0')}`, value: `v${i}` }));

  it('honours retry-after-ms (429 and 503) at start-up: each page accepted once, nothing duplicated', async () => {
    emu.replaceAll(settings);
    for (const status of [429, 503] as const) {
      emu.resetStats();
      emu.setQuota({ ratePerSecond: 10, burst: 2, status });
      const { root } = await buildRoot(hmacOptions(emu));
      expect(root.get('App:K49')).toBe('v49');
      const accepted = emu.requests.filter((r) => r.route === 'list' && r.status === 200).map((r) => r.url);
      expect(accepted).toHaveLength(5);
      expect(new Set(accepted).size).toBe(5);
      expect(emu.quota!.throttled).toBeGreaterThan(0);
      expect(emu.stats.total).toBe(emu.quota!.accepted + emu.quota!.throttled);
      await root.dispose();
    }
  });

  it('honours retry-after-ms and Retry-After during refresh, and resolves references through a throttled vault', async () => {
    emu.replaceAll([...settings, keyVaultReference('App:Secret', kv.secretId('Fleet--Key1'))]);
    const { root } = await buildRoot(
      hmacOptions(emu, { refresh: { intervalMs: 60_000 }, keyVault: { credential: kv.credential(), clientOptions: kv.clientOptions() } }),
    );
    expect(root.get('App:Secret')).toBe('value-1');
    emu.set({ key: 'App:K00', value: 'changed' });
    emu.resetStats();
    kv.resetCounters();
    emu.faults.push({ status: 429, retryAfterMs: 30 }, { status: 429, retryAfterSeconds: 1 });
    kv.fault({ status: 429, retryAfterSeconds: 1, code: 'Throttled' }, { on: 'get' });
    await root.reload();
    expect(root.get('App:K00')).toBe('changed');
    expect(root.get('App:Secret')).toBe('value-1');
    expect(emu.stats.faults).toBe(2);
    expect(kv.counters.faults).toBe(1);
    expect(acceptedGets().get('fleet--key1')).toBe(1);
    await root.dispose();
  });
});
