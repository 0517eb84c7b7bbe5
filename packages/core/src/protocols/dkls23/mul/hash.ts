/**
 * Hashing and scalar codecs of the OT-based multiplication.
 *
 * Every hash here is TurboSHAKE128 (RFC 9861: the Keccak-p[1600, 12] sponge, rate 168 bytes,
 * domain byte 0x1F), modelled as a random oracle. It replaces SHA-256 (`hashTranscript`) in this
 * folder for speed only: a multiplication hashes about 150 KB of transcript and 1,248 OT rows
 * (both parties together), and on noble TurboSHAKE128 is about six times faster per byte than
 * SHA-256. Inputs are framed exactly like `hashTranscript`'s: encodeFields(["tkms/v1", tag, ...]).
 *
 * `RowHasher` is the correlation-robust hash of the OT extension (KOS15, "transpose and
 * randomise"): H(key, j, row) with a per-instance key that binds the pair, the suite and the
 * session id, and the row index j as tweak. It is TurboSHAKE128(key ‖ LE32(j) ‖ row) written
 * against the permutation, so that a row costs one Keccak-p call and no allocation; a test checks
 * it against noble's `turboshake128`.
 */
import { keccakP } from '@noble/hashes/sha3.js';
import { turboshake128 } from '@noble/hashes/sha3-addons.js';
import { type Bytes, utf8 } from '../../../crypto/bytes.ts';
import { encodeFields } from '../../../crypto/lp.ts';
import * as P from './params.ts';

// Local copies: imported bindings are getters under the TypeScript loader, too slow in the row loops.
const ROW_WORDS = P.ROW_WORDS;
const SCALAR_BYTES = P.SCALAR_BYTES;
const WIDE_BYTES = P.WIDE_BYTES;
const WIDTH = P.WIDTH;

const ROOT = utf8('tkms/v1');

/** TurboSHAKE128(encodeFields(["tkms/v1", tag, ...fields])), `dkLen` bytes. */
export function xof(tag: string, fields: readonly Bytes[], dkLen = 32): Bytes {
  return turboshake128(encodeFields([ROOT, utf8(tag), ...fields]), { dkLen });
}

/** Little-endian 32-bit words of `b` (length a multiple of 4), independent of the host's byte order. */
export function bytesToWords(
  b: Bytes,
  out: Uint32Array = new Uint32Array(b.length >>> 2),
  outOff = 0,
): Uint32Array {
  for (let i = 0, w = outOff; i < b.length; i += 4, w++)
    out[w] =
      ((b[i] as number) |
        ((b[i + 1] as number) << 8) |
        ((b[i + 2] as number) << 16) |
        ((b[i + 3] as number) << 24)) >>>
      0;
  return out;
}

/** Inverse of `bytesToWords` for `count` words from `off`. */
export function wordsToBytes(w: Uint32Array, off = 0, count = w.length - off): Bytes {
  const out = new Uint8Array(count * 4);
  for (let i = 0; i < count; i++) {
    const x = w[off + i] as number;
    out[4 * i] = x & 0xff;
    out[4 * i + 1] = (x >>> 8) & 0xff;
    out[4 * i + 2] = (x >>> 16) & 0xff;
    out[4 * i + 3] = x >>> 24;
  }
  return out;
}

const WIDE_WORDS = WIDE_BYTES / 4;
if (WIDE_WORDS !== 12) throw new Error('wideToScalar reads 12 words');

/** The little-endian integer in words [off, off + 12) reduced mod q (wide reduction). */
export function wideToScalar(w: Uint32Array, off: number, q: bigint): bigint {
  // Six 64-bit limbs combined as a tree: about half the cost of twelve shift-and-or steps.
  const l0 = (BigInt(w[off + 1] as number) << 32n) | BigInt(w[off] as number);
  const l1 = (BigInt(w[off + 3] as number) << 32n) | BigInt(w[off + 2] as number);
  const l2 = (BigInt(w[off + 5] as number) << 32n) | BigInt(w[off + 4] as number);
  const l3 = (BigInt(w[off + 7] as number) << 32n) | BigInt(w[off + 6] as number);
  const l4 = (BigInt(w[off + 9] as number) << 32n) | BigInt(w[off + 8] as number);
  const l5 = (BigInt(w[off + 11] as number) << 32n) | BigInt(w[off + 10] as number);
  return ((((((l5 << 64n) | l4) << 128n) | ((l3 << 64n) | l2)) << 128n) | ((l1 << 64n) | l0)) % q;
}

