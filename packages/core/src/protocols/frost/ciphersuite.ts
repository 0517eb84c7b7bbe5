/**
 * The three FROST signing modes tkms runs on the suite interface:
 * - `ed25519`: FROST(Ed25519, SHA-512), RFC 9591 §6.1; signatures are RFC 8032 signatures.
 * - `secp256k1`: FROST(secp256k1, SHA-256), RFC 9591 §6.5; 65-byte signatures (R || z). Kept for
 *   the RFC test vectors; nodes sign secp256k1 keys in `bip340` mode.
 * - `bip340`: RFC 9591's two-round structure and per-signer binding factors with the context
 *   "FROST-secp256k1-BIP340-v1", the BIP340 challenge, x-only keys, even-y handling of the group
 *   key and of R, and BIP327-style tweak accumulation for BIP341 Taproot (as in the draft BIP
 *   "FROST Signing for BIP340-compatible Threshold Signatures"). Signatures are plain BIP340.
 *
 * A mode reduces to four hooks used by signer, aggregator and share verification alike:
 * the key the signature verifies under (with its secret-side factor and tweak), the factor
 * applied to nonces for a given R, the challenge, and the signature encoding.
 */
import { type Bytes, bytesToHex, concatBytes } from '../../crypto/bytes.ts';
import {
  bip340Challenge,
  bip340Frost,
  type TweakContext,
  taprootTweakContext,
  tweakContextInit,
  verifyBip340,
} from '../../crypto/suites/bip340.ts';
import { ed25519Suite } from '../../crypto/suites/ed25519.ts';
import { hasEvenY, secp256k1Suite, xOnly } from '../../crypto/suites/secp256k1.ts';
import type { FrostHashes, GroupPoint, Suite } from '../../crypto/suites/types.ts';

/** Public signing modes (what a key type signs with). */
export type FrostMode = 'ed25519' | 'bip340';
/** Every ciphersuite this implementation can run, including the RFC secp256k1 one. */
export type FrostCiphersuiteId = FrostMode | 'secp256k1';

export type Taproot = { readonly merkleRoot: Bytes };

/** The key a signature verifies under, as signers and the aggregator see it. */
export type SigningKey = {
  /** Key whose encoding enters the binding factor (RFC 9591 §4.4 group_public_key). */
  readonly bindingKey: Bytes;
  /** Key the final equation uses: z·G = R' + c·effective. */
  readonly effective: GroupPoint;
  /** Multiplies each signer's share s_i (BIP327 g·gacc; 1 in RFC modes). */
  readonly shareFactor: bigint;
  /** Added to the aggregate as c·tweakTerm (BIP327 g·tacc; 0 in RFC modes). */
  readonly tweakTerm: bigint;
};

export interface FrostCiphersuite {
  readonly id: FrostCiphersuiteId;
  readonly suite: Suite;
  readonly hashes: FrostHashes;
  readonly signatureLength: number;
  /** Builds the signing key from the group key; throws `RangeError` on a bad tweak. */
  signingKey(groupKey: GroupPoint, taproot?: Taproot): SigningKey;
  /** 1, or −1 when the mode needs an even-y R (BIP340) and R has odd y. */
  nonceFactor(R: GroupPoint): bigint;
  /** The challenge c for effective nonce R' (already multiplied by nonceFactor). */
  challenge(Rprime: GroupPoint, key: SigningKey, message: Bytes): bigint;
  encodeSignature(Rprime: GroupPoint, z: bigint): Bytes;
  /** Verifies an encoded signature under the public key as `displayPublicKey` gives it. */
  verify(publicKey: Bytes, message: Bytes, signature: Bytes): boolean;
  /** The public key verifiers use (RFC 8032 key, x-only key, or the full SEC1 key). */
  displayKey(key: SigningKey): Bytes;
}

