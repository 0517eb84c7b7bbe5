import type { Bytes } from '../../crypto/bytes.ts';
import type { PartyId } from '../../engine/types.ts';
import type { PublicKeyPackage } from '../key-share.ts';

/** Protocol id of a threshold OPRF evaluation (session ids, audit records, envelopes). */
export const OPRF_PROTOCOL = 'tkms/oprf-2hashdh/v1';

/**
 * Most elements one evaluation accepts. The RFC's composite transcript numbers elements with
 * I2OSP(i, 2), so 65535 is the protocol limit; a node should configure a much lower one.
 */
export const MAX_OPRF_BATCH = 0xffff;

/**
 * One node's answer to an evaluation request: Z_{i,j} = k_i·M_j for every element M_j of the
 * request (canonical encodings, same order), and one RFC 9497 §2.2 batched DLEQ proof that
 * log_G(K_i) = log_{M_j}(Z_{i,j}) for all j, where K_i is the node's verifying share. It is exactly
 * an RFC 9497 VOPRF BlindEvaluateBatch response under the public key K_i.
 */
export type OprfEvaluation = {
  readonly evaluations: readonly Bytes[];
  /** SerializeScalar(c) || SerializeScalar(s): 64 bytes on both suites. */
  readonly proof: Bytes;
};

/** The public key material the combiner needs (a `PublicKeyPackage` has all of it). */
export type OprfPublicKey = Pick<PublicKeyPackage, 'suite' | 'threshold' | 'identifiers' | 'verifyingShares'>;

export type CombineEvaluationsParams = {
  readonly key: OprfPublicKey;
  /** The elements the requester sent (blinded elements, or `objectElement` outputs), in order. */
  readonly elements: readonly Bytes[];
  /** Every answer received, by node. Pass `threshold` of them; pass more to survive bad ones. */
  readonly answers: Readonly<Record<PartyId, OprfEvaluation>>;
};

/** An answer that was left out, with the check that failed. */
export type RejectedEvaluation = {
  readonly party: PartyId;
  readonly code: 'oprf.bad_evaluation' | 'oprf.bad_proof';
  readonly reason: string;
};

export type CombineEvaluationsResult = {
  /** Z_j = k·M_j for every element, canonical encodings, same order as `elements`. */
  readonly evaluations: Bytes[];
  /**
   * The nodes whose answers were interpolated (sorted): `threshold` valid ones, a run of
   * consecutive identifiers when there is one (cheaper to combine), else the first ones.
   */
  readonly used: PartyId[];
  /** Answers that failed a check and were dropped: report these nodes. */
  readonly rejected: RejectedEvaluation[];
};
