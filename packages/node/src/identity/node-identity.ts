/**
 * A node's long-term identity: an Ed25519 key that signs every envelope the node sends (and later
 * its audit checkpoints) and an X25519 key that peers encrypt payloads to. Generated and used through
 * node:crypto (OpenSSL: Ed25519 sign about 25 µs against noble's 470 µs); the KeyObjects are made
 * once, when the identity is created or loaded.
 */
import { diffieHellman, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { type Bytes, bytesToHex, equalBytes, SecretBytes } from '@tkms/core';
import { okpPrivateKey, okpRawPrivate, okpRawPublic } from './okp-keys.ts';
import type { PublicIdentity } from './public-identity.ts';

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** The raw key material of an identity; only `identityFromJson` and `generateIdentity` build one. */
export type IdentityKeys = {
  readonly signPublicKey: Bytes;
  readonly encPublicKey: Bytes;
  readonly signPrivateKey: SecretBytes;
  readonly encPrivateKey: SecretBytes;
};

export class NodeIdentity {
  /** Ed25519 public key (32 bytes). */
  readonly signPublicKey: Bytes;
  /** X25519 public key (32 bytes). */
  readonly encPublicKey: Bytes;
  readonly #signPrivateKey: SecretBytes;
  readonly #encPrivateKey: SecretBytes;
  readonly #signKey: KeyObject;
  readonly #encKey: KeyObject;

  private constructor(keys: IdentityKeys, signKey: KeyObject, encKey: KeyObject) {
    this.signPublicKey = keys.signPublicKey;
    this.encPublicKey = keys.encPublicKey;
    this.#signPrivateKey = keys.signPrivateKey;
    this.#encPrivateKey = keys.encPrivateKey;
    this.#signKey = signKey;
    this.#encKey = encKey;
  }

  /**
   * Builds an identity from stored key material. Each public key is recomputed from its private
   * key and must equal the stored one, so a file with mismatched halves is refused here rather than
   * producing signatures that every peer rejects.
   */
  static fromKeys(keys: IdentityKeys): NodeIdentity {
    const s = okpPrivateKey('Ed25519', keys.signPrivateKey.expose(), keys.signPublicKey);
    const e = okpPrivateKey('X25519', keys.encPrivateKey.expose(), keys.encPublicKey);
    if (!equalBytes(s.publicKey, keys.signPublicKey))
      throw new RangeError('signPublicKey does not belong to the signing private key');
    if (!equalBytes(e.publicKey, keys.encPublicKey))
      throw new RangeError('encPublicKey does not belong to the encryption private key');
    return new NodeIdentity(keys, s.privateKey, e.privateKey);
  }

  /** A fresh identity from OpenSSL's CSPRNG. */
  static generate(): NodeIdentity {
    const s = generateKeyPairSync('ed25519');
    const e = generateKeyPairSync('x25519');
    const keys: IdentityKeys = {
      signPublicKey: okpRawPublic(s.publicKey),
      encPublicKey: okpRawPublic(e.publicKey),
      signPrivateKey: secretOf(s.privateKey),
      encPrivateKey: secretOf(e.privateKey),
    };
    return new NodeIdentity(keys, s.privateKey, e.privateKey);
  }

  /** Ed25519 signature (RFC 8032, pure) over `message`. */
  sign(message: Bytes): Bytes {
    return new Uint8Array(sign(null, message, this.#signKey));
  }

  /**
   * X25519(our static private key, `publicKey`) (RFC 7748 §6.1). OpenSSL refuses an all-zero result
   * (a low-order `publicKey`) by throwing.
   */
  agree(publicKey: KeyObject): Bytes {
    const z = diffieHellman({ privateKey: this.#encKey, publicKey });
    return new Uint8Array(z.buffer, z.byteOffset, z.byteLength); // a view, so the caller can wipe it
  }

  /** The private keys, still wrapped; only for sealing the identity to storage. */
  privateKeys(): { readonly signPrivateKey: SecretBytes; readonly encPrivateKey: SecretBytes } {
    return { signPrivateKey: this.#signPrivateKey, encPrivateKey: this.#encPrivateKey };
  }

  /** `JSON.stringify` of an identity gives its public half, never a secret. */
  toJSON(): PublicIdentity {
    return publicIdentity(this);
  }

  [INSPECT](): string {
    return `NodeIdentity(sign=${bytesToHex(this.signPublicKey)}, enc=${bytesToHex(this.encPublicKey)})`;
  }
}

function secretOf(privateKey: KeyObject): SecretBytes {
  const raw = okpRawPrivate(privateKey);
  const secret = new SecretBytes(raw);
  raw.fill(0);
  return secret;
}

export function generateIdentity(): NodeIdentity {
  return NodeIdentity.generate();
}

/** What peers pin for this node. */
export function publicIdentity(id: NodeIdentity): PublicIdentity {
  return { signPublicKey: bytesToHex(id.signPublicKey), encPublicKey: bytesToHex(id.encPublicKey) };
}
