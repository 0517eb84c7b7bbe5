/**
 * The storage contract on embedded PGlite, in memory and in a data directory, each in this thread
 * and in a worker thread, plus what only a directory has: persistence across close/reopen, the
 * one-process lock, fsync actually on.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { TkmsError } from '@tkms/core';
import { type Db, openDb } from './db.ts';
import { migrate } from './migrate.ts';
import { pgliteFsyncCount } from './pglite.ts';
import { PgliteWorkerDb } from './pglite-worker.ts';
import { storeContract } from './store.contract.ts';
import { Store } from './store.ts';

const root = mkdtempSync(join(tmpdir(), 'tkms-pglite-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const newDir = () => join(root, `db${++dirs}`);

describe('store contract: PGlite in memory', () => {
  storeContract({ open: () => openDb('memory:') });
});

describe('store contract: PGlite in memory, in a worker thread', () => {
  storeContract({ open: () => openDb('memory:', { worker: true }) });
});

describe('store contract: PGlite in a data directory (worker thread, the default)', () => {
  storeContract({
    open: async () => {
      const db = await openDb(`pglite:${newDir()}`);
      assert.ok(db instanceof PgliteWorkerDb);
      return db;
    },
  });
});

describe('store contract: PGlite in a data directory, in this thread', () => {
  storeContract({ open: () => openDb(`pglite:${newDir()}`, { worker: false }) });
});

/** fsyncs issued by the PGlite behind `db` (a worker counts its own). */
const fsyncsOf = (db: Db): Promise<number> | number =>
  db instanceof PgliteWorkerDb ? db.fsyncCount() : pgliteFsyncCount();

describe('PGlite data directory', () => {
  it('keeps keys, sessions and the audit chain across close and reopen', async () => {
    const dir = newDir();
    const db1 = await openDb(`pglite:${dir}`);
    await migrate(db1);
    const s1 = new Store(db1);
    await s1.appendAudit({ actor: 't', action: 'x', outcome: 'ok' });
    await s1.beginSession({ ssid: 'ab'.repeat(32), protocol: 'p' });
    await s1.insertApiKey({ id: 'ak', name: 'n', hash: new Uint8Array(32).fill(1) });
    await db1.close();

    const db2 = await openDb(`pglite:${dir}`);
    assert.deepEqual((await migrate(db2)).applied, []);
    const s2 = new Store(db2);
    assert.equal((await s2.getSession('ab'.repeat(32)))?.status, 'running');
    assert.equal((await s2.findApiKeyByHash(new Uint8Array(32).fill(1)))?.name, 'n');
    assert.equal((await s2.listAudit({ limit: 10 })).length, 1);
    assert.equal(await s2.verifyAuditChain(), null);
    await db2.close();
  });

  for (const worker of [true, false])
    it(`runs with fsync on (WAL via fsync), unless explicitly turned off (${worker ? 'worker' : 'in-thread'})`, async () => {
      const dir = newDir();
      const db = await openDb(`pglite:${dir}`, { worker });
      assert.deepEqual(await db.query('SHOW fsync'), [{ fsync: 'on' }]);
      assert.deepEqual(await db.query('SHOW wal_sync_method'), [{ wal_sync_method: 'fsync' }]);
      await migrate(db);
      const before = await fsyncsOf(db);
      for (let i = 0; i < 3; i++) await new Store(db).appendAudit({ actor: 't', action: 'x', outcome: 'ok' });
      assert.ok((await fsyncsOf(db)) - before >= 3, 'each commit reaches the disk with an fsync');
      await db.close();
      const fast = await openDb(`pglite:${dir}`, { fsync: false, worker });
      assert.deepEqual(await fast.query('SHOW fsync'), [{ fsync: 'off' }]);
      const beforeFast = await fsyncsOf(fast);
      await new Store(fast).appendAudit({ actor: 't', action: 'x', outcome: 'ok' });
      assert.equal(await fsyncsOf(fast), beforeFast);
      await fast.close();
    });

  it('refuses a second open of a directory that is in use, and frees it on close', async () => {
    const dir = newDir();
    const db = await openDb(`pglite:${dir}`);
    await assert.rejects(openDb(`pglite:${dir}`), (e: unknown) => {
      assert.ok(e instanceof TkmsError && e.code === 'storage.failed');
      assert.match(e.message, /in use by process/);
      return true;
    });
    await db.close();
    const again = await openDb(`pglite:${dir}`);
    await again.close();
  });

  it('takes over the lock of a process that no longer exists', async () => {
    const dir = newDir();
    await (await openDb(`pglite:${dir}`)).close();
    // PID 2^22 + 1 is above Linux's pid_max default, so no live process has it.
    writeFileSync(join(dir, 'tkms.lock'), `4194305\n${hostname()}\n`);
    const db = await openDb(`pglite:${dir}`);
    await db.close();
  });

  it('takes over a lock from another host only once its lease ran out', async () => {
    const dir = newDir();
    await (await openDb(`pglite:${dir}`)).close();
    const lock = join(dir, 'tkms.lock');
    writeFileSync(lock, '1\nsome-other-host\n');
    await assert.rejects(openDb(`pglite:${dir}`), /in use by process 1 on some-other-host/);
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    await (await openDb(`pglite:${dir}`)).close();
  });

  it('refuses a non-empty directory that is not a PGlite data directory', async () => {
    const dir = newDir();
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    await assert.rejects(openDb(`pglite:${dir}`), /not a PGlite data directory/);
  });
});
