/**
 * The last step of DKLs23 Protocol 3.6 (output): s = (Σ w_j)/(Σ u_j), r = x(R) mod q, then the
 * ECDSA conventions callers expect — low-S (s ≤ q/2, BIP62/EIP-2) with the recovery id adjusted,
 * and a verification before anything is returned, so a wrong signature never leaves core.
 */
import { bytesToNumberBE } from '@noble/curves/utils.js';
import { type Bytes, concatBytes, equalBytes } from '../../../crypto/bytes.ts';
import { secp256k1NativeRecover } from '../../../crypto/suites/secp256k1-backend.ts';
import type { GroupPoint, Suite } from '../../../crypto/suites/types.ts';
import type { EcdsaSignatureOutput, EcdsaSuiteName } from './types.ts';

export const DIGEST_BYTES = 32;

/**
 * Public key recovery in a native backend for this suite, if one is installed (secp256k1 with
 * libsecp256k1; see crypto/suites/secp256k1-backend.ts), else null and the noble path below.
 */
const nativeRecover = (suite: string) => (suite === 'secp256k1' ? secp256k1NativeRecover() : null);

/** ECDSA's z for a 32-byte digest on a 256-bit curve: bits2int(digest) mod q (SEC1 §4.1.3 step 5). */
export function digestScalar(suite: Suite, digest: Bytes): bigint {
  if (digest.length !== DIGEST_BYTES) throw new RangeError('digest must be 32 bytes');
  return suite.Fn.create(bytesToNumberBE(digest));
}

/** x(R) as an integer (not reduced) and reduced mod q. */
export function xCoordinate(suite: Suite, R: GroupPoint): { x: bigint; r: bigint; yOdd: boolean } {
  const enc = suite.encodePoint(R); // SEC1 compressed: 0x02/0x03 ‖ x
  const x = bytesToNumberBE(enc.subarray(1));
  return { x, r: suite.Fn.create(x), yOdd: (enc[0] as number) === 0x03 };
}

/**
 * Combines and checks. Returns undefined when the combination is not a valid signature under
 * the key (a cheating signer, or inconsistent inputs): the caller aborts naming nobody.
 *
 * The check is ECDSA verification written to give the recovery id as well, in one double
 * multiplication on a cached key: with Q = K + t·G, the verifier's point
 * P = s⁻¹·(z + r·t)·G + s⁻¹·r·K must be exactly the nonce point R (−R after the low-S flip).
 * Then x(P) ≡ r, which is what ECDSA verification accepts, and R's parity and x ≥ q give the
 * recovery id (SEC1 §4.1.6) by construction. `K` should be a decoded (memoised) point so its
 * window table is built once per key: ≈ 0.5 ms instead of noble's verify plus recovery (≈ 5 ms).
 * With a native secp256k1 backend the same check is key recovery there: the key recovered from
 * (digest, r‖s, recovery id) is Q exactly when the signature verifies under Q and the id is right.
 * Tests check both paths against @noble/curves' verify and recoverPublicKey.
 */
