import type { Bytes } from '../../crypto/bytes.ts';
import type { PartyId } from '../../engine/types.ts';
import type { KeyShare } from '../key-share.ts';
import type { FrostMode, Taproot } from './ciphersuite.ts';

export type { FrostMode, Taproot } from './ciphersuite.ts';

/** Engine protocol id for FROST signing sessions. */
export const FROST_SIGN_PROTOCOL = 'tkms/frost-sign/v1';

export type FrostSignParams = {
  readonly key: KeyShare;
  /** The signing set; must equal `ctx.parties`, be a subset of `key.parties`, and have ≥ threshold members. */
  readonly signers: readonly PartyId[];
  readonly message: Bytes;
  readonly mode: FrostMode;
  /** BIP341 output-key tweak (bip340 mode only); merkleRoot is 0 or 32 bytes. */
  readonly taproot?: Taproot;
};

/** RFC 9591 SigningCommitments as sent on the wire. */
export type EncodedCommitments = { readonly hiding: Bytes; readonly binding: Bytes };

/** What one signer returns: the echo-checked commitment list and its signature share z_i. */
export type FrostShareOutput = {
  readonly commitments: Readonly<Record<PartyId, EncodedCommitments>>;
  readonly share: Bytes;
  /** The group commitment R this signer computed (public; lets an aggregator skip recomputing it). */
  readonly groupCommitment: Bytes;
};

export type AggregateFrostParams = {
  readonly mode: FrostMode;
  readonly groupPublicKey: Bytes;
  readonly verifyingShares: Readonly<Record<PartyId, Bytes>>;
  readonly identifiers: Readonly<Record<PartyId, string>>;
  readonly message: Bytes;
  /** Commitments of exactly the signers whose shares are given. */
  readonly commitments: Readonly<Record<PartyId, EncodedCommitments>>;
  readonly shares: Readonly<Record<PartyId, Bytes>>;
  readonly taproot?: Taproot;
  /**
   * R as the signers reported it. Only a hint: if the signature made with it verifies it is valid
   * whoever supplied R; otherwise R is recomputed from the commitments and every share checked.
   */
  readonly groupCommitment?: Bytes;
};
