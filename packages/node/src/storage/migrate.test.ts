import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Db, openDb } from './db.ts';
import { checksumOf, loadMigrations, type Migration, migrate } from './migrate.ts';

const m = (version: number, name: string, sql: string): Migration => ({
  version,
  name,
  sql,
  checksum: checksumOf(sql),
});

describe('migrate', () => {
  let db: Db;
  before(async () => {
    db = await openDb('memory:');
  });
  after(() => db.close());

  it('loads the shipped files in order, numbered from 0001 without gaps', () => {
    const all = loadMigrations();
    assert.ok(all.length >= 1);
    assert.deepEqual(
      all.map((x) => x.version),
      all.map((_, i) => i + 1),
    );
    assert.equal(all[0]?.name, 'initial');
  });

  it('applies new migrations in order on top of the recorded ones', async () => {
    const one = m(1, 'a', 'CREATE TABLE a (x int)');
    assert.deepEqual(await migrate(db, [one]), { applied: [1], current: 1 });
    const two = m(2, 'b', 'CREATE TABLE b (x int); INSERT INTO b VALUES (1)');
    const three = m(3, 'c', 'ALTER TABLE b ADD COLUMN y int');
    assert.deepEqual(await migrate(db, [one, two, three]), { applied: [2, 3], current: 3 });
    assert.deepEqual(await db.query('SELECT x, y FROM b'), [{ x: 1, y: null }]);
  });

  it('rolls back every migration of a run when one fails', async () => {
    const known = [
      m(1, 'a', 'CREATE TABLE a (x int)'),
      m(2, 'b', 'CREATE TABLE b (x int); INSERT INTO b VALUES (1)'),
      m(3, 'c', 'ALTER TABLE b ADD COLUMN y int'),
    ];
    const four = m(4, 'd', 'CREATE TABLE d (x int)');
    const five = m(5, 'e', 'SELECT no_such_function()');
    await assert.rejects(migrate(db, [...known, four, five]), { code: 'storage.failed' });
    assert.deepEqual(await db.query(`SELECT to_regclass('d') AS t`), [{ t: null }]);
    assert.deepEqual(await migrate(db, known), { applied: [], current: 3 });
  });

  it('refuses a list with gaps', async () => {
    await assert.rejects(migrate(db, [m(1, 'a', 'SELECT 1'), m(3, 'c', 'SELECT 1')]), /without gaps/);
  });
});
