/**
 * Every secret the SignalR tests use, and a recorder for everything the library shows of them
 * (error messages, inspect and JSON forms, redacted lines). Each test file asserts in `afterAll`
 * that nothing recorded contains any of these secrets.
 */
import { inspect } from 'node:util';
import { expect, type RunnerTestFile, type RunnerTestSuite } from 'vitest';

/** The SDK tests' key. */
export const DEFAULT_KEY = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/** A distinctive key used where the SDK tests use short keys such as `bbb`. */
export const KEY_B = 'Zm9vYmFyLWJiYi1zaWduYWxyLWtleQ==x7Qp';
export const KEY_C = 'OPQRSTUVWXYZ0123456780ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456780';
export const CLIENT_SECRET = 'sp~Secret.0f9e8d7c6b5a4321_zz';
/** User info written into an endpoint URL (`https://URL_USER:URL_PASSWORD@host`). The password is also a valid-looking Version. */
export const URL_USER = 'svc-user-5d2a';
export const URL_PASSWORD = 'Pa55.word-in-url-9b7e';
export const SECRETS = [DEFAULT_KEY, KEY_B, KEY_C, CLIENT_SECRET, URL_USER, URL_PASSWORD];

const shown: string[] = [];

/** Records what a value shows of itself: inspect (also with hidden properties), JSON and string forms. */
export function recordShown(value: unknown): void {
  shown.push(inspect(value, { depth: 8 }), inspect(value, { depth: 8, showHidden: true }), JSON.stringify(value) ?? '', String(value));
}

/** Runs `fn`, expects it to throw, records the error (message, inspect, JSON) and returns it. */
export function captureError(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    recordError(err);
    return err as Error;
  }
  throw new Error('expected an error');
}

export async function captureErrorAsync(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    recordError(err);
    return err as Error;
  }
  throw new Error('expected an error');
}

export function recordError(err: unknown): void {
  shown.push(String((err as Error).message), inspect(err, { depth: 8 }), JSON.stringify(err) ?? '', String(err));
}

/** Whether every test below `suite` ran: a run filtered with `-t` marks the others skipped. */
function everyTestRan(suite: Readonly<RunnerTestSuite | RunnerTestFile>): boolean {
  return suite.tasks.every((task) => (task.type === 'suite' ? everyTestRan(task) : task.mode === 'run' || task.mode === 'only'));
}

/**
 * For `afterAll(({}, file) => expectNothingLeaked(extra, file))`: nothing recorded contains a secret.
 * When every test of the file ran, something must have been recorded, or the scan proved nothing;
 * a run filtered down to a test that records nothing (`vitest run file -t name`) is not a failure.
 */
export function expectNothingLeaked(extraSecrets: readonly string[] = [], file?: Readonly<RunnerTestSuite | RunnerTestFile>): void {
  if (file === undefined || everyTestRan(file)) expect(shown.length).toBeGreaterThan(0);
  for (const text of shown) {
    for (const secret of [...SECRETS, ...extraSecrets]) {
      expect(text.includes(secret), `leaked a secret in: ${text.slice(0, 300)}`).toBe(false);
    }
  }
}