/** RFC 9591 modes: challenge = H2(SerializeElement(R) || SerializeElement(PK) || msg). */
function rfcCiphersuite(id: 'ed25519' | 'secp256k1', suite: Suite): FrostCiphersuite {
  const hashes = suite.frost;
  return Object.freeze({
    id,
    suite,
    hashes,
    signatureLength: suite.pointLength + suite.scalarLength,
    signingKey(groupKey: GroupPoint, taproot?: Taproot): SigningKey {
      if (taproot) throw new RangeError(`taproot tweaks apply to bip340 mode only`);
      return { bindingKey: suite.encodePoint(groupKey), effective: groupKey, shareFactor: 1n, tweakTerm: 0n };
    },
    nonceFactor: () => 1n,
    challenge: (R: GroupPoint, key: SigningKey, message: Bytes) =>
      hashes.H2(concatBytes(suite.encodePoint(R), key.bindingKey, message)),
    encodeSignature: (R: GroupPoint, z: bigint) => concatBytes(suite.encodePoint(R), suite.encodeScalar(z)),
    verify(publicKey: Bytes, message: Bytes, signature: Bytes): boolean {
      // RFC 9591 §6 verify_signature_share/aggregate verification with strict decoding: R and PK
      // must be canonical prime-order elements, z a canonical scalar.
      if (signature.length !== suite.pointLength + suite.scalarLength) return false;
      try {
        const PK = suite.decodePoint(publicKey);
        const Rb = signature.subarray(0, suite.pointLength);
        const R = suite.decodePoint(Rb);
        const z = suite.decodeScalar(signature.subarray(suite.pointLength));
        const c = hashes.H2(concatBytes(Rb, publicKey, message));
        return suite.mulBasePublic(z).equals(R.add(PK.multiplyUnsafe(c)));
      } catch {
        return false;
      }
    },
    displayKey: (key: SigningKey) => key.bindingKey,
  });
}

export const ED25519: FrostCiphersuite = rfcCiphersuite('ed25519', ed25519Suite);
export const SECP256K1: FrostCiphersuite = rfcCiphersuite('secp256k1', secp256k1Suite);

const Fn = secp256k1Suite.Fn;
const MINUS_ONE = Fn.neg(1n);

const bip340Keys = new Map<string, SigningKey>();

function bip340SigningKey(groupKey: GroupPoint, taproot?: Taproot): SigningKey {
  const t: TweakContext = taproot
    ? taprootTweakContext(groupKey, taproot.merkleRoot)
    : tweakContextInit(groupKey);
  // Draft BIP-FROST Sign: g = 1 if has_even_y(Q) else −1; the share used is g·gacc·s_i and the
  // aggregate adds e·g·tacc.
  const g = hasEvenY(t.Q) ? 1n : MINUS_ONE;
  return {
    bindingKey: secp256k1Suite.encodePoint(t.Q),
    effective: g === 1n ? t.Q : t.Q.negate(),
    shareFactor: Fn.mul(g, t.gacc),
    tweakTerm: Fn.mul(g, t.tacc),
  };
}

export const BIP340: FrostCiphersuite = Object.freeze({
  id: 'bip340',
  suite: secp256k1Suite,
  hashes: bip340Frost,
  signatureLength: 64,
  signingKey(groupKey: GroupPoint, taproot?: Taproot): SigningKey {
    // Memoised: the tweak costs point arithmetic, and a stable `effective` point object lets the
    // aggregator keep its multiplication table across signatures.
    const id = `${bytesToHex(secp256k1Suite.encodePoint(groupKey))}/${taproot ? bytesToHex(taproot.merkleRoot) : '-'}`;
    const hit = bip340Keys.get(id);
    if (hit) return hit;
    const key = bip340SigningKey(groupKey, taproot);
    if (bip340Keys.size >= 1024) bip340Keys.delete(bip340Keys.keys().next().value as string);
    bip340Keys.set(id, key);
    return key;
  },
  // Draft BIP-FROST Sign: "k1 = k1', k2 = k2' if has_even_y(R), otherwise k1 = −k1', k2 = −k2'".
  nonceFactor: (R: GroupPoint) => (hasEvenY(R) ? 1n : MINUS_ONE),
  challenge: (Rprime: GroupPoint, key: SigningKey, message: Bytes) =>
    bip340Challenge(xOnly(Rprime), xOnly(key.effective), message),
  encodeSignature: (Rprime: GroupPoint, z: bigint) =>
    concatBytes(xOnly(Rprime), secp256k1Suite.encodeScalar(z)),
  verify: verifyBip340,
  displayKey: (key: SigningKey) => xOnly(key.effective),
});

/** The ciphersuite of a public signing mode; `RangeError` for anything else (including 'secp256k1'). */
export function ciphersuiteForMode(mode: FrostMode): FrostCiphersuite {
  if (mode === 'ed25519') return ED25519;
  if (mode === 'bip340') return BIP340;
  throw new RangeError(`unknown FROST mode ${String(mode)}`);
}

export function ciphersuiteFor(mode: FrostCiphersuiteId): FrostCiphersuite {
  if (mode === 'ed25519') return ED25519;
  if (mode === 'bip340') return BIP340;
  if (mode === 'secp256k1') return SECP256K1;
  throw new RangeError(`unknown FROST mode ${String(mode)}`);
}
