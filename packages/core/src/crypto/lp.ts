/**
 * Length-prefixed framing: the only way tkms concatenates variable-length fields that are hashed,
 * signed or sent. `encodeFields([a, b])` is injective (u32 big-endian length before each field),
 * which rules out the re-parsing attacks behind TSSHOCK's alpha-shuffle (protocols.md §7 row 5).
 */
import { type Bytes, concatBytes, readU32be, u32be } from './bytes.ts';

export function encodeFields(fields: readonly Bytes[]): Bytes {
  const parts: Bytes[] = [u32be(fields.length)];
  for (const f of fields) parts.push(u32be(f.length), f);
  return concatBytes(...parts);
}

/** Inverse of `encodeFields`. Throws `RangeError` on truncation, trailing bytes or too many fields. */
export function decodeFields(b: Bytes, maxFields = 1024): Bytes[] {
  const count = readU32be(b, 0);
  if (count > maxFields) throw new RangeError('too many fields');
  const out: Bytes[] = [];
  let off = 4;
  for (let i = 0; i < count; i++) {
    const len = readU32be(b, off);
    off += 4;
    if (off + len > b.length) throw new RangeError('truncated field');
    out.push(b.subarray(off, off + len));
    off += len;
  }
  if (off !== b.length) throw new RangeError('trailing bytes');
  return out;
}
