/**
 * Presignatures taken ahead of their signature ("armed"), so the signature's critical path has no
 * database write of its own.
 *
 * Taking a presignature — marking it used and erasing its secret in the database, in one
 * statement — must be durable before any share of its signature leaves the node. On the plain
 * path that commit sits between the sign request and the online round (one fsync, ≈ 5 ms here).
 * A client that knows which presignature it will use next says so (`nextPresignatureId`), and
 * the node takes that one now, off the critical path, in the same group commit as the current
 * signature's audit record; its secret then waits in memory only. When the signature request
 * comes, the node claims it from memory and runs the round at once, with the audit record
 * written alongside as for every other signature.
 *
 * Nothing is weakened: an armed presignature is already used in the database, so after a crash
 * or restart it is gone (its secret was only in memory), and a claim removes it from memory before
 * it is used, so it signs at most once. One not claimed within `ttlMs` is wiped and stays used
 * (a burnt presignature costs only its recomputation). At most `max` are held.
 */
import { type Bytes, type Presignature, TkmsError } from '@tkms/core';
import type { NodeContext } from '../context.ts';
import type { KeyRecord, Store } from '../storage/index.ts';

type Entry = {
  readonly keyId: string;
  /** Resolves to the opened presignature, or undefined if arming failed (then it is not usable). */
  readonly ready: Promise<Presignature | undefined>;
  timer?: NodeJS.Timeout;
};

export class ArmedPresignatures {
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #max: number;

  constructor(opts: { ttlMs?: number; max?: number } = {}) {
    this.#ttlMs = opts.ttlMs ?? 5 * 60_000;
    this.#max = opts.max ?? 1000;
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Takes presignature `id` of `key` now (durably, with an audit record) and keeps it in memory
   * for a later `claim`. Never throws: a presignature that cannot be armed is simply not armed
   * (the signature then takes the plain path and reports what is wrong).
   */
  arm(
    ctx: NodeContext,
    key: KeyRecord,
    id: string,
    actor: string,
    /**
     * `take` marks it used in the transaction and returns its sealed secret; `open` opens that
     * after the commit, so the transaction (which the current signature's record may share)
     * does not wait for the decryption and decoding.
     */
    presignature: { take: (tx: Store) => Promise<Bytes>; open: (sealed: Bytes) => Presignature },
  ): void {
    if (this.#entries.has(id) || this.#entries.size >= this.#max) return;
    let sealed: Bytes | undefined;
    const ready: Promise<Presignature | undefined> = ctx.sessionLog
      .record({
        ssid: id,
        protocol: 'tkms/dkls23-presign/v1',
        keyId: key.id,
        row: 'none',
        status: 'done',
        audit: {
          actor,
          action: 'key.presignature_taken',
          keyId: key.id,
          ssid: id,
          outcome: 'ok',
          detail: { for: 'the next signature', presignatureId: id },
        },
        within: async (tx) => {
          sealed = await presignature.take(tx); // a group commit retried alone runs this again
        },
      })
      // Used in the database now: if it does not open, it is lost (as after a crash).
      .then(() => presignature.open(sealed as Bytes))
      .catch((e: unknown) => {
        ctx.log.info('presignature.arm_failed', {
          keyId: key.id,
          presignatureId: id,
          code: e instanceof TkmsError ? e.code : 'internal',
        });
        this.#entries.delete(id);
        return undefined;
      });
    const entry: Entry = { keyId: key.id, ready };
    this.#entries.set(id, entry);
    void ready.then((p) => {
      if (!p || this.#entries.get(id) !== entry) return;
      entry.timer = setTimeout(() => {
        if (this.#entries.get(id) !== entry) return;
        this.#entries.delete(id);
        p.secret.wipe();
      }, this.#ttlMs);
      entry.timer.unref?.();
    });
  }

  /**
   * The armed presignature `id` of key `keyId`, removed from memory (so it is claimed once), or
   * undefined when it is not armed here. Waits for an arming still in progress.
   */
  async claim(id: string, keyId: string): Promise<Presignature | undefined> {
    const entry = this.#entries.get(id);
    if (!entry || entry.keyId !== keyId) return undefined;
    this.#entries.delete(id);
    clearTimeout(entry.timer);
    return entry.ready;
  }

  /** Wipes everything held (node shutdown). */
  async clear(): Promise<void> {
    const all = [...this.#entries.values()];
    this.#entries.clear();
    for (const e of all) {
      clearTimeout(e.timer);
      (await e.ready)?.secret.wipe();
    }
  }
}
