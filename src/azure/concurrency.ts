/**
 * A counting semaphore: at most `limit` tasks run at once, the rest wait in FIFO order. Used to
 * bound parallel secret fetches so a large vault cannot trip the service's throttling limits.
 */
export class ConcurrencyLimiter {
  readonly limit: number;
  #active = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('The concurrency limit must be a positive integer.');
    this.limit = limit;
  }

  /** Tasks running now. */
  get active(): number {
    return this.#active;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#active++;
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      // Hand the slot straight to the next waiter so `active` never exceeds the limit.
      if (next) next();
      else this.#active--;
    }
  }
}

/**
 * Runs tasks one after another: a reload and a poll of the same remote provider never overlap, so
 * a slower, older load cannot overwrite a newer one's data or cache. A failed task does not block
 * the next.
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(task, task);
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /** Settles when every task queued so far has settled. */
  async idle(): Promise<void> {
    await this.#tail;
  }
}
