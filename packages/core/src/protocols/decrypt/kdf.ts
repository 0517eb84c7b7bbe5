/**
 * The data encapsulation of the ECIES part: HKDF-SHA256 from the shared point to an AES-256-GCM
 * key and nonce, and the GCM seal and open. The shared point is r·Y for the encryptor and x·U for
 * the combiner; both are the same point.
 */
import { gcm } from '@noble/ciphers/aes.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { type Bytes, utf8, wipe } from '../../crypto/bytes.ts';
import { encodeFields } from '../../crypto/lp.ts';
import type { GroupPoint, Suite } from '../../crypto/suites/types.ts';

const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const ROOT = utf8('tkms/v1');
const KDF_TAG = utf8('decrypt/kdf');
const AAD_TAG = utf8('decrypt/aad');

export type EnvelopeContext = {
  readonly suite: Suite;
  readonly version: number;
  /** Encoded group key Y. */
  readonly Y: Bytes;
  /** Encoded U. */
  readonly U: Bytes;
  readonly label: Bytes;
};

/**
 * HKDF-SHA256 (RFC 5869), IKM = SerializeElement(shared), no salt, info binding the suite, the
 * version, Y, U and the label (length-prefixed); 44 bytes out: AES-256 key || 96-bit GCM nonce.
 * The key is fresh for every ciphertext (fresh r), so a derived nonce is never reused under a key.
 */
function deriveKeyAndNonce(ctx: EnvelopeContext, shared: GroupPoint): { key: Bytes; nonce: Bytes } {
  const ikm = ctx.suite.encodePoint(shared);
  const info = encodeFields([
    ROOT,
    KDF_TAG,
    utf8(ctx.suite.name),
    Uint8Array.of(ctx.version),
    ctx.Y,
    ctx.U,
    ctx.label,
  ]);
  const okm = hkdf(sha256, ikm, undefined, info, KEY_BYTES + NONCE_BYTES);
  wipe(ikm);
  const key = okm.slice(0, KEY_BYTES);
  const nonce = okm.slice(KEY_BYTES);
  wipe(okm);
  return { key, nonce };
}

/** AAD = length-prefixed ("tkms/v1", "decrypt/aad", suite, version, label, U). */
function aad(ctx: EnvelopeContext): Bytes {
  return encodeFields([ROOT, AAD_TAG, utf8(ctx.suite.name), Uint8Array.of(ctx.version), ctx.label, ctx.U]);
}

export function sealBody(ctx: EnvelopeContext, shared: GroupPoint, plaintext: Bytes): Bytes {
  const { key, nonce } = deriveKeyAndNonce(ctx, shared);
  try {
    return gcm(key, nonce, aad(ctx)).encrypt(plaintext);
  } finally {
    wipe(key);
  }
}

/** The plaintext, or `undefined` when the tag does not verify. */
export function openBody(ctx: EnvelopeContext, shared: GroupPoint, body: Bytes): Bytes | undefined {
  const { key, nonce } = deriveKeyAndNonce(ctx, shared);
  try {
    return gcm(key, nonce, aad(ctx)).decrypt(body);
  } catch {
    return undefined;
  } finally {
    wipe(key);
  }
}
