/**
 * finishEcdsa's combined check (verification and recovery id in one double multiplication)
 * against @noble/curves' own ECDSA verify and public-key recovery, on both curves, with and
 * without a tweak, for valid combinations and for every way of making them wrong.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '../../../crypto/bytes.ts';
import { getSuite } from '../../../crypto/suites/index.ts';
import { finishEcdsa, verifyEcdsa } from './ecdsa.ts';

const CURVES = { secp256k1, p256 } as const;

for (const name of ['secp256k1', 'p256'] as const) {
  const suite = getSuite(name);
  const { Fn } = suite;
  const curve = CURVES[name];
  let seed = 0;
  const scalar = () =>
    Fn.create(BigInt(`0x${bytesToHex(sha256(new Uint8Array([seed++, name.length])))}`)) || 1n;

  /** Two signers' additive (u, w) for key sk + t, nonce k, mask φ: Σw/Σu = (z + r·(sk + t))/k. */
  function combination(sk: bigint, t: bigint, digest: Uint8Array) {
    const k = scalar();
    const phi = scalar();
    const R = suite.mulBase(k);
    const r = Fn.create(BigInt(`0x${bytesToHex(suite.encodePoint(R).subarray(1))}`));
    const z = Fn.create(BigInt(`0x${bytesToHex(digest)}`));
    const U = Fn.mul(k, phi);
    const W = Fn.mul(phi, Fn.add(z, Fn.mul(r, Fn.add(sk, t))));
    return { R, U, W };
  }

  test(`${name}: finishEcdsa signs what noble verifies, and its recovery id is noble's`, () => {
    for (let i = 0; i < 40; i++) {
      const sk = scalar();
      const t = i % 2 === 0 ? 0n : scalar();
      const key = suite.decodePoint(suite.encodePoint(suite.mulBase(sk)));
      const Q = suite.encodePoint(t === 0n ? key : key.add(suite.mulBasePublic(t)));
      const digest = sha256(new Uint8Array([i]));
      const { R, U, W } = combination(sk, t, digest);
      const out = finishEcdsa({
        suite,
        suiteName: name,
        R,
        U,
        W,
        publicKey: Q,
        verifyAs: { key, tweak: t },
        digest,
      });
      assert.ok(out, `combination ${i} should finish`);
      assert.ok(
        curve.verify(out.signature, digest, Q, { prehash: false, lowS: true }),
        `noble verifies ${i}`,
      );
      const sig = curve.Signature.fromBytes(out.signature, 'compact').addRecoveryBit(out.recovery);
      assert.equal(bytesToHex(sig.recoverPublicKey(digest).toBytes(true)), bytesToHex(Q), `recovers ${i}`);
    }
  });

  test(`${name}: finishEcdsa refuses a wrong W, U, R, digest, key or tweak`, () => {
    const sk = scalar();
    const t = scalar();
    const key = suite.decodePoint(suite.encodePoint(suite.mulBase(sk)));
    const Q = suite.encodePoint(key.add(suite.mulBasePublic(t)));
    const digest = sha256(new Uint8Array([99]));
    const good = combination(sk, t, digest);
    const base = { suite, suiteName: name, publicKey: Q, verifyAs: { key, tweak: t }, digest, ...good };
    assert.ok(finishEcdsa(base), 'the honest combination finishes');
    const other = suite.decodePoint(suite.encodePoint(suite.mulBase(scalar())));
    const cases: Record<string, Parameters<typeof finishEcdsa>[0]> = {
      'W + 1': { ...base, W: Fn.add(good.W, 1n) },
      'U + 1': { ...base, U: Fn.add(good.U, 1n) },
      'U = 0': { ...base, U: 0n },
      'W = 0': { ...base, W: 0n },
      '−R (same x)': { ...base, R: good.R.negate() },
      'another R': { ...base, R: suite.mulBase(scalar()) },
      'another digest': { ...base, digest: sha256(new Uint8Array([100])) },
      'another key': { ...base, verifyAs: { key: other, tweak: t } },
      'no tweak': { ...base, verifyAs: { key, tweak: 0n } },
      'publicKey not K + t·G': { ...base, publicKey: suite.encodePoint(other) },
    };
    for (const [what, c] of Object.entries(cases)) assert.equal(finishEcdsa(c), undefined, what);
  });

  test(`${name}: verifyEcdsa agrees with noble on noble's signatures and on broken ones`, () => {
    for (let i = 0; i < 30; i++) {
      const sk = scalar();
      const t = i % 3 === 0 ? 0n : scalar();
      const key = suite.decodePoint(suite.encodePoint(suite.mulBase(sk)));
      const skBytes = suite.encodeScalar(Fn.add(sk, t));
      const digest = sha256(new Uint8Array([i, 7]));
      const rec = curve.sign(digest, skBytes, { prehash: false, lowS: true, format: 'recovered' });
      const recovery = rec[0] as number;
      const sig = rec.subarray(1);
      const q = { key, tweak: t };
      assert.ok(verifyEcdsa(suite, q, digest, sig, recovery), `noble's signature ${i} verifies`);
      assert.equal(verifyEcdsa(suite, q, digest, sig, recovery ^ 1), false, `wrong recovery id ${i}`);
      const flipped = Uint8Array.from(sig);
      flipped[i % 64] = (flipped[i % 64] as number) ^ 1;
      assert.equal(verifyEcdsa(suite, q, digest, flipped, recovery), false, `flipped byte ${i}`);
      assert.equal(
        verifyEcdsa(suite, { key, tweak: Fn.add(t, 1n) }, digest, sig, recovery),
        false,
        `tweak ${i}`,
      );
      const S = curve.Signature.fromBytes(sig, 'compact');
      const highS = new curve.Signature(S.r, Fn.neg(S.s)).toBytes('compact');
      assert.equal(verifyEcdsa(suite, q, digest, highS, recovery ^ 1), false, `high-S ${i}`);
      assert.equal(verifyEcdsa(suite, q, digest, sig.subarray(1), recovery), false, `short ${i}`);
    }
  });
}
