import type { Bytes } from '../../../crypto/bytes.ts';
import type { SecretBytes } from '../../../crypto/secret.ts';
import type { GroupPoint, RandomSource, Suite } from '../../../crypto/suites/types.ts';
import type { PartyId } from '../../../engine/types.ts';
import type { KeyShare } from '../../key-share.ts';
import type { MulPairState, MulReceiverPending, TwoPartyMultiplication } from '../mul/types.ts';

/** Engine protocol id of the three-round signing session (Protocol 3.6 with the digest known at start). */
export const DKLS23_SIGN_PROTOCOL = 'tkms/dkls23-sign/v1';
/** Engine protocol id of rounds 1-2 run ahead of the message (presigning). */
export const DKLS23_PRESIGN_PROTOCOL = 'tkms/dkls23-presign/v1';
/** Engine protocol id of the one-round online signing that consumes a presignature. */
export const DKLS23_ONLINE_PROTOCOL = 'tkms/dkls23-online/v1';

/** The curves ECDSA signing is offered on. */
export type EcdsaSuiteName = 'secp256k1' | 'p256';

/**
 * This party's two 2P-MUL states with one peer: `receiver` for the instance where this party is
 * the receiver (holds χ) and the peer the sender, `sender` for the reverse direction.
 */
export type MulPeerStates = { readonly sender: MulPairState; readonly receiver: MulPairState };

/** What rounds 1-2 need: the key share, the signer set and the per-peer setup of DKLs23. */
export type Dkls23PresignParams = {
  /** A secp256k1 or p256 key share from the DKG (`KeyShare`/`DkgOutput`). */
  readonly key: KeyShare;
  /** The signer set S: equal to `ctx.parties`, inside `key.parties`, at least `key.threshold` members. */
  readonly signers: readonly PartyId[];
  /**
   * Pairwise zero-sharing seeds, one per other signer (produced at key setup, the same bytes on
   * both sides of a pair; at least 16 bytes).
   */
  readonly zeroSeeds: Readonly<Record<PartyId, SecretBytes>>;
  /** The 2P-MUL implementation (the OT-based one, or a test double in tests). */
  readonly mul: TwoPartyMultiplication;
  /** The pairwise 2P-MUL states, one entry per other signer. */
  readonly mulStates: Readonly<Record<PartyId, MulPeerStates>>;
  /**
   * Additive key tweak t (32-byte canonical scalar, e.g. `deriveChild(...).tweak`): the signature
   * is made under PK + t·G. The first signer (sorted) adds t to its additive share.
   */
  readonly tweak?: Bytes;
};

/** The full three-round session: rounds 1-2 plus the digest for round 3. */
export type Dkls23SignParams = Dkls23PresignParams & {
  /** The 32-byte message digest (the caller hashes: SHA-256, Keccak-256, …). */
  readonly digest: Bytes;
};

/** Online signing with a stored presignature. */
export type Dkls23OnlineParams = {
  /** This party's presignature; marked used by `startDkls23Online` before any value leaves. */
  readonly presignature: Presignature;
  /** The signer set; must equal `presignature.signers` and `ctx.parties`. */
  readonly signers: readonly PartyId[];
  readonly digest: Bytes;
  /**
   * Additive tweak applied on top of the presignature's key (non-hardened derivation chosen after
   * presigning): the signature is made under `presignature.publicKey + t·G`.
   */
  readonly tweak?: Bytes;
};

/** A finished ECDSA signature, verified (with @noble/curves) before it is returned. */
export type EcdsaSignatureOutput = {
  readonly suite: EcdsaSuiteName;
  /** 33-byte compressed public key the signature verifies under (the child key when tweaked). */
  readonly publicKey: Bytes;
  readonly digest: Bytes;
  /** 32-byte big-endian r = x(R) mod q. */
  readonly r: Bytes;
  /** 32-byte big-endian s, low-S (s ≤ q/2). */
  readonly s: Bytes;
  /** r || s (64 bytes), the "compact" encoding. */
  readonly signature: Bytes;
  /** Recovery id 0-3: bit 0 = parity of the y of the R that verifies, bit 1 = x(R) ≥ q. */
  readonly recovery: number;
};

/**
 * One party's presignature: the output of rounds 1-2 of Protocol 3.6 (R and this party's shares
 * u_i, v_i, φ_i with Σu = r·φ and Σv = sk·φ). Secret; the node stores it sealed and persists
 * `used = true` before any online value computed from it leaves the node.
 */
export type Presignature = {
  readonly version: 1;
  readonly suite: EcdsaSuiteName;
  /** The presigning session's ssid: names the presignature on every signer. */
  readonly id: Bytes;
  readonly self: PartyId;
  readonly signers: readonly PartyId[];
  /** The key the presignature signs for (PK, or PK + t·G when a tweak was given at presigning). */
  readonly publicKey: Bytes;
  /** R = Σ R_j, compressed. */
  readonly R: Bytes;
  /** encodeFields([φ_i, u_i, v_i]) as scalars; wiped when consumed. */
  readonly secret: SecretBytes;
  /** Set once the presignature was consumed (or refused); a used presignature never signs again. */
  used: boolean;
};

/** Session facts shared by the rounds. */
export type SignSession = {
  readonly suite: Suite;
  readonly suiteName: EcdsaSuiteName;
  readonly ssid: Bytes;
  readonly self: PartyId;
  /** S, sorted. */
  readonly signers: readonly PartyId[];
  readonly others: readonly PartyId[];
  readonly mul: TwoPartyMultiplication;
  readonly mulStates: Readonly<Record<PartyId, MulPeerStates>>;
  /** λ_j(S) and PK_j of every signer (public; read only to name the culprit of a bad pk_j). */
  readonly lambdas: ReadonlyMap<PartyId, bigint>;
  readonly verifyingShares: ReadonlyMap<PartyId, GroupPoint>;
  /** The key Σ pk_j must equal: PK (+ t·G). */
  readonly publicKey: GroupPoint;
  /** The key before the tweak (a decoded, cached point: the final check multiplies it) and t. */
  readonly groupKey: GroupPoint;
  readonly tweak: bigint;
  /** The signer who adds the tweak t (the first of S), and t·G (identity when no tweak). */
  readonly tweakHolder: PartyId;
  readonly tweakPoint: GroupPoint;
  readonly random: RandomSource;
};

/** This party's round-1 secrets; the scalars are dropped when round 2 finalizes. */
export type Round1Secrets = {
  /** Instance key r_i and inversion mask φ_i. */
  r: bigint;
  phi: bigint;
  /** sk_i = λ_i(S)·p(i) + ζ_i (+ t for the tweak holder). */
  sk: bigint;
  readonly R: GroupPoint;
  readonly Rbytes: Bytes;
  /** Per peer j: the salt of the commitment to R_i sent to j. */
  readonly salts: ReadonlyMap<PartyId, Bytes>;
  /** Per peer j: our pending receiver state for the instance (receiver i, sender j), with χ_{i,j}. */
  readonly pending: ReadonlyMap<PartyId, MulReceiverPending>;
  /** Per peer k: z_{i,k} = PRF(seed_ik, ssid), the pairwise zero-share terms (ζ_i = Σ ±z_{i,k}). */
  readonly zeroTerms: ReadonlyMap<PartyId, bigint>;
};
