/**
 * The last step of DKLs23 Protocol 3.6 (output): s = (Σ w_j)/(Σ u_j), r = x(R) mod q, then the
 * ECDSA conventions callers expect — low-S (s ≤ q/2, BIP62/EIP-2) with the recovery id adjusted,
 * and an independent check with @noble/curves' ECDSA verification (prehash: false) before anything
 * is returned, so a wrong signature never leaves core.
 */
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToNumberBE } from '@noble/curves/utils.js';
import { type Bytes, concatBytes, equalBytes } from '../../../crypto/bytes.ts';
import type { GroupPoint, Suite } from '../../../crypto/suites/types.ts';
import type { EcdsaSignatureOutput, EcdsaSuiteName } from './types.ts';

export const DIGEST_BYTES = 32;

const ECDSA = { secp256k1, p256 } as const;

/** ECDSA's z for a 32-byte digest on a 256-bit curve: bits2int(digest) mod q (SEC1 §4.1.3 step 5). */
export function digestScalar(suite: Suite, digest: Bytes): bigint {
  if (digest.length !== DIGEST_BYTES) throw new RangeError('digest must be 32 bytes');
  return suite.Fn.create(bytesToNumberBE(digest));
}

/** x(R) as an integer (not reduced) and reduced mod q. */
export function xCoordinate(suite: Suite, R: GroupPoint): { x: bigint; r: bigint; yOdd: boolean } {
  const enc = suite.encodePoint(R); // SEC1 compressed: 0x02/0x03 ‖ x
  const x = bytesToNumberBE(enc.subarray(1));
  return { x, r: suite.Fn.create(x), yOdd: (enc[0] as number) === 0x03 };
}

/**
 * Combines and checks. Returns undefined when the combination is not a valid signature under
 * `publicKey` (a cheating signer, or inconsistent inputs): the caller aborts naming nobody.
 */
export function finishEcdsa(opts: {
  suite: Suite;
  suiteName: EcdsaSuiteName;
  R: GroupPoint;
  U: bigint;
  W: bigint;
  publicKey: Bytes;
  digest: Bytes;
}): EcdsaSignatureOutput | undefined {
  const { suite } = opts;
  const { Fn } = suite;
  const { x, r, yOdd } = xCoordinate(suite, opts.R);
  if (r === 0n || opts.U === 0n) return undefined;
  let s = Fn.div(opts.W, opts.U);
  if (s === 0n) return undefined;
  // Recovery id (SEC1 §4.1.6): which of the ≤ 4 candidate R produced r.
  let recovery = (yOdd ? 1 : 0) | (x >= suite.order ? 2 : 0);
  // Low-S: (r, −s) verifies with −R, whose y has the other parity.
  if (s > suite.order >> 1n) {
    s = Fn.neg(s);
    recovery ^= 1;
  }
  const rb = suite.encodeScalar(r);
  const sb = suite.encodeScalar(s);
  const signature = concatBytes(rb, sb);
  const curve = ECDSA[opts.suiteName];
  if (!curve.verify(signature, opts.digest, opts.publicKey, { prehash: false, lowS: true })) return undefined;
  const recovered = new curve.Signature(r, s, recovery).recoverPublicKey(opts.digest).toBytes(true);
  if (!equalBytes(recovered, opts.publicKey)) return undefined;
  return {
    suite: opts.suiteName,
    publicKey: Uint8Array.from(opts.publicKey),
    digest: Uint8Array.from(opts.digest),
    r: rb,
    s: sb,
    signature,
    recovery,
  };
}
