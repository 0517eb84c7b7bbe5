/**
 * The storage contract: one suite, run against every `Db` (PGlite in memory, PGlite on disk,
 * PostgreSQL), so the "one SQL dialect" promise of DESIGN §2.6 is checked rather than hoped for.
 * `storeContract(target)` registers node:test tests; the target says how to get an empty database.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { bytesToHex, equalBytes, TkmsError } from '@tkms/core';
import { createSealer, shareAad } from '../seal/sealer.ts';
import type { Db } from './db.ts';
import { checksumOf, loadMigrations, migrate } from './migrate.ts';
import { type NewKey, pairStateSlot, Store, TAKE_PRESIGNATURES_SQL } from './store.ts';

export type ContractTarget = {
  /** Opens a new, empty database. The suite closes every Db it opens. */
  open: () => Promise<Db>;
  /** Runs once after the suite (drop databases, remove directories). */
  cleanup?: () => Promise<void>;
};

const MASTER = new Uint8Array(32).fill(0x42);
const sealer = createSealer(MASTER);
const NODE = 'node-1';

let idSeq = 0;
const uniq = (p: string) => `${p}-${process.pid}-${Date.now().toString(36)}-${++idSeq}`;
const randomSsid = () => bytesToHex(randomBytes(32));

function newKey(id: string, share: Uint8Array = randomBytes(32)): NewKey {
  return {
    id,
    type: 'eddsa-ed25519',
    suite: 'ed25519',
    threshold: 2,
    parties: ['node-1', 'node-2', 'node-3'],
    identifiers: { 'node-1': '01', 'node-2': '02', 'node-3': '03' },
    publicKey: randomBytes(32),
    verifyingShares: { 'node-1': 'aa01', 'node-2': 'aa02', 'node-3': 'aa03' },
    sealedShare: sealer.seal(share, shareAad({ nodeId: NODE, keyId: id, version: 1 })),
    meta: { label: 'contract', tags: ['a', 'b'] },
  };
}

/** Asserts `p` rejects with a TkmsError of `code`. */
async function rejectsWith(p: Promise<unknown>, code: string): Promise<TkmsError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof TkmsError, `expected TkmsError(${code}), got ${String(e)}`);
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    return e;
  }
  assert.fail(`expected TkmsError(${code}), but it resolved`);
}

function isPlainBytes(b: unknown): boolean {
  return b instanceof Uint8Array && Object.getPrototypeOf(b) === Uint8Array.prototype;
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** Runs `sql` with triggers off, as an attacker with database superuser rights could. */
async function asSuperuserBypassingTriggers(db: Db, sql: string, params: unknown[] = []): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.exec('SET LOCAL session_replication_role = replica');
    await tx.query(sql, params);
  });
}

