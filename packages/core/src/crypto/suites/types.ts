/**
 * The one interface between tkms protocols and elliptic-curve arithmetic. Every protocol is
 * written once against `Suite`; a suite is a thin instantiation over @noble/curves today and can
 * be replaced by a faster (WASM/native) backend without touching protocol code.
 *
 * Contract:
 * - `decodePoint` is the only way bytes become a point. It accepts exactly the canonical encoding,
 *   rejects the identity and (ed25519) anything outside the prime-order subgroup. Decoding is
 *   expensive on ed25519 (torsion check ≈ 0.7 ms), so protocols decode each received point once
 *   and pass `GroupPoint` values around; suites memoise recent decodings of identical bytes.
 * - `mulBase` is for secret scalars (constant-time path); `mulBasePublic`, `msm` and
 *   `GroupPoint.multiplyUnsafe` are variable-time and only for public scalars and points.
 * - Scalars are `bigint` in [0, order). `decodeScalar` rejects non-canonical encodings (≥ order).
 * - A host may install a native backend for a suite (ristretto255: `setRistretto255Backend`); it
 *   changes speed only. Every result is the one noble gives, and `decodePoint` still runs noble's
 *   checks; `EncodedArithmetic.validatePoint` runs the backend's, which must refuse the same bytes
 *   (checked against noble when the backend is installed).
 */
import type { IField } from '@noble/curves/abstract/modular.js';
import type { Bytes } from '../bytes.ts';

export type SuiteName = 'ed25519' | 'secp256k1' | 'p256' | 'ristretto255';

/** Injected randomness, as in `SessionContext.random`. */
export type RandomSource = (n: number) => Bytes;

/**
 * A validated group element. The methods are the common subset of noble's point classes;
 * mixing points of two suites is a programming error (not checked at the type level).
 */
export interface GroupPoint {
  add(other: GroupPoint): GroupPoint;
  subtract(other: GroupPoint): GroupPoint;
  negate(): GroupPoint;
  equals(other: GroupPoint): boolean;
  is0(): boolean;
  /** Variable-time: public scalars only. Accepts 0 (returns the identity). */
  multiplyUnsafe(k: bigint): GroupPoint;
  /** Constant-time path for a secret scalar in [1, order); use `mulSecret`, which checks k ≠ 0. */
  multiply(k: bigint): GroupPoint;
}

/**
 * RFC 9591 §6 hash functions of one FROST ciphersuite, plus HDKG (the proof-of-knowledge
 * challenge hash used by the FROST DKG, contextString || "dkg").
 */
export interface FrostHashes {
  readonly contextString: string;
  /** Binding factor: contextString || "rho". */
  H1(m: Bytes): bigint;
  /** Challenge: RFC 9591 H2 (undecorated SHA-512 for ed25519 per RFC 8032). */
  H2(m: Bytes): bigint;
  /** Nonce derivation: contextString || "nonce". */
  H3(m: Bytes): bigint;
  /** Message hash: contextString || "msg". */
  H4(m: Bytes): Bytes;
  /** Commitment-list hash: contextString || "com". */
  H5(m: Bytes): Bytes;
  /** DKG proof-of-knowledge challenge: contextString || "dkg". */
  HDKG(m: Bytes): bigint;
}

/**
 * Group arithmetic on canonical encodings, for protocols whose intermediate elements are only
 * hashed or sent (the OPRF evaluation and its DLEQ proof, the DKLs23 base OTs). Offered by
 * `Suite.encodedArithmetic` only while a native backend is installed, because only there does it
 * pay: a point⇄bytes conversion costs as much as a native multiplication (ristretto255 in noble:
 * encode ≈ 80 µs, decode ≈ 130 µs; libsodium multiplication ≈ 135 µs).
 *
 * Inputs must be encodings that `decodePoint` or `validatePoint` accepted or that these functions
 * returned; the results are canonical encodings, bit-identical to encoding the `GroupPoint`
 * result. A result that is the identity throws `RangeError`, as `encodePoint` does.
 */
