/**
 * Key records change rarely (create, disable) and are read on every signing request, so a node
 * keeps recently read ones in memory. Writes through this node invalidate at once; a change made by
 * another replica of the same party is seen within `ttlMs`. Misses are not cached, so a key created
 * a moment ago is found immediately.
 */
import type { KeyRecord, Store } from '../storage/index.ts';

export class KeyCache {
  readonly #store: Store;
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #entries = new Map<string, { rec: KeyRecord; at: number }>();

  constructor(store: Store, ttlMs = 5_000, max = 10_000) {
    this.#store = store;
    this.#ttlMs = ttlMs;
    this.#max = max;
  }

  async get(id: string): Promise<KeyRecord | null> {
    const hit = this.#entries.get(id);
    if (hit && Date.now() - hit.at < this.#ttlMs) return hit.rec;
    const rec = await this.#store.getKey(id);
    if (rec) {
      if (this.#entries.size >= this.#max) this.#entries.delete(this.#entries.keys().next().value as string);
      this.#entries.set(id, { rec, at: Date.now() });
    } else this.#entries.delete(id);
    return rec;
  }

  invalidate(id: string): void {
    this.#entries.delete(id);
  }
}
