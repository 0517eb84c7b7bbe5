/**
 * DKG round 1 (broadcast, echo): Feldman commitments and proof of possession.
 *
 * Sends: encodeFields([encodeFields([C_{i,0}, …, C_{i,t-1}]), SerializeElement(R), SerializeScalar(μ)])
 * where C_{i,k} = a_{i,k}·G for a random degree t-1 polynomial f_i and (R, μ) proves knowledge
 * of a_{i,0} (pok.ts).
 *
 * Checks on every received message, in order:
 * 1. the payload is exactly three length-prefixed fields              → protocol.malformed (culprit: sender)
 * 2. the first field is a length-prefixed list                        → protocol.malformed (culprit: sender)
 * 3. the list holds exactly `threshold` commitments                   → protocol.bad_commitment (culprit: sender)
 * 4. every C_{i,k} is canonical, not the identity, prime-order        → protocol.bad_commitment (culprit: sender)
 * 5. R is canonical, not the identity, prime-order; μ is canonical    → protocol.bad_proof (culprit: sender)
 * 6. μ·G == R + c·C_{i,0} with c bound to suite, ssid, sender, its
 *    identifier and round (a proof from another session or another
 *    identifier fails here)                                           → protocol.bad_proof (culprit: sender)
 * Then the runner's echo exchange checks that all parties saw the same round-1 broadcasts
 * (protocol.echo_mismatch) before finalize sends any share.
 *
 * Finalize: evaluates f_i(j) for every other party j and sends it privately (round 2); keeps
 * f_i(i); drops the polynomial.
 */
import { type Bytes, readU32be, u32be, utf8 } from '../../crypto/bytes.ts';
import { decodeFields, encodeFields } from '../../crypto/lp.ts';
import { evalPolynomial } from '../../crypto/suites/poly.ts';
import type { GroupPoint } from '../../crypto/suites/types.ts';
import { hashTranscript } from '../../crypto/transcript.ts';
import type { Abort, Outgoing, PartyId, Round, Step, Verified } from '../../engine/types.ts';
import { verifyPossession } from './pok.ts';
import { dkgRound2 } from './round2.ts';
import type { DkgOutput, DkgSession, Round1Package } from './types.ts';

export function encodeRound1(commitments: readonly Bytes[], R: Bytes, mu: Bytes): Bytes {
  return encodeFields([encodeFields(commitments), R, mu]);
}

export function dkgRound1(
  s: DkgSession,
  coefficients: bigint[],
  own: Round1Package,
): Round<DkgOutput, Round1Package> {
  const received = new Map<PartyId, Round1Package>([[s.self, own]]);
  const { suite } = s;
  const fail = (code: Abort['code'], from: PartyId, detail: string): Verified<Round1Package> => ({
    ok: false,
    abort: { code, round: 1, culprits: [from], detail },
  });

  return {
    number: 1,
    from: s.others,
    kind: 'broadcast',
    echo: true,

    verify(from: PartyId, payload: Bytes): Verified<Round1Package> {
      let fields: Bytes[];
      let list: Bytes[];
      try {
        fields = decodeFields(payload, 3);
        if (fields.length !== 3) throw new RangeError('expected 3 fields');
      } catch (e) {
        return fail('protocol.malformed', from, `round 1: ${(e as Error).message}`);
      }
      const [vector, Rb, mub] = fields as [Bytes, Bytes, Bytes];
      // Check the announced length before decoding so an oversized vector costs nothing.
      if (vector.length >= 4 && readU32be(vector, 0) !== s.threshold)
        return fail(
          'protocol.bad_commitment',
          from,
          `commitment vector has ${readU32be(vector, 0)} entries, threshold is ${s.threshold}`,
        );
      try {
        list = decodeFields(vector, s.threshold);
      } catch (e) {
        return fail('protocol.malformed', from, `round 1 commitments: ${(e as Error).message}`);
      }
      if (list.length !== s.threshold)
        return fail('protocol.bad_commitment', from, `commitment vector has ${list.length} entries`);
      const commitments: GroupPoint[] = [];
      for (const [k, c] of list.entries()) {
        try {
          commitments.push(suite.decodePoint(c));
        } catch (e) {
          return fail('protocol.bad_commitment', from, `C_${k}: ${(e as Error).message}`);
        }
      }
      let R: GroupPoint;
      let mu: bigint;
      try {
        R = suite.decodePoint(Rb);
        mu = suite.decodeScalar(mub);
      } catch (e) {
        return fail('protocol.bad_proof', from, `proof of possession: ${(e as Error).message}`);
      }
      const id = s.ids.get(from) as bigint;
      if (
        !verifyPossession(suite, s.ssid, from, id, commitments[0] as GroupPoint, list[0] as Bytes, R, Rb, mu)
      )
        return fail('protocol.bad_proof', from, 'proof of possession does not verify');
      return { ok: true, value: { commitments, payload: Uint8Array.from(payload) } };
    },

    store(from: PartyId, value: Round1Package): void {
      received.set(from, value);
    },

    finalize(): Step<DkgOutput> {
      // Everyone's round-1 broadcasts, in party order; confirmed by all in round 3.
      const transcript = hashTranscript('dkg/round1', [
        s.ssid,
        u32be(1),
        ...s.parties.flatMap((p) => [utf8(p), (received.get(p) as Round1Package).payload]),
      ]);
      const outbox: Outgoing[] = [];
      for (const p of s.others) {
        const share = evalPolynomial(suite, coefficients, s.ids.get(p) as bigint);
        outbox.push({ to: p, payload: encodeFields([suite.encodeScalar(share)]) });
      }
      const ownShare = evalPolynomial(suite, coefficients, s.ids.get(s.self) as bigint);
      // Best effort: BigInts are immutable, but drop every reference to the polynomial.
      coefficients.fill(0n);
      coefficients.length = 0;
      return { type: 'continue', round: dkgRound2(s, received, ownShare, transcript), outbox };
    },
  };
}
