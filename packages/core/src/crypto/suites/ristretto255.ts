/**
 * ristretto255 (RFC 9496) with the hashes of FROST(ristretto255, SHA-512), RFC 9591 §6.2:
 * contextString "FROST-RISTRETTO255-SHA512-v1". A prime-order group, so there is no cofactor and
 * no subgroup check: every valid encoding is a group element.
 * Points: 32-byte RFC 9496 §4.3.2 encodings. Decoding is RFC 9496 §4.3.1 Decode, which rejects a
 * non-canonical field element s (s ≥ p), a negative s, a non-square x², a negative x·y and y = 0;
 * the all-zero encoding (the identity) is rejected by tkms (RFC 9591 §6.2 DeserializeElement).
 * Scalars: 32-byte little-endian, < L (RFC 9591 §6.2 DeserializeScalar).
 * H1..H5 and HDKG: SHA-512(contextString || tag || m) read little-endian, reduced mod L.
 * Arithmetic is noble's unless a host installed a native backend (ristretto255-backend.ts).
 */
import { ristretto255 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { type Bytes, concatBytes, utf8 } from '../bytes.ts';
import { createNobleSuite } from './noble.ts';
import { ristretto255Native } from './ristretto255-backend.ts';
import type { FrostHashes } from './types.ts';

const Point = ristretto255.Point;
const CONTEXT = 'FROST-RISTRETTO255-SHA512-v1';

const tag = (t: string) => utf8(CONTEXT + t);
const RHO = tag('rho');
const CHAL = tag('chal');
const NONCE = tag('nonce');
const MSG = tag('msg');
const COM = tag('com');
const DKG = tag('dkg');

/** RFC 9591 §6.2: H(m) = SHA-512(contextString || tag || m) as a little-endian integer mod L. */
function hashToScalar(prefix: Bytes, m: Bytes): bigint {
  return Point.Fn.create(bytesToNumberLE(sha512(concatBytes(prefix, m))));
}

export const ristretto255Frost: FrostHashes = Object.freeze({
  contextString: CONTEXT,
  H1: (m: Bytes) => hashToScalar(RHO, m),
  H2: (m: Bytes) => hashToScalar(CHAL, m),
  H3: (m: Bytes) => hashToScalar(NONCE, m),
  H4: (m: Bytes) => sha512(concatBytes(MSG, m)),
  H5: (m: Bytes) => sha512(concatBytes(COM, m)),
  HDKG: (m: Bytes) => hashToScalar(DKG, m),
});

export const ristretto255Suite = createNobleSuite({
  name: 'ristretto255',
  Point,
  pointLength: 32,
  parsePoint: (bytes) => Point.fromBytes(bytes),
  encodePoint: (p) => p.toBytes(),
  frost: ristretto255Frost,
  native: ristretto255Native,
});
