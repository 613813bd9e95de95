/**
 * The Entra key exchange against the emulator, with the SDK's timings under fake timers: only
 * setTimeout/setInterval/Date are faked, so real loopback I/O still runs and `until()` waits for it
 * by turning the event loop, never by wall-clock sleeps.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { inspect } from 'node:util';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { startSignalREmulator, type SignalREmulator } from '../../emulators/signalr.js';
import { createServiceEndpoint, type ServiceEndpoint } from '../../../src/binders/signalr/endpoints.js';
import { generateAccessToken, negotiate } from '../../../src/binders/signalr/tokens.js';
import {
  ACCESS_KEY_EXPIRY_MS,
  ACCESS_KEY_REFRESH_MS,
  ACCESS_KEY_RETRY_WHEN_UNAVAILABLE_MS,
  accessKeyUrl,
  SignalRAccessKeyCache,
} from '../../../src/binders/signalr/accessKey.js';
import { SignalRAccessKeyError } from '../../../src/binders/signalr/errors.js';
import { parseSignalRConnectionString } from '../../../src/binders/signalr/connectionString.js';
import { captureErrorAsync, expectNothingLeaked, recordShown } from './leaks.js';

const MIN = 60_000;
let sr: SignalREmulator;
let cache: SignalRAccessKeyCache;

/** A credential that mints emulator-accepted tokens, or fails while `failing` is set; counts calls and remembers tokens. */
function switchableCredential(emulator: SignalREmulator): TokenCredential & { failing: boolean; calls: number; tokens: string[] } {
  const inner = emulator.credential();
  const c = {
    failing: false,
    calls: 0,
    tokens: [] as string[],
    async getToken(scopes: string | string[]): Promise<AccessToken> {
      c.calls++;
      if (c.failing) throw new Error('CredentialUnavailableError: no identity here');
      const t = (await inner.getToken(scopes))!;
      c.tokens.push(t.token);
      return t;
    },
  };
  return c;
}

/** Turns the event loop until `cond` holds (real I/O completes meanwhile); fails after 10 s of real time. */
async function until(cond: () => boolean, what: string): Promise<void> {
  const start = performance.now();
  while (!cond()) {
    if (performance.now() - start > 10_000) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

/** Lets pending I/O and promise chains run for a while without moving the fake clock. */
async function idle(turns = 200): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

function endpointFor(emulator: SignalREmulator): ServiceEndpoint {
  return createServiceEndpoint(emulator.connectionString('azure.msi'), { key: 'Azure:SignalR:ConnectionString', provider: 'Memory' });
}

beforeAll(async () => {
  sr = await startSignalREmulator({ allowAccessKeys: false });
});
afterAll(async () => {
  await sr.stop();
  expectNothingLeaked([sr.keys.current().key]);
});
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  cache = new SignalRAccessKeyCache();
  sr.failAccessKey(null);
});
afterEach(() => {
  cache.dispose();
  sr.failAccessKey(null);
  vi.useRealTimers();
});

