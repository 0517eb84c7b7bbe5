/**
 * A client-side pool of ECDSA presignatures per key and signer set.
 *
 * The nodes store each presignature (sealed) and enforce its single use; this pool only remembers
 * which ids this client created and has not used yet, so `sign` can take one and finish in a
 * single round. Ids are never shared between clients, so two clients never race for the same
 * presignature. A filler runs one presign at a time per key and signer set (rounds 1-2 cost
 * about as much as a signature), and stops at the first error until the next `take`.
 *
 * What is lost when the process exits is only the list: the presignatures stay on the nodes,
 * unused, within each node's limit (`limits.maxPresignatures`).
 *
 * The nodes can take presignatures ahead of their signatures (`nextPresignatureIds`): `toArm`
 * names the next batch once, when the next id has not been named yet, so the nodes pay one
 * database take per batch rather than one per signature. `forgetArmed` drops the named ids when a
 * node reports one unavailable (restarted nodes lose what they had taken ahead).
 */

type Presign = (keyId: string, signers: string[]) => Promise<{ presignatureId: string }>;

export class PresignaturePool {
  readonly #size: number;
  readonly #presign: Presign;
  readonly #onError: (e: unknown) => void;
  readonly #ready = new Map<string, string[]>();
  readonly #filling = new Map<string, Promise<void>>();
  /** Ids named to the nodes as next ones (taken ahead there), still in the pool. */
  readonly #named = new Set<string>();

  constructor(size: number, presign: Presign, onError: (e: unknown) => void = () => undefined) {
    if (!Number.isInteger(size) || size < 0)
      throw new RangeError('presignaturePool must be a whole number ≥ 0');
    this.#size = size;
    this.#presign = presign;
    this.#onError = onError;
  }

  get size(): number {
    return this.#size;
  }

  /** Ready ids for this key and (sorted) signer set. */
  count(keyId: string, signers: readonly string[]): number {
    return this.#ready.get(slot(keyId, signers))?.length ?? 0;
  }

  /** One ready id (removed from the pool), or undefined; starts refilling either way. */
  take(keyId: string, signers: readonly string[]): string | undefined {
    if (this.#size === 0) return undefined;
    const id = this.#ready.get(slot(keyId, signers))?.shift();
    if (id !== undefined) this.#named.delete(id);
    void this.fill(keyId, signers).catch(this.#onError);
    return id;
  }

  /**
   * The next ids `take` would give (up to `max`, left in the pool) for the nodes to take ahead,
   * now marked named; empty while the next one is named already (its batch is still being used).
   */
  toArm(keyId: string, signers: readonly string[], max: number): string[] {
    const list = this.#ready.get(slot(keyId, signers)) ?? [];
    if (list.length === 0 || this.#named.has(list[0] as string)) return [];
    const ids = list.slice(0, max);
    for (const id of ids) this.#named.add(id);
    return ids;
  }

  /** Drops the named ids of this key and signer set from the pool (the nodes may have lost them). */
  forgetArmed(keyId: string, signers: readonly string[]): void {
    const list = this.#ready.get(slot(keyId, signers));
    if (!list) return;
    const kept = list.filter((id) => !this.#named.has(id));
    for (const id of list) this.#named.delete(id);
    list.splice(0, list.length, ...kept);
  }

  /** Fills up to the pool size (one presign at a time); resolves when full, rejects on the first error. */
  fill(keyId: string, signers: readonly string[]): Promise<void> {
    const k = slot(keyId, signers);
    const running = this.#filling.get(k);
    if (running) return running;
    const list = this.#ready.get(k) ?? [];
    this.#ready.set(k, list);
    const run = (async () => {
      try {
        const sorted = [...signers].sort();
        while (list.length < this.#size) list.push((await this.#presign(keyId, sorted)).presignatureId);
      } finally {
        this.#filling.delete(k);
      }
    })();
    this.#filling.set(k, run);
    return run;
  }
}

const slot = (keyId: string, signers: readonly string[]) => `${keyId}\u0000${[...signers].sort().join(',')}`;
