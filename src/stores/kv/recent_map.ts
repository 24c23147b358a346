/**
 * A map bounded to `max` keys that keeps the ones in use, without moving a key on every read: a
 * read or write marks the key used; when a new key passes the bound, the oldest key not used since
 * the last such pass goes, and the used keys passed on the way move to the back unmarked ("second
 * chance"). Moving the key on each read instead (delete, then set again, so that the Map's order
 * is recency order) made V8 rebuild the Map's table every few reads, a table the size of the map
 * that outlived young collections: with the calendar view, the main source of the bytes a slot
 * listing left to the old generation (docs/BENCHMARKS.md, issue 15).
 */
export class RecentMap<K, V> {
  readonly #max: number;
  readonly #entries = new Map<K, { value: V; used: boolean }>();

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(`RecentMap: max must be a positive integer, found ${max}`);
    }
    this.#max = max;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    entry.used = true;
    return entry.value;
  }

  /** Whether the key is kept; does not count as a use. */
  has(key: K): boolean {
    return this.#entries.has(key);
  }

  set(key: K, value: V): void {
    const entry = this.#entries.get(key);
    if (entry !== undefined) {
      entry.value = value;
      entry.used = true;
      return;
    }
    if (this.#entries.size >= this.#max) this.#evictOne();
    this.#entries.set(key, { value, used: false });
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }

  #evictOne() {
    // Ends: every entry it passes is unmarked and moved behind the ones not yet passed.
    for (const [key, entry] of this.#entries) {
      this.#entries.delete(key);
      if (!entry.used) return;
      entry.used = false;
      this.#entries.set(key, entry);
    }
  }
}
