import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ED25519_TORSION_SUBGROUP, ed25519 } from '@noble/curves/ed25519.js';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import fc from 'fast-check';
import { bytesToHex, concatBytes, hexToBytes } from '../bytes.ts';
import { verifyBip340 } from './bip340.ts';
import { getSuite, SUITES } from './index.ts';
import { evalPolynomial, lagrangeAtZero, vssEvaluate } from './poly.ts';
import type { Suite } from './types.ts';

const scalarArb = (suite: Suite) => fc.bigInt({ min: 1n, max: suite.order - 1n });

for (const suite of Object.values(SUITES)) {
  test(`${suite.name}: point and scalar encodings round-trip and are canonical`, () => {
    fc.assert(
      fc.property(scalarArb(suite), (k) => {
        const P = suite.mulBase(k);
        const b = suite.encodePoint(P);
        assert.equal(b.length, suite.pointLength);
        assert.ok(suite.decodePoint(b).equals(P));
        assert.ok(suite.mulBasePublic(k).equals(P));
        const s = suite.encodeScalar(k);
        assert.equal(s.length, suite.scalarLength);
        assert.equal(suite.decodeScalar(s), k);
      }),
      { numRuns: 50 },
    );
  });

  test(`${suite.name}: decoders reject identity, wrong lengths and non-canonical scalars`, () => {
    assert.throws(() => suite.encodePoint(suite.identity), RangeError);
    const G = suite.encodePoint(suite.G);
    assert.throws(() => suite.decodePoint(G.subarray(1)), RangeError);
    assert.throws(() => suite.decodePoint(concatBytes(G, new Uint8Array([0]))), RangeError);
    assert.throws(() => suite.decodePoint(new Uint8Array(suite.pointLength)), RangeError);
    // q itself and all-ones are not canonical scalars.
    const q = suite.Fn.toBytes(0n);
    const qBytes = suite.Fn.isLE
      ? Uint8Array.from(hexToBytes(suite.order.toString(16).padStart(64, '0')).reverse())
      : hexToBytes(suite.order.toString(16).padStart(64, '0'));
    assert.equal(q.length, 32);
    assert.throws(() => suite.decodeScalar(qBytes), RangeError);
    assert.throws(() => suite.decodeScalar(new Uint8Array(32).fill(0xff)), RangeError);
    assert.throws(() => suite.decodeScalar(new Uint8Array(31)), RangeError);
    assert.equal(suite.decodeScalar(new Uint8Array(32)), 0n);
  });

  test(`${suite.name}: msm equals the sum of products; lagrange interpolates; VSS evaluates`, () => {
    fc.assert(
      fc.property(
        fc.array(scalarArb(suite), { minLength: 1, maxLength: 5 }),
        scalarArb(suite),
        (coeffs, x) => {
          const points = coeffs.map((c) => suite.mulBase(c));
          const scalars = coeffs.map((_, i) => BigInt(i + 2));
          let expected = suite.identity;
          for (const [i, P] of points.entries())
            expected = expected.add(P.multiplyUnsafe(scalars[i] as bigint));
          assert.ok(suite.msm(points, scalars).equals(expected));
          // Feldman: f(x)·G == Σ x^k·C_k.
          assert.ok(suite.mulBase(evalPolynomial(suite, coeffs, x)).equals(vssEvaluate(suite, points, x)));
          // Interpolating t = coeffs.length points at 0 gives f(0).
          const xs = coeffs.map((_, i) => BigInt(i + 1));
          let f0 = 0n;
          for (const xi of xs)
            f0 = suite.Fn.add(
              f0,
              suite.Fn.mul(evalPolynomial(suite, coeffs, xi), lagrangeAtZero(suite, xs, xi)),
            );
          assert.equal(f0, coeffs[0]);
        },
      ),
      { numRuns: 20 },
    );
    assert.throws(() => lagrangeAtZero(suite, [1n, 1n], 1n), RangeError);
    assert.throws(() => lagrangeAtZero(suite, [1n, 2n], 3n), RangeError);
  });

  test(`${suite.name}: randomScalar is non-zero, in range, and uses only the injected randomness`, () => {
    let calls = 0;
    const zero = (n: number) => {
      calls++;
      return new Uint8Array(n);
    };
    const k = suite.randomScalar(zero);
    assert.equal(calls, 1);
    assert.ok(k > 0n && k < suite.order);
    assert.equal(suite.mulBase(0n).is0(), true);
  });
}

