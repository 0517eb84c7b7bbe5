/**
 * An installable native backend for ristretto255 (RFC 9496) group operations. Core computes with
 * @noble/curves alone; a host that has a faster implementation of the same operations (the node:
 * libsodium, packages/node/src/accel/sodium.ts) installs it once, at start-up, with
 * `setRistretto255Backend`. The ristretto255 suite then multiplies there (`mulSecret`, `mulBase`,
 * `mulRepeated` and `mulSecretRepeated` until a point has its window table, `msm` for its
 * full-size scalars, `encodedArithmetic`), and so does the OPRF's HashToGroup for its map.
 *
 * What does not change:
 * - results: bit-identical to noble's. `setRistretto255Backend` compares the backend with noble on
 *   fixed inputs and refuses one that disagrees; packages/node/src/accel/ristretto255.test.ts
 *   compares them on random and edge inputs and replays the RFC 9497 vectors with it installed;
 * - validation: `decodePoint` is noble's RFC 9496 Decode plus the suite's identity and
 *   canonical-encoding checks, so the same inputs are rejected with the same errors. The one
 *   other gate, `EncodedArithmetic.validatePoint` (for protocols that never build a point, the
 *   base OTs), is the backend's RFC 9496 Decode plus the same length and identity checks; the
 *   backend's Decode is compared with noble's on every class of RFC 9496 A.2 bad encodings at
 *   installation. Otherwise the backend only sees encodings that passed one of these gates or
 *   that it produced itself;
 * - without a backend every operation is noble's, as before.
 *
 * Why encodings: a noble point ⇄ bytes conversion (encode ≈ 80 µs, decode ≈ 130 µs) costs about
 * as much as a libsodium multiplication (≈ 135 µs), so points remember their encoding (when
 * decoded, encoded once, or computed natively), and protocols whose intermediate elements are
 * only hashed or sent work on encodings throughout (`Suite.encodedArithmetic`).
 */