export interface EncodedArithmetic {
  /** k·P for a secret k in [1, order), on a constant-time path. */
  mulSecret(P: Bytes, k: bigint): Bytes;
  /** k·G for a secret k in [1, order), on a constant-time path. */
  mulBase(k: bigint): Bytes;
  /** Σ scalars[i]·points[i] for public inputs, scalars in [0, order). */
  msm(points: readonly Bytes[], scalars: readonly bigint[]): Bytes;
  /** P + Q. */
  add(P: Bytes, Q: Bytes): Bytes;
  /** P − Q. */
  subtract(P: Bytes, Q: Bytes): Bytes;
  /**
   * The element a suite's hash-to-group derives from uniform bytes (ristretto255: the RFC 9496
   * §4.3.4 one-way map of 64 bytes), for a protocol that hashes with its own XOF.
   */
  fromUniformBytes(uniform: Bytes): Bytes;
  /**
   * Throws `RangeError` unless `bytes` is an encoding `decodePoint` accepts (exactly
   * `pointLength` bytes, canonical, not the identity): the same bytes are refused, without
   * building a point. The message may name another reason than `decodePoint`'s.
   */
  validatePoint(bytes: Bytes): void;
}

export interface Suite {
  readonly name: SuiteName;
  /** Scalar field (noble `Fn`): add, sub, mul, neg, inv, … modulo the group order. */
  readonly Fn: IField<bigint>;
  readonly order: bigint;
  readonly scalarLength: number;
  readonly pointLength: number;
  readonly G: GroupPoint;
  readonly identity: GroupPoint;
  /** Canonical, non-identity, prime-order. Throws `RangeError` otherwise. */
  decodePoint(bytes: Bytes): GroupPoint;
  /**
   * Canonical, on the curve, not the identity, but NOT checked for prime order (identical to
   * `decodePoint` on cofactor-1 curves). Only for points whose every use ends in an equation that
   * no point with a torsion component can satisfy — the aggregator's final signature check — so
   * skipping the (ed25519: ≈0.7 ms) subgroup check there changes no outcome.
   */
  decodePointSkipSubgroup(bytes: Bytes): GroupPoint;
  /** Canonical encoding. Throws `RangeError` for the identity, which has no wire encoding here. */
  encodePoint(p: GroupPoint): Bytes;
  /** Exactly `scalarLength` bytes, value < order. Throws `RangeError` otherwise. */
  decodeScalar(bytes: Bytes): bigint;
  encodeScalar(k: bigint): Bytes;
  /** k·G for a secret k (constant-time path); k = 0 gives the identity. */
  mulBase(k: bigint): GroupPoint;
  /** k·G for a public k (variable-time, faster). */
  mulBasePublic(k: bigint): GroupPoint;
  /**
   * k·P for a public P that is multiplied again and again (a group key in an aggregator):
   * variable-time; after a few uses of the same point object it gets a precomputed window table
   * (~0.7-1.2 ms → ~0.15 ms per multiplication, ~10 ms once to build). Public inputs only.
   */
  mulRepeated(p: GroupPoint, k: bigint): GroupPoint;
  /**
   * k·P for a secret k on the constant-time path, for a P multiplied again and again (a group key
   * in an encrypting client); same table rule as `mulRepeated`. Never for attacker-chosen points:
   * a table per such point would be a memory lever.
   */
  mulSecretRepeated(p: GroupPoint, k: bigint): GroupPoint;
  /** Builds the window table for a point that is always reused (a fixed second generator) now. */
  withTable(p: GroupPoint): GroupPoint;
  /** Σ scalars[i]·points[i], variable-time: public inputs only. Empty input gives the identity. */
  msm(points: readonly GroupPoint[], scalars: readonly bigint[]): GroupPoint;
  /**
   * Arithmetic on encodings while a native backend is installed for this suite, else null (then
   * use the `GroupPoint` methods). See `EncodedArithmetic`.
   */
  encodedArithmetic(): EncodedArithmetic | null;
  /** Uniform non-zero scalar from injected randomness (wide reduction, bias < 2^-128). */
  randomScalar(random: RandomSource): bigint;
  /** RFC 9591 hashes of this suite's FROST ciphersuite. */
  readonly frost: FrostHashes;
}
