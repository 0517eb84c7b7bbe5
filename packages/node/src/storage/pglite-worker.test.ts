/**
 * What the worker-thread PGlite adds over the in-thread one: the main event loop keeps running
 * while the database works, a dead worker fails calls instead of hanging them, and values, errors
 * and transaction ordering are the in-thread ones (the store contract runs against it too, in
 * store.pglite.test.ts).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { TkmsError } from '@tkms/core';
import { type Db, openDb, sqlstateOf } from './db.ts';
import { PgliteWorkerDb } from './pglite-worker.ts';

const root = mkdtempSync(join(tmpdir(), 'tkms-pglite-worker-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const newDir = () => join(root, `db${++dirs}`);

const modes = [
  { name: 'in-thread', worker: false },
  { name: 'worker', worker: true },
] as const;

/** Runs `work` while a 1 ms timer measures the longest stretch this thread could not run it (ms). */
async function lagDuring(work: () => Promise<unknown>): Promise<{ workMs: number; maxLagMs: number }> {
  let last = performance.now();
  let maxLagMs = 0;
  const probe = setInterval(() => {
    const now = performance.now();
    maxLagMs = Math.max(maxLagMs, now - last);
    last = now;
  }, 1);
  await new Promise((r) => setTimeout(r, 5));
  const t0 = performance.now();
  await work();
  const workMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 5)); // a probe held up by the work gets its turn
  clearInterval(probe);
  return { workMs, maxLagMs };
}

