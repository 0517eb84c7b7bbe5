import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { ed25519Suite, setEd25519SubgroupCheck } from '@tkms/core';
import sodium from 'libsodium-wrappers-sumo';
import { installSodiumAccel } from './sodium.ts';

const { Point } = ed25519;
// Small-order points (the torsion subgroup), as encodings.
const SMALL_ORDER = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000080',
  '0000000000000000000000000000000000000000000000000000000000000000',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
];

/** noble's answer to RFC 9591 §6.1: strict decoding, not the identity, in the prime-order subgroup. */
function nobleAccepts(b: Uint8Array): boolean {
  try {
    const p = Point.fromBytes(b, false);
    return !p.is0() && p.isTorsionFree();
  } catch {
    return false;
  }
}

test('libsodium is_valid_point accepts exactly the points noble accepts', async () => {
  await sodium.ready;
  const cases: Uint8Array[] = [];
  for (let i = 0; i < 40; i++) {
    const P = Point.BASE.multiply(BigInt(`0x${randomBytes(31).toString('hex')}`) + 1n);
    cases.push(P.toBytes());
    for (const t of SMALL_ORDER) {
      try {
        cases.push(P.add(Point.fromHex(t)).toBytes());
      } catch {
        // an encoding noble itself refuses to parse: covered by the raw cases below
      }
    }
  }
  for (const t of SMALL_ORDER) cases.push(new Uint8Array(Buffer.from(t, 'hex')));
  for (let i = 0; i < 100; i++) cases.push(new Uint8Array(randomBytes(32)));
  cases.push(
    new Uint8Array(Buffer.from('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'hex')),
  );
  const noble = cases.map(nobleAccepts);
  const fast = cases.map((c) => sodium.crypto_core_ed25519_is_valid_point(c));
  assert.deepEqual(fast, noble);
  assert.ok(noble.filter(Boolean).length >= 40, 'valid points were tested');
  assert.ok(noble.filter((v) => !v).length >= 300, 'torsion, small-order and garbage encodings were tested');
});

test('the ed25519 suite consults the installed check for every fresh point', async () => {
  const fresh = () => Point.BASE.multiply(BigInt(`0x${randomBytes(31).toString('hex')}`) + 1n).toBytes();
  try {
    setEd25519SubgroupCheck(() => false);
    assert.throws(() => ed25519Suite.decodePoint(fresh()), /prime-order subgroup/);
    await installSodiumAccel();
    assert.doesNotThrow(() => ed25519Suite.decodePoint(fresh()));
    const P = Point.fromBytes(fresh());
    assert.throws(
      () => ed25519Suite.decodePoint(P.add(Point.fromHex(SMALL_ORDER[6] as string)).toBytes()),
      /subgroup/,
    );
  } finally {
    setEd25519SubgroupCheck(null);
  }
});