describe('Entra key exchange', () => {
  it('builds the key URL as the SDK: ServerEndpoint path kept, default port dropped, no query', () => {
    // MicrosoftEntraAccessKeyTests.TestExpectedGetAccessKeyUrl
    const url = (cs: string) => accessKeyUrl(parseSignalRConnectionString(cs));
    expect(url('Endpoint=https://a.bc:443;AuthType=azure')).toBe('https://a.bc/api/v1/auth/accessKey');
    expect(url('Endpoint=https://a.bc:80;AuthType=azure')).toBe('https://a.bc:80/api/v1/auth/accessKey');
    expect(url('Endpoint=https://a.bc;AuthType=azure;ServerEndpoint=https://foo/bar')).toBe('https://foo/bar/api/v1/auth/accessKey');
  });

  it('waits for the first fetch, fetches once for concurrent callers and signs HS256 with kid = KeyId', async () => {
    const credential = switchableCredential(sr);
    const endpoint = endpointFor(sr);
    const before = sr.counters.accessKey;
    const tokens = await Promise.all(
      Array.from({ length: 5 }, () => generateAccessToken(endpoint, { hub: 'chat', credential, accessKeys: cache, agent: sr.agent })),
    );
    expect(sr.counters.accessKey - before).toBe(1);
    const { kid, key } = sr.keys.current();
    for (const token of tokens) {
      expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT', kid });
      await expect(jwtVerify(token, new TextEncoder().encode(key), { audience: 'https://127.0.0.1/client/?hub=chat' })).resolves.toBeTruthy();
    }
    // A second ServiceEndpoint object for the same resource and credential shares the key.
    await generateAccessToken(endpointFor(sr), { hub: 'chat', credential, accessKeys: cache, agent: sr.agent });
    expect(sr.counters.accessKey - before).toBe(1);
    expect(cache.size).toBe(1);
  });

  it('refreshes after 55 minutes (not before), and the next token carries the new kid', async () => {
    const credential = switchableCredential(sr);
    const endpoint = endpointFor(sr);
    const first = await negotiate(endpoint, 'chat', { credential, accessKeys: cache, agent: sr.agent });
    const oldKid = decodeProtectedHeader(first.accessToken).kid;
    const before = sr.counters.accessKey;
    const rotated = sr.keys.rotate();
    await vi.advanceTimersByTimeAsync(ACCESS_KEY_REFRESH_MS - MIN);
    await idle();
    expect(sr.counters.accessKey).toBe(before);
    expect(decodeProtectedHeader((await negotiate(endpoint, 'chat', { credential, accessKeys: cache, agent: sr.agent })).accessToken).kid).toBe(oldKid);
    await vi.advanceTimersByTimeAsync(MIN);
    await until(() => cache.keyFor(endpoint, { credential }).status().kid === rotated.kid, 'the refresh');
    expect(sr.counters.accessKey).toBe(before + 1);
    expect(decodeProtectedHeader((await negotiate(endpoint, 'chat', { credential, accessKeys: cache, agent: sr.agent })).accessToken).kid).toBe(rotated.kid);
  });

  it('a 401 tries 3 times 3 s apart, then fails typed (role named, key and provider) and issues no token; retried after 5 minutes', async () => {
    const credential = switchableCredential(sr);
    const endpoint = endpointFor(sr);
    sr.failAccessKey(401);
    const start = sr.counters.accessKey;
    let settled = false;
    const pending = captureErrorAsync(() => negotiate(endpoint, 'chat', { credential, accessKeys: cache, agent: sr.agent })).finally(() => (settled = true));
    await until(() => sr.counters.accessKey === start + 1, 'first attempt');
    await vi.advanceTimersByTimeAsync(2_999);
    await idle();
    expect(sr.counters.accessKey).toBe(start + 1);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => sr.counters.accessKey === start + 2, 'second attempt');
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(3_000);
    await until(() => settled, 'the failure');
    expect(sr.counters.accessKey).toBe(start + 3);

    const err = (await pending) as SignalRAccessKeyError;
    expect(err).toBeInstanceOf(SignalRAccessKeyError);
    expect(err.code).toBe('SIGNALR_ACCESS_KEY_UNAUTHORIZED');
    expect([err.failure, err.status, err.key, err.provider]).toEqual(['unauthorized', 401, 'Azure:SignalR:ConnectionString', 'Memory']);
    expect(err.message).toContain('"SignalR App Server" role');
    expect(err.message).toContain(sr.endpoint);
    expect(err.requestUrl).toBe(`${sr.endpoint}/api/v1/auth/accessKey`);
    for (const t of credential.tokens) expect(inspect(err, { depth: 8 }) + err.message).not.toContain(t);

    // Unavailable: callers fail at once, and the service is asked again only after 5 minutes.
    const again = await captureErrorAsync(() => generateAccessToken(endpoint, { hub: 'chat', credential, accessKeys: cache, agent: sr.agent }));
    expect((again as SignalRAccessKeyError).failure).toBe('unauthorized');
    sr.failAccessKey(null);
    await vi.advanceTimersByTimeAsync(ACCESS_KEY_RETRY_WHEN_UNAVAILABLE_MS - MIN);
    await idle();
    expect(sr.counters.accessKey).toBe(start + 3);
    // The failure ended 6 s after the 1-minute tick's phase, so the first tick 5 minutes later is the 6th.
    await vi.advanceTimersByTimeAsync(MIN);
    await idle();
    expect(sr.counters.accessKey).toBe(start + 3);
    await vi.advanceTimersByTimeAsync(MIN);
    await until(() => cache.keyFor(endpoint, { credential }).status().available, 'the retry');
    expect(sr.counters.accessKey).toBe(start + 4);
    const token = await generateAccessToken(endpoint, { hub: 'chat', credential, accessKeys: cache, agent: sr.agent });
    expect(decodeProtectedHeader(token).kid).toBe(sr.keys.current().kid);
  });

  it('keeps a key through failed refreshes until 120 minutes after the last success, then fails with the cause', async () => {
    const credential = switchableCredential(sr);
    const endpoint = endpointFor(sr);
    await generateAccessToken(endpoint, { hub: 'chat', credential, accessKeys: cache, agent: sr.agent });
    const kid = sr.keys.current().kid;
    credential.failing = true;
    await vi.advanceTimersByTimeAsync(ACCESS_KEY_EXPIRY_MS - MIN);
    const late = await generateAccessToken(endpoint, { hub: 'chat', credential, accessKeys: cache, agent: sr.agent });
    expect(decodeProtectedHeader(late).kid).toBe(kid);
    await vi.advanceTimersByTimeAsync(MIN);
    // Expired: the call waits for the fetch running now (the tick's), whose attempts take 6 s.
    const failing = captureErrorAsync(() => generateAccessToken(endpoint, { hub: 'chat', credential, accessKeys: cache, agent: sr.agent }));
    await vi.advanceTimersByTimeAsync(6_000);
    const err = (await failing) as SignalRAccessKeyError;
    expect(err.failure).toBe('credential');
    expect(err.code).toBe('SIGNALR_ACCESS_KEY_CREDENTIAL');
    expect(err.message).toContain('no Microsoft Entra token for https://signalr.azure.com/.default');
    // Each fetch asks the credential 3 times per attempt, 3 attempts; once unavailable, one fetch per 5 minutes.
    await vi.advanceTimersByTimeAsync(MIN);
    const calls = credential.calls;
    await vi.advanceTimersByTimeAsync(ACCESS_KEY_RETRY_WHEN_UNAVAILABLE_MS - MIN);
    expect(credential.calls).toBe(calls);
    // The failed fetch at 120 min ended at 120:06, so the tick at 126:00 is the first 5 minutes on; its attempts run at +0, +3 s and +6 s.
    await vi.advanceTimersByTimeAsync(MIN + 6_000);
    expect(credential.calls).toBe(calls + 9);
  });

  it('refreshes a key that is due when it is used, not only on the tick (MicrosoftEntraAccessKeyTests TestRefreshAccessKey)', async () => {
    const credential = switchableCredential(sr);
    const endpoint = endpointFor(sr);
    const options = { credential, accessKeys: cache, agent: sr.agent };
    const oldKid = decodeProtectedHeader((await negotiate(endpoint, 'chat', options)).accessToken).kid;
    const before = sr.counters.accessKey;
    const rotated = sr.keys.rotate();
    // The clock jumps 56 minutes without the tick firing: the use itself starts the refresh, and
    // does not wait for it while the old key is still good.
    vi.setSystemTime(Date.now() + 56 * MIN);
    expect(decodeProtectedHeader((await negotiate(endpoint, 'chat', options)).accessToken).kid).toBe(oldKid);
    await until(() => cache.keyFor(endpoint, { credential }).status().kid === rotated.kid, 'the refresh on use');
    expect(sr.counters.accessKey).toBe(before + 1);
  });

  it('an unavailable key is fetched again on use once 5 minutes have passed, and the caller waits for it (TestRefreshAccessKeyUnauthorized)', async () => {
    const credential = switchableCredential(sr);
    const endpoint = endpointFor(sr);
    const options = { credential, accessKeys: cache, agent: sr.agent };
    sr.failAccessKey(401);
    const start = sr.counters.accessKey;
    const first = captureErrorAsync(() => negotiate(endpoint, 'chat', options));
    // three attempts, 3 s apart
    for (const attempt of [1, 2]) {
      await until(() => sr.counters.accessKey === start + attempt, `attempt ${attempt}`);
      await vi.advanceTimersByTimeAsync(3_000);
    }
    expect(((await first) as SignalRAccessKeyError).failure).toBe('unauthorized');
    const afterFailure = sr.counters.accessKey;
    sr.failAccessKey(null);
    // within 5 minutes: at once the cached failure, the service not asked
    vi.setSystemTime(Date.now() + 4 * MIN);
    expect(((await captureErrorAsync(() => negotiate(endpoint, 'chat', options))) as SignalRAccessKeyError).failure).toBe('unauthorized');
    expect(sr.counters.accessKey).toBe(afterFailure);
    // past 5 minutes (no tick fired): the use fetches, waits, and gets a token
    vi.setSystemTime(Date.now() + 2 * MIN);
    const token = await negotiate(endpoint, 'chat', options);
    expect(decodeProtectedHeader(token.accessToken).kid).toBe(sr.keys.current().kid);
    expect(sr.counters.accessKey).toBe(afterFailure + 1);
  });

  it('retries a timed-out attempt at once (no 3 s wait) after the 100 s attempt timeout', async () => {
    const credential = switchableCredential(sr);
    const endpoint = endpointFor(sr);
    sr.failAccessKey('slow', 1);
    const start = sr.counters.accessKey;
    const token = generateAccessToken(endpoint, { hub: 'chat', credential, accessKeys: cache, agent: sr.agent });
    await until(() => sr.counters.accessKey === start + 1, 'the held request');
    await vi.advanceTimersByTimeAsync(99_999);
    await idle();
    expect(sr.counters.accessKey).toBe(start + 1);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => sr.counters.accessKey === start + 2, 'the immediate retry');
    expect(decodeProtectedHeader(await token).kid).toBe(sr.keys.current().kid);
  });

  it.each([
    [403, 'forbidden', 'SIGNALR_ACCESS_KEY_FORBIDDEN', /403 Forbidden.*"SignalR App Server" role/],
    [404, 'inaccessible', 'SIGNALR_ACCESS_KEY_INACCESSIBLE', /404 Not Found.*endpoint or DNS setting/],
    [500, 'runtime', 'SIGNALR_ACCESS_KEY_RUNTIME', /runtime error 500/],
  ] as const)('maps %d to a distinct typed error', async (status, failure, code, message) => {
    const credential = switchableCredential(sr);
    const endpoint = endpointFor(sr);
    sr.failAccessKey(status);
    const start = sr.counters.accessKey;
    let settled = false;
    const pending = captureErrorAsync(() => generateAccessToken(endpoint, { hub: 'chat', credential, accessKeys: cache, agent: sr.agent })).finally(() => (settled = true));
    for (let i = 1; i <= 3; i++) {
      await until(() => sr.counters.accessKey === start + i, `attempt ${i}`);
      if (i < 3) await vi.advanceTimersByTimeAsync(3_000);
    }
    await until(() => settled, 'the failure');
    const err = (await pending) as SignalRAccessKeyError;
    expect([err.failure, err.code, err.status]).toEqual([failure, code, status]);
    expect(err.message).toMatch(message);
    recordShown(err);
  });

  it.each([
    [400, 'invalidArgument', 'SIGNALR_ACCESS_KEY_INVALID_ARGUMENT', /400 Bad Request/],
    ['emptyKeyId', 'response', 'SIGNALR_ACCESS_KEY_RESPONSE', /Missing required <KeyId> field/],
  ] as const)('maps %s to a distinct typed error and issues no token', async (mode, failure, code, message) => {
    const credential = switchableCredential(sr);
    const endpoint = endpointFor(sr);
    sr.failAccessKey(mode);
    const start = sr.counters.accessKey;
    let settled = false;
    const pending = captureErrorAsync(() => generateAccessToken(endpoint, { hub: 'chat', credential, accessKeys: cache, agent: sr.agent })).finally(() => (settled = true));
    await until(() => sr.counters.accessKey > start, 'the first attempt');
    // However many attempts the rule makes, 3 s apart, the failure comes within them.
    for (let i = 0; i < 3 && !settled; i++) await vi.advanceTimersByTimeAsync(3_000);
    await until(() => settled, 'the failure');
    const err = (await pending) as SignalRAccessKeyError;
    expect(err).toBeInstanceOf(SignalRAccessKeyError);
    expect([err.failure, err.code]).toEqual([failure, code]);
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain(sr.keys.current().key);
    recordShown(err);
  });

  it('an untrusted TLS certificate is inaccessible, with the hint to pass an agent', async () => {
    const credential = switchableCredential(sr);
    const endpoint = endpointFor(sr);
    const key = cache.keyFor(endpoint, { credential });
    const err = (await captureErrorAsync(() => key.probe())) as SignalRAccessKeyError;
    expect([err.failure, err.status]).toEqual(['inaccessible', undefined]);
    expect(err.message).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE\); the service's TLS certificate is not trusted; pass an `agent`/);
  });

  it('an unreachable service is inaccessible; dispose stops every timer', async () => {
    const down = await startSignalREmulator();
    const credential = switchableCredential(down);
    const endpoint = endpointFor(down);
    await down.takeDown();
    let settled = false;
    const pending = captureErrorAsync(() => generateAccessToken(endpoint, { hub: 'chat', credential, accessKeys: cache, agent: sr.agent })).finally(() => (settled = true));
    await until(() => credential.calls === 1, 'attempt 1');
    await idle();
    await vi.advanceTimersByTimeAsync(3_000);
    await until(() => credential.calls === 2, 'attempt 2');
    await idle();
    await vi.advanceTimersByTimeAsync(3_000);
    await until(() => settled, 'the failure');
    const err = (await pending) as SignalRAccessKeyError;
    expect([err.failure, err.code]).toEqual(['inaccessible', 'SIGNALR_ACCESS_KEY_INACCESSIBLE']);
    expect(err.message).toContain('ECONNREFUSED');
    expect(vi.getTimerCount()).toBe(1); // the refresh tick
    cache.dispose();
    expect(vi.getTimerCount()).toBe(0);
    await down.stop();
  });
});
