/**
 * FROST signing algorithms of RFC 9591 §4–§5, written once over `FrostCiphersuite`. Pure
 * functions on decoded points; the rounds (round1.ts) and the aggregator (aggregate.ts) call them.
 */
import { type Bytes, concatBytes } from '../../crypto/bytes.ts';
import { lagrangeAtZero } from '../../crypto/suites/poly.ts';
import type { GroupPoint } from '../../crypto/suites/types.ts';
import type { PartyId } from '../../engine/types.ts';
import type { FrostCiphersuite, SigningKey } from './ciphersuite.ts';

/** One signer's round-one output, decoded once (RFC 9591 §5.1 (identifier, D_i, E_i)). */
export type SignerCommitment = {
  readonly party: PartyId;
  readonly id: bigint;
  /** Hiding nonce commitment D_i. */
  readonly D: GroupPoint;
  /** Binding nonce commitment E_i. */
  readonly E: GroupPoint;
};

/** Everything signers and the aggregator derive from the commitment list and the message. */
export type SigningPackage = {
  /** Sorted by identifier (RFC 9591 §4.3: "commitment_list … sorted in ascending order by identifier"). */
  readonly list: readonly SignerCommitment[];
  readonly ids: readonly bigint[];
  readonly rho: ReadonlyMap<PartyId, bigint>;
  /** R = Σ D_i + ρ_i·E_i (RFC 9591 §4.5 compute_group_commitment). */
  readonly R: GroupPoint;
  /** ±1: the factor nonces are multiplied by so that R' = nonceFactor·R suits the mode. */
  readonly nonceFactor: bigint;
  readonly Rprime: GroupPoint;
  readonly c: bigint;
  readonly key: SigningKey;
};

/** RFC 9591 §4.1 nonce_generate: H3(random_bytes(32) || SerializeScalar(secret)). */
export function nonceGenerate(cs: FrostCiphersuite, random32: Bytes, secretShare: Bytes): bigint {
  if (random32.length !== 32) throw new RangeError('nonce randomness must be 32 bytes');
  const k = cs.hashes.H3(concatBytes(random32, secretShare));
  // A zero nonce would publish the identity as a commitment; H3 output is 0 with probability 2^-252.
  if (k === 0n) throw new RangeError('nonce is zero');
  return k;
}

export function sortCommitments(list: readonly SignerCommitment[]): SignerCommitment[] {
  const sorted = [...list].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (let i = 1; i < sorted.length; i++)
    if (sorted[i]?.id === sorted[i - 1]?.id) throw new RangeError('duplicate identifier in commitment list');
  return sorted;
}

/** RFC 9591 §4.3 encode_group_commitment_list: Σ SerializeScalar(id) || SerializeElement(D) || SerializeElement(E). */
export function encodeCommitmentList(cs: FrostCiphersuite, sorted: readonly SignerCommitment[]): Bytes {
  const parts: Bytes[] = [];
  for (const c of sorted)
    parts.push(cs.suite.encodeScalar(c.id), cs.suite.encodePoint(c.D), cs.suite.encodePoint(c.E));
  return concatBytes(...parts);
}

/**
 * RFC 9591 §4.4 compute_binding_factors (the list is sorted by identifier first). Returns rho_input per signer (for test vectors) and the
 * binding factor ρ_i = H1(rho_input). The prefix binds the group key, the message (H4) and the
 * FULL commitment list (H5): the ROS defence (protocols.md §3.5).
 */
export function computeBindingFactors(
  cs: FrostCiphersuite,
  key: SigningKey,
  commitments: readonly SignerCommitment[],
  message: Bytes,
): { inputs: Map<PartyId, Bytes>; rho: Map<PartyId, bigint> } {
  const sorted = sortCommitments(commitments);
  const prefix = concatBytes(
    key.bindingKey,
    cs.hashes.H4(message),
    cs.hashes.H5(encodeCommitmentList(cs, sorted)),
  );
  const inputs = new Map<PartyId, Bytes>();
  const rho = new Map<PartyId, bigint>();
  for (const c of sorted) {
    const input = concatBytes(prefix, cs.suite.encodeScalar(c.id));
    inputs.set(c.party, input);
    rho.set(c.party, cs.hashes.H1(input));
  }
  return { inputs, rho };
}

/**
 * Binding factors, group commitment (RFC 9591 §4.5) and challenge (§4.6) for one signing
 * session. Throws `RangeError` when R is the identity (no valid signature exists for it).
 */
