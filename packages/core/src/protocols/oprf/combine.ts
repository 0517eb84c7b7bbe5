/**
 * Requester side of the threshold OPRF (TOPPSS combining, with per-node proofs): verify every
 * node's answer, name and drop the bad ones, and interpolate in the exponent from `threshold`
 * valid answers: Z_j = Σ_i λ_i·Z_{i,j} = k·M_j. Needs no secret, so the SDK runs it.
 *
 * Checks on each answer, in order (a failure drops the answer and names its node):
 * 1. it has exactly one evaluation per element and a proof of 2·Ns bytes        → oprf.bad_evaluation
 * 2. every evaluation is a canonical encoding of a group element that is not the
 *    identity (off-curve, non-canonical and identity encodings fail here)        → oprf.bad_evaluation
 * 3. the RFC 9497 §2.2 batched DLEQ proof verifies for B = the node's verifying
 *    share, C = the requester's own elements, D = the evaluations (a wrong Z, a
 *    proof for other elements or replayed from another request fails here)      → oprf.bad_proof
 * Then: at least `threshold` answers pass                                          → oprf.not_enough_answers
 * Caller errors (unknown suite, malformed key package, an answer from a party that does not hold
 * the key, bad elements) throw `key.type_unknown`, `request.invalid` or `oprf.bad_element`.
 */
import type { Bytes } from '../../crypto/bytes.ts';
import { lagrangeAtZero } from '../../crypto/suites/poly.ts';
import type { GroupPoint, Suite, SuiteName } from '../../crypto/suites/types.ts';
import type { PartyId } from '../../engine/types.ts';
import { TkmsError } from '../../errors/tkms-error.ts';
import { readIdentifiers, readVerifyingShares, sortedUnique } from '../key-share.ts';
import { MODE_VOPRF, type OprfCiphersuite } from './ciphersuite.ts';
import { verifyProof } from './dleq.ts';
import { decodeElements, requireOprfCiphersuite } from './evaluate.ts';
import type {
  CombineEvaluationsParams,
  CombineEvaluationsResult,
  OprfEvaluation,
  RejectedEvaluation,
} from './types.ts';

type Checked =
  | { readonly ok: true; readonly Z: GroupPoint[] }
  | { readonly ok: false; readonly code: RejectedEvaluation['code']; readonly reason: string };

/** Checks 1–3 of the module comment for one answer. */
function checkAnswer(
  cs: OprfCiphersuite,
  K: GroupPoint,
  encodedK: Bytes,
  C: readonly GroupPoint[],
  encodedC: readonly Bytes[],
  answer: OprfEvaluation,
): Checked {
  const { suite } = cs;
  const evaluations: unknown = answer?.evaluations;
  if (!Array.isArray(evaluations) || evaluations.length !== C.length)
    return {
      ok: false,
      code: 'oprf.bad_evaluation',
      reason: `expected ${C.length} evaluations, got ${Array.isArray(evaluations) ? evaluations.length : 'none'}`,
    };
  if (!(answer.proof instanceof Uint8Array) || answer.proof.length !== 2 * suite.scalarLength)
    return {
      ok: false,
      code: 'oprf.bad_evaluation',
      reason: `proof must be ${2 * suite.scalarLength} bytes`,
    };
  const Z: GroupPoint[] = [];
  const encodedZ: Bytes[] = [];
  for (const [j, e] of (evaluations as unknown[]).entries()) {
    try {
      if (!(e instanceof Uint8Array)) throw new RangeError('not bytes');
      Z.push(suite.decodePoint(e));
      encodedZ.push(e);
    } catch (err) {
      return { ok: false, code: 'oprf.bad_evaluation', reason: `evaluation ${j}: ${(err as Error).message}` };
    }
  }
  const statement = { B: K, encodedB: encodedK, C, encodedC, D: Z, encodedD: encodedZ };
  if (!verifyProof(cs, MODE_VOPRF, statement, answer.proof))
    return {
      ok: false,
      code: 'oprf.bad_proof',
      reason: 'the DLEQ proof does not verify against the verifying share',
    };
  return { ok: true, Z };
}

/**
 * Verifies one node's answer for `elements` against its verifying share K_i (checks 1–3).
 * Returns false for any malformed input instead of throwing.
 *
 * @example
 * if (!verifyShareProof('p256', key.verifyingShares['node-2'], elements, answer)) blame('node-2');
 */
export function verifyShareProof(
  suite: Suite | SuiteName,
  verifyingShare: Bytes,
  elements: readonly Bytes[],
  answer: OprfEvaluation,
): boolean {
  try {
    const cs = requireOprfCiphersuite(suite);
    const C = decodeElements(cs, elements);
    const K = cs.suite.decodePoint(verifyingShare);
    return checkAnswer(cs, K, verifyingShare, C, elements, answer).ok;
  } catch {
    return false;
  }
}

/** λ below this bound (or its negation) is treated as a small integer: see `interpolate`. */
const SMALL = 1n << 64n;

