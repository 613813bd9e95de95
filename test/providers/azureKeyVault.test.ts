import { afterEach, describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { ConfigurationBuilder } from '../../src/builder.js';
import type { ConfigurationRoot } from '../../src/core/root.js';
import { AzureKeyVaultProvider, type AzureKeyVaultOptions } from '../../src/providers/azureKeyVault.js';
import { KeyVaultError } from '../../src/remote/keyvault/errors.js';
import { startKeyVaultEmulator, type KeyVaultEmulator } from '../emulators/keyVault.js';

/** Everything a test shows: errors, warnings, explain, debugView. Checked for secret values at the end. */
const shown: string[] = [];
const secretValues = new Set<string>();
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  const leaked = [...secretValues].filter((v) => shown.some((text) => text.includes(v)));
  shown.length = 0;
  secretValues.clear();
  expect(leaked).toEqual([]);
});

function secret(kv: KeyVaultEmulator, name: string, value: string, options?: Parameters<KeyVaultEmulator['setSecret']>[2]) {
  secretValues.add(value);
  return kv.setSecret(name, value, options);
}

function show(error: unknown): void {
  shown.push(String(error), inspect(error, { depth: 10 }), JSON.stringify(error) ?? '');
  if (error instanceof Error && error.cause) shown.push(String(error.cause));
}

async function emulator(options: Parameters<typeof startKeyVaultEmulator>[0] = {}): Promise<KeyVaultEmulator> {
  const kv = await startKeyVaultEmulator(options);
  cleanups.push(() => kv.close());
  return kv;
}

function provider(kv: KeyVaultEmulator, options: Partial<AzureKeyVaultOptions> = {}): AzureKeyVaultProvider {
  const warnings = { warn: (m: string) => shown.push(m) };
  const p = new AzureKeyVaultProvider({
    vaultUrl: kv.vaultUrl,
    credential: kv.credential(),
    clientOptions: kv.clientOptions(),
    retry: { baseDelayMs: 20, maxDelayMs: 200 },
    logger: warnings,
    ...options,
  });
  shown.push(inspect(p), JSON.stringify(p));
  return p;
}

async function build(p: AzureKeyVaultProvider, before: Record<string, string> = {}): Promise<ConfigurationRoot> {
  const root = await new ConfigurationBuilder().addInMemory(before).add(p).build();
  cleanups.push(() => root.dispose());
  return root;
}

