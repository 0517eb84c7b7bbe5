/**
 * Threshold decryption: ECIES to a group key with TDH2-style ciphertext validity.
 *
 * Implements the hashed-ElGamal/ECIES variant of Shoup and Gennaro's TDH2 ("Securing Threshold
 * Cryptosystems against Chosen Ciphertext Attack", EUROCRYPT 1998 / J. Cryptology 2002): the
 * ciphertext carries Ū = r·Ḡ for an independent generator Ḡ and a Chaum–Pedersen proof ("Wallet
 * Databases with Observers", CRYPTO 1992) that log_G U = log_Ḡ Ū, bound to the label, so nodes
 * release decryption shares x_i·U only for well-formed ciphertexts under the label they
 * authorised; each share carries its own Chaum–Pedersen proof (log_G X_i = log_U D_i).
 *
 * Intentional divergences (docs/protocols/decrypt.md §7):
 * - The data encapsulation is HKDF-SHA256 + AES-256-GCM (SEC 1 ECIES style) instead of TDH2's
 *   one-time pad H(h^r) ⊕ m; the key derivation binds suite, version, Y, U and label.
 * - The label travels inside the ciphertext (as in TDH2) and every function also takes the label
 *   the caller expects, so a mismatch is its own error, not a generic proof failure.
 * - The validity-proof challenge also hashes Y, the suite and the version; Ḡ is an RFC 9380
 *   hash_to_curve output; every hash goes through the tkms transcript (length-prefixed).
 * - Proof nonces of decryption shares are hedged (randomness plus the share), and every output is
 *   self-checked before it is released.
 */
export { decodeCiphertext, encodeCiphertext, verifyCiphertext } from './ciphertext.ts';
export { type CombineDecryptionResult, combineDecryption, type RejectedPartial } from './combine.ts';
export { encryptToKey } from './encrypt.ts';
export { SECOND_GENERATOR_DST, secondGenerator } from './group.ts';
export { decodePartial, encodePartial, partialDecrypt } from './partial.ts';
export {
  CIPHERTEXT_VERSION,
  type CombineDecryptionParams,
  DECRYPT_PROTOCOL,
  type DecodedCiphertext,
  type DecodedPartial,
  type DecryptionKeyPackage,
  ECIES_P256_KEY_TYPE,
  type EncryptParams,
  MAX_LABEL_BYTES,
  MAX_PLAINTEXT_BYTES,
  PARTIAL_VERSION,
  type PartialDecryptParams,
  type VerifiedCiphertext,
  type VerifyCiphertextParams,
} from './types.ts';
