/**
 * The OT-based two-party multiplication of DKLs23 (ePrint 2023/765; the random vector OLE that
 * Protocol 3.6 uses): DKLs19 Protocol 1 (ePrint 2019/523) with the receiver's random input, L = 2
 * inputs on one OT batch (DKLs23's "forced reuse"), and the check challenge derived by
 * Fiat–Shamir so the whole multiplication is two messages. Generic over a suite (secp256k1, p256).
 *
 * Parameters: κ = 256, s = 80, ξ = κ + 2s = 416 OTs; gadget g ∈ Z_q^ξ hashed from the pair binding
 * and the suite (DKLs19: a public random vector, fixed once).
 *
 * receiverStart (Bob): β ← {0,1}^ξ, χ = ⟨g, β⟩; OT-extension receiver step with x = β ‖ x_pad
 *   (ote.ts).                                             Message 1: [tag_R, u, x̃, t̃]
 * senderRespond (Alice, inputs a ∈ Z_q^L):
 *   1. message 1 has 4 fields of the exact lengths            → protocol.malformed
 *   2. tag_R is this pair's and session's                     → protocol.header_mismatch
 *   3. OT-extension consistency check (ote.ts)                → protocol.bad_ot
 *   Then ã ← Z_q^L, â ← Z_q (α = ã ‖ â, the same correlation on every OT j). Per OT j and
 *   correlation w, with H the row hash, v0 = H(j, q_j)_w and v1 = H(j, q_j ⊕ Δ)_w:
 *     τ_{j,w} = v0 − v1 + α_w;  Alice's share z^A_{j,w} = −v0         (τ̃: w < L, τ̂: w = L)
 *   γ = a − ã;  (χ̃ ∈ Z_q^L, χ̂ ∈ Z_q) = H(tag_S, OT challenge, τ̃, τ̂, γ);
 *   u = ⟨χ̃, ã⟩ + χ̂·â;  r_j = ⟨χ̃, z̃^A_j⟩ + χ̂·ẑ^A_j;  ρ = H(tag_S, r);
 *   c_k = ⟨g, z̃^A_{·,k}⟩.                                 Message 2: [tag_S, τ̃, τ̂, γ, u, ρ]
 * receiverFinish (Bob):
 *   4. message 2 has 6 fields of the exact lengths, every scalar canonical → protocol.malformed
 *   5. tag_S is this pair's and session's                     → protocol.header_mismatch
 *   z^B_{j,w} = H(j, t_j)_w + β_j·τ_{j,w}, so z^A_{j,w} + z^B_{j,w} = β_j·α_w;
 *   6. H(tag_S, (β_j·u − ⟨χ̃, z̃^B_j⟩ − χ̂·ẑ^B_j)_j) == ρ, i.e. DKLs19's check
 *      r_j + ⟨χ̃, z̃^B_j⟩ + χ̂·ẑ^B_j = β_j·u for every j < ξ      → protocol.bad_mul
 *   d_k = ⟨g, z̃^B_{·,k}⟩ + χ·γ_k, so c_k + d_k = χ·ã_k + χ·(a_k − ã_k) = a_k·χ.
 * Every failure discards the pair state and names the peer.
 *
 * What check 6 buys: a malicious Alice who feeds OT j a correlation other than α passes only where
 * β_j = 0 (or with probability 1/q over the challenge, which she learns only after fixing τ), so
 * she learns at most a few bits of β at the price of an abort with that probability; ξ = κ + 2s
 * and the random gadget keep χ = ⟨g, β⟩ statistically close to uniform despite them (DKLs19's analysis).
 *
 * Divergences from the papers (docs/protocols/dkls23-mul.md §6):
 * - one check correlation â and one u for the L inputs (a random linear combination over all
 *   three correlations, instead of DKLs19's check once per input); u stays uniform because â
 *   is, and two OTs fed different correlations give equal combinations with probability 1/q;
 * - Alice sends ρ = H(r) instead of r (Bob recomputes r and compares: the same ξ equations in 32
 *   bytes instead of 13 KB);
 * - the challenge hashes Alice's τ̃, τ̂ and γ, not only Bob's message: she commits to her
 *   correlations before she learns the challenge, as in DKLs19 where Bob picks it after the OTs;
 *   and a γ altered in transit fails the check (a malicious Alice can still choose any γ: that is
 *   choosing her input, which signing's Γ checks bind).
 *
 * Never answer twice as sender with one state and one session id: two answers to related
 * receiver messages reveal τ + τ' = α + α', hence a linear relation of the inputs of both
 * instances. The signing protocol's session ids are unique per signature, and the node refuses a
 * session id it has seen (`session.exists`).
 */
