/**
 * What the two SEC1 curves (secp256k1, P-256) share in RFC 9591: 33-byte compressed points only,
 * and the hash set of §6.4/§6.5 — H1, H2, H3 and HDKG are RFC 9380 hash_to_field with
 * expand_message_xmd(SHA-256), DST = contextString || tag; H4, H5 are SHA-256(contextString || tag || m).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { type Bytes, concatBytes, utf8 } from '../bytes.ts';
import type { FrostHashes } from './types.ts';

type ScalarHasher = { hashToScalar(msg: Bytes, options: { DST: Bytes }): bigint };

export function sha256XmdFrostHashes(context: string, hasher: ScalarHasher): FrostHashes {
  const dst = (t: string) => utf8(context + t);
  const h2f = (DST: Bytes) => (m: Bytes) => hasher.hashToScalar(m, { DST });
  const MSG = dst('msg');
  const COM = dst('com');
  return Object.freeze({
    contextString: context,
    H1: h2f(dst('rho')),
    H2: h2f(dst('chal')),
    H3: h2f(dst('nonce')),
    H4: (m: Bytes) => sha256(concatBytes(MSG, m)),
    H5: (m: Bytes) => sha256(concatBytes(COM, m)),
    HDKG: h2f(dst('dkg')),
  });
}

/** Parses only the 33-byte compressed SEC1 form (no uncompressed, no 0x00 identity). */
export function parseCompressedSec1<P>(fromBytes: (b: Bytes) => P): (bytes: Bytes) => P {
  return (bytes) => {
    if (bytes[0] !== 0x02 && bytes[0] !== 0x03) throw new Error('expected a compressed SEC1 point');
    return fromBytes(bytes);
  };
}
