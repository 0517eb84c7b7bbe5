/**
 * Durability of an embedded data directory against a killed process: a child writes in a loop,
 * gets SIGKILL at a random moment (also once during its very first start, while the directory is
 * being created), and the directory must reopen, migrate and verify every time. Checks after each
 * kill: every acknowledged commit is there, keys and their audit records appear only in pairs
 * (no torn transaction), ids have no holes, the audit chain verifies.
 *
 * Replay a run with TKMS_TEST_SEED=<printed seed>.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openDb } from './db.ts';
import { migrate } from './migrate.ts';
import { Store } from './store.ts';

const WRITER = fileURLToPath(new URL('./testing/crash-writer.ts', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'tkms-crash-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** mulberry32: small, seedable, good enough to pick kill moments. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Run = {
  child: ChildProcess;
  acked: () => number;
  ready: () => boolean;
  stderr: () => string;
  exited: Promise<unknown>;
};

function startWriter(dir: string, first: number): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dir, String(first)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let acked = first - 1;
  let ready = false;
  let buf = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buf += chunk;
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const line of lines) {
      if (line === 'ready') ready = true;
      const m = /^ack (\d+)$/.exec(line);
      if (m) acked = Number(m[1]);
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return { child, acked: () => acked, ready: () => ready, stderr: () => err, exited };
}

async function waitFor(cond: () => boolean, run: Run, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (run.child.exitCode !== null)
      throw new Error(`writer exited early (${run.child.exitCode}): ${run.stderr()}`);
    if (Date.now() > until) throw new Error(`timed out waiting for the writer: ${run.stderr()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Reopens the directory and checks it; returns the number of committed keys. */
async function reopenAndCheck(dir: string, minCommitted: number): Promise<number> {
  const db = await openDb(`pglite:${dir}`);
  try {
    await migrate(db);
    const store = new Store(db);
    const [k] = await db.query<{ n: number; lo: number | null; hi: number | null }>(
      `SELECT count(*)::int AS n, min(substr(id, 7)::int) AS lo, max(substr(id, 7)::int) AS hi
       FROM keys WHERE id LIKE 'crash-%'`,
    );
    const [a] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_log WHERE actor = 'crash-writer'`,
    );
    const [orphans] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM keys k FULL JOIN audit_log l ON l.key_id = k.id
       WHERE k.id IS NULL OR l.seq IS NULL`,
    );
    assert.ok(k && a && orphans);
    assert.ok(k.n >= minCommitted, `acknowledged ${minCommitted} commits, found ${k.n}`);
    assert.equal(a.n, k.n, 'every key has exactly its audit record');
    assert.equal(orphans.n, 0, 'no key without audit record or audit record without key');
    if (k.n > 0) assert.deepEqual([k.lo, k.hi], [0, k.n - 1], 'key ids have no holes');
    assert.equal(await store.verifyAuditChain(), null);
    assert.equal((await store.listAudit({ limit: 10_000 })).length, k.n);
    return k.n;
  } finally {
    await db.close();
  }
}

it('a data directory survives SIGKILL during creation and during writes, and reopens intact', {
  timeout: 240_000,
}, async (t) => {
  const seed = Number(process.env.TKMS_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));
  t.diagnostic(`seed ${seed}`);
  const rand = prng(seed);
  const dir = join(root, 'node-data');
  let committed = 0;
  const observed: string[] = [];

  // Round 0: killed while the directory is being created (it is built aside, then renamed).
  {
    const run = startWriter(dir, 0);
    const creating = () => readdirSync(root).some((f) => f.includes('.init-'));
    await waitFor(() => creating() || run.ready(), run, 120_000);
    await new Promise((r) => setTimeout(r, Math.floor(rand() * 600)));
    const state = creating()
      ? 'while creating the directory'
      : run.ready()
        ? 'after it was ready'
        : 'after creating it';
    run.child.kill('SIGKILL');
    await run.exited;
    observed.push(`round 0: killed ${state}`);
    committed = await reopenAndCheck(dir, run.acked() + 1);
    const leftovers = readdirSync(root).filter((f) => f.includes('.init-'));
    assert.deepEqual(leftovers, [], 'no half-created directory left behind after the next open');
  }

  // Rounds 1..3: killed at a random number of commits into a write loop.
  for (let round = 1; round <= 3; round++) {
    const run = startWriter(dir, committed);
    const target = committed + 10 + Math.floor(rand() * 60);
    await waitFor(() => run.acked() + 1 >= target, run, 120_000);
    // A random extra delay so the kill lands anywhere in the write / checkpoint cycle.
    await new Promise((r) => setTimeout(r, Math.floor(rand() * 15)));
    run.child.kill('SIGKILL');
    await run.exited;
    const acked = run.acked() + 1;
    const found = await reopenAndCheck(dir, acked);
    observed.push(`round ${round}: acked ${acked}, found ${found} committed`);
    committed = found;
  }
  t.diagnostic(observed.join('; '));
});
