import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { providerData, type ProviderData } from '../../src/core/provider.js';
import { watchAndReload } from '../../src/providers/fileWatch.js';
import { useTempDirPerTest, waitFor } from './helpers.js';

const tmp = useTempDirPerTest();

describe('watchAndReload', () => {
  it('asks the sink for a version before reading and reports the data with it', async () => {
    const file = join(tmp.dir, 'a.json');
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
    tmp.stops.push(watchAndReload(file, reload, sink, 20));
    await writeFile(file, '{"A": "x"}');
    await waitFor(() => updates.length > 0, 'the reload');
    expect(steps.slice(0, 2)).toEqual(['readStarted', 'read']);
    expect(updates[0]!.version).toBe(1);
  });
});
