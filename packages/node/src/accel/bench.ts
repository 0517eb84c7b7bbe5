/**
 * Timings of the ristretto255 threshold OPRF with and without the libsodium backend, one process
 * each (the backend cannot be uninstalled):
 *
 *   node --import tsx packages/node/src/accel/bench.ts          # with libsodium
 *   node --import tsx packages/node/src/accel/bench.ts --noble  # noble only
 *
 * "repeated" elements and answers are the same in every run (the suite's decode cache holds them,
 * as in core's oprf.bench); "fresh" ones are new in every run, so each is decoded once, as in
 * real requests.
 */
import {
  type Bytes,
  combineCoveredEvaluations,
  evaluateShare,
  type OprfEvaluation,
  objectElement,
  utf8,
} from '@tkms/core';
import { seededRandom } from '@tkms/core/engine/simulate/random';
import { dkgKeys } from '@tkms/core/protocols/testing/fixtures';
import { measure } from '@tkms/core/protocols/testing/measure';
import { installSodiumAccel } from './sodium.ts';

const noble = process.argv.includes('--noble');
if (!noble) await installSodiumAccel();
const RUNS = Number(process.env.TKMS_BENCH_RUNS ?? 20);
const opts = { iterations: RUNS, warmup: 5 };
const keys = dkgKeys('ristretto255', 3, 2, 'accel-bench');
const share = (p: string) => (keys[p] as (typeof keys)[string]).signingShare;
const key = keys['node-1'] as (typeof keys)[string];
const inputs = (run: number, n: number) =>
  Array.from({ length: n }, (_, j) => utf8(`tenant-7/invoices/${run}/${j}`));
const evaluate = (p: string, elements: readonly Bytes[], i: number): OprfEvaluation =>
  evaluateShare('ristretto255', share(p), elements, seededRandom('accel-bench', `${p}/${i}`));
const fresh = (n: number) =>
  Array.from({ length: opts.warmup + RUNS }, (_, run) =>
    inputs(run + 1, n).map((x) => objectElement('ristretto255', x)),
  );

console.log(`# ristretto255, ${noble ? 'noble only' : 'libsodium backend'}, ${RUNS} runs`);
for (const n of [1, 100]) {
  const repeated = inputs(0, n).map((x) => objectElement('ristretto255', x));
  measure(`evaluateShare ${n} (repeated elements)`, (i) => evaluate('node-2', repeated, i), opts);
  const batches = fresh(n);
  measure(`evaluateShare ${n} (fresh elements)`, (i) => evaluate('node-2', batches[i] as Bytes[], i), opts);
}
const objects = inputs(0, 100);
measure(
  'objectElement (HashToGroup), per input',
  (i) => objectElement('ristretto255', objects[i % 100] as Bytes),
  {
    iterations: 200,
    warmup: 20,
  },
);
for (const n of [1, 100]) {
  const elements = inputs(0, n).map((x) => objectElement('ristretto255', x));
  const answersFor = (els: Bytes[], i: number) => {
    const indices = els.map((_, j) => j);
    return {
      'node-1': { ...evaluate('node-1', els, i), indices },
      'node-2': { ...evaluate('node-2', els, i), indices },
    };
  };
  const answers = answersFor(elements, 0);
  measure(
    `combineCovered ${n} × 2 (repeated answers)`,
    () => combineCoveredEvaluations({ key, elements, answers }),
    opts,
  );
  const rounds = fresh(n).map((els, i) => ({ elements: els, answers: answersFor(els, i) }));
  measure(
    `combineCovered ${n} × 2 (fresh answers)`,
    (i) => combineCoveredEvaluations({ key, ...(rounds[i] as (typeof rounds)[number]) }),
    opts,
  );
}
