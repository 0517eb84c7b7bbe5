/**
 * The libsodium ristretto255 backend against noble: every suite operation it takes over gives
 * noble's bytes on random and edge inputs, HashToGroup is unchanged, and decoding still rejects
 * what it rejected, with the same errors. (Core cannot import libsodium, so this lives here.)
 * Random inputs replay with TKMS_SEED.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulAddUnsafe } from '@noble/curves/abstract/curve.js';
import { ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import {
  type Bytes,
  bytesToHex,
  evaluateShare,
  type GroupPoint,
  hexToBytes,
  mulSecret,
  objectElement,
  ristretto255Hasher,
  SecretBytes,
  setRistretto255Backend,
  ristretto255Suite as suite,
  TkmsError,
} from '@tkms/core';
import { RFC9496_INVALID_ENCODINGS } from '@tkms/core/crypto/suites/testing/ristretto255-vectors';
import { seededRandom } from '@tkms/core/engine/simulate/random';
import { testSeed } from '@tkms/core/protocols/testing/fixtures';
import sodium from 'libsodium-wrappers-sumo';
import { installSodiumAccel } from './sodium.ts';

const { Point } = ristretto255;
const L = Point.Fn.ORDER;
const deriveToCurve = ristretto255_hasher.deriveToCurve as (uniform: Bytes) => InstanceType<typeof Point>;
const random = seededRandom(testSeed('ristretto255-sodium'), 'inputs');
const randomScalar = () => Point.Fn.create(bytesToNumberLE(random(64)));
const randomPoint = () => Point.BASE.multiply(randomScalar() || 1n);
const hex = (P: { toBytes(): Bytes } | GroupPoint) => bytesToHex(suite.encodePoint(P as GroupPoint));
/** The noble result as hex, for comparing with the suite's `GroupPoint`s (noble points too). */
const nobleHex = (P: InstanceType<typeof Point>) => bytesToHex(P.toBytes());

const EDGE_SCALARS = [1n, 2n, 3n, 15n, (1n << 64n) - 1n, 1n << 128n, 1n << 252n, L - 2n, L - 1n];

// RFC 9496 A.2 (the bad encodings) plus the identity.
const INVALID = [...RFC9496_INVALID_ENCODINGS, '00'.repeat(32)];

/** What `decodePoint` threw for these bytes before any backend existed: noble's reason, wrapped. */
function expectedDecodeError(b: Bytes): string | undefined {
  let P: InstanceType<typeof Point>;
  try {
    P = Point.fromBytes(b);
  } catch (e) {
    return `ristretto255: invalid point (${(e as Error).message})`;
  }
  return P.is0() ? 'ristretto255: identity point' : undefined;
}

test('a backend that disagrees with noble is refused, and nothing is installed', async () => {
  await sodium.ready;
  assert.equal(suite.encodedArithmetic(), null, 'no backend before installation');
  const wrongMap = {
    scalarMult: (k: Bytes, P: Bytes) => sodium.crypto_scalarmult_ristretto255(k, P),
    scalarMultBase: (k: Bytes) => sodium.crypto_scalarmult_ristretto255_base(k),
    add: (P: Bytes, Q: Bytes) => sodium.crypto_core_ristretto255_add(P, Q),
    // The map of the first half only: right on many inputs, wrong as a whole.
    fromUniformBytes: (u: Bytes) =>
      sodium.crypto_core_ristretto255_from_hash(
        Uint8Array.from([...u.subarray(0, 32), ...u.subarray(0, 32)]),
      ),
  };
  assert.throws(() => setRistretto255Backend(wrongMap), /disagrees with noble on fromUniformBytes/);
  // Drops the scalar's top byte: right for small scalars, wrong for full-size ones.
  const truncatingMult = {
    ...wrongMap,
    scalarMult: (k: Bytes, P: Bytes) =>
      sodium.crypto_scalarmult_ristretto255(
        Uint8Array.from(k, (x, i) => (i === 31 ? 0 : x)),
        P,
      ),
  };
  assert.throws(() => setRistretto255Backend(truncatingMult), /disagrees with noble on scalarMult\(h, H\)/);
  assert.equal(suite.encodedArithmetic(), null);
});

