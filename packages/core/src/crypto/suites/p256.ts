/**
 * FROST(P-256, SHA-256), RFC 9591 §6.4: contextString "FROST-P256-SHA256-v1".
 * Points: 33-byte SEC1 compressed encodings only (no uncompressed, no 0x00 identity).
 * Scalars: 32-byte big-endian, < n. H1, H2, H3 and HDKG are RFC 9380 hash_to_field with
 * expand_message_xmd(SHA-256), L = 48, DST = contextString || tag; H4, H5 are
 * SHA-256(contextString || tag || m).
 */
import { p256, p256_hasher } from '@noble/curves/nist.js';
import { createNobleSuite } from './noble.ts';
import { parseCompressedSec1, sha256XmdFrostHashes } from './sec1.ts';
import type { FrostHashes } from './types.ts';

const Point = p256.Point;
const CONTEXT = 'FROST-P256-SHA256-v1';

export const p256Frost: FrostHashes = sha256XmdFrostHashes(CONTEXT, p256_hasher);

export const p256Suite = createNobleSuite({
  name: 'p256',
  Point,
  pointLength: 33,
  parsePoint: parseCompressedSec1((b) => Point.fromBytes(b)),
  encodePoint: (p) => p.toBytes(true),
  frost: p256Frost,
});
