/**
 * FROST threshold signing (RFC 9591) as a one-round session on the engine (round 1 = commit,
 * broadcast with echo; finalize = sign), returning each signer's share z_i. Aggregation is a
 * separate, public step (aggregate.ts) run by whoever collects the shares (the SDK).
 */
import type { GroupPoint } from '../../crypto/suites/types.ts';
import type { Abort, PartyId, SessionContext, Step } from '../../engine/types.ts';
import { readIdentifiers, sortedUnique } from '../key-share.ts';
import { ciphersuiteForMode, type FrostCiphersuite, type SigningKey } from './ciphersuite.ts';
import { nonceGenerate } from './core.ts';
import { encodeRound1, frostRound1 } from './round1.ts';
import type { FrostShareOutput, FrostSignParams } from './types.ts';

const refuse = (code: Abort['code'], detail: string): Step<FrostShareOutput> => ({
  type: 'abort',
  abort: { code, round: 0, culprits: [], detail },
});

/**
 * Starts one FROST signing session for `ctx.self`.
 *
 * @example
 * const step = startFrostSign(ctx, { key, signers: ctx.parties, message, mode: 'ed25519' });
 */
export function startFrostSign(ctx: SessionContext, params: FrostSignParams): Step<FrostShareOutput> {
  let cs: FrostCiphersuite;
  try {
    cs = ciphersuiteForMode(params.mode);
  } catch {
    return refuse('request.invalid', `unknown signing mode ${String(params.mode)}`);
  }
  return startFrostSignWith(cs, ctx, params);
}

/**
 * Same as `startFrostSign` with an explicit ciphersuite (including RFC 9591 FROST(secp256k1,
 * SHA-256), which nodes do not offer). Exported for the RFC test vectors; not part of the public index.
 */
export function startFrostSignWith(
  cs: FrostCiphersuite,
  ctx: SessionContext,
  params: Omit<FrostSignParams, 'mode'>,
): Step<FrostShareOutput> {
  const { key } = params;
  if (key.suite !== cs.suite.name)
    return refuse('request.invalid', `a ${key.suite} key cannot sign in ${cs.id} mode`);

  // The signer set: sorted, distinct, equal to the session's parties, inside the key, ≥ threshold.
  const signers = sortedUnique(params.signers);
  const keyParties = new Set(key.parties);
  if (!signers) return refuse('sign.signers_invalid', 'duplicate signer');
  if (signers.length !== ctx.parties.length || signers.some((p, i) => p !== ctx.parties[i]))
    return refuse('sign.signers_invalid', 'signers differ from the session parties');
  if (!signers.includes(ctx.self)) return refuse('sign.signers_invalid', `${ctx.self} is not a signer`);
  const outsider = signers.find((p) => !keyParties.has(p));
  if (outsider) return refuse('sign.signers_invalid', `${outsider} holds no share of this key`);
  if (!Number.isSafeInteger(key.threshold) || key.threshold < 2 || key.threshold > key.parties.length)
    return refuse('key.threshold_invalid', `threshold ${key.threshold} for ${key.parties.length} parties`);
  if (signers.length < key.threshold)
    return refuse('sign.signers_invalid', `${signers.length} signers, threshold is ${key.threshold}`);

  let ids: Map<PartyId, bigint>;
  let signingKey: SigningKey;
  try {
    ids = readIdentifiers(cs.suite, key.identifiers, signers);
  } catch (e) {
    return refuse('request.invalid', `key identifiers: ${(e as Error).message}`);
  }
  try {
    const groupKey: GroupPoint = cs.suite.decodePoint(key.groupPublicKey);
    signingKey = cs.signingKey(groupKey, params.taproot);
  } catch (e) {
    return refuse('request.invalid', `group key or tweak: ${(e as Error).message}`);
  }
  const share = key.signingShare.expose();
  try {
    if (cs.suite.decodeScalar(share) === 0n) throw new RangeError('zero signing share');
  } catch (e) {
    return refuse('request.invalid', `signing share: ${(e as Error).message}`);
  }

  // RFC 9591 §5.1 commit: hedged nonces H3(random(32) || SerializeScalar(s_i)), hiding first.
  const hiding = nonceGenerate(cs, ctx.random(32), share);
  const binding = nonceGenerate(cs, ctx.random(32), share);
  const D = cs.suite.mulBase(hiding);
  const E = cs.suite.mulBase(binding);
  const ownEncoded = { hiding: cs.suite.encodePoint(D), binding: cs.suite.encodePoint(E) };
  const self = ctx.self;

  const round = frostRound1({
    cs,
    self,
    others: signers.filter((p) => p !== self),
    ids,
    key: signingKey,
    message: Uint8Array.from(params.message),
    signingShare: key.signingShare,
    hidingNonce: cs.suite.encodeScalar(hiding),
    bindingNonce: cs.suite.encodeScalar(binding),
    own: { party: self, id: ids.get(self) as bigint, D, E },
    ownEncoded,
  });
  return { type: 'continue', round, outbox: [{ to: '*', payload: encodeRound1(ownEncoded) }] };
}
