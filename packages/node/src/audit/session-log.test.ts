/**
 * The session log's group commit on real storage (PGlite in a worker thread, as a node runs it):
 * records submitted together share one transaction, a failing item takes nothing of its own into
 * the database and does not sink the others, and a lone session's record is not delayed.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { TkmsError } from '@tkms/core';
import { type Db, openDb } from '../storage/db.ts';
import { migrate } from '../storage/migrate.ts';
import { Store } from '../storage/store.ts';
import { GroupCommit } from './group-commit.ts';
import { createSessionLog, type SessionOutcome } from './session-log.ts';

const ssid = () => randomBytes(32).toString('hex');

function outcome(action: string, extra: Partial<SessionOutcome> = {}): SessionOutcome {
  const id = ssid();
  return {
    ssid: id,
    protocol: 'test/v1',
    keyId: 'k_test',
    row: 'none',
    status: 'done',
    audit: { actor: 'tester', action, keyId: 'k_test', ssid: id, outcome: 'ok' },
    ...extra,
  };
}

describe('session log', () => {
  let db: Db;
  let store: Store;
  let transactions = 0;
  before(async () => {
    db = await openDb('memory:', { worker: true });
    await migrate(db);
    store = new Store(db);
    const transaction = store.transaction.bind(store);
    store.transaction = (fn) => {
      transactions++;
      return transaction(fn);
    };
  });
  after(async () => db.close());

  const actions = async () => (await store.listAudit({ limit: 10_000 })).map((a) => a.action);
  /** Runs `f` and returns the sizes of the audit appends made outside any transaction meanwhile. */
  const appendsOutsideTx = async (f: () => Promise<unknown>): Promise<number[]> => {
    const appends: number[] = [];
    const append = store.appendAuditBatch.bind(store);
    store.appendAuditBatch = (inputs) => {
      appends.push(inputs.length);
      return append(inputs);
    };
    try {
      await f();
    } finally {
      store.appendAuditBatch = append;
    }
    return appends;
  };

  it('appends records submitted a few microtasks apart in one statement, with no transaction', async () => {
    const log = createSessionLog(store);
    const before = transactions;
    const appends = await appendsOutsideTx(async () => {
      const first = log.record(outcome('test.first'));
      await Promise.resolve();
      await Promise.resolve();
      const second = log.record(outcome('test.second'));
      await Promise.all([first, second]);
    });
    assert.deepEqual(appends, [2], 'one append of both records');
    assert.equal(transactions - before, 0, 'an audit-only outcome needs no transaction');
    assert.deepEqual((await actions()).slice(-2), ['test.first', 'test.second']);
  });

  it('writes outcomes with rows or work of their own, submitted together, in one transaction', async () => {
    const log = createSessionLog(store);
    const before = transactions;
    const work = () => outcome('test.work', { within: async () => undefined });
    const first = log.record(work());
    await Promise.resolve();
    const second = log.record(outcome('test.row', { row: 'insert' }));
    await Promise.all([first, second]);
    assert.equal(transactions - before, 1, 'one commit for both');
    assert.deepEqual((await actions()).slice(-2), ['test.work', 'test.row']);
  });

  it('takes records with nothing else to write into a transaction that runs anyway: one commit', async () => {
    const log = createSessionLog(store);
    const before = transactions;
    const appends = await appendsOutsideTx(() =>
      Promise.all([
        log.record(outcome('test.plain')),
        log.record(outcome('test.work', { within: async () => undefined })),
      ]),
    );
    assert.equal(transactions - before, 1, 'one transaction');
    assert.deepEqual(appends, [], 'no append of its own outside the transaction');
    assert.deepEqual((await actions()).slice(-2), ['test.plain', 'test.work']);
  });

  it("runs an item's own work in its transaction, and a failure there writes nothing of that item", async () => {
    const log = createSessionLog(store);
    const begun = ssid();
    await store.beginSession({ ssid: begun, protocol: 'test/v1', keyId: 'k_test' });
    let ran = 0;
    const good = log.record(
      outcome('test.good', {
        within: async (tx) => {
          ran++;
          await tx.appendAudit({ actor: 'tester', action: 'test.within', outcome: 'ok' });
        },
      }),
    );
    const bad = log.record(
      outcome('test.bad', {
        ssid: begun,
        row: 'update',
        within: async () => {
          await Promise.resolve();
          throw new TkmsError('sign.presignature_unavailable', { details: 'gone' });
        },
      }),
    );
    await good;
    await assert.rejects(
      bad,
      (e: unknown) => e instanceof TkmsError && e.code === 'sign.presignature_unavailable',
    );
    const all = await actions();
    assert.ok(all.includes('test.good') && all.includes('test.within'), JSON.stringify(all.slice(-4)));
    assert.ok(!all.includes('test.bad'), 'the failed item left no audit record');
    // Its session row was not closed either: the whole transaction rolled back.
    const row = await store.getSession(begun);
    assert.equal(row?.status, 'running');
    assert.ok(ran >= 1);
    assert.equal(await store.verifyAuditChain(), null, 'the chain verifies after the rollback');
    // And the log still works afterwards (the audit head it caches is right or repaired).
    await log.record(outcome('test.after'));
    assert.equal((await actions()).at(-1), 'test.after');
    assert.equal(await store.verifyAuditChain(), null);
  });
});

describe('group commit', () => {
  it('lingers only when asked, and tells the linger how many items wait', async () => {
    const asked: number[] = [];
    const flushed: number[][] = [];
    const gc = new GroupCommit<number>(
      async (items) => {
        flushed.push(items);
      },
      {
        linger: (queued) => {
          asked.push(queued);
          return queued < 3 ? 20 : 0;
        },
      },
    );
    const a = gc.submit(1);
    setTimeout(() => void gc.submit(2), 2);
    setTimeout(() => void gc.submit(3), 4);
    await a;
    assert.deepEqual(asked[0], 1, 'asked with one item waiting');
    assert.deepEqual(flushed[0], [1, 2, 3], 'the items that came while it lingered joined the flush');
  });

  it('flushes a lone item without waiting when the linger says 0', async () => {
    const gc = new GroupCommit<number>(async () => undefined, { linger: () => 0 });
    const t = performance.now();
    await gc.submit(1);
    assert.ok(performance.now() - t < 50);
  });

  it('retries a failed batch one by one, so one bad item does not sink the others', async () => {
    const gc = new GroupCommit<number>(async (items) => {
      if (items.includes(2)) throw new Error('bad item');
    });
    const results = await Promise.allSettled([gc.submit(1), gc.submit(2), gc.submit(3)]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
  });
});