/**
 * Z_j = Σ_i λ_i·Z_{i,j} for every j. The λ_i are the same for every element; when all of them are
 * small integers up to sign — always for consecutive identifiers, e.g. {1, 2} gives λ = (2, −1) —
 * each Z_j is an MSM with 64-bit scalars (negative ones folded into the points), about 30× cheaper
 * than with full-size scalars. Otherwise full-size λ. All inputs are public.
 */
function interpolate(
  suite: Suite,
  lambdas: readonly bigint[],
  Zs: readonly GroupPoint[][],
  m: number,
): GroupPoint[] {
  const q = suite.order;
  const small = lambdas.every((l) => l < SMALL || q - l < SMALL);
  const out: GroupPoint[] = [];
  for (let j = 0; j < m; j++) {
    const points: GroupPoint[] = [];
    const scalars: bigint[] = [];
    for (const [i, l] of lambdas.entries()) {
      const Z = (Zs[i] as GroupPoint[])[j] as GroupPoint;
      if (small && l >= SMALL) {
        points.push(Z.negate());
        scalars.push(q - l);
      } else {
        points.push(Z);
        scalars.push(l);
      }
    }
    out.push(suite.msm(points, scalars));
  }
  return out;
}

/**
 * The `t` valid answers to interpolate: the first run of `t` consecutive identifiers if there is
 * one (their λ are small integers, see `interpolate`), otherwise the first `t` (sorted by party).
 * Any choice gives the same result; this one only makes it cheaper.
 */
function chooseSigners<V extends { readonly id: bigint }>(valid: readonly V[], t: number): V[] {
  const byId = [...valid].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (let start = 0; start + t <= byId.length; start++) {
    const run = byId.slice(start, start + t);
    const first = (run[0] as V).id;
    if (run.every((v, i) => v.id === first + BigInt(i))) return valid.filter((v) => run.includes(v));
  }
  return valid.slice(0, t);
}

/**
 * What both combiners check first (caller errors): the threshold, the elements, distinct senders
 * that hold the key with canonical identifiers and verifying shares.
 */
function prepare(
  cs: OprfCiphersuite,
  key: CombineEvaluationsParams['key'],
  elements: readonly Bytes[],
  answers: Readonly<Record<PartyId, unknown>>,
): {
  t: number;
  C: GroupPoint[];
  senders: PartyId[];
  ids: Map<PartyId, bigint>;
  shares: Map<PartyId, GroupPoint>;
} {
  const t = key.threshold;
  if (!Number.isSafeInteger(t) || t < 1)
    throw new TkmsError('request.invalid', { details: `threshold ${String(t)}` });
  const C = decodeElements(cs, elements);
  const senders = sortedUnique(Object.keys(answers ?? {}));
  if (!senders) throw new TkmsError('request.invalid', { details: 'duplicate answer senders' });
  try {
    return {
      t,
      C,
      senders,
      ids: readIdentifiers(cs.suite, key.identifiers, senders),
      shares: readVerifyingShares(cs.suite, key.verifyingShares, senders),
    };
  } catch (e) {
    throw new TkmsError('request.invalid', { details: `key package: ${(e as Error).message}` });
  }
}

/**
 * Verifies every answer, drops and names the bad ones, and interpolates k·M_j from `threshold`
 * valid answers (a run of consecutive identifiers when there is one, else the first, by party). The result equals the single-key RFC 9497
 * evaluation under the group key's secret k.
 *
 * @throws TkmsError `oprf.not_enough_answers` (culprits: nodes whose answers were rejected;
 *   meta.rejected has the reasons), `key.type_unknown`, `request.invalid`, `oprf.bad_element`.
 * @example
 * const { evaluations, rejected } = combineEvaluations({ key: publicKeyPackage,
 *   elements: [blindedElement], answers: { 'node-1': a1, 'node-3': a3 } });
 * const output = finalize(key.suite, input, r, evaluations[0]);
 */
export function combineEvaluations(params: CombineEvaluationsParams): CombineEvaluationsResult {
  const { key, elements, answers } = params;
  const cs = requireOprfCiphersuite(key.suite);
  const { suite } = cs;
  const { t, C, senders, ids, shares } = prepare(cs, key, elements, answers);
  const encodedC = elements.map((e) => Uint8Array.from(e));

  const valid: { party: PartyId; id: bigint; Z: GroupPoint[] }[] = [];
  const rejected: RejectedEvaluation[] = [];
  for (const party of senders) {
    const K = shares.get(party) as GroupPoint;
    const checked = checkAnswer(
      cs,
      K,
      key.verifyingShares[party] as Bytes,
      C,
      encodedC,
      answers[party] as OprfEvaluation,
    );
    if (checked.ok) valid.push({ party, id: ids.get(party) as bigint, Z: checked.Z });
    else rejected.push({ party, code: checked.code, reason: checked.reason });
  }
  if (valid.length < t)
    throw new TkmsError('oprf.not_enough_answers', {
      details: `${valid.length} valid answers, threshold ${t}${rejected.length ? `; rejected: ${rejected.map((r) => `${r.party} (${r.reason})`).join(', ')}` : ''}`,
      culprits: rejected.map((r) => r.party),
      meta: { rejected },
    });

  const chosen = chooseSigners(valid, t);
  const xs = chosen.map((v) => v.id);
  const lambdas = xs.map((x) => lagrangeAtZero(suite, xs, x));
  const Z = interpolate(
    suite,
    lambdas,
    chosen.map((v) => v.Z),
    C.length,
  );
  return {
    // k·M_j is the identity only if k = 0, which a DKG output never is; encodePoint would throw.
    evaluations: Z.map((P) => suite.encodePoint(P)),
    used: chosen.map((v) => v.party),
    rejected,
  };
}

