/**
 * The one database seam of a node. Embedded PGlite and PostgreSQL sit behind the same small
 * interface and speak the same SQL (DESIGN §2.6): `$1` parameters, `jsonb` passed as JSON text with
 * an explicit `::jsonb` cast, `bytea` as `Uint8Array`, timestamps as ISO strings with `::timestamptz`.
 *
 * Every driver failure surfaces as `TkmsError('storage.failed')` with the SQLSTATE in
 * `meta.sqlstate` (and `meta.constraint` when Postgres names one), so callers branch on stable codes
 * and never on driver classes.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { TkmsError } from '@tkms/core';

export type DbKind = 'pglite' | 'postgres';

export interface Db {
  readonly kind: DbKind;
  /** Runs one statement with `$n` parameters; returns the rows as plain objects. */
  query<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a script of one or more statements without parameters (migrations, DDL). */
  exec(sql: string): Promise<void>;
  /**
   * Runs `fn` in a transaction: commit when it resolves, roll back when it throws. Inside, use only
   * `tx`; touching the outer handle throws instead of deadlocking (PGlite) or silently running
   * outside the transaction (PostgreSQL). `tx.transaction` nests with a savepoint.
   */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Parameters and results as both drivers see them. */
export type Row = Record<string, unknown>;

type DriverError = { code?: unknown; constraint?: unknown; message?: unknown };

/** Wraps a driver error into the catalog code; keeps the driver error as `cause` for logs. */
export function storageError(e: unknown, what: string): TkmsError {
  if (e instanceof TkmsError) return e;
  const d: DriverError = typeof e === 'object' && e !== null ? (e as DriverError) : {};
  const sqlstate = typeof d.code === 'string' && /^[0-9A-Z]{5}$/.test(d.code) ? d.code : undefined;
  const meta: Record<string, unknown> = {};
  if (sqlstate) meta.sqlstate = sqlstate;
  if (typeof d.constraint === 'string') meta.constraint = d.constraint;
  // Driver messages name relations and constraints, never parameter values, and tkms only ever
  // binds non-secret values (shares are sealed before they reach SQL).
  const msg = typeof d.message === 'string' ? d.message : String(e);
  return new TkmsError('storage.failed', { details: `${what}: ${msg}`, meta, cause: e });
}

/** SQLSTATE of a storage error, if the database reported one. */
export function sqlstateOf(e: unknown): string | undefined {
  if (!(e instanceof TkmsError)) return undefined;
  const s = e.meta.sqlstate;
  return typeof s === 'string' ? s : undefined;
}

export const SQLSTATE = {
  uniqueViolation: '23505',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
} as const;

/**
 * Guards against the classic embedded-database deadlock: code inside `transaction(fn)` that awaits
 * the outer handle. Each Db gets its own guard; the async context says whether we are inside one of
 * its transactions.
 */
export class TxGuard {
  readonly #inside = new AsyncLocalStorage<{ open: boolean }>();

  async run<T>(fn: () => Promise<T>): Promise<T> {
    // Work started inside the transaction that outlives it (a timer, a background task) is no
    // longer "inside" once the transaction has ended.
    const scope = { open: true };
    try {
      return await this.#inside.run(scope, fn);
    } finally {
      scope.open = false;
    }
  }

  assertOutside(): void {
    if (this.#inside.getStore()?.open)
      throw new TkmsError('internal', {
        details: 'the outer Db handle was used inside its own transaction; use the tx handle',
      });
  }
}

/** Savepoint names are generated, never user input. */
let savepointSeq = 0;
export function nextSavepoint(): string {
  savepointSeq = (savepointSeq + 1) % 1_000_000_000;
  return `tkms_sp_${savepointSeq}`;
}

/** Runs `fn` inside a savepoint on an already open transaction. */
export async function withSavepoint<T>(tx: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  const sp = nextSavepoint();
  await tx.exec(`SAVEPOINT ${sp}`);
  try {
    const out = await fn(tx);
    await tx.exec(`RELEASE SAVEPOINT ${sp}`);
    return out;
  } catch (e) {
    await tx.exec(`ROLLBACK TO SAVEPOINT ${sp}`);
    await tx.exec(`RELEASE SAVEPOINT ${sp}`);
    throw e;
  }
}

/** Converts parameters to what both drivers accept identically (Buffer for pg, Uint8Array for PGlite). */
export function checkParams(params: readonly unknown[]): void {
  for (const p of params) {
    if (Array.isArray(p))
      // node-postgres would send a Postgres array, PGlite a JSON text: forbid, pass JSON.stringify.
      throw new TypeError('array parameters differ between drivers; pass JSON text with ::jsonb');
    if (p instanceof Date) throw new TypeError('pass timestamps as ISO strings with ::timestamptz');
  }
}

export type OpenDbOptions = {
  /** PGlite only: fsync the WAL on commit (default true). Only tests of throwaway data turn it off. */
  fsync?: boolean;
  /**
   * PGlite only: run PGlite in a worker thread, so its synchronous WASM work and each commit's fsync
   * never block this thread's event loop (pglite-worker.ts). Default true for `pglite:`, false for
   * `memory:` (tests, where an extra thread per database only costs).
   */
  worker?: boolean;
  /** PostgreSQL only: pool size (default 10). */
  maxConnections?: number;
};

async function openEmbedded(opts: { dataDir: string | null; fsync?: boolean }, worker: boolean): Promise<Db> {
  if (worker) {
    const { openPgliteWorker } = await import('./pglite-worker.ts');
    return openPgliteWorker(opts);
  }
  const { openPglite } = await import('./pglite.ts');
  return openPglite(opts);
}

/**
 * Opens a database from a URL:
 * - `postgres://…` or `postgresql://…` — a node-postgres pool;
 * - `pglite:<dir>` — embedded PGlite persisted in `<dir>` (created on first use), in a worker
 *   thread unless `worker: false`;
 * - `memory:` — embedded PGlite in memory (tests, demos), in this thread unless `worker: true`.
 */
export async function openDb(url: string, opts: OpenDbOptions = {}): Promise<Db> {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const { openPostgres } = await import('./postgres.ts');
    return openPostgres(url, opts.maxConnections === undefined ? {} : { max: opts.maxConnections });
  }
  if (url === 'memory:' || url === 'memory://') return openEmbedded({ dataDir: null }, opts.worker ?? false);
  if (url.startsWith('pglite:')) {
    const dir = url.slice('pglite:'.length).replace(/^\/\/(?=\/)/, '');
    if (dir === '') throw new TkmsError('request.invalid', { details: 'pglite: URL needs a directory' });
    return openEmbedded({ dataDir: dir, fsync: opts.fsync ?? true }, opts.worker ?? true);
  }
  throw new TkmsError('request.invalid', {
    details: 'database URL must start with postgres://, postgresql://, pglite: or memory:',
  });
}
