/**
 * RFC 9497 §2.2 discrete-logarithm-equivalence proofs (Chaum–Pedersen, batched with composites):
 * a proof that one k satisfies B = k·A and D[i] = k·C[i] for every i, as two scalars (c, s).
 *
 * Written exactly as §2.2.1 GenerateProof / ComputeCompositesFast and §2.2.2 VerifyProof /
 * ComputeComposites, with A = G (the only A the RFC's modes use), so a proof made here with the
 * whole key and the spec's ProofRandomScalar is byte-identical to the RFC's VOPRF/POPRF proofs.
 * tkms uses it with B = K_i, a node's verifying share, C = the request's elements and D = the
 * node's evaluations; the statement then pins every evaluation of the batch to k_i.
 * Every element the steps compute is only hashed, so with a native backend installed
 * (`Suite.encodedArithmetic`) they run on encodings and skip the point⇄bytes conversions.
 */
import { type Bytes, concatBytes, utf8 } from '../../crypto/bytes.ts';
import type { GroupPoint, Suite } from '../../crypto/suites/types.ts';
import { i2osp2, lengthPrefixed, mulSecret, type OprfCiphersuite, type OprfMode } from './ciphersuite.ts';

/** A batch statement with each element's canonical encoding (the transcript hashes those). */
export type DleqStatement = {
  readonly B: GroupPoint;
  readonly encodedB: Bytes;
  readonly C: readonly GroupPoint[];
  readonly encodedC: readonly Bytes[];
  readonly D: readonly GroupPoint[];
  readonly encodedD: readonly Bytes[];
};

/** The prover's part of a statement: ComputeCompositesFast uses neither B nor D as points. */
export type DleqProverStatement = Omit<DleqStatement, 'B' | 'D'>;

const SEED = utf8('Seed-');
const COMPOSITE = utf8('Composite');
const CHALLENGE = utf8('Challenge');

/** The composite coefficients d_i of §2.2.1 ComputeComposites (shared by prover and verifier). */
function compositeScalars(cs: OprfCiphersuite, mode: OprfMode, s: DleqProverStatement): bigint[] {
  const m = s.encodedC.length;
  if (m === 0 || m !== s.encodedD.length || m !== s.C.length)
    throw new RangeError('DLEQ statement: C and D must be non-empty and of equal length');
  if (m > 0xffff) throw new RangeError('DLEQ statement: at most 65535 elements (I2OSP(i, 2))');
  // seedDST = "Seed-" || contextString; seed = Hash(I2OSP(len(Bm), 2) || Bm || I2OSP(len(seedDST), 2) || seedDST)
  const seedDst = concatBytes(SEED, cs.contextString(mode));
  const seed = cs.hash(concatBytes(lengthPrefixed(s.encodedB), lengthPrefixed(seedDst)));
  const prefix = lengthPrefixed(seed);
  const d: bigint[] = [];
  for (let i = 0; i < m; i++) {
    // compositeTranscript = I2OSP(len(seed), 2) || seed || I2OSP(i, 2) ||
    //   I2OSP(len(Ci), 2) || Ci || I2OSP(len(Di), 2) || Di || "Composite"
    const transcript = concatBytes(
      prefix,
      i2osp2(i),
      lengthPrefixed(s.encodedC[i] as Bytes),
      lengthPrefixed(s.encodedD[i] as Bytes),
      COMPOSITE,
    );
    d.push(cs.hashToScalar(transcript, mode));
  }
  return d;
}

/**
 * challengeTranscript = I2OSP(len(Bm), 2) || Bm || I2OSP(len(a0), 2) || a0 || … || a3 || "Challenge";
 * c = HashToScalar(challengeTranscript).
 */
function challenge(
  cs: OprfCiphersuite,
  mode: OprfMode,
  encodedB: Bytes,
  [M, Z, t2, t3]: readonly [Bytes, Bytes, Bytes, Bytes],
): bigint {
  const transcript = concatBytes(
    lengthPrefixed(encodedB),
    lengthPrefixed(M),
    lengthPrefixed(Z),
    lengthPrefixed(t2),
    lengthPrefixed(t3),
    CHALLENGE,
  );
  return cs.hashToScalar(transcript, mode);
}

