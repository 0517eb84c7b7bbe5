/**
 * DKLs23 Protocol 3.6 round 2 (direct) as received, i.e. the checks of the paper's round 3.
 *
 * Receives (j → i): encodeFields([Γ^u, Γ^v, ψ_{j,i}, pk_j, salt, R_j, encodeFields([z_{j,k}·G
 * for k ∈ S∖{j}, sorted]), m2]).
 *
 * Checks on every received message (from j), in order; each is terminal for the session:
 * 1. eight fields; Γ^u, Γ^v, pk_j, R_j canonical non-identity points; ψ a
 *    canonical scalar; the zero-share list has |S|−1 points             → protocol.malformed (culprit: j)
 * 2. (salt, R_j) opens j's round-1 commitment to i                      → protocol.bad_decommitment (culprit: j)
 * 3. the 2P-MUL receiver step accepts m2 (the multiplication's own
 *    verification, inside `receiverFinish`), giving d^u_{i,j}, d^v_{i,j}   → protocol.bad_mul (culprit: j)
 * 4. χ_{i,j}·R_j == Γ^u + d^u_{i,j}·G  (j multiplied the r_j it committed to) → protocol.bad_mul (culprit: j)
 * 5. χ_{i,j}·pk_j == Γ^v + d^v_{i,j}·G (j multiplied the sk_j of its pk_j)  → protocol.bad_mul (culprit: j)
 * After a failure of 3-5 both 2P-MUL states with j are marked discarded.
 *
 * Finalize, once every message passed:
 * 6. Σ_{j∈S} pk_j == PK (+ t·G with a tweak)                               → protocol.bad_public_share;
 *    culprits: every j whose pk_j ≠ λ_j·PK_j + Σ_k ±z_{j,k}·G (+ t·G for the tweak holder) while
 *    its zero-share points agree with what the other end of each pair sent (or with our own z_{i,j});
 *    a pair whose two ends disagree is reported in the detail without blame.
 * Then R = Σ R_j, and
 *   u_i = r_i·(φ_i + Σ_j ψ_{j,i}) + Σ_j (c^u_{i,j} + d^u_{i,j}),
 *   v_i = sk_i·(φ_i + Σ_j ψ_{j,i}) + Σ_j (c^v_{i,j} + d^v_{i,j}),
 * so Σu = r·φ and Σv = sk·φ. r_i, sk_i, φ_i's round secrets are dropped; `after` turns (R, φ_i,
 * u_i, v_i) into the presignature or round 3.
 */
import type { Bytes } from '../../../crypto/bytes.ts';
import { decodeFields } from '../../../crypto/lp.ts';
import { mulSecret } from '../../../crypto/suites/mul-secret.ts';
import type { GroupPoint } from '../../../crypto/suites/types.ts';
import type { Abort, PartyId, Round, Step, Verified } from '../../../engine/types.ts';
import type { MulReceiverPending } from '../mul/types.ts';
import { checkDecommitment, mulSessionId } from './commit.ts';
import { discardPair, mulAbort, ROUND2_FIELDS } from './round1.ts';
import type { MulPeerStates, Round1Secrets, SignSession } from './types.ts';
import { zeroTermSign } from './zero-share.ts';

/** What rounds 1-2 leave: R and this party's φ_i, u_i, v_i, plus the public key they are for. */
export type Round2Result = {
  readonly R: GroupPoint;
  readonly phi: bigint;
  readonly u: bigint;
  readonly v: bigint;
};

export type AfterRound2<Out> = (result: Round2Result) => Step<Out>;

export type Round1Carry = {
  readonly commitments: ReadonlyMap<PartyId, Bytes>;
  /** (c^u_{i,j}, c^v_{i,j}) per peer j. */
  readonly senderShares: ReadonlyMap<PartyId, readonly [bigint, bigint]>;
  readonly pk: GroupPoint;
};

type Round2Value = {
  readonly R: GroupPoint;
  readonly pk: GroupPoint;
  readonly psi: bigint;
  readonly du: bigint;
  readonly dv: bigint;
  /** z_{j,k}·G as j reported them, per k. */
  readonly zeroPoints: ReadonlyMap<PartyId, GroupPoint>;
};

