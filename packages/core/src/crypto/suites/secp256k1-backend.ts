/**
 * An installable native backend for secp256k1, as `ristretto255-backend.ts` is for ristretto255.
 * Core computes with @noble/curves alone; a host with libsecp256k1 (the node: `tiny-secp256k1`,
 * libsecp256k1 in WASM, packages/node/src/accel/secp256k1.ts) installs it once at start-up with
 * `setSecp256k1Backend`. Then, for the secp256k1 suite:
 * - `mulSecret`, `mulBase` and `mulRepeated`/`mulSecretRepeated` (until a point has its window
 *   table) multiply in libsecp256k1 (≈ 0.2 ms against noble's ≈ 0.86 ms for a variable point,
 *   ≈ 0.1 ms against ≈ 0.37 ms for the base point);
 * - DKLs23's final check (`finishEcdsa`) and the SDK's `verifyEcdsa` recover the public key from
 *   (digest, r‖s, recovery id) in libsecp256k1 and compare it with the key (≈ 0.25 ms against
 *   ≈ 1.2 ms for noble's verifier point). A recovered key equal to Q proves both that the signature
 *   verifies under Q and that the recovery id is right: recovery computes Q' = r⁻¹(s·R' − z·G) for
 *   the R' the id names, and Q' = Q means R' = s⁻¹(z·G + r·Q), the verifier's point.
 *
 * What does not change:
 * - results: bit-identical to noble's. `setSecp256k1Backend` compares the backend with noble on
 *   fixed inputs and refuses one that disagrees; packages/node/src/accel/secp256k1.test.ts
 *   compares them on random inputs and reruns core's secp256k1 and DKLs23 tests with it installed;
 * - validation: decoding stays noble's and the suite's, so the same bytes are refused with the
 *   same errors; the backend only sees encodings that passed it or that it produced itself;
 * - constant time: `pointMultiply` must be libsecp256k1's `secp256k1_ec_pubkey_tweak_mul`
 *   (`secp256k1_ecmult_const`) and `pointFromScalar` its `secp256k1_ec_pubkey_create`
 *   (`secp256k1_ecmult_gen`), both constant-time in the scalar, as secret scalars pass through.
 *   The scalar's bytes are wiped after each call here; the WASM side's copy is not (as with a
 *   noble bigint, which cannot be wiped either);
 * - without a backend every operation is noble's, as before.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToNumberBE } from '@noble/curves/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { type Bytes, equalBytes, utf8 } from '../bytes.ts';
import { type NativeArithmetic, withScalarBytes } from './noble.ts';

/**
 * The operations a backend provides, on SEC1 encodings and 32-byte big-endian scalars. Core calls
 * them only within these contracts; every result is a new array the caller owns.
 */
export interface Secp256k1Backend {
  /**
   * k·P for k in [1, n) and P a 33-byte compressed encoding of a curve point; the 65-byte
   * uncompressed encoding of the result. Constant time in k (k may be secret).
   */
  pointMultiply(P: Bytes, k: Bytes): Bytes | null;
  /** k·G for k in [1, n), 65-byte uncompressed; constant time in k. */
  pointFromScalar(k: Bytes): Bytes | null;
  /**
   * ECDSA public key recovery (SEC1 §4.1.6) from a 32-byte digest, a 64-byte r‖s (r, s in
   * [1, n)) and a recovery id in 0..3: the 33-byte compressed key, or null if there is none.
   */
  recover(digest: Bytes, signature: Bytes, recovery: 0 | 1 | 2 | 3): Bytes | null;
}

/** The part of `tiny-secp256k1` (libsecp256k1 in WASM) a backend is made of. */
export type TinySecp256k1Like = {
  pointMultiply(p: Bytes, tweak: Bytes, compressed?: boolean): Bytes | null;
  pointFromScalar(d: Bytes, compressed?: boolean): Bytes | null;
  recover(h: Bytes, signature: Bytes, recoveryId: 0 | 1 | 2 | 3, compressed?: boolean): Bytes | null;
};

const FROM_TINY = new WeakMap<TinySecp256k1Like, Secp256k1Backend>();

/**
 * `tiny-secp256k1` under this contract (one backend object per module, so hosts that share the
 * module — a node and a client in one process — install the same one). Its `pointMultiply` is
 * `secp256k1_ec_pubkey_tweak_mul` and `pointFromScalar` `secp256k1_ec_pubkey_create`.
 */
export function secp256k1BackendOf(ecc: TinySecp256k1Like): Secp256k1Backend {
  let b = FROM_TINY.get(ecc);
  if (!b) {
    b = Object.freeze({
      pointMultiply: (P: Bytes, k: Bytes) => ecc.pointMultiply(P, k, false),
      pointFromScalar: (k: Bytes) => ecc.pointFromScalar(k, false),
      recover(digest: Bytes, rs: Bytes, recovery: 0 | 1 | 2 | 3) {
        try {
          return ecc.recover(digest, rs, recovery, true);
        } catch {
          return null; // tiny-secp256k1 throws where the contract says "no key" (no R for the id)
        }
      },
    });
    FROM_TINY.set(ecc, b);
  }
  return b;
}

type Point = InstanceType<typeof secp256k1.Point>;
const Point = secp256k1.Point;
const Fn = Point.Fn;
const N = Fn.ORDER;

let backend: Secp256k1Backend | null = null;

/**
 * Installs the backend, once per process (a different second backend throws; the same one again
 * is a no-op). Throws, and installs nothing, if it disagrees with noble on `selfCheck`'s inputs.
 */
