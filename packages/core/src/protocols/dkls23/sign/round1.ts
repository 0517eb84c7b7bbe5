/**
 * DKLs23 Protocol 3.6 round 1 (direct): what each signer i sent to each peer j at start, and how
 * j's answer is prepared when it arrives.
 *
 * Sends (i → j): encodeFields([com_{i→j}, m1]) where com_{i→j} = H(ssid, i, j, salt_{i→j}, R_i)
 * commits to the instance point R_i = r_i·G (commit.ts) and m1 is the 2P-MUL receiver message of
 * the instance (receiver i with χ_{i,j}, sender j), session id H(ssid, i, j).
 *
 * Checks on every received message (from j), in order:
 * 1. the payload is exactly two length-prefixed fields, the first 32 bytes  → protocol.malformed (culprit: j)
 * 2. the 2P-MUL sender step accepts j's receiver message (OT-extension
 *    consistency, inside `senderRespond`) with inputs (r_i, sk_i)          → protocol.bad_ot (culprit: j);
 *    (or the implementation's own code, e.g. protocol.malformed); both 2P-MUL states with j are
 *    then marked discarded
 *
 * Finalize (round 2 of the paper): for each j, sends Γ^u = c^u_{i,j}·G, Γ^v = c^v_{i,j}·G,
 * ψ_{i,j} = φ_i − χ_{i,j}, pk_i = sk_i·G, the opening (salt, R_i) of com_{i→j}, the points
 * z_{i,k}·G of the pairwise zero-share terms (tkms addition, see index.ts) and the 2P-MUL sender
 * message.
 */
import type { Bytes } from '../../../crypto/bytes.ts';
import { decodeFields, encodeFields } from '../../../crypto/lp.ts';
import type { Abort, Outgoing, PartyId, Round, Step, Verified } from '../../../engine/types.ts';
import { TkmsError } from '../../../errors/tkms-error.ts';
import type { MulReceiverPending } from '../mul/types.ts';
import { mulSessionId } from './commit.ts';
import { type AfterRound2, signRound2 } from './round2.ts';
import type { MulPeerStates, Round1Secrets, SignSession } from './types.ts';

export type Round1Value = {
  readonly commitment: Bytes;
  /** c^u_{i,j}, c^v_{i,j}: our shares as the sender towards j. */
  readonly shares: readonly [bigint, bigint];
  readonly reply: Bytes;
};

export function encodeRound1(commitment: Bytes, mulMessage: Bytes): Bytes {
  return encodeFields([commitment, mulMessage]);
}

/** Marks both 2P-MUL states with `peer` unusable: a failed check may have been a selective-failure probe. */
export function discardPair(s: SignSession, peer: PartyId): void {
  const st = Object.hasOwn(s.mulStates, peer) ? s.mulStates[peer] : undefined;
  if (!st) return;
  st.sender.discarded = true;
  st.receiver.discarded = true;
}

/**
 * A 2P-MUL failure as an abort. A `TkmsError` from the implementation is a failed check on the
 * peer's message: its code, the peer blamed, and both pair states with the peer discarded. Any
 * other error is a local fault (a caller bug): `internal`, nobody blamed, the states kept.
 */
export function mulAbort(s: SignSession, round: number, from: PartyId, e: unknown, what: string): Abort {
  if (!(e instanceof TkmsError))
    return { code: 'internal', round, culprits: [], detail: `${what} with ${from}: ${(e as Error).message}` };
  discardPair(s, from);
  return {
    code: e.code,
    round,
    culprits: [from],
    detail: `${what} with ${from}: ${e.details ?? e.shortMessage}`,
  };
}

export function signRound1<Out>(
  s: SignSession,
  secrets: Round1Secrets,
  after: AfterRound2<Out>,
): Round<Out, Round1Value> {
  const received = new Map<PartyId, Round1Value>();
  const fail = (from: PartyId, detail: string): Verified<Round1Value> => ({
    ok: false,
    abort: { code: 'protocol.malformed', round: 1, culprits: [from], detail },
  });

  return {
    number: 1,
    from: s.others,
    kind: 'direct',
    echo: false,

    verify(from: PartyId, payload: Bytes): Verified<Round1Value> {
      let fields: Bytes[];
      try {
        fields = decodeFields(payload, 2);
      } catch (e) {
        return fail(from, `round 1: ${(e as Error).message}`);
      }
      if (fields.length !== 2 || fields[0]?.length !== 32)
        return fail(from, 'round 1: expected a 32-byte commitment and a 2P-MUL message');
      const [commitment, m1] = fields as [Bytes, Bytes];
      const state = (s.mulStates[from] as MulPeerStates).sender;
      let out: { message: Bytes; shares: bigint[] };
      try {
        out = s.mul.senderRespond(
          state,
          mulSessionId(s.ssid, from, s.self),
          m1,
          [secrets.r, secrets.sk],
          s.random,
        );
      } catch (e) {
        return { ok: false, abort: mulAbort(s, 1, from, e, '2P-MUL sender step') };
      }
      const [cu, cv] = out.shares;
      if (out.shares.length !== 2 || cu === undefined || cv === undefined)
        return {
          ok: false,
          abort: mulAbort(s, 1, from, new Error('expected 2 shares'), '2P-MUL sender step'),
        };
      return {
        ok: true,
        value: { commitment: Uint8Array.from(commitment), shares: [cu, cv], reply: out.message },
      };
    },

    store(from: PartyId, value: Round1Value): void {
      received.set(from, value);
    },

    finalize(): Step<Out> {
      const { suite } = s;
      const pk = suite.mulBase(secrets.sk);
      const pkBytes = suite.encodePoint(pk);
      // z_{i,k}·G in the order of s.others: the same list for every recipient.
      const zeroPoints = encodeFields(
        s.others.map((k) => suite.encodePoint(suite.mulBase(secrets.zeroTerms.get(k) as bigint))),
      );
      const outbox: Outgoing[] = [];
      for (const j of s.others) {
        const v = received.get(j) as Round1Value;
        const chi = (secrets.pending.get(j) as MulReceiverPending).chi;
        outbox.push({
          to: j,
          payload: encodeRound2({
            gammaU: suite.encodePoint(suite.mulBase(v.shares[0])),
            gammaV: suite.encodePoint(suite.mulBase(v.shares[1])),
            psi: suite.encodeScalar(suite.Fn.sub(secrets.phi, chi)),
            pk: pkBytes,
            salt: secrets.salts.get(j) as Bytes,
            R: secrets.Rbytes,
            zeroPoints,
            mulMessage: v.reply,
          }),
        });
      }
      const commitments = new Map([...received].map(([p, v]) => [p, v.commitment]));
      const senderShares = new Map([...received].map(([p, v]) => [p, v.shares]));
      received.clear();
      return {
        type: 'continue',
        round: signRound2(s, secrets, { commitments, senderShares, pk }, after),
        outbox,
      };
    },
  };
}

export type Round2Fields = {
  gammaU: Bytes;
  gammaV: Bytes;
  psi: Bytes;
  pk: Bytes;
  salt: Bytes;
  R: Bytes;
  zeroPoints: Bytes;
  mulMessage: Bytes;
};

/** The field order of a round-2 message (round2.ts decodes it). */
export const ROUND2_FIELDS = [
  'gammaU',
  'gammaV',
  'psi',
  'pk',
  'salt',
  'R',
  'zeroPoints',
  'mulMessage',
] as const;

export function encodeRound2(f: Round2Fields): Bytes {
  return encodeFields(ROUND2_FIELDS.map((k) => f[k]));
}
