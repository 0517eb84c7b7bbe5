/**
 * Measures what PGlite costs the main thread per audit append, in this thread and in a worker, on
 * a data directory with fsync on (the production setting).
 *
 * For each mode: wall time of `appendAudit` as the caller sees it (p50/p90/p99), the main thread's
 * busy time per append (event-loop utilisation: time not spent waiting for I/O), and how late a
 * timer due every 1 ms fires meanwhile (the delay a peer message arriving at that moment would see).
 * Back-to-back appends show the cost in isolation, concurrent appenders the cost under load, and
 * appends started at a steady rate what the rest of the node sees in between; "session flush" is
 * the transaction the session log commits per signature (session row + audit record).
 *
 * Usage: node --import tsx packages/node/src/storage/testing/append-latency.ts [appends]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDb } from '../db.ts';
import { migrate } from '../migrate.ts';
import { Store } from '../store.ts';

const N = Number(process.argv[2] ?? 1000);
const CONCURRENCY = 8;
const PACE_MS = 2;

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

type Result = {
  wall: { p50: number; p90: number; p99: number };
  busyPerAppendMs: number;
  lag: { p50: number; p99: number; max: number };
};

/**
 * `concurrency` appenders back to back, or (`paceMs`) one append started every `paceMs` whatever
 * the previous ones do, as sessions finishing at a steady rate would.
 */
type Load = ({ concurrency: number } | { paceMs: number }) & { flush?: true };

async function measure(store: Store, opts: Load): Promise<Result> {
  const walls: number[] = [];
  const lags: number[] = [];
  let last = performance.now();
  const probe = setInterval(() => {
    const now = performance.now();
    lags.push(now - last - 1);
    last = now;
  }, 1);
  await new Promise((r) => setTimeout(r, 5));
  lags.length = 0;
  const elu0 = performance.eventLoopUtilization();
  const one = async (i: number) => {
    const t0 = performance.now();
    const audit = { actor: 'bench', action: 'sign', outcome: 'ok', detail: { i } };
    if (opts.flush)
      // What the session log commits per signature (audit/session-log.ts).
      await store.transaction(async (tx) => {
        const ssid = randomBytes(32).toString('hex');
        await tx.insertFinishedSessions([{ ssid, protocol: 'bench', status: 'done' }]);
        await tx.appendAuditBatch([audit]);
      });
    else await store.appendAudit(audit);
    walls.push(performance.now() - t0);
  };
  if ('paceMs' in opts) {
    const started: Promise<void>[] = [];
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      const due = t0 + i * opts.paceMs;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      started.push(one(i));
    }
    await Promise.all(started);
  } else {
    let next = 0;
    const appender = async () => {
      while (next < N) await one(next++);
    };
    await Promise.all(Array.from({ length: opts.concurrency }, appender));
  }
  const elu = performance.eventLoopUtilization(elu0);
  await new Promise((r) => setTimeout(r, 5)); // a probe held up by the appends gets its turn
  clearInterval(probe);
  walls.sort((a, b) => a - b);
  lags.sort((a, b) => a - b);
  return {
    wall: { p50: pct(walls, 50), p90: pct(walls, 90), p99: pct(walls, 99) },
    busyPerAppendMs: elu.active / N,
    lag: { p50: pct(lags, 50), p99: pct(lags, 99), max: lags.at(-1) ?? Number.NaN },
  };
}

const root = mkdtempSync(join(tmpdir(), 'tkms-append-latency-'));
const f = (x: number) => x.toFixed(2).padStart(7);
try {
  console.log(`${N} appendAudit per run, data directory with fsync on (${root})`);
  console.log(
    'mode       load             wall p50    p90    p99 | main busy/append | 1 ms timer late p50    p99    max',
  );
  for (const worker of [false, true]) {
    const db = await openDb(`pglite:${join(root, worker ? 'worker' : 'inthread')}`, { worker });
    try {
      await migrate(db);
      const store = new Store(db);
      await measure(store, { concurrency: 1 }); // warm-up: compiled statements, first checkpoint
      const loads = [
        ['back to back', { concurrency: 1 }],
        [`${CONCURRENCY} at once`, { concurrency: CONCURRENCY }],
        [`one per ${PACE_MS} ms`, { paceMs: PACE_MS }],
        ['session flush', { concurrency: 1, flush: true }],
      ] as const satisfies ReadonlyArray<readonly [string, Load]>;
      for (const [load, opts] of loads) {
        const r = await measure(store, opts);
        console.log(
          `${(worker ? 'worker' : 'in-thread').padEnd(10)} ${load.padEnd(14)} ${f(r.wall.p50)} ${f(r.wall.p90)} ${f(r.wall.p99)} | ${f(r.busyPerAppendMs)}           |            ${f(r.lag.p50)} ${f(r.lag.p99)} ${f(r.lag.max)}`,
        );
      }
    } finally {
      await db.close();
    }
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
