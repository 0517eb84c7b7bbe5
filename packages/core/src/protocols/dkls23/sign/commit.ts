/**
 * The commitment DKLs23 Protocol 3.6 uses for the instance point R_i (F_Com in the paper,
 * instantiated as a salted hash in the random-oracle model): hiding because the 32-byte salt is
 * random, binding because SHA-256 is collision resistant. The hash binds the session, the
 * committer and the recipient, so a commitment cannot be replayed in another session or towards
 * another party.
 */
import { type Bytes, equalBytes, utf8 } from '../../../crypto/bytes.ts';
import { hashTranscript } from '../../../crypto/transcript.ts';
import type { PartyId } from '../../../engine/types.ts';

export const SALT_BYTES = 32;

export function commitPoint(ssid: Bytes, from: PartyId, to: PartyId, salt: Bytes, point: Bytes): Bytes {
  return hashTranscript('dkls23/commit-R', [ssid, utf8(from), utf8(to), salt, point]);
}

export function checkDecommitment(
  ssid: Bytes,
  from: PartyId,
  to: PartyId,
  commitment: Bytes,
  salt: Bytes,
  point: Bytes,
): boolean {
  return salt.length === SALT_BYTES && equalBytes(commitPoint(ssid, from, to, salt, point), commitment);
}

/** The 2P-MUL session id of the instance with `receiver` holding χ and `sender` the inputs: H(ssid, i, j). */
export function mulSessionId(ssid: Bytes, receiver: PartyId, sender: PartyId): Bytes {
  return hashTranscript('dkls23/mul-session', [ssid, utf8(receiver), utf8(sender)]);
}
