/**
 * The two RFC 9497 ciphersuites tkms runs (§4.1 ristretto255-SHA512, §4.3 P256-SHA256) on top of
 * the matching `Suite`, plus what the OPRF needs beyond that interface: the mode-dependent
 * context string (§3.1), HashToGroup and HashToScalar with the RFC's domain separation tags, the
 * RFC's two-byte length framing, and constant-time multiplication of an arbitrary point by a
 * secret scalar.
 */
import { p256_hasher } from '@noble/curves/nist.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { type Bytes, concatBytes, utf8 } from '../../crypto/bytes.ts';
import { getSuite, ristretto255Hasher } from '../../crypto/suites/index.ts';
import type { GroupPoint, Suite, SuiteName } from '../../crypto/suites/types.ts';

/** RFC 9497 §3.1 modes. tkms evaluates in mode 0; proofs use the mode-1 (VOPRF) context. */
export const MODE_OPRF = 0;
export const MODE_VOPRF = 1;
export const MODE_POPRF = 2;
export type OprfMode = typeof MODE_OPRF | typeof MODE_VOPRF | typeof MODE_POPRF;

/** RFC 9497 §4 identifiers. */
export type OprfSuiteId = 'ristretto255-SHA512' | 'P256-SHA256';

/** Inputs and public inputs are length-prefixed with two bytes, so at most 2^16 − 1 bytes (§1.3). */
export const MAX_OPRF_INPUT_BYTES = 0xffff;

export interface OprfCiphersuite {
  readonly id: OprfSuiteId;
  readonly suite: Suite;
  /** Nh: output length of `hash` and of the OPRF. */
  readonly hashLength: number;
  /** The suite's Hash (SHA-512 or SHA-256). */
  hash(m: Bytes): Bytes;
  /** §3.1: contextString = "OPRFV1-" || I2OSP(mode, 1) || "-" || identifier. */
  contextString(mode: OprfMode): Bytes;
  /**
   * §4: HashToGroup with DST = "HashToGroup-" || contextString (RFC 9380 hash_to_ristretto255,
   * or P256_XMD:SHA-256_SSWU_RO_). Throws `RangeError` if the result is the identity (§3.3.1
   * Blind: "raise InvalidInputError").
   */
  hashToGroup(input: Bytes, mode: OprfMode): GroupPoint;
  /** `hashToGroup` serialized; on ristretto255 with a native backend, without a noble decode. */
  hashToGroupEncoded(input: Bytes, mode: OprfMode): Bytes;
  /** §4: HashToScalar with DST = "HashToScalar-" || contextString. */
  hashToScalar(m: Bytes, mode: OprfMode): bigint;
}

type Hasher = {
  hashToCurve(msg: Bytes, opts: { DST: Bytes }): unknown;
  hashToScalar(msg: Bytes, opts: { DST: Bytes }): bigint;
  /** The canonical encoding of hashToCurve's point (all zeros for the identity), if cheaper. */
  hashToEncoded?(msg: Bytes, opts: { DST: Bytes }): Bytes;
};

function makeCiphersuite(
  id: OprfSuiteId,
  suite: Suite,
  hash: (m: Bytes) => Bytes,
  hashLength: number,
  hasher: Hasher,
): OprfCiphersuite {
  const modes = [MODE_OPRF, MODE_VOPRF, MODE_POPRF] as const;
  const context = modes.map((mode) => concatBytes(utf8('OPRFV1-'), Uint8Array.of(mode), utf8(`-${id}`)));
  const groupDst = context.map((c) => concatBytes(utf8('HashToGroup-'), c));
  const scalarDst = context.map((c) => concatBytes(utf8('HashToScalar-'), c));
  const pick = (list: Bytes[], mode: OprfMode): Bytes => {
    const v = list[mode];
    if (!v) throw new RangeError(`unknown OPRF mode ${String(mode)}`);
    return v;
  };
  const hashToGroup = (input: Bytes, mode: OprfMode): GroupPoint => {
    if (input.length > MAX_OPRF_INPUT_BYTES) throw new RangeError('OPRF input longer than 65535 bytes');
    // The hasher returns a point of the same class the suite is built on (ristretto255.Point,
    // p256.Point), so it is a GroupPoint of this suite.
    const P = hasher.hashToCurve(input, { DST: pick(groupDst, mode) }) as GroupPoint;
    if (P.is0()) throw new RangeError('HashToGroup gave the identity');
    return P;
  };
  return Object.freeze({
    id,
    suite,
    hashLength,
    hash,
    contextString: (mode: OprfMode) => Uint8Array.from(pick(context, mode)),
    hashToGroup,
    hashToGroupEncoded(input: Bytes, mode: OprfMode): Bytes {
      if (!hasher.hashToEncoded) return suite.encodePoint(hashToGroup(input, mode));
      if (input.length > MAX_OPRF_INPUT_BYTES) throw new RangeError('OPRF input longer than 65535 bytes');
      const encoded = hasher.hashToEncoded(input, { DST: pick(groupDst, mode) });
      if (encoded.every((b) => b === 0)) throw new RangeError('HashToGroup gave the identity');
      return encoded;
    },
    hashToScalar: (m: Bytes, mode: OprfMode) => hasher.hashToScalar(m, { DST: pick(scalarDst, mode) }),
  });
}

const CIPHERSUITES: Partial<Record<SuiteName, OprfCiphersuite>> = {
  ristretto255: makeCiphersuite(
    'ristretto255-SHA512',
    getSuite('ristretto255'),
    sha512,
    64,
    ristretto255Hasher, // noble's, with the map of a native backend when one is installed
  ),
  p256: makeCiphersuite('P256-SHA256', getSuite('p256'), sha256, 32, p256_hasher),
};

/** True for the suites that have an RFC 9497 ciphersuite in tkms (ristretto255, p256). */
export function isOprfSuite(suite: Suite | SuiteName): boolean {
  return CIPHERSUITES[typeof suite === 'string' ? suite : suite.name] !== undefined;
}

/** The RFC 9497 ciphersuite of a suite. Throws `RangeError` for a suite without one. */
export function oprfCiphersuite(suite: Suite | SuiteName): OprfCiphersuite {
  const name = typeof suite === 'string' ? suite : suite.name;
  const cs = CIPHERSUITES[name];
  if (!cs) throw new RangeError(`no RFC 9497 OPRF ciphersuite for suite ${String(name)}`);
  return cs;
}

/** I2OSP(len(x), 2) || x: the RFC's framing of every variable-length transcript field. */
export function lengthPrefixed(x: Bytes): Bytes {
  if (x.length > 0xffff) throw new RangeError('field longer than 65535 bytes');
  return concatBytes(Uint8Array.of(x.length >>> 8, x.length & 0xff), x);
}

/** I2OSP(i, 2). */
export function i2osp2(i: number): Bytes {
  if (!Number.isSafeInteger(i) || i < 0 || i > 0xffff) throw new RangeError('I2OSP(i, 2) out of range');
  return Uint8Array.of(i >>> 8, i & 0xff);
}

export { mulSecret } from '../../crypto/suites/mul-secret.ts';
