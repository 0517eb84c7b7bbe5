import { sha256 } from '@noble/hashes/sha2.js';
import { type Bytes, concatBytes, u32be, utf8 } from '../../crypto/bytes.ts';

/**
 * Deterministic byte stream for tests and simulations (SHA-256 in counter mode over a seed and a
 * label). Never use it for real keys: it exists so a failing randomized test can be replayed from
 * its printed seed.
 */
export function seededRandom(seed: number | string, label = ''): (n: number) => Bytes {
  const key = utf8(`${seed}/${label}`);
  let counter = 0;
  let buf: Bytes = new Uint8Array(0);
  return (n: number) => {
    while (buf.length < n) buf = concatBytes(buf, sha256(concatBytes(key, u32be(counter++))));
    const out = buf.slice(0, n);
    buf = buf.slice(n);
    return out;
  };
}

/** Small deterministic integer source for delivery order. */
export function seededInts(seed: number | string): (max: number) => number {
  const rnd = seededRandom(seed, 'order');
  return (max: number) => {
    const b = rnd(4);
    const v =
      (((b[0] as number) << 24) | ((b[1] as number) << 16) | ((b[2] as number) << 8) | (b[3] as number)) >>>
      0;
    return v % max;
  };
}
