/**
 * Orders the data a root receives for each provider by when its read began. A `reload()` and a
 * watcher can read the same source at once and finish in either order; comparing versions taken
 * as the reads begin means data read earlier never replaces data read later.
 */
export class ProviderVersions {
  #last = 0;
  /** The version of each provider's current data; the data the root was built with is 0. */
  readonly #applied: number[];

  constructor(providerCount: number) {
    this.#applied = new Array<number>(providerCount).fill(0);
  }

  /** A version for a read that begins now: higher than every version handed out before. */
  next(): number {
    return ++this.#last;
  }

  /** Records `version` as provider `index`'s current one when it is newer; false when that data is stale. */
  accept(index: number, version: number): boolean {
    if (version <= this.#applied[index]!) return false;
    this.#applied[index] = version;
    return true;
  }
}
