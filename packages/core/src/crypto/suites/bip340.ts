/**
 * BIP340 (Schnorr signatures for secp256k1), BIP341 (Taproot output-key tweak) and the tweak
 * accumulator of BIP327 §"Tweaking", which the draft BIP "FROST Signing for BIP340-compatible
 * Threshold Signatures" reuses. Written on the secp256k1 suite; noble's `schnorr` is used only by
 * tests as an independent verifier.
 */
import { bytesToNumberBE } from '@noble/curves/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { type Bytes, concatBytes, utf8 } from '../bytes.ts';
import { hasEvenY, liftX, secp256k1FrostHashes, secp256k1Suite, xOnly } from './secp256k1.ts';
import type { FrostHashes, GroupPoint } from './types.ts';

const suite = secp256k1Suite;
const { Fn } = suite;
const FIELD_P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;

/**
 * RFC 9591-shaped hashes for the BIP340 signing mode. A context string of its own means the
 * BIP340 mode and FROST(secp256k1, SHA-256) never derive the same binding factor or nonce, even
 * for the same key, message and commitments. H2 is unused in this mode (the challenge is the
 * BIP340 tagged hash, `bip340Challenge`).
 */
export const bip340Frost: FrostHashes = secp256k1FrostHashes('FROST-secp256k1-BIP340-v1');

const tagCache = new Map<string, Bytes>();

/** BIP340 hash_tag(x) = SHA256(SHA256(tag) || SHA256(tag) || x). */
export function taggedHash(tag: string, ...parts: Bytes[]): Bytes {
  let prefix = tagCache.get(tag);
  if (!prefix) {
    const t = sha256(utf8(tag));
    prefix = concatBytes(t, t);
    tagCache.set(tag, prefix);
  }
  return sha256(concatBytes(prefix, ...parts));
}

/** BIP340 e = int(hash_BIP0340/challenge(bytes(R) || bytes(P) || m)) mod n. */
export function bip340Challenge(rx: Bytes, px: Bytes, m: Bytes): bigint {
  return Fn.create(bytesToNumberBE(taggedHash('BIP0340/challenge', rx, px, m)));
}

/**
 * BIP340 Verify(pk, m, sig), step by step. `publicKey` is the 32-byte x-only key. Returns false
 * for every malformed input instead of throwing.
 */
export function verifyBip340(publicKey: Bytes, message: Bytes, signature: Bytes): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  let P: GroupPoint;
  try {
    P = liftX(publicKey); // Let P = lift_x(int(pk)); fail if that fails
  } catch {
    return false;
  }
  const r = bytesToNumberBE(signature.subarray(0, 32)); // Let r = int(sig[0:32]); fail if r ≥ p
  if (r >= FIELD_P) return false;
  const s = bytesToNumberBE(signature.subarray(32, 64)); // Let s = int(sig[32:64]); fail if s ≥ n
  if (s >= suite.order) return false;
  const e = bip340Challenge(signature.subarray(0, 32), publicKey, message);
  // Let R = s⋅G - e⋅P
  const R = suite.mulBasePublic(s).subtract(P.multiplyUnsafe(e));
  // Fail if is_infinite(R), if not has_even_y(R), or if x(R) ≠ r
  if (R.is0() || !hasEvenY(R)) return false;
  return bytesToNumberBE(xOnly(R)) === r;
}

/**
 * BIP341 taproot_tweak_pubkey: t = int(hash_TapTweak(bytes(P) || h)); fails if t ≥ n.
 * `merkleRoot` is empty for a key-path-only output (BIP86) or the 32-byte script tree root.
 */
export function taprootTweak(internalKey: GroupPoint, merkleRoot: Bytes): bigint {
  if (merkleRoot.length !== 0 && merkleRoot.length !== 32)
    throw new RangeError('taproot merkle root must be 0 or 32 bytes');
  const t = bytesToNumberBE(taggedHash('TapTweak', xOnly(internalKey), merkleRoot));
  if (t >= suite.order) throw new RangeError('TapTweak hash is not a valid scalar');
  return t;
}

/** BIP327 tweak context: Q is the tweaked key, gacc ∈ {1, -1}, tacc the accumulated tweak. */
export type TweakContext = { readonly Q: GroupPoint; readonly gacc: bigint; readonly tacc: bigint };

export function tweakContextInit(P: GroupPoint): TweakContext {
  if (P.is0()) throw new RangeError('identity key');
  return { Q: P, gacc: 1n, tacc: 0n };
}

/**
 * BIP327 ApplyTweak: g = -1 if is_xonly and Q has odd y, else 1; Q' = g⋅Q + t⋅G;
 * gacc' = g⋅gacc; tacc' = t + g⋅tacc. Fails if Q' is the identity.
 */
export function applyTweak(ctx: TweakContext, t: bigint, isXonly: boolean): TweakContext {
  const g = isXonly && !hasEvenY(ctx.Q) ? Fn.neg(1n) : 1n;
  const gQ = g === 1n ? ctx.Q : ctx.Q.negate();
  const Q = gQ.add(suite.mulBasePublic(t));
  if (Q.is0()) throw new RangeError('tweaked key is the identity');
  return { Q, gacc: Fn.mul(g, ctx.gacc), tacc: Fn.add(t, Fn.mul(g, ctx.tacc)) };
}

/** The BIP341 output key context for internal key P and a merkle root (0 or 32 bytes). */
export function taprootTweakContext(P: GroupPoint, merkleRoot: Bytes): TweakContext {
  return applyTweak(tweakContextInit(P), taprootTweak(P, merkleRoot), true);
}
