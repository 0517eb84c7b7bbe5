/**
 * Native-speed checks the node installs into core's suites. Core stays on @noble/* only; the node
 * may use libsodium (WASM) where it is much faster for the same, well-defined check.
 */
import { setEd25519SubgroupCheck } from '@tkms/core';
import sodium from 'libsodium-wrappers-sumo';

let installed: Promise<void> | undefined;

/**
 * RFC 9591 §6.1 requires every received Ed25519 element to be in the prime-order subgroup.
 * `crypto_core_ed25519_is_valid_point` checks exactly that (canonical, on the curve, not of small
 * order, in the main subgroup) in ~85 µs against ~740 µs for noble's [L]P.
 */
export function installSodiumAccel(): Promise<void> {
  installed ??= (async () => {
    await sodium.ready;
    setEd25519SubgroupCheck((encoded) => sodium.crypto_core_ed25519_is_valid_point(encoded));
  })();
  return installed;
}
