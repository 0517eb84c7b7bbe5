/**
 * Schnorr proof of possession of a_{i,0} (Komlo–Goldberg PedPoP; RFC 9591-era FROST DKG's
 * proof of knowledge). The challenge binds the suite, the session id, the sender's party id and
 * FROST identifier, the round, the committed key C_{i,0} and the proof nonce R: a proof cannot be
 * replayed under another identifier or in another session (rogue-key and cross-session replay
 * defence, protocols.md §7 row 13).
 *
 * c = HDKG(hashTranscript("dkg/pop", [suite, ssid, sender, round, id, C_0, R])), μ = k + a_0·c.
 * Proof on the wire: SerializeElement(R) and SerializeScalar(μ).
 */
import { type Bytes, u32be, utf8 } from '../../crypto/bytes.ts';
import type { GroupPoint, RandomSource, Suite } from '../../crypto/suites/types.ts';
import { hashTranscript } from '../../crypto/transcript.ts';
import type { PartyId } from '../../engine/types.ts';

const POP_ROUND = 1;

export function popChallenge(
  suite: Suite,
  ssid: Bytes,
  sender: PartyId,
  id: bigint,
  C0: Bytes,
  R: Bytes,
): bigint {
  const digest = hashTranscript('dkg/pop', [
    utf8(suite.name),
    ssid,
    utf8(sender),
    u32be(POP_ROUND),
    suite.encodeScalar(id),
    C0,
    R,
  ]);
  return suite.frost.HDKG(digest);
}

export function provePossession(
  suite: Suite,
  random: RandomSource,
  ssid: Bytes,
  sender: PartyId,
  id: bigint,
  a0: bigint,
  C0: Bytes,
): { R: Bytes; mu: Bytes } {
  const k = suite.randomScalar(random);
  const R = suite.encodePoint(suite.mulBase(k));
  const c = popChallenge(suite, ssid, sender, id, C0, R);
  const mu = suite.Fn.add(k, suite.Fn.mul(a0, c));
  return { R, mu: suite.encodeScalar(mu) };
}

/** μ·G == R + c·C_0, all public (variable-time is fine). */
export function verifyPossession(
  suite: Suite,
  ssid: Bytes,
  sender: PartyId,
  id: bigint,
  C0: GroupPoint,
  C0bytes: Bytes,
  R: GroupPoint,
  Rbytes: Bytes,
  mu: bigint,
): boolean {
  const c = popChallenge(suite, ssid, sender, id, C0bytes, Rbytes);
  return suite.mulBasePublic(mu).equals(R.add(C0.multiplyUnsafe(c)));
}
