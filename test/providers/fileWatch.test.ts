import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { providerData, type ProviderData } from '../../src/core/provider.js';
import { watchAndReload } from '../../src/providers/fileWatch.js';
import { makeTempDir, waitFor } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
const stops: Array<() => void> = [];

beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
});
afterEach(async () => {
  for (const stop of stops.splice(0)) stop();
  await cleanup();
});

describe('watchAndReload', () => {
  it('asks the sink for a version before reading and reports the data with it', async () => {
    const file = join(dir, 'a.json');
    await writeFile(file, '{}');
    const steps: string[] = [];
    const updates: Array<{ data: ProviderData; version: number | undefined }> = [];
    let versions = 0;
    const reload = async (): Promise<ProviderData> => {
      steps.push('read');
      return providerData([{ key: 'A', value: 'x' }]);
    };
    const sink = {
      readStarted: () => {
        steps.push('readStarted');
        return ++versions;
      },
      update: (data: ProviderData, version?: number) => void updates.push({ data, version }),
      error: (err: unknown) => {
        throw err;
      },
    };
    stops.push(watchAndReload(file, reload, sink, 20));
    await writeFile(file, '{"A": "x"}');
    await waitFor(() => updates.length > 0, 'the reload');
    expect(steps.slice(0, 2)).toEqual(['readStarted', 'read']);
    expect(updates[0]!.version).toBe(1);
  });
});
