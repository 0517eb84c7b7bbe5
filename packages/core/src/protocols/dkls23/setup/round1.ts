/**
 * DKLs23 key setup, round 1 (broadcast, echo-checked).
 *
 * Sends (i → all): encodeFields([C_i, encodeFields([e_{i,j} for j ∈ parties∖{i}, in party order])])
 * with C_i the commitment to i's chain-code contribution (`contributeChainCode`, bound to sid and
 * i) and e_{i,j} = encodeFields([m1_{i,j}, Z_{i→j}]): m1_{i,j} the 2P-MUL setup's first message
 * of the pair (sender j, receiver i), session id H(sid, j, i), and Z_{i→j} the commitment to i's
 * contribution to seed_{i,j}. Everything here is public (A = a·G and salted hashes), so one
 * broadcast carries it and the echo makes every party see the same commitments.
 *
 * Checks on every received message (from j), in order:
 * 1. two length-prefixed fields, the first 32 bytes                    → protocol.malformed (culprit: j)
 * 2. the second is a list of exactly n−1 entries, each two fields with
 *    a 32-byte zero-seed commitment                                    → protocol.malformed (culprit: j)
 * Then the runner's echo exchange checks that every party saw the same round-1 broadcasts
 * (protocol.echo_mismatch, nobody named) before finalize does any OT work or sends anything.
 *
 * Finalize, for each peer j in party order:
 * 3. the entry j addressed to this party passes the 2P-MUL setup's
 *    sender step (`setupSenderRespond`: tag of this pair and session,
 *    canonical non-identity A), giving our sender state towards j     → the setup's own code
 *    (protocol.header_mismatch / protocol.malformed), culprit: j; any other error is a local
 *    fault: `internal`, nobody named
 * then sends each j, privately, the chain-code opening, the opening of Z_{i→j} and the setup's
 * second message m2 (Alice's answer to j's m1). The answers wait for the echo so that no OT work
 * is spent, and nothing is sent, on a transcript the parties do not share.
 */
import type { Bytes } from '../../../crypto/bytes.ts';
import { decodeFields, encodeFields } from '../../../crypto/lp.ts';
import type { Abort, Outgoing, PartyId, Round, Step, Verified } from '../../../engine/types.ts';
import { TkmsError } from '../../../errors/tkms-error.ts';
import { type MulPairState, setupSenderRespond } from '../mul/index.ts';
import { setupRound2 } from './round2.ts';
import { pairDigest, pairSessionId, round1Transcript } from './transcript.ts';
import type { Dkls23SetupOutput, SetupRound1Secrets, SetupSession } from './types.ts';
import type { ZeroSeedContribution } from './zero-seed.ts';

export type SetupRound1Entry = { readonly mulMessage: Bytes; readonly zeroCommitment: Bytes };

export function encodeSetupRound1(chainCommitment: Bytes, entries: readonly SetupRound1Entry[]): Bytes {
  return encodeFields([
    chainCommitment,
    encodeFields(entries.map((e) => encodeFields([e.mulMessage, e.zeroCommitment]))),
  ]);
}

/** Splits a round-1 payload; `RangeError` unless it has the layout above with `peers` entries. */
export function decodeSetupRound1(
  payload: Bytes,
  peers: number,
): { chainCommitment: Bytes; entries: SetupRound1Entry[] } {
  const f = decodeFields(payload, 2);
  if (f.length !== 2 || f[0]?.length !== 32) throw new RangeError('expected a 32-byte commitment and a list');
  const list = decodeFields(f[1] as Bytes, peers);
  if (list.length !== peers) throw new RangeError(`expected ${peers} entries, got ${list.length}`);
  const entries = list.map((e, k) => {
    const g = decodeFields(e, 2);
    if (g.length !== 2 || g[1]?.length !== 32)
      throw new RangeError(`entry ${k}: expected a message and a commitment`);
    return { mulMessage: g[0] as Bytes, zeroCommitment: g[1] as Bytes };
  });
  return { chainCommitment: f[0] as Bytes, entries };
}

/**
 * A failure of a 2P-MUL setup step as an abort: a `TkmsError` is a failed check on the peer's
 * message (its code, the peer named); anything else is a local fault (`internal`, nobody named).
 */
export function setupStepAbort(round: number, peer: PartyId, e: unknown, what: string): Abort {
  if (!(e instanceof TkmsError))
    return { code: 'internal', round, culprits: [], detail: `${what} with ${peer}: ${(e as Error).message}` };
  return {
    code: e.code,
    round,
    culprits: [peer],
    detail: `${what} with ${peer}: ${e.details ?? e.shortMessage}`,
  };
}

