/**
 * The libsecp256k1 backend (tiny-secp256k1) against noble: a backend that disagrees is refused;
 * installed, every suite operation it takes over gives noble's bytes on random and edge inputs,
 * and decoding still rejects what it rejected. (Core cannot import tiny-secp256k1, so this lives
 * here; core's own secp256k1 and DKLs23 tests rerun with it in secp256k1.core-tests.test.ts.)
 * Random inputs replay with TKMS_SEED.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToNumberBE } from '@noble/curves/utils.js';
import {
  bytesToHex,
  type GroupPoint,
  hexToBytes,
  mulSecret,
  type Secp256k1Backend,
  setSecp256k1Backend,
  secp256k1Suite as suite,
} from '@tkms/core';
import { secp256k1Native, secp256k1NativeRecover } from '@tkms/core/crypto/suites/secp256k1-backend';
import { seededRandom } from '@tkms/core/engine/simulate/random';
import { testSeed } from '@tkms/core/protocols/testing/fixtures';
import { installSecp256k1Accel, tinySecp256k1 } from './secp256k1.ts';

const { Point } = secp256k1;
const N = Point.Fn.ORDER;
const random = seededRandom(testSeed('secp256k1-tiny'), 'inputs');
const randomScalar = () => Point.Fn.create(bytesToNumberBE(random(48))) || 1n;
const hex = (P: GroupPoint) => bytesToHex(suite.encodePoint(P));
const nobleHex = (P: InstanceType<typeof Point>) => bytesToHex(P.toBytes(true));
const EDGE_SCALARS = [1n, 2n, 3n, (1n << 64n) - 1n, 1n << 128n, 1n << 255n, N - 2n, N - 1n];

test('a backend that disagrees with noble is refused, and nothing is installed', () => {
  assert.equal(secp256k1Native(), null, 'no backend before installation');
  const wrong: Record<string, Secp256k1Backend> = {
    'a wrong product': { ...tinySecp256k1, pointMultiply: (P, k) => tinySecp256k1.pointFromScalar(k) ?? P },
    'a wrong base product': {
      ...tinySecp256k1,
      pointFromScalar: (k) => tinySecp256k1.pointMultiply(Point.BASE.multiply(2n).toBytes(true), k),
    },
    'recovery that ignores the id': {
      ...tinySecp256k1,
      recover: (h, rs) => tinySecp256k1.recover(h, rs, 0),
    },
    'recovery of a key that is not there': {
      ...tinySecp256k1,
      recover: (h, rs, id) => tinySecp256k1.recover(h, rs, (id & 1) as 0 | 1),
    },
  };
  for (const [what, b] of Object.entries(wrong)) {
    assert.throws(() => setSecp256k1Backend(b), /secp256k1 backend/, what);
    assert.equal(secp256k1Native(), null, `${what}: nothing installed`);
    assert.equal(secp256k1NativeRecover(), null, `${what}: no recovery installed`);
  }
});

test('installed, multiplications give noble’s points on random and edge scalars', () => {
  installSecp256k1Accel();
  installSecp256k1Accel(); // idempotent
  assert.ok(secp256k1Native(), 'installed');
  assert.throws(() => setSecp256k1Backend({ ...tinySecp256k1 }), /already installed/);
  const scalars = [...EDGE_SCALARS, ...Array.from({ length: 24 }, randomScalar)];
  for (const k of scalars) {
    const P = suite.decodePoint(Point.BASE.multiply(randomScalar()).toBytes(true));
    const nobleP = Point.fromBytes(suite.encodePoint(P));
    assert.equal(hex(suite.mulBase(k)), nobleHex(Point.BASE.multiply(k)), `mulBase ${k}`);
    assert.equal(hex(mulSecret(P, k)), nobleHex(nobleP.multiply(k)), `mulSecret ${k}`);
    assert.equal(hex(suite.mulRepeated(P, k)), nobleHex(nobleP.multiply(k)), `mulRepeated ${k}`);
    // A natively computed point behaves as a noble point in later noble arithmetic.
    const Q = suite.mulBase(k);
    assert.equal(hex(Q.add(P)), nobleHex(Point.BASE.multiply(k).add(nobleP)), `add after native ${k}`);
    assert.ok(Q.equals(Point.BASE.multiply(k) as unknown as GroupPoint));
  }
  assert.equal(suite.mulBase(0n).is0(), true, 'k = 0 is the identity, as without the backend');
  assert.throws(() => mulSecret(suite.G, 0n), /zero/);
  assert.throws(() => suite.mulBase(N), /out of range/);
});

test('installed, decoding refuses what it refused before, with the same errors', () => {
  installSecp256k1Accel();
  const G = Point.BASE.toBytes(true);
  const bad = {
    'x ≥ p': hexToBytes(`02${'ff'.repeat(32)}`),
    'not on the curve': hexToBytes(`02${'00'.repeat(31)}05`),
    uncompressed: Point.BASE.toBytes(false),
    'prefix 04 on 33 bytes': Uint8Array.from(G, (x, i) => (i === 0 ? 4 : x)),
    'the identity byte': new Uint8Array(33),
  };
  for (const [what, b] of Object.entries(bad)) assert.throws(() => suite.decodePoint(b), RangeError, what);
});

test('installed, key recovery agrees with noble’s and refuses what has no key', () => {
  installSecp256k1Accel();
  const recover = secp256k1NativeRecover();
  assert.ok(recover);
  for (let i = 0; i < 20; i++) {
    const sk = randomScalar();
    const digest = random(32);
    const rec = secp256k1.sign(digest, Point.Fn.toBytes(sk), { prehash: false, format: 'recovered' });
    const rs = rec.subarray(1);
    const id = rec[0] as number;
    const want = Point.BASE.multiply(sk).toBytes(true);
    assert.equal(bytesToHex(recover(digest, rs, id) ?? new Uint8Array()), bytesToHex(want), `recovers ${i}`);
    const other = recover(digest, rs, id ^ 1);
    assert.notEqual(bytesToHex(other ?? new Uint8Array()), bytesToHex(want), `other parity ${i}`);
    assert.equal(recover(digest, rs, 4), null, 'id out of range');
    assert.equal(recover(digest, rs, id + 0.5), null, 'id not an integer');
    assert.equal(recover(digest, rs, '1' as unknown as number), null, 'id not a number');
    assert.equal(recover(digest.subarray(1), rs, id), null, 'short digest');
    assert.equal(recover(digest, new Uint8Array(64), id), null, 'r = s = 0');
    assert.equal(
      recover(
        digest,
        Uint8Array.from({ length: 64 }, () => 0xff),
        id,
      ),
      null,
      'r, s ≥ n',
    );
  }
});
