/**
 * libsodium as the fast backend for Ed25519 subgroup checks and ristretto255 arithmetic, for any
 * host that has it (the node, the SDK in Node or a browser). Core does not import libsodium: the
 * host passes its loaded `sodium` object, and core checks every operation against noble when it
 * is installed (see `setRistretto255Backend`).
 *
 * - RFC 9591 §6.1 requires every received Ed25519 element to be in the prime-order subgroup.
 *   `crypto_core_ed25519_is_valid_point` checks exactly that (canonical, on the curve, not of
 *   small order, in the main subgroup) in ~85 µs against ~740 µs for noble's [L]P.
 * - X25519 for sealed answers: `crypto_scalarmult` (constant-time) ~110 µs against ~840 µs in noble.
 * - ristretto255 group operations (the OPRF, ristretto255 FROST and DKG, the DKLs23 base OTs):
 *   multiplication ~135 µs against ~925 µs in noble, base multiplication ~46 µs against ~230 µs,
 *   the RFC 9496 map ~24-40 µs against ~290 µs, addition and subtraction of encodings ~35 µs
 *   against ~300 µs (two decodes and an encode), and validation of a received encoding
 *   (`crypto_core_ristretto255_is_valid_point`: RFC 9496 Decode, identity accepted, which core
 *   refuses itself) ~13 µs against ~110 µs.
 *   `crypto_scalarmult_ristretto255` and `_base` are libsodium's constant-time ladders (fixed
 *   windows, constant-time table lookups), so secret scalars — key shares, blinds, proof nonces —
 *   are safe to pass. They clear bit 255 of the scalar, which core's scalars (< L < 2^253) never
 *   set. The wrappers copy the scalar into WASM memory and free it without wiping, as JS bigints
 *   on the noble path cannot be wiped either.
 */
import { setX25519Backend, type X25519Backend } from '../box.ts';
import type { Bytes } from '../bytes.ts';
import { setEd25519SubgroupCheck } from './ed25519.ts';
import { setRistretto255Backend } from './ristretto255-backend.ts';

/** The part of libsodium-wrappers-sumo (after `await sodium.ready`) these backends use. */
export type SodiumLike = {
  crypto_core_ed25519_is_valid_point(p: Bytes): boolean;
  crypto_scalarmult_ristretto255(k: Bytes, p: Bytes): Bytes;
  crypto_scalarmult_ristretto255_base(k: Bytes): Bytes;
  crypto_core_ristretto255_add(p: Bytes, q: Bytes): Bytes;
  crypto_core_ristretto255_from_hash(h: Bytes): Bytes;
  crypto_core_ristretto255_sub(p: Bytes, q: Bytes): Bytes;
  crypto_core_ristretto255_is_valid_point(p: Bytes): boolean;
  crypto_scalarmult(n: Bytes, p: Bytes): Bytes;
  crypto_scalarmult_base(n: Bytes): Bytes;
};

/** Installs both backends; safe to call again with the same `sodium`. */
export function installSodiumBackends(sodium: SodiumLike): void {
  setEd25519SubgroupCheck((encoded) => sodium.crypto_core_ed25519_is_valid_point(encoded));
  setRistretto255Backend(SODIUM_RISTRETTO.get(sodium) ?? makeRistretto(sodium));
  setX25519Backend(x25519Of(sodium));
}

/** X25519 for answers sealed to clients (`crypto/box.ts`); libsodium throws on an all-zero result. */
function x25519Of(sodium: SodiumLike): X25519Backend {
  return {
    scalarMultBase: (k) => sodium.crypto_scalarmult_base(k),
    scalarMult: (k, u) => sodium.crypto_scalarmult(k, u),
  };
}

const SODIUM_RISTRETTO = new WeakMap<SodiumLike, Parameters<typeof setRistretto255Backend>[0]>();
function makeRistretto(sodium: SodiumLike): Parameters<typeof setRistretto255Backend>[0] {
  const b = {
    scalarMult: (k: Bytes, P: Bytes) => sodium.crypto_scalarmult_ristretto255(k, P),
    scalarMultBase: (k: Bytes) => sodium.crypto_scalarmult_ristretto255_base(k),
    add: (P: Bytes, Q: Bytes) => sodium.crypto_core_ristretto255_add(P, Q),
    fromUniformBytes: (uniform: Bytes) => sodium.crypto_core_ristretto255_from_hash(uniform),
    sub: (P: Bytes, Q: Bytes) => sodium.crypto_core_ristretto255_sub(P, Q),
    isValidPoint: (P: Bytes) => sodium.crypto_core_ristretto255_is_valid_point(P),
  };
  SODIUM_RISTRETTO.set(sodium, b);
  return b;
}
