/**
 * The ciphertext: canonical encoding, strict decoding, and the TDH2 validity check every node runs
 * before it releases a decryption share.
 *
 * Layout (version 1; P = point length, S = scalar length of the suite; integers big-endian):
 *
 *   version (1) = 0x01 | suite (1) | label length (2) | label | U (P) | Ū (P) | e (S) | f (S)
 *   | body length (4) | body = AES-256-GCM ciphertext || tag (16)
 *
 * Validity proof (Shoup–Gennaro TDH2 §4, a Chaum–Pedersen proof that log_G U = log_Ḡ Ū):
 *   W = f·G − e·U, W̄ = f·Ḡ − e·Ū,
 *   e = H("decrypt/ciphertext-proof", [suite, version, Y, label, U, Ū, W, W̄, H(body)]).
 */
import { type Bytes, concatBytes, equalBytes, readU32be, u32be, utf8 } from '../../crypto/bytes.ts';
import { getSuite } from '../../crypto/suites/index.ts';
import type { GroupPoint, Suite, SuiteName } from '../../crypto/suites/types.ts';
import { hashTranscript } from '../../crypto/transcript.ts';
import { TkmsError } from '../../errors/tkms-error.ts';
import {
  baseMinus,
  encodeForHash,
  hashToScalar,
  pointMinus,
  secondGenerator,
  suiteFromId,
  suiteId,
} from './group.ts';
import {
  CIPHERTEXT_VERSION,
  type DecodedCiphertext,
  MAX_LABEL_BYTES,
  MAX_PLAINTEXT_BYTES,
  TAG_BYTES,
  type VerifiedCiphertext,
  type VerifyCiphertextParams,
} from './types.ts';

const PROOF_TAG = 'decrypt/ciphertext-proof';
const BODY_TAG = 'decrypt/body';
const DIGEST_TAG = 'decrypt/ciphertext';

const invalid = (details: string, cause?: unknown): TkmsError =>
  new TkmsError('decrypt.invalid_ciphertext', { details, ...(cause === undefined ? {} : { cause }) });

/** The suite object for a name this protocol supports; `key.type_unknown` otherwise. */
export function decryptionSuite(name: SuiteName): Suite {
  let suite: Suite;
  try {
    suite = getSuite(name);
  } catch {
    throw new TkmsError('key.type_unknown', { details: `unknown suite ${String(name)}` });
  }
  if (suiteId(suite.name) === undefined)
    throw new TkmsError('key.type_unknown', { details: `threshold decryption is not defined for ${name}` });
  return suite;
}

/** Canonical encoding. The fields must already be canonical (this is the encryptor's side). */
export function encodeCiphertext(ct: DecodedCiphertext): Bytes {
  const suite = decryptionSuite(ct.suite);
  const id = suiteId(suite.name) as number;
  if (ct.version !== CIPHERTEXT_VERSION) throw new RangeError(`unsupported ciphertext version ${ct.version}`);
  if (ct.label.length > MAX_LABEL_BYTES) throw new RangeError('label too long');
  if (ct.U.length !== suite.pointLength || ct.Ubar.length !== suite.pointLength)
    throw new RangeError('point length');
  if (ct.e.length !== suite.scalarLength || ct.f.length !== suite.scalarLength)
    throw new RangeError('scalar length');
  if (ct.body.length < TAG_BYTES || ct.body.length > MAX_PLAINTEXT_BYTES + TAG_BYTES)
    throw new RangeError('body length');
  return concatBytes(
    Uint8Array.of(ct.version, id, ct.label.length >>> 8, ct.label.length & 0xff),
    ct.label,
    ct.U,
    ct.Ubar,
    ct.e,
    ct.f,
    u32be(ct.body.length),
    ct.body,
  );
}

/**
 * Strict decoding of the layout above: known version and suite, label and body within their
 * limits, exact total length (no trailing bytes), and e, f canonical scalars (< group order).
 * Points are returned as bytes; `verifyCiphertext` decodes them. Throws `decrypt.invalid_ciphertext`.
 */
export function decodeCiphertext(bytes: Bytes): DecodedCiphertext {
  if (!(bytes instanceof Uint8Array)) throw invalid('ciphertext must be bytes');
  if (bytes.length < 4) throw invalid('truncated header');
  const version = bytes[0] as number;
  if (version !== CIPHERTEXT_VERSION) throw invalid(`unsupported ciphertext version ${version}`);
  const name = suiteFromId(bytes[1] as number);
  if (!name) throw invalid(`unknown suite byte ${bytes[1] as number}`);
  const suite = decryptionSuite(name);
  const P = suite.pointLength;
  const S = suite.scalarLength;
  const labelLength = ((bytes[2] as number) << 8) | (bytes[3] as number);
  if (labelLength > MAX_LABEL_BYTES) throw invalid('label too long');
  let off = 4;
  const take = (n: number, what: string): Bytes => {
    if (off + n > bytes.length) throw invalid(`truncated ${what}`);
    const out = bytes.slice(off, off + n);
    off += n;
    return out;
  };
  const label = take(labelLength, 'label');
  const U = take(P, 'U');
  const Ubar = take(P, 'Ū');
  const e = take(S, 'proof');
  const f = take(S, 'proof');
  if (off + 4 > bytes.length) throw invalid('truncated body length');
  const bodyLength = readU32be(bytes, off);
  off += 4;
  if (bodyLength < TAG_BYTES || bodyLength > MAX_PLAINTEXT_BYTES + TAG_BYTES)
    throw invalid(`body length ${bodyLength} out of range`);
  const body = take(bodyLength, 'body');
  if (off !== bytes.length) throw invalid(`${bytes.length - off} trailing bytes`);
  for (const s of [e, f]) {
    try {
      suite.decodeScalar(s);
    } catch (err) {
      throw invalid('proof scalar is not canonical', err);
    }
  }
  return { version, suite: name, label, U, Ubar, e, f, body };
}

