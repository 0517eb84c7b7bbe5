/**
 * Micro-benchmark of threshold decryption, one process, no network: the CPU cost of each step.
 *
 *   node --import tsx packages/core/src/protocols/decrypt/bench.ts [iterations]
 */
import { utf8 } from '../../crypto/bytes.ts';
import type { SuiteName } from '../../crypto/suites/types.ts';
import { verifyCiphertext } from './ciphertext.ts';
import { combineDecryption } from './combine.ts';
import { encryptToKey } from './encrypt.ts';
import { partialDecrypt } from './partial.ts';
import { cluster, partialsFrom } from './testing.ts';

const iterations = Number(process.argv[2] ?? 200);

function measure(label: string, fn: (i: number) => void): void {
  for (let i = 0; i < 20; i++) fn(-1 - i);
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    fn(i);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const q = (p: number) =>
    (times[Math.min(times.length - 1, Math.floor(p * times.length))] as number).toFixed(2);
  console.log(`${label.padEnd(46)} p50 ${q(0.5).padStart(7)} ms   p90 ${q(0.9).padStart(7)} ms`);
}

const label = utf8('tenant-7/documents/42/v1');
for (const [suite, n, t] of [
  ['p256', 3, 2],
  ['p256', 5, 3],
  ['secp256k1', 3, 2],
] as [SuiteName, number, number][]) {
  const c = cluster(suite, n, t, 'bench');
  const publicKey = c.pub.groupPublicKey;
  const plaintext = c.random(32);
  const ciphertext = encryptToKey({ suite, publicKey, plaintext, label, random: c.random });
  const signers = c.parties.slice(0, t);
  const partials = partialsFrom(c, signers, ciphertext, label);
  const key = c.keys[signers[0] as string];
  if (!key) throw new Error('no key');
  const tag = `${suite} ${t}-of-${n}`;
  measure(`${tag} encrypt (32-byte plaintext)`, () =>
    encryptToKey({ suite, publicKey, plaintext, label, random: c.random }),
  );
  measure(`${tag} verifyCiphertext`, () => verifyCiphertext({ suite, publicKey, ciphertext, label }));
  measure(`${tag} partialDecrypt (incl. verify + self-check)`, () =>
    partialDecrypt({ key, party: signers[0] as string, ciphertext, label, random: c.random }),
  );
  measure(`${tag} combine (${t} partials)`, () =>
    combineDecryption({ key: c.pub, ciphertext, label, partials }),
  );
}
