/**
 * Polynomial, Lagrange and Feldman-VSS helpers over a suite's scalar field (RFC 9591 §4.2 and
 * Appendix C). Scalars are secret or public depending on the caller; BigInt arithmetic is not
 * constant-time (protocols.md §9 item 8).
 */
import type { GroupPoint, Suite } from './types.ts';

/** f(x) = Σ coeffs[k]·x^k by Horner's rule (RFC 9591 Appendix C.1 polynomial_evaluate). */
export function evalPolynomial(suite: Suite, coeffs: readonly bigint[], x: bigint): bigint {
  const { Fn } = suite;
  let acc = 0n;
  for (let k = coeffs.length - 1; k >= 0; k--) acc = Fn.add(Fn.mul(acc, x), coeffs[k] as bigint);
  return acc;
}

/**
 * RFC 9591 §4.2 derive_interpolating_value: λ_i = Π_{j≠i} x_j / (x_j − x_i) for the set `xs`.
 * Throws `RangeError` if `xi` is not in `xs` or `xs` has duplicates or zeros.
 */
export function lagrangeAtZero(suite: Suite, xs: readonly bigint[], xi: bigint): bigint {
  const { Fn } = suite;
  if (new Set(xs).size !== xs.length) throw new RangeError('duplicate identifiers');
  if (!xs.includes(xi)) throw new RangeError('identifier not in the set');
  let num = 1n;
  let den = 1n;
  for (const xj of xs) {
    if (xj === 0n) throw new RangeError('zero identifier');
    if (xj === xi) continue;
    num = Fn.mul(num, xj);
    den = Fn.mul(den, Fn.sub(xj, xi));
  }
  return Fn.div(num, den);
}

/** [1, x, x², …, x^(t-1)] mod q. */
export function powers(suite: Suite, x: bigint, t: number): bigint[] {
  const out: bigint[] = [];
  let p = 1n;
  for (let k = 0; k < t; k++) {
    out.push(p);
    p = suite.Fn.mul(p, x);
  }
  return out;
}

/**
 * Feldman VSS evaluation in the exponent: Σ_k x^k·C_k (RFC 9591 Appendix C.2 vss_verify's S_i').
 * One MSM; with small integer identifiers the scalars are a few bits long, so this is cheap.
 */
export function vssEvaluate(suite: Suite, commitments: readonly GroupPoint[], x: bigint): GroupPoint {
  return suite.msm(commitments, powers(suite, x, commitments.length));
}
