/**
 * DKG round 3 (broadcast, no echo needed: the value itself is the comparison): key confirmation.
 *
 * Sends: encodeFields([H]) with H = hashTranscript("dkg/confirm", [ssid, round, suite, t, PK,
 * (party, identifier, PK_m) for every party, round-1 transcript hash]).
 *
 * Checks on every received message, in order:
 * 1. the payload is exactly one 32-byte field                         → protocol.malformed (culprit: sender)
 * 2. H equals our own                                                 → protocol.confirm_mismatch (culprit: sender)
 *
 * Only when every other party confirmed the same H does any party output its key share, so no
 * party finishes with a key the others do not have.
 */
import { type Bytes, bytesToHex, equalBytes } from '../../crypto/bytes.ts';
import { decodeFields } from '../../crypto/lp.ts';
import { SecretBytes } from '../../crypto/secret.ts';
import type { PartyId, Round, Step, Verified } from '../../engine/types.ts';
import type { DkgOutput, DkgSession } from './types.ts';

export type DkgResult = {
  readonly groupPublicKey: Bytes;
  readonly verifyingShares: Record<PartyId, Bytes>;
  /** Encoded s_j; wiped after the output takes its copy. */
  readonly signingShare: Bytes;
  readonly confirmation: Bytes;
};

export function dkgRound3(s: DkgSession, r: DkgResult): Round<DkgOutput, true> {
  return {
    number: 3,
    from: s.others,
    kind: 'broadcast',
    echo: false,

    verify(from: PartyId, payload: Bytes): Verified<true> {
      let fields: Bytes[];
      try {
        fields = decodeFields(payload, 1);
        if (fields.length !== 1 || fields[0]?.length !== 32)
          throw new RangeError('expected one 32-byte hash');
      } catch (e) {
        return {
          ok: false,
          abort: {
            code: 'protocol.malformed',
            round: 3,
            culprits: [from],
            detail: `round 3: ${(e as Error).message}`,
          },
        };
      }
      if (!equalBytes(fields[0] as Bytes, r.confirmation))
        return {
          ok: false,
          abort: {
            code: 'protocol.confirm_mismatch',
            round: 3,
            culprits: [from],
            detail: `${from} confirmed ${bytesToHex(fields[0] as Bytes).slice(0, 16)}…, we derived ${bytesToHex(r.confirmation).slice(0, 16)}…`,
          },
        };
      return { ok: true, value: true };
    },

    store(): void {},

    finalize(): Step<DkgOutput> {
      const signingShare = new SecretBytes(r.signingShare);
      r.signingShare.fill(0);
      return {
        type: 'done',
        output: {
          suite: s.suite.name,
          threshold: s.threshold,
          parties: [...s.parties],
          identifiers: Object.fromEntries(
            s.parties.map((p) => [p, bytesToHex(s.suite.encodeScalar(s.ids.get(p) as bigint))]),
          ),
          groupPublicKey: r.groupPublicKey,
          verifyingShares: r.verifyingShares,
          signingShare,
          transcriptHash: r.confirmation,
        },
      };
    },
  };
}