type Round1Value = {
  readonly payload: Bytes;
  readonly chainCommitment: Bytes;
  /** j's entry addressed to this party. */
  readonly mulMessage: Bytes;
  readonly zeroCommitment: Bytes;
};

export function setupRound1(
  s: SetupSession,
  secrets: SetupRound1Secrets,
): Round<Dkls23SetupOutput, Round1Value> {
  const received = new Map<PartyId, Round1Value>();
  const malformed = (from: PartyId, detail: string): Verified<Round1Value> => ({
    ok: false,
    abort: { code: 'protocol.malformed', round: 1, culprits: [from], detail: `round 1: ${detail}` },
  });

  return {
    number: 1,
    from: s.others,
    kind: 'broadcast',
    echo: true,

    verify(from: PartyId, payload: Bytes): Verified<Round1Value> {
      let decoded: ReturnType<typeof decodeSetupRound1>;
      try {
        decoded = decodeSetupRound1(payload, s.parties.length - 1);
      } catch (e) {
        return malformed(from, (e as Error).message);
      }
      // Entries follow parties∖{from}: ours is at our index in that list.
      const mine = decoded.entries[s.parties.filter((p) => p !== from).indexOf(s.self)] as SetupRound1Entry;
      return {
        ok: true,
        value: {
          payload: Uint8Array.from(payload),
          chainCommitment: Uint8Array.from(decoded.chainCommitment),
          mulMessage: Uint8Array.from(mine.mulMessage),
          zeroCommitment: Uint8Array.from(mine.zeroCommitment),
        },
      };
    },

    store(from: PartyId, value: Round1Value): void {
      received.set(from, value);
    },

    finalize(): Step<Dkls23SetupOutput> {
      const payloads = new Map<PartyId, Bytes>([[s.self, secrets.payload]]);
      for (const [p, v] of received) payloads.set(p, v.payload);
      const senderStates = new Map<PartyId, MulPairState>();
      const senderDigests = new Map<PartyId, Bytes>();
      const outbox: Outgoing[] = [];
      for (const j of s.others) {
        const v = received.get(j) as Round1Value;
        let answer: { message: Bytes; state: MulPairState };
        try {
          // This party is Alice (2P-MUL sender) of the pair whose receiver is j.
          answer = setupSenderRespond({
            self: s.self,
            peer: j,
            sessionId: pairSessionId(s.sid, s.self, j),
            message: v.mulMessage,
            random: s.random,
          });
        } catch (e) {
          return { type: 'abort', abort: setupStepAbort(1, j, e, '2P-MUL setup (sender step)') };
        }
        senderStates.set(j, answer.state);
        senderDigests.set(j, pairDigest(s.sid, s.self, j, v.mulMessage, answer.message));
        const zero = secrets.zero.get(j) as ZeroSeedContribution;
        outbox.push({
          to: j,
          payload: encodeSetupRound2({
            chainSalt: secrets.chain.opening.salt,
            chainValue: secrets.chain.opening.value,
            zeroSalt: zero.salt,
            zeroValue: zero.value.expose(),
            mulMessage: answer.message,
          }),
        });
      }
      const carry = {
        transcript: round1Transcript(s.sid, s.parties, payloads),
        chainCommitments: new Map([
          [s.self, secrets.chain.commitment],
          ...[...received].map(([p, v]) => [p, v.chainCommitment] as const),
        ]),
        zeroCommitments: new Map([...received].map(([p, v]) => [p, v.zeroCommitment])),
        senderStates,
        senderDigests,
      };
      received.clear();
      return { type: 'continue', round: setupRound2(s, secrets, carry), outbox };
    },
  };
}

export type SetupRound2Fields = {
  readonly chainSalt: Bytes;
  readonly chainValue: Bytes;
  readonly zeroSalt: Bytes;
  readonly zeroValue: Bytes;
  readonly mulMessage: Bytes;
};

/** The field order of a round-2 message (round2.ts decodes it). */
export const SETUP_ROUND2_FIELDS = [
  'chainSalt',
  'chainValue',
  'zeroSalt',
  'zeroValue',
  'mulMessage',
] as const;

export function encodeSetupRound2(f: SetupRound2Fields): Bytes {
  return encodeFields(SETUP_ROUND2_FIELDS.map((k) => f[k]));
}