export function storeContract(target: ContractTarget): void {
  const opened: Db[] = [];
  let db: Db;
  let store: Store;

  const fresh = async (): Promise<Db> => {
    const d = await target.open();
    opened.push(d);
    return d;
  };

  before(async () => {
    db = await fresh();
    await migrate(db);
    store = new Store(db);
  });

  after(async () => {
    for (const d of opened) await d.close().catch(() => {});
    await target.cleanup?.();
  });

  describe('migrations', () => {
    it('are idempotent: a second run applies nothing and records each version once', async () => {
      const again = await migrate(db);
      assert.deepEqual(again.applied, []);
      const migrations = loadMigrations();
      assert.equal(again.current, migrations.length);
      const rows = await db.query<{ version: number; checksum: string }>(
        'SELECT version, checksum FROM schema_migrations ORDER BY version',
      );
      assert.deepEqual(
        rows.map((r) => [r.version, r.checksum]),
        migrations.map((m) => [m.version, m.checksum]),
      );
    });

    it('apply once when several callers migrate an empty database at the same time', async () => {
      const d = await fresh();
      const results = await Promise.all([migrate(d), migrate(d), migrate(d)]);
      const all = results.flatMap((r) => r.applied);
      assert.deepEqual(
        all,
        loadMigrations().map((m) => m.version),
      );
      const rows = await d.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
      assert.equal(rows[0]?.n, loadMigrations().length);
    });

    it('refuse a migration edited after it was applied, and a schema newer than the code', async () => {
      const [first] = loadMigrations();
      assert.ok(first);
      const edited = {
        ...first,
        sql: `${first.sql}\n-- edited`,
        checksum: checksumOf(`${first.sql}\n-- edited`),
      };
      const e1 = await rejectsWith(migrate(db, [edited]), 'storage.failed');
      assert.match(e1.message, /edited after it was applied/);
      const e2 = await rejectsWith(migrate(db, []), 'storage.failed');
      assert.match(e2.message, /does not know/);
      assert.deepEqual((await migrate(db)).applied, []);
    });
  });

  describe('keys', () => {
    it('insert pending → get returns the same plain values (bytes as Uint8Array, not Buffer)', async () => {
      const k = newKey(uniq('k'));
      const inserted = await store.insertPendingKey(k);
      const got = await store.getKey(k.id);
      assert.ok(got);
      assert.deepEqual(got, inserted);
      assert.equal(got.status, 'pending');
      assert.equal(got.version, 1);
      assert.deepEqual(got.parties, k.parties);
      assert.deepEqual(got.identifiers, k.identifiers);
      assert.deepEqual(got.verifyingShares, k.verifyingShares);
      assert.deepEqual(got.meta, k.meta);
      assert.ok(isPlainBytes(got.publicKey) && isPlainBytes(got.sealedShare));
      assert.ok(equalBytes(got.publicKey, k.publicKey));
      assert.ok(got.sealedShare && equalBytes(got.sealedShare, k.sealedShare));
      assert.ok(got.createdAt instanceof Date && got.activatedAt === null);
      assert.equal(await store.getKey(uniq('missing')), null);
    });

    it('activate: pending → active once, idempotent afterwards; failing an active key is refused', async () => {
      const k = newKey(uniq('k'));
      await store.insertPendingKey(k);
      const a = await store.activateKey(k.id);
      assert.equal(a.status, 'active');
      assert.ok(a.activatedAt instanceof Date);
      assert.deepEqual(await store.activateKey(k.id), a);
      await rejectsWith(store.failKey(k.id, 'late abort'), 'request.invalid');
      assert.equal((await store.getKey(k.id))?.status, 'active');
    });

    it('fail: pending → failed erases the sealed share; a failed key cannot be activated', async () => {
      const k = newKey(uniq('k'));
      await store.insertPendingKey(k);
      const f = await store.failKey(k.id, 'confirmation mismatch');
      assert.equal(f.status, 'failed');
      assert.equal(f.sealedShare, null);
      assert.equal(f.failedReason, 'confirmation mismatch');
      assert.deepEqual(await store.failKey(k.id, 'again'), f);
      await rejectsWith(store.activateKey(k.id), 'key.not_active');
      await rejectsWith(store.activateKey(uniq('missing')), 'key.not_found');
      await rejectsWith(store.failKey(uniq('missing'), 'x'), 'key.not_found');
    });

    it('insertKey can record an already confirmed key as active in one step', async () => {
      const k = await store.insertKey({ ...newKey(uniq('k')), status: 'active' });
      assert.equal(k.status, 'active');
      assert.deepEqual(k.activatedAt, k.createdAt);
    });

    it('a duplicate id is key.exists and leaves the first key untouched', async () => {
      const k = newKey(uniq('dup'));
      const first = await store.insertPendingKey(k);
      await rejectsWith(store.insertPendingKey(newKey(k.id)), 'key.exists');
      assert.deepEqual(await store.getKey(k.id), first);
    });

    it('refuses invalid keys, above all an unsealed share', async () => {
      const k = newKey(uniq('bad'));
      await rejectsWith(store.insertPendingKey({ ...k, sealedShare: randomBytes(32) }), 'request.invalid');
      await rejectsWith(store.insertPendingKey({ ...k, threshold: 4 }), 'key.threshold_invalid');
      await rejectsWith(
        store.insertPendingKey({ ...k, type: 'rsa' as unknown as NewKey['type'] }),
        'key.type_unknown',
      );
      await rejectsWith(
        store.insertPendingKey({ ...k, identifiers: { 'node-1': '01', 'node-2': '02' } }),
        'request.invalid',
      );
      await rejectsWith(
        store.insertPendingKey({ ...k, verifyingShares: { ...k.verifyingShares, 'node-1': 'XYZ' } }),
        'request.bad_hex',
      );
      assert.equal(await store.getKey(k.id), null);
    });

    it('the schema itself refuses a plaintext share written around the Store', async () => {
      const k = newKey(uniq('raw'));
      const e = await rejectsWith(
        db.query(
          `INSERT INTO keys (id, type, suite, threshold, parties, identifiers, public_key, verifying_shares,
                             sealed_share, status, created_at)
           VALUES ($1, 'eddsa-ed25519', 'ed25519', 1, '["a"]'::jsonb, '{}'::jsonb, $2, '{}'::jsonb, $3,
                   'pending', now())`,
          [k.id, k.publicKey, randomBytes(32)],
        ),
        'storage.failed',
      );
      assert.equal(e.meta.sqlstate, '23514');
    });

    it('lists newest first with a keyset cursor, filters by status, rejects a forged cursor', async () => {
      // A clock far in the future puts these keys ahead of every other test's keys.
      const base = Date.UTC(2999, 0, 1);
      let tick = 0;
      const times = [0, 1000, 1000, 2000, 3000]; // two keys share a timestamp: the id breaks the tie
      const s = new Store(db, { now: () => new Date(base + (times[tick++] ?? 0)) });
      const ids = [0, 1, 2, 3, 4].map((i) => uniq(`list${i}`));
      for (const id of ids) await s.insertPendingKey(newKey(id));
      await s.activateKey(ids[4] as string);
      const seen: string[] = [];
      let cursor: string | undefined;
      while (seen.length < 5) {
        const p = await s.listKeys({ limit: 2, ...(cursor ? { cursor } : {}) });
        assert.ok(p.keys.length > 0 && p.keys.length <= 2);
        seen.push(...p.keys.map((k) => k.id));
        assert.ok(p.nextCursor, 'more keys exist, so a cursor must be returned');
        cursor = p.nextCursor;
      }
      const expected = [ids[4], ids[3], ...[ids[1], ids[2]].sort().reverse(), ids[0]];
      assert.deepEqual(seen.slice(0, 5), expected);
      const active = await s.listKeys({ limit: 1, status: 'active' });
      assert.equal(active.keys[0]?.id, ids[4]);
      await rejectsWith(s.listKeys({ limit: 2, cursor: 'not-a-cursor' }), 'request.invalid');
      await rejectsWith(s.listKeys({ limit: 0 }), 'request.invalid');
    });

    it('deletePendingOlderThan removes stale pending keys only', async () => {
      const old = new Store(db, { now: () => new Date(Date.UTC(1990, 0, 1)) });
      const p = uniq('oldpending');
      const a = uniq('oldactive');
      await old.insertPendingKey(newKey(p));
      await old.insertPendingKey(newKey(a));
      await old.activateKey(a);
      const n = await store.deletePendingOlderThan(new Date(Date.UTC(1991, 0, 1)));
      assert.equal(n, 1);
      assert.equal(await store.getKey(p), null);
      assert.equal((await store.getKey(a))?.status, 'active');
    });
  });

  describe('sessions', () => {
    it('an ssid can begin once, ever: a replay is session.exists even after the session ended', async () => {
      const ssid = randomSsid();
      const s = await store.beginSession({ ssid, protocol: 'tkms/frost-sign/v1', keyId: 'k1' });
      assert.equal(s.status, 'running');
      assert.equal(s.keyId, 'k1');
      await rejectsWith(store.beginSession({ ssid, protocol: 'tkms/frost-sign/v1' }), 'session.exists');
      const done = await store.finishSession(ssid, 'done');
      assert.equal(done.status, 'done');
      assert.ok(done.finishedAt instanceof Date);
      await rejectsWith(store.beginSession({ ssid, protocol: 'tkms/frost-sign/v1' }), 'session.exists');
      await rejectsWith(store.finishSession(ssid, 'done'), 'storage.failed');
    });

    it('finished sessions are recorded in one insert; an ssid used before fails the whole batch', async () => {
      const [a, b] = [randomSsid(), randomSsid()];
      await store.insertFinishedSessions([
        { ssid: a, protocol: 'tkms/frost-sign/v1', keyId: 'k1', status: 'done' },
        {
          ssid: b,
          protocol: 'tkms/frost-sign/v1',
          status: 'aborted',
          abort: { code: 'protocol.timeout', culprits: ['node-3'] },
        },
      ]);
      assert.equal((await store.getSession(a))?.status, 'done');
      assert.deepEqual((await store.getSession(b))?.abort?.culprits, ['node-3']);
      const c = randomSsid();
      await rejectsWith(
        store.insertFinishedSessions([
          { ssid: c, protocol: 'p', status: 'done' },
          { ssid: a, protocol: 'p', status: 'done' },
        ]),
        'session.exists',
      );
      assert.equal(await store.getSession(c), null, 'no partial write');
      await rejectsWith(store.beginSession({ ssid: a, protocol: 'p' }), 'session.exists');
    });

    it('an aborted session keeps its abort value (code, round, culprits, detail)', async () => {
      const ssid = randomSsid();
      await store.beginSession({ ssid, protocol: 'tkms/dkg-pedpop/v1' });
      await rejectsWith(store.finishSession(ssid, 'aborted'), 'request.invalid');
      const abort = {
        code: 'protocol.bad_share',
        round: 2,
        culprits: ['node-3'],
        detail: 'share 3 fails VSS',
      } as const;
      const s = await store.finishSession(ssid, 'aborted', abort);
      assert.deepEqual(s.abort, abort);
      assert.deepEqual((await store.getSession(ssid))?.abort, abort);
    });

    it('refuses an ssid that is not 32 bytes of lower-case hex', async () => {
      await rejectsWith(store.beginSession({ ssid: 'AB'.repeat(32), protocol: 'p' }), 'request.bad_hex');
      await rejectsWith(store.beginSession({ ssid: 'ab'.repeat(16), protocol: 'p' }), 'request.bad_hex');
    });

    it("abortRunningSessions marks only the given replica's running sessions", async () => {
      const mine = [randomSsid(), randomSsid()];
      const sibling = randomSsid();
      const finished = randomSsid();
      const owner = uniq('replica-a');
      for (const ssid of mine) await store.beginSession({ ssid, protocol: 'p', owner });
      await store.beginSession({ ssid: sibling, protocol: 'p', owner: uniq('replica-b') });
      await store.beginSession({ ssid: finished, protocol: 'p', owner });
      await store.finishSession(finished, 'done');
      assert.equal(await store.abortRunningSessions({ owner }), 2);
      for (const ssid of mine) {
        const s = await store.getSession(ssid);
        assert.equal(s?.status, 'aborted');
        assert.equal(s?.abort?.code, 'session.aborted');
      }
      assert.equal((await store.getSession(sibling))?.status, 'running');
      assert.equal((await store.getSession(finished))?.status, 'done');
      assert.ok((await store.abortRunningSessions()) >= 1);
      assert.equal((await store.getSession(sibling))?.status, 'aborted');
    });
  });

  describe('transactions', () => {
    it('a thrown error rolls back every write of the transaction (key, session, audit)', async () => {
      const id = uniq('tx');
      const ssid = randomSsid();
      const headBefore = await db.query<{ seq: string | number }>('SELECT seq FROM audit_head');
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.insertPendingKey(newKey(id));
          await tx.beginSession({ ssid, protocol: 'p', keyId: id });
          await tx.appendAudit({ actor: 'test', action: 'key.create', keyId: id, outcome: 'ok' });
          throw new Error('boom after three writes');
        }),
        /boom/,
      );
      assert.equal(await store.getKey(id), null);
      assert.equal(await store.getSession(ssid), null);
      assert.deepEqual(await db.query('SELECT seq FROM audit_head'), headBefore);
      assert.equal(await store.verifyAuditChain(), null);
    });

    it('a failing statement rolls back the earlier ones', async () => {
      const taken = uniq('taken');
      await store.insertPendingKey(newKey(taken));
      const ssid = randomSsid();
      await rejectsWith(
        store.transaction(async (tx) => {
          await tx.beginSession({ ssid, protocol: 'p' });
          await tx.insertPendingKey(newKey(taken));
        }),
        'key.exists',
      );
      assert.equal(await store.getSession(ssid), null);
    });

    it('a nested transaction is a savepoint: its failure is contained, the outer one commits', async () => {
      const outer = uniq('outer');
      const inner = uniq('inner');
      await store.transaction(async (tx) => {
        await tx.insertPendingKey(newKey(outer));
        await assert.rejects(
          tx.transaction(async (tx2) => {
            await tx2.insertPendingKey(newKey(inner));
            await tx2.insertPendingKey(newKey(outer)); // duplicate: fails inside the savepoint
          }),
          (e: unknown) => e instanceof TkmsError && e.code === 'key.exists',
        );
        assert.equal(await tx.getKey(inner), null);
      });
      assert.ok(await store.getKey(outer));
      assert.equal(await store.getKey(inner), null);
    });

    it('using the outer handle inside a transaction throws instead of deadlocking', async () => {
      await rejectsWith(
        db.transaction(async () => {
          await db.query('SELECT 1');
        }),
        'internal',
      );
      assert.deepEqual(await db.query<{ x: number }>('SELECT 1 AS x'), [{ x: 1 }]);
    });

    it('work started inside a transaction may use the outer handle once the transaction ended', async () => {
      let later: Promise<unknown> | undefined;
      await db.transaction(async () => {
        later = new Promise((r) => setTimeout(r, 20)).then(() => db.query('SELECT 2 AS x'));
      });
      assert.deepEqual(await later, [{ x: 2 }]);
    });
  });

  describe('API keys', () => {
    it('stores the token hash only; finds by hash (bytes or hex); disable sticks', async () => {
      const id = uniq('ak');
      const hash = randomBytes(32);
      const rec = await store.insertApiKey({ id, name: 'ci', hash });
      assert.equal(rec.disabled, false);
      assert.ok(isPlainBytes(rec.hash) && equalBytes(rec.hash, hash));
      assert.deepEqual(await store.findApiKeyByHash(hash), rec);
      assert.deepEqual(await store.findApiKeyByHash(bytesToHex(hash)), rec);
      assert.equal(await store.findApiKeyByHash(randomBytes(32)), null);
      assert.equal(await store.findApiKeyByHash('zz'), null);
      await rejectsWith(
        store.insertApiKey({ id: uniq('ak'), name: 'short', hash: randomBytes(31) }),
        'request.invalid',
      );
      assert.equal(await store.disableApiKey(id), true);
      assert.equal((await store.findApiKeyByHash(hash))?.disabled, true);
      assert.equal(await store.disableApiKey(uniq('none')), false);
    });
  });

  describe('audit chain', () => {
    it('appends linked records with contiguous seq, and verifies', async () => {
      const a = await store.appendAudit({ actor: 'alice', action: 'key.create', keyId: 'k', outcome: 'ok' });
      const b = await store.appendAudit({
        actor: 'bob',
        action: 'key.sign',
        ssid: randomSsid(),
        outcome: 'denied',
        detail: { reason: 'policy', n: 3, nested: { z: 1, a: [true, null, 'x'] } },
      });
      assert.equal(b.seq, a.seq + 1);
      assert.ok(equalBytes(b.prevHash, a.hash));
      const listed = await store.listAudit({ afterSeq: a.seq - 1, limit: 2 });
      assert.deepEqual(listed, [a, b]);
      assert.equal(await store.verifyAuditChain(), null);
    });

    it('a batch append links its records in order under one head update', async () => {
      const before = await store.appendAudit({ actor: 'x', action: 'a', outcome: 'ok' });
      const batch = await store.appendAuditBatch([
        { actor: 'x', action: 'b', outcome: 'ok' },
        { actor: 'y', action: 'c', outcome: 'error', detail: { code: 'session.timeout' } },
        { actor: 'z', action: 'd', outcome: 'ok' },
      ]);
      assert.deepEqual(
        batch.map((e) => e.seq),
        [before.seq + 1, before.seq + 2, before.seq + 3],
      );
      assert.ok(equalBytes((batch[0] as (typeof batch)[0]).prevHash, before.hash));
      assert.ok(equalBytes((batch[2] as (typeof batch)[0]).prevHash, (batch[1] as (typeof batch)[0]).hash));
      assert.equal(await store.verifyAuditChain(), null);
      await assert.rejects(
        store.appendAuditBatch([
          { actor: 'x', action: 'e', outcome: 'ok', detail: { b: new Uint8Array(1) as unknown as number } },
        ]),
      );
      const after = await store.appendAudit({ actor: 'x', action: 'f', outcome: 'ok' });
      assert.equal(after.seq, before.seq + 4, 'a refused batch wrote nothing');
    });

    it('refuses a detail that is not plain JSON (bytes, secrets) and writes nothing', async () => {
      const before = await store.listAudit({ limit: 10_000 });
      await assert.rejects(
        store.appendAudit({
          actor: 'a',
          action: 'x',
          outcome: 'ok',
          detail: { share: randomBytes(32) } as unknown as Record<string, never>,
        }),
        TypeError,
      );
      assert.equal((await store.listAudit({ limit: 10_000 })).length, before.length);
    });

    it('the table refuses UPDATE and DELETE (append-only trigger)', async () => {
      const e = await store.appendAudit({ actor: 'a', action: 'x', outcome: 'ok' });
      await rejectsWith(
        db.query('UPDATE audit_log SET actor = $1 WHERE seq = $2', ['mallory', e.seq]),
        'storage.failed',
      );
      await rejectsWith(db.query('DELETE FROM audit_log WHERE seq = $1', [e.seq]), 'storage.failed');
      assert.equal(await store.verifyAuditChain(), null);
    });

    it('detects a row altered, a row deleted and a rewritten head (triggers bypassed)', async () => {
      const e1 = await store.appendAudit({ actor: 'a', action: 'x', outcome: 'ok', detail: { i: 1 } });
      const e2 = await store.appendAudit({ actor: 'a', action: 'x', outcome: 'ok', detail: { i: 2 } });
      await store.appendAudit({ actor: 'a', action: 'x', outcome: 'ok', detail: { i: 3 } });
      assert.equal(await store.verifyAuditChain(), null);

      await asSuperuserBypassingTriggers(db, 'UPDATE audit_log SET outcome = $1 WHERE seq = $2', [
        'denied',
        e2.seq,
      ]);
      assert.equal(await store.verifyAuditChain(), e2.seq);
      await asSuperuserBypassingTriggers(db, 'UPDATE audit_log SET outcome = $1 WHERE seq = $2', [
        'ok',
        e2.seq,
      ]);
      assert.equal(await store.verifyAuditChain(), null);

      await asSuperuserBypassingTriggers(
        db,
        `UPDATE audit_log SET detail = '{"i": 1.5}'::jsonb WHERE seq = $1`,
        [e1.seq],
      );
      assert.equal(await store.verifyAuditChain(), e1.seq);
      await asSuperuserBypassingTriggers(
        db,
        `UPDATE audit_log SET detail = '{"i": 1}'::jsonb WHERE seq = $1`,
        [e1.seq],
      );
      assert.equal(await store.verifyAuditChain(), null);

      await asSuperuserBypassingTriggers(db, 'DELETE FROM audit_log WHERE seq = $1', [e2.seq]);
      assert.equal(await store.verifyAuditChain(), e2.seq);
      await asSuperuserBypassingTriggers(
        db,
        `INSERT INTO audit_log (seq, at, actor, action, key_id, ssid, outcome, detail, prev_hash, hash)
         VALUES ($1, $2::timestamptz, $3, $4, NULL, NULL, $5, $6::jsonb, $7, $8)`,
        [
          e2.seq,
          e2.at.toISOString(),
          e2.actor,
          e2.action,
          e2.outcome,
          JSON.stringify(e2.detail),
          e2.prevHash,
          e2.hash,
        ],
      );
      assert.equal(await store.verifyAuditChain(), null);

      const head = await db.query<{ seq: string | number }>('SELECT seq FROM audit_head');
      const headSeq = Number(head[0]?.seq);
      await db.query('UPDATE audit_head SET hash = $1', [randomBytes(32)]);
      assert.equal(await store.verifyAuditChain(), headSeq);
      const last = (await store.listAudit({ afterSeq: headSeq - 1, limit: 1 }))[0];
      assert.ok(last);
      await db.query('UPDATE audit_head SET hash = $1', [last.hash]);
      assert.equal(await store.verifyAuditChain(), null);
    });

    it('concurrent appends get distinct, contiguous seq numbers and a valid chain', async () => {
      const entries = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          store.appendAudit({ actor: 'c', action: 'x', outcome: 'ok', detail: { i } }),
        ),
      );
      const seqs = entries.map((e) => e.seq).sort((x, y) => x - y);
      const first = seqs[0] as number;
      assert.deepEqual(
        seqs,
        seqs.map((_, i) => first + i),
      );
      assert.equal(await store.verifyAuditChain(), null);
    });

    it('two writers with their own cached heads (replicas) interleave without breaking the chain', async () => {
      const other = new Store(store.db);
      const seen: number[] = [];
      for (let i = 0; i < 6; i++) {
        const w = i % 3 === 0 ? other : store;
        seen.push((await w.appendAudit({ actor: 'r', action: 'x', outcome: 'ok', detail: { i } })).seq);
        const batch = await (i % 2 ? other : store).appendAuditBatch([
          { actor: 'r', action: 'y', outcome: 'ok' },
          { actor: 'r', action: 'z', outcome: 'ok' },
        ]);
        seen.push(...batch.map((e) => e.seq));
      }
      const first = seen[0] as number;
      assert.deepEqual(
        seen,
        seen.map((_, i) => first + i),
        'every append continues from the real head, whoever wrote last',
      );
      assert.equal(await store.verifyAuditChain(), null);
    });
  });

  describe('DKLs23 pair states and presignatures', () => {
    const sealed = (tag: string) =>
      sealer.seal(randomBytes(64), shareAad({ nodeId: NODE, keyId: tag, version: 1 }));

    it('a pair state is stored sealed only, never overwritten while active, replaced after a discard', async () => {
      const id = uniq('pair');
      await store.insertKey({ ...newKey(id), status: 'active' });
      const a = sealed('a');
      await store.putPairState({ keyId: id, peer: 'node-2', role: 'sender', sealedState: a });
      await store.putPairState({ keyId: id, peer: 'node-2', role: 'receiver', sealedState: sealed('b') });
      const seed = sealed('z');
      await store.putPairState({ keyId: id, peer: 'node-2', role: 'zero-seed', sealedState: seed });
      assert.ok(equalBytes((await store.getPairState(id, 'node-2', 'sender')) as Uint8Array, a));
      await rejectsWith(
        store.putPairState({ keyId: id, peer: 'node-2', role: 'sender', sealedState: sealed('c') }),
        'request.invalid',
      );
      await rejectsWith(
        store.putPairState({ keyId: id, peer: 'node-3', role: 'sender', sealedState: randomBytes(64) }),
        'request.invalid',
      );
      assert.equal(await store.discardPairStates(id, 'node-2', 'protocol.bad_ot'), 2);
      assert.equal(await store.getPairState(id, 'node-2', 'sender'), null);
      assert.equal(await store.getPairState(id, 'node-2', 'receiver'), null);
      assert.ok(equalBytes((await store.getPairState(id, 'node-2', 'zero-seed')) as Uint8Array, seed));
      // The discarded secrets are erased, not just flagged.
      const rows = await db.query<{ n: number }>(
        `SELECT count(*)::integer AS n FROM key_pair_states
         WHERE key_id = $1 AND role <> 'zero-seed' AND sealed_state IS NOT NULL`,
        [id],
      );
      assert.equal(rows[0]?.n, 0);
      const fresh = sealed('d');
      await store.putPairState({ keyId: id, peer: 'node-2', role: 'sender', sealedState: fresh });
      assert.ok(equalBytes((await store.getPairState(id, 'node-2', 'sender')) as Uint8Array, fresh));
    });

    it('reads the active states of several peers, every role, in one statement', async () => {
      const id = uniq('pairs');
      await store.insertKey({ ...newKey(id), status: 'active' });
      const blobs: Record<string, Uint8Array> = {};
      for (const peer of ['node-2', 'node-3', 'node-4'])
        for (const role of ['sender', 'receiver', 'zero-seed'] as const) {
          const blob = sealed(`${peer}/${role}`);
          blobs[pairStateSlot(peer, role)] = blob;
          await store.putPairState({ keyId: id, peer, role, sealedState: blob });
        }
      await store.discardPairStates(id, 'node-3', 'test');
      const got = await store.getPairStates(id, ['node-2', 'node-3', 'node-9']);
      assert.deepEqual(
        [...got.keys()].sort(),
        [
          pairStateSlot('node-2', 'receiver'),
          pairStateSlot('node-2', 'sender'),
          pairStateSlot('node-2', 'zero-seed'),
          pairStateSlot('node-3', 'zero-seed'),
        ].sort(),
        'discarded roles, unknown peers and peers not asked for are left out',
      );
      for (const [slot, blob] of got) assert.ok(equalBytes(blob, blobs[slot] as Uint8Array), slot);
      assert.equal((await store.getPairStates(id, [])).size, 0);
    });

    it('a presignature is taken once: marked used and erased in one statement, even under concurrency', async () => {
      const id = uniq('presig');
      await store.insertKey({ ...newKey(id), status: 'active' });
      const blob = sealed('p');
      await store.insertPresignature({
        id: `${id}-1`,
        keyId: id,
        signers: ['node-2', 'node-1'],
        sealed: blob,
      });
      await store.insertPresignature({
        id: `${id}-2`,
        keyId: id,
        signers: ['node-1', 'node-2'],
        sealed: sealed('q'),
      });
      await rejectsWith(
        store.insertPresignature({
          id: `${id}-2`,
          keyId: id,
          signers: ['node-1', 'node-2'],
          sealed: sealed('r'),
        }),
        'session.exists',
      );
      await rejectsWith(
        store.insertPresignature({ id: `${id}-3`, keyId: id, signers: ['node-1'], sealed: randomBytes(40) }),
        'request.invalid',
      );
      assert.equal(await store.countPresignatures(id, ['node-1', 'node-2']), 2);
      assert.equal(await store.takePresignature(`${id}-1`, 'another-key'), null);
      const takes = await Promise.all([1, 2, 3].map(() => store.takePresignature(`${id}-1`, id)));
      const got = takes.filter((t) => t !== null);
      assert.equal(got.length, 1, 'exactly one concurrent take succeeds');
      assert.ok(equalBytes(got[0] as Uint8Array, blob));
      assert.equal(await store.takePresignature(`${id}-1`, id), null);
      assert.equal(await store.countPresignatures(id, ['node-1', 'node-2']), 1);
      const rows = await db.query<{ sealed: unknown; status: string }>(
        'SELECT sealed, status FROM presignatures WHERE id = $1',
        [`${id}-1`],
      );
      assert.equal(rows[0]?.status, 'used');
      assert.equal(rows[0]?.sealed, null, 'a used presignature keeps no secret');
    });

    it('takes a batch in one statement: only ready ones of the key, each once, found by primary key', async () => {
      const id = uniq('batch');
      await store.insertKey({ ...newKey(id), status: 'active' });
      const other = uniq('batch-other');
      await store.insertKey({ ...newKey(other), status: 'active' });
      const signers = ['node-1', 'node-2'];
      // Enough ready ones that a scan of the key's ready pool would show in the plan.
      const n = 300;
      const blobs = Array.from({ length: n }, (_, i) => sealed(`b${i}`));
      for (const [i, blob] of blobs.entries())
        await store.insertPresignature({ id: `${id}-${i}`, keyId: id, signers, sealed: blob });
      await store.insertPresignature({ id: `${other}-0`, keyId: other, signers, sealed: sealed('o') });
      assert.ok(await store.takePresignature(`${id}-0`, id));
      const got = await store.takePresignatures(
        [`${id}-0`, `${id}-1`, `${id}-2`, `${other}-0`, 'no-such-id', `${id}-2`],
        id,
      );
      assert.deepEqual(
        [...got.keys()].sort(),
        [`${id}-1`, `${id}-2`],
        'used, foreign and unknown ids are left out',
      );
      assert.ok(equalBytes(got.get(`${id}-1`) as Uint8Array, blobs[1] as Uint8Array));
      assert.equal((await store.takePresignatures([`${id}-1`, `${id}-2`], id)).size, 0, 'never twice');
      assert.ok(await store.takePresignature(`${other}-0`, other), "the other key's one is still ready");
      const races = await Promise.all(
        [0, 1, 2].map(() => store.takePresignatures([`${id}-3`, `${id}-4`], id)),
      );
      assert.deepEqual(
        races.map((m) => m.size).sort(),
        [0, 0, 2],
        'one of three concurrent batch takes gets both',
      );
      assert.equal(await store.countPresignatures(id, signers), n - 5);
      const plan = (
        await db.query<Record<string, string>>(`EXPLAIN ${TAKE_PRESIGNATURES_SQL}`, [
          JSON.stringify([`${id}-9`]),
          id,
          new Date().toISOString(),
        ])
      )
        .map((r) => Object.values(r).join(''))
        .join('\n');
      assert.match(plan, /presignatures_pkey/, plan);
      assert.doesNotMatch(plan, /presignatures_ready/, plan);
    });
  });

  describe('sealed shares at rest', () => {
    it('the table bytes hold the sealed blob and never the plaintext share', async () => {
      const share = randomBytes(32);
      const id = uniq('scan');
      const k = newKey(id, share);
      await store.insertPendingKey(k);
      await db.exec('CHECKPOINT');
      const [file] = await db.query<{ path: string }>(`SELECT pg_relation_filepath('keys') AS path`);
      assert.ok(file);
      const [raw] = await db.query<{ b: Uint8Array }>('SELECT pg_read_binary_file($1) AS b', [file.path]);
      assert.ok(raw && raw.b.length > 0);
      // Positive control: the scan does see this row's sealed blob in the heap file.
      assert.notEqual(indexOf(raw.b, k.sealedShare), -1, 'sealed blob not found in the heap file');
      assert.equal(indexOf(raw.b, share), -1, 'plaintext share found in the heap file');
      const text = await db.query<{ t: string }>('SELECT k::text AS t FROM keys k WHERE id = $1', [id]);
      assert.ok(text[0]?.t.includes(bytesToHex(k.sealedShare)));
      assert.ok(!text[0]?.t.includes(bytesToHex(share)));
      const stored = await store.getKey(id);
      assert.ok(stored?.sealedShare);
      assert.ok(!equalBytes(stored.sealedShare, share));
      assert.equal(indexOf(stored.sealedShare, share), -1);
    });

    it('a stored blob opens only with its own AAD and master key (seal.failed otherwise)', async () => {
      const share = randomBytes(32);
      const id = uniq('aad');
      await store.insertPendingKey(newKey(id, share));
      const blob = (await store.getKey(id))?.sealedShare;
      assert.ok(blob);
      const opened = sealer.open(blob, shareAad({ nodeId: NODE, keyId: id, version: 1 }));
      assert.ok(equalBytes(opened.expose(), share));
      const wrong = [
        shareAad({ nodeId: 'node-2', keyId: id, version: 1 }),
        shareAad({ nodeId: NODE, keyId: `${id}x`, version: 1 }),
        shareAad({ nodeId: NODE, keyId: id, version: 2 }),
      ];
      for (const aad of wrong) assert.throws(() => sealer.open(blob, aad), { code: 'seal.failed' });
      const other = createSealer(new Uint8Array(32).fill(0x43));
      assert.throws(() => other.open(blob, shareAad({ nodeId: NODE, keyId: id, version: 1 })), {
        code: 'seal.failed',
      });
    });
  });
}
