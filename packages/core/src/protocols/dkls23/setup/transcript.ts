/**
 * The hashes that bind the setup: the setup id (ssid plus the key), the per-pair 2P-MUL setup
 * session ids, the digest of one pair's setup messages, the round-1 transcript and the round-3
 * confirmation. All go through `hashTranscript` (SHA-256 over length-prefixed fields).
 */
import { type Bytes, u32be, utf8 } from '../../../crypto/bytes.ts';
import { encodeFields } from '../../../crypto/lp.ts';
import { hashTranscript } from '../../../crypto/transcript.ts';
import type { PartyId } from '../../../engine/types.ts';

/**
 * sid = H(ssid, suite, PK, n, parties). Binding the key means a commitment, an OT setup message or
 * a confirmation made for one key never passes for another, even under a reused ssid.
 */
export function setupSid(
  ssid: Bytes,
  suite: string,
  groupPublicKey: Bytes,
  parties: readonly PartyId[],
): Bytes {
  return hashTranscript('dkls23/setup/session', [
    ssid,
    utf8(suite),
    groupPublicKey,
    u32be(parties.length),
    ...parties.map(utf8),
  ]);
}

/** Session id of the pairwise 2P-MUL setup with `sender` as Alice and `receiver` as Bob. */
export function pairSessionId(sid: Bytes, sender: PartyId, receiver: PartyId): Bytes {
  return hashTranscript('dkls23/setup/pair-session', [sid, utf8(sender), utf8(receiver)]);
}

/** Every ordered pair's session id, senders in party order, then receivers in party order. */
export function allPairSessionIds(sid: Bytes, parties: readonly PartyId[]): Bytes[] {
  return parties.flatMap((a) => parties.filter((b) => b !== a).map((b) => pairSessionId(sid, a, b)));
}

/** Digest of one pair setup as a party saw it: both messages, under the pair's session id. */
export function pairDigest(
  sid: Bytes,
  sender: PartyId,
  receiver: PartyId,
  message1: Bytes,
  message2: Bytes,
): Bytes {
  return hashTranscript('dkls23/setup/pair-transcript', [
    pairSessionId(sid, sender, receiver),
    utf8(sender),
    utf8(receiver),
    message1,
    message2,
  ]);
}

/** Hash of every party's round-1 broadcast, in party order. */
export function round1Transcript(
  sid: Bytes,
  parties: readonly PartyId[],
  payloads: ReadonlyMap<PartyId, Bytes>,
): Bytes {
  return hashTranscript('dkls23/setup/round1', [
    sid,
    ...parties.flatMap((p) => [utf8(p), payloads.get(p) as Bytes]),
  ]);
}

/**
 * The value every party confirms in round 3: H(sid, round-1 transcript (chain-code commitments,
 * OT setup messages 1, zero-seed commitments), chain code, every pair session id).
 */
export function setupConfirmation(
  sid: Bytes,
  round1: Bytes,
  chainCode: Bytes,
  parties: readonly PartyId[],
): Bytes {
  return hashTranscript('dkls23/setup/confirm', [
    sid,
    round1,
    chainCode,
    encodeFields(allPairSessionIds(sid, parties)),
  ]);
}
