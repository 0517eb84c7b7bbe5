/**
 * JSON shapes of the node HTTP API (/v1), shared by the node (which validates them with zod) and
 * the SDK. Bytes travel as lower-case hex.
 */
import type { KeyPurpose, KeyType } from '../keys/key-types.ts';

export type KeyStatus = 'pending' | 'active' | 'failed' | 'disabled';

export type CreateKeyRequest = {
  /** Client-chosen id, the same at every node (`k_` + 32 hex by default in the SDK). */
  id: string;
  type: KeyType;
  threshold: number;
  /** Every node that will hold a share, including the one addressed. */
  nodes: string[];
  /** 32 random bytes (hex), the same at every node: binds the DKG session id. */
  sessionNonce: string;
};

export type KeyInfo = {
  id: string;
  type: KeyType;
  /** What the key does: `sign`, `derive` (OPRF data keys) or `decrypt`. */
  purpose: KeyPurpose;
  /** Key version: data keys are bound to it (rotation gives a new version, so new data keys). */
  version: number;
  threshold: number;
  nodes: string[];
  /** Public key as the ecosystem expects it (RFC 8032 32 bytes; BIP340 x-only 32 bytes). */
  publicKey: string;
  /** Full group-key encoding (ed25519 32 bytes; secp256k1 33-byte SEC1 compressed). */
  groupKey: string;
  verifyingShares: Record<string, string>;
  identifiers: Record<string, string>;
  /** ECDSA keys: the jointly generated BIP32 chain code (32 bytes hex; public). */
  chainCode?: string;
  status: KeyStatus;
  createdAt: string;
  /** The node that answered. */
  node: string;
};

/** How many presignatures one sign request may name to be taken ahead (`nextPresignatureIds`). */
export const MAX_NEXT_PRESIGNATURES = 16;

export type SignRequest = {
  /**
   * Message bytes (hex). Ed25519 and BIP340 sign the message itself; ECDSA signs its SHA-256.
   * ECDSA keys take `digest` instead for a prehashed message (e.g. keccak256 for Ethereum).
   */
  message?: string;
  /** ECDSA only: the 32-byte digest to sign (hex). */
  digest?: string;
  /** ECDSA only: a non-hardened BIP32 path (`m/44/60/0/0/7`): sign with that child key. */
  path?: string;
  /** ECDSA only: sign in one round with this presignature (from `POST /v1/keys/{id}/presign`). */
  presignatureId?: string;
  /**
   * ECDSA only: presignatures this caller will sign with next (same signers), at most
   * `MAX_NEXT_PRESIGNATURES`. Each signer takes them now, all in one statement, off the critical
   * path of their signatures, so those need no database write before their round; ones not used
   * within minutes are burnt. Naming the next batch once per batch costs one take per batch.
   */
  nextPresignatureIds?: string[];
  /** The signing set (node ids), at least `threshold`, including the node addressed. */
  signers: string[];
  sessionNonce: string;
  /** BIP341: sign under the Taproot output key with this merkle root ("" for key-path only). */
  taproot?: { merkleRoot: string };
};

export type SignShareResponse = {
  keyId: string;
  node: string;
  /** Nonce commitments of every signer, as this node received them (echo-checked among signers). */
  commitments: Record<string, { hiding: string; binding: string }>;
  /** This node's signature share z_i. */
  share: string;
  /** The group commitment R this node computed (a hint for the aggregator, checked by verification). */
  groupCommitment: string;
};

export type PresignRequest = { signers: string[]; sessionNonce: string };
export type PresignResponse = { keyId: string; node: string; presignatureId: string; signers: string[] };

/**
 * ECDSA keys: fresh base OTs (both directions) between two holders, replacing their 2P-MUL
 * states; sent to both. The pair's zero-sharing seed and the key's chain code stay.
 */
export type PairSetupRequest = { nodes: [string, string]; sessionNonce: string };
export type PairSetupResponse = { keyId: string; node: string; peer: string; replaced: number };

/** An ECDSA signer's answer: every signer ends DKLs23 with the whole signature, already verified. */
export type EcdsaSignShareResponse = {
  keyId: string;
  node: string;
  scheme: 'ecdsa';
  /** The key the signature verifies under (the child key when a path was given), 33-byte SEC1. */
  publicKey: string;
  digest: string;
  /** r ‖ s, 64 bytes, low-S. */
  signature: string;
  /** 0 or 1 (2 and 3 only when r ≥ n − order difference, practically never). */
  recoveryId: number;
  path?: string;
};

export type HealthResponse = { status: 'ok'; node: string; version: string; peers: string[] };

/** Most items (objects, elements, ciphertexts) one derive or decrypt request may carry. */
export const MAX_BATCH_ITEMS = 1000;
/** Request bodies the SDK builds stay under this (a node's default body limit is 256 KiB). */
export const MAX_BATCH_BODY_BYTES = 200_000;

/** A position of a batch request a node refused, and why (its own policy, a malformed item…). */
export type RefusedItem = { index: number; code: string; reason: string };

export type DeriveRequest = {
  /**
   * Policy-bound mode: object paths. The node checks each against its own policy and maps it to
   * the OPRF element itself, so what it evaluates is exactly what it authorised.
   */
  objects?: string[];
  /** Oblivious mode: RFC 9497 blinded elements (hex); the node never learns the objects. Needs a whole-key grant. */
  blinded?: string[];
  /** A fresh X25519 public key (hex) of the requester: the answer is sealed to it. */
  requesterKey: string;
};

export type DeriveShareResponse = {
  keyId: string;
  node: string;
  /** The key version the node evaluated under (data keys are bound to it). */
  version: number;
  mode: 'object' | 'oblivious';
  /** Positions of the request this node evaluated, increasing. */
  indices: number[];
  refused: RefusedItem[];
  /** Box sealed to `requesterKey` (see `sealedAnswerContext`): encodeFields([proof, Z…]) for `indices`. */
  sealed: string;
};

export type DecryptRequest = {
  /** Ciphertexts (hex) made by `encryptToKey` for this key; each carries its label (the policy object). */
  ciphertexts: string[];
  requesterKey: string;
};

export type DecryptShareResponse = {
  keyId: string;
  node: string;
  indices: number[];
  refused: RefusedItem[];
  /** Box sealed to `requesterKey`: encodeFields([partial…]) for `indices`. */
  sealed: string;
};
