import { afterEach, describe, expect, it, vi } from 'vitest';
import { AdaptiveLimiter, DEFAULT_PACE_BASE_MS, DEFAULT_PACE_MAX_MS, holdOnThrottle, throttleOutcome } from '../../src/net/concurrency.js';

/** A task that settles when the test says so. */
function deferred(): { promise: Promise<string>; resolve: () => void; reject: (e: unknown) => void } {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<string>((res, rej) => {
    resolve = () => res('ok');
    reject = rej;
  });
  return { promise, resolve, reject };
}

const throttle = (headers: Record<string, string> = {}) => Object.assign(new Error('throttled'), { statusCode: 429, response: { headers } });
const flush = () => new Promise((r) => setImmediate(r));

afterEach(() => vi.useRealTimers());

describe('AdaptiveLimiter', () => {
  it('slow-starts: one more slot per success, up to max', async () => {
    const limiter = new AdaptiveLimiter({ max: 6, initial: 2 });
    expect(limiter.limit).toBe(2);
    for (let i = 0; i < 10; i++) await limiter.run(async () => i);
    expect(limiter.limit).toBe(6);
  });

  it('halves once for a burst of throttles from requests sent together, then grows by one per round', async () => {
    // Pacing off (tested below): this test is about the in-flight limit.
    const limiter = new AdaptiveLimiter({ max: 32, initial: 16, paceBaseMs: 0 });
    const tasks = Array.from({ length: 16 }, () => deferred());
    const runs = tasks.map((t) => limiter.run(() => t.promise, { classify: throttleOutcome }).catch(() => 'failed'));
    await flush();
    expect(limiter.active).toBe(16);
    for (const t of tasks) t.reject(throttle());
    expect(await Promise.all(runs)).toEqual(Array(16).fill('failed'));
    expect(limiter.limit).toBe(8);
    expect(limiter.stats).toMatchObject({ throttled: 16, decreases: 1 });
    // A throttle of a request sent after the decrease halves again.
    await limiter.run(() => Promise.reject(throttle()), { classify: throttleOutcome }).catch(() => undefined);
    expect(limiter.limit).toBe(4);
    // Congestion avoidance: 1/limit per success, about one slot per round of `limit` successes.
    for (let i = 0; i < 4; i++) await limiter.run(async () => i);
    expect(limiter.limit).toBe(4);
    await limiter.run(async () => 0);
    expect(limiter.limit).toBe(5);
  });

  it('never runs more than the limit, and a priority task goes ahead of queued ones', async () => {
    const limiter = new AdaptiveLimiter({ max: 2, initial: 2 });
    const first = [deferred(), deferred()];
    const order: string[] = [];
    const running = first.map((t) => limiter.run(() => t.promise));
    const queued = limiter.run(async () => order.push('normal'));
    const urgent = limiter.run(async () => order.push('priority'), { priority: true });
    await flush();
    expect(limiter.active).toBe(2);
    first[0]!.resolve();
    await Promise.all([running[0], urgent]);
    first[1]!.resolve();
    await Promise.all([...running, queued]);
    expect(order).toEqual(['priority', 'normal']);
  });

  it('holds unsent requests while a Retry-After is waited out, and only a throttle with one holds it', async () => {
    vi.useFakeTimers();
    const limiter = new AdaptiveLimiter({ max: 4, initial: 4 });
    holdOnThrottle(limiter, { delayMs: 1000, error: Object.assign(new Error('x'), { statusCode: 500 }) });
    holdOnThrottle(limiter, { delayMs: 1000, error: throttle() });
    let started = false;
    void limiter.run(async () => (started = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toBe(true);
    holdOnThrottle(limiter, { delayMs: 1000, error: throttle({ 'retry-after-ms': '1000' }) });
    started = false;
    const held = limiter.run(async () => (started = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(started).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await held;
    expect(started).toBe(true);
  });

  it('counts a 503 that says when to return as a throttle, a bare 503 not', () => {
    expect(throttleOutcome(throttle())).toBe('throttled');
    expect(throttleOutcome(Object.assign(new Error(), { statusCode: 503, response: { headers: { 'retry-after-ms': '787' } } }))).toBe('throttled');
    expect(throttleOutcome(Object.assign(new Error(), { statusCode: 503 }))).toBe('other');
    expect(throttleOutcome(new Error('ECONNRESET'))).toBe('other');
  });

  it('stops waiting when the signal aborts', async () => {
    const limiter = new AdaptiveLimiter({ max: 1, initial: 1 });
    const blocker = deferred();
    const running = limiter.run(() => blocker.promise);
    const controller = new AbortController();
    const waiting = limiter.run(async () => 'never', { signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toThrow();
    blocker.resolve();
    await running;
    expect(limiter.active).toBe(0);
  });
});

describe('pacing after throttles', () => {
  it('waits a random time up to a window that doubles per throttle and halves per success', async () => {
    const limiter = new AdaptiveLimiter({ max: 4, initial: 4, paceBaseMs: 10, random: () => 1 });
    expect(limiter.paceMs()).toBe(0);
    const fail = () => limiter.run(() => Promise.reject(throttle()), { classify: throttleOutcome }).catch(() => undefined);
    await fail();
    expect(limiter.paceMs()).toBe(10);
    await fail();
    await fail();
    expect(limiter.paceMs()).toBe(40);
    await limiter.run(async () => 1);
    expect(limiter.paceMs()).toBe(20);
    await limiter.run(async () => 1);
    await limiter.run(async () => 1);
    expect(limiter.paceMs()).toBe(0);
  });

  it('by default starts at a 400 ms window and never waits more than 1.2 s (a fleet backlog, not the next token)', () => {
    const limiter = new AdaptiveLimiter({ max: 4, random: () => 1 });
    limiter.throttled(-1);
    expect(limiter.paceMs()).toBe(DEFAULT_PACE_BASE_MS);
    expect(DEFAULT_PACE_BASE_MS).toBe(400);
    for (let i = 0; i < 10; i++) limiter.throttled(-1);
    expect(limiter.paceMs()).toBe(DEFAULT_PACE_MAX_MS);
    expect(DEFAULT_PACE_MAX_MS).toBe(1_200);
  });

  it('keeps a separate budget for throttles in withRetry, honouring each Retry-After', async () => {
    const { withRetry } = await import('../../src/net/retry.js');
    const delays: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        if (++calls <= 4) throw throttle({ 'retry-after-ms': '3' });
        return 'done';
      },
      { maxRetries: 1, maxThrottledRetries: 10, onRetry: ({ delayMs }) => delays.push(delayMs) },
    );
    expect(result).toBe('done');
    expect(delays).toEqual([3, 3, 3, 3]);
    // Without a separate budget, a throttle counts as one of maxRetries.
    calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw throttle({ 'retry-after-ms': '1' });
        },
        { maxRetries: 1 },
      ),
    ).rejects.toMatchObject({ statusCode: 429 });
    expect(calls).toBe(2);
  });
});
