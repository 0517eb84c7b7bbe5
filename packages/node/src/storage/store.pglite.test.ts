/**
 * The storage contract on embedded PGlite, in memory and in a data directory, plus what only a
 * directory has: persistence across close/reopen, the one-process lock, fsync actually on.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { TkmsError } from '@tkms/core';
import { openDb } from './db.ts';
import { migrate } from './migrate.ts';
import { pgliteFsyncCount } from './pglite.ts';
import { storeContract } from './store.contract.ts';
import { Store } from './store.ts';

const root = mkdtempSync(join(tmpdir(), 'tkms-pglite-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const newDir = () => join(root, `db${++dirs}`);

describe('store contract: PGlite in memory', () => {
  storeContract({ open: () => openDb('memory:') });
});

describe('store contract: PGlite in a data directory', () => {
  storeContract({ open: () => openDb(`pglite:${newDir()}`) });
});

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

  it('runs with fsync on (WAL via fsync), unless explicitly turned off', async () => {
    const dir = newDir();
    const db = await openDb(`pglite:${dir}`);
    assert.deepEqual(await db.query('SHOW fsync'), [{ fsync: 'on' }]);
    assert.deepEqual(await db.query('SHOW wal_sync_method'), [{ wal_sync_method: 'fsync' }]);
    await migrate(db);
    const before = pgliteFsyncCount();
    for (let i = 0; i < 3; i++) await new Store(db).appendAudit({ actor: 't', action: 'x', outcome: 'ok' });
    assert.ok(pgliteFsyncCount() - before >= 3, 'each commit reaches the disk with an fsync');
    await db.close();
    const fast = await openDb(`pglite:${dir}`, { fsync: false });
    assert.deepEqual(await fast.query('SHOW fsync'), [{ fsync: 'off' }]);
    const beforeFast = pgliteFsyncCount();
    await new Store(fast).appendAudit({ actor: 't', action: 'x', outcome: 'ok' });
    assert.equal(pgliteFsyncCount(), beforeFast);
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
