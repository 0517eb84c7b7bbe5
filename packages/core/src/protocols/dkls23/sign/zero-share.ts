/**
 * Pairwise zero sharing (DKLs23 §3, the F_Zero functionality instantiated from pairwise seeds, as
 * in the paper's Protocol 3.6 set-up): every pair {i, j} of key holders shares a seed at key setup;
 * in a session with ssid and signer set S, z_{ij} = PRF(seed_ij, ssid) and
 *   ζ_i = Σ_{j∈S, j>i} z_{ij} − Σ_{j∈S, j<i} z_{ij},
 * so Σ_{i∈S} ζ_i = 0 and each ζ_i is uniform to anyone missing one of i's seeds. "j > i" is the
 * order of party ids (the session's sorted order).
 */

import { bytesToNumberBE } from '@noble/curves/utils.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { type Bytes, utf8 } from '../../../crypto/bytes.ts';
import { encodeFields } from '../../../crypto/lp.ts';
import type { SecretBytes } from '../../../crypto/secret.ts';
import type { Suite } from '../../../crypto/suites/types.ts';
import type { PartyId } from '../../../engine/types.ts';

/** Shortest seed accepted. */
export const MIN_ZERO_SEED_BYTES = 16;

/**
 * z_{ij} = HMAC-SHA512(seed_ij, "tkms/v1" ‖ "dkls23/zero-share" ‖ ssid ‖ min(i,j) ‖ max(i,j)) mod q.
 * Symmetric in (i, j); 512 bits reduced mod a 256-bit order, so the bias is below 2^-250.
 */
export function pairwiseZeroTerm(
  suite: Suite,
  seed: SecretBytes,
  ssid: Bytes,
  a: PartyId,
  b: PartyId,
): bigint {
  const [lo, hi] = a < b ? [a, b] : [b, a];
  const input = encodeFields([utf8('tkms/v1'), utf8('dkls23/zero-share'), ssid, utf8(lo), utf8(hi)]);
  return suite.Fn.create(bytesToNumberBE(hmac(sha512, seed.expose(), input)));
}

/** The sign of z_{self,peer} in ζ_self: + when the peer sorts after self. */
export const zeroTermSign = (self: PartyId, peer: PartyId): 1 | -1 => (peer > self ? 1 : -1);

/**
 * ζ_self and the pairwise terms it is made of. Throws `RangeError` when a seed is missing or short.
 */
export function zeroShare(
  suite: Suite,
  seeds: Readonly<Record<PartyId, SecretBytes>>,
  ssid: Bytes,
  self: PartyId,
  signers: readonly PartyId[],
): { zeta: bigint; terms: Map<PartyId, bigint> } {
  const { Fn } = suite;
  let zeta = 0n;
  const terms = new Map<PartyId, bigint>();
  for (const j of signers) {
    if (j === self) continue;
    const seed = Object.hasOwn(seeds, j) ? seeds[j] : undefined;
    if (!seed) throw new RangeError(`no zero-sharing seed for ${j}`);
    if (seed.length < MIN_ZERO_SEED_BYTES) throw new RangeError(`zero-sharing seed for ${j} is too short`);
    const z = pairwiseZeroTerm(suite, seed, ssid, self, j);
    terms.set(j, z);
    zeta = zeroTermSign(self, j) === 1 ? Fn.add(zeta, z) : Fn.sub(zeta, z);
  }
  return { zeta, terms };
}
