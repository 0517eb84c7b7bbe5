/**
 * OT extension for one multiplication instance: KOS15 (Keller–Orsini–Scholl, ePrint 2015/546)
 * with the consistency check of its revised version (Fig. 10, after SoftSpokenOT, Roy, ePrint
 * 2022/192): one linear universal hash, chosen after the receiver's matrix is fixed, applied to
 * every column on its own, with h ≥ 128 + s extra random rows that mask it. The hash key comes
 * from Fiat–Shamir over the receiver's matrix (as DKLs23 suggests), so the extension is one
 * message from the receiver.
 *
 * Notation: κ base OTs (columns i), ℓ' = ξ + h extended OTs (rows j), Bob's choice vector
 * x = β ‖ x_pad (β: his ξ multiplication bits; x_pad: h random bits that mask the check).
 * G(k) = ChaCha20(key k, per-instance nonce and counter) gives ℓ' bits.
 *
 * Receiver (Bob, seeds k_i^0, k_i^1):
 *   t_i = G(k_i^0);  u_i = t_i ⊕ G(k_i^1) ⊕ x                                   (sent: u)
 *   R = FS(tag_R, u): a uniform h × ξ bit matrix;  C(v) = R·v[0..ξ) ⊕ v[ξ..ℓ')
 *   x̃ = C(x);  t̃_i = C(t_i)                                                       (sent: x̃, t̃)
 * Sender (Alice, Δ and k_i^{Δ_i}):
 *   q_i = G(k_i^{Δ_i}) ⊕ Δ_i·u_i   (= t_i ⊕ Δ_i·x when Bob is honest)
 *   check C(q_i) == t̃_i ⊕ Δ_i·x̃ for every column i                → else protocol.bad_ot
 * Rows j < ξ are then the correlated OTs: Alice's q_j and q_j ⊕ Δ, Bob's t_j = q_j ⊕ β_j·Δ; the
 * h check rows are dropped.
 *
 * Why the check is sound: C is a linear universal hash (a uniform R gives
 * Pr[R·d = 0] = 2^-h for any d ≠ 0) applied to every column with the same R, chosen after u is
 * fixed. If Bob used a different choice vector x_i in column i, C(x_i) ≠ x̃ except with probability
 * 2^-h per hash query, and then column i passes only if Bob guessed Δ_i; a pass after k guesses
 * happens with probability 2^-k and teaches him those k bits of Δ (the leakage KOS15 and
 * SoftSpokenOT account for; a failure discards the pair state so it cannot be repeated).
 * h = 224 ≥ 128 + s leaves s = 80 bits of statistical security against 2^128 hash queries on
 * the Fiat–Shamir challenge. x_pad makes x̃ uniform, so x̃ and t̃ reveal nothing about β.
 */
import { chacha20 } from '@noble/ciphers/chacha.js';
import { type Bytes, utf8 } from '../../../crypto/bytes.ts';
import { columnsToRows, maskAt } from './bits.ts';
import { bytesToWords, wordsToBytes, xof } from './hash.ts';
import * as P from './params.ts';

// Local copies: imported bindings are getters under the TypeScript loader, too slow in the row loops.
const CHECK_BITS = P.CHECK_BITS;
const COLUMN_BYTES = P.COLUMN_BYTES;
const COLUMN_WORDS = P.COLUMN_WORDS;
const KAPPA = P.KAPPA;
const ROW_WORDS = P.ROW_WORDS;
const SEED_BYTES = P.SEED_BYTES;
const XI = P.XI;

/** Public per-instance values, all derived from the pair binding, the suite and the session id. */
export type Instance = {
  /** Header of Bob's message. */
  readonly tagR: Bytes;
  /** Header of Alice's message. */
  readonly tagS: Bytes;
  /** ChaCha20 nonce and (even) starting block counter of G: 126 bits per instance. */
  readonly nonce: Bytes;
  readonly counter: number;
  /** Key of the correlation-robust row hash. */
  readonly rowKey: Bytes;
};

export function instanceOf(binding: Bytes, suiteName: string, sessionId: Bytes): Instance {
  const b = xof('dkls23/mul/instance', [binding, utf8(suiteName), sessionId], 112);
  const ctr = new DataView(b.buffer, b.byteOffset + 76, 4).getUint32(0);
  return {
    tagR: b.slice(0, 32),
    tagS: b.slice(32, 64),
    nonce: b.slice(64, 76),
    // An even counter below 2^31: G needs blocks c and c + 1.
    counter: (ctr & 0x3fffffff) * 2,
    rowKey: b.slice(80, 112),
  };
}