test('ed25519: decodePoint rejects every torsion point and torsion-tainted points, and y ≥ p', () => {
  const suite = getSuite('ed25519');
  for (const hex of ED25519_TORSION_SUBGROUP)
    assert.throws(() => suite.decodePoint(hexToBytes(hex)), RangeError, hex);
  const G = ed25519.Point.BASE;
  for (const hex of ED25519_TORSION_SUBGROUP.slice(1)) {
    const tainted = G.add(ed25519.Point.fromHex(hex)).toBytes();
    assert.throws(() => suite.decodePoint(tainted), RangeError);
  }
  // y = p (non-canonical encoding of y = 0) and the "negative zero" x.
  const p = 2n ** 255n - 19n;
  const yp = Uint8Array.from(hexToBytes(p.toString(16).padStart(64, '0')).reverse());
  assert.throws(() => suite.decodePoint(yp), RangeError);
  const negZero = new Uint8Array(32);
  negZero[0] = 1;
  negZero[31] = 0x80;
  assert.throws(() => suite.decodePoint(negZero), RangeError);
});

test('secp256k1: decodePoint accepts only 33-byte compressed encodings with x < p on the curve', () => {
  const suite = getSuite('secp256k1');
  const G = secp256k1.Point.BASE;
  assert.throws(() => suite.decodePoint(G.toBytes(false)), RangeError);
  const bad = G.toBytes(true);
  bad[0] = 0x04;
  assert.throws(() => suite.decodePoint(bad), RangeError);
  const xp = concatBytes(
    new Uint8Array([2]),
    hexToBytes('fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f'),
  );
  assert.throws(() => suite.decodePoint(xp), RangeError);
  // x = 5 is not on the curve (5^3 + 7 = 132 is not a square mod p).
  const notOnCurve = concatBytes(new Uint8Array([2]), hexToBytes('05'.padStart(64, '0')));
  assert.throws(() => suite.decodePoint(notOnCurve), RangeError);
});

test('BIP340 official vectors (bitcoin/bips test-vectors.csv) through our verifier', () => {
  const csv = readFileSync(
    new URL('../../../../../test-vectors/bip340/test-vectors.csv', import.meta.url),
    'utf8',
  );
  const rows = csv.trim().split(/\r?\n/).slice(1);
  assert.ok(rows.length >= 15);
  for (const row of rows) {
    const [index, , pub, , msg, sig, result] = row.split(',') as string[];
    const hex = (s: string | undefined) => hexToBytes((s ?? '').toLowerCase());
    const ok = verifyBip340(hex(pub), hex(msg), hex(sig));
    assert.equal(ok, result === 'TRUE', `vector ${index}`);
    assert.equal(ok, schnorr.verify(hex(sig), hex(msg), hex(pub)), `vector ${index} vs noble`);
  }
});

test('BIP340: our verifier agrees with noble on random keys, messages of any length and corruptions', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ maxLength: 120 }),
      fc.nat({ max: 63 }),
      (seed, msg, flip) => {
        const sk = schnorr.utils.randomSecretKey(concatBytes(seed, new Uint8Array(16).fill(1)));
        const pk = schnorr.getPublicKey(sk);
        const sig = schnorr.sign(msg, sk, new Uint8Array(32));
        assert.ok(verifyBip340(pk, msg, sig));
        const bad = Uint8Array.from(sig);
        bad[flip] = (bad[flip] as number) ^ 0x10;
        assert.equal(verifyBip340(pk, msg, bad), schnorr.verify(bad, msg, pk));
      },
    ),
    { numRuns: 30 },
  );
  assert.equal(verifyBip340(new Uint8Array(31), new Uint8Array(0), new Uint8Array(64)), false);
  assert.equal(bytesToHex(new Uint8Array(0)), '');
});

test('ed25519: decodePointSkipSubgroup skips only the subgroup check and never feeds the strict cache', () => {
  const suite = getSuite('ed25519');
  const tainted = ed25519.Point.BASE.multiply(11n)
    .add(ed25519.Point.fromHex(ED25519_TORSION_SUBGROUP[1] as string))
    .toBytes();
  assert.ok(suite.decodePointSkipSubgroup(tainted));
  assert.throws(() => suite.decodePoint(tainted), RangeError);
  assert.throws(
    () => suite.decodePointSkipSubgroup(concatBytes(new Uint8Array([1]), new Uint8Array(31))),
    RangeError,
  );
  assert.throws(() => suite.decodePointSkipSubgroup(new Uint8Array(31)), RangeError);
  const good = suite.encodePoint(suite.mulBase(99n));
  assert.ok(suite.decodePointSkipSubgroup(good).equals(suite.decodePoint(good)));
});
