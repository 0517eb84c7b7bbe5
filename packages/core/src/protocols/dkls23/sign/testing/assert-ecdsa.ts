/**
 * The checks a relying party makes on a DKLs23 signature, with @noble/curves only (none of the
 * code under test): verifies under the expected key with prehash: false, low-S, r is the first
 * half of the compact signature, and the recovery id recovers the key.
 */
import assert from 'node:assert/strict';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToNumberBE } from '@noble/curves/utils.js';
import { type Bytes, equalBytes } from '../../../../crypto/bytes.ts';
import type { EcdsaSignatureOutput, EcdsaSuiteName } from '../types.ts';

export const CURVES = { secp256k1, p256 } as const;

export function assertValidEcdsa(
  suite: EcdsaSuiteName,
  sig: EcdsaSignatureOutput,
  publicKey: Bytes,
  digest: Bytes,
): void {
  const curve = CURVES[suite];
  assert.ok(equalBytes(sig.publicKey, publicKey), 'signature is for the expected key');
  assert.ok(curve.verify(sig.signature, digest, publicKey, { prehash: false, lowS: true }), 'noble verifies');
  assert.ok(bytesToNumberBE(sig.s) <= curve.Point.Fn.ORDER >> 1n, 'low-S');
  assert.ok(equalBytes(sig.r, sig.signature.subarray(0, 32)));
  assert.ok(equalBytes(sig.s, sig.signature.subarray(32)));
  const recovered = curve.Signature.fromBytes(sig.signature)
    .addRecoveryBit(sig.recovery)
    .recoverPublicKey(digest);
  assert.ok(equalBytes(recovered.toBytes(true), publicKey), 'recovery id recovers the public key');
}

/**
 * Test-only, with the reconstructed secret key: the signature is exactly what one party holding
 * `sk` produces with some nonce k. Solving s = k⁻¹·(z + r·sk) for k gives the only candidate;
 * it must satisfy x(k·G) ≡ r, which fails for a signature made under any other key.
 */
export function assertSingleParty(
  suite: EcdsaSuiteName,
  sig: EcdsaSignatureOutput,
  sk: bigint,
  digest: Bytes,
): void {
  const { Point } = CURVES[suite];
  const { Fn } = Point;
  const r = bytesToNumberBE(sig.r);
  const s = bytesToNumberBE(sig.s);
  const z = Fn.create(bytesToNumberBE(digest));
  const k = Fn.div(Fn.add(z, Fn.mul(r, sk)), s);
  assert.equal(Fn.create(Point.BASE.multiply(k).toAffine().x), r, 'x(k·G) ≡ r for the implied nonce');
}
