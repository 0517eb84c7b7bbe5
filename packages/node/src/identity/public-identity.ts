/**
 * The public half of a node identity: what an operator pins for each peer. Hex, so it can sit in a
 * config file; `peerKeys` turns it into KeyObjects once and caches them per object.
 */
import { diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { type Bytes, hexToBytes, isHex } from '@tkms/core';
import { okpPublicKey } from './okp-keys.ts';

export type PublicIdentity = {
  /** Ed25519 public key, 32 bytes as lower-case hex: verifies the node's envelope signatures. */
  readonly signPublicKey: string;
  /** X25519 public key, 32 bytes as lower-case hex: payloads for the node are encrypted to it. */
  readonly encPublicKey: string;
};

/** A pinned identity made ready for use: raw bytes and node:crypto keys, built once. */
export type PeerKeys = {
  readonly signPublicKey: Bytes;
  readonly encPublicKey: Bytes;
  readonly verifyKey: KeyObject;
  readonly encKey: KeyObject;
};

const PUBLIC_FIELDS = ['signPublicKey', 'encPublicKey'] as const;

/** Validates an untrusted value (config, JSON) as a public identity; rejects unknown fields. */
export function parsePublicIdentity(value: unknown): PublicIdentity {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError('public identity must be an object');
  for (const k of Object.keys(value))
    if (!(PUBLIC_FIELDS as readonly string[]).includes(k))
      throw new TypeError(`public identity has an unknown field "${k}"`);
  const { signPublicKey, encPublicKey } = value as Record<string, unknown>;
  if (!isHex(signPublicKey, 32)) throw new TypeError('signPublicKey must be 32 bytes of lower-case hex');
  if (!isHex(encPublicKey, 32)) throw new TypeError('encPublicKey must be 32 bytes of lower-case hex');
  return { signPublicKey, encPublicKey };
}

const cache = new WeakMap<PublicIdentity, PeerKeys>();

/** KeyObjects for a pinned identity, created on first use and cached for the life of `pub`. */
export function peerKeys(pub: PublicIdentity): PeerKeys {
  let keys = cache.get(pub);
  if (keys === undefined) {
    const { signPublicKey, encPublicKey } = parsePublicIdentity(pub);
    const sign = hexToBytes(signPublicKey);
    const enc = hexToBytes(encPublicKey);
    const encKey = okpPublicKey('X25519', enc);
    refuseLowOrder(encKey);
    keys = { signPublicKey: sign, encPublicKey: enc, verifyKey: okpPublicKey('Ed25519', sign), encKey };
    cache.set(pub, keys);
  }
  return keys;
}

let probe: KeyObject | undefined;

/**
 * A low-order X25519 key (RFC 7748 §6.1) makes every shared secret all-zero, and OpenSSL refuses
 * it on each seal. Trying one agreement when the pin is made reports that as a configuration error.
 */
function refuseLowOrder(encKey: KeyObject): void {
  probe ??= generateKeyPairSync('x25519').privateKey;
  try {
    diffieHellman({ privateKey: probe, publicKey: encKey }).fill(0);
  } catch {
    throw new TypeError('encPublicKey is a low-order X25519 point');
  }
}
