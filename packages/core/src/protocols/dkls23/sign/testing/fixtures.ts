/**
 * Test helpers for DKLs23 signing: a DKG'd key with the per-pair setup DKLs23 adds (zero-sharing
 * seeds, 2P-MUL states), and runners for the three-round session, presigning and the online round
 * on the simulated network. The 2P-MUL is a parameter (`MulHarness`) so the same tests run with
 * the ideal test double and with the OT-based implementation.
 */
import { type Bytes, bytesToHex, utf8 } from '../../../../crypto/bytes.ts';
import { SecretBytes } from '../../../../crypto/secret.ts';
import { getSuite } from '../../../../crypto/suites/index.ts';
import type { Suite } from '../../../../crypto/suites/types.ts';
import { type Rule, seededRandom, simulate } from '../../../../engine/simulate/index.ts';
import type { Envelope, PartyId } from '../../../../engine/types.ts';
import type { DkgOutput } from '../../../dkg/types.ts';
import { dkgKeys } from '../../../testing/fixtures.ts';
import {
  createOtMultiplication,
  decodeMulState,
  encodeMulState,
  setupReceiverFinish,
  setupReceiverStart,
  setupSenderRespond,
} from '../../mul/index.ts';
import type { MulPairState, TwoPartyMultiplication } from '../../mul/types.ts';
import { startDkls23Online, startDkls23Presign, startDkls23Sign } from '../start.ts';
import {
  DKLS23_ONLINE_PROTOCOL,
  DKLS23_PRESIGN_PROTOCOL,
  DKLS23_SIGN_PROTOCOL,
  type EcdsaSignatureOutput,
  type EcdsaSuiteName,
  type MulPeerStates,
  type Presignature,
} from '../types.ts';
import { createIdealMul, type IdealMulFaults, idealMulStates } from './ideal-mul.ts';

/** A 2P-MUL implementation plus how to set up its pairwise states for a group of parties. */
export type MulHarness = {
  readonly name: string;
  create(
    suite: Suite,
    parties: readonly PartyId[],
    seed: string,
    faults?: IdealMulFaults,
  ): { mul: TwoPartyMultiplication; states: Record<PartyId, Record<PartyId, MulPeerStates>> };
};

export const idealHarness: MulHarness = {
  name: 'ideal 2P-MUL (test double)',
  create: (suite, parties, _seed, faults) => ({
    mul: createIdealMul(suite, faults),
    states: idealMulStates(parties),
  }),
};

/** Base-OT setups are the slow part (≈ 0.9 s per ordered pair on noble). */
const pairCache = new Map<string, { sender: MulPairState; receiver: MulPairState }>();

/**
 * The real OT-based 2P-MUL. Pairwise setups are independent of the key and the curve, so they run
 * once per ordered pair for the whole test file (from a fixed seed) and every test gets copies.
 */
export const otHarness: MulHarness = {
  name: 'OT-based 2P-MUL',
  create: (suite, parties) => {
    const states: Record<PartyId, Record<PartyId, MulPeerStates>> = {};
    for (const p of parties) states[p] = {};
    for (const bob of parties)
      for (const alice of parties) {
        if (alice === bob) continue;
        const key = `${alice}/${bob}`;
        let pair = pairCache.get(key);
        if (!pair) {
          const sessionId = utf8(`dkls23 test setup ${key}`);
          const start = setupReceiverStart({
            self: bob,
            peer: alice,
            sessionId,
            random: seededRandom('dkls23-ot-harness', `${key}/bob`),
          });
          const answer = setupSenderRespond({
            self: alice,
            peer: bob,
            sessionId,
            random: seededRandom('dkls23-ot-harness', `${key}/alice`),
            message: start.message,
          });
          pair = { sender: answer.state, receiver: setupReceiverFinish(start.pending, answer.message) };
          pairCache.set(key, pair);
        }
        // Fresh copies: a test that discards a state must not poison the cache.
        const copy = (st: MulPairState) => decodeMulState(encodeMulState(st));
        (states[alice] as Record<PartyId, MulPeerStates>)[bob] = {
          ...((states[alice] as Record<PartyId, MulPeerStates>)[bob] as MulPeerStates),
          sender: copy(pair.sender),
        };
        (states[bob] as Record<PartyId, MulPeerStates>)[alice] = {
          ...((states[bob] as Record<PartyId, MulPeerStates>)[alice] as MulPeerStates),
          receiver: copy(pair.receiver),
        };
      }
    return { mul: createOtMultiplication(suite), states };
  },
};

/** Every harness the signing tests run with. */
export const MUL_HARNESSES: readonly MulHarness[] = [idealHarness, otHarness];

/** Symmetric pairwise seeds: seeds[i][j] and seeds[j][i] are the same bytes. */
export function zeroSeedsFor(
  parties: readonly PartyId[],
  seed: string,
): Record<PartyId, Record<PartyId, SecretBytes>> {
  const out: Record<PartyId, Record<PartyId, SecretBytes>> = {};
  for (const p of parties) out[p] = {};
  for (const i of parties)
    for (const j of parties) {
      if (i >= j) continue;
      const s = seededRandom(seed, `zero-seed/${i}/${j}`)(32);
      (out[i] as Record<PartyId, SecretBytes>)[j] = new SecretBytes(s);
      (out[j] as Record<PartyId, SecretBytes>)[i] = new SecretBytes(s);
    }
  return out;
}

