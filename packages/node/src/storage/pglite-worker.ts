/**
 * PGlite in a worker thread, behind the `Db` interface.
 *
 * PGlite runs Postgres as WASM on the thread that calls it, synchronously: every statement, and with
 * fsync on every commit's `fsyncSync`, blocks that thread's event loop (about 1.3 ms per audit
 * append alone, 4–5 ms under load). On the node's main thread that delays the peer messages of the
 * very protocol sessions being audited. Here the database lives in a worker
 * (`pglite-worker-main.ts`, opened with the same `openPglite`: fsync hook, directory lock, atomic
 * first start) and the main thread only posts messages.
 *
 * Semantics are the in-thread Db's, checked by the same contract suite:
 * - **One session, transactions serialised here.** The worker has one PGlite session. A transaction
 *   holds it from BEGIN until its COMMIT/ROLLBACK is posted: statements and transactions that arrive
 *   meanwhile wait on this side, in arrival order, and are posted after it, so statements of two
 *   transactions never interleave (the worker keeps that order: PGlite's transaction mutex holds the
 *   next one until the COMMIT ran). Statements outside transactions are posted at once, pipelined.
 * - **Same errors.** A TkmsError raised in the worker comes back with its code, details and meta
 *   (the SQLSTATE `sqlstateOf` reads); the outer handle used inside its own transaction throws
 *   (TxGuard), nested transactions are savepoints.
 * - **Same values.** Params and rows are structured-cloned: `Uint8Array`, `Date`, `bigint` and JSON
 *   values arrive as the types PGlite produced.
 * - **Never hang on a dead worker.** If the worker exits or throws, every pending and later call
 *   fails with `storage.failed`, and the directory lock it held is released.
 * An idle worker does not keep the process alive (it is referenced only while requests are pending),
 * like an in-thread PGlite.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { TkmsError } from '@tkms/core';
import { checkParams, type Db, storageError, TxGuard, withSavepoint } from './db.ts';
import {
  adoptPristineTemplate,
  type OpenPgliteOptions,
  pristineTemplateIfMade,
  releaseDirLockOfDeadHolder,
} from './pglite.ts';
import {
  decodeError,
  PostBatcher,
  type WorkerHello,
  type WorkerInit,
  type WorkerRequest,
  type WorkerResponse,
} from './pglite-worker-protocol.ts';

const WORKER_URL = new URL('./pglite-worker-main.ts', import.meta.url);

/**
 * The worker loads TypeScript too. `--import tsx` registers tsx's hooks on the main thread only
 * under Node 20 (tsx checks `isMainThread`), so the worker registers them through tsx's API before
 * its entry module is loaded; this works under `node --import tsx` and under the test runner alike.
 */
const TSX_PRELOAD = `data:text/javascript,${encodeURIComponent(
  `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}; register();`,
)}`;

/** Opens PGlite (`dataDir` null: in memory) in a new worker thread; resolves once it is open. */
export async function openPgliteWorker(opts: OpenPgliteOptions): Promise<PgliteWorkerDb> {
  const dataDir = opts.dataDir === null ? null : resolve(opts.dataDir);
  const needsTemplate = dataDir === null || !existsSync(join(dataDir, 'PG_VERSION'));
  const init: WorkerInit = {
    dataDir,
    fsync: opts.fsync ?? true,
    // initdb takes seconds: a template this thread (or an earlier worker) made spares the worker it.
    template: needsTemplate ? await pristineTemplateIfMade() : null,
  };
  let worker: Worker;
  try {
    worker = new Worker(WORKER_URL, { workerData: init, execArgv: ['--import', TSX_PRELOAD] });
  } catch (e) {
    throw storageError(e, 'starting the PGlite worker');
  }
  const abandon = async () => {
    worker.on('error', () => {}); // an 'error' nobody listens to would crash this process
    await worker.terminate();
  };
  let hello: WorkerHello;
  try {
    hello = await firstMessage(worker);
  } catch (e) {
    await abandon();
    throw e;
  }
  if (hello.type === 'failed') {
    await abandon();
    throw decodeError(hello.error, 'opening PGlite');
  }
  if (hello.template) adoptPristineTemplate(hello.template);
  return new PgliteWorkerDb(new WorkerChannel(worker, dataDir));
}

