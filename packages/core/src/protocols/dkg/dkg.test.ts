import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytesToHex, equalBytes } from '../../crypto/bytes.ts';
import { decodeFields } from '../../crypto/lp.ts';
import { getSuite } from '../../crypto/suites/index.ts';
import type { SuiteName } from '../../crypto/suites/types.ts';
import { simulate } from '../../engine/simulate/index.ts';
import { validateKeyShare } from '../key-share.ts';
import { dkgKeys, partyNames, reconstructSecret, runDkg, testSeed } from '../testing/fixtures.ts';
import { startDkg } from './start.ts';
import { DKG_PROTOCOL } from './types.ts';

for (const suiteName of ['ed25519', 'secp256k1'] as SuiteName[]) {
  for (const [n, t] of [
    [2, 2],
    [3, 2],
    [5, 3],
  ] as const) {
    test(`${suiteName} DKG ${t}-of-${n}: all parties agree, shares interpolate to the group key`, () => {
      const seed = testSeed(`dkg-${suiteName}-${t}of${n}`);
      const suite = getSuite(suiteName);
      const keys = dkgKeys(suiteName, n, t, seed);
      const parties = partyNames(n);
      const ref = keys[parties[0] as string];
      assert.ok(ref);
      assert.equal(ref.groupPublicKey.length, suiteName === 'ed25519' ? 32 : 33);
      for (const p of parties) {
        const k = keys[p];
        assert.ok(k);
        assert.ok(equalBytes(k.groupPublicKey, ref.groupPublicKey));
        assert.ok(equalBytes(k.transcriptHash, ref.transcriptHash));
        assert.deepEqual(k.identifiers, ref.identifiers);
        assert.deepEqual(k.parties, parties);
        assert.equal(k.threshold, t);
        // Own verifying share is own share times G; everybody holds the same verifying shares.
        const own = suite.mulBase(suite.decodeScalar(k.signingShare.expose()));
        assert.ok(equalBytes(suite.encodePoint(own), k.verifyingShares[p] as Uint8Array));
        for (const q of parties)
          assert.ok(equalBytes(k.verifyingShares[q] as Uint8Array, ref.verifyingShares[q] as Uint8Array));
        // The key share redacts itself.
        assert.equal(JSON.stringify(k.signingShare), '"[secret]"');
      }
      // Identifier of the party at sorted index i is i+1.
      for (const [i, p] of parties.entries())
        assert.equal(ref.identifiers[p], bytesToHex(suite.encodeScalar(BigInt(i + 1))));
      // TEST ONLY: any t shares reconstruct the secret of the group key; t-1 do not.
      const s = reconstructSecret(keys, parties.slice(0, t));
      assert.equal(bytesToHex(suite.encodePoint(suite.mulBase(s))), bytesToHex(ref.groupPublicKey));
      const s2 = reconstructSecret(keys, parties.slice(n - t));
      assert.equal(s2, s);
      if (t > 2) assert.notEqual(reconstructSecret(keys, parties.slice(0, t - 1)), s);
    });
  }
}

test('DKG with the same seed is deterministic; another seed gives another key', () => {
  const a = runDkg({ suite: 'ed25519', n: 3, t: 2, seed: 'fixed' });
  const b = runDkg({ suite: 'ed25519', n: 3, t: 2, seed: 'fixed' });
  const c = runDkg({ suite: 'ed25519', n: 3, t: 2, seed: 'other' });
  const key = (r: typeof a) => {
    const o = r.outcomes['node-1'];
    assert.equal(o?.status, 'done');
    return o?.status === 'done' ? bytesToHex(o.output.groupPublicKey) : '';
  };
  assert.equal(key(a), key(b));
  assert.notEqual(key(a), key(c));
});

test('DKG start refuses bad parameters as abort values', () => {
  const parties = partyNames(3);
  const cases: [unknown, number, string][] = [
    ['ed25519', 1, 'key.threshold_invalid'],
    ['ed25519', 4, 'key.threshold_invalid'],
    ['ed25519', 2.5, 'key.threshold_invalid'],
    ['p384', 2, 'key.type_unknown'],
  ];
  for (const [suite, threshold, code] of cases) {
    const { outcomes } = simulate({
      protocol: DKG_PROTOCOL,
      parties,
      start: (ctx) => startDkg(ctx, { suite: suite as SuiteName, threshold }),
    });
    for (const o of Object.values(outcomes)) {
      assert.equal(o.status, 'aborted');
      if (o.status === 'aborted') assert.equal(o.abort.code, code);
    }
  }
  const one = simulate({
    protocol: DKG_PROTOCOL,
    parties: ['solo'],
    start: (ctx) => startDkg(ctx, { suite: 'ed25519', threshold: 2 }),
  });
  assert.equal(one.outcomes.solo?.status, 'aborted');
});

test('validateKeyShare accepts DKG outputs and rejects tampered key packages', () => {
  const seed = testSeed('validate-key-share');
  for (const suiteName of ['ed25519', 'secp256k1'] as SuiteName[]) {
    const suite = getSuite(suiteName);
    const keys = dkgKeys(suiteName, 4, 3, seed);
    for (const [p, k] of Object.entries(keys)) validateKeyShare(k, p);
    const k = keys['node-1'];
    assert.ok(k);
    const other = suite.encodePoint(suite.mulBase(5n));
    assert.throws(
      () => validateKeyShare({ ...k, verifyingShares: { ...k.verifyingShares, 'node-4': other } }, 'node-1'),
      /off the key/,
    );
    assert.throws(() => validateKeyShare({ ...k, groupPublicKey: other }, 'node-1'), /interpolate/);
    assert.throws(
      () => validateKeyShare({ ...k, signingShare: (keys['node-2'] as typeof k).signingShare }, 'node-1'),
      /signing share/,
    );
    assert.throws(() => validateKeyShare({ ...k, threshold: 5 }, 'node-1'), /threshold/);
    assert.throws(
      () =>
        validateKeyShare(
          { ...k, identifiers: { ...k.identifiers, 'node-2': k.identifiers['node-1'] as string } },
          'node-1',
        ),
      /duplicate/,
    );
  }
});

test('the group key is the sum of the dealers’ constant-term commitments, as sent on the wire', () => {
  for (const suiteName of ['ed25519', 'secp256k1'] as SuiteName[]) {
    const suite = getSuite(suiteName);
    const r = runDkg({ suite: suiteName, n: 3, t: 2, seed: testSeed(`dkg-sum-${suiteName}`) });
    // One round-1 broadcast per dealer (the copy sent to any one recipient).
    const firsts = new Map<string, Uint8Array>();
    for (const env of r.sent)
      if (env.round === 1 && env.kind === 'msg' && !firsts.has(env.from)) {
        const [commitments] = decodeFields(env.payload);
        const [c0] = decodeFields(commitments as Uint8Array);
        firsts.set(env.from, c0 as Uint8Array);
      }
    assert.equal(firsts.size, 3);
    let sum = suite.identity;
    for (const c0 of firsts.values()) sum = sum.add(suite.decodePoint(c0));
    for (const o of Object.values(r.outcomes)) {
      assert.equal(o.status, 'done');
      if (o.status === 'done')
        assert.equal(bytesToHex(o.output.groupPublicKey), bytesToHex(suite.encodePoint(sum)));
    }
  }
});
