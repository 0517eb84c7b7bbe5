/**
 * Entry points: the three-round signing session, presigning (rounds 1-2) and the online round
 * with a presignature. Each validates its inputs before anything is sampled or sent, then
 * performs round 1 of Protocol 3.6:
 *   r_i, φ_i ← Z_q; R_i = r_i·G; for each peer j a salted commitment to R_i and the 2P-MUL
 *   receiver start (session id H(ssid, i, j)); ζ_i from the pairwise seeds;
 *   sk_i = λ_i(S)·p(i) + ζ_i (+ t for the first signer when a tweak is given).
 */
import type { Bytes } from '../../../crypto/bytes.ts';
import { getSuite } from '../../../crypto/suites/index.ts';
import { lagrangeAtZero } from '../../../crypto/suites/poly.ts';
import type { GroupPoint, Suite } from '../../../crypto/suites/types.ts';
import type { Abort, Outgoing, PartyId, SessionContext, Step } from '../../../engine/types.ts';
import { readIdentifiers, readVerifyingShares, sortedUnique } from '../../key-share.ts';
import type { MulPairState, MulReceiverPending } from '../mul/types.ts';
import { commitPoint, mulSessionId, SALT_BYTES } from './commit.ts';
import { DIGEST_BYTES } from './ecdsa.ts';
import { encodeOnline, onlineRound, prepareOnline, rerandomizer } from './online.ts';
import { consumePresignature, isEcdsaSuiteName, makePresignature } from './presignature.ts';
import { encodeRound1, signRound1 } from './round1.ts';
import type { AfterRound2 } from './round2.ts';
import type {
  Dkls23OnlineParams,
  Dkls23PresignParams,
  Dkls23SignParams,
  EcdsaSignatureOutput,
  Presignature,
  Round1Secrets,
  SignSession,
} from './types.ts';
import { zeroShare } from './zero-share.ts';

const refuse = <Out>(code: Abort['code'], detail: string): Step<Out> => ({
  type: 'abort',
  abort: { code, round: 0, culprits: [], detail },
});

/**
 * Runs DKLs23 Protocol 3.6 with the digest known from the start: three rounds, output a verified
 * ECDSA signature (the same on every signer).
 *
 * @example
 * const step = startDkls23Sign(ctx, { key, signers: ctx.parties, zeroSeeds, mul, mulStates, digest });
 */
export function startDkls23Sign(ctx: SessionContext, params: Dkls23SignParams): Step<EcdsaSignatureOutput> {
  if (!(params.digest instanceof Uint8Array) || params.digest.length !== DIGEST_BYTES)
    return refuse('request.invalid', 'digest must be 32 bytes');
  const digest = Uint8Array.from(params.digest);
  return startRounds<EcdsaSignatureOutput>(ctx, params, (s) => (res) => {
    const state = prepareOnline({
      suite: s.suite,
      presignatureId: s.ssid,
      R: res.R,
      publicKey: s.publicKey,
      phi: res.phi,
      u: res.u,
      v: res.v,
      digest,
      // The tweak is already in the additive shares; the check multiplies the untweaked key.
      verifyAs: { key: s.groupKey, tweak: s.tweak },
    });
    return {
      type: 'continue',
      round: onlineRound({ number: 3, suite: s.suite, suiteName: s.suiteName, others: s.others, state }),
      outbox: [{ to: '*', payload: encodeOnline(state, s.suite) }],
    };
  });
}

/**
 * Runs rounds 1-2 of Protocol 3.6 ahead of the message; outputs this party's presignature for
 * `startDkls23Online`.
 *
 * @example
 * const step = startDkls23Presign(ctx, { key, signers: ctx.parties, zeroSeeds, mul, mulStates });
 */
export function startDkls23Presign(ctx: SessionContext, params: Dkls23PresignParams): Step<Presignature> {
  return startRounds<Presignature>(ctx, params, (s) => (res) => ({
    type: 'done',
    output: makePresignature({
      suite: s.suite,
      suiteName: s.suiteName,
      id: s.ssid,
      self: s.self,
      signers: s.signers,
      publicKey: s.suite.encodePoint(s.publicKey),
      R: s.suite.encodePoint(res.R),
      phi: res.phi,
      u: res.u,
      v: res.v,
    }),
  }));
}

/**
 * The online round with a presignature: marks it used (before computing anything that leaves),
 * re-randomises it with a public δ bound to the presignature, key, tweak, digest and this session's
 * ssid, applies the tweak, and broadcasts (u_i, w_i). One round; outputs the verified signature.
 *
 * The host must persist `presignature.used = true` before sending the returned outbox.
 *
 * @example
 * const step = startDkls23Online(ctx, { presignature, signers: ctx.parties, digest });
 */