export function setSecp256k1Backend(candidate: Secp256k1Backend): void {
  if (backend === candidate) return;
  if (backend) throw new Error('secp256k1: a backend is already installed');
  selfCheck(candidate);
  backend = candidate;
}

/** Known answers from noble for each operation, including refusals: a few ms, once. */
function selfCheck(b: Secp256k1Backend): void {
  const seed = (tag: string) => sha256(utf8(`tkms secp256k1 backend self-check ${tag}`));
  // Any 32 bytes, reduced (Fn.fromBytes would refuse a value ≥ n); odd, so never zero.
  const h = Fn.create(bytesToNumberBE(seed('scalar')) | 1n);
  const H = Point.BASE.multiply(Fn.create(bytesToNumberBE(seed('point')) | 1n));
  const same = (what: string, got: Bytes | null, want: Point) => {
    if (!(got instanceof Uint8Array) || !equalBytes(got, want.toBytes(false)))
      throw new Error(`secp256k1 backend disagrees with noble on ${what}`);
  };
  for (const k of [1n, 2n, h, N - 1n]) {
    const name = k === h ? 'h' : String(k);
    same(`pointFromScalar(${name})`, b.pointFromScalar(Fn.toBytes(k)), Point.BASE.multiply(k));
    same(`pointMultiply(H, ${name})`, b.pointMultiply(H.toBytes(true), Fn.toBytes(k)), H.multiply(k));
  }
  const digest = seed('digest');
  const sig = secp256k1.sign(digest, Fn.toBytes(h), { prehash: false, format: 'recovered' });
  const rs = sig.subarray(1);
  const id = sig[0] as 0 | 1;
  const Q = Point.BASE.multiply(h).toBytes(true);
  const got = b.recover(digest, rs, id);
  if (!got || !equalBytes(got, Q)) throw new Error('secp256k1 backend disagrees with noble on recover');
  // The other parity recovers some other key (or none), never Q.
  const other = b.recover(digest, rs, (id ^ 1) as 0 | 1);
  if (other && equalBytes(other, Q)) throw new Error('secp256k1 backend: recover ignores the recovery id');
  // Id 2 or 3 names x(R) = r + n, which is no field element when r ≥ p − n: no key.
  if (
    Fn.fromBytes(rs.subarray(0, 32)) >= Point.Fp.ORDER - N &&
    b.recover(digest, rs, (id | 2) as 2 | 3) !== null
  )
    throw new Error('secp256k1 backend: recover accepts an impossible R');
}

/** The native arithmetic for the secp256k1 suite while a backend is installed, else null. */
export function secp256k1Native(): NativeArithmetic<Point> | null {
  return backend ? native : null;
}

/**
 * Key recovery in the backend while one is installed, else null (then verify with noble).
 * Returns the 33-byte compressed key, or null if r‖s and the id give none.
 */
export function secp256k1NativeRecover():
  | ((digest: Bytes, rs: Bytes, recovery: number) => Bytes | null)
  | null {
  if (!backend) return null;
  const b = backend;
  return (digest, rs, recovery) => {
    if (
      digest.length !== 32 ||
      rs.length !== 64 ||
      !Number.isInteger(recovery) ||
      recovery < 0 ||
      recovery > 3
    )
      return null;
    try {
      return b.recover(digest, rs, recovery as 0 | 1 | 2 | 3);
    } catch {
      return null; // out-of-range r or s: no key
    }
  };
}

/** Compressed encodings of points, as `knownEncoding` reports them; never the identity. */
const encodings = new WeakMap<Point, Bytes>();

function compressedOf(p: Point): Bytes {
  let b = encodings.get(p);
  if (!b) {
    b = p.toBytes(true);
    encodings.set(p, b);
  }
  return b;
}

/** A point from the backend's 65-byte uncompressed result; noble checks it is on the curve. */
function fromNative(uncompressed: Bytes | null): Point {
  if (uncompressed?.length !== 65) throw new RangeError('secp256k1: backend returned no point');
  const p = Point.fromBytes(uncompressed);
  const compressed = new Uint8Array(33);
  compressed[0] = 0x02 | ((uncompressed[64] as number) & 1);
  compressed.set(uncompressed.subarray(1, 33), 1);
  encodings.set(p, compressed);
  return p;
}

/** `withScalarBytes` for k in [1, n), the range the backend's contract allows. */
function withScalar<T>(k: bigint, f: (kb: Bytes) => T): T {
  if (typeof k !== 'bigint' || k <= 0n || k >= N) throw new RangeError('scalar out of range');
  return withScalarBytes(Fn, k, f);
}

const native: NativeArithmetic<Point> = Object.freeze({
  mul: (p: Point, k: bigint) =>
    fromNative(withScalar(k, (kb) => (backend as Secp256k1Backend).pointMultiply(compressedOf(p), kb))),
  mulBase: (k: bigint) =>
    fromNative(withScalar(k, (kb) => (backend as Secp256k1Backend).pointFromScalar(kb))),
  // Sums stay in noble: libsecp256k1's API has no multi-scalar multiplication, and one native
  // product per term plus additions is no faster than noble's interleaved wNAF.
  msm: () => undefined,
  knownEncoding: (p: Point) => encodings.get(p),
  remember(p: Point, bytes: Bytes): void {
    if (!encodings.has(p) && bytes.length === 33) encodings.set(p, Uint8Array.from(bytes));
  },
});
