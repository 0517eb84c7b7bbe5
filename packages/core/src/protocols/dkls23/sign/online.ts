/**
 * The online round of DKLs23 Protocol 3.6 (the paper's round 3; broadcast): the message digest
 * enters here and only here.
 *
 * Sends: encodeFields([B, u_i, w_i]) with
 *   w_i = z·φ_i + x(R)·v_i   (z = the digest as a scalar),
 *   B   = H(presignature id, R, PK, digest), so signers that disagree on what they sign stop here.
 * With a presignature the values are first re-randomised and tweaked (`prepareOnline`).
 *
 * Checks on every received message (from j), in order:
 * 1. three fields: a 32-byte B and two canonical scalars                → protocol.malformed (culprit: j)
 * 2. B equals ours (same presignature, R, key and digest)              → protocol.confirm_mismatch (no culprit:
 *                                                                         a coordinator may have fed us different inputs)
 * Finalize:
 * 3. s = Σw/Σu, r = x(R) mod q, low-S, recovery id; the signature verifies under PK, and
 *    the verifier's point is exactly ±R (so the recovery id is right) → sign.verify_failed (no culprit: DKLs23
 *                                                                         cannot tell whose u_j or w_j was wrong)
 */

import { bytesToNumberBE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { type Bytes, equalBytes, utf8 } from '../../../crypto/bytes.ts';
import { decodeFields, encodeFields } from '../../../crypto/lp.ts';
import { mulSecretNative } from '../../../crypto/suites/noble.ts';
import type { GroupPoint, Suite } from '../../../crypto/suites/types.ts';
import { hashTranscript } from '../../../crypto/transcript.ts';
import type { PartyId, Round, Step, Verified } from '../../../engine/types.ts';
import { digestScalar, finishEcdsa, xCoordinate } from './ecdsa.ts';
import type { EcdsaSignatureOutput, EcdsaSuiteName } from './types.ts';

export type OnlineInput = {
  readonly suite: Suite;
  /** Names the presignature (its presigning ssid; the signing ssid in the three-round session). */
  readonly presignatureId: Bytes;
  readonly R: GroupPoint;
  /** The key the presignature's v shares are for (before `tweak`). */
  readonly publicKey: GroupPoint;
  readonly phi: bigint;
  readonly u: bigint;
  readonly v: bigint;
  readonly digest: Bytes;
  /** Extra additive tweak t: v_i += t·φ_i, key += t·G. */
  readonly tweak?: bigint;
  /** Public re-randomiser δ: R ← δ·R, u_i ← δ·u_i. */
  readonly delta?: bigint;
  /**
   * The signing key as (untweaked key, tweak) for the final check, when `publicKey` already has a
   * tweak applied elsewhere (the three-round path adds t to one additive share). Default:
   * (publicKey, tweak).
   */
  readonly verifyAs?: { readonly key: GroupPoint; readonly tweak: bigint };
};

export type OnlineState = {
  readonly R: GroupPoint;
  /** The signing key, encoded (tweak applied), and as (untweaked key, tweak) for the check. */
  readonly publicKey: Bytes;
  readonly verifyAs: { readonly key: GroupPoint; readonly tweak: bigint };
  readonly digest: Bytes;
  readonly binding: Bytes;
  readonly u: bigint;
  readonly w: bigint;
};

/**
 * Applies tweak and re-randomisation and computes w_i. With δ: Σ δ·u_i = (δ·r)·φ and R' = (δ·r)·G,
 * so the signature is an ordinary ECDSA signature with nonce δ·r. With t: Σ (v_i + t·φ_i) = (sk + t)·φ.
 */
export function prepareOnline(x: OnlineInput): OnlineState {
  const { suite } = x;
  const { Fn } = suite;
  const t = x.tweak ?? 0n;
  const delta = x.delta ?? 1n;
  // δ is public; the suite's native multiplication (libsecp256k1 when installed) is ≈ 4× noble's.
  const R = delta === 1n ? x.R : (mulSecretNative(x.R, delta) ?? x.R.multiplyUnsafe(delta));
  const key = t === 0n ? x.publicKey : x.publicKey.add(suite.mulBasePublic(t));
  const v = Fn.add(x.v, Fn.mul(t, x.phi));
  const u = Fn.mul(delta, x.u);
  const z = digestScalar(suite, x.digest);
  const { r } = xCoordinate(suite, R);
  const w = Fn.add(Fn.mul(z, x.phi), Fn.mul(r, v));
  const publicKey = suite.encodePoint(key);
  const binding = hashTranscript('dkls23/online', [
    x.presignatureId,
    suite.encodePoint(R),
    publicKey,
    x.digest,
  ]);
  const verifyAs = x.verifyAs ?? { key: x.publicKey, tweak: t };
  return { R, publicKey, verifyAs, digest: Uint8Array.from(x.digest), binding, u, w };
}

/**
 * δ = H("dkls23/rerandomize", presignature id, R, PK', t, digest, online ssid) mod q, from 512 bits
 * (Groth-Shoup, ePrint 2021/1330, re-randomised presignatures: R is fixed before the key offset t
 * and the message are chosen; δ makes the nonce actually used depend on both).
 */
export function rerandomizer(
  suite: Suite,
  fields: { presignatureId: Bytes; R: Bytes; publicKey: Bytes; tweak: Bytes; digest: Bytes; ssid: Bytes },
): bigint {
  const input = encodeFields([
    utf8('tkms/v1'),
    utf8('dkls23/rerandomize'),
    fields.presignatureId,
    fields.R,
    fields.publicKey,
    fields.tweak,
    fields.digest,
    fields.ssid,
  ]);
  return suite.Fn.create(bytesToNumberBE(sha512(input)));
}

export function encodeOnline(st: OnlineState, suite: Suite): Bytes {
  return encodeFields([st.binding, suite.encodeScalar(st.u), suite.encodeScalar(st.w)]);
}

type OnlineValue = { readonly u: bigint; readonly w: bigint };

export function onlineRound(opts: {
  number: number;
  suite: Suite;
  suiteName: EcdsaSuiteName;
  others: readonly PartyId[];
  state: OnlineState;
}): Round<EcdsaSignatureOutput, OnlineValue> {
  const { suite, state, number } = opts;
  const received = new Map<PartyId, OnlineValue>();
  const malformed = (from: PartyId, detail: string): Verified<OnlineValue> => ({
    ok: false,
    abort: {
      code: 'protocol.malformed',
      round: number,
      culprits: [from],
      detail: `round ${number}: ${detail}`,
    },
  });
  return {
    number,
    from: opts.others,
    kind: 'broadcast',
    echo: false,

    verify(from: PartyId, payload: Bytes): Verified<OnlineValue> {
      let f: Bytes[];
      let u: bigint;
      let w: bigint;
      try {
        f = decodeFields(payload, 3);
        if (f.length !== 3 || f[0]?.length !== 32) throw new RangeError('expected B, u_j, w_j');
        u = suite.decodeScalar(f[1] as Bytes);
        w = suite.decodeScalar(f[2] as Bytes);
      } catch (e) {
        return malformed(from, (e as Error).message);
      }
      if (!equalBytes(f[0] as Bytes, state.binding))
        return {
          ok: false,
          abort: {
            code: 'protocol.confirm_mismatch',
            round: number,
            culprits: [],
            detail: `${from} signs with a different presignature, R, key or digest`,
          },
        };
      return { ok: true, value: { u, w } };
    },

    store(from: PartyId, value: OnlineValue): void {
      received.set(from, value);
    },

    finalize(): Step<EcdsaSignatureOutput> {
      const { Fn } = suite;
      let U = state.u;
      let W = state.w;
      for (const j of opts.others) {
        const m = received.get(j) as OnlineValue;
        U = Fn.add(U, m.u);
        W = Fn.add(W, m.w);
      }
      const out = finishEcdsa({
        suite,
        suiteName: opts.suiteName,
        R: state.R,
        U,
        W,
        publicKey: state.publicKey,
        verifyAs: state.verifyAs,
        digest: state.digest,
      });
      if (!out)
        return {
          type: 'abort',
          abort: {
            code: 'sign.verify_failed',
            round: number,
            culprits: [],
            detail: 'the combined signature does not verify under the public key',
          },
        };
      return { type: 'done', output: out };
    },
  };
}
