/**
 * Raw 32-byte Ed25519 / X25519 keys to and from node:crypto KeyObjects. JWK is the import path on
 * purpose: on OpenSSL 3 a JWK import of a raw key takes about 9 µs, a DER (SPKI/PKCS#8) one 70-300 µs,
 * and the receiver imports one ephemeral key per message.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { Bytes } from '@tkms/core';

export type OkpCurve = 'Ed25519' | 'X25519';

export const OKP_KEY_BYTES = 32;

const b64url = (b: Bytes): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');

export function okpPublicKey(crv: OkpCurve, raw: Bytes): KeyObject {
  if (raw.length !== OKP_KEY_BYTES) throw new RangeError(`${crv} public key must be 32 bytes`);
  return createPublicKey({ key: { kty: 'OKP', crv, x: b64url(raw) }, format: 'jwk' });
}

/**
 * Imports a raw private key together with the public key stored beside it. OpenSSL derives the
 * public half from `d` alone, so the returned `publicKey` is the one that belongs to `secret`;
 * callers compare it with `claimedPublic` to catch a file whose halves do not match.
 */
export function okpPrivateKey(
  crv: OkpCurve,
  secret: Bytes,
  claimedPublic: Bytes,
): { privateKey: KeyObject; publicKey: Bytes } {
  if (secret.length !== OKP_KEY_BYTES) throw new RangeError(`${crv} private key must be 32 bytes`);
  if (claimedPublic.length !== OKP_KEY_BYTES) throw new RangeError(`${crv} public key must be 32 bytes`);
  const privateKey = createPrivateKey({
    key: { kty: 'OKP', crv, d: b64url(secret), x: b64url(claimedPublic) },
    format: 'jwk',
  });
  return { privateKey, publicKey: okpRawPublic(privateKey) };
}

/** The raw 32-byte public key of a public or private OKP KeyObject. */
export function okpRawPublic(key: KeyObject): Bytes {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const { x } = pub.export({ format: 'jwk' });
  if (typeof x !== 'string') throw new TypeError('not an OKP key');
  return new Uint8Array(Buffer.from(x, 'base64url'));
}

/** The raw 32-byte private key of an OKP private KeyObject (the caller wraps it in SecretBytes). */
export function okpRawPrivate(key: KeyObject): Bytes {
  const { d } = key.export({ format: 'jwk' });
  if (typeof d !== 'string') throw new TypeError('not an OKP private key');
  return new Uint8Array(Buffer.from(d, 'base64url'));
}
