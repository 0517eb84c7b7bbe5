/**
 * Test helpers shared by the DKG and FROST tests: run a DKG or a signing session on the
 * simulated network, reconstruct a secret with Lagrange (tests only — production code never
 * reconstructs a key), and a seed that every randomized test prints so it can be replayed.
 */
import { type Bytes, bytesToHex } from '../../crypto/bytes.ts';
import { SecretBytes } from '../../crypto/secret.ts';
import { getSuite } from '../../crypto/suites/index.ts';
import { lagrangeAtZero } from '../../crypto/suites/poly.ts';
import type { SuiteName } from '../../crypto/suites/types.ts';
import { type Rule, simulate } from '../../engine/simulate/index.ts';
import type { PartyId } from '../../engine/types.ts';
import { startDkg } from '../dkg/start.ts';
import { DKG_PROTOCOL, type DkgOutput } from '../dkg/types.ts';
import { aggregateFrost } from '../frost/aggregate.ts';
import type { FrostMode, Taproot } from '../frost/ciphersuite.ts';
import { startFrostSign } from '../frost/sign.ts';
import { FROST_SIGN_PROTOCOL, type FrostShareOutput } from '../frost/types.ts';
import { parseIdentifier } from '../key-share.ts';

/** Seed from TKMS_SEED or a fresh one; printed so a failure can be replayed. */
export function testSeed(label: string): string {
  const env = typeof process !== 'undefined' ? process.env.TKMS_SEED : undefined;
  const seed = env ?? `${label}-${Math.floor(Math.random() * 2 ** 32).toString(16)}`;
  console.log(`# ${label}: seed ${seed} (replay with TKMS_SEED=${seed})`);
  return seed;
}

export function partyNames(n: number): PartyId[] {
  return Array.from({ length: n }, (_, i) => `node-${i + 1}`).sort();
}

export function runDkg(opts: {
  suite: SuiteName;
  n: number;
  t: number;
  seed: string;
  rules?: Rule[];
  ssid?: Uint8Array;
}) {
  const parties = partyNames(opts.n);
  return simulate<DkgOutput>({
    protocol: DKG_PROTOCOL,
    parties,
    seed: opts.seed,
    ...(opts.ssid ? { ssid: opts.ssid } : {}),
    ...(opts.rules ? { rules: opts.rules } : {}),
    start: (ctx) => startDkg(ctx, { suite: opts.suite, threshold: opts.t }),
  });
}

/** Runs a DKG that must succeed and returns every party's output. */
export function dkgKeys(suite: SuiteName, n: number, t: number, seed: string): Record<PartyId, DkgOutput> {
  const { outcomes } = runDkg({ suite, n, t, seed });
  const out: Record<PartyId, DkgOutput> = {};
  for (const [p, o] of Object.entries(outcomes)) {
    if (o.status !== 'done') throw new Error(`dkg failed at ${p}: ${JSON.stringify(o)}`);
    out[p] = o.output;
  }
  return out;
}

export function runSign(opts: {
  keys: Record<PartyId, DkgOutput>;
  signers: PartyId[];
  message: Bytes;
  mode: FrostMode;
  seed: string;
  taproot?: Taproot;
  rules?: Rule[];
}) {
  const signers = [...opts.signers].sort();
  return simulate<FrostShareOutput>({
    protocol: FROST_SIGN_PROTOCOL,
    parties: signers,
    seed: opts.seed,
    ...(opts.rules ? { rules: opts.rules } : {}),
    start: (ctx) =>
      startFrostSign(ctx, {
        key: opts.keys[ctx.self] as DkgOutput,
        signers,
        message: opts.message,
        mode: opts.mode,
        ...(opts.taproot ? { taproot: opts.taproot } : {}),
      }),
  });
}

/** Signs and aggregates; throws on any failure. */
export function signAndAggregate(opts: Parameters<typeof runSign>[0]): Bytes {
  const { outcomes } = runSign(opts);
  const outputs: Record<PartyId, FrostShareOutput> = {};
  for (const [p, o] of Object.entries(outcomes)) {
    if (o.status !== 'done') throw new Error(`signing failed at ${p}: ${JSON.stringify(o)}`);
    outputs[p] = o.output;
  }
  const any = opts.keys[opts.signers[0] as PartyId] as DkgOutput;
  const first = outputs[opts.signers[0] as PartyId] as FrostShareOutput;
  return aggregateFrost({
    mode: opts.mode,
    groupPublicKey: any.groupPublicKey,
    verifyingShares: any.verifyingShares,
    identifiers: any.identifiers,
    message: opts.message,
    commitments: first.commitments,
    shares: Object.fromEntries(Object.entries(outputs).map(([p, o]) => [p, o.share])),
    ...(opts.taproot ? { taproot: opts.taproot } : {}),
  });
}

/** TEST ONLY: the whole secret, by Lagrange interpolation of `holders`' shares. */
export function reconstructSecret(keys: Record<PartyId, DkgOutput>, holders: PartyId[]): bigint {
  const first = keys[holders[0] as PartyId] as DkgOutput;
  const suite = getSuite(first.suite);
  const xs = holders.map((p) => parseIdentifier(suite, first.identifiers[p] as string));
  let s = 0n;
  for (const [i, p] of holders.entries()) {
    const share = suite.decodeScalar((keys[p] as DkgOutput).signingShare.expose());
    s = suite.Fn.add(s, suite.Fn.mul(share, lagrangeAtZero(suite, xs, xs[i] as bigint)));
  }
  return s;
}

export function secretBytes(suiteName: SuiteName, s: bigint): SecretBytes {
  return new SecretBytes(getSuite(suiteName).encodeScalar(s));
}

export const hex = bytesToHex;
