/**
 * Partial decryption (TDH2 §4 decryption share): node i returns D_i = x_i·U with a Chaum–Pedersen
 * proof that log_G X_i = log_U D_i, bound to the node, the ciphertext and the label.
 *
 * Layout (version 1): version (1) = 0x01 | suite (1) | D_i (P) | c (S) | z (S).
 *
 * Proof: k ← H(random, x_i, ciphertext digest, party) (hedged nonce); A = k·G, B = k·U;
 *   c = H("decrypt/partial-proof", [suite, version, Y, party, identifier, X_i, ciphertext digest,
 *   label, U, D_i, A, B]); z = k + c·x_i.
 * Verification: A = z·G − c·X_i, B = z·U − c·D_i, c recomputed.
 */
import { type Bytes, concatBytes, utf8, wipe } from '../../crypto/bytes.ts';
import type { GroupPoint, Suite } from '../../crypto/suites/types.ts';
import type { PartyId } from '../../engine/types.ts';
import { TkmsError } from '../../errors/tkms-error.ts';
import { readIdentifiers, readVerifyingShares } from '../key-share.ts';
import { type CheckedCiphertext, checkCiphertext, decryptionSuite } from './ciphertext.ts';
import { encodeForHash, hashToScalar, mulSecret, suiteFromId, suiteId } from './group.ts';
import { type DecodedPartial, PARTIAL_VERSION, type PartialDecryptParams } from './types.ts';

const PROOF_TAG = 'decrypt/partial-proof';
const NONCE_TAG = 'decrypt/partial-nonce';

/** Exact length of a version-1 partial for `suite`. */
export function partialLength(suite: Suite): number {
  return 2 + suite.pointLength + 2 * suite.scalarLength;
}

export function encodePartial(p: DecodedPartial): Bytes {
  const suite = decryptionSuite(p.suite);
  if (p.version !== PARTIAL_VERSION) throw new RangeError(`unsupported partial version ${p.version}`);
  if (p.D.length !== suite.pointLength) throw new RangeError('point length');
  if (p.c.length !== suite.scalarLength || p.z.length !== suite.scalarLength)
    throw new RangeError('scalar length');
  return concatBytes(Uint8Array.of(p.version, suiteId(suite.name) as number), p.D, p.c, p.z);
}

/**
 * Strict decoding: known version and suite, exact length, canonical scalars c and z. D_i stays
 * bytes (the combiner decodes it). Throws `RangeError`.
 */
export function decodePartial(bytes: Bytes): DecodedPartial {
  if (!(bytes instanceof Uint8Array) || bytes.length < 2) throw new RangeError('truncated partial');
  if (bytes[0] !== PARTIAL_VERSION) throw new RangeError(`unsupported partial version ${bytes[0] as number}`);
  const name = suiteFromId(bytes[1] as number);
  if (!name) throw new RangeError(`unknown suite byte ${bytes[1] as number}`);
  const suite = decryptionSuite(name);
  if (bytes.length !== partialLength(suite))
    throw new RangeError(`partial must be ${partialLength(suite)} bytes, got ${bytes.length}`);
  const P = suite.pointLength;
  const S = suite.scalarLength;
  const D = bytes.slice(2, 2 + P);
  const c = bytes.slice(2 + P, 2 + P + S);
  const z = bytes.slice(2 + P + S);
  suite.decodeScalar(c);
  suite.decodeScalar(z);
  return { version: PARTIAL_VERSION, suite: name, D, c, z };
}

/** Who the proof is bound to: the node and its key material. */
export type PartialSigner = {
  readonly party: PartyId;
  readonly id: bigint;
  readonly X: GroupPoint;
};

function partialChallenge(
  ct: CheckedCiphertext,
  Ybytes: Bytes,
  signer: PartialSigner,
  D: Bytes,
  A: Bytes,
  B: Bytes,
): bigint {
  const { suite, verified } = ct;
  return hashToScalar(suite, PROOF_TAG, [
    utf8(suite.name),
    Uint8Array.of(PARTIAL_VERSION),
    Ybytes,
    utf8(signer.party),
    suite.encodeScalar(signer.id),
    suite.encodePoint(signer.X),
    verified.digest,
    verified.label,
    verified.U,
    D,
    A,
    B,
  ]);
}

/**
 * Checks one partial against a verified ciphertext (whose label is the authorised one): strict decoding, suite, canonical prime-order
 * non-identity D_i, and the DLEQ proof for this signer. Returns D_i or the reason it failed.
 */
