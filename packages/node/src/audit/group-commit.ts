/**
 * Group commit: callers submit items and wait; items that arrive while a flush is running are
 * written together in the next one. Each caller's promise resolves only after the transaction
 * holding its item committed, so "no audit record, no answer" still holds per operation, while
 * concurrent operations share one commit instead of queueing one each.
 */
export type GroupCommitOptions = {
  maxBatch?: number;
  /**
   * Asked before a flush of `queued` items (fewer than `maxBatch`): return a wait in ms to let
   * more items join (e.g. while other operations that will submit are still running), or 0 to
   * flush now. Under no load the answer is 0 and nothing is delayed.
   */
  linger?: (queued: number) => number;
};

export class GroupCommit<T> {
  readonly #flush: (items: T[]) => Promise<void>;
  readonly #maxBatch: number;
  readonly #linger: (queued: number) => number;
  #queue: Array<{ item: T; resolve: () => void; reject: (e: unknown) => void }> = [];
  #running = false;

  constructor(flush: (items: T[]) => Promise<void>, opts: GroupCommitOptions = {}) {
    this.#flush = flush;
    this.#maxBatch = opts.maxBatch ?? 128;
    this.#linger = opts.linger ?? (() => 0);
  }

  submit(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (!this.#running) {
        // Flush on the next turn of the event loop, not now: items submitted a few microtasks
        // apart (a presignature taken ahead, then the same request's audit record) then share
        // one commit instead of the second waiting for the first's.
        this.#running = true;
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        const wait = this.#queue.length < this.#maxBatch ? this.#linger(this.#queue.length) : 0;
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const batch = this.#queue.splice(0, this.#maxBatch);
        try {
          await this.#flush(batch.map((b) => b.item));
          for (const b of batch) b.resolve();
        } catch (e) {
          // One bad item must not sink the others: retry them one by one.
          if (batch.length === 1) (batch[0] as (typeof batch)[0]).reject(e);
          else
            for (const b of batch) {
              try {
                await this.#flush([b.item]);
                b.resolve();
              } catch (e1) {
                b.reject(e1);
              }
            }
        }
      }
    } finally {
      this.#running = false;
    }
  }
}