export function startDkls23Online(
  ctx: SessionContext,
  params: Dkls23OnlineParams,
): Step<EcdsaSignatureOutput> {
  const p = params.presignature;
  if (p.version !== 1 || !isEcdsaSuiteName(p.suite))
    return refuse('request.invalid', 'unknown presignature version or suite');
  if (p.used) return refuse('request.invalid', 'presignature already used');
  if (p.self !== ctx.self) return refuse('request.invalid', `presignature belongs to ${p.self}`);
  const signers = checkSigners(ctx, params.signers);
  if (typeof signers === 'string') return refuse('sign.signers_invalid', signers);
  if (signers.length !== p.signers.length || signers.some((x, i) => x !== p.signers[i]))
    return refuse('sign.signers_invalid', 'signers differ from the presignature signers');
  if (!(params.digest instanceof Uint8Array) || params.digest.length !== DIGEST_BYTES)
    return refuse('request.invalid', 'digest must be 32 bytes');
  if (ctx.ssid.length !== 32) return refuse('request.invalid', 'ssid must be 32 bytes');
  const suite = getSuite(p.suite);
  let t: bigint;
  let R: GroupPoint;
  let key: GroupPoint;
  try {
    t = readTweak(suite, params.tweak);
    R = suite.decodePoint(p.R);
    key = suite.decodePoint(p.publicKey);
    if (t !== 0n && key.add(suite.mulBasePublic(t)).is0())
      throw new RangeError('tweaked key is the identity');
  } catch (e) {
    return refuse('request.invalid', (e as Error).message);
  }
  // Burn first: whatever happens next, this presignature never signs again.
  const { phi, u, v } = consumePresignature(p, suite);
  const tweaked = t === 0n ? key : key.add(suite.mulBasePublic(t));
  const delta = rerandomizer(suite, {
    presignatureId: p.id,
    R: p.R,
    publicKey: suite.encodePoint(tweaked),
    tweak: suite.encodeScalar(t),
    digest: params.digest,
    ssid: ctx.ssid,
  });
  if (delta === 0n) return refuse('internal', 're-randomiser is zero');
  const state = prepareOnline({
    suite,
    presignatureId: p.id,
    R,
    publicKey: key,
    phi,
    u,
    v,
    digest: params.digest,
    tweak: t,
    delta,
  });
  return {
    type: 'continue',
    round: onlineRound({
      number: 1,
      suite,
      suiteName: p.suite,
      others: signers.filter((x) => x !== ctx.self),
      state,
    }),
    outbox: [{ to: '*', payload: encodeOnline(state, suite) }],
  };
}

/** Sorted signer list equal to ctx.parties, or the reason it is not acceptable. */
function checkSigners(ctx: SessionContext, given: readonly PartyId[]): PartyId[] | string {
  const signers = sortedUnique(given);
  if (!signers) return 'duplicate signer';
  if (signers.length !== ctx.parties.length || signers.some((p, i) => p !== ctx.parties[i]))
    return 'signers differ from the session parties';
  if (!signers.includes(ctx.self)) return `${ctx.self} is not a signer`;
  return signers;
}

/** A tweak: absent (0) or a 32-byte canonical scalar. */
function readTweak(suite: Suite, tweak: Bytes | undefined): bigint {
  if (tweak === undefined) return 0n;
  if (!(tweak instanceof Uint8Array)) throw new RangeError('tweak must be bytes');
  return suite.decodeScalar(tweak);
}