/**
 * ComputeCompositesFast and the prover's commitments, encoded: M = Σ d_i·C[i] (public points and
 * coefficients: the variable-time MSM is fine), Z = k·M, t2 = r·A with A = G, t3 = r·M.
 * Throws `RangeError` if one is the identity (it has no encoding).
 */
function proverElements(
  suite: Suite,
  s: DleqProverStatement,
  d: readonly bigint[],
  k: bigint,
  r: bigint,
): [Bytes, Bytes, Bytes, Bytes] {
  const native = suite.encodedArithmetic();
  if (native) {
    const M = native.msm(s.encodedC, d);
    return [M, native.mulSecret(M, k), native.mulBase(r), native.mulSecret(M, r)];
  }
  const M = suite.msm(s.C, d);
  const Z = mulSecret(M, k);
  const t2 = suite.mulBase(r);
  const t3 = mulSecret(M, r);
  return [M, Z, t2, t3].map((P) => suite.encodePoint(P)) as [Bytes, Bytes, Bytes, Bytes];
}

/**
 * ComputeComposites and the verifier's commitments, encoded: M = Σ d_i·C[i], Z = Σ d_i·D[i],
 * t2 = s·A + c·B with A = G, t3 = s·M + c·Z (all public). Throws `RangeError` if one is the
 * identity.
 */
function verifierElements(
  suite: Suite,
  st: DleqStatement,
  d: readonly bigint[],
  c: bigint,
  s: bigint,
): [Bytes, Bytes, Bytes, Bytes] {
  const native = suite.encodedArithmetic();
  if (native) {
    const M = native.msm(st.encodedC, d);
    const Z = native.msm(st.encodedD, d);
    const G = suite.encodePoint(suite.G);
    return [M, Z, native.msm([G, st.encodedB], [s, c]), native.msm([M, Z], [s, c])];
  }
  const M = suite.msm(st.C, d);
  const Z = suite.msm(st.D, d);
  const t2 = suite.msm([suite.G, st.B], [s, c]);
  const t3 = suite.msm([M, Z], [s, c]);
  return [M, Z, t2, t3].map((P) => suite.encodePoint(P)) as [Bytes, Bytes, Bytes, Bytes];
}

/**
 * §2.2.1 GenerateProof(k, A = G, B, C, D) with the proof randomness r given (the RFC's
 * ProofRandomScalar; callers draw it with `suite.randomScalar`). Uses ComputeCompositesFast:
 * Z = k·M. Returns SerializeScalar(c) || SerializeScalar(s). Throws `RangeError` on a malformed
 * statement (and, with negligible probability, if a transcript element is the identity).
 */
export function generateProof(
  cs: OprfCiphersuite,
  mode: OprfMode,
  k: bigint,
  statement: DleqProverStatement,
  r: bigint,
): Bytes {
  const { suite } = cs;
  const d = compositeScalars(cs, mode, statement);
  const c = challenge(cs, mode, statement.encodedB, proverElements(suite, statement, d, k, r));
  const s = suite.Fn.sub(r, suite.Fn.mul(c, k)); // s = r − c·k
  return concatBytes(suite.encodeScalar(c), suite.encodeScalar(s));
}

/**
 * §2.2.2 VerifyProof(A = G, B, C, D, proof): recomputes M, Z by ComputeComposites, then
 * t2 = s·G + c·B and t3 = s·M + c·Z, and accepts iff HashToScalar(transcript) == c.
 * Returns false (never throws) for a proof of the wrong length, a non-canonical scalar, or a
 * statement whose composite or transcript points cannot be serialised.
 */
export function verifyProof(
  cs: OprfCiphersuite,
  mode: OprfMode,
  statement: DleqStatement,
  proof: Bytes,
): boolean {
  const { suite } = cs;
  const n = suite.scalarLength;
  if (!(proof instanceof Uint8Array) || proof.length !== 2 * n) return false;
  try {
    const c = suite.decodeScalar(proof.subarray(0, n));
    const s = suite.decodeScalar(proof.subarray(n));
    if (statement.D.length !== statement.encodedD.length) return false;
    const d = compositeScalars(cs, mode, statement);
    return challenge(cs, mode, statement.encodedB, verifierElements(suite, statement, d, c, s)) === c;
  } catch {
    return false;
  }
}
