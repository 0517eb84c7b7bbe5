/**
 * DKLs23 key setup, round 2 (direct): the openings and the 2P-MUL setups' second messages.
 *
 * Receives (j → i): encodeFields([chain salt, chain value, zero salt, zero value, m2_{j,i}]) with
 * the opening of j's chain-code commitment, the opening of Z_{j→i} (sent to i only: the seed is
 * the pair's secret) and Alice j's answer to i's m1.
 *
 * Checks on every received message (from j), in order:
 * 1. five length-prefixed fields; salts and values 32 bytes            → protocol.malformed (culprit: j)
 * 2. the chain-code opening opens j's echo-checked round-1 commitment  → protocol.bad_decommitment (culprit: j)
 * 3. the zero-seed opening opens Z_{j→i} from j's round-1 broadcast    → protocol.bad_decommitment (culprit: j)
 * 4. the 2P-MUL setup's receiver step accepts m2 (`setupReceiverFinish`:
 *    tag, exact length, every R canonical and non-identity), giving
 *    our receiver state from j                                        → the setup's own code
 *    (protocol.header_mismatch / protocol.malformed), culprit: j; any other error: `internal`
 *
 * Finalize: chain code = XOR of every opened contribution (`combineChainCode`, which checks every
 * opening again); seed_{i,j} = H(sid, min, max, c_min, c_max) per peer, our contributions wiped;
 * then broadcasts the confirmation (round 3): H(sid, round-1 transcript, chain code, every pair
 * session id) and, per peer, the digests of both pair setups with that peer as this party ran them.
 */
import type { Bytes } from '../../../crypto/bytes.ts';
import { decodeFields } from '../../../crypto/lp.ts';
import type { SecretBytes } from '../../../crypto/secret.ts';
import type { PartyId, Round, Step, Verified } from '../../../engine/types.ts';
import { TkmsError } from '../../../errors/tkms-error.ts';
import { combineChainCode } from '../bip32/chain-code.ts';
import { type MulPairState, setupReceiverFinish } from '../mul/index.ts';
import { SETUP_ROUND2_FIELDS, setupStepAbort } from './round1.ts';
import { encodeSetupRound3, setupRound3 } from './round3.ts';
import { pairDigest, setupConfirmation } from './transcript.ts';
import type {
  Dkls23SetupOutput,
  OwnSetupStart,
  SetupRound1Carry,
  SetupRound1Secrets,
  SetupSession,
} from './types.ts';
import { deriveZeroSeed, opensZeroSeed, ZERO_SEED_BYTES, type ZeroSeedContribution } from './zero-seed.ts';

type Opening = { readonly salt: Bytes; readonly value: Bytes };

type Round2Value = {
  readonly chain: Opening;
  readonly zeroValue: Bytes;
  readonly state: MulPairState;
  /** Digest of the pair (sender j, receiver self). */
  readonly digest: Bytes;
};