/** `count` scalars from `WIDE_BYTES`-byte little-endian chunks of `b`. */
export function bytesToScalars(b: Bytes, count: number, q: bigint): bigint[] {
  if (b.length < count * WIDE_BYTES) throw new RangeError('not enough bytes for the scalars');
  const w = bytesToWords(b.subarray(0, count * WIDE_BYTES));
  return Array.from({ length: count }, (_, i) => wideToScalar(w, i * WIDE_WORDS, q));
}

const M64 = (1n << 64n) - 1n;

/** A DataView over exactly the bytes of `b`, for `writeScalar` / `readScalar`. */
export function viewOf(b: Bytes): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Writes k (0 ≤ k < 2^256) as 32 bytes big-endian at byte `off` of the view. */
export function writeScalar(dv: DataView, off: number, k: bigint): void {
  dv.setBigUint64(off, k >> 192n);
  dv.setBigUint64(off + 8, (k >> 128n) & M64);
  dv.setBigUint64(off + 16, (k >> 64n) & M64);
  dv.setBigUint64(off + 24, k & M64);
}

/** Reads 32 bytes big-endian at byte `off`; throws `RangeError` unless the value is below q. */
export function readScalar(dv: DataView, off: number, q: bigint): bigint {
  const k =
    (((((dv.getBigUint64(off) << 64n) | dv.getBigUint64(off + 8)) << 64n) | dv.getBigUint64(off + 16)) <<
      64n) |
    dv.getBigUint64(off + 24);
  if (k >= q) throw new RangeError('scalar is not canonical (>= group order)');
  return k;
}

export function encodeScalars(ks: readonly bigint[]): Bytes {
  const out = new Uint8Array(ks.length * SCALAR_BYTES);
  const dv = viewOf(out);
  for (let i = 0; i < ks.length; i++) writeScalar(dv, i * SCALAR_BYTES, ks[i] as bigint);
  return out;
}

/** Exactly `count` canonical scalars; throws `RangeError` on a wrong length or a value ≥ q. */
export function decodeScalars(b: Bytes, count: number, q: bigint): bigint[] {
  if (b.length !== count * SCALAR_BYTES) throw new RangeError(`expected ${count} scalars`);
  const dv = viewOf(b);
  return Array.from({ length: count }, (_, i) => readScalar(dv, i * SCALAR_BYTES, q));
}

/** Key words, then the index word, then the row: 8 + 1 + 8 words = 68 bytes, one sponge block. */
const ROW_INPUT_WORDS = 8 + 1 + ROW_WORDS;
/** Output words per row: WIDTH scalars of WIDE_BYTES each (144 bytes: one permutation). */
export const ROW_OUTPUT_WORDS = (WIDTH * WIDE_BYTES) / 4;
const RATE_WORDS = 168 / 4;
if (ROW_OUTPUT_WORDS > RATE_WORDS) throw new Error('row hash output must fit in one squeeze');

/**
 * H(key, j, row) = TurboSHAKE128(key ‖ LE32(j) ‖ row ⊕ mask, 144 bytes) for 256-bit rows held as
 * 8 little-endian words. The sponge state is reused between rows and wiped by `wipe()`.
 */
export class RowHasher {
  readonly #key: Uint32Array;
  readonly #state = new Uint32Array(50);

  constructor(key: Bytes) {
    if (key.length !== 32) throw new RangeError('row-hash key must be 32 bytes');
    this.#key = bytesToWords(key);
  }

  /**
   * Writes ROW_OUTPUT_WORDS words for row `j` (words [rowOff, rowOff + 8) of `rows`, XORed with
   * `mask` when given) into `out` at `outOff`.
   */
  hash(
    j: number,
    rows: Uint32Array,
    rowOff: number,
    mask: Uint32Array | null,
    out: Uint32Array,
    outOff: number,
  ): void {
    const s = this.#state;
    s.fill(0);
    s.set(this.#key, 0);
    s[8] = j >>> 0;
    for (let m = 0; m < ROW_WORDS; m++)
      s[9 + m] = ((rows[rowOff + m] as number) ^ (mask ? (mask[m] as number) : 0)) >>> 0;
    // RFC 9861: message ‖ D (0x1F) then pad10*1, whose final 1 is the top bit of byte 167.
    s[ROW_INPUT_WORDS] = 0x1f;
    s[RATE_WORDS - 1] = ((s[RATE_WORDS - 1] as number) ^ 0x80000000) >>> 0;
    keccakP(s, 12);
    for (let m = 0; m < ROW_OUTPUT_WORDS; m++) out[outOff + m] = s[m] as number;
  }

  wipe(): void {
    this.#state.fill(0);
    this.#key.fill(0);
  }
}
