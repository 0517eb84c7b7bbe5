import type { Bytes } from '../../../crypto/bytes.ts';
import type { SecretBytes } from '../../../crypto/secret.ts';
import type { RandomSource } from '../../../crypto/suites/types.ts';
import type { PartyId } from '../../../engine/types.ts';
import type { Contribution } from '../bip32/chain-code.ts';
import type { MulPairState, MulSetupPending } from '../mul/index.ts';
import type { EcdsaSuiteName, MulPeerStates } from '../sign/types.ts';
import type { ZeroSeedContribution } from './zero-seed.ts';

/** Engine protocol id of the DKLs23 key setup (three rounds, run by all key holders after the DKG). */
export const DKLS23_SETUP_PROTOCOL = 'tkms/dkls23-setup/v1';

/** What every key holder passes; all of it must be the same on every party. */
export type Dkls23SetupParams = {
  /** The key's curve. */
  readonly suite: EcdsaSuiteName;
  /** Every holder of the key (the DKG's `parties`), sorted; must equal `ctx.parties`. */
  readonly parties: readonly PartyId[];
  /** The DKG's group key (33-byte compressed SEC1); bound into every commitment and the confirmation. */
  readonly groupPublicKey: Bytes;
};

/**
 * This party's DKLs23 key material besides its Shamir share. The node stores each 2P-MUL state
 * with `encodeMulState` (sealed) and each zero seed sealed; the chain code is public.
 */
export type Dkls23SetupOutput = {
  readonly suite: EcdsaSuiteName;
  readonly parties: PartyId[];
  readonly groupPublicKey: Bytes;
  /** 32-byte BIP32 chain code, the same on every party. */
  readonly chainCode: Bytes;
  /** Per peer: this party as 2P-MUL sender towards the peer and as receiver from it. */
  readonly mulStates: Record<PartyId, MulPeerStates>;
  /** Per peer: the pairwise zero-sharing seed (32 bytes; the peer holds the same bytes). */
  readonly zeroSeeds: Record<PartyId, SecretBytes>;
  /** The round-3 confirmation hash every party agreed on. */
  readonly transcriptHash: Bytes;
};

/** Session facts every round needs. */
export type SetupSession = {
  readonly suite: EcdsaSuiteName;
  readonly groupPublicKey: Bytes;
  /** H(ssid, suite, PK, parties): what every commitment, pair session id and hash binds. */
  readonly sid: Bytes;
  readonly self: PartyId;
  readonly parties: readonly PartyId[];
  readonly others: readonly PartyId[];
  readonly random: RandomSource;
};

/** This party's round-1 state, kept until round 2 finalizes. */
export type SetupRound1Secrets = {
  readonly chain: Contribution;
  /** Per peer: our contribution to the pair's zero seed (opened to that peer only). */
  readonly zero: ReadonlyMap<PartyId, ZeroSeedContribution>;
  /** Per peer: our pending as 2P-MUL receiver (base-OT sender) and the setup message we sent. */
  readonly pending: ReadonlyMap<PartyId, OwnSetupStart>;
  /** Our round-1 broadcast, for the round-1 transcript. */
  readonly payload: Bytes;
};

/** Our first setup message to a peer (as Bob) and the secret it needs to finish. */
export type OwnSetupStart = { readonly pending: MulSetupPending; readonly message: Bytes };

/** What round 1 leaves for the later rounds, from every peer. */
export type SetupRound1Carry = {
  /** Hash of every party's round-1 broadcast (echo-checked, so the same everywhere). */
  readonly transcript: Bytes;
  readonly chainCommitments: ReadonlyMap<PartyId, Bytes>;
  /** Per peer j: j's commitment to its contribution to seed_{j,self}. */
  readonly zeroCommitments: ReadonlyMap<PartyId, Bytes>;
  /** Per peer j: our state as 2P-MUL sender towards j. */
  readonly senderStates: ReadonlyMap<PartyId, MulPairState>;
  /** Per peer j: digest of the pair setup (sender self, receiver j) as we ran it. */
  readonly senderDigests: ReadonlyMap<PartyId, Bytes>;
};
