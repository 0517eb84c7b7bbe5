/**
 * The key types a cluster can hold, and which suite and protocol each one uses. The CLI, SDK and
 * node all read this one table, so adding a type is one line here plus its protocol.
 */
export const KEY_TYPES = {
  'eddsa-ed25519': {
    suite: 'ed25519',
    signing: 'frost',
    mode: 'ed25519',
    description: 'Ed25519 (RFC 8032) signatures by FROST; 32-byte public key',
  },
  'schnorr-secp256k1': {
    suite: 'secp256k1',
    signing: 'frost',
    mode: 'bip340',
    description: 'BIP340 Schnorr signatures (Taproot-ready) by FROST; 32-byte x-only public key',
  },
} as const;

export type KeyType = keyof typeof KEY_TYPES;
export type KeySuite = (typeof KEY_TYPES)[KeyType]['suite'];
export type SignMode = (typeof KEY_TYPES)[KeyType]['mode'];

export function isKeyType(t: unknown): t is KeyType {
  return typeof t === 'string' && Object.hasOwn(KEY_TYPES, t);
}

/** Protocol names as they appear in session ids and envelope headers. */
export const PROTOCOL = {
  dkg: 'tkms/dkg-pedpop/v1',
  frostSign: 'tkms/frost-sign/v1',
} as const;

/** Default limit on a message to sign; nodes enforce their configured value. */
export const MAX_MESSAGE_BYTES = 65_536;
