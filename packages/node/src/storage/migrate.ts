/**
 * Versioned schema migrations: `migrations/NNNN_name.sql`, applied in order, each recorded in
 * `schema_migrations` with a SHA-256 of its text.
 *
 * All pending migrations run in one transaction that first takes a transaction-scoped advisory
 * lock, so replicas starting together on one PostgreSQL database queue up instead of racing (the
 * lock is also taken on PGlite, where it is uncontended). Refuses to start, rather than guess, when
 * an applied migration's text changed or the database has migrations this build does not know
 * (a rollback to older code after a newer one migrated).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, TkmsError, utf8 } from '@tkms/core';
import type { Db } from './db.ts';

export type Migration = {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  /** Hex SHA-256 of `sql`. */
  readonly checksum: string;
};

export type MigrateResult = {
  /** Versions applied by this call, in order (empty when the schema was already current). */
  readonly applied: readonly number[];
  /** Highest version now in the database. */
  readonly current: number;
};

/** "tkms" as a 32-bit integer: the advisory lock key that serialises migrations. */
const MIGRATION_LOCK_KEY = 0x746b6d73;
const FILE_RE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** Reads `migrations/*.sql` next to this file, sorted by version. */
export function loadMigrations(dir: URL = new URL('./migrations/', import.meta.url)): Migration[] {
  const out: Migration[] = [];
  for (const file of readdirSync(dir)) {
    const m = FILE_RE.exec(file);
    if (!m) continue;
    const sql = readFileSync(new URL(file, dir), 'utf8');
    out.push({ version: Number(m[1]), name: m[2] as string, sql, checksum: checksumOf(sql) });
  }
  return checkSequence(out.sort((a, b) => a.version - b.version));
}

export function checksumOf(sql: string): string {
  return bytesToHex(sha256(utf8(sql)));
}

function checkSequence(migrations: Migration[]): Migration[] {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new TkmsError('storage.failed', {
        details: `migrations must be numbered 0001, 0002, … without gaps; found ${m.version} at position ${i + 1}`,
      });
  });
  return migrations;
}

type AppliedRow = { version: number; name: string; checksum: string };

/** Brings the schema up to date. Safe to call on every start and from several replicas at once. */
export async function migrate(
  db: Db,
  migrations: readonly Migration[] = loadMigrations(),
): Promise<MigrateResult> {
  checkSequence([...migrations]);
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const rows = await tx.query<AppliedRow>(
      'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
    );
    const known = new Map(migrations.map((m) => [m.version, m]));
    for (const row of rows) {
      const m = known.get(row.version);
      if (!m)
        throw new TkmsError('storage.failed', {
          details: `database has migration ${row.version} (${row.name}) that this build does not know; refusing to run older code on a newer schema`,
        });
      if (m.checksum !== row.checksum)
        throw new TkmsError('storage.failed', {
          details: `migration ${row.version} (${row.name}) was edited after it was applied; add a new migration instead`,
        });
    }
    const done = new Set(rows.map((r) => r.version));
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        m.version,
        m.name,
        m.checksum,
      ]);
      applied.push(m.version);
    }
    return { applied, current: migrations.at(-1)?.version ?? 0 };
  });
}