export function bodyDigest(body: Bytes): Bytes {
  return hashTranscript(BODY_TAG, [body]);
}

/** H("decrypt/ciphertext", [ciphertext]): what partial decryptions are bound to. */
export function ciphertextDigest(ciphertext: Bytes): Bytes {
  return hashTranscript(DIGEST_TAG, [ciphertext]);
}

/** The validity-proof challenge e (TDH2's e = H1(c, L, u, w, ū, w̄) with Y and the suite added). */
export function validityChallenge(
  suite: Suite,
  version: number,
  Y: Bytes,
  label: Bytes,
  U: Bytes,
  Ubar: Bytes,
  W: Bytes,
  Wbar: Bytes,
  digest: Bytes,
): bigint {
  return hashToScalar(suite, PROOF_TAG, [
    utf8(suite.name),
    Uint8Array.of(version),
    Y,
    label,
    U,
    Ubar,
    W,
    Wbar,
    digest,
  ]);
}

/** A ciphertext that passed every check, with its points decoded once. */
export type CheckedCiphertext = {
  readonly suite: Suite;
  readonly Y: GroupPoint;
  readonly U: GroupPoint;
  readonly verified: VerifiedCiphertext;
};

function decodePublicKey(suite: Suite, publicKey: Bytes): GroupPoint {
  try {
    return suite.decodePoint(publicKey);
  } catch (e) {
    throw new TkmsError('request.invalid', { details: `public key: ${(e as Error).message}`, cause: e });
  }
}

/** `verifyCiphertext` with the decoded points, for partial decryption and combining. */
export function checkCiphertext(params: VerifyCiphertextParams): CheckedCiphertext {
  const suite = decryptionSuite(params.suite);
  const Y = decodePublicKey(suite, params.publicKey);
  if (!(params.label instanceof Uint8Array) || params.label.length > MAX_LABEL_BYTES)
    throw new TkmsError('request.invalid', { details: `label must be at most ${MAX_LABEL_BYTES} bytes` });
  const ct = decodeCiphertext(params.ciphertext);
  if (ct.suite !== suite.name) throw invalid(`ciphertext is for ${ct.suite}, the key is ${suite.name}`);
  // The label decides which policy applies: a node answers only for the label it authorised.
  if (!equalBytes(ct.label, params.label))
    throw new TkmsError('decrypt.label_mismatch', {
      details: 'the ciphertext is bound to another label than the authorised one',
    });
  let U: GroupPoint;
  let Ubar: GroupPoint;
  try {
    U = suite.decodePoint(ct.U);
    Ubar = suite.decodePoint(ct.Ubar);
  } catch (e) {
    throw invalid(`U or Ū: ${(e as Error).message}`, e);
  }
  const e = suite.decodeScalar(ct.e);
  const f = suite.decodeScalar(ct.f);
  // TDH2 ciphertext validity test: w = g^f / u^e, w̄ = ḡ^f / ū^e, e = H1(…, w, ū, w̄).
  const W = baseMinus(suite, f, U, e);
  const Wbar = pointMinus(secondGenerator(suite), f, Ubar, e);
  const expected = validityChallenge(
    suite,
    ct.version,
    params.publicKey,
    ct.label,
    ct.U,
    ct.Ubar,
    encodeForHash(suite, W),
    encodeForHash(suite, Wbar),
    bodyDigest(ct.body),
  );
  if (expected !== e)
    throw new TkmsError('decrypt.bad_proof', {
      details: 'the ciphertext validity proof does not verify (malformed, altered or bound to another key)',
    });
  return { suite, Y, U, verified: { ...ct, digest: ciphertextDigest(params.ciphertext) } };
}

/**
 * What a node runs before it answers a decryption request: the ciphertext decodes strictly (known
 * version and suite, exact length, canonical non-identity prime-order U and Ū, canonical proof
 * scalars), carries exactly the label the node authorised, and its TDH2 validity proof verifies
 * against this key. A node must never return x_i·U for a ciphertext that fails any of these: it
 * would be a static Diffie–Hellman oracle on its share.
 *
 * @throws TkmsError `decrypt.invalid_ciphertext`, `decrypt.label_mismatch`, `decrypt.bad_proof`,
 *   `key.type_unknown`, `request.invalid` (public key or label).
 * @example
 * const ct = verifyCiphertext({ suite: 'p256', publicKey: key.groupPublicKey, ciphertext, label });
 */
export function verifyCiphertext(params: VerifyCiphertextParams): VerifiedCiphertext {
  return checkCiphertext(params).verified;
}
