import { TkmsError } from '../errors/tkms-error.ts';

/**
 * The key types a cluster can hold, and which suite and protocol each one uses. The CLI, SDK and
 * node all read this one table, so adding a type is one line here plus its protocol.
 *
 * One key, one purpose: a signing key never evaluates an OPRF or decrypts, and the other way
 * round (the same scalar used for two protocols would give each one an oracle against the other).
 */
export const KEY_TYPES = {
  'eddsa-ed25519': {
    suite: 'ed25519',
    purpose: 'sign',
    signing: 'frost',
    mode: 'ed25519',
    description: 'Ed25519 (RFC 8032) signatures by FROST; 32-byte public key',
  },
  'schnorr-secp256k1': {
    suite: 'secp256k1',
    purpose: 'sign',
    signing: 'frost',
    mode: 'bip340',
    description: 'BIP340 Schnorr signatures (Taproot-ready) by FROST; 32-byte x-only public key',
  },
  'ecdsa-secp256k1': {
    suite: 'secp256k1',
    purpose: 'sign',
    signing: 'dkls23',
    description: 'ECDSA (Bitcoin, Ethereum) by DKLs23 threshold signing; 33-byte compressed public key',
  },
  'ecdsa-p256': {
    suite: 'p256',
    purpose: 'sign',
    signing: 'dkls23',
    description:
      'ECDSA on P-256 (Fabric, enterprise PKI) by DKLs23 threshold signing; 33-byte compressed key',
  },
  'oprf-ristretto255': {
    suite: 'ristretto255',
    purpose: 'derive',
    description: 'Per-object data keys by threshold OPRF (2HashDH, RFC 9497 ristretto255-SHA512)',
  },
  'oprf-p256': {
    suite: 'p256',
    purpose: 'derive',
    description: 'Per-object data keys by threshold OPRF (2HashDH, RFC 9497 P256-SHA256)',
  },
  'ecies-p256': {
    suite: 'p256',
    purpose: 'decrypt',
    description: 'Threshold decryption of ECIES ciphertexts (P-256, TDH2-style validity proofs)',
  },
} as const;

export type KeyType = keyof typeof KEY_TYPES;
export type KeySuite = (typeof KEY_TYPES)[KeyType]['suite'];
export type KeyPurpose = (typeof KEY_TYPES)[KeyType]['purpose'];
export type SigningKeyType = {
  [T in KeyType]: (typeof KEY_TYPES)[T]['purpose'] extends 'sign' ? T : never;
}[KeyType];
/** Key types signed by FROST, and their signature mode. */
export type FrostKeyType = {
  [T in KeyType]: (typeof KEY_TYPES)[T] extends { signing: 'frost' } ? T : never;
}[KeyType];
export type SignMode = (typeof KEY_TYPES)[FrostKeyType]['mode'];

/**
 * The key type's entry if the key is for `purpose`.
 * @throws TkmsError `key.wrong_purpose`
 */
export function requirePurpose<P extends KeyPurpose>(
  type: KeyType,
  purpose: P,
  keyId = '',
): Extract<(typeof KEY_TYPES)[KeyType], { purpose: P }> {
  const entry = KEY_TYPES[type];
  if (entry.purpose !== purpose)
    throw new TkmsError('key.wrong_purpose', {
      details: `${keyId ? `key ${keyId} ` : ''}is a ${type} key (for ${entry.purpose}), not for ${purpose}`,
    });
  return entry as Extract<(typeof KEY_TYPES)[KeyType], { purpose: P }>;
}

export function isKeyType(t: unknown): t is KeyType {
  return typeof t === 'string' && Object.hasOwn(KEY_TYPES, t);
}

/** Protocol names as they appear in session ids and envelope headers. */
export const PROTOCOL = {
  dkg: 'tkms/dkg-pedpop/v1',
  frostSign: 'tkms/frost-sign/v1',
  dkls23Setup: 'tkms/dkls23-setup/v1',
  dkls23Sign: 'tkms/dkls23-sign/v1',
  oprf: 'tkms/oprf-2hashdh/v1',
  decrypt: 'tkms/ecies-tdh2/v1',
} as const;

/** Default limit on a message to sign; nodes enforce their configured value. */
export const MAX_MESSAGE_BYTES = 65_536;