export const U_BYTES = KAPPA * COLUMN_BYTES;
export const X_CHECK_BYTES = CHECK_BITS / 8;
export const T_CHECK_BYTES = CHECK_BITS * ROW_WORDS * 4;

export type ReceiverExtension = {
  readonly u: Bytes;
  readonly xCheck: Bytes;
  readonly tCheck: Bytes;
  /** The Fiat–Shamir challenge (also bound into the multiplication's own challenge). */
  readonly challenge: Bytes;
  /** Bob's rows t_j for j < ξ, ROW_WORDS words each. Secret. */
  readonly rows: Uint32Array;
};

const ZERO_COLUMN = new Uint8Array(COLUMN_BYTES);

function prg(seeds: Bytes, i: number, inst: Instance, out: Bytes): void {
  chacha20(seeds.subarray(i * SEED_BYTES, (i + 1) * SEED_BYTES), inst.nonce, ZERO_COLUMN, out, inst.counter);
}

export function checkChallenge(inst: Instance, u: Bytes): Bytes {
  return xof('dkls23/mul/ote-check', [inst.tagR, u]);
}

const XI_WORDS = XI / 32;

/** R as h rows of ξ bits (XI_WORDS words each), expanded from the challenge. */
function checkMatrix(challenge: Bytes): Uint32Array {
  const stream = chacha20(challenge, new Uint8Array(12), new Uint8Array((CHECK_BITS * XI) / 8));
  return bytesToWords(stream);
}

/**
 * C applied to every column at once, on rows: row b of the result is
 * ⊕_{j<ξ} R[b, j]·row_j ⊕ row_{ξ+b}. Rows are taken eight at a time with a table of their 256
 * XOR combinations (the "method of four Russians"); which entry is used depends only on R.
 */
function hashRows(R: Uint32Array, rows: Uint32Array): Uint32Array {
  const acc = rows.slice(XI * ROW_WORDS, (XI + CHECK_BITS) * ROW_WORDS);
  const table = new Uint32Array(256 * ROW_WORDS);
  for (let g = 0; g < XI / 8; g++) {
    for (let m = 1; m < 256; m++) {
      const low = m & -m;
      const prev = (m ^ low) * ROW_WORDS;
      const row = (8 * g + (31 - Math.clz32(low))) * ROW_WORDS;
      for (let k = 0; k < ROW_WORDS; k++)
        table[m * ROW_WORDS + k] = (table[prev + k] as number) ^ (rows[row + k] as number);
    }
    const wordIndex = g >>> 2;
    const shift = 8 * (g & 3);
    for (let b = 0; b < CHECK_BITS; b++) {
      const idx = (((R[b * XI_WORDS + wordIndex] as number) >>> shift) & 0xff) * ROW_WORDS;
      const off = b * ROW_WORDS;
      for (let k = 0; k < ROW_WORDS; k++)
        acc[off + k] = (acc[off + k] as number) ^ (table[idx + k] as number);
    }
  }
  table.fill(0);
  return acc;
}

/** x̃ = R·β ⊕ x_pad as CHECK_WORDS words, by parities (no branch on Bob's secret bits). */
function hashChoices(R: Uint32Array, x: Uint32Array): Uint32Array {
  const out = x.slice(XI_WORDS, COLUMN_WORDS);
  for (let b = 0; b < CHECK_BITS; b++) {
    let v = 0;
    for (let k = 0; k < XI_WORDS; k++) v ^= (R[b * XI_WORDS + k] as number) & (x[k] as number);
    v ^= v >>> 16;
    v ^= v >>> 8;
    v ^= v >>> 4;
    v ^= v >>> 2;
    v ^= v >>> 1;
    out[b >>> 5] = ((out[b >>> 5] as number) ^ ((v & 1) << (b & 31))) >>> 0;
  }
  return out;
}

/**
 * Bob: extends with choice vector x (COLUMN_WORDS words: β then x_pad) and returns his message
 * parts, the challenge and his rows t_j (j < ξ).
 */