function firstMessage(worker: Worker): Promise<WorkerHello> {
  return new Promise<WorkerHello>((resolve, reject) => {
    const done = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (m: WorkerHello) => {
      done();
      resolve(m);
    };
    const onError = (e: Error) => {
      done();
      reject(storageError(e, 'starting the PGlite worker'));
    };
    const onExit = (code: number) => {
      done();
      reject(
        new TkmsError('storage.failed', { details: `the PGlite worker exited (code ${code}) while opening` }),
      );
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

/** A request before the channel numbers it. */
type Request = OmitId<WorkerRequest>;
type OmitId<R> = R extends { id: number } ? Omit<R, 'id'> : never;
type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void; what: string };

/** Request/response over the worker's port; knows nothing of transactions. */
class WorkerChannel {
  readonly #worker: Worker;
  readonly #dataDir: string | null;
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  #dead: TkmsError | undefined;
  #shuttingDown = false;
  readonly #exited: Promise<void>;

  constructor(worker: Worker, dataDir: string | null) {
    this.#worker = worker;
    this.#dataDir = dataDir;
    worker.on('message', (batch: WorkerResponse[]) => {
      for (const m of batch) this.#settle(m);
    });
    worker.on('error', (e) => this.#die(`it failed: ${e.message}`, e));
    worker.on('messageerror', (e) => {
      this.#die(`a message could not be read: ${e.message}`, e);
      void worker.terminate();
    });
    this.#exited = new Promise((resolve) =>
      worker.once('exit', (code) => {
        this.#die(`it exited (code ${code})`);
        resolve();
      }),
    );
    worker.unref();
  }

  get dead(): boolean {
    return this.#dead !== undefined;
  }

  /** Posts one request; `what` prefixes a non-catalog error ("query failed: …"). */
  call(req: Request, what: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.#dead) return reject(this.#dead);
      const id = ++this.#nextId;
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve, reject, what });
      this.#outbox.send({ ...req, id } as WorkerRequest);
    });
  }

  readonly #outbox = new PostBatcher<WorkerRequest>(
    (batch) => {
      if (!this.#dead) this.#worker.postMessage(batch);
    },
    // A parameter that cannot be cloned fails its own request only.
    (m, e) => {
      const p = this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id);
      if (this.#pending.size === 0) this.#worker.unref();
      p.reject(storageError(e, p.what));
    },
  );

  #settle(m: WorkerResponse): void {
    const p = this.#pending.get(m.id);
    if (!p) return;
    this.#pending.delete(m.id);
    if (this.#pending.size === 0) this.#worker.unref();
    if (m.ok) p.resolve(m.value);
    else p.reject(decodeError(m.error, p.what));
  }

  #die(how: string, cause?: unknown): void {
    if (this.#dead) return;
    this.#dead = new TkmsError('storage.failed', {
      details: this.#shuttingDown ? 'the database is closed' : `the PGlite worker thread died: ${how}`,
      ...(cause === undefined ? {} : { cause }),
    });
    for (const p of this.#pending.values()) p.reject(this.#dead);
    this.#pending.clear();
    // The lock names this process, which lives on: nobody would ever take it over.
    if (!this.#shuttingDown && this.#dataDir !== null) releaseDirLockOfDeadHolder(this.#dataDir);
  }

  /** Stops the thread after a clean close. */
  async shutdown(): Promise<void> {
    this.#shuttingDown = true;
    await this.#worker.terminate();
    await this.#exited;
  }

  /** Stops the thread at once, as a crash would; resolves once the death has been handled. */
  async kill(): Promise<void> {
    await this.#worker.terminate();
    await this.#exited;
  }
}

/**
 * Hands the worker's one PGlite session out in arrival order. A statement outside a transaction
 * shares it (posted at once, the worker runs them in order); a transaction holds it exclusively
 * until `release()`. `start` runs synchronously when its turn comes, so posting order is queue order.
 */
class SessionQueue {
  #held = false;
  readonly #waiting: Array<{ exclusive: boolean; start: () => void }> = [];

  enter(exclusive: boolean, start: () => void): void {
    if (!this.#held && this.#waiting.length === 0) {
      this.#held = exclusive;
      start();
    } else this.#waiting.push({ exclusive, start });
  }

  release(): void {
    this.#held = false;
    for (let w = this.#waiting.shift(); w; w = this.#held ? undefined : this.#waiting.shift()) {
      this.#held = w.exclusive;
      w.start();
    }
  }
}

/** Bytes are copied out of a larger buffer (or a Buffer's pool) so cloning sends only their own bytes. */
function toWireParams(params: readonly unknown[]): unknown[] {
  return params.map((p) =>
    p instanceof Uint8Array &&
    (Buffer.isBuffer(p) || p.byteOffset !== 0 || p.byteLength !== p.buffer.byteLength)
      ? new Uint8Array(p)
      : p,
  );
}

