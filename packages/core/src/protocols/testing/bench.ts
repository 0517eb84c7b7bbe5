/**
 * Micro-benchmark of the DKG and FROST signing, all parties in one process on the simulated
 * network (no I/O, no latency): the CPU cost a cluster pays per operation, summed over parties.
 *
 *   node --import tsx packages/core/src/protocols/testing/bench.ts [iterations]
 */
import { utf8 } from '../../crypto/bytes.ts';
import type { SuiteName } from '../../crypto/suites/types.ts';
import type { FrostMode } from '../frost/ciphersuite.ts';
import { dkgKeys, partyNames, signAndAggregate } from './fixtures.ts';

const iterations = Number(process.argv[2] ?? 30);

function measure(label: string, fn: (i: number) => void): void {
  for (let i = 0; i < 5; i++) fn(-1 - i);
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    fn(i);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const q = (p: number) =>
    (times[Math.min(times.length - 1, Math.floor(p * times.length))] as number).toFixed(2);
  console.log(`${label.padEnd(44)} p50 ${q(0.5).padStart(7)} ms   p90 ${q(0.9).padStart(7)} ms`);
}

const cases: [SuiteName, FrostMode][] = [
  ['ed25519', 'ed25519'],
  ['secp256k1', 'bip340'],
];
for (const [suite, mode] of cases) {
  for (const [n, t] of [
    [3, 2],
    [5, 3],
  ] as const) {
    measure(`${suite} DKG ${t}-of-${n} (all ${n} parties)`, (i) => dkgKeys(suite, n, t, `bench-${i}`));
    const keys = dkgKeys(suite, n, t, 'bench-keys');
    const signers = partyNames(n).slice(0, t);
    measure(`${mode} sign ${t}-of-${n} (${t} signers + aggregate)`, (i) =>
      signAndAggregate({ keys, signers, message: utf8(`m${i}`), mode, seed: `bench-sign-${i}` }),
    );
  }
}