import { chacha20 } from '@noble/ciphers/chacha.js';
import { type Bytes, concatBytes, equalBytes, utf8 } from '../../../crypto/bytes.ts';
import { decodeFields, encodeFields } from '../../../crypto/lp.ts';
import { SecretBytes } from '../../../crypto/secret.ts';
import type { RandomSource, Suite } from '../../../crypto/suites/types.ts';
import { bitAt } from './bits.ts';
import {
  bytesToScalars,
  bytesToWords,
  decodeScalars,
  encodeScalars,
  ROW_OUTPUT_WORDS,
  RowHasher,
  viewOf,
  wideToScalar,
  wordsToBytes,
  writeScalar,
  xof,
} from './hash.ts';
import {
  type Instance,
  instanceOf,
  receiverExtend,
  senderExtend,
  T_CHECK_BYTES,
  U_BYTES,
  X_CHECK_BYTES,
} from './ote.ts';
import * as P from './params.ts';
import { abortWith, readReceiverSecret, readSenderSecret, requireUsable } from './state.ts';
import {
  MUL_INPUTS,
  type MulPairState,
  type MulReceiverPending,
  type TwoPartyMultiplication,
} from './types.ts';

// Local copies: imported bindings are getters under the TypeScript loader, too slow in the row loops.
const COLUMN_BYTES = P.COLUMN_BYTES;
const ROW_WORDS = P.ROW_WORDS;
const SCALAR_BYTES = P.SCALAR_BYTES;
const WIDE_BYTES = P.WIDE_BYTES;
const WIDTH = P.WIDTH;
const XI = P.XI;

const L = MUL_INPUTS;
const TAG_BYTES = 32;
const BETA_BYTES = XI / 8;
const ROWS_BYTES = XI * ROW_WORDS * 4;
const PENDING_BYTES = TAG_BYTES + BETA_BYTES + ROWS_BYTES + 32;
const TAU_TILDE_BYTES = XI * L * SCALAR_BYTES;
const TAU_HAT_BYTES = XI * SCALAR_BYTES;
const WIDE_WORDS = WIDE_BYTES / 4;
const RECEIVER_FIELDS = [TAG_BYTES, U_BYTES, X_CHECK_BYTES, T_CHECK_BYTES] as const;
const SENDER_FIELDS = [
  TAG_BYTES,
  TAU_TILDE_BYTES,
  TAU_HAT_BYTES,
  L * SCALAR_BYTES,
  SCALAR_BYTES,
  32,
] as const;

/** Sizes of the two messages of one multiplication, in bytes (encodeFields framing included). */
export const RECEIVER_MESSAGE_BYTES = 4 + RECEIVER_FIELDS.reduce((n, x) => n + 4 + x, 0);
export const SENDER_MESSAGE_BYTES = 4 + SENDER_FIELDS.reduce((n, x) => n + 4 + x, 0);

/** Pending values that receiverFinish has consumed (a second use is refused). */
const consumed = new WeakSet<MulReceiverPending>();

/**
 * g ∈ Z_q^ξ, DKLs19's public random gadget vector: the ChaCha20 expansion of
 * H("dkls23/mul/gadget", binding, suite), 48 bytes per entry. One vector per pair and suite (a
 * public parameter, as in DKLs19), derived from the setup transcript, to which both parties
 * contribute.
 */
function gadgetOf(binding: Bytes, suiteName: string, q: bigint): bigint[] {
  const seed = xof('dkls23/mul/gadget', [binding, utf8(suiteName)]);
  const w = bytesToWords(chacha20(seed, new Uint8Array(12), new Uint8Array(XI * WIDE_BYTES)));
  return Array.from({ length: XI }, (_, j) => wideToScalar(w, j * WIDE_WORDS, q));
}

/** χ̃ ∈ Z_q^L and χ̂ from Alice's committed values (DKLs23 §5.1: Fiat–Shamir). */
function challenges(
  inst: Instance,
  oteChallenge: Bytes,
  tauTilde: Bytes,
  tauHat: Bytes,
  gamma: Bytes,
  q: bigint,
) {
  const b = xof('dkls23/mul/check', [inst.tagS, oteChallenge, tauTilde, tauHat, gamma], (L + 1) * WIDE_BYTES);
  const s = bytesToScalars(b, L + 1, q);
  return { tilde: s.slice(0, L), hat: s[L] as bigint };
}

