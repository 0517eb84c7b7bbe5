/**
 * DKLs23 key setup, round 3 (broadcast; no echo needed: the value itself is the comparison):
 * confirmation.
 *
 * Sends (i → all): encodeFields([H, encodeFields([encodeFields([d(i→k), d(k→i)]) for k ∈
 * parties∖{i}, in party order])]) with H = H(sid, round-1 transcript, chain code, every pair
 * session id) and d(a→b) the digest of the pair setup with sender a and receiver b (its session
 * id, both parties and both messages) as i ran it.
 *
 * Checks on every received message (from j), in order:
 * 1. two fields: a 32-byte H and n−1 entries of two 32-byte digests    → protocol.malformed (culprit: j)
 * 2. H equals ours (same chain code, commitments, OT first messages,
 *    zero-seed commitments, key and parties)                           → protocol.confirm_mismatch (culprit: j)
 * 3. j's two digests for its pairs with this party equal ours (both
 *    ends hold states from the same setup messages)                    → protocol.confirm_mismatch (culprit: j)
 *
 * Only when every other party confirmed does any party output its setup, so no node stores a
 * chain code, a zero seed or a pair state that another node does not hold too.
 */
import { type Bytes, bytesToHex, equalBytes } from '../../../crypto/bytes.ts';
import { decodeFields, encodeFields } from '../../../crypto/lp.ts';
import type { SecretBytes } from '../../../crypto/secret.ts';
import type { PartyId, Round, Step, Verified } from '../../../engine/types.ts';
import type { MulPairState } from '../mul/index.ts';
import type { MulPeerStates } from '../sign/types.ts';
import type { Dkls23SetupOutput, SetupSession } from './types.ts';

export type PairDigests = { readonly asSender: Bytes; readonly asReceiver: Bytes };

export type SetupRound2Result = {
  readonly confirmation: Bytes;
  /** Per peer k: d(self→k) and d(k→self). */
  readonly digests: ReadonlyMap<PartyId, PairDigests>;
  readonly chainCode: Bytes;
  readonly zeroSeeds: Record<PartyId, SecretBytes>;
  readonly senderStates: ReadonlyMap<PartyId, MulPairState>;
  readonly receiverStates: ReadonlyMap<PartyId, MulPairState>;
};

export function encodeSetupRound3(
  confirmation: Bytes,
  others: readonly PartyId[],
  digests: ReadonlyMap<PartyId, PairDigests>,
): Bytes {
  return encodeFields([
    confirmation,
    encodeFields(
      others.map((k) => {
        const d = digests.get(k) as PairDigests;
        return encodeFields([d.asSender, d.asReceiver]);
      }),
    ),
  ]);
}

const short = (b: Bytes) => `${bytesToHex(b).slice(0, 16)}…`;

export function setupRound3(s: SetupSession, r: SetupRound2Result): Round<Dkls23SetupOutput, true> {
  const fail = (code: 'protocol.malformed' | 'protocol.confirm_mismatch', from: PartyId, detail: string) =>
    ({ ok: false, abort: { code, round: 3, culprits: [from], detail: `round 3: ${detail}` } }) as const;

  return {
    number: 3,
    from: s.others,
    kind: 'broadcast',
    echo: false,

    verify(from: PartyId, payload: Bytes): Verified<true> {
      const peers = s.parties.length - 1;
      let confirmation: Bytes;
      let entry: Bytes[];
      try {
        const f = decodeFields(payload, 2);
        if (f.length !== 2 || f[0]?.length !== 32) throw new RangeError('expected a 32-byte hash and a list');
        const list = decodeFields(f[1] as Bytes, peers);
        if (list.length !== peers) throw new RangeError(`expected ${peers} pair entries`);
        const all = list.map((e) => decodeFields(e, 2));
        if (all.some((d) => d.length !== 2 || d.some((x) => x.length !== 32)))
          throw new RangeError('expected two 32-byte digests per pair');
        confirmation = f[0] as Bytes;
        entry = all[s.parties.filter((p) => p !== from).indexOf(s.self)] as Bytes[];
      } catch (e) {
        return fail('protocol.malformed', from, (e as Error).message);
      }
      if (!equalBytes(confirmation, r.confirmation))
        return fail(
          'protocol.confirm_mismatch',
          from,
          `${from} confirmed ${short(confirmation)}, we derived ${short(r.confirmation)}`,
        );
      // j's d(j→self) is our d as receiver from j; j's d(self→j) is our d as sender towards j.
      const ours = r.digests.get(from) as PairDigests;
      if (!equalBytes(entry[0] as Bytes, ours.asReceiver) || !equalBytes(entry[1] as Bytes, ours.asSender))
        return fail(
          'protocol.confirm_mismatch',
          from,
          `${from} ran the 2P-MUL setups with ${s.self} on other messages than ${s.self} did`,
        );
      return { ok: true, value: true };
    },

    store(): void {},

    finalize(): Step<Dkls23SetupOutput> {
      const mulStates: Record<PartyId, MulPeerStates> = Object.fromEntries(
        s.others.map((j) => [
          j,
          {
            sender: r.senderStates.get(j) as MulPairState,
            receiver: r.receiverStates.get(j) as MulPairState,
          },
        ]),
      );
      return {
        type: 'done',
        output: {
          suite: s.suite,
          parties: [...s.parties],
          groupPublicKey: Uint8Array.from(s.groupPublicKey),
          chainCode: r.chainCode,
          mulStates,
          zeroSeeds: r.zeroSeeds,
          transcriptHash: r.confirmation,
        },
      };
    },
  };
}
