/**
 * Answers sealed to the requesting client. A client that asks nodes for data-key evaluations or
 * partial decryptions sends a fresh X25519 public key with the request; each node encrypts its
 * answer to that key, so a relay, proxy, load balancer or log on the way never holds partial
 * results. Ephemeral-static ECDH (RFC 7748), HKDF-SHA256 (RFC 5869), ChaCha20-Poly1305 (RFC 8439):
 *
 *   sealed = 0x01 || E (32) || ChaCha20-Poly1305(k, nonce = 0^12, plaintext, aad = context)
 *   k = HKDF-SHA256(IKM = X25519(e, R), salt = "tkms/v1/box", info = encodeFields([E, R, context]), 32)
 *
 * A zero nonce is safe because every box uses a fresh ephemeral key e, so k is never reused.
 * `context` binds the box to who sent it and what it answers (node id, key id, request digest), so
 * a box cannot be replayed as the answer to another request or as another node's answer.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { TkmsError } from '../errors/tkms-error.ts';
import { type Bytes, concatBytes, utf8, wipe } from './bytes.ts';
import { encodeFields } from './lp.ts';
import { SecretBytes } from './secret.ts';

export const BOX_PUBLIC_KEY_BYTES = 32;

/** X25519 (RFC 7748): `scalarMult(k, u)` must throw for an all-zero result, as noble does. */
export type X25519Backend = {
  scalarMultBase(k: Bytes): Bytes;
  scalarMult(k: Bytes, u: Bytes): Bytes;
};
const NOBLE_X25519: X25519Backend = {
  scalarMultBase: (k) => x25519.getPublicKey(k),
  scalarMult: (k, u) => x25519.getSharedSecret(k, u),
};
let X = NOBLE_X25519;

/**
 * Installs a faster X25519 (libsodium's `crypto_scalarmult`, about 7× noble) after checking it
 * against noble on fixed inputs, including a low-order point it must reject.
 * @throws Error when it disagrees with noble
 */
export function setX25519Backend(b: X25519Backend): void {
  const k = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);
  const u = NOBLE_X25519.scalarMultBase(Uint8Array.from({ length: 32 }, (_, i) => (i * 91 + 5) & 0xff));
  const same = (a: Bytes, c: Bytes) => a.length === c.length && a.every((v, i) => v === c[i]);
  if (!same(b.scalarMultBase(k), NOBLE_X25519.scalarMultBase(k)))
    throw new Error('x25519 backend disagrees with noble on the base multiplication');
  if (!same(b.scalarMult(k, u), NOBLE_X25519.scalarMult(k, u)))
    throw new Error('x25519 backend disagrees with noble on a multiplication');
  let rejected = false;
  try {
    b.scalarMult(k, new Uint8Array(32));
  } catch {
    rejected = true;
  }
  if (!rejected) throw new Error('x25519 backend accepts a low-order point');
  X = b;
}
const VERSION = 1;
const SALT = utf8('tkms/v1/box');
const NONCE = new Uint8Array(12);
/** Version byte + ephemeral key + Poly1305 tag. */
export const BOX_OVERHEAD = 1 + 32 + 16;

export type BoxKeyPair = { readonly secretKey: SecretBytes; readonly publicKey: Bytes };

/** A fresh key pair for one request; wipe `secretKey` once the answers are open. */
export function boxKeyPair(random: (n: number) => Uint8Array): BoxKeyPair {
  const sk = random(32);
  const pair = { secretKey: new SecretBytes(sk), publicKey: X.scalarMultBase(sk) };
  wipe(sk);
  return pair;
}

function boxKey(shared: Bytes, E: Bytes, R: Bytes, context: Bytes): Bytes {
  return hkdf(sha256, shared, SALT, encodeFields([E, R, context]), 32);
}

/**
 * Whether `key` can receive a box: 32 bytes and not a low-order X25519 point (those give an
 * all-zero shared secret). Lets a node refuse a bad requester key before it uses a key share.
 */
export function isUsableBoxKey(key: unknown): key is Bytes {
  if (!(key instanceof Uint8Array) || key.length !== BOX_PUBLIC_KEY_BYTES) return false;
  try {
    X.scalarMult(PROBE_SCALAR, key);
    return true;
  } catch {
    return false;
  }
}
const PROBE_SCALAR = Uint8Array.from({ length: 32 }, (_, i) => (i * 29 + 3) & 0xff);

/**
 * Encrypts `plaintext` to the requester's public key.
 * @throws TkmsError `request.invalid` when the public key is not a usable X25519 key
 */
export function sealTo(params: {
  recipient: Bytes;
  plaintext: Bytes;
  context: Bytes;
  random: (n: number) => Uint8Array;
}): Bytes {
  const { recipient, plaintext, context } = params;
  if (!(recipient instanceof Uint8Array) || recipient.length !== BOX_PUBLIC_KEY_BYTES)
    throw new TkmsError('request.invalid', { details: 'requester key must be 32 bytes (X25519)' });
  const e = params.random(32);
  try {
    const E = X.scalarMultBase(e);
    let shared: Bytes;
    try {
      // noble rejects an all-zero shared secret (low-order public keys, RFC 7748 §6.1).
      shared = X.scalarMult(e, recipient);
    } catch {
      throw new TkmsError('request.invalid', { details: 'requester key is a low-order X25519 point' });
    }
    const k = boxKey(shared, E, recipient, context);
    wipe(shared);
    const ct = chacha20poly1305(k, NONCE, context).encrypt(plaintext);
    wipe(k);
    return concatBytes(Uint8Array.of(VERSION), E, ct);
  } finally {
    wipe(e);
  }
}

/**
 * Opens a box sealed to `keyPair.publicKey` under the same `context`.
 * @throws TkmsError `box.open_failed` (wrong key, wrong context, altered or truncated box)
 */
export function openBox(params: { keyPair: BoxKeyPair; sealed: Bytes; context: Bytes }): Bytes {
  const { sealed, context } = params;
  if (!(sealed instanceof Uint8Array) || sealed.length < BOX_OVERHEAD || sealed[0] !== VERSION)
    throw new TkmsError('box.open_failed', { details: 'not a sealed answer' });
  const E = sealed.subarray(1, 33);
  const sk = params.keyPair.secretKey.expose();
  let shared: Bytes;
  try {
    shared = X.scalarMult(sk, E);
  } catch {
    throw new TkmsError('box.open_failed', { details: 'ephemeral key is not usable' });
  }
  const k = boxKey(shared, E, params.keyPair.publicKey, context);
  wipe(shared);
  try {
    return chacha20poly1305(k, NONCE, context).decrypt(sealed.subarray(33));
  } catch {
    throw new TkmsError('box.open_failed', { details: 'authentication failed' });
  } finally {
    wipe(k);
  }
}
