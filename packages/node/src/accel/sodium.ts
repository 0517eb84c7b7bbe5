/**
 * Native-speed checks and arithmetic the node installs into core's suites. Core stays on @noble/*
 * only; the node may use libsodium (WASM) where it is much faster for the same, well-defined
 * operation. Core compares each with noble on fixed inputs when it is installed.
 */
import { setEd25519SubgroupCheck, setRistretto255Backend } from '@tkms/core';
import sodium from 'libsodium-wrappers-sumo';

let installed: Promise<void> | undefined;

/**
 * - RFC 9591 §6.1 requires every received Ed25519 element to be in the prime-order subgroup.
 *   `crypto_core_ed25519_is_valid_point` checks exactly that (canonical, on the curve, not of
 *   small order, in the main subgroup) in ~85 µs against ~740 µs for noble's [L]P.
 * - ristretto255 group operations (the OPRF, ristretto255 FROST and DKG): multiplication ~135 µs
 *   against ~925 µs in noble, base multiplication ~46 µs against ~230 µs, the RFC 9496 map ~24 µs.
 *   `crypto_scalarmult_ristretto255` and `_base` are libsodium's constant-time ladders (fixed
 *   windows, constant-time table lookups), so secret scalars — key shares, blinds, proof nonces —
 *   are safe to pass. They clear bit 255 of the scalar, which core's scalars (< L < 2^253) never
 *   set. The wrappers copy the scalar into WASM memory and free it without wiping, as JS bigints
 *   on the noble path cannot be wiped either.
 */
export function installSodiumAccel(): Promise<void> {
  installed ??= (async () => {
    await sodium.ready;
    setEd25519SubgroupCheck((encoded) => sodium.crypto_core_ed25519_is_valid_point(encoded));
    setRistretto255Backend({
      scalarMult: (k, P) => sodium.crypto_scalarmult_ristretto255(k, P),
      scalarMultBase: (k) => sodium.crypto_scalarmult_ristretto255_base(k),
      add: (P, Q) => sodium.crypto_core_ristretto255_add(P, Q),
      fromUniformBytes: (uniform) => sodium.crypto_core_ristretto255_from_hash(uniform),
    });
  })();
  return installed;
}