export type Dkls23Setup = {
  readonly suiteName: EcdsaSuiteName;
  readonly suite: Suite;
  readonly keys: Record<PartyId, DkgOutput>;
  readonly zeroSeeds: Record<PartyId, Record<PartyId, SecretBytes>>;
  readonly mul: TwoPartyMultiplication;
  readonly mulStates: Record<PartyId, Record<PartyId, MulPeerStates>>;
};

const keyCache = new Map<string, Record<PartyId, DkgOutput>>();

/** DKG (cached per suite, n, t, seed) plus fresh zero seeds and 2P-MUL states. */
export function setupDkls23(opts: {
  suite: EcdsaSuiteName;
  n: number;
  t: number;
  seed: string;
  harness?: MulHarness;
  faults?: IdealMulFaults;
}): Dkls23Setup {
  const k = `${opts.suite}/${opts.n}/${opts.t}/${opts.seed}`;
  let keys = keyCache.get(k);
  if (!keys) {
    keys = dkgKeys(opts.suite, opts.n, opts.t, opts.seed);
    keyCache.set(k, keys);
  }
  const parties = Object.keys(keys).sort();
  const suite = getSuite(opts.suite);
  const { mul, states } = (opts.harness ?? idealHarness).create(suite, parties, opts.seed, opts.faults);
  return {
    suiteName: opts.suite,
    suite,
    keys,
    zeroSeeds: zeroSeedsFor(parties, opts.seed),
    mul,
    mulStates: states,
  };
}

type RunOpts = {
  setup: Dkls23Setup;
  signers: readonly PartyId[];
  seed: string;
  rules?: Rule[];
  inject?: Envelope[];
  expire?: boolean;
  shuffle?: boolean;
  ssid?: Uint8Array;
  tweak?: Bytes;
  /** Replaces one party's key share (a party holding a wrong share). */
  keyOverride?: Record<PartyId, DkgOutput>;
};

function common(o: RunOpts, self: PartyId) {
  const signers = [...o.signers].sort();
  return {
    key: (o.keyOverride?.[self] ?? o.setup.keys[self]) as DkgOutput,
    signers,
    zeroSeeds: o.setup.zeroSeeds[self] as Record<PartyId, SecretBytes>,
    mul: o.setup.mul,
    mulStates: o.setup.mulStates[self] as Record<PartyId, MulPeerStates>,
    ...(o.tweak ? { tweak: o.tweak } : {}),
  };
}

function simOpts(o: RunOpts) {
  return {
    parties: [...o.signers].sort(),
    seed: o.seed,
    ...(o.rules ? { rules: o.rules } : {}),
    ...(o.inject ? { inject: o.inject } : {}),
    ...(o.expire ? { expire: true } : {}),
    ...(o.shuffle ? { shuffle: true } : {}),
    ...(o.ssid ? { ssid: o.ssid } : {}),
  };
}

export function runSign(o: RunOpts & { digest: Bytes; digests?: Record<PartyId, Bytes> }) {
  return simulate<EcdsaSignatureOutput>({
    protocol: DKLS23_SIGN_PROTOCOL,
    ...simOpts(o),
    start: (ctx) =>
      startDkls23Sign(ctx, { ...common(o, ctx.self), digest: o.digests?.[ctx.self] ?? o.digest }),
  });
}

export function runPresign(o: RunOpts) {
  return simulate<Presignature>({
    protocol: DKLS23_PRESIGN_PROTOCOL,
    ...simOpts(o),
    start: (ctx) => startDkls23Presign(ctx, common(o, ctx.self)),
  });
}

export function runOnline(o: {
  presignatures: Record<PartyId, Presignature>;
  signers: readonly PartyId[];
  digest: Bytes;
  digests?: Record<PartyId, Bytes>;
  tweak?: Bytes;
  seed: string;
  rules?: Rule[];
}) {
  const signers = [...o.signers].sort();
  return simulate<EcdsaSignatureOutput>({
    protocol: DKLS23_ONLINE_PROTOCOL,
    parties: signers,
    seed: o.seed,
    ...(o.rules ? { rules: o.rules } : {}),
    start: (ctx) =>
      startDkls23Online(ctx, {
        presignature: o.presignatures[ctx.self] as Presignature,
        signers,
        digest: o.digests?.[ctx.self] ?? o.digest,
        ...(o.tweak ? { tweak: o.tweak } : {}),
      }),
  });
}

/** Every party's output; throws with the outcomes if any party did not finish. */
export function outputsOf<T>(
  outcomes: Readonly<Record<PartyId, { status: string; output?: T }>>,
): Record<PartyId, T> {
  const out: Record<PartyId, T> = {};
  for (const [p, o] of Object.entries(outcomes)) {
    if (o.status !== 'done') throw new Error(`${p} did not finish: ${JSON.stringify(o)}`);
    out[p] = o.output as T;
  }
  return out;
}

export const hex = bytesToHex;
