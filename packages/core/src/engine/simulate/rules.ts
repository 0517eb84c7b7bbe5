/**
 * Fault rules for the simulated network. A rule sees every envelope as it is sent and returns the
 * envelopes to deliver instead (none = drop, two = replay, a changed payload = mutation), or
 * `undefined` to leave it alone. Broadcasts are already split per recipient, so sending different
 * payloads to different recipients is how equivocation is modelled.
 */
import type { Bytes } from '../../crypto/bytes.ts';
import type { Envelope, PartyId } from '../types.ts';

export type Rule = (env: Envelope) => readonly Envelope[] | undefined;

export type Match = {
  from?: PartyId;
  to?: PartyId;
  round?: number;
  kind?: 'msg' | 'echo';
};

export function matches(m: Match, env: Envelope): boolean {
  return (
    (m.from === undefined || m.from === env.from) &&
    (m.to === undefined || m.to === env.to) &&
    (m.round === undefined || m.round === env.round) &&
    (m.kind === undefined || m.kind === env.kind)
  );
}

export const drop =
  (m: Match): Rule =>
  (env) =>
    matches(m, env) ? [] : undefined;

export const mutate =
  (m: Match, fn: (payload: Bytes, env: Envelope) => Bytes): Rule =>
  (env) =>
    matches(m, env) ? [{ ...env, payload: fn(env.payload, env) }] : undefined;

/** Delivers the matching envelope `times` extra times (exact duplicates). */
export const replay =
  (m: Match, times = 1): Rule =>
  (env) =>
    matches(m, env) ? Array.from({ length: times + 1 }, () => env) : undefined;

/** Sends a second, different payload for the same slot after the real one. */
export const conflict =
  (m: Match, fn: (payload: Bytes, env: Envelope) => Bytes): Rule =>
  (env) =>
    matches(m, env) ? [env, { ...env, payload: fn(env.payload, env) }] : undefined;

/** Changes what one recipient gets while the others get the original: equivocation. */
export const equivocate = (m: Match & { to: PartyId }, fn: (payload: Bytes, env: Envelope) => Bytes): Rule =>
  mutate(m, fn);

/** Rewrites header fields (e.g. claims another sender or round) to test header checks. */
export const rewrite =
  (m: Match, fn: (env: Envelope) => Envelope): Rule =>
  (env) =>
    matches(m, env) ? [fn(env)] : undefined;

/** Flips one bit of the payload at `index` (negative counts from the end). */
export function flipBit(payload: Bytes, index = -1): Bytes {
  const out = Uint8Array.from(payload);
  const i = index < 0 ? out.length + index : index;
  out[i] = (out[i] as number) ^ 1;
  return out;
}
