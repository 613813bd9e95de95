/**
 * The harness itself: a difference fails with the seed and a shrunk case, a listed one passes, and
 * no secret value reaches a failure message, from our side or from the oracle's.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain, oracleStatus, redact, runArea, type AreaSpec } from './harness.js';
import { Oracle, type OracleAnswer } from './oracle.js';

const SECRET = 'pw-7f3a9c1e5b';

/** Stands in for the oracle: answers every case with its text doubled. */
const fakeOracle = {
  ask: async (c: Record<string, unknown>): Promise<OracleAnswer> => ({ text: `${String(c.text)}${String(c.text)}` }),
} as unknown as Oracle;

describe('the differential harness', () => {
  it('reports an unexplained difference with its seed and shrunk case, secrets redacted', async () => {
    const spec: AreaSpec<{ text: string }> = {
      area: 'redis',
      arbitrary: fc.record({ text: fc.constantFrom(`host,password=${SECRET}`, 'a', `x${SECRET}`) }),
      toOracle: (c) => ({ area: 'redis', text: c.text }),
      theirs: (a) => a.text,
      ours: (c) => c.text,
      secrets: () => [SECRET],
    };
    const result = await runArea(spec, fakeOracle, 50, 42);
    expect(result.failure).toContain('seed 42');
    expect(result.failure).toMatch(/npm run test:differential -- +--seed 42 --path "[\d:]+"/);
    expect(result.failure).toContain('Shrunk case');
    expect(result.failure).not.toContain(SECRET);
    expect(result.differences).toBe(1);
  });

  it('replays a printed seed and path straight to the same shrunk case', async () => {
    const spec: AreaSpec<{ n: number }> = {
      area: 'redis',
      arbitrary: fc.record({ n: fc.integer({ min: 0, max: 1000 }) }),
      toOracle: (c) => ({ text: String(c.n) }),
      theirs: (a) => Number(String(a.text).slice(0, String(a.text).length / 2)) < 500,
      ours: () => true,
      secrets: () => [],
    };
    const first = await runArea(spec, fakeOracle, 200, 7);
    const path = /--path "([\d:]+)"/.exec(first.failure ?? '')?.[1];
    expect(path).toBeDefined();
    process.env.LAYERED_CONFIG_DIFF_PATH = path;
    try {
      const replay = await runArea(spec, fakeOracle, 200, 7);
      expect(replay.cases).toBe(1);
      expect(replay.failure?.split('\n')[1]).toBe(first.failure?.split('\n')[1]);
    } finally {
      delete process.env.LAYERED_CONFIG_DIFF_PATH;
    }
  });

  it('counts equal answers and passes', async () => {
    const spec: AreaSpec<{ text: string }> = {
      area: 'redis',
      arbitrary: fc.record({ text: fc.constant('') }),
      toOracle: (c) => ({ text: c.text }),
      theirs: (a) => a.text,
      ours: () => '',
      secrets: () => [],
    };
    const result = await runArea(spec, fakeOracle, 20, 1);
    expect(result).toMatchObject({ cases: 20, differences: 0 });
    expect(result.failure).toBeUndefined();
  });

  it('explains a difference only through an entry of its own area', () => {
    const theirs = { endpoints: [{ name: 'west', type: 'primary', endpoint: 'https://x' }] };
    const ours = { endpoints: [{ name: 'east', type: 'primary', endpoint: 'https://x' }] };
    expect(explain('signalrEndpoints', {}, theirs, ours).map((d) => d.id)).toEqual(['signalr-duplicate-resource-name']);
    expect(explain('redis', {}, theirs, ours)).toEqual([]);
  });

  it('redacts longer secrets first', () => {
    expect(redact('a-secret-long a-secret', ['a-secret', 'a-secret-long'])).toBe('<secret> <secret>');
  });
});

const status = oracleStatus();
let oracle: Oracle | undefined;
describe.runIf(status.available)('the oracle', () => {
  beforeAll(async () => {
    if (status.available) oracle = await Oracle.start(status.dll);
  });
  afterAll(async () => oracle?.close());

  it('never answers with a declared secret, even inside .NET’s own error message', async () => {
    const answer = await oracle!.ask({ area: 'redis', text: `host,${SECRET}=1`, secrets: [SECRET] });
    expect(answer.error?.message).toContain('<secret>');
    expect(JSON.stringify(answer)).not.toContain(SECRET);
  });

  it('reports whether a password was set, never the password', async () => {
    const answer = await oracle!.ask({ area: 'redis', text: `host,password=${SECRET}` });
    expect(answer).toMatchObject({ hasPassword: true });
    expect(JSON.stringify(answer)).not.toContain(SECRET);
  });
});
