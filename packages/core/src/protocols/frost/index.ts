/**
 * FROST threshold Schnorr signing.
 *
 * Implements RFC 9591 ("The Flexible Round-Optimized Schnorr Threshold (FROST) Protocol for
 * Two-Round Schnorr Signatures", Connolly, Komlo, Goldberg, Wood, 2024) for FROST(Ed25519,
 * SHA-512) and FROST(secp256k1, SHA-256), and a BIP340 mode following the draft BIP "FROST
 * Signing for BIP340-compatible Threshold Signatures" (Dhakshinamoorthy) for key parity, nonce
 * parity and BIP327-style tweaks (BIP341 Taproot).
 *
 * Intentional divergences (docs/protocols/frost.md §7):
 * - No coordinator: commitments are broadcast with an echo check, every signer computes the same
 *   commitment list, and each returns z_i; the SDK aggregates.
 * - BIP340 mode keeps RFC 9591's per-signer binding factors (H1 over the full list) with context
 *   "FROST-secp256k1-BIP340-v1" instead of the draft BIP's single nonce coefficient, so partial
 *   signatures are not interchangeable with the draft BIP's; final signatures are plain BIP340.
 * - A group commitment equal to the identity aborts instead of being replaced by G.
 */
export { aggregateFrost, displayPublicKey, verifyFrostSignature } from './aggregate.ts';
export type { FrostMode, Taproot } from './ciphersuite.ts';
export { startFrostSign } from './sign.ts';
export {
  type AggregateFrostParams,
  type EncodedCommitments,
  FROST_SIGN_PROTOCOL,
  type FrostShareOutput,
  type FrostSignParams,
} from './types.ts';
