/**
 * The suites added for the OPRF and threshold decryption (ristretto255, P-256) run the existing
 * PedPoP DKG unchanged: same rounds, same checks, only the suite differs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateKeyShare } from '../../protocols/key-share.ts';
import { dkgKeys, partyNames, reconstructSecret, testSeed } from '../../protocols/testing/fixtures.ts';
import { bytesToHex, equalBytes } from '../bytes.ts';
import { getSuite } from './index.ts';
import type { SuiteName } from './types.ts';

for (const suiteName of ['ristretto255', 'p256'] as SuiteName[]) {
  test(`${suiteName}: PedPoP DKG 2-of-3 and 3-of-5 run unchanged; shares interpolate to the group key`, () => {
    const s = getSuite(suiteName);
    for (const [n, t] of [
      [3, 2],
      [5, 3],
    ] as const) {
      const seed = testSeed(`dkg-${suiteName}-${t}of${n}`);
      const keys = dkgKeys(suiteName, n, t, seed);
      const parties = partyNames(n);
      const ref = keys[parties[0] as string];
      assert.ok(ref);
      assert.equal(ref.suite, suiteName);
      assert.equal(ref.groupPublicKey.length, s.pointLength);
      for (const p of parties) {
        const k = keys[p];
        assert.ok(k);
        validateKeyShare(k, p);
        assert.ok(equalBytes(k.groupPublicKey, ref.groupPublicKey));
        assert.ok(equalBytes(k.transcriptHash, ref.transcriptHash));
      }
      // TEST ONLY: any t shares reconstruct the group secret.
      const secret = reconstructSecret(keys, parties.slice(0, t));
      assert.equal(bytesToHex(s.encodePoint(s.mulBase(secret))), bytesToHex(ref.groupPublicKey));
      assert.equal(reconstructSecret(keys, parties.slice(n - t)), secret);
    }
  });
}
