/**
 * Pairwise zero-sharing seeds for DKLs23 signing (`../sign/zero-share.ts`), contributed by both
 * ends of a pair: each end commits to a random 32-byte value in round 1 (a salted hash binding
 * the session, the committer and the recipient), opens it to the other end only in round 2, and
 * seed_{i,j} = H(sid, min(i,j), max(i,j), c_min, c_max). Whichever end is honest, its value was
 * fixed and hidden before the other's was seen, so neither end chooses the seed alone.
 */
import { type Bytes, equalBytes, utf8 } from '../../../crypto/bytes.ts';
import { SecretBytes } from '../../../crypto/secret.ts';
import type { RandomSource } from '../../../crypto/suites/types.ts';
import { hashTranscript } from '../../../crypto/transcript.ts';
import type { PartyId } from '../../../engine/types.ts';

/** Length of a contribution, of its salt and of the derived seed. */
export const ZERO_SEED_BYTES = 32;

export type ZeroSeedContribution = {
  /** Sent in round 1 (inside the broadcast). */
  readonly commitment: Bytes;
  /** Sent in round 2, to the pair's other end only. */
  readonly salt: Bytes;
  readonly value: SecretBytes;
};

function commitmentOf(sid: Bytes, from: PartyId, to: PartyId, salt: Bytes, value: Bytes): Bytes {
  return hashTranscript('dkls23/setup/zero-seed-commit', [sid, utf8(from), utf8(to), salt, value]);
}

export function contributeZeroSeed(
  sid: Bytes,
  from: PartyId,
  to: PartyId,
  random: RandomSource,
): ZeroSeedContribution {
  const salt = random(ZERO_SEED_BYTES);
  const raw = random(ZERO_SEED_BYTES);
  const value = new SecretBytes(raw);
  raw.fill(0);
  return { commitment: commitmentOf(sid, from, to, salt, value.expose()), salt, value };
}

/** Does (salt, value) open `from`'s commitment to `to`? */
export function opensZeroSeed(
  sid: Bytes,
  from: PartyId,
  to: PartyId,
  commitment: Bytes,
  salt: Bytes,
  value: Bytes,
): boolean {
  return (
    salt.length === ZERO_SEED_BYTES &&
    value.length === ZERO_SEED_BYTES &&
    equalBytes(commitmentOf(sid, from, to, salt, value), commitment)
  );
}

/** seed_{a,b} = H(sid, lo, hi, c_lo, c_hi) with (lo, hi) the pair in party-id order: symmetric. */
export function deriveZeroSeed(
  sid: Bytes,
  a: PartyId,
  valueA: Bytes,
  b: PartyId,
  valueB: Bytes,
): SecretBytes {
  const fields = a < b ? [utf8(a), utf8(b), valueA, valueB] : [utf8(b), utf8(a), valueB, valueA];
  const seed = hashTranscript('dkls23/setup/zero-seed', [sid, ...fields]);
  const out = new SecretBytes(seed);
  seed.fill(0);
  return out;
}
