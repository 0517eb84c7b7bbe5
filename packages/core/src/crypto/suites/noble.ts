/**
 * Builds a `Suite` over a @noble/curves point class. Everything curve-specific (strict decoding,
 * encoding, hashes) is passed in by the ten-line instantiations in ed25519.ts and secp256k1.ts,
 * plus, for ristretto255, the native backend a host may install (ristretto255-backend.ts).
 */
import { type CurvePoint, type CurvePointCons, mulAddUnsafe } from '@noble/curves/abstract/curve.js';
import { getMinHashLength, type IField, mapHashToField } from '@noble/curves/abstract/modular.js';
import { type Bytes, bytesToHex } from '../bytes.ts';
import type { EncodedArithmetic, FrostHashes, GroupPoint, RandomSource, Suite, SuiteName } from './types.ts';

/** How many decoded points each suite remembers (keyed by their exact canonical bytes). */
const DECODE_CACHE_SIZE = 4096;

export type NobleSuiteOptions<P extends CurvePoint<bigint, P>> = {
  name: SuiteName;
  Point: CurvePointCons<P>;
  pointLength: number;
  /** Strict decoding: canonical, on the curve, not the identity, in the prime-order subgroup. */
  parsePoint: (bytes: Bytes) => P;
  /** Decoding without the subgroup check (defaults to `parsePoint` for cofactor-1 curves). */
  parsePointSkipSubgroup?: (bytes: Bytes) => P;
  encodePoint: (p: P) => Bytes;
  frost: FrostHashes;
  /**
   * The native backend installed for this suite, read on every call; null (or no option) while
   * none is installed, and then every operation is noble's, unchanged.
   */
  native?: () => NativeArithmetic<P> | null;
};

/**
 * What a native backend does for the points of one suite, where it is faster than noble. Results
 * must equal noble's bit for bit. Decoding is not here: noble's decoding and tkms's checks keep
 * deciding which bytes are elements.
 */
export interface NativeArithmetic<P> {
  /** k·P for k in [1, order) and P not the identity, in time independent of k (k may be secret). */
  mul(p: P, k: bigint): P;
  /** k·G for k in [1, order), in time independent of k. */
  mulBase(k: bigint): P;
  /** Σ scalars[i]·points[i] for public inputs, or undefined where noble is faster (short scalars). */
  msm(points: readonly P[], scalars: readonly bigint[]): P | undefined;
  /** The canonical encoding of p if it is known without computing it (decoded or computed natively). */
  knownEncoding(p: P): Bytes | undefined;
  /** Keeps (a copy of) the canonical encoding of a non-identity point, for `knownEncoding`. */
  remember(p: P, encoded: Bytes): void;
  /** Arithmetic on encodings, for backends that offer it (`Suite.encodedArithmetic`). */
  readonly encoded?: EncodedArithmetic;
}

/**
 * Runs `f` on k's encoding in its field's byte order and wipes the bytes afterwards: how a native
 * backend is handed a scalar that may be secret.
 */
export function withScalarBytes<T>(Fn: IField<bigint>, k: bigint, f: (kb: Bytes) => T): T {
  const kb = Fn.toBytes(k);
  try {
    return f(kb);
  } finally {
    kb.fill(0);
  }
}

/**
 * `mulSecret` takes a point without its suite; this finds the suite's native multiplication from
 * the point's class. Each entry returns undefined when the noble path applies.
 */
const nativeMulSecret = new WeakMap<object, (p: GroupPoint, k: bigint) => GroupPoint | undefined>();

/** k·P on the native backend of P's suite, or undefined (none installed, or not applicable). */
export function mulSecretNative(p: GroupPoint, k: bigint): GroupPoint | undefined {
  return nativeMulSecret.get(p.constructor)?.(p, k);
}

const REPEAT_BEFORE_TABLE = 4;
/** Window 6: ~1,400 precomputed points per key (secp256k1 0.2 ms, ed25519 0.12 ms per multiplication). */
const TABLE_WINDOW = 6;

