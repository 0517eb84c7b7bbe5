/**
 * Sealing: how secret material (key shares, later presignatures and OT state) reaches disk. The
 * database is untrusted storage behind this barrier (Vault's model): it only ever sees blobs.
 *
 * Blob format, version 1 (all fields fixed-size except the ciphertext):
 *
 *   magic "TKS1" (4) | alg (1) = 0x01 | nonce (24) | ciphertext ‖ Poly1305 tag (16)
 *
 * alg 0x01 = XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha) under
 * K = HKDF-SHA256(ikm = master key, salt = "", info = "tkms/seal/v1/xchacha20-poly1305", L = 32),
 * so the master key can later serve other purposes under other labels. The 24-byte nonce is
 * random: at 2^-96 collision probability after 2^32 blobs, no counter state is needed. The AEAD's
 * associated data is the 5-byte header followed by the caller's `aad`, which must say what the blob
 * is and whose it is (`shareAad`): a blob copied to another key, version, node or purpose does not open.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { randomBytes as cryptoRandomBytes } from '@noble/ciphers/utils.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { type Bytes, concatBytes, encodeFields, SecretBytes, TkmsError, u32be, utf8, wipe } from '@tkms/core';

export const SEAL_MAGIC = utf8('TKS1');
export const SEAL_ALG_XCHACHA20POLY1305 = 0x01;
const NONCE_LEN = 24;
const TAG_LEN = 16;
const HEADER_LEN = SEAL_MAGIC.length + 1;
const KEY_INFO = utf8('tkms/seal/v1/xchacha20-poly1305');
const AAD_DOMAIN = utf8('tkms/seal/v1');

export type Sealer = {
  /** Encrypts `plain` bound to `aad`; returns a versioned blob safe to store. */
  seal(plain: Bytes | SecretBytes, aad: Bytes): Bytes;
  /** Opens a blob sealed with the same master key and `aad`; throws `seal.failed` otherwise. */
  open(blob: Bytes, aad: Bytes): SecretBytes;
  /** Zeroes the derived key; the sealer is unusable afterwards. */
  wipe(): void;
};

export type SealerOptions = {
  /** Nonce source (tests only); defaults to the platform CSPRNG. */
  randomBytes?: (n: number) => Bytes;
};

export function createSealer(masterKey: Bytes | SecretBytes, opts: SealerOptions = {}): Sealer {
  const master = masterKey instanceof SecretBytes ? masterKey.expose() : masterKey;
  if (!(master instanceof Uint8Array) || master.length !== 32)
    throw new TkmsError('seal.failed', { details: 'the master key must be exactly 32 bytes' });
  if (master.every((b) => b === 0))
    throw new TkmsError('seal.failed', { details: 'the master key is all zeros' });
  const key = hkdf(sha256, master, undefined, KEY_INFO, 32);
  const random = opts.randomBytes ?? cryptoRandomBytes;
  let wiped = false;
  const header = concatBytes(SEAL_MAGIC, new Uint8Array([SEAL_ALG_XCHACHA20POLY1305]));

  const assertUsable = () => {
    if (wiped) throw new TkmsError('seal.failed', { details: 'the sealer was wiped' });
  };

  return {
    seal(plain, aad) {
      assertUsable();
      const pt = plain instanceof SecretBytes ? plain.expose() : plain;
      const nonce = random(NONCE_LEN);
      if (nonce.length !== NONCE_LEN) throw new TkmsError('seal.failed', { details: 'bad nonce source' });
      const ct = xchacha20poly1305(key, nonce, concatBytes(header, aad)).encrypt(pt);
      return concatBytes(header, nonce, ct);
    },
    open(blob, aad) {
      assertUsable();
      if (blob.length < HEADER_LEN + NONCE_LEN + TAG_LEN)
        throw new TkmsError('seal.failed', { details: 'sealed blob is truncated' });
      for (let i = 0; i < SEAL_MAGIC.length; i++)
        if (blob[i] !== SEAL_MAGIC[i])
          throw new TkmsError('seal.failed', { details: 'not a tkms sealed blob' });
      if (blob[SEAL_MAGIC.length] !== SEAL_ALG_XCHACHA20POLY1305)
        throw new TkmsError('seal.failed', { details: 'unsupported sealing algorithm' });
      const nonce = blob.subarray(HEADER_LEN, HEADER_LEN + NONCE_LEN);
      const ct = blob.subarray(HEADER_LEN + NONCE_LEN);
      let pt: Bytes;
      try {
        pt = xchacha20poly1305(key, nonce, concatBytes(header, aad)).decrypt(ct);
      } catch {
        // Deliberately no cause: nothing about the key or the plaintext may leak into logs.
        throw new TkmsError('seal.failed');
      }
      const out = new SecretBytes(pt);
      wipe(pt);
      return out;
    },
    wipe() {
      wipe(key);
      wiped = true;
    },
  };
}

export type SealAadInput = {
  /** What the blob is, e.g. `signing-share`, `presignature`. */
  purpose: string;
  /** The node that sealed it (a blob moved to another node's database does not open). */
  nodeId: string;
  keyId: string;
  /** Key version (rotation); a blob of version 1 does not open as version 2. */
  version: number;
};

/** Length-prefixed, domain-separated associated data: purpose, node id, key id, key version. */
export function sealAad({ purpose, nodeId, keyId, version }: SealAadInput): Bytes {
  if (!purpose || !nodeId || !keyId)
    throw new TkmsError('seal.failed', { details: 'purpose, node id and key id must be non-empty' });
  if (!Number.isSafeInteger(version) || version < 1)
    throw new TkmsError('seal.failed', { details: 'key version must be a positive integer' });
  return encodeFields([AAD_DOMAIN, utf8(purpose), utf8(nodeId), utf8(keyId), u32be(version)]);
}

/** Associated data for a key's signing share on a node. */
export function shareAad(input: { nodeId: string; keyId: string; version: number }): Bytes {
  return sealAad({ purpose: 'signing-share', ...input });
}

export { type LoadMasterKeyOptions, loadMasterKey } from './master-key.ts';