export function prepareSigning(
  cs: FrostCiphersuite,
  key: SigningKey,
  commitments: readonly SignerCommitment[],
  message: Bytes,
  own?: OwnNonces,
): SigningPackage {
  const list = sortCommitments(commitments);
  const { rho } = computeBindingFactors(cs, key, list, message);
  let R = cs.suite.identity;
  const points: GroupPoint[] = [];
  const scalars: bigint[] = [];
  for (const c of list) {
    const rhoC = rho.get(c.party) as bigint;
    if (own && c.party === own.party) {
      // A signer knows its own nonces: D_i + ρ_i·E_i = (d_i + ρ_i·e_i)·G, one constant-time
      // fixed-base multiplication instead of a variable-base one. The point is the same.
      R = R.add(cs.suite.mulBase(cs.suite.Fn.add(own.hiding, cs.suite.Fn.mul(own.binding, rhoC))));
    } else {
      R = R.add(c.D);
      points.push(c.E);
      scalars.push(rhoC);
    }
  }
  R = R.add(cs.suite.msm(points, scalars));
  if (R.is0()) throw new RangeError('group commitment is the identity');
  const nonceFactor = cs.nonceFactor(R);
  const Rprime = nonceFactor === 1n ? R : R.negate();
  const c = cs.challenge(Rprime, key, message);
  return { list, ids: list.map((x) => x.id), rho, R, nonceFactor, Rprime, c, key };
}

/** The calling signer's own nonces, so `prepareSigning` can use a fixed-base multiplication. */
export type OwnNonces = { readonly party: PartyId; readonly hiding: bigint; readonly binding: bigint };

/**
 * RFC 9591 §5.2 sign: z_i = d_i + e_i·ρ_i + λ_i·s_i·c, generalised for BIP340:
 * z_i = f·(d_i + e_i·ρ_i) + λ_i·c·(g·gacc)·s_i with f = nonceFactor.
 */
export function signShare(
  cs: FrostCiphersuite,
  pkg: SigningPackage,
  party: PartyId,
  id: bigint,
  signingShare: bigint,
  hidingNonce: bigint,
  bindingNonce: bigint,
): bigint {
  const { Fn } = cs.suite;
  const rho = pkg.rho.get(party);
  if (rho === undefined) throw new RangeError('signer is not in the commitment list');
  const lambda = lagrangeAtZero(cs.suite, pkg.ids, id);
  const nonce = Fn.mul(pkg.nonceFactor, Fn.add(hidingNonce, Fn.mul(bindingNonce, rho)));
  const keyPart = Fn.mul(Fn.mul(lambda, pkg.c), Fn.mul(pkg.key.shareFactor, signingShare));
  return Fn.add(nonce, keyPart);
}

/**
 * RFC 9591 §5.4 verify_signature_share: z_i·G == f·(D_i + ρ_i·E_i) + (c·λ_i·g·gacc)·PK_i.
 * All inputs are public, so the variable-time MSM is fine.
 */
export function verifyShare(
  cs: FrostCiphersuite,
  pkg: SigningPackage,
  party: PartyId,
  verifyingShare: GroupPoint,
  z: bigint,
): boolean {
  const { Fn } = cs.suite;
  const entry = pkg.list.find((c) => c.party === party);
  const rho = pkg.rho.get(party);
  if (!entry || rho === undefined) return false;
  const lambda = lagrangeAtZero(cs.suite, pkg.ids, entry.id);
  const f = pkg.nonceFactor;
  const kf = Fn.mul(Fn.mul(pkg.c, lambda), pkg.key.shareFactor);
  // f·D + (f·ρ)·E + kf·PK_i, one MSM.
  const rhs = cs.suite.msm([entry.D, entry.E, verifyingShare], [f, Fn.mul(f, rho), kf]);
  return cs.suite.mulBasePublic(z).equals(rhs);
}

/** RFC 9591 §5.3 aggregate: z = Σ z_i (+ c·g·tacc for tweaked BIP340 keys). */
export function aggregateShares(
  cs: FrostCiphersuite,
  pkg: SigningPackage,
  shares: readonly bigint[],
): bigint {
  const { Fn } = cs.suite;
  let z = Fn.mul(pkg.c, pkg.key.tweakTerm);
  for (const zi of shares) z = Fn.add(z, zi);
  return z;
}

/** The single verification of the aggregate: z·G == R' + c·effective key. */
export function verifyAggregate(cs: FrostCiphersuite, pkg: SigningPackage, z: bigint): boolean {
  return verifyEquation(cs, pkg.key, pkg.Rprime, pkg.c, z);
}

/** z·G == R' + c·effective key: the verifier's equation, strict (no cofactor). */
export function verifyEquation(
  cs: FrostCiphersuite,
  key: SigningKey,
  Rprime: GroupPoint,
  c: bigint,
  z: bigint,
): boolean {
  return cs.suite.mulBasePublic(z).equals(Rprime.add(cs.suite.mulRepeated(key.effective, c)));
}
