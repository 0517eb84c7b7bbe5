/**
 * Encryption to a group key: ECIES with a TDH2 validity proof. Needs only the public key, so the
 * SDK, a browser or any service encrypts without talking to the cluster.
 */
import type { Bytes } from '../../crypto/bytes.ts';
import { TkmsError } from '../../errors/tkms-error.ts';
import {
  bodyDigest,
  checkCiphertext,
  decryptionSuite,
  encodeCiphertext,
  validityChallenge,
} from './ciphertext.ts';
import { mulSecret, secondGenerator } from './group.ts';
import { sealBody } from './kdf.ts';
import { CIPHERTEXT_VERSION, type EncryptParams, MAX_LABEL_BYTES, MAX_PLAINTEXT_BYTES } from './types.ts';

/**
 * Encrypts `plaintext` to the group key `publicKey`, bound to `label`.
 *
 * 1. r ← random non-zero scalar; U = r·G; Ū = r·Ḡ.
 * 2. (key, nonce) = HKDF-SHA256(r·Y, info = suite, version, Y, U, label); body = AES-256-GCM.
 * 3. Validity proof (TDH2): s ← random; W = s·G, W̄ = s·Ḡ;
 *    e = H(suite, version, Y, label, U, Ū, W, W̄, H(body)); f = s + r·e.
 * The result is self-checked with `verifyCiphertext` before it is returned.
 *
 * @throws TkmsError `key.type_unknown`, `request.invalid` (public key, label or plaintext size).
 * @example
 * const ct = encryptToKey({ suite: 'p256', publicKey: key.groupPublicKey,
 *   plaintext: dek, label: utf8('tenant-7/doc-42/v1'), random: randomBytes });
 */
export function encryptToKey(params: EncryptParams): Bytes {
  const suite = decryptionSuite(params.suite);
  const { label, plaintext } = params;
  if (!(label instanceof Uint8Array) || label.length > MAX_LABEL_BYTES)
    throw new TkmsError('request.invalid', { details: `label must be at most ${MAX_LABEL_BYTES} bytes` });
  if (!(plaintext instanceof Uint8Array) || plaintext.length > MAX_PLAINTEXT_BYTES)
    throw new TkmsError('request.invalid', {
      details: `plaintext must be at most ${MAX_PLAINTEXT_BYTES} bytes`,
    });
  let Y: ReturnType<typeof suite.decodePoint>;
  try {
    Y = suite.decodePoint(params.publicKey);
  } catch (e) {
    throw new TkmsError('request.invalid', { details: `public key: ${(e as Error).message}`, cause: e });
  }
  const Gbar = secondGenerator(suite);
  const version = CIPHERTEXT_VERSION;

  const r = suite.randomScalar(params.random);
  const U = suite.encodePoint(suite.mulBase(r));
  const Ubar = suite.encodePoint(mulSecret(Gbar, r));
  const body = sealBody(
    { suite, version, Y: params.publicKey, U, label },
    suite.mulSecretRepeated(Y, r),
    plaintext,
  );

  const s = suite.randomScalar(params.random);
  const W = suite.encodePoint(suite.mulBase(s));
  const Wbar = suite.encodePoint(mulSecret(Gbar, s));
  const e = validityChallenge(suite, version, params.publicKey, label, U, Ubar, W, Wbar, bodyDigest(body));
  const f = suite.Fn.add(s, suite.Fn.mul(r, e));

  const ciphertext = encodeCiphertext({
    version,
    suite: suite.name,
    label: Uint8Array.from(label),
    U,
    Ubar,
    e: suite.encodeScalar(e),
    f: suite.encodeScalar(f),
    body,
  });
  // Self-check: what leaves here is exactly what every node will accept.
  checkCiphertext({ suite: suite.name, publicKey: params.publicKey, ciphertext, label });
  return ciphertext;
}