function showRoot(root: ConfigurationRoot, keys: string[]): void {
  shown.push(root.debugView(), inspect(root, { depth: 6 }));
  for (const k of keys) shown.push(JSON.stringify(root.explain(k)) ?? '');
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('AzureKeyVaultProvider: mapping', () => {
  it('maps -- to : and marks every value secret with vault and secret name as provenance', async () => {
    const kv = await emulator();
    secret(kv, 'Db--Password', 'pa55-db');
    secret(kv, 'Azure--SignalR--ConnectionString', 'Endpoint=https://x.service.signalr.net;AccessKey=abc123;Version=1.0;');
    secret(kv, 'Plain', 'plain-value');
    const root = await build(provider(kv));
    expect(root.get('db:password')).toBe('pa55-db');
    expect(root.get('Azure:SignalR:ConnectionString')).toMatch(/^Endpoint=/);
    expect(root.get('Plain')).toBe('plain-value');
    expect(root.get('Db--Password')).toBeUndefined();
    expect(root.isSecret('Plain')).toBe(true);
    const origin = root.origin('Db:Password');
    expect(origin?.secret).toBe(true);
    expect(origin?.source).toContain(kv.vaultUrl);
    expect(origin?.source).toContain('Db--Password');
    expect(root.getSection('Db').getChildren().map((c) => c.key)).toEqual(['Password']);
    showRoot(root, ['Db:Password', 'Plain', 'Azure:SignalR:ConnectionString']);
    expect(root.debugView()).toContain('Db--Password');
  });

  it('skips disabled secrets without fetching them', async () => {
    const kv = await emulator();
    secret(kv, 'On', 'on-value');
    secret(kv, 'Off', 'off-value', { enabled: false });
    const root = await build(provider(kv));
    expect(root.get('On')).toBe('on-value');
    expect(root.get('Off')).toBeUndefined();
    expect(kv.requests.filter((r) => r.kind === 'get').map((r) => r.name)).toEqual(['On']);
    showRoot(root, ['On', 'Off']);
  });

  it('resolves key collisions by the later updatedOn, first listed on a tie', async () => {
    const kv = await emulator();
    const t = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s));
    secret(kv, 'App--Key', 'older', { updatedOn: t(10) });
    secret(kv, 'app--key-x', 'unrelated');
    const custom = {
      getKey: (s: { name: string }) => s.name.replace(/-x$/i, '').replaceAll('--', ':'),
    };
    secret(kv, 'App--Key-x', 'newer', { updatedOn: t(20) }); // same name folded as app--key-x: new version
    secret(kv, 'Tie--A', 'first-listed', { updatedOn: t(5) });
    secret(kv, 'Tie--B', 'second-listed', { updatedOn: t(5) });
    const tie = { getKey: (s: { name: string }) => (s.name.startsWith('Tie') ? 'Tie' : custom.getKey(s)) };
    const root = await build(provider(kv, { secretManager: tie }));
    expect(root.get('App:Key')).toBe('newer');
    expect(root.get('Tie')).toBe('first-listed');
    expect(root.origin('Tie')?.source).toContain('Tie--A');

    const kv2 = await emulator();
    secret(kv2, 'K1', 'dated-first', { updatedOn: t(30) });
    secret(kv2, 'K2', 'dated-later', { updatedOn: t(40) });
    secret(kv2, 'K3', 'undated', { updatedOn: null });
    const root2 = await build(provider(kv2, { secretManager: { getKey: () => 'Same' } }));
    expect(root2.get('Same')).toBe('dated-later');
    showRoot(root, ['App:Key', 'Tie']);
    showRoot(root2, ['Same']);
  });

  it('applies the secret manager filter and key mapper', async () => {
    const kv = await emulator();
    secret(kv, 'MyApp--Db--Password', 'mine');
    secret(kv, 'Other--Db--Password', 'theirs');
    const root = await build(
      provider(kv, {
        secretManager: {
          load: (p) => p.name.startsWith('MyApp--'),
          getKey: (s) => s.name.slice('MyApp--'.length).replaceAll('--', ':'),
        },
      }),
    );
    expect(root.get('Db:Password')).toBe('mine');
    expect([...root.entries()].map(([k]) => k)).not.toContain('Other:Db:Password');
    expect(kv.counters.get).toBe(1);
    showRoot(root, ['Db:Password']);
  });

  it('keeps the key as first spelled when a newer secret wins a collision (a case-insensitive dictionary, as .NET)', async () => {
    const kv = await emulator();
    const t = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s));
    secret(kv, 'A', 'older', { updatedOn: t(10) });
    secret(kv, 'B', 'newer', { updatedOn: t(20) });
    const root = await build(provider(kv, { secretManager: { getKey: (s) => (s.name === 'A' ? 'key' : 'KEY') } }));
    expect([...root.entries()]).toEqual([['key', 'newer']]);
    expect(root.origin('key')?.source).toContain('/secrets/B');
  });

  it('lets the secret manager expand secrets into several keys with getData (CanCustomizeSecretTransformation)', async () => {
    const kv = await emulator();
    secret(kv, 'Json1', JSON.stringify({ innerKey1: 'innerValue1', innerKey2: 'innerValue2' }));
    secret(kv, 'Json2', JSON.stringify({ innerKey3: 'innerValue3' }));
    const root = await build(
      provider(kv, {
        secretManager: {
          getData: (secrets) => secrets.flatMap((s) => Object.entries(JSON.parse(s.value ?? '{}') as Record<string, string>)),
        },
      }),
    );
    expect(['innerKey1', 'innerKey2', 'innerKey3'].map((k) => root.get(k))).toEqual(['innerValue1', 'innerValue2', 'innerValue3']);
    expect(root.isSecret('innerKey1')).toBe(true);
    expect(root.get('Json1')).toBeUndefined();
    // a failing getData names the vault, never a value
    const throwing = () => {
      throw new Error('innerValue1');
    };
    const failing = (await build(provider(kv, { secretManager: { getData: throwing } })).catch((e: unknown) => e)) as Error;
    expect(failing.message).toContain("the secret manager's getData failed");
    expect(`${failing.message}${String(failing.cause)}`).not.toContain('innerValue1');
  });

  it('lists several pages and fetches never more than maxConcurrency at once', async () => {
    const kv = await emulator({ latencyMs: 15 });
    for (let i = 0; i < 80; i++) secret(kv, `Item--${String(i).padStart(3, '0')}`, `value-${i}-${i * 7919}`);
    const root = await build(provider(kv, { maxConcurrency: 5 }));
    expect(root.getSection('Item').getChildren()).toHaveLength(80);
    expect(root.get('Item:079')).toBe(`value-79-${79 * 7919}`);
    expect(kv.counters.list).toBe(4);
    expect(kv.counters.peakConcurrentGets).toBe(5);
    // Fetches start while later pages are listing: some get is answered before the last list page.
    const firstGet = kv.requests.findIndex((r) => r.kind === 'get' && r.status === 200);
    const lastList = kv.requests.map((r) => r.kind).lastIndexOf('list');
    expect(firstGet).toBeLessThan(lastList);
    showRoot(root, ['Item:000']);
  });

  it('stops listing when a fetch fails, and leaves no request running once the load has failed', async () => {
    const kv = await emulator({ latencyMs: 20 });
    for (let i = 0; i < 250; i++) secret(kv, `Item--${String(i).padStart(3, '0')}`, `listed-value-${i}`);
    kv.fault({ status: 403, code: 'Forbidden', message: 'No get permission.' }, { on: (r) => r.name === 'Item--003', times: Infinity });
    const error = await build(provider(kv)).catch((e: unknown) => e);
    show(error);
    expect(error).toMatchObject({ code: 'KEY_VAULT_FORBIDDEN', statusCode: 403, secretName: 'Item--003' });
    // The next page is requested before a page's fetches start, so one more page may have been
    // asked for when the 403 arrived; the load waits for it rather than leaving it in flight.
    expect(kv.counters.inFlight).toBe(0);
    expect(kv.counters.list).toBeLessThan(10);
  });

  it('pays one 401 challenge for the whole load, not one per parallel fetch', async () => {
    const kv = await emulator({ latencyMs: 10 });
    for (let i = 0; i < 40; i++) secret(kv, `S${i}`, `challenge-value-${i}`);
    const credential = kv.credential();
    const root = await build(provider(kv, { credential }));
    expect(root.get('S39')).toBe('challenge-value-39');
    expect(kv.counters.unauthorized).toBe(1);
    expect(kv.requests[0]).toMatchObject({ kind: 'list', status: 401, authorized: false });
    expect(credential.calls[0]).toEqual({ scopes: ['https://vault.azure.net/.default'], tenantId: kv.tenantId });
    expect(kv.counters.peakConcurrentGets).toBeGreaterThan(1);
  });
});