test('installed once: the node installs it, again is a no-op, a second backend is refused', async () => {
  await installSodiumAccel();
  await installSodiumAccel();
  assert.ok(suite.encodedArithmetic(), 'installed');
  const other = {
    scalarMult: (k: Bytes, P: Bytes) => sodium.crypto_scalarmult_ristretto255(k, P),
    scalarMultBase: (k: Bytes) => sodium.crypto_scalarmult_ristretto255_base(k),
    add: (P: Bytes, Q: Bytes) => sodium.crypto_core_ristretto255_add(P, Q),
    fromUniformBytes: (u: Bytes) => sodium.crypto_core_ristretto255_from_hash(u),
  };
  assert.throws(() => setRistretto255Backend(other), /already installed/);
});

test('mulSecret, mulBase, mulRepeated and mulSecretRepeated give noble’s points (random and edge inputs)', () => {
  const points = [Point.BASE, Point.BASE.negate(), ...Array.from({ length: 6 }, randomPoint)];
  const scalars = [...EDGE_SCALARS, ...Array.from({ length: 6 }, randomScalar)];
  for (const [i, P] of points.entries()) {
    // Half the points come through decodePoint (their encoding is known), half are computed.
    const G = i % 2 === 0 ? suite.decodePoint(P.toBytes()) : (P as unknown as GroupPoint);
    for (const k of scalars) {
      const want = nobleHex(P.multiply(k));
      assert.equal(hex(mulSecret(G, k)), want, `mulSecret(P${i}, ${k})`);
      assert.ok(mulSecret(G, k).equals(P.multiply(k) as unknown as GroupPoint));
    }
  }
  for (const k of scalars)
    assert.equal(hex(suite.mulBase(k)), nobleHex(Point.BASE.multiply(k)), `mulBase(${k})`);
  assert.ok(suite.mulBase(0n).is0());
  assert.throws(() => suite.mulBase(L), /scalar out of range/);
  assert.throws(() => mulSecret(suite.G, 0n), /secret scalar is zero/);
  // A point used again and again switches to noble's window table after a few uses: same results.
  const K = suite.decodePoint(randomPoint().toBytes());
  const nobleK = Point.fromBytes(suite.encodePoint(K));
  for (let use = 0; use < 8; use++) {
    const k = randomScalar();
    assert.equal(hex(suite.mulRepeated(K, k)), nobleHex(nobleK.multiply(k)), `mulRepeated use ${use}`);
    assert.equal(
      hex(suite.mulSecretRepeated(K, k)),
      nobleHex(nobleK.multiply(k)),
      `mulSecretRepeated use ${use}`,
    );
  }
  assert.ok(suite.mulRepeated(K, 0n).is0(), 'a public zero scalar still gives the identity');
  assert.ok(suite.mulRepeated(suite.identity, 5n).is0());
});

test('msm gives noble’s sum for long, short and zero scalars, identity terms and cancellation', () => {
  const P = Array.from({ length: 5 }, randomPoint);
  const cases: [InstanceType<typeof Point>[], bigint[]][] = [
    [P, P.map(randomScalar)],
    [P.slice(0, 1), [randomScalar()]],
    [
      [Point.BASE, P[0] as InstanceType<typeof Point>],
      [randomScalar(), randomScalar()],
    ],
    [P, [randomScalar(), 3n, 0n, (1n << 64n) + 5n, randomScalar()]],
    [
      [...P.slice(0, 2), Point.ZERO],
      [randomScalar(), randomScalar(), randomScalar()],
    ],
    [P, [0n, 0n, 0n, 0n, 0n]],
    [P, [1n, 2n, 3n, 4n, 5n]],
  ];
  for (const [i, [points, scalars]] of cases.entries()) {
    const got = suite.msm(points as unknown as GroupPoint[], scalars);
    const want = mulAddUnsafe(Point, points, scalars);
    assert.ok(got.equals(want as unknown as GroupPoint), `msm case ${i}`);
    if (!want.is0()) assert.equal(hex(got), nobleHex(want), `msm case ${i}`);
  }
  // P·k + (−P)·k is the identity, also when it goes through the backend's additions.
  const Q = P[1] as InstanceType<typeof Point>;
  const k = randomScalar();
  assert.ok(suite.msm([Q, Q.negate()] as unknown as GroupPoint[], [k, k]).is0());
  assert.throws(() => suite.msm([suite.G], [L]));
});

