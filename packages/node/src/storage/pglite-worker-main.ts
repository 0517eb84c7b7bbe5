/**
 * The worker thread behind `PgliteWorkerDb` (pglite-worker.ts). It opens the database with
 * `openPglite`, so the fsync hook, the directory lock and the atomic first start are the in-thread
 * ones, and serves the main thread's requests on that one `Db`.
 *
 * Statements outside a transaction run one after another in arrival order. A `begin` opens
 * `db.transaction` in that order and feeds it the statements posted for that transaction, in order,
 * until `end`; PGlite's own transaction (its BEGIN/COMMIT/ROLLBACK, its refusal to commit an
 * aborted transaction) is therefore exactly the in-thread one. Whatever arrives for the session
 * while a transaction is open (the main thread posts the next transaction right after this one's
 * `end`) waits in PGlite's transaction mutex until it ends, while the open transaction's own
 * statements still flow: nothing interleaves, nothing deadlocks.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { Db } from './db.ts';
import { adoptPristineTemplate, openPglite, pgliteFsyncCount, pristineTemplateIfMade } from './pglite.ts';
import {
  encodeError,
  PostBatcher,
  type WireError,
  type WorkerHello,
  type WorkerInit,
  type WorkerRequest,
  type WorkerResponse,
} from './pglite-worker-protocol.ts';

type TxRequest = Extract<WorkerRequest, { op: 'query' | 'exec' | 'end' }>;

if (isMainThread || !parentPort) throw new Error('pglite-worker-main.ts runs only as a worker thread');
const port = parentPort;

/**
 * Rows are copied, not transferred: moving thousands of small bytea buffers costs ~5x more than
 * copying them (10 000 audit rows: 80 ms vs 17 ms).
 */
const replies = new PostBatcher<WorkerResponse>(
  (batch) => port.postMessage(batch),
  // A value that cannot be cloned must not leave the caller waiting forever.
  (res, e) => port.postMessage([{ id: res.id, ok: false, error: encodeError(e) } satisfies WorkerResponse]),
);
function reply(res: WorkerResponse): void {
  replies.send(res);
}

/** The statements posted for one open transaction, handed to its loop in order. */
class Inbox {
  readonly #queue: TxRequest[] = [];
  #wake: (() => void) | undefined;

  push(m: TxRequest): void {
    this.#queue.push(m);
    this.#wake?.();
    this.#wake = undefined;
  }

  async next(): Promise<TxRequest> {
    for (;;) {
      const m = this.#queue.shift();
      if (m) return m;
      await new Promise<void>((r) => {
        this.#wake = r;
      });
    }
  }
}

/** Thrown out of the transaction callback to make `db.transaction` roll back. */
const ROLLBACK = Symbol('rollback');

function serve(db: Db): void {
  const open = new Map<number, Inbox>();
  // Session-level work (statements outside a transaction, BEGIN, close) in arrival order.
  let session: Promise<void> = Promise.resolve();
  const inOrder = (step: () => Promise<void>) => {
    session = session.then(step, step);
  };

  const run = async (h: Db, m: Extract<WorkerRequest, { op: 'query' | 'exec' }>): Promise<void> => {
    try {
      const value = m.op === 'query' ? await h.query(m.sql, m.params) : await h.exec(m.sql);
      reply({ id: m.id, ok: true, value: value ?? null });
    } catch (e) {
      reply({ id: m.id, ok: false, error: encodeError(e) });
    }
  };

  /**
   * Runs one transaction: BEGIN in session order, then the statements posted for it (buffered in its
   * inbox since `begin` arrived) until `end`. Resolves once BEGIN ran or failed: session work queued
   * behind it may start, and waits in PGlite's transaction mutex until this transaction ends.
   */
  const begin = (m: Extract<WorkerRequest, { op: 'begin' }>, inbox: Inbox): Promise<void> =>
    new Promise<void>((begun) => {
      let started = false;
      let endId = 0;
      db.transaction(async (tx) => {
        started = true;
        reply({ id: m.id, ok: true, value: null });
        begun();
        for (;;) {
          const r = await inbox.next();
          if (r.op === 'end') {
            endId = r.id;
            if (r.commit) return;
            throw ROLLBACK;
          }
          await run(tx, r);
        }
      })
        .then(
          () => reply({ id: endId, ok: true, value: null }),
          (e: unknown) => {
            if (!started) {
              const error = encodeError(e);
              reply({ id: m.id, ok: false, error });
              void refuseAll(m.tx, inbox, error);
            } else if (e === ROLLBACK) reply({ id: endId, ok: true, value: null });
            else reply({ id: endId, ok: false, error: encodeError(e) });
          },
        )
        .finally(() => {
          if (started) open.delete(m.tx);
          begun();
        });
    });

  /** After a failed BEGIN, every statement posted for that transaction, and its end, get its error. */
  const refuseAll = async (txId: number, inbox: Inbox, error: WireError): Promise<void> => {
    for (;;) {
      const r = await inbox.next();
      reply({ id: r.id, ok: false, error });
      if (r.op === 'end') {
        open.delete(txId);
        return;
      }
    }
  };

  port.on('message', (batch: WorkerRequest[]) => {
    for (const m of batch) handle(m);
  });
  const handle = (m: WorkerRequest): void => {
    switch (m.op) {
      case 'query':
      case 'exec':
      case 'end': {
        if (m.op !== 'end' && m.tx === 0) {
          inOrder(() => run(db, m));
          return;
        }
        const inbox = open.get(m.tx);
        if (inbox) inbox.push(m);
        else reply({ id: m.id, ok: false, error: encodeError(new Error(`no open transaction ${m.tx}`)) });
        return;
      }
      case 'begin': {
        // The main thread does not wait for BEGIN: statements may arrive before it ran.
        const inbox = new Inbox();
        open.set(m.tx, inbox);
        inOrder(() => begin(m, inbox));
        return;
      }
      case 'fsyncCount':
        reply({ id: m.id, ok: true, value: pgliteFsyncCount() });
        return;
      case 'close':
        inOrder(async () => {
          try {
            await db.close(); // closes PGlite, then releases the directory lock
            reply({ id: m.id, ok: true, value: null });
          } catch (e) {
            reply({ id: m.id, ok: false, error: encodeError(e) });
          }
        });
        return;
    }
  };
  // Cannot tell which request it was; the main thread treats this as the worker dying.
  port.on('messageerror', (e) => {
    throw e;
  });
}

const init = workerData as WorkerInit;
if (init.template) adoptPristineTemplate(init.template);
const opened = await openPglite({ dataDir: init.dataDir, fsync: init.fsync }).then(
  (db) => ({ db }),
  (e: unknown) => ({ error: encodeError(e) }),
);
if ('error' in opened) {
  // The main thread rejects the open and terminates this thread.
  port.postMessage({ type: 'failed', error: opened.error } satisfies WorkerHello);
} else {
  serve(opened.db);
  const template = init.template ? null : await pristineTemplateIfMade();
  port.postMessage({ type: 'ready', template } satisfies WorkerHello, template ? [template.buffer] : []);
}
