/**
 * Threshold OPRF for per-object data keys: 2HashDH (Jarecki, Kiayias, Krawczyk, "Round-Optimal
 * Password-Protected Secret Sharing and T-PAKE in the Password-Only Model", ASIACRYPT 2014, ePrint
 * 2014/650) thresholdised as in TOPPSS (Jarecki, Kiayias, Krawczyk, Xu, ACNS 2017, ePrint
 * 2017/363), with the encodings, hashes and proofs of RFC 9497 ("Oblivious Pseudorandom Functions
 * (OPRFs) Using Prime-Order Groups") mode 0, ciphersuites ristretto255-SHA512 and P256-SHA256.
 *
 * The OPRF key k is Shamir-shared by the PedPoP DKG: node i holds k_i (its signing share) and
 * everybody knows K_i = k_i·G (verifying shares) and K = k·G (group key). One round, no
 * node-to-node traffic: each node returns k_i·M_j for the request's elements with one batched
 * DLEQ proof (evaluate.ts); the requester verifies, interpolates k·M_j (combine.ts) and finalises
 * (client.ts); the output equals RFC 9497's single-key output for k. docs/protocols/oprf.md has the
 * messages, every check and the security argument.
 *
 * Intentional divergences from RFC 9497 (docs/protocols/oprf.md §6):
 * - Evaluation is mode 0 (OPRF) but every node attaches an RFC 9497 §2.2 proof made with the mode-1
 *   (VOPRF) context string against its verifying share K_i instead of a server public key: each
 *   answer is a standard VOPRF batch response under K_i. No mode-1 outputs are produced.
 * - A policy-bound mode evaluates M = HashToGroup(input) without blinding, so that each node sees
 *   and can authorise the object; its output equals RFC 9497 Evaluate / the blinded output.
 * - POPRF (mode 2) is not offered: (k + H(info))⁻¹ is not linear in k.
 */
export {
  isOprfSuite,
  MAX_OPRF_INPUT_BYTES,
  MODE_OPRF,
  MODE_VOPRF,
  type OprfSuiteId,
} from './ciphersuite.ts';
export { type BlindResult, blind, finalize, finalizeObject, objectElement } from './client.ts';
export {
  type CombineCoveredResult,
  type CoveredEvaluation,
  combineCoveredEvaluations,
  combineEvaluations,
  verifyShareProof,
} from './combine.ts';
export {
  DATA_KEY_BYTES,
  type DataKeyContext,
  type DeriveDataKeyParams,
  deriveDataKey,
  objectInput,
  parseObjectInput,
} from './data-key.ts';
export { evaluateShare } from './evaluate.ts';
export {
  type CombineEvaluationsParams,
  type CombineEvaluationsResult,
  MAX_OPRF_BATCH,
  OPRF_PROTOCOL,
  type OprfEvaluation,
  type OprfPublicKey,
  type RejectedEvaluation,
} from './types.ts';