export function signRound2<Out>(
  s: SignSession,
  secrets: Round1Secrets,
  carry: Round1Carry,
  after: AfterRound2<Out>,
): Round<Out, Round2Value> {
  const { suite } = s;
  const received = new Map<PartyId, Round2Value>();
  const abort = (code: Abort['code'], culprits: PartyId[], detail: string): Abort => ({
    code,
    round: 2,
    culprits,
    detail,
  });
  const malformed = (from: PartyId, detail: string): Verified<Round2Value> => ({
    ok: false,
    abort: abort('protocol.malformed', [from], `round 2 from ${from}: ${detail}`),
  });

  return {
    number: 2,
    from: s.others,
    kind: 'direct',
    echo: false,

    verify(from: PartyId, payload: Bytes): Verified<Round2Value> {
      // 1. Decoding.
      let f: Bytes[];
      try {
        f = decodeFields(payload, ROUND2_FIELDS.length);
      } catch (e) {
        return malformed(from, (e as Error).message);
      }
      if (f.length !== ROUND2_FIELDS.length)
        return malformed(from, `expected ${ROUND2_FIELDS.length} fields`);
      const [gu, gv, psib, pkb, salt, Rb, zb, m2] = f as [
        Bytes,
        Bytes,
        Bytes,
        Bytes,
        Bytes,
        Bytes,
        Bytes,
        Bytes,
      ];
      let gammaU: GroupPoint;
      let gammaV: GroupPoint;
      let pk: GroupPoint;
      let R: GroupPoint;
      let psi: bigint;
      const zeroPoints = new Map<PartyId, GroupPoint>();
      try {
        gammaU = suite.decodePoint(gu);
        gammaV = suite.decodePoint(gv);
        pk = suite.decodePoint(pkb);
        R = suite.decodePoint(Rb);
        psi = suite.decodeScalar(psib);
        const list = decodeFields(zb, s.signers.length);
        const peers = s.signers.filter((p) => p !== from);
        if (list.length !== peers.length) throw new RangeError('zero-share point list has the wrong length');
        for (const [k, p] of peers.entries()) zeroPoints.set(p, suite.decodePoint(list[k] as Bytes));
      } catch (e) {
        return malformed(from, (e as Error).message);
      }

      // 2. The opening of j's round-1 commitment to us.
      if (!checkDecommitment(s.ssid, from, s.self, carry.commitments.get(from) as Bytes, salt, Rb))
        return {
          ok: false,
          abort: abort(
            'protocol.bad_decommitment',
            [from],
            `${from} opened its R commitment to a different value`,
          ),
        };

      // 3. The 2P-MUL receiver step (its own verification inside).
      const pending = secrets.pending.get(from) as MulReceiverPending;
      const state = (s.mulStates[from] as MulPeerStates).receiver;
      let d: bigint[];
      try {
        d = s.mul.receiverFinish(state, mulSessionId(s.ssid, s.self, from), pending, m2).shares;
      } catch (e) {
        return { ok: false, abort: mulAbort(s, 2, from, e, '2P-MUL receiver step') };
      }
      const [du, dv] = d;
      if (d.length !== 2 || du === undefined || dv === undefined)
        return {
          ok: false,
          abort: mulAbort(s, 2, from, new Error('expected 2 shares'), '2P-MUL receiver step'),
        };

      // 4-5. The consistency checks of Protocol 3.6: the sender's 2P-MUL inputs are the r_j behind
      // R_j and the sk_j behind pk_j. χ and d are secret: constant-time multiplications.
      const gammaFail = (which: string): Verified<Round2Value> => {
        discardPair(s, from);
        return {
          ok: false,
          abort: abort(
            'protocol.bad_mul',
            [from],
            `${which} check failed: ${from}'s 2P-MUL input differs from its ${which === 'Γ^u' ? 'R_j' : 'pk_j'}`,
          ),
        };
      };
      if (!mulSecret(R, pending.chi).equals(gammaU.add(suite.mulBase(du)))) return gammaFail('Γ^u');
      if (!mulSecret(pk, pending.chi).equals(gammaV.add(suite.mulBase(dv)))) return gammaFail('Γ^v');

      return { ok: true, value: { R, pk, psi, du, dv, zeroPoints } };
    },

    store(from: PartyId, value: Round2Value): void {
      received.set(from, value);
    },

    finalize(): Step<Out> {
      const { Fn } = suite;
      // 6. Σ pk_j == PK (+ t·G).
      let sum = carry.pk;
      for (const j of s.others) sum = sum.add((received.get(j) as Round2Value).pk);
      if (!sum.equals(s.publicKey)) {
        const { culprits, detail } = blamePublicShares(s, secrets, received);
        return { type: 'abort', abort: abort('protocol.bad_public_share', culprits, detail) };
      }

      let R = secrets.R;
      let mask = secrets.phi;
      let u = 0n;
      let v = 0n;
      for (const j of s.others) {
        const m = received.get(j) as Round2Value;
        const [cu, cv] = carry.senderShares.get(j) as readonly [bigint, bigint];
        R = R.add(m.R);
        mask = Fn.add(mask, m.psi);
        u = Fn.add(u, Fn.add(cu, m.du));
        v = Fn.add(v, Fn.add(cv, m.dv));
      }
      if (R.is0())
        return { type: 'abort', abort: abort('protocol.bad_commitment', [], 'R = Σ R_j is the identity') };
      u = Fn.add(Fn.mul(secrets.r, mask), u);
      v = Fn.add(Fn.mul(secrets.sk, mask), v);
      const phi = secrets.phi;
      // Best effort: drop the round secrets (BigInts are immutable; no copy outlives the session).
      secrets.r = 0n;
      secrets.sk = 0n;
      secrets.phi = 0n;
      received.clear();
      for (const p of secrets.pending.values()) p.secret.wipe();
      return after({ R, phi, u, v });
    },
  };
}