export function setupRound2(
  s: SetupSession,
  secrets: SetupRound1Secrets,
  carry: SetupRound1Carry,
): Round<Dkls23SetupOutput, Round2Value> {
  const received = new Map<PartyId, Round2Value>();
  const fail = (code: 'protocol.malformed' | 'protocol.bad_decommitment', from: PartyId, detail: string) =>
    ({ ok: false, abort: { code, round: 2, culprits: [from], detail: `round 2: ${detail}` } }) as const;

  return {
    number: 2,
    from: s.others,
    kind: 'direct',
    echo: false,

    verify(from: PartyId, payload: Bytes): Verified<Round2Value> {
      let f: Bytes[];
      try {
        f = decodeFields(payload, SETUP_ROUND2_FIELDS.length);
      } catch (e) {
        return fail('protocol.malformed', from, (e as Error).message);
      }
      if (f.length !== SETUP_ROUND2_FIELDS.length || f.slice(0, 4).some((x) => x.length !== ZERO_SEED_BYTES))
        return fail('protocol.malformed', from, 'expected four 32-byte openings and a 2P-MUL setup message');
      const [chainSalt, chainValue, zeroSalt, zeroValue, m2] = f as [Bytes, Bytes, Bytes, Bytes, Bytes];

      // combineChainCode needs at least two parties: pair the peer's opening with our own.
      try {
        combineChainCode(
          s.sid,
          { [s.self]: secrets.chain.commitment, [from]: carry.chainCommitments.get(from) as Bytes },
          { [s.self]: secrets.chain.opening, [from]: { salt: chainSalt, value: chainValue } },
        );
      } catch (e) {
        const detail = e instanceof TkmsError ? (e.details ?? e.shortMessage) : (e as Error).message;
        return fail('protocol.bad_decommitment', from, `chain code: ${detail}`);
      }
      const zeroCommitment = carry.zeroCommitments.get(from) as Bytes;
      if (!opensZeroSeed(s.sid, from, s.self, zeroCommitment, zeroSalt, zeroValue))
        return fail(
          'protocol.bad_decommitment',
          from,
          `${from} opened its zero-seed contribution to a different value`,
        );

      const { pending, message: m1 } = secrets.pending.get(from) as OwnSetupStart;
      let state: MulPairState;
      try {
        state = setupReceiverFinish(pending, m2);
      } catch (e) {
        return { ok: false, abort: setupStepAbort(2, from, e, '2P-MUL setup (receiver step)') };
      }
      return {
        ok: true,
        value: {
          chain: { salt: Uint8Array.from(chainSalt), value: Uint8Array.from(chainValue) },
          zeroValue: Uint8Array.from(zeroValue),
          state,
          digest: pairDigest(s.sid, from, s.self, m1, m2),
        },
      };
    },

    store(from: PartyId, value: Round2Value): void {
      received.set(from, value);
    },

    finalize(): Step<Dkls23SetupOutput> {
      // Object.fromEntries, not assignment: a party id is never treated as a special property.
      const openings: Record<PartyId, Opening> = Object.fromEntries([
        [s.self, secrets.chain.opening],
        ...[...received].map(([p, v]) => [p, v.chain] as const),
      ]);
      let chainCode: Bytes;
      try {
        chainCode = combineChainCode(s.sid, Object.fromEntries(carry.chainCommitments), openings);
      } catch (e) {
        const culprits = e instanceof TkmsError ? e.culprits : [];
        return {
          type: 'abort',
          abort: {
            code: e instanceof TkmsError ? e.code : 'internal',
            round: 2,
            culprits,
            detail: `chain code: ${(e as Error).message}`,
          },
        };
      }
      const zeroSeeds: Record<PartyId, SecretBytes> = Object.fromEntries(
        s.others.map((j) => {
          const mine = secrets.zero.get(j) as ZeroSeedContribution;
          const theirs = received.get(j) as Round2Value;
          const seed = deriveZeroSeed(s.sid, s.self, mine.value.expose(), j, theirs.zeroValue);
          mine.value.wipe();
          theirs.zeroValue.fill(0);
          return [j, seed];
        }),
      );
      const confirmation = setupConfirmation(s.sid, carry.transcript, chainCode, s.parties);
      const digests = new Map(
        s.others.map((j) => [
          j,
          {
            asSender: carry.senderDigests.get(j) as Bytes,
            asReceiver: (received.get(j) as Round2Value).digest,
          },
        ]),
      );
      const receiverStates = new Map([...received].map(([p, v]) => [p, v.state]));
      received.clear();
      return {
        type: 'continue',
        round: setupRound3(s, {
          confirmation,
          digests,
          chainCode,
          zeroSeeds,
          senderStates: carry.senderStates,
          receiverStates,
        }),
        outbox: [{ to: '*', payload: encodeSetupRound3(confirmation, s.others, digests) }],
      };
    },
  };
}
