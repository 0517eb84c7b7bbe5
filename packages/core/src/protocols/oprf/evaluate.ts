/**
 * Node side of the threshold OPRF (TOPPSS, ePrint 2017/363, with RFC 9497 encodings): evaluate a
 * batch of elements under the node's key share and prove it.
 *
 * Checks before anything is computed with the share, in order:
 * 1. the suite has an RFC 9497 ciphersuite (ristretto255, p256)              → key.type_unknown
 * 2. 1 ≤ number of elements ≤ MAX_OPRF_BATCH                                 → request.invalid
 * 3. every element is a canonical encoding of a group element that is not
 *    the identity (RFC 9497 §3.3.1 BlindEvaluate's DeserializeElement);
 *    the first bad one is named by index                                     → oprf.bad_element
 * 4. the share is a canonical, non-zero scalar                               → request.invalid
 * Policy is not checked here: the node checks the caller and, in the policy-bound mode, the object
 * input it mapped to the element with `objectElement`, before calling this.
 */
import { type Bytes, concatBytes } from '../../crypto/bytes.ts';
import type { SecretBytes } from '../../crypto/secret.ts';
import type { GroupPoint, RandomSource, Suite, SuiteName } from '../../crypto/suites/types.ts';
import { TkmsError } from '../../errors/tkms-error.ts';
import { MODE_VOPRF, mulSecret, type OprfCiphersuite, oprfCiphersuite } from './ciphersuite.ts';
import { generateProof } from './dleq.ts';
import { MAX_OPRF_BATCH, type OprfEvaluation } from './types.ts';

/** The RFC 9497 ciphersuite for a suite, as a TkmsError for callers outside core. */
export function requireOprfCiphersuite(suite: Suite | SuiteName): OprfCiphersuite {
  try {
    return oprfCiphersuite(suite);
  } catch (e) {
    throw new TkmsError('key.type_unknown', { details: (e as Error).message });
  }
}

/** Strictly decodes a batch of request elements; names the first bad one by index. */
export function decodeElements(cs: OprfCiphersuite, elements: readonly Bytes[]): GroupPoint[] {
  if (!Array.isArray(elements) || elements.length === 0 || elements.length > MAX_OPRF_BATCH)
    throw new TkmsError('request.invalid', {
      details: `an evaluation takes 1 to ${MAX_OPRF_BATCH} elements, got ${Array.isArray(elements) ? elements.length : 'none'}`,
    });
  return elements.map((e, index) => {
    try {
      return cs.suite.decodePoint(e);
    } catch (err) {
      throw new TkmsError('oprf.bad_element', {
        details: `element ${index}: ${(err as Error).message}`,
        meta: { index },
      });
    }
  });
}

/**
 * Evaluates Z_j = k_i·M_j for every element and proves all of them with one RFC 9497 §2.2
 * batched DLEQ proof against the node's verifying share K_i = k_i·G (proof context: the suite's
 * VOPRF contextString, so the answer is a standard VOPRF BlindEvaluateBatch response under K_i).
 * With the whole key as `share`, the result is RFC 9497's VOPRF evaluation and proof.
 *
 * @param share the node's signing share k_i (canonical scalar encoding), e.g. `KeyShare.signingShare`
 * @param elements the request's elements: blinded elements, or `objectElement` outputs
 * @param random injected randomness for the proof nonce r
 * @throws TkmsError `key.type_unknown`, `request.invalid`, `oprf.bad_element` (meta.index)
 * @example
 * const answer = evaluateShare('ristretto255', keyShare.signingShare, [blindedElement], random);
 */
export function evaluateShare(
  suite: Suite | SuiteName,
  share: SecretBytes,
  elements: readonly Bytes[],
  random: RandomSource,
): OprfEvaluation {
  const cs = requireOprfCiphersuite(suite);
  const C = decodeElements(cs, elements);
  let k: bigint;
  try {
    k = cs.suite.decodeScalar(share.expose());
  } catch (e) {
    throw new TkmsError('request.invalid', { details: `key share: ${(e as Error).message}` });
  }
  if (k === 0n) throw new TkmsError('request.invalid', { details: 'key share is zero' });

  // BlindEvaluate: evaluatedElement = skS·blindedElement, per element, on the constant-time path.
  // The results are only sent and hashed, so with a native backend they stay encodings.
  const native = cs.suite.encodedArithmetic();
  const encodedC = elements.map((e) => Uint8Array.from(e));
  const encodedD = native
    ? encodedC.map((M) => native.mulSecret(M, k))
    : C.map((M) => cs.suite.encodePoint(mulSecret(M, k)));
  const encodedB = native ? native.mulBase(k) : cs.suite.encodePoint(cs.suite.mulBase(k));
  const r = cs.suite.randomScalar(random);
  const proof = generateProof(cs, MODE_VOPRF, k, { encodedB, C, encodedC, encodedD }, r);
  return { evaluations: encodedD, proof: concatBytes(proof) };
}
