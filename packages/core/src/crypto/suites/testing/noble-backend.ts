/**
 * A ristretto255 backend computed with noble that counts its calls. Core's tests install it to
 * drive the native code paths (the suite's native multiplications, `encodedArithmetic`), since
 * core cannot import libsodium; the libsodium backend itself is compared with noble in
 * packages/node/src/accel/ristretto255.test.ts and by `setRistretto255Backend` at installation.
 */
import { ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import type { Bytes } from '../../bytes.ts';
import type { Ristretto255Backend } from '../ristretto255-backend.ts';

const { Point } = ristretto255;
const deriveToCurve = ristretto255_hasher.deriveToCurve as (u: Bytes) => InstanceType<typeof Point>;

export type BackendCalls = Record<keyof Ristretto255Backend, number>;

export function countingNobleBackend(): {
  backend: Required<Ristretto255Backend>;
  calls: BackendCalls;
  reset(): void;
} {
  const calls: BackendCalls = {
    scalarMult: 0,
    scalarMultBase: 0,
    add: 0,
    fromUniformBytes: 0,
    sub: 0,
    isValidPoint: 0,
  };
  const backend: Required<Ristretto255Backend> = {
    scalarMult(k, P) {
      calls.scalarMult++;
      return Point.fromBytes(P).multiply(bytesToNumberLE(k)).toBytes();
    },
    scalarMultBase(k) {
      calls.scalarMultBase++;
      return Point.BASE.multiply(bytesToNumberLE(k)).toBytes();
    },
    add(P, Q) {
      calls.add++;
      return Point.fromBytes(P).add(Point.fromBytes(Q)).toBytes();
    },
    fromUniformBytes(u) {
      calls.fromUniformBytes++;
      return deriveToCurve(u).toBytes();
    },
    sub(P, Q) {
      calls.sub++;
      return Point.fromBytes(P).subtract(Point.fromBytes(Q)).toBytes();
    },
    // RFC 9496 Decode, identity included, as libsodium's crypto_core_ristretto255_is_valid_point.
    isValidPoint(P) {
      calls.isValidPoint++;
      try {
        Point.fromBytes(P);
        return true;
      } catch {
        return false;
      }
    },
  };
  const reset = () => {
    for (const k of Object.keys(calls) as (keyof BackendCalls)[]) calls[k] = 0;
  };
  return { backend, calls, reset };
}