export function finishEcdsa(opts: {
  suite: Suite;
  suiteName: EcdsaSuiteName;
  R: GroupPoint;
  U: bigint;
  W: bigint;
  /** Q encoded (what the output names). */
  publicKey: Bytes;
  /** Q as (K, t) with Q = K + t·G. */
  verifyAs: { readonly key: GroupPoint; readonly tweak: bigint };
  digest: Bytes;
}): EcdsaSignatureOutput | undefined {
  const { suite } = opts;
  const { Fn } = suite;
  const { x, r, yOdd } = xCoordinate(suite, opts.R);
  if (r === 0n || opts.U === 0n) return undefined;
  let s = Fn.div(opts.W, opts.U);
  if (s === 0n) return undefined;
  let recovery = (yOdd ? 1 : 0) | (x >= suite.order ? 2 : 0);
  // Low-S: (r, −s) verifies with −R, whose y has the other parity.
  const flipped = s > suite.order >> 1n;
  if (flipped) {
    s = Fn.neg(s);
    recovery ^= 1;
  }
  const { key, tweak } = opts.verifyAs;
  if (
    !equalBytes(suite.encodePoint(tweak === 0n ? key : key.add(suite.mulBasePublic(tweak))), opts.publicKey)
  )
    return undefined;
  const rb = suite.encodeScalar(r);
  const sb = suite.encodeScalar(s);
  const recover = nativeRecover(opts.suiteName);
  if (recover) {
    // The key recovered with our recovery id is Q iff the signature verifies and the id is right.
    const Q = recover(opts.digest, concatBytes(rb, sb), recovery);
    if (!Q || !equalBytes(Q, opts.publicKey)) return undefined;
  } else {
    const P = verifierPoint(suite, opts.verifyAs, opts.digest, r, s);
    if (!P?.equals(flipped ? opts.R.negate() : opts.R)) return undefined;
  }
  return {
    suite: opts.suiteName,
    publicKey: Uint8Array.from(opts.publicKey),
    digest: Uint8Array.from(opts.digest),
    r: rb,
    s: sb,
    signature: concatBytes(rb, sb),
    recovery,
  };
}

/**
 * ECDSA's verifier point P = s⁻¹·(z + r·t)·G + s⁻¹·r·K for the key Q = K + t·G, or undefined
 * when r or s is out of [1, q) or P is the identity. The signature verifies iff x(P) ≡ r (mod q).
 * K's multiplication uses its window table once K (a memoised decoded point) has been used a few
 * times, so a verifier that sees the same key again pays ≈ 0.5 ms instead of ≈ 3 ms.
 */
function verifierPoint(
  suite: Suite,
  q: { readonly key: GroupPoint; readonly tweak: bigint },
  digest: Bytes,
  r: bigint,
  s: bigint,
): GroupPoint | undefined {
  const { Fn } = suite;
  if (r <= 0n || r >= suite.order || s <= 0n || s >= suite.order) return undefined;
  const sInv = Fn.inv(s);
  const z = digestScalar(suite, digest);
  const P = suite
    .mulBasePublic(Fn.mul(Fn.add(z, Fn.mul(r, q.tweak)), sInv))
    .add(suite.mulRepeated(q.key, Fn.mul(r, sInv)));
  return P.is0() ? undefined : P;
}

/**
 * Verifies a 64-byte r‖s ECDSA signature (low-S required) on a 32-byte digest under Q = K + t·G,
 * and that `recovery` is its recovery id. For verifiers that see the same key often (the SDK
 * checking what the nodes return); property-tested against @noble/curves' verify and recovery.
 */
export function verifyEcdsa(
  suite: Suite,
  q: { readonly key: GroupPoint; readonly tweak: bigint },
  digest: Bytes,
  signature: Bytes,
  recovery: number,
): boolean {
  if (!(signature instanceof Uint8Array) || signature.length !== 2 * suite.scalarLength) return false;
  const r = bytesToNumberBE(signature.subarray(0, suite.scalarLength));
  const s = bytesToNumberBE(signature.subarray(suite.scalarLength));
  if (s > suite.order >> 1n) return false;
  const recover = nativeRecover(suite.name);
  if (recover) {
    if (r <= 0n || r >= suite.order || s <= 0n || digest.length !== DIGEST_BYTES) return false;
    const Q = recover(digest, signature, recovery);
    const key = q.tweak === 0n ? q.key : q.key.add(suite.mulBasePublic(q.tweak));
    return Q !== null && !key.is0() && equalBytes(Q, suite.encodePoint(key));
  }
  const P = verifierPoint(suite, q, digest, r, s);
  if (!P) return false;
  const { x, r: rx, yOdd } = xCoordinate(suite, P);
  return rx === r && recovery === ((yOdd ? 1 : 0) | (x >= suite.order ? 2 : 0));
}
