/**
 * FROST(secp256k1, SHA-256), RFC 9591 §6.5: contextString "FROST-secp256k1-SHA256-v1".
 * Points: 33-byte SEC1 compressed encodings only (no uncompressed, no 0x00 identity).
 * Scalars: 32-byte big-endian, < n. H1, H2, H3 and HDKG are RFC 9380 hash_to_field with
 * expand_message_xmd(SHA-256), DST = contextString || tag; H4, H5 are SHA-256(contextString || tag || m).
 */
import { secp256k1, secp256k1_hasher } from '@noble/curves/secp256k1.js';
import { type Bytes, concatBytes } from '../bytes.ts';
import { createNobleSuite } from './noble.ts';
import { parseCompressedSec1, sha256XmdFrostHashes } from './sec1.ts';
import { secp256k1Native } from './secp256k1-backend.ts';
import type { FrostHashes, GroupPoint } from './types.ts';

const Point = secp256k1.Point;

/** The RFC 9591 §6.5 hash set for a context string (also used, renamed, by the BIP340 mode). */
export function secp256k1FrostHashes(context: string): FrostHashes {
  return sha256XmdFrostHashes(context, secp256k1_hasher);
}

export const secp256k1Frost: FrostHashes = secp256k1FrostHashes('FROST-secp256k1-SHA256-v1');

export const secp256k1Suite = createNobleSuite({
  name: 'secp256k1',
  Point,
  pointLength: 33,
  parsePoint: parseCompressedSec1((b) => Point.fromBytes(b)),
  encodePoint: (p) => p.toBytes(true),
  frost: secp256k1Frost,
  native: secp256k1Native,
});

type AffineY = { toAffine(): { y: bigint } };

/** BIP340 has_even_y. Only for points of this suite. */
export function hasEvenY(p: GroupPoint): boolean {
  if (p.is0()) throw new RangeError('identity has no y');
  return ((p as unknown as AffineY).toAffine().y & 1n) === 0n;
}

/** BIP340 bytes(P): the 32-byte x coordinate. */
export function xOnly(p: GroupPoint): Bytes {
  return secp256k1Suite.encodePoint(p).subarray(1);
}

/** BIP340 lift_x: the even-y point with this x. Throws `RangeError` if x ≥ p or not on the curve. */
export function liftX(x: Bytes): GroupPoint {
  if (x.length !== 32) throw new RangeError('x-only key must be 32 bytes');
  return secp256k1Suite.decodePoint(concatBytes(new Uint8Array([0x02]), x));
}
