/**
 * Presignatures taken ahead of their signatures ("armed"), so a signature's critical path has no
 * database write of its own besides its audit record.
 *
 * Taking a presignature — marking it used and erasing its secret in the database — must be
 * durable before any share of its signature leaves the node. On the plain path that commit sits
 * between the sign request and the online round. A client that knows which presignatures it will
 * use next says so (`nextPresignatureIds`, up to `MAX_NEXT_PRESIGNATURES`), and the node takes
 * all of them now, in one statement, in the same group commit as the current signature's audit
 * record; their secrets then wait in memory only. When a signature request names one, the node
 * claims it from memory and runs the round at once, with the audit record written alongside as
 * for every other signature. A client that names the next batch once per batch (the SDK's pool
 * does) pays for one take per batch instead of one per signature.
 *
 * A batch is taken whole or not at all: if any id is missing, already used or of another key, none
 * is taken and none is armed (the audit record lists exactly what was taken), and each of those
 * signatures later takes the plain path, which reports what is wrong.
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
   * Takes presignatures `ids` of `key` now (durably, in one statement, with one audit record) and
   * keeps them in memory for later `claim`s. Ids armed (or being armed) already are left out, and
   * so are those beyond `max`. Never throws: presignatures that cannot be armed are simply not
   * armed (their signatures then take the plain path and report what is wrong).
   */
  arm(
    ctx: NodeContext,
    key: KeyRecord,
    ids: readonly string[],
    actor: string,
    /**
     * `take` marks them used in the transaction and returns their sealed secrets by id (an id
     * not taken is absent); `open` opens one after the commit, so the transaction (which the
     * current signature's record may share) does not wait for decryption and decoding.
     */
    presignatures: {
      take: (tx: Store, ids: readonly string[]) => Promise<Map<string, Bytes>>;
      open: (id: string, sealed: Bytes) => Presignature;
    },
  ): void {
    const fresh = [...new Set(ids)]
      .filter((id) => !this.#entries.has(id))
      .slice(0, Math.max(0, this.#max - this.#entries.size));
    if (fresh.length === 0) return;
    /** Logged with a code only: ids are public, the sealed secrets never leave this object. */
    const failed = (presignatureIds: readonly string[], e: unknown) =>
      ctx.log.info('presignature.arm_failed', {
        keyId: key.id,
        presignatureIds,
        code: e instanceof TkmsError ? e.code : 'internal',
      });
    let sealed = new Map<string, Bytes>();
    const taken: Promise<boolean> = ctx.sessionLog
      .record({
        ssid: fresh[0] as string,
        protocol: 'tkms/dkls23-presign/v1',
        keyId: key.id,
        row: 'none',
        status: 'done',
        audit: {
          actor,
          action: 'key.presignature_taken',
          keyId: key.id,
          ssid: fresh[0] as string,
          outcome: 'ok',
          detail: { for: 'the next signatures', presignatureIds: fresh },
        },
        within: async (tx) => {
          // A group commit retried alone runs this again.
          sealed = await presignatures.take(tx, fresh);
          const missing = fresh.filter((id) => !sealed.has(id));
          // Whole or nothing: the record above lists every id, so every id must be taken.
          if (missing.length)
            throw new TkmsError('sign.presignature_unavailable', {
              details: `${missing.length} of ${fresh.length} on ${ctx.id} (${missing[0]}…)`,
            });
        },
      })
      .then(
        () => true,
        (e: unknown) => {
          failed(fresh, e);
          return false;
        },
      );
    for (const id of fresh) {
      // Used in the database once `taken`: if it does not open, it is lost (as after a crash).
      const ready = taken.then((ok) => {
        if (!ok) return undefined;
        try {
          return presignatures.open(id, sealed.get(id) as Bytes);
        } catch (e) {
          failed([id], e);
          return undefined;
        }
      });
      const entry: Entry = { keyId: key.id, ready };
      this.#entries.set(id, entry);
      void ready.then((p) => {
        if (this.#entries.get(id) !== entry) return;
        if (!p) {
          this.#entries.delete(id);
          return;
        }
        entry.timer = setTimeout(() => {
          if (this.#entries.get(id) !== entry) return;
          this.#entries.delete(id);
          p.secret.wipe();
        }, this.#ttlMs);
        entry.timer.unref?.();
      });
    }
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
