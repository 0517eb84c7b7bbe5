/**
 * Starts the DKLs23 key setup: validates the parameters, then round 1 — the chain-code
 * contribution's commitment, and for every peer j the 2P-MUL setup's first message with this
 * party as receiver (Bob) and j as sender (Alice), and the commitment to this party's
 * contribution to seed_{self,j}; all in one echo-checked broadcast.
 */
import type { Bytes } from '../../../crypto/bytes.ts';
import { getSuite } from '../../../crypto/suites/index.ts';
import type { Abort, PartyId, SessionContext, Step } from '../../../engine/types.ts';
import { MAX_PARTIES, MIN_PARTIES, sortedUnique } from '../../key-share.ts';
import { contributeChainCode } from '../bip32/chain-code.ts';
import { type MulSetupPending, setupReceiverStart } from '../mul/index.ts';
import { isEcdsaSuiteName } from '../sign/presignature.ts';
import { encodeSetupRound1, setupRound1 } from './round1.ts';
import { pairSessionId, setupSid } from './transcript.ts';
import type { Dkls23SetupOutput, Dkls23SetupParams, SetupSession } from './types.ts';
import { contributeZeroSeed, type ZeroSeedContribution } from './zero-seed.ts';

const refuse = (code: Abort['code'], detail: string): Step<Dkls23SetupOutput> => ({
  type: 'abort',
  abort: { code, round: 0, culprits: [], detail },
});

/**
 * Runs the DKLs23 key setup among all holders of a freshly generated ECDSA key: pairwise 2P-MUL
 * base-OT setups for every ordered pair, pairwise zero-sharing seeds and a joint BIP32 chain code,
 * confirmed by every party before any of it is output (three rounds).
 *
 * @example
 * const step = startDkls23Setup(ctx, { suite: key.suite, parties: key.parties, groupPublicKey: key.groupPublicKey });
 */
export function startDkls23Setup(ctx: SessionContext, params: Dkls23SetupParams): Step<Dkls23SetupOutput> {
  if (!isEcdsaSuiteName(params.suite))
    return refuse('key.type_unknown', `DKLs23 is not offered on ${String(params.suite)}`);
  const parties = Array.isArray(params.parties) ? sortedUnique(params.parties) : undefined;
  if (!parties || parties.some((p, i) => p !== params.parties[i] || typeof p !== 'string' || p.length === 0))
    return refuse('request.invalid', 'parties must be sorted, distinct, non-empty ids');
  if (parties.length !== ctx.parties.length || parties.some((p, i) => p !== ctx.parties[i]))
    return refuse('request.invalid', 'parties differ from the session parties');
  if (!parties.includes(ctx.self)) return refuse('request.invalid', `${ctx.self} is not a party`);
  const n = parties.length;
  if (n < MIN_PARTIES || n > MAX_PARTIES)
    return refuse('request.invalid', `${n} parties; between ${MIN_PARTIES} and ${MAX_PARTIES} are supported`);
  if (ctx.ssid.length !== 32) return refuse('request.invalid', 'ssid must be 32 bytes');
  const suite = getSuite(params.suite);
  let groupPublicKey: Bytes;
  try {
    if (!(params.groupPublicKey instanceof Uint8Array)) throw new RangeError('group key must be bytes');
    // decodePoint refuses the identity and non-canonical encodings.
    groupPublicKey = suite.encodePoint(suite.decodePoint(params.groupPublicKey));
  } catch (e) {
    return refuse('request.invalid', `group key: ${(e as Error).message}`);
  }

  const s: SetupSession = {
    suite: params.suite,
    groupPublicKey,
    sid: setupSid(ctx.ssid, params.suite, groupPublicKey, parties),
    self: ctx.self,
    parties,
    others: parties.filter((p) => p !== ctx.self),
    random: ctx.random,
  };

  const chain = contributeChainCode(s.sid, s.self, ctx.random);
  const zero = new Map<PartyId, ZeroSeedContribution>();
  const pending = new Map<PartyId, { pending: MulSetupPending; message: Bytes }>();
  for (const j of s.others) {
    let started: { message: Bytes; pending: MulSetupPending };
    try {
      // This party is Bob (2P-MUL receiver) of the pair whose sender is j.
      started = setupReceiverStart({
        self: s.self,
        peer: j,
        sessionId: pairSessionId(s.sid, j, s.self),
        random: ctx.random,
      });
    } catch (e) {
      return refuse('request.invalid', `2P-MUL setup with ${j}: ${(e as Error).message}`);
    }
    pending.set(j, started);
    zero.set(j, contributeZeroSeed(s.sid, s.self, j, ctx.random));
  }
  const payload = encodeSetupRound1(
    chain.commitment,
    s.others.map((j) => ({
      mulMessage: (pending.get(j) as { message: Bytes }).message,
      zeroCommitment: (zero.get(j) as ZeroSeedContribution).commitment,
    })),
  );
  return {
    type: 'continue',
    round: setupRound1(s, { chain, zero, pending, payload }),
    outbox: [{ to: '*', payload }],
  };
}