describe('AzureKeyVaultProvider: reload', () => {
  it('polls, refetches only changed secrets, drops deleted ones and fires onChange', async () => {
    const kv = await emulator();
    secret(kv, 'Keep', 'keep-1');
    secret(kv, 'Change', 'change-1');
    secret(kv, 'Gone', 'gone-1');
    const root = await build(provider(kv, { reloadIntervalMs: 100 }));
    let changes = 0;
    root.onChange(() => changes++);
    expect(root.get('Change')).toBe('change-1');

    await until(() => kv.counters.list >= 3, 'two unchanged polls');
    expect(changes).toBe(0);
    expect(kv.counters.get).toBe(3);

    kv.resetCounters();
    secret(kv, 'Change', 'change-2');
    kv.deleteSecret('Gone');
    await until(() => changes > 0, 'onChange');
    expect(root.get('Change')).toBe('change-2');
    expect(root.get('Gone')).toBeUndefined();
    expect(root.get('Keep')).toBe('keep-1');
    expect(kv.requests.filter((r) => r.kind === 'get').map((r) => r.name)).toEqual(['Change']);
    showRoot(root, ['Change', 'Keep']);
  });

  it('keeps the last good data and reports a failed poll through onError', async () => {
    const kv = await emulator();
    secret(kv, 'Stable', 'stable-1');
    const root = await build(provider(kv, { reloadIntervalMs: 100, retry: { maxRetries: 0 } }));
    const errors: unknown[] = [];
    root.onError((e) => errors.push(e));
    kv.fault({ status: 403, code: 'Forbidden', message: 'Caller is not authorized.' }, { on: 'list', times: Infinity });
    secret(kv, 'Stable', 'stable-2');
    await until(() => errors.length > 0, 'onError');
    expect(root.get('Stable')).toBe('stable-1');
    expect(errors[0]).toBeInstanceOf(KeyVaultError);
    expect((errors[0] as KeyVaultError).statusCode).toBe(403);
    errors.forEach(show);
    kv.clearFaults();
    await until(() => root.get('Stable') === 'stable-2', 'recovery');
  });

  it('refuses a vaultUrl that is not an absolute https URL without echoing a password written in it', () => {
    for (const vaultUrl of ['ftp://user:hunter2-pass@myvault.vault.azure.net', 'user:hunter2-pass@myvault.vault.azure.net', 'https://user:hunter2-pass@my vault']) {
      let error: unknown;
      try {
        new AzureKeyVaultProvider({ vaultUrl, credential: { getToken: async () => null } });
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ code: 'KEY_VAULT_OPTIONS' });
      const shown = `${(error as Error).message} ${inspect(error, { depth: 5 })} ${JSON.stringify(error)}`;
      expect((error as Error).message).toMatch(/vaultUrl '.*' is not an absolute https URL/);
      expect(shown).not.toContain('hunter2-pass');
    }
  });

  it('reload() picks up changes on demand and rejects a non-positive interval', async () => {
    const kv = await emulator();
    secret(kv, 'A', 'a-1');
    const root = await build(provider(kv));
    secret(kv, 'A', 'a-2');
    await root.reload();
    expect(root.get('A')).toBe('a-2');
    expect(() => provider(kv, { reloadIntervalMs: 0 })).toThrow(/ReloadInterval must be positive/);
    expect(() => provider(kv, { reloadIntervalMs: -5 })).toThrowError(expect.objectContaining({ code: 'KEY_VAULT_OPTIONS' }));
  });

  it('loads after a start-up jitter, jitters only the first load, and refuses a negative jitter', async () => {
    const kv = await emulator();
    secret(kv, 'A', 'jitter-1');
    const root = await build(provider(kv, { startupJitterMs: 20 }));
    expect(root.get('A')).toBe('jitter-1');
    secret(kv, 'A', 'jitter-2');
    await root.reload();
    expect(root.get('A')).toBe('jitter-2');
    expect(kv.counters.list).toBe(2);
    expect(() => provider(kv, { startupJitterMs: -1 })).toThrowError(expect.objectContaining({ code: 'KEY_VAULT_OPTIONS' }));
  });

  it('refuses an interval Node cannot time (it would poll every millisecond) and accepts an unbounded start-up time box', async () => {
    const kv = await emulator();
    secret(kv, 'A', 'timer-1');
    expect(() => provider(kv, { reloadIntervalMs: 2 ** 31 })).toThrowError(expect.objectContaining({ code: 'KEY_VAULT_OPTIONS' }));
    expect(() => provider(kv, { reloadIntervalMs: Number.POSITIVE_INFINITY })).toThrow(/at most 2147483647 ms/);
    const root = await build(provider(kv, { startupTimeoutMs: Number.POSITIVE_INFINITY }));
    expect(root.get('A')).toBe('timer-1');
  });

  it('versions a poll when its read starts, before any request, and reports its data with that version', async () => {
    const kv = await emulator();
    secret(kv, 'A', 'versioned-1');
    const p = provider(kv, { reloadIntervalMs: 100 });
    await p.load();
    secret(kv, 'A', 'versioned-2');
    kv.resetCounters();
    // A root's sink hands out increasing versions; requests seen when each was taken tell us it came first.
    const requestsWhenStarted: number[] = [];
    const updates: Array<{ value: string | null | undefined; version: number | undefined }> = [];
    const stop = p.watch({
      readStarted: () => requestsWhenStarted.push(kv.counters.list + kv.counters.get) + 100,
      update: (data, version) => void updates.push({ value: data.get('a')?.value, version }),
      error: (e) => {
        throw e;
      },
    });
    await until(() => updates.length > 0, 'a poll that sees the change');
    stop();
    expect(updates[0]).toEqual({ value: 'versioned-2', version: 101 });
    expect(requestsWhenStarted[0]).toBe(0);
    await p.dispose();
  });

  it('never runs two loads at once: a reload waits for a poll (or reload) already in flight', async () => {
    const kv = await emulator();
    secret(kv, 'A', 'serial-1');
    const p = provider(kv);
    await p.load();
    kv.resetCounters();
    kv.fault({ delayMs: 400 }, { on: 'list', times: 1 });
    const first = p.load();
    const second = p.load();
    await new Promise((r) => setTimeout(r, 200));
    // Overlapping loads would both be listing now, each from the same old cache.
    expect(kv.counters.list).toBe(1);
    await Promise.all([first, second]);
    expect(kv.counters.list).toBe(2);
    await p.dispose();
  });

  it('dispose() cancels a load in flight instead of leaving it (and its time-box timer) running', async () => {
    const kv = await emulator();
    secret(kv, 'A', 'dispose-1');
    const p = provider(kv, { retry: { maxRetries: 0 } });
    await p.load();
    kv.fault({ delayMs: 3_000 }, { on: 'list', times: 1 });
    const pending = p.load().catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await p.dispose();
    const error = await pending;
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(error).toMatchObject({ code: 'DISPOSED' });
    await expect(p.load()).rejects.toMatchObject({ code: 'DISPOSED' });
    show(error);
  });
});

