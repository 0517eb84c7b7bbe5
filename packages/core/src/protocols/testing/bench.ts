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
import { measure } from './measure.ts';

const iterations = Number(process.argv[2] ?? 30);

const cases: [SuiteName, FrostMode][] = [
  ['ed25519', 'ed25519'],
  ['secp256k1', 'bip340'],
];
for (const [suite, mode] of cases) {
  for (const [n, t] of [
    [3, 2],
    [5, 3],
  ] as const) {
    measure(`${suite} DKG ${t}-of-${n} (all ${n} parties)`, (i) => dkgKeys(suite, n, t, `bench-${i}`), {
      iterations,
      warmup: 5,
    });
    const keys = dkgKeys(suite, n, t, 'bench-keys');
    const signers = partyNames(n).slice(0, t);
    measure(
      `${mode} sign ${t}-of-${n} (${t} signers + aggregate)`,
      (i) => signAndAggregate({ keys, signers, message: utf8(`m${i}`), mode, seed: `bench-sign-${i}` }),
      { iterations, warmup: 5 },
    );
  }
}
