import { afterEach, beforeEach } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProviderData, ProviderWatchSink } from '../../src/core/provider.js';

/** `[key, value]` pairs of a provider's data, in its order. */
export function pairsOf(data: ProviderData): Array<[string, string | null]> {
  return [...data.values()].map((e) => [e.key, e.value]);
}

export function valueOf(data: ProviderData, key: string): string | null | undefined {
  return data.get(key.toLowerCase())?.value;
}

async function makeTempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'layered-config-providers-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * A fresh temporary directory for each test of the calling file, removed after it, and a list of
 * watcher stops run after each test: `const tmp = useTempDirPerTest()`, then `tmp.dir`, `tmp.stops.push(stop)`.
 */
export function useTempDirPerTest(): { readonly dir: string; readonly stops: Array<() => void> } {
  let dir = '';
  let cleanup = async (): Promise<void> => {};
  const stops: Array<() => void> = [];
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir());
  });
  afterEach(async () => {
    for (const stop of stops.splice(0)) stop();
    await cleanup();
  });
  return {
    get dir() {
      return dir;
    },
    stops,
  };
}

/** Waits for `condition` to hold, checking every 20 ms, failing after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A sink that records what a watching provider reports. */
export function recordingSink(): ProviderWatchSink & { updates: ProviderData[]; errors: unknown[] } {
  const updates: ProviderData[] = [];
  const errors: unknown[] = [];
  return {
    updates,
    errors,
    update: (data) => void updates.push(data),
    error: (err) => void errors.push(err),
  };
}