describe('AzureKeyVaultProvider: faults', () => {
  it('survives 429 with and without Retry-After, 503 and a dropped connection mid-load', async () => {
    const kv = await emulator();
    for (let i = 0; i < 30; i++) secret(kv, `F${i}`, `fault-value-${i}`);
    kv.fault({ status: 429, retryAfterSeconds: 1 }, { on: 'list' });
    kv.fault({ status: 429 }, { on: 'get', times: 3 });
    kv.fault({ status: 503 }, { on: 'get', times: 2 });
    kv.fault({ drop: 'mid-body' }, { on: 'get' });
    kv.fault({ drop: 'before' }, { on: (r) => r.kind === 'list' && r.query.includes('skiptoken') });
    const retries: number[] = [];
    const started = Date.now();
    const root = await build(provider(kv, { retry: { baseDelayMs: 20, maxDelayMs: 200, onRetry: (i) => retries.push(i.delayMs) } }));
    expect(root.getChildren()).toHaveLength(30);
    expect(root.get('F29')).toBe('fault-value-29');
    expect(kv.counters.faults).toBe(8);
    // The Retry-After of the first 429 was honoured (1 s), the bare ones backed off briefly.
    expect(retries).toContain(1000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    showRoot(root, ['F0']);
  });

  it('fails on a 403 naming the status and the secret, not a timeout', async () => {
    const kv = await emulator();
    secret(kv, 'Fine', 'fine-value');
    secret(kv, 'Locked--Down', 'locked-value');
    kv.fault({ status: 403, code: 'Forbidden', message: 'The user does not have secrets get permission.' }, { on: (r) => r.name === 'Locked--Down', times: Infinity });
    const error = await build(provider(kv)).catch((e: unknown) => e);
    show(error);
    expect(error).toBeInstanceOf(KeyVaultError);
    expect(error).toMatchObject({ code: 'KEY_VAULT_FORBIDDEN', statusCode: 403, secretName: 'Locked--Down', vaultUrl: kv.vaultUrl });
    expect(String((error as Error).message)).toMatch(/403/);
    expect(String((error as Error).message)).toContain("'Locked--Down'");
    expect(String((error as Error).message)).toContain(kv.vaultUrl);
    expect(String((error as Error).message)).not.toMatch(/timeout|did not finish/i);
  });

  it('times out a vault that keeps failing, with the real last cause', async () => {
    const kv = await emulator();
    secret(kv, 'X', 'x-value');
    kv.fault({ status: 503, message: 'Vault is busy.' }, { on: 'list', times: Infinity });
    const started = Date.now();
    const error = await build(provider(kv, { startupTimeoutMs: 600, retry: { baseDelayMs: 50, maxDelayMs: 100, maxRetries: 1000 } })).catch((e: unknown) => e);
    show(error);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error).toMatchObject({ code: 'KEY_VAULT_TIMEOUT', statusCode: 503 });
    expect((error as Error).message).toMatch(/600 ms.*503/);
  });

  it('optional: a failing vault becomes a redacted warning and an empty layer', async () => {
    const kv = await emulator();
    secret(kv, 'Hidden', 'hidden-value');
    kv.fault({ status: 403, message: 'Forbidden by policy.' }, { on: 'list', times: Infinity });
    const warnings: string[] = [];
    const p = provider(kv, { optional: true, logger: { warn: (m) => warnings.push(m) } });
    const root = await build(p, { Hidden: 'local' });
    expect(root.get('Hidden')).toBe('local');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(kv.vaultUrl);
    expect(warnings[0]).toMatch(/403/);
    shown.push(...warnings);
    showRoot(root, ['Hidden']);
  });

  it('a fetch that fails after others succeeded never shows their values', async () => {
    const kv = await emulator();
    secret(kv, 'Good', 'the-good-value');
    secret(kv, 'Bad', 'the-bad-value');
    kv.fault({ status: 404, code: 'SecretNotFound', message: 'echo the-good-value here' }, { on: (r) => r.name === 'Bad', times: Infinity });
    const error = await build(provider(kv, { maxConcurrency: 1 })).catch((e: unknown) => e);
    show(error);
    expect(error).toMatchObject({ code: 'KEY_VAULT_SECRET_NOT_FOUND', secretName: 'Bad' });
  });
});