test('encodedArithmetic gives the encodings of noble’s results and refuses to encode the identity', () => {
  const native = suite.encodedArithmetic();
  assert.ok(native);
  const P = Array.from({ length: 4 }, randomPoint);
  for (const k of [...EDGE_SCALARS, randomScalar()]) {
    const Q = P[0] as InstanceType<typeof Point>;
    assert.equal(bytesToHex(native.mulSecret(Q.toBytes(), k)), nobleHex(Q.multiply(k)));
    assert.equal(bytesToHex(native.mulBase(k)), nobleHex(Point.BASE.multiply(k)));
  }
  const scalars = P.map(randomScalar);
  assert.equal(
    bytesToHex(
      native.msm(
        P.map((Q) => Q.toBytes()),
        scalars,
      ),
    ),
    nobleHex(mulAddUnsafe(Point, P, scalars)),
  );
  const G = Point.BASE.toBytes();
  const [s, c] = [randomScalar(), randomScalar()];
  assert.equal(
    bytesToHex(native.msm([G, (P[1] as InstanceType<typeof Point>).toBytes()], [s, c])),
    nobleHex(Point.BASE.multiply(s).add((P[1] as InstanceType<typeof Point>).multiply(c))),
  );
  const Q = P[2] as InstanceType<typeof Point>;
  assert.throws(
    () => native.msm([Q.toBytes(), Q.negate().toBytes()], [7n, 7n]),
    /cannot encode the identity/,
  );
  assert.throws(() => native.msm([Q.toBytes()], [0n]), /cannot encode the identity/);
  assert.throws(() => native.mulSecret(Q.toBytes(), 0n), RangeError);
  assert.throws(() => native.mulBase(L), RangeError);
});

test('HashToGroup and the RFC 9496 map give noble’s elements', () => {
  const dsts = [
    hexToBytes('48617368546f47726f75702d4f50524656312d002d72697374726574746f3235352d534841353132'),
    random(20),
  ];
  const messages = [
    new Uint8Array(0),
    hexToBytes('00'),
    hexToBytes('5a'.repeat(17)),
    random(100),
    random(1000),
  ];
  for (const DST of dsts)
    for (const msg of messages) {
      const want = nobleHex(ristretto255_hasher.hashToCurve(msg, { DST }));
      assert.equal(bytesToHex(ristretto255Hasher.hashToEncoded(msg, { DST })), want);
      assert.equal(hex(ristretto255Hasher.hashToCurve(msg, { DST })), want);
    }
  const uniforms = [
    new Uint8Array(64),
    new Uint8Array(64).fill(0xff),
    Uint8Array.from({ length: 64 }, (_, i) => (i === 31 || i === 63 ? 0x80 : 0)),
    ...Array.from({ length: 20 }, () => random(64)),
  ];
  for (const u of uniforms)
    assert.equal(bytesToHex(sodium.crypto_core_ristretto255_from_hash(u)), nobleHex(deriveToCurve(u)));
  for (let i = 0; i < 5; i++) {
    const input = random(30);
    const DST = new TextEncoder().encode('HashToGroup-OPRFV1-\x00-ristretto255-SHA512');
    assert.equal(
      bytesToHex(objectElement('ristretto255', input)),
      nobleHex(ristretto255_hasher.hashToCurve(input, { DST })),
    );
  }
});

test('decoding rejects exactly what it rejected, with the same errors; the OPRF names the bad element', () => {
  const encodings = [...INVALID.map(hexToBytes), ...Array.from({ length: 300 }, () => random(32))];
  let accepted = 0;
  for (const b of encodings) {
    const want = expectedDecodeError(b);
    if (want === undefined) {
      assert.equal(bytesToHex(suite.encodePoint(suite.decodePoint(b))), bytesToHex(b));
      accepted++;
    } else {
      assert.throws(() => suite.decodePoint(b), { name: 'RangeError', message: want });
    }
  }
  assert.ok(
    accepted > 10 && accepted < encodings.length - 100,
    'both valid and invalid encodings were tried',
  );
  const share = new SecretBytes(suite.encodeScalar(randomScalar() || 1n));
  const good = randomPoint().toBytes();
  for (const bad of INVALID) {
    assert.throws(
      () => evaluateShare('ristretto255', share, [good, hexToBytes(bad)], seededRandom('r')),
      (e: unknown) =>
        e instanceof TkmsError &&
        e.code === 'oprf.bad_element' &&
        e.meta.index === 1 &&
        e.details === `element 1: ${expectedDecodeError(hexToBytes(bad))}`,
    );
  }
});
