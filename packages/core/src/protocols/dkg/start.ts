/**
 * Starts a PedPoP DKG session: validates the parameters, samples the degree t-1 polynomial,
 * commits to it and proves possession of its constant term (round 1).
 */
import type { Bytes } from '../../crypto/bytes.ts';
import { isSuiteName, SUITES } from '../../crypto/suites/index.ts';
import type { Abort, PartyId, SessionContext, Step } from '../../engine/types.ts';
import { MAX_PARTIES, MIN_PARTIES, sortedUnique } from '../key-share.ts';
import { provePossession } from './pok.ts';
import { dkgRound1, encodeRound1 } from './round1.ts';
import type { DkgOutput, DkgParams, DkgSession } from './types.ts';

const refuse = (code: Abort['code'], detail: string): Step<DkgOutput> => ({
  type: 'abort',
  abort: { code, round: 0, culprits: [], detail },
});

/**
 * Runs distributed key generation among `ctx.parties` (sorted; party i gets FROST identifier i+1).
 *
 * @example
 * const step = startDkg(ctx, { suite: 'ed25519', threshold: 2 });
 */
export function startDkg(ctx: SessionContext, params: DkgParams): Step<DkgOutput> {
  if (!isSuiteName(params.suite)) return refuse('key.type_unknown', `unknown suite ${String(params.suite)}`);
  const suite = SUITES[params.suite];
  const parties = sortedUnique(ctx.parties);
  if (!parties || parties.some((p, i) => p !== ctx.parties[i]))
    return refuse('request.invalid', 'session parties must be sorted and distinct');
  if (!parties.includes(ctx.self)) return refuse('request.invalid', `${ctx.self} is not a party`);
  const n = parties.length;
  if (n < MIN_PARTIES || n > MAX_PARTIES)
    return refuse('request.invalid', `${n} parties; between ${MIN_PARTIES} and ${MAX_PARTIES} are supported`);
  const t = params.threshold;
  if (!Number.isSafeInteger(t) || t < 2 || t > n)
    return refuse('key.threshold_invalid', `threshold ${String(t)} for ${n} parties`);
  if (ctx.ssid.length !== 32) return refuse('request.invalid', 'ssid must be 32 bytes');

  const ids = new Map<PartyId, bigint>(parties.map((p, i) => [p, BigInt(i + 1)]));
  const session: DkgSession = {
    suite,
    ssid: Uint8Array.from(ctx.ssid),
    self: ctx.self,
    parties,
    others: parties.filter((p) => p !== ctx.self),
    threshold: t,
    ids,
  };

  // f_i(x) = a_0 + a_1·x + … + a_{t-1}·x^{t-1}, every coefficient from the injected randomness.
  const coefficients: bigint[] = [];
  for (let k = 0; k < t; k++) coefficients.push(suite.randomScalar(ctx.random));
  const points = coefficients.map((a) => suite.mulBase(a));
  const encoded: Bytes[] = points.map((P) => suite.encodePoint(P));
  const pop = provePossession(
    suite,
    ctx.random,
    session.ssid,
    ctx.self,
    ids.get(ctx.self) as bigint,
    coefficients[0] as bigint,
    encoded[0] as Bytes,
  );
  const payload = encodeRound1(encoded, pop.R, pop.mu);
  const round = dkgRound1(session, coefficients, { commitments: points, payload });
  return { type: 'continue', round, outbox: [{ to: '*', payload }] };
}
