/**
 * FROST(P-256, SHA-256), RFC 9591 §6.4: contextString "FROST-P256-SHA256-v1".
 * Points: 33-byte SEC1 compressed encodings only (no uncompressed, no 0x00 identity).
 * Scalars: 32-byte big-endian, < n. H1, H2, H3 and HDKG are RFC 9380 hash_to_field with
 * expand_message_xmd(SHA-256), L = 48, DST = contextString || tag; H4, H5 are
 * SHA-256(contextString || tag || m).
 */
import { p256, p256_hasher } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { type Bytes, concatBytes, utf8 } from '../bytes.ts';
import { createNobleSuite } from './noble.ts';
import type { FrostHashes } from './types.ts';

const Point = p256.Point;
const CONTEXT = 'FROST-P256-SHA256-v1';

const tag = (t: string) => utf8(CONTEXT + t);
const RHO = tag('rho');
const CHAL = tag('chal');
const NONCE = tag('nonce');
const MSG = tag('msg');
const COM = tag('com');
const DKG = tag('dkg');
const h2f = (DST: Bytes) => (m: Bytes) => p256_hasher.hashToScalar(m, { DST });

export const p256Frost: FrostHashes = Object.freeze({
  contextString: CONTEXT,
  H1: h2f(RHO),
  H2: h2f(CHAL),
  H3: h2f(NONCE),
  H4: (m: Bytes) => sha256(concatBytes(MSG, m)),
  H5: (m: Bytes) => sha256(concatBytes(COM, m)),
  HDKG: h2f(DKG),
});

export const p256Suite = createNobleSuite({
  name: 'p256',
  Point,
  pointLength: 33,
  parsePoint: (bytes) => {
    if (bytes[0] !== 0x02 && bytes[0] !== 0x03) throw new Error('expected a compressed SEC1 point');
    return Point.fromBytes(bytes);
  },
  encodePoint: (p) => p.toBytes(true),
  frost: p256Frost,
});