export function verifyPartial(
  ct: CheckedCiphertext,
  Ybytes: Bytes,
  signer: PartialSigner,
  bytes: Bytes,
): { ok: true; D: GroupPoint } | { ok: false; reason: string } {
  const { suite } = ct;
  let p: DecodedPartial;
  let D: GroupPoint;
  try {
    p = decodePartial(bytes);
    if (p.suite !== suite.name) return { ok: false, reason: `partial is for ${p.suite}` };
    D = suite.decodePoint(p.D);
  } catch (e) {
    return { ok: false, reason: `malformed partial (${(e as Error).message})` };
  }
  const c = suite.decodeScalar(p.c);
  const z = suite.decodeScalar(p.z);
  // A = z·G − c·X_i (X_i is the same object on every call: a table after a few uses);
  // B = z·U − c·D_i as one interleaved multi-scalar multiplication.
  const A = suite.mulBasePublic(z).subtract(suite.mulRepeated(signer.X, c));
  const B = suite.msm([ct.U, D], [z, suite.Fn.neg(c)]);
  const expected = partialChallenge(
    ct,
    Ybytes,
    signer,
    p.D,
    encodeForHash(suite, A),
    encodeForHash(suite, B),
  );
  if (expected !== c) return { ok: false, reason: 'decryption-share proof does not verify' };
  return { ok: true, D };
}

/**
 * A node's answer to a decryption request. Runs `verifyCiphertext` first (and refuses, with its
 * error, anything that fails it), then returns D_i = x_i·U with its proof. The output is
 * self-checked. It reveals nothing about the plaintext: D_i alone is a share of the ECIES key
 * point, useless without `threshold − 1` others.
 *
 * @throws TkmsError from `verifyCiphertext`; `request.invalid` (party not in the key, share does
 *   not match its verifying share); `internal` (self-check failed).
 * @example
 * const partial = partialDecrypt({ key, party: 'node-1', ciphertext, label, random: randomBytes });
 */
export function partialDecrypt(params: PartialDecryptParams): Bytes {
  const { key, party, label } = params;
  const suite = decryptionSuite(key.suite);
  let signer: PartialSigner;
  try {
    if (!key.parties.includes(party)) throw new RangeError(`${party} is not a party of the key`);
    const id = readIdentifiers(suite, key.identifiers, [party]).get(party) as bigint;
    const X = readVerifyingShares(suite, key.verifyingShares, [party]).get(party) as GroupPoint;
    signer = { party, id, X };
  } catch (e) {
    throw new TkmsError('request.invalid', { details: `key share: ${(e as Error).message}`, cause: e });
  }
  const ct = checkCiphertext({
    suite: suite.name,
    publicKey: key.groupPublicKey,
    ciphertext: params.ciphertext,
    label,
  });

  const xi = suite.decodeScalar(key.signingShare.expose());
  if (xi === 0n || !suite.mulBase(xi).equals(signer.X))
    throw new TkmsError('request.invalid', { details: 'key share does not match its verifying share' });

  const D = suite.encodePoint(mulSecret(ct.U, xi));
  // Hedged nonce (as RFC 9591 nonce_generate): fresh randomness plus the secret, so a weak random
  // source alone does not repeat k across ciphertexts.
  const xiBytes = suite.encodeScalar(xi);
  const k = hashToScalar(suite, NONCE_TAG, [params.random(32), xiBytes, ct.verified.digest, utf8(party)]);
  wipe(xiBytes);
  if (k === 0n) throw new TkmsError('internal', { details: 'zero proof nonce' });
  const A = suite.encodePoint(suite.mulBase(k));
  const B = suite.encodePoint(mulSecret(ct.U, k));
  const c = partialChallenge(ct, key.groupPublicKey, signer, D, A, B);
  const z = suite.Fn.add(k, suite.Fn.mul(c, xi));
  const out = encodePartial({
    version: PARTIAL_VERSION,
    suite: suite.name,
    D,
    c: suite.encodeScalar(c),
    z: suite.encodeScalar(z),
  });
  // Self-check: a fault in D_i or the proof must not leave the node.
  if (!verifyPartial(ct, key.groupPublicKey, signer, out).ok)
    throw new TkmsError('internal', { details: 'partial decryption failed its self-check' });
  return out;
}
