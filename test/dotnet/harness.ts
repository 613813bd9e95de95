/**
 * Runs one area of the differential suite: fast-check generates cases, the .NET oracle and our
 * code answer each, and every difference is either explained by an entry of the deliberate table
 * or fails the test with the seed, the shrunk case and both answers (secrets redacted).
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Oracle, type OracleAnswer } from './oracle.js';
import { DELIBERATE, type Area as AreaName, type DeliberateDifference } from './deliberate.js';

/** Cases per area: 2,000 by default; `npm run test:differential -- --cases N` raises it. */
export function caseCount(): number {
  const n = Number(process.env.LAYERED_CONFIG_DIFF_CASES || '');
  return Number.isInteger(n) && n > 0 ? n : 2000;
}

/** A seed from `--seed S` to replay a run, else a fresh one (printed on failure). */
export function runSeed(): number {
  const raw = process.env.LAYERED_CONFIG_DIFF_SEED;
  const s = Number(raw);
  return raw && Number.isInteger(s) ? s : (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
}

/** A counterexample path from a failure message (`--path P`), to replay exactly that case. */
export function runPath(): string | undefined {
  return process.env.LAYERED_CONFIG_DIFF_PATH || undefined;
}

export function oracleStatus() {
  return inject('dotnetOracle');
}

export interface AreaSpec<C> {
  area: AreaName;
  arbitrary: fc.Arbitrary<C>;
  /** The case as the oracle reads it (without id). */
  toOracle(c: C): Record<string, unknown>;
  /** .NET's answer, normalised to the shape `ours` returns. */
  theirs(answer: OracleAnswer, c: C): unknown;
  ours(c: C): Promise<unknown> | unknown;
  /** Values that must never be printed. */
  secrets(c: C): string[];
  /** Optional clean-up after a case (temporary directories). */
  after?(c: C): void;
  /** The test file, for the replay command printed on failure. */
  testFile?: string;
}

export interface AreaResult {
  cases: number;
  differences: number;
  deliberate: Map<string, number>;
  failure?: string;
}

export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length)) out = out.split(s).join('<secret>');
  return out;
}

/**
 * Which deliberate differences explain `theirs` ≠ `ours` for this case: one whose `explains` holds,
 * or the set of `normalize` steps that, applied in turn to .NET's answer, give ours. Empty: none.
 */
export function explain<C>(area: AreaName, c: C, theirs: unknown, ours: unknown): DeliberateDifference[] {
  const single = DELIBERATE.find((d) => d.area === area && d.explains?.(c, theirs, ours));
  if (single) return [single];
  let current = theirs;
  const used: DeliberateDifference[] = [];
  for (const d of DELIBERATE) {
    if (d.area !== area || !d.normalize) continue;
    const next = d.normalize(c, current, ours);
    if (!isDeepStrictEqual(next, current)) used.push(d);
    current = next;
  }
  return isDeepStrictEqual(current, ours) ? used : [];
}

export async function runArea<C>(spec: AreaSpec<C>, oracle: Oracle, numRuns = caseCount(), seed = runSeed()): Promise<AreaResult> {
  const result: AreaResult = { cases: 0, differences: 0, deliberate: new Map() };
  let shrinking = false;
  let last: { c: C; theirs: unknown; ours: unknown } | undefined;
  const property = fc.asyncProperty(spec.arbitrary, async (c) => {
    const secrets = spec.secrets(c);
    try {
      const answer = await oracle.ask({ ...spec.toOracle(c), secrets });
      if (answer.oracleError) throw new Error(`oracle failed: ${redact(answer.oracleError, secrets)}`);
      const theirs = spec.theirs(answer, c);
      const ours = await spec.ours(c);
      if (!shrinking) result.cases++;
      if (isDeepStrictEqual(theirs, ours)) return true;
      const why = explain(spec.area, c, theirs, ours);
      if (why.length > 0) {
        if (!shrinking) for (const d of why) result.deliberate.set(d.id, (result.deliberate.get(d.id) ?? 0) + 1);
        return true;
      }
      if (!shrinking) result.differences++;
      shrinking = true;
      last = { c, theirs, ours };
      return false;
    } finally {
      spec.after?.(c);
    }
  });
  const path = runPath();
  const details = await fc.check(property, { numRuns, seed, endOnFailure: false, verbose: 0, ...(path ? { path } : {}) });
  if (details.failed && last) {
    const secrets = spec.secrets(last.c);
    const show = (v: unknown) => redact(JSON.stringify(v), secrets);
    result.failure =
      `[differential] ${spec.area}: an unexplained difference (seed ${details.seed}, path "${details.counterexamplePath}", ` +
      `replay: npm run test:differential -- ${spec.testFile ?? ''} --seed ${details.seed} --path "${details.counterexamplePath}").\n` +
      `Shrunk case: ${show(last.c)}\n.NET: ${show(last.theirs)}\nours: ${show(last.ours)}`;
  } else if (details.failed) {
    result.failure = `[differential] ${spec.area}: failed (seed ${details.seed}): ${redact(String(details.errorInstance ?? ''), [])}`;
  }
  return result;
}

export function summary(area: string, r: AreaResult): string {
  const deliberate = [...r.deliberate.values()].reduce((a, b) => a + b, 0);
  const ids = [...r.deliberate.entries()].map(([id, n]) => `${id}×${n}`).join(', ');
  return `[differential] ${area}: ${r.cases} cases run, ${r.differences} differences found, ${deliberate} listed as deliberate${ids ? ` (${ids})` : ''}`;
}

/**
 * Declares one area's differential test: with the oracle, runs the generated cases and prints the
 * summary line; without it, one visible "not run" line (and every other test still runs).
 */
export function differentialSuite<C>(title: string, label: string, spec: AreaSpec<C>, testFile?: string): void {
  if (testFile) spec.testFile = testFile;
  const status = oracleStatus();
  if (!status.available) {
    it(`${label} differential: not run`, () => {
      console.log(`[differential] ${label}: NOT RUN (${status.reason.split('\n')[0]})`);
      expect(status.available).toBe(false);
    });
    return;
  }
  describe(title, () => {
    let oracle: Oracle | undefined;
    beforeAll(async () => {
      oracle = await Oracle.start(status.dll);
    });
    afterAll(async () => oracle?.close());

    it('gives .NET’s answer on generated inputs, or one the table of deliberate differences explains', { timeout: 600_000 }, async () => {
      const result = await runArea(spec, oracle!);
      console.log(summary(label, result));
      expect(result.failure, result.failure).toBeUndefined();
      expect(result.cases).toBeGreaterThan(0);
    });
  });
}
