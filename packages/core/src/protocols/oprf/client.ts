/**
 * Requester side of RFC 9497 mode 0 (OPRF), §3.3.1: Blind and Finalize, plus the policy-bound
 * variant in which nothing is blinded and every node maps the object input to the element itself.
 *
 * Two ways to ask for F(k, input) = Hash(I2OSP(len(input), 2) || input ||
 * I2OSP(len(N), 2) || N || "Finalize") with N = k·HashToGroup(input):
 * - blinded (`blind` → nodes evaluate `blindedElement` → `combineEvaluations` → `finalize`): the
 *   nodes learn nothing about the input, and so cannot check a per-object policy; only for
 *   requesters entitled to evaluate any input under the key.
 * - policy-bound (`objectElement` on both sides → nodes evaluate → `combineEvaluations` →
 *   `finalizeObject`): each node sees the input it evaluates and checks its policy on it.
 * Both give the same output for the same key and input, and it equals RFC 9497's single-key
 * output (§3.3.1 Finalize, and §3.3.1 Evaluate for the server-side form).
 */
import { invertCt } from '@noble/curves/abstract/modular.js';
import { type Bytes, concatBytes, utf8 } from '../../crypto/bytes.ts';
import { SecretBytes } from '../../crypto/secret.ts';
import type { GroupPoint, RandomSource, Suite, SuiteName } from '../../crypto/suites/types.ts';
import { TkmsError } from '../../errors/tkms-error.ts';
import {
  lengthPrefixed,
  MAX_OPRF_INPUT_BYTES,
  MODE_OPRF,
  mulSecret,
  type OprfCiphersuite,
} from './ciphersuite.ts';
import { requireOprfCiphersuite } from './evaluate.ts';

export type BlindResult = {
  /** The blind r: keep it until `finalize`, never send it. */
  readonly blind: SecretBytes;
  /** r·HashToGroup(input): send this to the nodes. */
  readonly blindedElement: Bytes;
};

const FINALIZE = utf8('Finalize');

function inputElement<T>(input: Bytes, hashToGroup: (input: Bytes) => T): T {
  if (!(input instanceof Uint8Array) || input.length > MAX_OPRF_INPUT_BYTES)
    throw new TkmsError('request.invalid', { details: 'OPRF input must be at most 65535 bytes' });
  try {
    return hashToGroup(input);
  } catch (e) {
    // §3.3.1 Blind: "if inputElement == G.Identity(): raise InvalidInputError" (probability ~2^-252).
    throw new TkmsError('request.invalid', { details: `OPRF input: ${(e as Error).message}` });
  }
}

function outputHash(cs: OprfCiphersuite, input: Bytes, N: GroupPoint): SecretBytes {
  // hashInput = I2OSP(len(input), 2) || input || I2OSP(len(unblindedElement), 2) || unblindedElement || "Finalize"
  const out = cs.hash(concatBytes(lengthPrefixed(input), lengthPrefixed(cs.suite.encodePoint(N)), FINALIZE));
  const secret = new SecretBytes(out);
  out.fill(0);
  return secret;
}

function decodeEvaluated(cs: OprfCiphersuite, evaluatedElement: Bytes): GroupPoint {
  try {
    return cs.suite.decodePoint(evaluatedElement);
  } catch (e) {
    throw new TkmsError('request.invalid', { details: `evaluated element: ${(e as Error).message}` });
  }
}

/**
 * RFC 9497 §3.3.1 Blind: blind = RandomScalar(), blindedElement = blind·HashToGroup(input) with
 * DST "HashToGroup-OPRFV1-\x00-<suite>".
 *
 * @throws TkmsError `key.type_unknown`, `request.invalid` (input over 65535 bytes)
 * @example
 * const { blind: r, blindedElement } = blind('ristretto255', input, random);
 */
export function blind(suite: Suite | SuiteName, input: Bytes, random: RandomSource): BlindResult {
  const cs = requireOprfCiphersuite(suite);
  const P = inputElement(input, (x) => cs.hashToGroup(x, MODE_OPRF));
  const r = cs.suite.randomScalar(random);
  return {
    blind: new SecretBytes(cs.suite.encodeScalar(r)),
    blindedElement: cs.suite.encodePoint(mulSecret(P, r)),
  };
}

/**
 * RFC 9497 §3.3.1 Finalize: N = blind⁻¹·evaluatedElement (constant-time inverse and
 * multiplication: the blind is secret), output = Hash(I2OSP(len(input), 2) || input ||
 * I2OSP(len(N), 2) || N || "Finalize"). `evaluatedElement` is a combined Z from
 * `combineEvaluations`, whose proofs were verified there.
 *
 * @throws TkmsError `key.type_unknown`, `request.invalid`
 */
export function finalize(
  suite: Suite | SuiteName,
  input: Bytes,
  blindValue: SecretBytes,
  evaluatedElement: Bytes,
): SecretBytes {
  const cs = requireOprfCiphersuite(suite);
  if (input.length > MAX_OPRF_INPUT_BYTES)
    throw new TkmsError('request.invalid', { details: 'OPRF input must be at most 65535 bytes' });
  const Z = decodeEvaluated(cs, evaluatedElement);
  let r: bigint;
  try {
    r = cs.suite.decodeScalar(blindValue.expose());
  } catch (e) {
    throw new TkmsError('request.invalid', { details: `blind: ${(e as Error).message}` });
  }
  if (r === 0n) throw new TkmsError('request.invalid', { details: 'blind is zero' });
  return outputHash(cs, input, mulSecret(Z, invertCt(r, cs.suite.order)));
}

/**
 * Policy-bound mode, requester side: the output for an unblinded evaluation Z = k·HashToGroup(input)
 * (what `combineEvaluations` returns for `objectElement(suite, input)`). Equals RFC 9497 §3.3.1
 * Evaluate(skS, input) for the group key's secret, and `finalize` of a blinded request.
 *
 * @throws TkmsError `key.type_unknown`, `request.invalid`
 */
export function finalizeObject(suite: Suite | SuiteName, input: Bytes, evaluatedElement: Bytes): SecretBytes {
  const cs = requireOprfCiphersuite(suite);
  if (input.length > MAX_OPRF_INPUT_BYTES)
    throw new TkmsError('request.invalid', { details: 'OPRF input must be at most 65535 bytes' });
  return outputHash(cs, input, decodeEvaluated(cs, evaluatedElement));
}

/**
 * Policy-bound mode: the element M = HashToGroup(input) (mode-0 DST) for an object input. The node
 * computes it from the input it has checked against its policy and evaluates that; the requester
 * computes the same element to verify the nodes' proofs in `combineEvaluations`.
 *
 * @throws TkmsError `key.type_unknown`, `request.invalid`
 * @example
 * const M = objectElement('ristretto255', objectInput({ keyId, object: 'invoices/42', version: 1 }));
 */
export function objectElement(suite: Suite | SuiteName, input: Bytes): Bytes {
  const cs = requireOprfCiphersuite(suite);
  return inputElement(input, (x) => cs.hashToGroupEncoded(x, MODE_OPRF));
}