describe('PGlite in a worker thread', () => {
  it('keeps the main event loop free during a long transaction, which in-thread PGlite blocks', async (t) => {
    // One statement of a few hundred ms inside a transaction, on a data directory with fsync on.
    const heavy = (db: Db) =>
      db.transaction(async (tx) => {
        await tx.query('CREATE TABLE IF NOT EXISTS n (i int)');
        await tx.query('INSERT INTO n SELECT i FROM generate_series(1, 400000) AS i');
      });
    const seen: Record<string, { workMs: number; maxLagMs: number }> = {};
    const dir = newDir();
    for (const m of modes) {
      const db = await openDb(`pglite:${dir}`, { worker: m.worker });
      try {
        await heavy(db); // warm up (first statements compile, the first checkpoint of a new directory)
        seen[m.name] = await lagDuring(() => heavy(db));
      } finally {
        await db.close();
      }
    }
    const inThread = seen['in-thread'];
    const worker = seen.worker;
    assert.ok(inThread && worker);
    const report = JSON.stringify(seen);
    t.diagnostic(report);
    // Control: in this thread the loop stood still for most of the transaction.
    assert.ok(inThread.workMs > 100, `the work must be long enough to tell: ${report}`);
    assert.ok(inThread.maxLagMs > inThread.workMs * 0.5, `in-thread should block the loop: ${report}`);
    // Worker: timers kept firing throughout.
    assert.ok(worker.maxLagMs < Math.max(30, worker.workMs * 0.2), `worker blocked the loop: ${report}`);
  });

  it('returns the same values and the same errors as in-thread PGlite', async () => {
    const sql = `SELECT 1 AS i, 9007199254740993::int8 AS big, 42::int8 AS small, 1.5::float8 AS f,
                        12.50::numeric AS num, true AS b, NULL::text AS nothing, 'x' AS s,
                        '\\x00ff10'::bytea AS bytes, $1::bytea AS param_bytes,
                        '{"a":[1,{"b":null}],"c":"d"}'::jsonb AS j, '[1,2]'::json AS arr,
                        '2024-02-29T12:34:56.789Z'::timestamptz AS at, 'infinity'::timestamptz AS inf,
                        ARRAY[1,2,3] AS ints, $2::text AS text_param, $3::int8 AS big_param`;
    const params = [Buffer.from([9, 8, 7]), 'é', 2n ** 60n];
    const out: Record<string, unknown[]> = {};
    const errors: Record<string, TkmsError> = {};
    for (const m of modes) {
      const db = await openDb('memory:', { worker: m.worker });
      try {
        out[m.name] = await db.query(sql, params);
        await db.exec('CREATE TABLE u (id text PRIMARY KEY)');
        await db.query('INSERT INTO u VALUES ($1)', ['a']);
        try {
          await db.query('INSERT INTO u VALUES ($1)', ['a']);
        } catch (e) {
          assert.ok(e instanceof TkmsError);
          errors[m.name] = e;
        }
        await assert.rejects(db.query('SELECT $1::text', [new Date()]), TypeError);
        await assert.rejects(db.query('SELEKT'), (e: unknown) => sqlstateOf(e) === '42601');
      } finally {
        await db.close();
      }
    }
    assert.deepEqual(out.worker, out['in-thread']);
    const row = out.worker?.[0] as Record<string, unknown>;
    assert.ok(row.bytes instanceof Uint8Array && Object.getPrototypeOf(row.bytes) === Uint8Array.prototype);
    assert.ok(row.at instanceof Date);
    assert.equal(typeof row.big, 'bigint');
    const [a, b] = [errors['in-thread'], errors.worker];
    assert.ok(a && b);
    assert.deepEqual([b.code, b.message, b.meta], [a.code, a.message, a.meta]);
    assert.equal(sqlstateOf(b), '23505');
  });

  for (const m of modes)
    it(`runs transactions and waiting statements in arrival order, never interleaved (${m.name})`, async () => {
      const db = await openDb('memory:', { worker: m.worker });
      try {
        await db.exec('CREATE TABLE ev (n serial PRIMARY KEY, who text)');
        const ins = (h: Db, who: string) => h.query('INSERT INTO ev (who) VALUES ($1)', [who]);
        const a = db.transaction(async (tx) => {
          await ins(tx, 'a1');
          await new Promise((r) => setTimeout(r, 30)); // others arrive meanwhile and must wait
          await ins(tx, 'a2');
          return (await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM ev'))[0]?.n;
        });
        await new Promise((r) => setTimeout(r, 5));
        const b = db.transaction(async (tx) => {
          await ins(tx, 'b1');
          await ins(tx, 'b2');
        });
        const p = ins(db, 'p');
        const c = db
          .transaction(async (tx) => {
            await ins(tx, 'c1');
            throw new Error('roll back c');
          })
          .catch((e: unknown) => e);
        const q = ins(db, 'q');
        const [seenByA] = await Promise.all([a, b, p, q]);
        assert.match(String(await c), /roll back c/);
        assert.equal(seenByA, 2, 'a saw only its own rows');
        const rows = await db.query<{ who: string }>('SELECT who FROM ev ORDER BY n');
        assert.deepEqual(
          rows.map((r) => r.who),
          ['a1', 'a2', 'b1', 'b2', 'p', 'q'],
        );
      } finally {
        await db.close();
      }
    });

  it('refuses COMMIT of a transaction whose statement failed, as PGlite does in-thread', async () => {
    for (const m of modes) {
      const db = await openDb('memory:', { worker: m.worker });
      try {
        await db.exec('CREATE TABLE v (id int PRIMARY KEY)');
        const e = await db
          .transaction(async (tx) => {
            await tx.query('INSERT INTO v VALUES (1)');
            await tx.query('INSERT INTO v VALUES (1)').catch(() => {}); // swallowed: tx is aborted
          })
          .then(
            () => assert.fail(`${m.name}: commit of an aborted transaction resolved`),
            (err: unknown) => err,
          );
        assert.ok(e instanceof TkmsError && e.code === 'storage.failed', `${m.name}: ${String(e)}`);
        assert.deepEqual(await db.query('SELECT * FROM v'), []);
      } finally {
        await db.close();
      }
    }
  });

  it('fails pending and later calls with storage.failed when the worker dies, and frees the directory', async () => {
    const dir = newDir();
    const db = await openDb(`pglite:${dir}`);
    assert.ok(db instanceof PgliteWorkerDb);
    await db.exec('CREATE TABLE k (i int)');
    await db.query('INSERT INTO k VALUES (1)');
    const pending = db.query('SELECT count(*) FROM generate_series(1, 50000000)');
    let inTx: Promise<unknown> | undefined;
    const tx = db.transaction(async (t) => {
      await t.query('INSERT INTO k VALUES (2)');
      inTx = new Promise((r) => setTimeout(r, 10)).then(() => t.query('SELECT 1'));
      await inTx;
    });
    const queued = db.query('SELECT 2');
    await new Promise((r) => setTimeout(r, 50));
    await db.kill();
    const dead = (e: unknown) =>
      e instanceof TkmsError && e.code === 'storage.failed' && /died/.test(e.message);
    await assert.rejects(pending, dead);
    await assert.rejects(tx, dead);
    await assert.rejects(queued, dead);
    await assert.rejects(db.query('SELECT 3'), dead);
    await assert.rejects(
      db.transaction(async () => {}),
      dead,
    );
    await db.close(); // nothing left to close; must not hang or throw
    assert.ok(!existsSync(join(dir, 'tkms.lock')), 'the dead worker’s lock is released');
    const again = await openDb(`pglite:${dir}`);
    try {
      assert.deepEqual(await again.query('SELECT i FROM k'), [{ i: 1 }]);
    } finally {
      await again.close();
    }
  });

  it('close() closes PGlite, releases the lock and ends the thread; later calls fail', async () => {
    const dir = newDir();
    const db = await openDb(`pglite:${dir}`);
    assert.ok(existsSync(join(dir, 'tkms.lock')));
    const inFlight = db.query('SELECT 1 AS x');
    await Promise.all([db.close(), db.close()]);
    assert.deepEqual(await inFlight, [{ x: 1 }], 'work queued before close completes');
    assert.ok(!existsSync(join(dir, 'tkms.lock')));
    await assert.rejects(
      db.query('SELECT 1'),
      (e: unknown) => e instanceof TkmsError && /closed/.test(e.message),
    );
    const reopened = await openDb(`pglite:${dir}`, { worker: false });
    await reopened.close();
  });

  it('reports a directory another handle holds the way in-thread PGlite does', async () => {
    const dir = newDir();
    const held = await openDb(`pglite:${dir}`, { worker: false });
    try {
      await assert.rejects(openDb(`pglite:${dir}`), (e: unknown) => {
        assert.ok(e instanceof TkmsError && e.code === 'storage.failed');
        assert.match(e.message, /in use by process/);
        return true;
      });
    } finally {
      await held.close();
    }
  });
});