/**
 * Names who sent a bad pk_j after Σ pk_j ≠ PK (tkms addition; see index.ts). pk_j must equal
 * λ_j·PK_j + ζ_j·G (+ t·G), and ζ_j·G = Σ_k ±z_{j,k}·G is public once every signer sent its
 * pairwise points. An honest j passes with its own points, and its points agree with every honest
 * counterpart, so only cheaters are named.
 */
function blamePublicShares(
  s: SignSession,
  secrets: Round1Secrets,
  received: ReadonlyMap<PartyId, Round2Value>,
): { culprits: PartyId[]; detail: string } {
  const { suite } = s;
  const culprits = new Set<PartyId>();
  const disputes: string[] = [];
  const pointOf = (j: PartyId, k: PartyId): GroupPoint | undefined => {
    if (j === s.self) return suite.mulBase(secrets.zeroTerms.get(k) as bigint);
    return received.get(j)?.zeroPoints.get(k);
  };
  for (const j of s.others) {
    const m = received.get(j) as Round2Value;
    let consistent = true;
    for (const k of s.signers) {
      if (k === j) continue;
      const mine = pointOf(j, k) as GroupPoint;
      const theirs = pointOf(k, j) as GroupPoint;
      if (mine.equals(theirs)) continue;
      consistent = false;
      if (k === s.self) culprits.add(j);
      else if (j < k) disputes.push(`${j}/${k}`);
    }
    if (!consistent) continue;
    let expected = (s.verifyingShares.get(j) as GroupPoint).multiplyUnsafe(s.lambdas.get(j) as bigint);
    for (const [k, Z] of m.zeroPoints)
      expected = zeroTermSign(j, k) === 1 ? expected.add(Z) : expected.subtract(Z);
    if (j === s.tweakHolder) expected = expected.add(s.tweakPoint);
    if (!expected.equals(m.pk)) culprits.add(j);
  }
  const named = [...culprits].sort();
  return {
    culprits: named,
    detail:
      `Σ pk_j ≠ the public key` +
      (named.length ? `; pk_j of ${named.join(', ')} does not match its verifying share` : '') +
      (disputes.length ? `; pairs disagreeing on their zero-share point: ${disputes.join(', ')}` : ''),
  };
}
