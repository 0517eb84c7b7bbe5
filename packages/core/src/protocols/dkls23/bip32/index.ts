/**
 * Hierarchical derivation for DKLs23 threshold ECDSA keys: BIP-0032 public (non-hardened) child
 * derivation on secp256k1 and its SLIP-0010 counterpart on P-256, the additive tweak the key shares
 * need, xpub serialisation, and a commit-then-reveal jointly generated chain code.
 *
 * Intentional divergences: none in the formulas. Hardened steps are refused (no party holds the
 * parent private key that they hash); on secp256k1 an invalid child (probability < 2^-127) is an
 * error as BIP-0032 says, on P-256 it is retried as SLIP-0010 says.
 */
export {
  CONTRIBUTION_BYTES,
  type Contribution,
  combineChainCode,
  contributeChainCode,
} from './chain-code.ts';
export {
  type Bip32Curve,
  type DerivedKey,
  deriveChild,
  derivePath,
  fingerprint,
  HARDENED_OFFSET,
  parsePath,
} from './ckd.ts';
export { decodeXpub, type ExtendedPublicKey, encodeXpub, TPUB_VERSION, XPUB_VERSION } from './xpub.ts';