export function receiverExtend(
  seeds0: Bytes,
  seeds1: Bytes,
  inst: Instance,
  x: Uint32Array,
): ReceiverExtension {
  return receiverExtendColumns(seeds0, seeds1, inst, () => x, x);
}

/**
 * The receiver step with a choice vector per column (`xFor(i)`) and the vector `x` whose check
 * value x̃ is sent. An honest receiver uses one x everywhere (`receiverExtend`); the adversarial
 * tests use this to play a receiver who probes Δ with a different x in some column.
 */
export function receiverExtendColumns(
  seeds0: Bytes,
  seeds1: Bytes,
  inst: Instance,
  xFor: (column: number) => Uint32Array,
  x: Uint32Array,
): ReceiverExtension {
  const cols = new Uint32Array(KAPPA * COLUMN_WORDS);
  const u = new Uint8Array(U_BYTES);
  const t = new Uint8Array(COLUMN_BYTES);
  const w = new Uint8Array(COLUMN_BYTES);
  for (let i = 0; i < KAPPA; i++) {
    prg(seeds0, i, inst, t);
    prg(seeds1, i, inst, w);
    bytesToWords(t, cols, i * COLUMN_WORDS);
    const xi = xFor(i);
    const off = i * COLUMN_BYTES;
    for (let k = 0; k < COLUMN_BYTES; k++) {
      const xk = ((xi[k >>> 2] as number) >>> (8 * (k & 3))) & 0xff;
      u[off + k] = (t[k] as number) ^ (w[k] as number) ^ xk;
    }
  }
  t.fill(0);
  w.fill(0);
  const allRows = columnsToRows(cols);
  cols.fill(0);
  const challenge = checkChallenge(inst, u);
  const R = checkMatrix(challenge);
  const tCheck = hashRows(R, allRows);
  const xCheck = hashChoices(R, x);
  const rows = allRows.slice(0, XI * ROW_WORDS);
  allRows.fill(0);
  return { u, xCheck: wordsToBytes(xCheck), tCheck: wordsToBytes(tCheck), challenge, rows };
}

/**
 * Alice: recomputes her columns from Bob's u, runs the consistency check and returns her rows
 * q_j (j < ξ), or `ok: false` when the check fails (the caller aborts with protocol.bad_ot).
 */
export function senderExtend(
  delta: Bytes,
  seeds: Bytes,
  inst: Instance,
  u: Bytes,
  xCheckBytes: Bytes,
  tCheckBytes: Bytes,
): { ok: boolean; rows: Uint32Array; challenge: Bytes } {
  const cols = new Uint32Array(KAPPA * COLUMN_WORDS);
  const qi = new Uint8Array(COLUMN_BYTES);
  for (let i = 0; i < KAPPA; i++) {
    prg(seeds, i, inst, qi);
    const m = -(((delta[i >>> 3] as number) >>> (i & 7)) & 1) & 0xff;
    const off = i * COLUMN_BYTES;
    for (let k = 0; k < COLUMN_BYTES; k++) qi[k] = (qi[k] as number) ^ ((u[off + k] as number) & m);
    bytesToWords(qi, cols, i * COLUMN_WORDS);
  }
  qi.fill(0);
  const allRows = columnsToRows(cols);
  cols.fill(0);
  const challenge = checkChallenge(inst, u);
  const qCheck = hashRows(checkMatrix(challenge), allRows);
  const deltaWords = bytesToWords(delta);
  const xCheck = bytesToWords(xCheckBytes);
  const tCheck = bytesToWords(tCheckBytes);
  // C(q_i) == t̃_i ⊕ Δ_i·x̃ for all i, i.e. row b of C(Q) == row b of t̃ ⊕ x̃_b·Δ; accumulated
  // over every word so the time does not depend on where a difference is.
  let diff = 0;
  for (let b = 0; b < CHECK_BITS; b++) {
    const xm = maskAt(xCheck, b);
    for (let m = 0; m < ROW_WORDS; m++) {
      const k = b * ROW_WORDS + m;
      diff |= (qCheck[k] as number) ^ (tCheck[k] as number) ^ ((deltaWords[m] as number) & xm);
    }
  }
  qCheck.fill(0);
  deltaWords.fill(0);
  const rows = allRows.slice(0, XI * ROW_WORDS);
  allRows.fill(0);
  return { ok: diff === 0, rows, challenge };
}
