/**
 * The storage contract on a real PostgreSQL server (default 127.0.0.1:5432, trust auth, user
 * `postgres` or `root`; override with TKMS_TEST_PG_URL pointing at a maintenance database). Each
 * run creates fresh `tkms_test_<random>` databases and drops them at the end.
 *
 * Without a server this suite skips with a message, except under CI=true, where it fails: CI must
 * not go green on a contract it never ran.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { type Db, openDb } from './db.ts';
import { migrate } from './migrate.ts';
import { storeContract } from './store.contract.ts';
import { Store } from './store.ts';

const CANDIDATES = process.env.TKMS_TEST_PG_URL
  ? [process.env.TKMS_TEST_PG_URL]
  : ['postgres://postgres@127.0.0.1:5432/postgres', 'postgres://root@127.0.0.1:5432/postgres'];
const inCi = process.env.CI === 'true';

async function connectAdmin(): Promise<{ admin: Db; url: URL } | { error: string }> {
  const errors: string[] = [];
  for (const candidate of CANDIDATES) {
    try {
      const admin = await openDb(candidate, { maxConnections: 2 });
      return { admin, url: new URL(candidate) };
    } catch (e) {
      errors.push(
        `${candidate.replace(/:[^:@/]*@/, ':***@')}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }
  return { error: errors.join('; ') };
}

const conn = await connectAdmin();

if ('error' in conn) {
  const why = `PostgreSQL is not reachable (${conn.error})`;
  if (inCi)
    it('PostgreSQL is reachable for the storage contract (CI=true)', () => {
      assert.fail(why);
    });
  else
    it('store contract: PostgreSQL', {
      skip: `${why}; start it or set TKMS_TEST_PG_URL (fails under CI=true)`,
    }, () => {});
} else {
  const { admin, url } = conn;
  const runId = randomBytes(6).toString('hex');
  const created: string[] = [];
  let n = 0;

  /** A new empty database on the server; dropped when the file's tests end. */
  const createDatabase = async (): Promise<string> => {
    const name = `tkms_test_${runId}_${++n}`;
    await admin.exec(`CREATE DATABASE ${name}`);
    created.push(name);
    const u = new URL(url);
    u.pathname = `/${name}`;
    return u.toString();
  };

  after(async () => {
    for (const name of created) await admin.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.close();
  });

  describe('store contract: PostgreSQL', () => {
    storeContract({ open: async () => openDb(await createDatabase()) });
  });

  describe('PostgreSQL specifics', () => {
    it('replicas (separate pools) migrating one new database at once apply each migration once', async () => {
      const dbUrl = await createDatabase();
      const replicas = await Promise.all([openDb(dbUrl), openDb(dbUrl), openDb(dbUrl), openDb(dbUrl)]);
      try {
        const results = await Promise.all(replicas.map((r) => migrate(r)));
        assert.equal(results.flatMap((r) => r.applied).length, results[0]?.current);
      } finally {
        for (const r of replicas) await r.close();
      }
    });

    it('replicas appending to the audit chain at once keep it contiguous and valid', async () => {
      const dbUrl = await createDatabase();
      const replicas = await Promise.all([openDb(dbUrl), openDb(dbUrl), openDb(dbUrl)]);
      try {
        await migrate(replicas[0] as Db);
        const stores = replicas.map((r) => new Store(r));
        await Promise.all(
          stores.flatMap((s, i) =>
            Array.from({ length: 10 }, (_, j) =>
              s.appendAudit({ actor: `r${i}`, action: 'x', outcome: 'ok', detail: { j } }),
            ),
          ),
        );
        const all = await (stores[0] as Store).listAudit({ limit: 100 });
        assert.deepEqual(
          all.map((e) => e.seq),
          Array.from({ length: 30 }, (_, i) => i + 1),
        );
        assert.equal(await (stores[1] as Store).verifyAuditChain(), null);
      } finally {
        for (const r of replicas) await r.close();
      }
    });

    it('reports an unreachable server as storage.failed', async () => {
      await assert.rejects(openDb('postgres://postgres@127.0.0.1:1/postgres'), { code: 'storage.failed' });
    });
  });
}
