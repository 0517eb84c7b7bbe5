/**
 * Canonical byte helpers. Every decoder here is strict: it rejects what it would not produce,
 * so one value has exactly one encoding (no "0x" prefixes, no odd lengths, no upper case).
 */

export type Bytes = Uint8Array;

const HEX_RE = /^(?:[0-9a-f]{2})*$/;

/** Decodes lower-case hex without prefix. Throws `TypeError` on anything else. */
export function hexToBytes(hex: string): Bytes {
  if (typeof hex !== 'string' || !HEX_RE.test(hex))
    throw new TypeError('expected lower-case hex of even length');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** True when `hex` is canonical lower-case hex (optionally of exactly `bytes` bytes). */
export function isHex(hex: unknown, bytes?: number): hex is string {
  if (typeof hex !== 'string' || !HEX_RE.test(hex)) return false;
  return bytes === undefined || hex.length === 2 * bytes;
}

export function bytesToHex(bytes: Bytes): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

export function concatBytes(...parts: Bytes[]): Bytes {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Constant-time equality for equal-length inputs (length itself is not secret). */
export function equalBytes(a: Bytes, b: Bytes): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

export function u32be(n: number): Bytes {
  if (!Number.isSafeInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError('u32 out of range');
  return new Uint8Array([n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
}

export function readU32be(b: Bytes, off: number): number {
  if (off + 4 > b.length) throw new RangeError('truncated u32');
  return (
    (((b[off] as number) << 24) |
      ((b[off + 1] as number) << 16) |
      ((b[off + 2] as number) << 8) |
      (b[off + 3] as number)) >>>
    0
  );
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });
export const utf8 = (s: string): Bytes => enc.encode(s);
export const fromUtf8 = (b: Bytes): string => dec.decode(b);

/** Overwrites secret bytes in place; call when a secret is no longer needed. */
export function wipe(b: Bytes): void {
  b.fill(0);
}
