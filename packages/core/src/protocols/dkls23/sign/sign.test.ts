/**
 * DKLs23 signing end to end on the simulated network: every signer set of a 2-of-3 key and some
 * of a 3-of-5 key on secp256k1 and p256, checked with @noble/curves (not our code): the signature
 * verifies under the DKG's group key (prehash: false), is low-S, its recovery id recovers the key,
 * and the key is the one the DKG shares reconstruct to (test-only reconstruction).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sha256 } from '@noble/hashes/sha2.js';
import { type Bytes, equalBytes, utf8 } from '../../../crypto/bytes.ts';
import { seededRandom } from '../../../engine/simulate/index.ts';
import type { PartyId } from '../../../engine/types.ts';
import { reconstructSecret, testSeed } from '../../testing/fixtures.ts';
import { derivePath } from '../bip32/ckd.ts';
import { assertSingleParty, assertValidEcdsa, CURVES } from './testing/assert-ecdsa.ts';
import { MUL_HARNESSES, outputsOf, runSign, setupDkls23 } from './testing/fixtures.ts';
import type { EcdsaSignatureOutput } from './types.ts';

function subsets<T>(xs: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  if (xs.length < k) return [];
  const [h, ...rest] = xs as [T, ...T[]];
  return [...subsets(rest, k - 1).map((s) => [h, ...s]), ...subsets(rest, k)];
}

for (const harness of MUL_HARNESSES)
  for (const suite of ['secp256k1', 'p256'] as const) {
    test(`${suite} 2-of-3 with ${harness.name}: every signer set signs; the key is the DKG's`, () => {
      const seed = testSeed(`dkls23-${suite}-2of3`);
      const setup = setupDkls23({ suite, n: 3, t: 2, seed, harness });
      const parties = Object.keys(setup.keys).sort();
      const groupKey = (setup.keys[parties[0] as PartyId] as { groupPublicKey: Bytes }).groupPublicKey;
      // Test-only: the secret the shares interpolate to has the group key as its public key.
      const sk = reconstructSecret(setup.keys, parties.slice(0, 2));
      assert.ok(equalBytes(CURVES[suite].Point.BASE.multiply(sk).toBytes(true), groupKey));
      for (const signers of [...subsets(parties, 2), parties]) {
        const digest = sha256(utf8(`pay ${signers.join('+')}`));
        const { outcomes } = runSign({
          setup,
          signers,
          seed: `${seed}/${signers.join(',')}`,
          digest,
          shuffle: true,
        });
        const outs = outputsOf(outcomes);
        const first = outs[signers[0] as PartyId] as EcdsaSignatureOutput;
        for (const o of Object.values(outs))
          assert.ok(equalBytes(o.signature, first.signature), 'same output everywhere');
        assertValidEcdsa(suite, first, groupKey, digest);
        assertSingleParty(suite, first, sk, digest);
      }
    });

    test(`${suite} 3-of-5 with ${harness.name}: several signer sets, including all five`, () => {
      const seed = testSeed(`dkls23-${suite}-3of5`);
      const setup = setupDkls23({ suite, n: 5, t: 3, seed, harness });
      const parties = Object.keys(setup.keys).sort();
      const groupKey = (setup.keys[parties[0] as PartyId] as { groupPublicKey: Bytes }).groupPublicKey;
      const sk = reconstructSecret(setup.keys, parties.slice(2, 5));
      assert.ok(equalBytes(CURVES[suite].Point.BASE.multiply(sk).toBytes(true), groupKey));
      const sets = [
        parties.slice(0, 3),
        [parties[0], parties[2], parties[4]],
        parties.slice(2),
        parties.slice(1),
        parties,
      ];
      for (const signers of sets as PartyId[][]) {
        const digest = sha256(utf8(`3-of-5 ${signers.join('+')}`));
        const { outcomes } = runSign({ setup, signers, seed: `${seed}/${signers.join(',')}`, digest });
        const outs = outputsOf(outcomes);
        const sig = outs[signers[0] as PartyId] as EcdsaSignatureOutput;
        assertValidEcdsa(suite, sig, groupKey, digest);
        assertSingleParty(suite, sig, sk, digest);
      }
    });
  }

for (const suite of ['secp256k1', 'p256'] as const)
  test(`${suite}: a derived child key signs under its derived public key (tweak added by the first signer)`, () => {
    const seed = testSeed(`dkls23-${suite}-child`);
    const setup = setupDkls23({ suite, n: 3, t: 2, seed });
    const groupKey = (setup.keys['node-1'] as { groupPublicKey: Bytes }).groupPublicKey;
    const child = derivePath(groupKey, seededRandom(seed, 'chain-code')(32), 'm/44/60/0/0/7', suite);
    for (const signers of [
      ['node-1', 'node-2'],
      ['node-2', 'node-3'],
    ]) {
      const digest = sha256(utf8(`child ${signers.join('+')}`));
      const outs = outputsOf(
        runSign({ setup, signers, seed: `${seed}/${signers}`, digest, tweak: child.tweak }).outcomes,
      );
      const sig = outs[signers[0] as PartyId] as EcdsaSignatureOutput;
      assertValidEcdsa(suite, sig, child.publicKey, digest);
      assert.ok(
        !CURVES[suite].verify(sig.signature, digest, groupKey, { prehash: false }),
        'not a signature of the parent key',
      );
    }
  });
