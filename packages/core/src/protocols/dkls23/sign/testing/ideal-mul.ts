/**
 * TEST DOUBLE — an ideal two-party multiplication (the F_2PMul functionality of DKLs23 §3), for
 * testing the signing protocol before (and beside) the OT-based implementation. It is NOT secure:
 * χ and the sender's inputs go through a trusted in-memory channel shared by all parties of the
 * process, and the "messages" are only handles into that channel. Never use it outside tests.
 *
 * It keeps the interface's contract: χ is sampled by the receiver, c + d = a·χ per input, a
 * handle is accepted once, for the session id and ordered pair it was made for, and a discarded
 * state refuses to run. Faults can be injected per instance: offsets on the receiver's d (to
 * exercise the Γ checks) and `protocol.bad_ot` / `protocol.bad_mul` failures.
 */
import { type Bytes, bytesToHex, equalBytes, hexToBytes, utf8 } from '../../../../crypto/bytes.ts';
import { decodeFields, encodeFields } from '../../../../crypto/lp.ts';
import { SecretBytes } from '../../../../crypto/secret.ts';
import type { Suite } from '../../../../crypto/suites/types.ts';
import type { PartyId } from '../../../../engine/types.ts';
import { TkmsError } from '../../../../errors/tkms-error.ts';
import type { MulPairState, MulReceiverPending, TwoPartyMultiplication } from '../../mul/types.ts';
import type { MulPeerStates } from '../types.ts';

/** One 2P-MUL instance: `receiver` holds χ, `sender` the inputs. */
export type MulInstance = { readonly sender: PartyId; readonly receiver: PartyId };

export type IdealMulFaults = {
  /** Offsets added to the receiver's shares d (so c + d ≠ a·χ): the Γ checks must catch it. */
  corruptShares?: (i: MulInstance) => readonly [bigint, bigint] | undefined;
  /** `senderRespond` throws `protocol.bad_ot` for these instances. */
  failOt?: (i: MulInstance) => boolean;
  /** `receiverFinish` throws `protocol.bad_mul` for these instances. */
  failMul?: (i: MulInstance) => boolean;
};

type Entry = {
  readonly sessionId: Bytes;
  readonly receiver: PartyId;
  readonly sender: PartyId;
  readonly chi: bigint;
  d?: bigint[];
};

const TAG_START = utf8('ideal-2p-mul/start');
const TAG_ANSWER = utf8('ideal-2p-mul/answer');

/**
 * TEST DOUBLE: an ideal 2P-MUL over `suite` and a fresh in-memory channel.
 */
export function createIdealMul(suite: Suite, faults: IdealMulFaults = {}): TwoPartyMultiplication {
  const channel = new Map<string, Entry>();
  const { Fn } = suite;

  const handleOf = (msg: Bytes, tag: Bytes): string | undefined => {
    try {
      const f = decodeFields(msg, 2);
      if (f.length !== 2 || !equalBytes(f[0] as Bytes, tag) || f[1]?.length !== 16) return undefined;
      return bytesToHex(f[1] as Bytes);
    } catch {
      return undefined;
    }
  };
  const refuseDiscarded = (state: MulPairState) => {
    if (state.discarded) throw new Error(`2P-MUL state ${state.self}→${state.peer} was discarded`);
  };

  return {
    receiverStart(state, sessionId, random): { message: Bytes; pending: MulReceiverPending } {
      refuseDiscarded(state);
      if (state.role !== 'receiver') throw new Error('receiverStart needs a receiver state');
      const handle = random(16);
      const chi = suite.randomScalar(random);
      channel.set(bytesToHex(handle), {
        sessionId: Uint8Array.from(sessionId),
        receiver: state.self,
        sender: state.peer,
        chi,
      });
      return {
        message: encodeFields([TAG_START, handle]),
        pending: { chi, secret: new SecretBytes(handle) },
      };
    },

    senderRespond(state, sessionId, receiverMessage, inputs, random): { message: Bytes; shares: bigint[] } {
      refuseDiscarded(state);
      if (state.role !== 'sender') throw new Error('senderRespond needs a sender state');
      const bad = (why: string) =>
        new TkmsError('protocol.bad_ot', { details: `ideal 2P-MUL: ${why}`, culprits: [state.peer] });
      const h = handleOf(receiverMessage, TAG_START);
      const e = h === undefined ? undefined : channel.get(h);
      if (!e || e.d) throw bad('unknown or reused receiver message');
      if (!equalBytes(e.sessionId, sessionId) || e.receiver !== state.peer || e.sender !== state.self)
        throw bad('receiver message for another instance');
      if (faults.failOt?.({ sender: e.sender, receiver: e.receiver })) throw bad('injected OT failure');
      if (inputs.length !== 2) throw new RangeError('expected 2 inputs');
      const offsets = faults.corruptShares?.({ sender: e.sender, receiver: e.receiver }) ?? [0n, 0n];
      const c: bigint[] = [];
      const d: bigint[] = [];
      for (const [k, a] of inputs.entries()) {
        const ck = suite.randomScalar(random);
        c.push(ck);
        d.push(Fn.add(Fn.sub(Fn.mul(a, e.chi), ck), offsets[k] ?? 0n));
      }
      e.d = d;
      return { message: encodeFields([TAG_ANSWER, hexToBytes(h as string)]), shares: c };
    },

    receiverFinish(state, sessionId, pending, senderMessage): { shares: bigint[] } {
      refuseDiscarded(state);
      const bad = (why: string) =>
        new TkmsError('protocol.bad_mul', { details: `ideal 2P-MUL: ${why}`, culprits: [state.peer] });
      const h = handleOf(senderMessage, TAG_ANSWER);
      if (h === undefined || h !== bytesToHex(pending.secret.expose()))
        throw bad('answer for another instance');
      const e = channel.get(h);
      if (!e?.d || !equalBytes(e.sessionId, sessionId)) throw bad('no answer for this instance');
      if (faults.failMul?.({ sender: e.sender, receiver: e.receiver }))
        throw bad('injected multiplication failure');
      channel.delete(h);
      return { shares: [...e.d] };
    },
  };
}

/** TEST DOUBLE states: one sender and one receiver state per ordered pair, no secret material. */
export function idealMulStates(parties: readonly PartyId[]): Record<PartyId, Record<PartyId, MulPeerStates>> {
  const out: Record<PartyId, Record<PartyId, MulPeerStates>> = {};
  const state = (self: PartyId, peer: PartyId, role: MulPairState['role']): MulPairState => ({
    role,
    self,
    peer,
    discarded: false,
    secret: new SecretBytes(new Uint8Array(32)),
  });
  for (const i of parties) {
    out[i] = {};
    for (const j of parties)
      if (j !== i) out[i][j] = { sender: state(i, j, 'sender'), receiver: state(i, j, 'receiver') };
  }
  return out;
}
