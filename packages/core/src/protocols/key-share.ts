/**
 * The key material a DKG produces and a signing session consumes. `KeyShare` is RFC 9591's
 * KeyPackage + PublicKeyPackage for one party: the public part (group key, verifying shares,
 * identifiers) is the same on every party; `signingShare` is secret and never leaves the node
 * unsealed.
 */
import { type Bytes, bytesToHex, hexToBytes } from '../crypto/bytes.ts';
import type { SecretBytes } from '../crypto/secret.ts';
import { getSuite } from '../crypto/suites/index.ts';
import type { GroupPoint, Suite, SuiteName } from '../crypto/suites/types.ts';
import type { PartyId } from '../engine/types.ts';

export type KeyShare = {
  readonly suite: SuiteName;
  readonly threshold: number;
  /** Every party holding a share, sorted. */
  readonly parties: readonly PartyId[];
  /** FROST identifier of each party: hex of the suite's scalar encoding (ed25519 LE, secp256k1 BE). */
  readonly identifiers: Readonly<Record<PartyId, string>>;
  /** Compressed group key: 32 B (ed25519) or 33 B SEC1 (secp256k1). */
  readonly groupPublicKey: Bytes;
  /** PK_i = s_i·G for every party, same encoding as the group key. */
  readonly verifyingShares: Readonly<Record<PartyId, Bytes>>;
  readonly signingShare: SecretBytes;
};

/** The public half of a key share (RFC 9591 PublicKeyPackage), as the aggregator needs it. */
export type PublicKeyPackage = Omit<KeyShare, 'signingShare'>;

/** Smallest and largest group sizes tkms accepts (identifiers are 1..n). */
export const MIN_PARTIES = 2;
export const MAX_PARTIES = 255;

/** Identifier i+1 for the party at sorted index i, encoded as the suite's scalar. */
export function identifierHex(suite: Suite, index: number): string {
  return bytesToHex(suite.encodeScalar(BigInt(index + 1)));
}

/** Parses a canonical identifier: hex of a non-zero canonical scalar. Throws `RangeError`. */
export function parseIdentifier(suite: Suite, hex: string): bigint {
  let b: Bytes;
  try {
    b = hexToBytes(hex);
  } catch {
    throw new RangeError('identifier is not canonical hex');
  }
  const id = suite.decodeScalar(b);
  if (id === 0n) throw new RangeError('identifier is zero');
  return id;
}

/**
 * Reads identifiers for `parties` from a key and checks them: present, canonical, non-zero and
 * distinct (protocols.md §7 row 16). Throws `RangeError`.
 */
export function readIdentifiers(
  suite: Suite,
  identifiers: Readonly<Record<PartyId, string>>,
  parties: readonly PartyId[],
): Map<PartyId, bigint> {
  const out = new Map<PartyId, bigint>();
  const seen = new Set<bigint>();
  for (const p of parties) {
    const hex = Object.hasOwn(identifiers, p) ? identifiers[p] : undefined;
    if (hex === undefined) throw new RangeError(`no identifier for ${p}`);
    const id = parseIdentifier(suite, hex);
    if (seen.has(id)) throw new RangeError(`duplicate identifier for ${p}`);
    seen.add(id);
    out.set(p, id);
  }
  return out;
}

/** Reads `verifyingShares` for `parties` as validated points. Throws `RangeError`. */
export function readVerifyingShares(
  suite: Suite,
  shares: Readonly<Record<PartyId, Bytes>>,
  parties: readonly PartyId[],
): Map<PartyId, GroupPoint> {
  const out = new Map<PartyId, GroupPoint>();
  for (const p of parties) {
    const b = Object.hasOwn(shares, p) ? shares[p] : undefined;
    if (!b) throw new RangeError(`no verifying share for ${p}`);
    out.set(p, suite.decodePoint(b));
  }
  return out;
}

/** Sorted, duplicate-free copy or `undefined`. */
export function sortedUnique(xs: readonly string[]): string[] | undefined {
  const s = [...xs].sort();
  for (let i = 1; i < s.length; i++) if (s[i] === s[i - 1]) return undefined;
  return s;
}

export function suiteOf(key: { suite: string }): Suite {
  return getSuite(key.suite);
}

/**
 * Checks a key share for internal consistency before it is used or stored: suite known,
 * 2 ≤ threshold ≤ n, sorted distinct parties, canonical distinct identifiers, canonical prime-order
 * group key and verifying shares, s_i·G == PK_i for the holder, and every verifying share on the
 * degree t−1 polynomial whose value at 0 is the group key (interpolated in the exponent from the
 * first t shares). Throws `RangeError` naming the first inconsistency.
 */
export function validateKeyShare(key: KeyShare, holder: PartyId): void {
  const suite = getSuite(key.suite);
  const parties = sortedUnique(key.parties);
  if (!parties || parties.some((p, i) => p !== key.parties[i]))
    throw new RangeError('parties not sorted and distinct');
  const n = parties.length;
  if (n < MIN_PARTIES || n > MAX_PARTIES) throw new RangeError(`${n} parties`);
  if (!Number.isSafeInteger(key.threshold) || key.threshold < 2 || key.threshold > n)
    throw new RangeError(`threshold ${key.threshold} for ${n} parties`);
  if (!parties.includes(holder)) throw new RangeError(`${holder} is not a party of the key`);
  const ids = readIdentifiers(suite, key.identifiers, parties);
  const shares = readVerifyingShares(suite, key.verifyingShares, parties);
  const PK = suite.decodePoint(key.groupPublicKey);
  const s = suite.decodeScalar(key.signingShare.expose());
  if (!suite.mulBase(s).equals(shares.get(holder) as GroupPoint))
    throw new RangeError('signing share does not match its verifying share');
  const base = parties.slice(0, key.threshold);
  const xs = base.map((p) => ids.get(p) as bigint);
  const points = base.map((p) => shares.get(p) as GroupPoint);
  const at = (x: bigint): GroupPoint => {
    // Lagrange basis at x over xs: L_i(x) = Π_{j≠i} (x − x_j)/(x_i − x_j).
    const { Fn } = suite;
    const coeffs = xs.map((xi) => {
      let num = 1n;
      let den = 1n;
      for (const xj of xs) {
        if (xj === xi) continue;
        num = Fn.mul(num, Fn.sub(x, xj));
        den = Fn.mul(den, Fn.sub(xi, xj));
      }
      return Fn.div(num, den);
    });
    return suite.msm(points, coeffs);
  };
  if (!at(0n).equals(PK)) throw new RangeError('verifying shares do not interpolate to the group key');
  for (const p of parties.slice(key.threshold))
    if (!at(ids.get(p) as bigint).equals(shares.get(p) as GroupPoint))
      throw new RangeError(`verifying share of ${p} is off the key polynomial`);
}
