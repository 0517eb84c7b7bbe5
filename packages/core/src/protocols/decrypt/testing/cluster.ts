/**
 * TEST ONLY: keys from the PedPoP DKG, seeded randomness and helpers shared by the decryption
 * tests and the micro-benchmark.
 */
import type { Bytes } from '../../../crypto/bytes.ts';
import type { SuiteName } from '../../../crypto/suites/types.ts';
import { seededRandom } from '../../../engine/simulate/random.ts';
import type { PartyId } from '../../../engine/types.ts';
import type { DkgOutput } from '../../dkg/types.ts';
import { dkgKeys } from '../../testing/fixtures.ts';
import { encryptToKey } from '../encrypt.ts';
import { partialDecrypt } from '../partial.ts';

export type Cluster = {
  readonly suite: SuiteName;
  readonly keys: Record<PartyId, DkgOutput>;
  readonly parties: PartyId[];
  /** Any party's key: the public part is the same everywhere. */
  readonly pub: DkgOutput;
  readonly random: (n: number) => Bytes;
};

export function cluster(suite: SuiteName, n: number, t: number, seed: string): Cluster {
  const keys = dkgKeys(suite, n, t, `${seed}/dkg`);
  const parties = Object.keys(keys).sort();
  return {
    suite,
    keys,
    parties,
    pub: keys[parties[0] as PartyId] as DkgOutput,
    random: seededRandom(seed, suite),
  };
}

/** Every node in `parties` answers honestly. */
/** Encrypts to the cluster's group key with the cluster's seeded randomness. */
export function encryptFor(c: Cluster, plaintext: Bytes, label: Bytes): Bytes {
  return encryptToKey({
    suite: c.suite,
    publicKey: c.pub.groupPublicKey,
    plaintext,
    label,
    random: c.random,
  });
}

export function partialsFrom(
  c: Cluster,
  parties: readonly PartyId[],
  ciphertext: Bytes,
  label: Bytes,
): Record<PartyId, Bytes> {
  const out: Record<PartyId, Bytes> = {};
  for (const party of parties)
    out[party] = partialDecrypt({
      key: c.keys[party] as DkgOutput,
      party,
      ciphertext,
      label,
      random: c.random,
    });
  return out;
}

/** All subsets of size k of xs. */
export function subsets<T>(xs: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  if (xs.length < k) return [];
  const [head, ...rest] = xs as [T, ...T[]];
  return [...subsets(rest, k - 1).map((s) => [head, ...s]), ...subsets(rest, k)];
}

/** True when `needle` occurs in `hay` as a contiguous run of bytes. */
export function containsBytes(hay: Bytes, needle: Bytes): boolean {
  if (needle.length === 0) return true;
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}