/** One node's answer for a subset of the requested elements (the ones its policy allowed). */
export type CoveredEvaluation = OprfEvaluation & {
  /** Positions in `elements` this answer covers, strictly increasing; `evaluations` follow them. */
  readonly indices: readonly number[];
};

export type CombineCoveredResult = {
  /** k·M_j where at least `threshold` valid answers cover j, else undefined. */
  readonly evaluations: (Bytes | undefined)[];
  /** Per element, the nodes interpolated (empty where undefined). */
  readonly used: PartyId[][];
  readonly rejected: RejectedEvaluation[];
};

/**
 * Like `combineEvaluations`, but each node may answer for only some of the elements: in the
 * policy-bound mode each node decides per object, so a batch comes back with different nodes
 * covering different objects. Each answer's proof is checked over exactly the elements it covers;
 * element j is interpolated from `threshold` valid answers that cover it, and stays undefined if
 * fewer cover it (the caller reports the nodes' refusals). An answer with bad indices is rejected.
 *
 * @throws TkmsError `request.invalid`, `key.type_unknown`, `oprf.bad_element` (caller errors only)
 */
export function combineCoveredEvaluations(params: {
  readonly key: CombineEvaluationsParams['key'];
  readonly elements: readonly Bytes[];
  readonly answers: Readonly<Record<PartyId, CoveredEvaluation>>;
}): CombineCoveredResult {
  const { key, elements, answers } = params;
  const cs = requireOprfCiphersuite(key.suite);
  const { suite } = cs;
  const { t, C, senders, ids, shares } = prepare(cs, key, elements, answers);

  // Per element, the valid answers covering it and their Z.
  const cover: { party: PartyId; id: bigint; Z: GroupPoint }[][] = C.map(() => []);
  const rejected: RejectedEvaluation[] = [];
  for (const party of senders) {
    const answer = answers[party] as CoveredEvaluation;
    const idx: unknown = answer?.indices;
    const okIdx =
      Array.isArray(idx) &&
      idx.every(
        (j, n) =>
          Number.isSafeInteger(j) && j >= 0 && j < C.length && (n === 0 || j > (idx[n - 1] as number)),
      );
    if (!okIdx) {
      rejected.push({ party, code: 'oprf.bad_evaluation', reason: 'indices are not increasing positions' });
      continue;
    }
    const positions = idx as number[];
    if (positions.length === 0) continue;
    const checked = checkAnswer(
      cs,
      shares.get(party) as GroupPoint,
      key.verifyingShares[party] as Bytes,
      positions.map((j) => C[j] as GroupPoint),
      positions.map((j) => elements[j] as Bytes),
      answer,
    );
    if (!checked.ok) {
      rejected.push({ party, code: checked.code, reason: checked.reason });
      continue;
    }
    const id = ids.get(party) as bigint;
    positions.forEach((j, n) => {
      (cover[j] as { party: PartyId; id: bigint; Z: GroupPoint }[]).push({
        party,
        id,
        Z: checked.Z[n] as GroupPoint,
      });
    });
  }

  // Elements covered by the same chosen set share their λ: group them.
  const evaluations: (Bytes | undefined)[] = C.map(() => undefined);
  const used: PartyId[][] = C.map(() => []);
  const groups = new Map<string, { xs: bigint[]; parties: PartyId[]; js: number[]; Zs: GroupPoint[][] }>();
  cover.forEach((valid, j) => {
    if (valid.length < t) return;
    const chosen = chooseSigners(valid, t);
    const name = chosen.map((v) => v.party).join('\u0000');
    let g = groups.get(name);
    if (!g) {
      g = {
        xs: chosen.map((v) => v.id),
        parties: chosen.map((v) => v.party),
        js: [],
        Zs: chosen.map(() => []),
      };
      groups.set(name, g);
    }
    g.js.push(j);
    for (const [i, v] of chosen.entries()) (g.Zs[i] as GroupPoint[]).push(v.Z);
  });
  for (const g of groups.values()) {
    const lambdas = g.xs.map((x) => lagrangeAtZero(suite, g.xs, x));
    const Z = interpolate(suite, lambdas, g.Zs, g.js.length);
    g.js.forEach((j, n) => {
      evaluations[j] = suite.encodePoint(Z[n] as GroupPoint);
      used[j] = g.parties;
    });
  }
  return { evaluations, used, rejected };
}
