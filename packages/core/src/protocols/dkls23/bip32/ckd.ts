/**
 * Non-hardened (public) child key derivation for threshold keys: BIP-0032 CKDpub on secp256k1,
 * and the same formula with the P-256 order on p256 as SLIP-0010 defines it.
 *
 *   I = HMAC-SHA512(Key = c_par, Data = ser_P(K_par) ‖ ser_32(i)),  I_L = I[0..32], I_R = I[32..64]
 *   K_i = point(parse_256(I_L)) + K_par,  c_i = I_R
 *
 * Only public derivation exists for a threshold key: hardened steps hash the parent private key,
 * which no party holds. The shares follow the public key additively: Σ I_L over the path is the
 * tweak t with K_child = K + t·G; DKLs23 signing adds t once (sign/start.ts).
 *
 * Invalid children (parse_256(I_L) ≥ n, or K_i the identity; probability < 2^-127):
 * - secp256k1 (BIP-0032): "proceed with the next value for i" — `deriveChild` throws and the
 *   caller picks the next index; `derivePath` refuses the path.
 * - p256 (SLIP-0010): I = HMAC-SHA512(c_par, 0x01 ‖ I_R ‖ ser_32(i)) and retry.
 */
import { bytesToNumberBE } from '@noble/curves/utils.js';
import { hmac } from '@noble/hashes/hmac.js';
import { ripemd160 } from '@noble/hashes/legacy.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { type Bytes, concatBytes, u32be } from '../../../crypto/bytes.ts';
import { getSuite } from '../../../crypto/suites/index.ts';
import type { GroupPoint } from '../../../crypto/suites/types.ts';
import { TkmsError } from '../../../errors/tkms-error.ts';

/** Indices from 2^31 on are hardened (BIP-0032 "i ≥ 2^31"). */
export const HARDENED_OFFSET = 0x80000000;

export type Bip32Curve = 'secp256k1' | 'p256';

export type DerivedKey = {
  readonly curve: Bip32Curve;
  /** 33-byte SEC1 compressed child public key. */
  readonly publicKey: Bytes;
  readonly chainCode: Bytes;
  /** Σ I_L mod n over the steps (32-byte scalar): child = parent + tweak·G. Pass it to signing as `tweak`. */
  readonly tweak: Bytes;
  /** Steps taken from the given parent. */
  readonly depth: number;
  /** Index of the last step (0 for an empty path). */
  readonly index: number;
  /** First 4 bytes of HASH160 of the last step's parent key (zeros for an empty path). */
  readonly parentFingerprint: Bytes;
};

const invalid = (details: string) => new TkmsError('request.invalid', { details });

/** BIP-0032 key identifier prefix: HASH160(ser_P(K))[0..4]. */
export function fingerprint(publicKey: Bytes): Bytes {
  return ripemd160(sha256(publicKey)).subarray(0, 4);
}

function readParent(curve: Bip32Curve, publicKey: Bytes, chainCode: Bytes): GroupPoint {
  if (curve !== 'secp256k1' && curve !== 'p256') throw invalid(`no public derivation on ${String(curve)}`);
  if (!(chainCode instanceof Uint8Array) || chainCode.length !== 32)
    throw invalid('chain code must be 32 bytes');
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 33)
    throw invalid('public key must be 33 bytes (SEC1 compressed)');
  try {
    return getSuite(curve).decodePoint(publicKey);
  } catch (e) {
    throw invalid(`public key: ${(e as Error).message}`);
  }
}

function checkIndex(index: number): void {
  if (!Number.isSafeInteger(index) || index < 0 || index > 0xffffffff)
    throw invalid(`index ${index} is not a u32`);
  if (index >= HARDENED_OFFSET)
    throw invalid(
      `index ${index} is hardened: a threshold key has only public (non-hardened) derivation, since hardened steps hash the parent private key`,
    );
}

/** One CKDpub step: the child key, its chain code and I_L as a scalar. */
function step(curve: Bip32Curve, K: GroupPoint, Kbytes: Bytes, c: Bytes, index: number) {
  const suite = getSuite(curve);
  let I = hmac(sha512, c, concatBytes(Kbytes, u32be(index)));
  for (;;) {
    const IL = bytesToNumberBE(I.subarray(0, 32));
    const IR = I.slice(32);
    const child = IL < suite.order ? K.add(suite.mulBasePublic(IL)) : undefined;
    if (child && !child.is0()) return { child, chainCode: IR, il: IL };
    if (curve === 'secp256k1')
      throw invalid(`child ${index} is invalid (BIP-0032: proceed with the next index)`);
    I = hmac(sha512, c, concatBytes(new Uint8Array([1]), IR, u32be(index)));
  }
}

/**
 * CKDpub((K_par, c_par), i) for a non-hardened i.
 * @throws TkmsError `request.invalid` for a hardened or out-of-range index, a bad key or chain code,
 *   or (secp256k1, probability < 2^-127) an invalid child.
 */
export function deriveChild(
  publicKey: Bytes,
  chainCode: Bytes,
  index: number,
  curve: Bip32Curve = 'secp256k1',
): DerivedKey {
  return derivePath(publicKey, chainCode, [index], curve);
}

/**
 * Parses "m/44/60/0/0/7" (or "m" for the key itself) into indices. Each step is a decimal below
 * 2^31 without leading zeros.
 * @throws TkmsError `request.invalid`, naming hardened steps ("44'", "44h", "44H") explicitly.
 */
export function parsePath(path: string): number[] {
  if (typeof path !== 'string') throw invalid('derivation path must be a string');
  const parts = path.split('/');
  if (parts[0] !== 'm') throw invalid(`derivation path "${path}" must start with "m"`);
  const out: number[] = [];
  for (const part of parts.slice(1)) {
    if (/^\d+['hH]$/.test(part))
      throw invalid(
        `hardened step "${part}" in "${path}": only non-hardened derivation is possible for a threshold key`,
      );
    if (!/^(0|[1-9]\d{0,9})$/.test(part)) throw invalid(`"${part}" in "${path}" is not a child index`);
    const index = Number(part);
    checkIndex(index);
    out.push(index);
  }
  if (out.length > 255) throw invalid('derivation path deeper than 255');
  return out;
}

/**
 * Derives along a path (string or indices) from (K, c): the child key, chain code and the summed
 * tweak the key shares need.
 */
export function derivePath(
  publicKey: Bytes,
  chainCode: Bytes,
  path: string | readonly number[],
  curve: Bip32Curve = 'secp256k1',
): DerivedKey {
  let K = readParent(curve, publicKey, chainCode);
  const indices = typeof path === 'string' ? parsePath(path) : [...path];
  const suite = getSuite(curve);
  let Kbytes: Bytes = Uint8Array.from(publicKey);
  let c: Bytes = Uint8Array.from(chainCode);
  let t = 0n;
  let parentFingerprint: Bytes = new Uint8Array(4);
  for (const index of indices) {
    checkIndex(index);
    const s = step(curve, K, Kbytes, c, index);
    parentFingerprint = fingerprint(Kbytes);
    t = suite.Fn.add(t, s.il);
    K = s.child;
    Kbytes = suite.encodePoint(K);
    c = s.chainCode;
  }
  return {
    curve,
    publicKey: Kbytes,
    chainCode: c,
    tweak: suite.encodeScalar(t),
    depth: indices.length,
    index: indices.at(-1) ?? 0,
    parentFingerprint,
  };
}
