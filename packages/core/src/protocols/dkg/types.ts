import type { Bytes } from '../../crypto/bytes.ts';
import type { SecretBytes } from '../../crypto/secret.ts';
import type { GroupPoint, Suite, SuiteName } from '../../crypto/suites/types.ts';
import type { PartyId } from '../../engine/types.ts';

/** Engine protocol id for DKG sessions. */
export const DKG_PROTOCOL = 'tkms/dkg-pedpop/v1';

export type DkgParams = { readonly suite: SuiteName; readonly threshold: number };

/**
 * A finished DKG: this party's key share (assignable to `KeyShare`) plus the hash every party
 * confirmed in round 3.
 */
export type DkgOutput = {
  readonly suite: SuiteName;
  readonly threshold: number;
  readonly parties: PartyId[];
  /** FROST identifier of each party: hex of the suite's scalar encoding of index+1. */
  readonly identifiers: Record<PartyId, string>;
  /** Compressed group key: 32 B (ed25519) or 33 B SEC1 (secp256k1). */
  readonly groupPublicKey: Bytes;
  readonly verifyingShares: Record<PartyId, Bytes>;
  readonly signingShare: SecretBytes;
  /** Confirmation hash over ssid, suite, threshold, group key, every verifying share and the round-1 transcript. */
  readonly transcriptHash: Bytes;
};

/** Session facts every round needs. */
export type DkgSession = {
  readonly suite: Suite;
  readonly ssid: Bytes;
  readonly self: PartyId;
  readonly parties: readonly PartyId[];
  readonly others: readonly PartyId[];
  readonly threshold: number;
  /** FROST identifier i+1 for the party at sorted index i. */
  readonly ids: ReadonlyMap<PartyId, bigint>;
};

/** A verified round-1 broadcast: Feldman commitments C_{i,0..t-1}, decoded once. */
export type Round1Package = {
  readonly commitments: readonly GroupPoint[];
  readonly payload: Bytes;
};
