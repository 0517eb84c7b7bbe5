/**
 * Micro-benchmark of threshold decryption, one process, no network: the CPU cost of each step.
 * Every timed call gets a ciphertext it has not seen (prepared outside the timing), as a node
 * would, so no per-point cache or table flatters the numbers; the group key and verifying shares
 * are reused, as in a long-running node or client.
 *
 *   node --import tsx packages/core/src/protocols/decrypt/testing/bench.ts [iterations]
 */
import type { Bytes } from '../../../crypto/bytes.ts';
import { utf8 } from '../../../crypto/bytes.ts';
import type { SuiteName } from '../../../crypto/suites/types.ts';
import type { PartyId } from '../../../engine/types.ts';
import { measure } from '../../testing/measure.ts';
import { verifyCiphertext } from '../ciphertext.ts';
import { combineDecryption } from '../combine.ts';
import { encryptToKey } from '../encrypt.ts';
import { partialDecrypt } from '../partial.ts';
import { cluster, partialsFrom } from './cluster.ts';

const iterations = Number(process.argv[2] ?? 200);
const WARMUP = 20;

const label = utf8('tenant-7/documents/42/v1');
for (const [suite, n, t] of [
  ['p256', 3, 2],
  ['p256', 5, 3],
  ['secp256k1', 3, 2],
] as [SuiteName, number, number][]) {
  const c = cluster(suite, n, t, 'bench');
  const publicKey = c.pub.groupPublicKey;
  const plaintext = c.random(32);
  const signers = c.parties.slice(0, t);
  const first = signers[0] as PartyId;
  const key = c.keys[first];
  if (!key) throw new Error('no key');
  const total = WARMUP + iterations;
  const fresh = (): Bytes[] =>
    Array.from({ length: total }, () =>
      encryptToKey({ suite, publicKey, plaintext, label, random: c.random }),
    );
  const tag = `${suite} ${t}-of-${n}`;
  measure(
    `${tag} encrypt (32-byte plaintext)`,
    () => encryptToKey({ suite, publicKey, plaintext, label, random: c.random }),
    { iterations, warmup: WARMUP },
  );
  const forVerify = fresh();
  measure(
    `${tag} verifyCiphertext`,
    (i) => verifyCiphertext({ suite, publicKey, ciphertext: forVerify[i] as Bytes, label }),
    { iterations, warmup: WARMUP },
  );
  const forPartial = fresh();
  measure(
    `${tag} partialDecrypt (incl. checks, self-check)`,
    (i) => partialDecrypt({ key, party: first, ciphertext: forPartial[i] as Bytes, label, random: c.random }),
    { iterations, warmup: WARMUP },
  );
  const forCombine = fresh().map((ciphertext) => ({
    ciphertext,
    partials: partialsFrom(c, signers, ciphertext, label),
  }));
  // Making the partials decoded U, Ū and every D_i, so the combiner's decodes hit the suite's
  // decode cache: a combiner that sees them first pays ≈0.08 ms more per point on P-256.
  measure(
    `${tag} combine (${t} partials)`,
    (i) => {
      const { ciphertext, partials } = forCombine[i] as (typeof forCombine)[number];
      combineDecryption({ key: c.pub, ciphertext, label, partials });
    },
    { iterations, warmup: WARMUP },
  );
}
