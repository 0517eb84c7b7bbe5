/**
 * Bit matrices of the OT extension. A column (one per base OT i < κ) is EXT_ROWS bits; a row (one
 * per extended OT j < EXT_ROWS) is κ bits. Both are held as little-endian 32-bit words, bit b of
 * word w being index 32·w + b, so a column's wire bytes are its bits LSB-first.
 */
import * as P from './params.ts';

// Local copies: imported bindings are getters under the TypeScript loader, too slow in the row loops.
const COLUMN_WORDS = P.COLUMN_WORDS;
const KAPPA = P.KAPPA;
const ROW_WORDS = P.ROW_WORDS;

/**
 * In-place transpose of the 32×32 bit block a[off..off+32) (bit c of word r ↔ bit r of word c):
 * five rounds of swapping off-diagonal half blocks (Hacker's Delight §7-3, LSB-first).
 */
function transpose32(a: Uint32Array, off: number): void {
  let m = 0x0000ffff;
  for (let j = 16; j !== 0; j >>>= 1, m = (m ^ (m << j)) >>> 0) {
    for (let k = 0; k < 32; k = (k + j + 1) & ~j) {
      const x = a[off + k] as number;
      const y = a[off + k + j] as number;
      const t = ((x >>> j) ^ y) & m;
      a[off + k] = (x ^ (t << j)) >>> 0;
      a[off + k + j] = (y ^ t) >>> 0;
    }
  }
}

/**
 * Columns → rows: `cols` holds KAPPA columns of COLUMN_WORDS words; the result holds
 * COLUMN_WORDS·32 rows of ROW_WORDS words (row j, bit i = column i, bit j).
 */
export function columnsToRows(cols: Uint32Array): Uint32Array {
  const rows = new Uint32Array(COLUMN_WORDS * 32 * ROW_WORDS);
  const block = new Uint32Array(32);
  for (let c = 0; c < KAPPA / 32; c++) {
    for (let w = 0; w < COLUMN_WORDS; w++) {
      for (let r = 0; r < 32; r++) block[r] = cols[(32 * c + r) * COLUMN_WORDS + w] as number;
      transpose32(block, 0);
      for (let r = 0; r < 32; r++) rows[(32 * w + r) * ROW_WORDS + c] = block[r] as number;
    }
  }
  block.fill(0);
  return rows;
}

/** Bit `i` of a little-endian word vector, as 0 or 1. */
export function bitAt(words: Uint32Array, i: number, off = 0): number {
  return ((words[off + (i >>> 5)] as number) >>> (i & 31)) & 1;
}

/** 0xffffffff when bit `i` is set, else 0 (no branch on the bit). */
export function maskAt(words: Uint32Array, i: number, off = 0): number {
  return -bitAt(words, i, off) >>> 0;
}