export class PgliteWorkerDb implements Db {
  readonly kind = 'pglite';
  readonly #channel: WorkerChannel;
  readonly #session = new SessionQueue();
  readonly #guard = new TxGuard();
  #nextTx = 0;
  #closing: Promise<void> | undefined;

  constructor(channel: WorkerChannel) {
    this.#channel = channel;
  }

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    this.#guard.assertOutside();
    checkParams(params);
    this.#assertOpen();
    return (await this.#statement(
      { op: 'query', tx: 0, sql, params: toWireParams(params) },
      'query failed',
    )) as T[];
  }

  async exec(sql: string): Promise<void> {
    this.#guard.assertOutside();
    this.#assertOpen();
    await this.#statement({ op: 'exec', tx: 0, sql }, 'exec failed');
  }

  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    this.#guard.assertOutside();
    this.#assertOpen();
    await new Promise<void>((held) => this.#session.enter(true, held));
    const tx = new PgliteWorkerTx(this.#channel, ++this.#nextTx);
    let begun: Promise<unknown>;
    let ended: Promise<unknown>;
    let result: { ok: true; value: T } | { ok: false; error: unknown };
    try {
      // BEGIN is not awaited: fn's statements queue behind it in the worker (one round trip less).
      begun = this.#channel.call({ op: 'begin', tx: tx.id }, 'transaction failed');
      begun.catch(() => {}); // observed below
      try {
        result = { ok: true, value: await this.#guard.run(() => fn(tx)) };
      } catch (e) {
        result = { ok: false, error: e };
      }
      tx.closed = true;
      ended = this.#channel.call({ op: 'end', tx: tx.id, commit: result.ok }, 'transaction failed');
      ended.catch(() => {}); // observed below
    } finally {
      tx.closed = true;
      // Every statement of this transaction is posted: what waits may be posted behind its end.
      this.#session.release();
    }
    // A failed BEGIN fails every statement fn ran and is the error to report, as in-thread.
    await begun;
    // A failed COMMIT, or ROLLBACK, replaces fn's outcome, as in PGlite's own transaction().
    await ended;
    if (!result.ok) throw result.error;
    return result.value;
  }

  /** Closes PGlite (and releases the directory lock) after the work queued before, then ends the thread. */
  async close(): Promise<void> {
    this.#guard.assertOutside();
    this.#closing ??= (async () => {
      try {
        if (!this.#channel.dead) await this.#statement({ op: 'close' }, 'close failed');
      } catch (e) {
        // A worker that died meanwhile holds nothing any more; a failed close is reported.
        if (!this.#channel.dead) throw e;
      } finally {
        await this.#channel.shutdown();
      }
    })();
    await this.#closing;
  }

  /** How many fsyncs the worker's PGlite issued (the in-thread `pgliteFsyncCount` counts this thread only). */
  async fsyncCount(): Promise<number> {
    return (await this.#channel.call({ op: 'fsyncCount' }, 'fsync count')) as number;
  }

  /**
   * Stops the worker at once without closing PGlite, as a crash of the thread would: pending and
   * later calls fail with `storage.failed`, the directory lock is released, the data directory is
   * left as a killed process leaves it. For tests, and as a last resort against a stuck worker.
   */
  kill(): Promise<void> {
    return this.#channel.kill();
  }

  #assertOpen(): void {
    if (this.#closing) throw new TkmsError('storage.failed', { details: 'the database is closed' });
  }

  #statement(req: Request, what: string): Promise<unknown> {
    return new Promise((resolve, reject) =>
      this.#session.enter(false, () => {
        this.#channel.call(req, what).then(resolve, reject);
      }),
    );
  }
}

class PgliteWorkerTx implements Db {
  readonly kind = 'pglite';
  readonly #channel: WorkerChannel;
  readonly id: number;
  closed = false;

  constructor(channel: WorkerChannel, id: number) {
    this.#channel = channel;
    this.id = id;
  }

  #assertOpen(): void {
    if (this.closed)
      throw new TkmsError('internal', { details: 'transaction handle used after the transaction ended' });
  }

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    this.#assertOpen();
    checkParams(params);
    return (await this.#channel.call(
      { op: 'query', tx: this.id, sql, params: toWireParams(params) },
      'query failed',
    )) as T[];
  }

  async exec(sql: string): Promise<void> {
    this.#assertOpen();
    await this.#channel.call({ op: 'exec', tx: this.id, sql }, 'exec failed');
  }

  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    this.#assertOpen();
    return withSavepoint(this, fn);
  }

  async close(): Promise<void> {
    throw new TkmsError('internal', { details: 'close() called on a transaction handle' });
  }
}
