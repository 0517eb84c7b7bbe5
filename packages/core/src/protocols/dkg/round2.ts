/**
 * DKG round 2 (direct): the secret share f_i(j) from each dealer i.
 *
 * Sends (to each j): encodeFields([SerializeScalar(f_i(j))]).
 *
 * Checks on every received message, in order:
 * 1. the payload is exactly one length-prefixed field                 → protocol.malformed (culprit: sender)
 * 2. the share is a canonical scalar (< group order)                  → protocol.bad_share (culprit: dealer)
 * 3. f_i(j)·G == Σ_k j^k·C_{i,k} (Feldman VSS, RFC 9591 App. C.2)      → protocol.bad_share (culprit: dealer)
 *
 * Finalize: s_j = Σ_i f_i(j); group key PK = Σ_i C_{i,0}; aggregated commitments
 * A_k = Σ_i C_{i,k}; verifying shares PK_m = Σ_k m^k·A_k for every party m.
 * 4. PK is not the identity                                           → protocol.bad_commitment (no culprit)
 * 5. s_j·G == PK_j (local consistency)                                → internal
 * Then broadcasts the confirmation hash (round 3).
 */
import { type Bytes, u32be, utf8 } from '../../crypto/bytes.ts';
import { decodeFields, encodeFields } from '../../crypto/lp.ts';
import { vssEvaluate } from '../../crypto/suites/poly.ts';
import type { GroupPoint } from '../../crypto/suites/types.ts';
import { hashTranscript } from '../../crypto/transcript.ts';
import type { PartyId, Round, Step, Verified } from '../../engine/types.ts';
import { dkgRound3 } from './round3.ts';
import type { DkgOutput, DkgSession, Round1Package } from './types.ts';

export function dkgRound2(
  s: DkgSession,
  round1: ReadonlyMap<PartyId, Round1Package>,
  ownShare: bigint,
  round1Transcript: Bytes,
): Round<DkgOutput, bigint> {
  const { suite } = s;
  const shares = new Map<PartyId, bigint>();
  const selfId = s.ids.get(s.self) as bigint;

  return {
    number: 2,
    from: s.others,
    kind: 'direct',
    echo: false,

    verify(from: PartyId, payload: Bytes): Verified<bigint> {
      let fields: Bytes[];
      try {
        fields = decodeFields(payload, 1);
        if (fields.length !== 1) throw new RangeError('expected 1 field');
      } catch (e) {
        return {
          ok: false,
          abort: {
            code: 'protocol.malformed',
            round: 2,
            culprits: [from],
            detail: `round 2: ${(e as Error).message}`,
          },
        };
      }
      let share: bigint;
      try {
        share = suite.decodeScalar(fields[0] as Bytes);
      } catch (e) {
        return {
          ok: false,
          abort: { code: 'protocol.bad_share', round: 2, culprits: [from], detail: (e as Error).message },
        };
      }
      // Secret share: constant-time base multiplication; the commitment side is public.
      const expected = vssEvaluate(suite, (round1.get(from) as Round1Package).commitments, selfId);
      if (!suite.mulBase(share).equals(expected))
        return {
          ok: false,
          abort: {
            code: 'protocol.bad_share',
            round: 2,
            culprits: [from],
            detail: `share from ${from} does not match its commitments`,
          },
        };
      return { ok: true, value: share };
    },

    store(from: PartyId, value: bigint): void {
      shares.set(from, value);
    },

    finalize(): Step<DkgOutput> {
      const { Fn } = suite;
      let signingShare = ownShare;
      for (const p of s.others) signingShare = Fn.add(signingShare, shares.get(p) as bigint);
      shares.clear();

      const aggregated: GroupPoint[] = [];
      for (let k = 0; k < s.threshold; k++) {
        let A = suite.identity;
        for (const p of s.parties) A = A.add((round1.get(p) as Round1Package).commitments[k] as GroupPoint);
        aggregated.push(A);
      }
      const groupKey = aggregated[0] as GroupPoint;
      if (groupKey.is0())
        return {
          type: 'abort',
          abort: {
            code: 'protocol.bad_commitment',
            round: 2,
            culprits: [],
            detail: 'group key is the identity',
          },
        };
      const verifying = new Map<PartyId, GroupPoint>();
      for (const p of s.parties) verifying.set(p, vssEvaluate(suite, aggregated, s.ids.get(p) as bigint));
      if (!suite.mulBase(signingShare).equals(verifying.get(s.self) as GroupPoint))
        return {
          type: 'abort',
          abort: {
            code: 'internal',
            round: 2,
            culprits: [],
            detail: 'own share does not match own verifying share',
          },
        };
      if ([...verifying.values()].some((Y) => Y.is0()))
        return {
          type: 'abort',
          abort: {
            code: 'protocol.bad_commitment',
            round: 2,
            culprits: [],
            detail: 'a verifying share is the identity',
          },
        };

      const groupPublicKey = suite.encodePoint(groupKey);
      const verifyingShares: Record<PartyId, Bytes> = {};
      for (const p of s.parties) verifyingShares[p] = suite.encodePoint(verifying.get(p) as GroupPoint);
      const confirmation = hashTranscript('dkg/confirm', [
        s.ssid,
        u32be(3),
        utf8(suite.name),
        u32be(s.threshold),
        groupPublicKey,
        ...s.parties.flatMap((p) => [
          utf8(p),
          suite.encodeScalar(s.ids.get(p) as bigint),
          verifyingShares[p] as Bytes,
        ]),
        round1Transcript,
      ]);
      return {
        type: 'continue',
        round: dkgRound3(s, {
          groupPublicKey,
          verifyingShares,
          signingShare: suite.encodeScalar(signingShare),
          confirmation,
        }),
        outbox: [{ to: '*', payload: encodeFields([confirmation]) }],
      };
    },
  };
}
