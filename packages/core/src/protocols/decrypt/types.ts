import type { Bytes } from '../../crypto/bytes.ts';
import type { RandomSource, SuiteName } from '../../crypto/suites/types.ts';
import type { PartyId } from '../../engine/types.ts';
import type { KeyShare, PublicKeyPackage } from '../key-share.ts';

/** Protocol name, for session ids, audit records and envelope headers. */
export const DECRYPT_PROTOCOL = 'tkms/ecies-tdh2/v1';

/** The key type this protocol serves by default (DKG over P-256, decryption by this module). */
export const ECIES_P256_KEY_TYPE = 'ecies-p256';

/** Version byte of the ciphertext and partial-decryption encodings defined here. */
export const CIPHERTEXT_VERSION = 1;
export const PARTIAL_VERSION = 1;

/** Longest label a ciphertext can carry (it is hashed, authenticated and sent with every request). */
export const MAX_LABEL_BYTES = 1024;
/** Longest plaintext: the scheme is for data keys and small secrets, not bulk data. */
export const MAX_PLAINTEXT_BYTES = 65_536;

/** AES-256-GCM tag length. */
export const TAG_BYTES = 16;

export type EncryptParams = {
  readonly suite: SuiteName;
  /** The group public key Y = x·G (canonical compressed encoding). */
  readonly publicKey: Bytes;
  readonly plaintext: Bytes;
  /**
   * Public context the ciphertext is bound to (tenant, object, field, key version …). Nodes
   * release a decryption share only for the label their policy authorised.
   */
  readonly label: Bytes;
  readonly random: RandomSource;
};

export type VerifyCiphertextParams = {
  readonly suite: SuiteName;
  readonly publicKey: Bytes;
  readonly ciphertext: Bytes;
  /** The label the caller authorised; the ciphertext must carry exactly this label. */
  readonly label: Bytes;
};

/** A decoded ciphertext. Every field is public. */
export type DecodedCiphertext = {
  readonly version: number;
  readonly suite: SuiteName;
  readonly label: Bytes;
  /** U = r·G */
  readonly U: Bytes;
  /** Ū = r·Ḡ */
  readonly Ubar: Bytes;
  /** Fiat–Shamir challenge e and response f of the validity proof. */
  readonly e: Bytes;
  readonly f: Bytes;
  /** AES-256-GCM ciphertext followed by its 16-byte tag. */
  readonly body: Bytes;
};

/** What `verifyCiphertext` returns: the decoded ciphertext and its digest (what partials bind to). */
export type VerifiedCiphertext = DecodedCiphertext & {
  /** hashTranscript("decrypt/ciphertext", [ciphertext]): binds partial decryptions to it. */
  readonly digest: Bytes;
};

export type PartialDecryptParams = {
  /** This node's key share (a `DkgOutput` is one). */
  readonly key: KeyShare;
  /** This node's party id in the key. */
  readonly party: PartyId;
  readonly ciphertext: Bytes;
  /** The label this node's policy authorised for this request. */
  readonly label: Bytes;
  readonly random: RandomSource;
};

/** The public key material the combiner needs (a `PublicKeyPackage` is one). */
export type DecryptionKeyPackage = Pick<
  PublicKeyPackage,
  'suite' | 'threshold' | 'identifiers' | 'verifyingShares' | 'groupPublicKey'
>;

export type CombineDecryptionParams = {
  readonly key: DecryptionKeyPackage;
  readonly ciphertext: Bytes;
  readonly label: Bytes;
  /** Partial decryptions by party id, as each node returned them. */
  readonly partials: Readonly<Record<PartyId, Bytes>>;
};

/** A decoded partial decryption. Every field is public. */
export type DecodedPartial = {
  readonly version: number;
  readonly suite: SuiteName;
  /** D_i = x_i·U */
  readonly D: Bytes;
  /** Chaum–Pedersen challenge c and response z. */
  readonly c: Bytes;
  readonly z: Bytes;
};