export function createNobleSuite<P extends CurvePoint<bigint, P>>(opts: NobleSuiteOptions<P>): Suite {
  const { Point } = opts;
  const Fn = Point.Fn;
  const order = Fn.ORDER;
  // noble's point classes implement GroupPoint structurally; the casts live only here.
  const toGroup = (p: P): GroupPoint => p as unknown as GroupPoint;
  const fromGroup = (p: GroupPoint): P => p as unknown as P;
  const cache = new Map<string, P>();
  const native = opts.native ?? (() => null);

  const parse = (bytes: Bytes, key: string, parser: (b: Bytes) => P): P => {
    let p: P;
    try {
      p = parser(bytes);
    } catch (e) {
      throw new RangeError(`${opts.name}: invalid point (${e instanceof Error ? e.message : 'unknown'})`);
    }
    if (p.is0()) throw new RangeError(`${opts.name}: identity point`);
    // Canonical: the point must re-encode to exactly the bytes we were given.
    const again = opts.encodePoint(p);
    if (again.length !== bytes.length || bytesToHex(again) !== key)
      throw new RangeError(`${opts.name}: non-canonical point encoding`);
    return p;
  };

  const checkLength = (bytes: Bytes): string => {
    if (!(bytes instanceof Uint8Array) || bytes.length !== opts.pointLength)
      throw new RangeError(`${opts.name}: point must be ${opts.pointLength} bytes`);
    return bytesToHex(bytes);
  };

  const decodePointSkipSubgroup = (bytes: Bytes): GroupPoint => {
    const key = checkLength(bytes);
    const p = cache.get(key) ?? parse(bytes, key, opts.parsePointSkipSubgroup ?? opts.parsePoint);
    native()?.remember(p, bytes);
    return toGroup(p);
  };

  const decodePoint = (bytes: Bytes): GroupPoint => {
    const key = checkLength(bytes);
    const hit = cache.get(key);
    if (hit) {
      // Refresh recency so long-lived key material stays cached under churn.
      cache.delete(key);
      cache.set(key, hit);
      native()?.remember(hit, bytes);
      return toGroup(hit);
    }
    const p = parse(bytes, key, opts.parsePoint);
    if (cache.size >= DECODE_CACHE_SIZE) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
    cache.set(key, p);
    native()?.remember(p, bytes);
    return toGroup(p);
  };

  const encodePoint = (g: GroupPoint): Bytes => {
    const p = fromGroup(g);
    if (p.is0()) throw new RangeError(`${opts.name}: cannot encode the identity`);
    const n = native();
    if (!n) return opts.encodePoint(p);
    const known = n.knownEncoding(p);
    if (known) return Uint8Array.from(known);
    const bytes = opts.encodePoint(p);
    n.remember(p, bytes);
    return bytes;
  };

  const decodeScalar = (bytes: Bytes): bigint => {
    if (!(bytes instanceof Uint8Array) || bytes.length !== Fn.BYTES)
      throw new RangeError(`${opts.name}: scalar must be ${Fn.BYTES} bytes`);
    try {
      return Fn.fromBytes(bytes);
    } catch {
      throw new RangeError(`${opts.name}: scalar is not canonical (>= group order)`);
    }
  };

  const encodeScalar = (k: bigint): Bytes => {
    if (typeof k !== 'bigint' || k < 0n || k >= order) throw new RangeError('scalar out of range');
    return Fn.toBytes(k);
  };

  const mulBase = (k: bigint): GroupPoint => {
    if (k < 0n || k >= order) throw new RangeError('scalar out of range');
    if (k === 0n) return toGroup(Point.ZERO);
    const n = native();
    return toGroup(n ? n.mulBase(k) : Point.BASE.multiply(k));
  };

  // No native path: noble's precomputed base table (≈130 µs) beats a native multiplication plus
  // the decoding of its result (≈ 45 + 130 µs on ristretto255).
  const mulBasePublic = (k: bigint): GroupPoint => {
    if (k < 0n || k >= order) throw new RangeError('scalar out of range');
    return toGroup(Point.BASE.multiplyUnsafe(k));
  };

  // Uses per point object; a table is built on the REPEAT_BEFORE_TABLE-th use, so a one-shot
  // operation (a CLI call) never pays for a table it would not amortise. Shared by the public and
  // the secret-scalar variant: a key's table serves both.
  const uses = new WeakMap<object, number>();
  const countUse = (p: P): P => {
    const n = (uses.get(p) ?? 0) + 1;
    if (n <= REPEAT_BEFORE_TABLE) {
      uses.set(p, n);
      if (n === REPEAT_BEFORE_TABLE) p.precompute(TABLE_WINDOW, false);
    }
    return p;
  };
  const hasTable = (p: P): boolean => (uses.get(p) ?? 0) >= REPEAT_BEFORE_TABLE;
  // The native multiplication, for k in [1, order) and a point that is not the identity and has
  // no window table yet (with a table, noble's multiplication is the faster one). Else undefined.
  const mulNative = (p: P, k: bigint): P | undefined => {
    const n = native();
    if (!n || k <= 0n || k >= order || hasTable(p) || p.is0()) return undefined;
    return n.mul(p, k);
  };
  const mulRepeated = (g: GroupPoint, k: bigint): GroupPoint => {
    const p = countUse(fromGroup(g));
    return toGroup(mulNative(p, k) ?? p.multiplyUnsafe(k));
  };
  const mulSecretRepeated = (g: GroupPoint, k: bigint): GroupPoint => {
    if (k === 0n) throw new RangeError('secret scalar is zero');
    const p = countUse(fromGroup(g));
    return toGroup(mulNative(p, k) ?? p.multiply(k));
  };
  nativeMulSecret.set(Point, (g, k) => {
    const p = mulNative(fromGroup(g), k);
    return p === undefined ? undefined : toGroup(p);
  });
  const withTable = (g: GroupPoint): GroupPoint => {
    const p = fromGroup(g);
    uses.set(p, REPEAT_BEFORE_TABLE);
    p.precompute(TABLE_WINDOW, false);
    return g;
  };

  const msm = (points: readonly GroupPoint[], scalars: readonly bigint[]): GroupPoint => {
    if (points.length !== scalars.length) throw new RangeError('msm: length mismatch');
    if (points.length === 0) return toGroup(Point.ZERO);
    const viaNative = native()?.msm(points.map(fromGroup), scalars);
    if (viaNative) return toGroup(viaNative);
    // Interleaved wNAF (Strauss–Shamir): one doubling chain for all points. With the small
    // integer scalars of VSS checks (j^k for j ≤ n) the chain is only a few bits long.
    return toGroup(mulAddUnsafe(Point, points.map(fromGroup), [...scalars]));
  };

  const randomScalar = (random: RandomSource): bigint => {
    // Wide reduction into [1, order-1] (noble mapHashToField): never zero, bias < 2^-128.
    const wide = random(getMinHashLength(order));
    const k = Fn.fromBytes(mapHashToField(wide, order, Fn.isLE));
    wide.fill(0);
    return k;
  };

  return Object.freeze({
    name: opts.name,
    Fn,
    order,
    scalarLength: Fn.BYTES,
    pointLength: opts.pointLength,
    G: toGroup(Point.BASE),
    identity: toGroup(Point.ZERO),
    decodePoint,
    decodePointSkipSubgroup,
    encodePoint,
    decodeScalar,
    encodeScalar,
    mulBase,
    mulBasePublic,
    mulRepeated,
    mulSecretRepeated,
    withTable,
    msm,
    encodedArithmetic: () => native()?.encoded ?? null,
    randomScalar,
    frost: opts.frost,
  });
}