function checkDigest(inst: Instance, r: Bytes): Bytes {
  return xof('dkls23/mul/check-digest', [inst.tagS, r]);
}

/** Splits a message into exactly `lengths.length` fields of those lengths; throws `RangeError`. */
function splitExact(message: Bytes, lengths: readonly number[]): Bytes[] {
  const f = decodeFields(message, lengths.length);
  if (f.length !== lengths.length) throw new RangeError(`expected ${lengths.length} fields`);
  f.forEach((x, i) => {
    if (x.length !== lengths[i]) throw new RangeError(`field ${i} must be ${lengths[i]} bytes`);
  });
  return f;
}

/**
 * The OT-based `TwoPartyMultiplication` over `suite`'s scalar field. The pair states come from the
 * setup (setup.ts) and do not depend on the suite.
 */
export function createOtMultiplication(suite: Suite): TwoPartyMultiplication {
  return createOtMultiplicationWith(suite, {});
}

/** What the adversarial tests let a sender do differently (never set in production). */
export type SenderDeviation = {
  /** The correlation fed into OT j instead of α = (ã, â); everything else is computed from α. */
  readonly correlation?: (j: number, alpha: readonly bigint[]) => readonly bigint[];
};

/** `createOtMultiplication` with a sender deviation, for the adversarial tests only. */
export function createOtMultiplicationWith(suite: Suite, deviation: SenderDeviation): TwoPartyMultiplication {
  const q = suite.order;
  if (q >= 1n << 256n) throw new RangeError('the group order must be below 2^256');
  // The gadget of each pair state (a public value), computed once per state object.
  const gadgets = new WeakMap<MulPairState, bigint[]>();
  const gadget = (state: MulPairState, binding: Bytes): bigint[] => {
    let g = gadgets.get(state);
    if (!g) {
      g = gadgetOf(binding, suite.name, q);
      gadgets.set(state, g);
    }
    return g;
  };

  function receiverStart(
    state: MulPairState,
    sessionId: Bytes,
    random: RandomSource,
  ): { message: Bytes; pending: MulReceiverPending } {
    requireUsable(state, 'receiver');
    const { binding, seeds0, seeds1 } = readReceiverSecret(state);
    const inst = instanceOf(binding, suite.name, sessionId);
    const xBytes = random(COLUMN_BYTES);
    if (xBytes.length !== COLUMN_BYTES) throw new RangeError('the random source returned the wrong length');
    const x = bytesToWords(xBytes);
    const ext = receiverExtend(seeds0, seeds1, inst, x);
    // χ = ⟨g, β⟩ (DKLs19 Protocol 1: Bob's input encoded by the gadget), without a branch on β.
    const g = gadget(state, binding);
    let chi = 0n;
    for (let j = 0; j < XI; j++) chi += (g[j] as bigint) * BigInt(bitAt(x, j));
    chi %= q;
    const rowsBytes = wordsToBytes(ext.rows);
    const secret = new SecretBytes(
      concatBytes(inst.tagR, xBytes.subarray(0, BETA_BYTES), rowsBytes, ext.challenge),
    );
    xBytes.fill(0);
    x.fill(0);
    rowsBytes.fill(0);
    ext.rows.fill(0);
    return {
      message: encodeFields([inst.tagR, ext.u, ext.xCheck, ext.tCheck]),
      pending: { chi, secret },
    };
  }

  function senderRespond(
    state: MulPairState,
    sessionId: Bytes,
    receiverMessage: Bytes,
    inputs: readonly bigint[],
    random: RandomSource,
  ): { message: Bytes; shares: bigint[] } {
    requireUsable(state, 'sender');
    if (inputs.length !== L || inputs.some((a) => typeof a !== 'bigint' || a < 0n || a >= q))
      throw new RangeError(`expected ${L} scalars in [0, q)`);
    const { binding, delta, seeds } = readSenderSecret(state);
    const inst = instanceOf(binding, suite.name, sessionId);

    let fields: Bytes[];
    try {
      fields = splitExact(receiverMessage, RECEIVER_FIELDS);
    } catch (e) {
      return abortWith(state, 'protocol.malformed', `2P-MUL receiver message: ${(e as Error).message}`, e);
    }
    const [tagR, u, xCheck, tCheck] = fields as [Bytes, Bytes, Bytes, Bytes];
    if (!equalBytes(tagR, inst.tagR))
      abortWith(state, 'protocol.header_mismatch', '2P-MUL receiver message is for another session or pair');

    const ext = senderExtend(delta, seeds, inst, u, xCheck, tCheck);
    if (!ext.ok) {
      ext.rows.fill(0);
      abortWith(state, 'protocol.bad_ot', 'the OT-extension consistency check failed (KOS15 Fig. 10)');
    }

    // α = (ã_1..ã_L, â): one correlation for all ξ OTs.
    const alpha = Array.from({ length: WIDTH }, () => suite.randomScalar(random));
    const deltaWords = bytesToWords(delta);
    const hasher = new RowHasher(inst.rowKey);
    const h0 = new Uint32Array(ROW_OUTPUT_WORDS);
    const h1 = new Uint32Array(ROW_OUTPUT_WORDS);
    const tauTilde = new Uint8Array(TAU_TILDE_BYTES);
    const tauHat = new Uint8Array(TAU_HAT_BYTES);
    const tauTildeView = viewOf(tauTilde);
    const tauHatView = viewOf(tauHat);
    // v0[j·WIDTH + w]; Alice's share is −v0.
    const v0 = new Array<bigint>(XI * WIDTH);
    for (let j = 0; j < XI; j++) {
      hasher.hash(j, ext.rows, j * ROW_WORDS, null, h0, 0);
      hasher.hash(j, ext.rows, j * ROW_WORDS, deltaWords, h1, 0);
      const aj = deviation.correlation ? deviation.correlation(j, alpha) : alpha;
      for (let w = 0; w < WIDTH; w++) {
        const a0 = wideToScalar(h0, w * WIDE_WORDS, q);
        const a1 = wideToScalar(h1, w * WIDE_WORDS, q);
        v0[j * WIDTH + w] = a0;
        let tau = a0 - a1 + (aj[w] as bigint);
        if (tau < 0n) tau += q;
        if (tau >= q) tau -= q;
        if (w < L) writeScalar(tauTildeView, (j * L + w) * SCALAR_BYTES, tau);
        else writeScalar(tauHatView, j * SCALAR_BYTES, tau);
      }
    }
    hasher.wipe();
    h0.fill(0);
    h1.fill(0);
    deltaWords.fill(0);
    ext.rows.fill(0);

    const gamma = inputs.map((a, k) => (a - (alpha[k] as bigint) + q) % q);
    const gammaBytes = encodeScalars(gamma);
    const ch = challenges(inst, ext.challenge, tauTilde, tauHat, gammaBytes, q);
    let uCheck = ch.hat * (alpha[L] as bigint);
    for (let k = 0; k < L; k++) uCheck += (ch.tilde[k] as bigint) * (alpha[k] as bigint);
    uCheck %= q;
    const g = gadget(state, binding);
    const r = new Uint8Array(XI * SCALAR_BYTES);
    const rView = viewOf(r);
    const acc = new Array<bigint>(L).fill(0n);
    for (let j = 0; j < XI; j++) {
      // r_j = ⟨χ̃, −ṽ0_j⟩ + χ̂·(−v̂0_j)
      let s = ch.hat * (v0[j * WIDTH + L] as bigint);
      for (let k = 0; k < L; k++) {
        const vt = v0[j * WIDTH + k] as bigint;
        s += (ch.tilde[k] as bigint) * vt;
        acc[k] = (acc[k] as bigint) + (g[j] as bigint) * vt;
      }
      s %= q;
      writeScalar(rView, j * SCALAR_BYTES, s === 0n ? 0n : q - s);
    }
    const shares = acc.map((x) => {
      const s = x % q;
      return s === 0n ? 0n : q - s;
    });
    const message = encodeFields([
      inst.tagS,
      tauTilde,
      tauHat,
      gammaBytes,
      encodeScalars([uCheck]),
      checkDigest(inst, r),
    ]);
    r.fill(0);
    return { message, shares };
  }

  function receiverFinish(
    state: MulPairState,
    sessionId: Bytes,
    pending: MulReceiverPending,
    senderMessage: Bytes,
  ): { shares: bigint[] } {
    requireUsable(state, 'receiver');
    const p = pending.secret.expose();
    if (consumed.has(pending) || p.length !== PENDING_BYTES)
      throw new RangeError('this 2P-MUL receiver pending was already used or is not one');
    const { binding } = readReceiverSecret(state);
    const inst = instanceOf(binding, suite.name, sessionId);
    if (!equalBytes(p.subarray(0, TAG_BYTES), inst.tagR))
      throw new RangeError('this pending belongs to another session id or pair');
    consumed.add(pending);
    try {
      return finish(state, inst, gadget(state, binding), pending.chi, p, senderMessage);
    } finally {
      pending.secret.wipe();
    }
  }

  function finish(
    state: MulPairState,
    inst: Instance,
    g: readonly bigint[],
    chi: bigint,
    p: Bytes,
    senderMessage: Bytes,
  ): { shares: bigint[] } {
    let fields: Bytes[];
    let tauTilde: bigint[];
    let tauHat: bigint[];
    let gamma: bigint[];
    let uCheck: bigint;
    try {
      fields = splitExact(senderMessage, SENDER_FIELDS);
      if (!equalBytes(fields[0] as Bytes, inst.tagS))
        return abortWith(
          state,
          'protocol.header_mismatch',
          '2P-MUL sender message is for another session or pair',
        );
      tauTilde = decodeScalars(fields[1] as Bytes, XI * L, q);
      tauHat = decodeScalars(fields[2] as Bytes, XI, q);
      gamma = decodeScalars(fields[3] as Bytes, L, q);
      uCheck = decodeScalars(fields[4] as Bytes, 1, q)[0] as bigint;
    } catch (e) {
      if (e instanceof RangeError)
        abortWith(state, 'protocol.malformed', `2P-MUL sender message: ${e.message}`, e);
      throw e;
    }
    const [, tauTildeB, tauHatB, gammaB, , digest] = fields as [Bytes, Bytes, Bytes, Bytes, Bytes, Bytes];

    const beta = bytesToWords(p.subarray(TAG_BYTES, TAG_BYTES + BETA_BYTES));
    const rows = bytesToWords(p.subarray(TAG_BYTES + BETA_BYTES, TAG_BYTES + BETA_BYTES + ROWS_BYTES));
    const oteChallenge = p.subarray(TAG_BYTES + BETA_BYTES + ROWS_BYTES);
    const ch = challenges(inst, oteChallenge, tauTildeB, tauHatB, gammaB, q);
    const hasher = new RowHasher(inst.rowKey);
    const h = new Uint32Array(ROW_OUTPUT_WORDS);
    const r = new Uint8Array(XI * SCALAR_BYTES);
    const rView = viewOf(r);
    const acc = new Array<bigint>(L).fill(0n);
    for (let j = 0; j < XI; j++) {
      hasher.hash(j, rows, j * ROW_WORDS, null, h, 0);
      const bj = BigInt(bitAt(beta, j));
      // z^B = H(j, t_j) + β_j·τ for the check correlation (ẑ), then for each input (z̃).
      const zh = (wideToScalar(h, L * WIDE_WORDS, q) + bj * (tauHat[j] as bigint)) % q;
      // Expected r_j = β_j·u − ⟨χ̃, z̃^B_j⟩ − χ̂·ẑ^B_j.
      let e = bj * uCheck - ch.hat * zh;
      for (let k = 0; k < L; k++) {
        const zt = (wideToScalar(h, k * WIDE_WORDS, q) + bj * (tauTilde[j * L + k] as bigint)) % q;
        e -= (ch.tilde[k] as bigint) * zt;
        acc[k] = (acc[k] as bigint) + (g[j] as bigint) * zt;
      }
      e %= q;
      writeScalar(rView, j * SCALAR_BYTES, e < 0n ? e + q : e);
    }
    hasher.wipe();
    h.fill(0);
    rows.fill(0);
    beta.fill(0);
    const ok = equalBytes(checkDigest(inst, r), digest);
    r.fill(0);
    if (!ok)
      abortWith(state, 'protocol.bad_mul', 'the multiplication check failed (DKLs19 Protocol 1, step 6)');
    return { shares: acc.map((x, k) => (x + chi * (gamma[k] as bigint)) % q) };
  }

  return Object.freeze({ receiverStart, senderRespond, receiverFinish });
}
