/**
 * Per-object data keys from OPRF outputs (protocols.md §5.1 "Data key"), and the canonical OPRF
 * input that names an object, so a node can check its policy against exactly the bytes it maps to
 * the element it evaluates.
 *
 * DEK = HKDF-SHA256(IKM = OPRF output, salt = "tkms/v1/oprf-data-key",
 *                   info = encodeFields(["tkms/data-key/v1", keyId, object, u32be(version)]), L = 32)
 * (RFC 5869). The key id and version are bound twice on purpose: in the OPRF input (so nodes see
 * them) and in the HKDF info (so a DEK can never be reused across keys or versions even if an
 * application builds its own OPRF input).
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { type Bytes, equalBytes, fromUtf8, readU32be, u32be, utf8 } from '../../crypto/bytes.ts';
import { decodeFields, encodeFields } from '../../crypto/lp.ts';
import { SecretBytes } from '../../crypto/secret.ts';
import { TkmsError } from '../../errors/tkms-error.ts';
import { MAX_OPRF_INPUT_BYTES } from './ciphersuite.ts';

/** Length of a derived data key (AES-256 / ChaCha20-Poly1305 key size). */
export const DATA_KEY_BYTES = 32;

const SALT = utf8('tkms/v1/oprf-data-key');
const INFO_TAG = utf8('tkms/data-key/v1');
const INPUT_TAG = utf8('tkms/oprf-object/v1');

/** What a data key is for: the key (id and version) it is derived under and the object it protects. */
export type DataKeyContext = {
  /** The tkms key id whose OPRF key derives the data key. */
  readonly keyId: string;
  /** The object: a path, a document id, a contract address, a field name…; a string is UTF-8. */
  readonly object: string | Bytes;
  /** The key version (rotation creates a new OPRF key and so new data keys). 0 ≤ version < 2^32. */
  readonly version: number;
};

export type DeriveDataKeyParams = DataKeyContext & {
  /** The OPRF output from `finalize` / `finalizeObject`. */
  readonly oprfOutput: SecretBytes | Bytes;
};

function contextFields(ctx: DataKeyContext): Bytes[] {
  if (typeof ctx.keyId !== 'string' || ctx.keyId.length === 0)
    throw new TkmsError('request.invalid', { details: 'keyId must be a non-empty string' });
  if (!Number.isSafeInteger(ctx.version) || ctx.version < 0 || ctx.version > 0xffffffff)
    throw new TkmsError('request.invalid', { details: 'version must be an integer in [0, 2^32)' });
  const object = typeof ctx.object === 'string' ? utf8(ctx.object) : ctx.object;
  if (!(object instanceof Uint8Array))
    throw new TkmsError('request.invalid', { details: 'object must be a string or bytes' });
  return [utf8(ctx.keyId), object, u32be(ctx.version)];
}

/**
 * DEK = HKDF-SHA256(oprfOutput, salt, info binding key id, object and version), 32 bytes.
 *
 * @throws TkmsError `request.invalid`
 * @example
 * const dek = deriveDataKey({ oprfOutput, keyId: 'k1', object: 'invoices/42', version: 1 });
 */
export function deriveDataKey(params: DeriveDataKeyParams): SecretBytes {
  const ikm = params.oprfOutput instanceof SecretBytes ? params.oprfOutput.expose() : params.oprfOutput;
  if (!(ikm instanceof Uint8Array) || ikm.length < 32)
    throw new TkmsError('request.invalid', { details: 'oprfOutput must be an OPRF output (≥ 32 bytes)' });
  const info = encodeFields([INFO_TAG, ...contextFields(params)]);
  const okm = hkdf(sha256, ikm, SALT, info, DATA_KEY_BYTES);
  const key = new SecretBytes(okm);
  okm.fill(0);
  return key;
}

/**
 * The canonical OPRF input for an object: encodeFields(["tkms/oprf-object/v1", keyId, object,
 * u32be(version)]). Nodes in the policy-bound mode receive these bytes, read them back with
 * `parseObjectInput`, check the key id and object against their policy, and evaluate
 * `objectElement(suite, input)`.
 *
 * @throws TkmsError `request.invalid` (bad fields, or longer than 65535 bytes)
 */
export function objectInput(ctx: DataKeyContext): Bytes {
  const input = encodeFields([INPUT_TAG, ...contextFields(ctx)]);
  if (input.length > MAX_OPRF_INPUT_BYTES)
    throw new TkmsError('request.invalid', { details: 'object input longer than 65535 bytes' });
  return input;
}

/**
 * Inverse of `objectInput`; the object comes back as bytes. Throws `request.invalid` on anything
 * `objectInput` would not produce, so one object has exactly one input.
 */
export function parseObjectInput(input: Bytes): { keyId: string; object: Bytes; version: number } {
  try {
    if (input.length > MAX_OPRF_INPUT_BYTES) throw new RangeError('longer than 65535 bytes');
    const fields = decodeFields(input, 4);
    const [tag, keyId, object, version] = fields;
    if (fields.length !== 4 || !tag || !keyId || !object || !version)
      throw new RangeError('expected 4 fields');
    if (fromUtf8(tag) !== 'tkms/oprf-object/v1') throw new RangeError('not a tkms object input');
    if (version.length !== 4) throw new RangeError('version must be 4 bytes');
    const id = fromUtf8(keyId);
    // The decoder drops a leading BOM; re-encoding must give the same bytes (one input per object).
    if (id.length === 0 || !equalBytes(utf8(id), keyId))
      throw new RangeError('key id is not canonical UTF-8');
    return { keyId: id, object: Uint8Array.from(object), version: readU32be(version, 0) };
  } catch (e) {
    throw new TkmsError('request.invalid', { details: `object input: ${(e as Error).message}` });
  }
}