function startRounds<Out>(
  ctx: SessionContext,
  params: Dkls23PresignParams,
  after: (s: SignSession) => AfterRound2<Out>,
): Step<Out> {
  const { key } = params;
  if (!isEcdsaSuiteName(key.suite)) return refuse('key.type_unknown', `ECDSA is not offered on ${key.suite}`);
  const suiteName = key.suite;
  const suite = getSuite(suiteName);
  if (ctx.ssid.length !== 32) return refuse('request.invalid', 'ssid must be 32 bytes');
  const signers = checkSigners(ctx, params.signers);
  if (typeof signers === 'string') return refuse('sign.signers_invalid', signers);
  const keyParties = new Set(key.parties);
  const outsider = signers.find((p) => !keyParties.has(p));
  if (outsider) return refuse('sign.signers_invalid', `${outsider} holds no share of this key`);
  if (!Number.isSafeInteger(key.threshold) || key.threshold < 2 || key.threshold > key.parties.length)
    return refuse('key.threshold_invalid', `threshold ${key.threshold} for ${key.parties.length} parties`);
  if (signers.length < key.threshold)
    return refuse('sign.signers_invalid', `${signers.length} signers, threshold is ${key.threshold}`);
  const self = ctx.self;
  const others = signers.filter((p) => p !== self);

  // Every peer's 2P-MUL states: present, for this pair and role, not discarded after a failure.
  for (const j of others) {
    const st = Object.hasOwn(params.mulStates, j) ? params.mulStates[j] : undefined;
    const bad = (x: MulPairState | undefined, role: MulPairState['role']) =>
      !x || x.role !== role || x.self !== self || x.peer !== j;
    if (!st || bad(st.sender, 'sender') || bad(st.receiver, 'receiver'))
      return refuse('request.invalid', `no usable 2P-MUL states with ${j}`);
    if (st.sender.discarded || st.receiver.discarded)
      return refuse(
        'sign.pair_needs_setup',
        `the 2P-MUL states with ${j} were discarded after a failed check; run the pairwise setup again`,
      );
  }

  let ids: Map<PartyId, bigint>;
  let verifyingShares: Map<PartyId, GroupPoint>;
  let groupKey: GroupPoint;
  let share: bigint;
  let t: bigint;
  try {
    ids = readIdentifiers(suite, key.identifiers, signers);
    verifyingShares = readVerifyingShares(suite, key.verifyingShares, signers);
    groupKey = suite.decodePoint(key.groupPublicKey);
    share = suite.decodeScalar(key.signingShare.expose());
    if (share === 0n) throw new RangeError('zero signing share');
    if (!suite.mulBase(share).equals(verifyingShares.get(self) as GroupPoint))
      throw new RangeError('signing share does not match its verifying share');
    t = readTweak(suite, params.tweak);
  } catch (e) {
    return refuse('request.invalid', (e as Error).message);
  }
  const tweakPoint = t === 0n ? suite.identity : suite.mulBasePublic(t);
  const publicKey = groupKey.add(tweakPoint);
  if (publicKey.is0()) return refuse('request.invalid', 'tweaked key is the identity');

  const xs = signers.map((p) => ids.get(p) as bigint);
  const lambdas = new Map(signers.map((p) => [p, lagrangeAtZero(suite, xs, ids.get(p) as bigint)]));
  let zero: ReturnType<typeof zeroShare>;
  try {
    zero = zeroShare(suite, params.zeroSeeds, ctx.ssid, self, signers);
  } catch (e) {
    return refuse('request.invalid', (e as Error).message);
  }
  const { Fn } = suite;
  const tweakHolder = signers[0] as PartyId;
  // sk_i = λ_i(S)·p(i) + ζ_i (+ t once, by the first signer): Σ_{i∈S} sk_i = sk (+ t).
  let sk = Fn.add(Fn.mul(lambdas.get(self) as bigint, share), zero.zeta);
  if (self === tweakHolder) sk = Fn.add(sk, t);
  if (sk === 0n) return refuse('internal', 'additive share is zero');

  const s: SignSession = {
    suite,
    suiteName,
    ssid: Uint8Array.from(ctx.ssid),
    self,
    signers,
    others,
    mul: params.mul,
    mulStates: params.mulStates,
    lambdas,
    verifyingShares,
    publicKey,
    groupKey,
    tweak: t,
    tweakHolder,
    tweakPoint,
    random: ctx.random,
  };

  // Round 1: instance key, inversion mask, commitments and the 2P-MUL receiver starts.
  const r = suite.randomScalar(ctx.random);
  const phi = suite.randomScalar(ctx.random);
  const R = suite.mulBase(r);
  const Rbytes = suite.encodePoint(R);
  const salts = new Map<PartyId, Bytes>();
  const pending = new Map<PartyId, MulReceiverPending>();
  const outbox: Outgoing[] = [];
  for (const j of others) {
    const salt = ctx.random(SALT_BYTES);
    salts.set(j, salt);
    let started: { message: Bytes; pending: MulReceiverPending };
    try {
      const state = (params.mulStates[j] as { receiver: MulPairState }).receiver;
      started = params.mul.receiverStart(state, mulSessionId(s.ssid, self, j), ctx.random);
    } catch (e) {
      return refuse('internal', `2P-MUL receiver start with ${j}: ${(e as Error).message}`);
    }
    pending.set(j, started.pending);
    outbox.push({
      to: j,
      payload: encodeRound1(commitPoint(s.ssid, self, j, salt, Rbytes), started.message),
    });
  }
  const secrets: Round1Secrets = { r, phi, sk, R, Rbytes, salts, pending, zeroTerms: zero.terms };
  return { type: 'continue', round: signRound1(s, secrets, after(s)), outbox };
}
