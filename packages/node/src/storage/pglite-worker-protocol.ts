/**
 * The messages between a `PgliteWorkerDb` (main thread) and its worker (`pglite-worker-main.ts`),
 * and how errors cross the thread boundary. Everything here is structured-cloned: params and rows
 * keep `Uint8Array`, `Date`, `bigint` and plain objects; errors travel as plain data and are rebuilt
 * on the main thread as the same `TkmsError` (code, details, meta) the in-thread Db would throw.
 */
import { isErrorCode, TkmsError } from '@tkms/core';
import { storageError } from './db.ts';

/** What the main thread hands the worker at spawn. */
export type WorkerInit = {
  /** Data directory, or null for an in-memory database. */
  dataDir: string | null;
  fsync: boolean;
  /** A pristine-database template (gzip tar) made by an earlier worker, so this one skips initdb. */
  template: Uint8Array<ArrayBuffer> | null;
};

/** First message from the worker: the database is open (or could not be opened). */
export type WorkerHello =
  | {
      type: 'ready' /** The template this worker had to make, for the next worker. */;
      template: Uint8Array<ArrayBuffer> | null;
    }
  | { type: 'failed'; error: WireError };

/**
 * `tx` is 0 outside a transaction; otherwise the id the main thread gave the transaction at `begin`.
 * Statements of one transaction run in the order they were posted; `end` commits or rolls back.
 */
export type WorkerRequest =
  | { id: number; op: 'query'; tx: number; sql: string; params: unknown[] }
  | { id: number; op: 'exec'; tx: number; sql: string }
  | { id: number; op: 'begin'; tx: number }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'fsyncCount' }
  | { id: number; op: 'close' };

export type WorkerResponse =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: WireError };

/** An error as plain data. `tkms` is set when the worker threw a TkmsError (the usual case). */
export type WireError = {
  name: string;
  message: string;
  /** Driver fields that `storageError` reads (SQLSTATE, constraint), when present. */
  code?: string;
  constraint?: string;
  tkms?: { code: string; details?: string; meta: Record<string, unknown> };
  cause?: WireError;
};

const MAX_CAUSE_DEPTH = 4;

export function encodeError(e: unknown, depth = 0): WireError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e) };
  const out: WireError = { name: e.name, message: e.message };
  const d = e as { code?: unknown; constraint?: unknown };
  if (typeof d.code === 'string') out.code = d.code;
  if (typeof d.constraint === 'string') out.constraint = d.constraint;
  if (e instanceof TkmsError)
    out.tkms = {
      code: e.code,
      meta: cloneableOrEmpty(e.meta),
      ...(e.details === undefined ? {} : { details: e.details }),
    };
  if (e.cause !== undefined && depth < MAX_CAUSE_DEPTH) out.cause = encodeError(e.cause, depth + 1);
  return out;
}

function cloneableOrEmpty(meta: Record<string, unknown>): Record<string, unknown> {
  try {
    return structuredClone(meta);
  } catch {
    return {};
  }
}

/**
 * Rebuilds a worker error on the main thread: a TkmsError keeps its code, details and meta (so
 * `sqlstateOf` and the catalog code are what the in-thread Db gives); anything else becomes
 * `storage.failed` the way `storageError(e, what)` wraps a driver error.
 */
export function decodeError(w: WireError, what: string): TkmsError {
  if (w.tkms && isErrorCode(w.tkms.code))
    return new TkmsError(w.tkms.code, {
      meta: w.tkms.meta,
      ...(w.tkms.details === undefined ? {} : { details: w.tkms.details }),
      ...(w.cause ? { cause: plainError(w.cause) } : {}),
    });
  return storageError(plainError(w), what);
}

/** An Error carrying the wire fields, standing in for the driver error as `cause`. */
function plainError(w: WireError): Error {
  const e = new Error(w.message, w.cause ? { cause: plainError(w.cause) } : undefined);
  e.name = w.name;
  return Object.assign(
    e,
    w.code === undefined ? {} : { code: w.code },
    w.constraint === undefined ? {} : { constraint: w.constraint },
  );
}

/**
 * Sends messages to the other thread in batches: what is sent during one burst of synchronous
 * code and promise callbacks goes as one array, so one postMessage (one clone, one wake-up of the
 * other thread) carries a whole transaction's BEGIN and statements, or several answers. Order is
 * kept. If a batch cannot be cloned, each message is posted alone and only the one that cannot
 * be cloned goes to `unclonable`.
 */
export class PostBatcher<T> {
  #queue: T[] = [];
  readonly #post: (batch: T[]) => void;
  readonly #unclonable: (m: T, e: unknown) => void;

  constructor(post: (batch: T[]) => void, unclonable: (m: T, e: unknown) => void) {
    this.#post = post;
    this.#unclonable = unclonable;
  }

  send(m: T): void {
    // process.nextTick runs once the current microtask queue has drained (within this turn).
    if (this.#queue.push(m) === 1) process.nextTick(() => this.#flush());
  }

  #flush(): void {
    const batch = this.#queue;
    this.#queue = [];
    try {
      this.#post(batch);
    } catch {
      for (const m of batch) {
        try {
          this.#post([m]);
        } catch (e) {
          this.#unclonable(m, e);
        }
      }
    }
  }
}
