import { mulSecretNative } from './noble.ts';
import type { GroupPoint } from './types.ts';

/**
 * k·P for a secret k and any point P, on the constant-time path (`Suite.mulBase` covers only
 * P = G; `multiplyUnsafe` is variable-time). The one place OPRF evaluation, blinding and threshold
 * decryption multiply a point by a secret. With a native backend installed for P's suite
 * (ristretto255: libsodium's constant-time `crypto_scalarmult_ristretto255`) it runs there.
 */
export function mulSecret(P: GroupPoint, k: bigint): GroupPoint {
  if (k === 0n) throw new RangeError('secret scalar is zero');
  return mulSecretNative(P, k) ?? P.multiply(k);
}
