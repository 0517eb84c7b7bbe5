/**
 * FROST(Ed25519, SHA-512), RFC 9591 §6.1: contextString "FROST-ED25519-SHA512-v1".
 * Points: 32-byte RFC 8032 encodings; decoding rejects non-canonical y (≥ p), the "negative
 * zero" x, the identity and every point with a torsion component (RFC 9591 §6.1
 * DeserializeElement: "check that the result is in the prime-order subgroup").
 * Scalars: 32-byte little-endian, < L.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { type Bytes, concatBytes, utf8 } from '../bytes.ts';
import { createNobleSuite } from './noble.ts';
import type { FrostHashes } from './types.ts';

const Point = ed25519.Point;
const CONTEXT = 'FROST-ED25519-SHA512-v1';

/** RFC 9591 §6.1: H(m) = SHA-512(prefix || m) read little-endian, reduced mod L. */
function hashToScalar(prefix: Bytes, m: Bytes): bigint {
  return Point.Fn.create(bytesToNumberLE(sha512(concatBytes(prefix, m))));
}

const tag = (t: string) => utf8(CONTEXT + t);
const RHO = tag('rho');
const NONCE = tag('nonce');
const MSG = tag('msg');
const COM = tag('com');
const DKG = tag('dkg');
const EMPTY = new Uint8Array(0);

export const ed25519Frost: FrostHashes = Object.freeze({
  contextString: CONTEXT,
  H1: (m: Bytes) => hashToScalar(RHO, m),
  // RFC 9591 §6.1 H2 has no context prefix, so signatures verify under RFC 8032.
  H2: (m: Bytes) => hashToScalar(EMPTY, m),
  H3: (m: Bytes) => hashToScalar(NONCE, m),
  H4: (m: Bytes) => sha512(concatBytes(MSG, m)),
  H5: (m: Bytes) => sha512(concatBytes(COM, m)),
  HDKG: (m: Bytes) => hashToScalar(DKG, m),
});

/**
 * Optional faster prime-order-subgroup test, installed by a host that has one (the node uses
 * libsodium's `crypto_core_ed25519_is_valid_point`, ~9× faster than noble's [L]P check). It must
 * return true only for a canonical encoding of a point in the prime-order subgroup that is not of
 * small order. noble's strict decoding still runs first, so both must accept a point.
 */
let subgroupCheck: ((encoded: Bytes) => boolean) | null = null;

export function setEd25519SubgroupCheck(check: ((encoded: Bytes) => boolean) | null): void {
  subgroupCheck = check;
}

export const ed25519Suite = createNobleSuite({
  name: 'ed25519',
  Point,
  pointLength: 32,
  parsePoint: (bytes) => {
    const p = Point.fromBytes(bytes, false); // zip215 = false: RFC 8032 strict decoding
    const inSubgroup = subgroupCheck ? subgroupCheck(bytes) : p.isTorsionFree();
    if (!inSubgroup) throw new Error('not in the prime-order subgroup');
    return p;
  },
  parsePointSkipSubgroup: (bytes) => Point.fromBytes(bytes, false),
  encodePoint: (p) => p.toBytes(),
  frost: ed25519Frost,
});
