/**
 * Group commit: callers submit items and wait; items that arrive while a flush is running are
 * written together in the next one. Each caller's promise resolves only after the transaction
 * holding its item committed, so "no audit record, no answer" still holds per operation, while
 * concurrent operations share one commit instead of queueing one each.
 */
export class GroupCommit<T> {
  readonly #flush: (items: T[]) => Promise<void>;
  readonly #maxBatch: number;
  #queue: Array<{ item: T; resolve: () => void; reject: (e: unknown) => void }> = [];
  #running = false;

  constructor(flush: (items: T[]) => Promise<void>, maxBatch = 128) {
    this.#flush = flush;
    this.#maxBatch = maxBatch;
  }

  submit(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (!this.#running) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
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
