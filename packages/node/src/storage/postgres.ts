/**
 * PostgreSQL through a node-postgres pool, behind the `Db` interface. A transaction pins one
 * pooled client from BEGIN to COMMIT/ROLLBACK; a client whose connection broke mid-transaction is
 * destroyed rather than returned to the pool.
 */
import { TkmsError } from '@tkms/core';
import pg from 'pg';
import { checkParams, type Db, storageError, TxGuard, withSavepoint } from './db.ts';

export type OpenPostgresOptions = {
  /** Pool size (default 10). */
  max?: number;
};

type Queryable = { query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }> };

/** node-postgres sends Buffer as bytea; a plain Uint8Array would be sent as text. */
function toDriverParams(params: readonly unknown[]): unknown[] {
  checkParams(params);
  return params.map((p) =>
    p instanceof Uint8Array && !Buffer.isBuffer(p) ? Buffer.from(p.buffer, p.byteOffset, p.byteLength) : p,
  );
}

export async function openPostgres(url: string, opts: OpenPostgresOptions = {}): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10, application_name: 'tkms-node' });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  try {
    const client = await pool.connect();
    client.release();
  } catch (e) {
    await pool.end().catch(() => {});
    throw storageError(e, 'connecting to PostgreSQL');
  }
  return new PostgresDb(pool);
}

class PostgresDb implements Db {
  readonly kind = 'postgres';
  readonly #pool: pg.Pool;
  readonly #guard = new TxGuard();
  #closed = false;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    this.#guard.assertOutside();
    return runQuery<T>(this.#pool, sql, params);
  }

  async exec(sql: string): Promise<void> {
    this.#guard.assertOutside();
    await runExec(this.#pool, sql);
  }

  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    this.#guard.assertOutside();
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (e) {
      throw storageError(e, 'connecting to PostgreSQL');
    }
    let broken: Error | undefined;
    const onError = (e: Error) => {
      broken = e;
    };
    client.on('error', onError);
    const tx = new PostgresTx(client);
    try {
      await runExec(client, 'BEGIN');
      let out: T;
      try {
        out = await this.#guard.run(() => fn(tx));
      } catch (e) {
        tx.closed = true;
        await runExec(client, 'ROLLBACK').catch((re: unknown) => {
          broken ??= re instanceof Error ? re : new Error(String(re));
        });
        throw e;
      }
      tx.closed = true;
      await runExec(client, 'COMMIT');
      return out;
    } catch (e) {
      // A failed COMMIT or BEGIN leaves the connection in an unknown state.
      if (!tx.closed) broken ??= e instanceof Error ? e : new Error(String(e));
      throw e;
    } finally {
      tx.closed = true;
      client.off('error', onError);
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}

class PostgresTx implements Db {
  readonly kind = 'postgres';
  readonly #client: pg.PoolClient;
  closed = false;

  constructor(client: pg.PoolClient) {
    this.#client = client;
  }

  #assertOpen(): void {
    if (this.closed)
      throw new TkmsError('internal', { details: 'transaction handle used after the transaction ended' });
  }

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    this.#assertOpen();
    return runQuery<T>(this.#client, sql, params);
  }

  async exec(sql: string): Promise<void> {
    this.#assertOpen();
    await runExec(this.#client, sql);
  }

  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    this.#assertOpen();
    return withSavepoint(this, fn);
  }

  async close(): Promise<void> {
    throw new TkmsError('internal', { details: 'close() called on a transaction handle' });
  }
}

async function runQuery<T>(q: Queryable, sql: string, params: readonly unknown[]): Promise<T[]> {
  const driverParams = toDriverParams(params);
  try {
    return (await q.query(sql, driverParams)).rows as T[];
  } catch (e) {
    throw storageError(e, 'query failed');
  }
}

async function runExec(q: Queryable, sql: string): Promise<void> {
  try {
    // Without parameters node-postgres uses the simple protocol, which accepts several statements.
    await q.query(sql);
  } catch (e) {
    throw storageError(e, 'exec failed');
  }
}
