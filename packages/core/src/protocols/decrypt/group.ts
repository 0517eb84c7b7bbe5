/**
 * Group helpers this protocol needs beyond the `Suite` interface: the suite byte of the wire
 * encodings, the second generator Ḡ of TDH2, constant-time multiplication of a point other than G
 * by a secret scalar, and Fiat–Shamir challenges reduced from 512 bits.
 */

import { ed25519_hasher, ristretto255_hasher } from '@noble/curves/ed25519.js';
import { p256_hasher } from '@noble/curves/nist.js';
import { secp256k1_hasher } from '@noble/curves/secp256k1.js';
import { bytesToNumberBE } from '@noble/curves/utils.js';
import { type Bytes, concatBytes, utf8 } from '../../crypto/bytes.ts';
import type { GroupPoint, Suite, SuiteName } from '../../crypto/suites/types.ts';
import { hashTranscript } from '../../crypto/transcript.ts';

/** Suite byte of the ciphertext and partial encodings. A suite without one is not supported. */
const SUITE_IDS: Partial<Record<SuiteName, number>> = { p256: 1, secp256k1: 2, ed25519: 3, ristretto255: 4 };

export function suiteId(name: SuiteName): number | undefined {
  return SUITE_IDS[name];
}

export function suiteFromId(id: number): SuiteName | undefined {
  for (const [name, v] of Object.entries(SUITE_IDS)) if (v === id) return name as SuiteName;
  return undefined;
}

/**
 * Domain separation tag of Ḡ's hash_to_curve (RFC 9380 §3.1: "tkms-v1" names the application,
 * the rest the purpose and the suite).
 */
export const SECOND_GENERATOR_DST = 'tkms-v1-decrypt-tdh2-second-generator-';
const SECOND_GENERATOR_MSG = utf8('TDH2 G-bar');

/**
 * RFC 9380 hash_to_curve (the random-oracle `_RO_` encodings: P256_XMD:SHA-256_SSWU_RO_,
 * secp256k1_XMD:SHA-256_SSWU_RO_, edwards25519_XMD:SHA-512_ELL2_RO_ with cofactor clearing,
 * ristretto255_XMD:SHA-512_R255MAP_RO_ of RFC 9380 App. B / RFC 9496 §4.3.4),
 * returning the suite's canonical encoding. Nobody knows log_G Ḡ, which the TDH2 validity proof
 * needs: with it an encryptor could prove a Ū that is not r·Ḡ.
 */
const HASH_TO_CURVE: Partial<Record<SuiteName, (msg: Bytes, DST: Bytes) => Bytes>> = {
  p256: (msg, DST) => p256_hasher.hashToCurve(msg, { DST }).toBytes(true),
  secp256k1: (msg, DST) => secp256k1_hasher.hashToCurve(msg, { DST }).toBytes(true),
  ed25519: (msg, DST) => ed25519_hasher.hashToCurve(msg, { DST }).toBytes(),
  ristretto255: (msg, DST) => ristretto255_hasher.hashToCurve(msg, { DST }).toBytes(),
};

const secondGenerators = new Map<SuiteName, GroupPoint>();

/**
 * Ḡ for `suite`, computed once, with a precomputed window table (built once, ≈10 ms on P-256;
 * every multiplication by Ḡ then costs about what one by G does). Throws `RangeError` for a suite
 * this protocol does not support.
 */
export function secondGenerator(suite: Suite): GroupPoint {
  const hit = secondGenerators.get(suite.name);
  if (hit) return hit;
  const h2c = HASH_TO_CURVE[suite.name];
  if (!h2c) throw new RangeError(`threshold decryption is not defined for ${suite.name}`);
  const Gbar = suite.decodePoint(h2c(SECOND_GENERATOR_MSG, utf8(SECOND_GENERATOR_DST + suite.name)));
  suite.withTable(Gbar);
  secondGenerators.set(suite.name, Gbar);
  return Gbar;
}

export { mulSecret } from '../../crypto/suites/mul-secret.ts';

/** a·G − b·P for public a, b, P (variable-time): the recomputed commitments of both proofs. */
export function baseMinus(suite: Suite, a: bigint, P: GroupPoint, b: bigint): GroupPoint {
  return suite.mulBasePublic(a).subtract(P.multiplyUnsafe(b));
}

/** a·Q − b·P for public a, b, P and a point Q with a table (Ḡ), variable-time. */
export function pointMinus(Q: GroupPoint, a: bigint, P: GroupPoint, b: bigint): GroupPoint {
  return Q.multiplyUnsafe(a).subtract(P.multiplyUnsafe(b));
}

/**
 * A scalar from the transcript hash: the hash with a 0 and a 1 prefix field gives 512 bits, reduced
 * mod the group order (bias < 2^-250 on every suite). Fiat–Shamir challenges and hedged nonces.
 */
export function hashToScalar(suite: Suite, tag: string, fields: readonly Bytes[]): bigint {
  const wide = concatBytes(
    hashTranscript(tag, [Uint8Array.of(0), ...fields]),
    hashTranscript(tag, [Uint8Array.of(1), ...fields]),
  );
  return suite.Fn.create(bytesToNumberBE(wide));
}

/** The encoding of a point that may be the identity: empty for the identity (only in hashes). */
export function encodeForHash(suite: Suite, P: GroupPoint): Bytes {
  return P.is0() ? new Uint8Array(0) : suite.encodePoint(P);
}