import { mulAddUnsafe } from '@noble/curves/abstract/curve.js';
import { expand_message_xmd } from '@noble/curves/abstract/hash-to-curve.js';
import { ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { type Bytes, bytesToHex, equalBytes, hexToBytes, utf8 } from '../bytes.ts';
import { type NativeArithmetic, withScalarBytes } from './noble.ts';
import type { EncodedArithmetic, GroupPoint } from './types.ts';

/**
 * The operations a backend provides, on canonical RFC 9496 encodings (32 bytes) and 32-byte
 * little-endian scalars. Core calls them only within these contracts. Every result is a new
 * array that the caller owns. `sub` and `isValidPoint` are optional: without them core computes
 * P − Q as P + (L − 1)·Q and validates with noble (exact, but slower).
 */
export interface Ristretto255Backend {
  /**
   * k·P for k in [1, L) and P the canonical encoding of an element other than the identity;
   * returns the canonical encoding of k·P. k is often a secret (a key share, a blind, a proof
   * nonce): this must run in time independent of k (libsodium's `crypto_scalarmult_ristretto255`
   * does: a fixed-window ladder with constant-time table lookups).
   */
  scalarMult(k: Bytes, P: Bytes): Bytes;
  /** k·G for k in [1, L), G the RFC 9496 generator; the same constant-time requirement. */
  scalarMultBase(k: Bytes): Bytes;
  /** P + Q for canonical encodings; the identity is 32 zero bytes, as input and as result. */
  add(P: Bytes, Q: Bytes): Bytes;
  /**
   * RFC 9496 §4.3.4 element derivation from 64 uniform bytes (the one-way map that RFC 9380
   * hash_to_ristretto255 applies to expand_message_xmd's output): the canonical encoding of the
   * element, 32 zero bytes if it is the identity.
   */
  fromUniformBytes(uniform: Bytes): Bytes;
  /** P − Q for canonical encodings; the identity is 32 zero bytes, as input and as result. */
  sub?(P: Bytes, Q: Bytes): Bytes;
  /**
   * Whether 32 bytes pass RFC 9496 §4.3.1 Decode (canonical s, non-negative s, square x², non-
   * negative x·y, y ≠ 0). The identity's 32 zero bytes pass; core refuses them itself.
   */
  isValidPoint?(P: Bytes): boolean;
}

type Point = InstanceType<typeof ristretto255.Point>;
const Point = ristretto255.Point;
const Fn = Point.Fn;
const L = Fn.ORDER;
const IDENTITY = new Uint8Array(32);
const BASE = Point.BASE.toBytes();
/** In `msm`, scalars below this go to noble, whose cost shrinks with the scalar's length. */
const SHORT_SCALAR = 1n << 128n;

let backend: Ristretto255Backend | null = null;

/**
 * Installs the backend, once per process (a second, different backend throws; the same one again
 * is a no-op). Throws, and installs nothing, if the backend disagrees with noble on the fixed
 * inputs of `selfCheck`.
 */
export function setRistretto255Backend(candidate: Ristretto255Backend): void {
  if (backend === candidate) return;
  if (backend) throw new Error('ristretto255: a backend is already installed');
  selfCheck(candidate);
  backend = candidate;
}

/**
 * One encoding from each class of RFC 9496 A.2 (bad encodings): non-canonical field element,
 * negative field element, non-square x², negative x·y, s = −1 (y = 0). Noble's Decode refuses
 * each; so must a backend's `isValidPoint`.
 */
const INVALID_ENCODINGS = [
  'f3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'ed57ffd8c914fb201471d1c3d245ce3c746fcbe63a3679d51b6a516ebebe0e20',
  '26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371',
  '3eb858e78f5a7254d8c9731174a94f76755fd3941c0ac93735c07ba14579630e',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map(hexToBytes);

/** Known answers from noble for each operation: ≈ 10 ms, once, at installation. */
function selfCheck(b: Ristretto255Backend): void {
  const { deriveToCurve } = ristretto255_hasher;
  if (!deriveToCurve) throw new Error('noble: ristretto255_hasher.deriveToCurve is missing');
  const seed = (tag: string) => sha512(utf8(`tkms ristretto255 backend self-check ${tag}`));
  const h = Fn.create(bytesToNumberLE(seed('scalar')));
  const H = deriveToCurve(seed('point'));
  const same = (what: string, got: Bytes, want: Point | Bytes) => {
    const expected = want instanceof Uint8Array ? want : want.toBytes();
    if (!(got instanceof Uint8Array) || !equalBytes(got, expected))
      throw new Error(`ristretto255 backend disagrees with noble on ${what}`);
  };
  for (const k of [1n, 2n, h, L - 1n]) {
    same(`scalarMultBase(${k === h ? 'h' : k})`, b.scalarMultBase(Fn.toBytes(k)), Point.BASE.multiply(k));
    same(`scalarMult(${k === h ? 'h' : k}, H)`, b.scalarMult(Fn.toBytes(k), H.toBytes()), H.multiply(k));
  }
  same('add(G, H)', b.add(BASE, H.toBytes()), Point.BASE.add(H));
  same('add(H, -H)', b.add(H.toBytes(), H.negate().toBytes()), IDENTITY);
  same('add(0, H)', b.add(IDENTITY, H.toBytes()), H);
  // Bit 255 of each half is set here: the map must ignore it (RFC 9496 §4.3.4).
  const uniform = Uint8Array.from(seed('map'), (x, i) => (i === 31 || i === 63 ? x | 0x80 : x));
  same('fromUniformBytes', b.fromUniformBytes(uniform), deriveToCurve(uniform));
  if (b.sub) {
    same('sub(G, H)', b.sub(BASE, H.toBytes()), Point.BASE.subtract(H));
    same('sub(H, H)', b.sub(H.toBytes(), H.toBytes()), IDENTITY);
  }
  if (b.isValidPoint) {
    const highBitSet = Uint8Array.from(H.toBytes(), (x, i) => (i === 31 ? x | 0x80 : x));
    const cases: Bytes[] = [
      BASE,
      H.toBytes(),
      H.negate().toBytes(),
      IDENTITY,
      highBitSet,
      ...INVALID_ENCODINGS,
    ];
    for (const P of cases) {
      if (b.isValidPoint(P) !== nobleAccepts(P))
        throw new Error(`ristretto255 backend disagrees with noble on isValidPoint(${bytesToHex(P)})`);
    }
  }
}

/** RFC 9496 Decode in noble: the rule a backend's `isValidPoint` must follow. */
function nobleAccepts(P: Bytes): boolean {
  try {
    Point.fromBytes(P);
    return true;
  } catch {
    return false;
  }
}

/** The native arithmetic for the ristretto255 suite while a backend is installed, else null. */
export function ristretto255Native(): NativeArithmetic<Point> | null {
  return backend ? native : null;
}

/** Encodings of points, as `knownEncoding` reports them; never holds the identity. */
const encodings = new WeakMap<Point, Bytes>();

function encodingOf(p: Point): Bytes {
  let b = encodings.get(p);
  if (!b) {
    if (p.is0()) return IDENTITY;
    b = p.toBytes();
    encodings.set(p, b);
  }
  return b;
}

/** A point from an encoding the backend returned (canonical by contract; noble decodes it). */
function fromNative(encoded: Bytes): Point {
  if (equalBytes(encoded, IDENTITY)) return Point.ZERO;
  const p = Point.fromBytes(encoded);
  encodings.set(p, Uint8Array.from(encoded));
  return p;
}

const withScalar = <T>(k: bigint, f: (kb: Bytes) => T): T => withScalarBytes(Fn, k, f);

function nonIdentity(encoded: Bytes): Bytes {
  if (equalBytes(encoded, IDENTITY)) throw new RangeError('ristretto255: cannot encode the identity');
  return encoded;
}

function requireScalar(k: bigint, min: bigint): void {
  if (typeof k !== 'bigint' || k < min || k >= L) throw new RangeError('scalar out of range');
}

/** Σ kᵢ·Pᵢ on encodings, the identity as 32 zero bytes; zero scalars and identity points add nothing. */
function sumOfProducts(points: readonly Bytes[], scalars: readonly bigint[]): Bytes {
  const b = backend as Ristretto255Backend;
  let acc: Bytes | undefined;
  for (const [i, k] of scalars.entries()) {
    const P = points[i] as Bytes;
    if (k === 0n || equalBytes(P, IDENTITY)) continue;
    const term = withScalar(k, (kb) => (equalBytes(P, BASE) ? b.scalarMultBase(kb) : b.scalarMult(kb, P)));
    acc = acc ? b.add(acc, term) : term;
  }
  return acc ?? IDENTITY;
}

const L_MINUS_1 = Fn.toBytes(L - 1n);
/** P − Q on encodings (the identity as 32 zero bytes), with P + (−1)·Q for a backend without `sub`. */
function difference(P: Bytes, Q: Bytes): Bytes {
  const b = backend as Ristretto255Backend;
  if (b.sub) return b.sub(P, Q);
  return equalBytes(Q, IDENTITY) ? Uint8Array.from(P) : b.add(P, b.scalarMult(L_MINUS_1, Q));
}

const encoded: EncodedArithmetic = Object.freeze({
  mulSecret(P: Bytes, k: bigint): Bytes {
    requireScalar(k, 1n);
    return nonIdentity(withScalar(k, (kb) => (backend as Ristretto255Backend).scalarMult(kb, P)));
  },
  mulBase(k: bigint): Bytes {
    requireScalar(k, 1n);
    return nonIdentity(withScalar(k, (kb) => (backend as Ristretto255Backend).scalarMultBase(kb)));
  },
  msm(points: readonly Bytes[], scalars: readonly bigint[]): Bytes {
    if (points.length !== scalars.length) throw new RangeError('msm: length mismatch');
    for (const k of scalars) requireScalar(k, 0n);
    return nonIdentity(sumOfProducts(points, scalars));
  },
  add: (P: Bytes, Q: Bytes): Bytes => nonIdentity((backend as Ristretto255Backend).add(P, Q)),
  subtract: (P: Bytes, Q: Bytes): Bytes => nonIdentity(difference(P, Q)),
  fromUniformBytes(uniform: Bytes): Bytes {
    if (!(uniform instanceof Uint8Array) || uniform.length !== 64)
      throw new RangeError('ristretto255: the map takes 64 uniform bytes');
    return nonIdentity((backend as Ristretto255Backend).fromUniformBytes(uniform));
  },
  // decodePoint's checks in its order (length, Decode, identity), with the backend's Decode.
  validatePoint(bytes: Bytes): void {
    if (!(bytes instanceof Uint8Array) || bytes.length !== 32)
      throw new RangeError('ristretto255: point must be 32 bytes');
    const b = backend as Ristretto255Backend;
    if (!(b.isValidPoint ? b.isValidPoint(bytes) : nobleAccepts(bytes)))
      throw new RangeError('ristretto255: invalid point (not a canonical RFC 9496 encoding)');
    if (equalBytes(bytes, IDENTITY)) throw new RangeError('ristretto255: identity point');
  },
});

const native: NativeArithmetic<Point> = Object.freeze({
  mul: (p: Point, k: bigint) =>
    fromNative(withScalar(k, (kb) => (backend as Ristretto255Backend).scalarMult(kb, encodingOf(p)))),
  mulBase: (k: bigint) =>
    fromNative(withScalar(k, (kb) => (backend as Ristretto255Backend).scalarMultBase(kb))),
  msm(points: readonly Point[], scalars: readonly bigint[]): Point | undefined {
    // Full-size scalars (the DLEQ composites, proof checks) natively: ≈ 160 µs a term against
    // ≈ 270 µs in noble's interleaved wNAF; short ones (VSS powers, small Lagrange
    // coefficients) stay in noble, whose cost shrinks with the scalar's length.
    if (scalars.some((k) => typeof k !== 'bigint' || k < 0n || k >= L)) return undefined; // noble's error
    const long = scalars.flatMap((k, i) => (k >= SHORT_SCALAR ? [i] : []));
    if (long.length === 0) return undefined;
    const sum = fromNative(
      sumOfProducts(
        long.map((i) => encodingOf(points[i] as Point)),
        long.map((i) => scalars[i] as bigint),
      ),
    );
    const short = scalars.flatMap((k, i) => (k < SHORT_SCALAR ? [i] : []));
    if (short.length === 0) return sum;
    return sum.add(
      mulAddUnsafe(
        Point,
        short.map((i) => points[i] as Point),
        short.map((i) => scalars[i] as bigint),
      ),
    );
  },
  knownEncoding: (p: Point) => encodings.get(p),
  remember(p: Point, bytes: Bytes): void {
    if (!encodings.has(p) && !equalBytes(bytes, IDENTITY)) encodings.set(p, Uint8Array.from(bytes));
  },
  encoded,
});

/**
 * RFC 9380 hash_to_ristretto255: uniform = expand_message_xmd(msg, DST, 64) with SHA-512, then
 * the RFC 9496 map of `uniform`; noble's `ristretto255_hasher` without a backend. `hashToEncoded`
 * gives the canonical encoding (32 zero bytes for the identity) without a decode.
 */
export const ristretto255Hasher = Object.freeze({
  hashToCurve(msg: Bytes, opts: { DST: Bytes }): GroupPoint {
    if (!backend) return ristretto255_hasher.hashToCurve(msg, opts) as unknown as GroupPoint;
    return fromNative(
      backend.fromUniformBytes(expand_message_xmd(msg, opts.DST, 64, sha512)),
    ) as unknown as GroupPoint;
  },
  hashToEncoded(msg: Bytes, opts: { DST: Bytes }): Bytes {
    if (!backend) return ristretto255_hasher.hashToCurve(msg, opts).toBytes();
    return backend.fromUniformBytes(expand_message_xmd(msg, opts.DST, 64, sha512));
  },
  hashToScalar: (msg: Bytes, opts: { DST: Bytes }): bigint => ristretto255_hasher.hashToScalar(msg, opts),
});
