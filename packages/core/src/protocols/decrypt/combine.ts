/**
 * Combining partial decryptions (TDH2 §4 combining algorithm, with per-share proofs as in its
 * share-verification step): verify every partial, name and drop the bad ones, interpolate x·U in
 * the exponent from `threshold` valid ones, derive the key and open the body. Needs no secret, so
 * the requester (the SDK) runs it; the plaintext exists only there.
 */
import { SecretBytes } from '../../crypto/secret.ts';
import { lagrangeAtZero } from '../../crypto/suites/poly.ts';
import type { GroupPoint } from '../../crypto/suites/types.ts';
import type { PartyId } from '../../engine/types.ts';
import { TkmsError } from '../../errors/tkms-error.ts';
import { parseIdentifier, sortedUnique } from '../key-share.ts';
import { checkCiphertext, decryptionSuite } from './ciphertext.ts';
import { openBody } from './kdf.ts';
import { type PartialSigner, verifyPartial } from './partial.ts';
import type { CombineDecryptionParams } from './types.ts';

/** A partial that was left out, and why. */
export type RejectedPartial = { readonly party: PartyId; readonly reason: string };

export type CombineDecryptionResult = {
  readonly plaintext: SecretBytes;
  /** The parties whose partials were interpolated (the first `threshold` valid ones, sorted). */
  readonly used: readonly PartyId[];
  /** Partials that failed verification and were dropped: report these nodes. */
  readonly rejected: readonly RejectedPartial[];
};

/**
 * Opens a ciphertext from the nodes' partial decryptions.
 *
 * Checks, in order: the ciphertext (as `verifyCiphertext`, with the label the requester expects);
 * for every partial, that its sender is a party of the key with a canonical identifier and
 * verifying share, that it decodes strictly, and that its DLEQ proof verifies for that sender,
 * this ciphertext and this label; at least `threshold` partials pass; x·U = Σ λ_i·D_i; the
 * AES-GCM tag verifies under the derived key.
 *
 * @throws TkmsError `decrypt.not_enough_partials` (culprits: senders of rejected partials),
 *   `decrypt.open_failed` (every check passed but the tag does not verify: the encryptor sealed
 *   the body under another key, or the key package is inconsistent), and the errors of
 *   `verifyCiphertext`; `request.invalid` for a bad key package.
 * @example
 * const { plaintext } = combineDecryption({ key: publicKeyPackage, ciphertext, label,
 *   partials: { 'node-1': p1, 'node-3': p3 } });
 */
export function combineDecryption(params: CombineDecryptionParams): CombineDecryptionResult {
  const { key } = params;
  const suite = decryptionSuite(key.suite);
  const t = key.threshold;
  if (!Number.isSafeInteger(t) || t < 2)
    throw new TkmsError('request.invalid', { details: `threshold ${String(t)}` });
  const ct = checkCiphertext({
    suite: suite.name,
    publicKey: key.groupPublicKey,
    ciphertext: params.ciphertext,
    label: params.label,
  });

  const senders = sortedUnique(Object.keys(params.partials)) ?? [];
  const valid: { party: PartyId; id: bigint; D: GroupPoint }[] = [];
  const rejected: RejectedPartial[] = [];
  for (const party of senders) {
    const idHex = Object.hasOwn(key.identifiers, party) ? key.identifiers[party] : undefined;
    const Xbytes = Object.hasOwn(key.verifyingShares, party) ? key.verifyingShares[party] : undefined;
    if (idHex === undefined || Xbytes === undefined) {
      rejected.push({ party, reason: 'not a party of the key' });
      continue;
    }
    let signer: PartialSigner;
    try {
      signer = { party, id: parseIdentifier(suite, idHex), X: suite.decodePoint(Xbytes) };
    } catch (e) {
      throw new TkmsError('request.invalid', {
        details: `key package entry of ${party}: ${(e as Error).message}`,
      });
    }
    const partial = params.partials[party];
    const r = partial
      ? verifyPartial(ct, key.groupPublicKey, signer, partial)
      : { ok: false as const, reason: 'missing' };
    if (r.ok) valid.push({ party, id: signer.id, D: r.D });
    else rejected.push({ party, reason: r.reason });
  }

  if (valid.length < t)
    throw new TkmsError('decrypt.not_enough_partials', {
      culprits: rejected.map((r) => r.party),
      details: `${valid.length} valid of ${senders.length} partials, threshold ${t}${
        rejected.length ? `; rejected: ${rejected.map((r) => `${r.party} (${r.reason})`).join(', ')}` : ''
      }`,
      meta: { valid: valid.map((v) => v.party), rejected },
    });

  const chosen = valid.slice(0, t);
  const xs = chosen.map((v) => v.id);
  let lambdas: bigint[];
  try {
    lambdas = xs.map((x) => lagrangeAtZero(suite, xs, x));
  } catch (e) {
    throw new TkmsError('request.invalid', { details: `identifiers: ${(e as Error).message}` });
  }
  // x·U = Σ λ_i·D_i (TDH2 combining; RFC 9591 §4.2 Lagrange coefficients at 0).
  const shared = suite.msm(
    chosen.map((v) => v.D),
    lambdas,
  );
  if (shared.is0())
    throw new TkmsError('decrypt.open_failed', { details: 'the combined key point is the identity' });
  const { verified } = ct;
  const plaintext = openBody(
    { suite, version: verified.version, Y: key.groupPublicKey, U: verified.U, label: verified.label },
    shared,
    verified.body,
  );
  if (!plaintext)
    throw new TkmsError('decrypt.open_failed', {
      details:
        'every partial verified but the authentication tag does not: the body was not sealed under this key (faulty encryptor) or the key package is inconsistent',
    });
  const out = new SecretBytes(plaintext);
  plaintext.fill(0);
  return { plaintext: out, used: chosen.map((v) => v.party), rejected };
}
