/**
 * Native-speed group arithmetic for the client, where the WASM modules load (Node and browsers):
 * libsodium makes the client's share of data-key work (hash-to-group, proof checks) about five
 * times faster, and libsecp256k1 (tiny-secp256k1) its check of each ECDSA signature the nodes
 * return (≈ 0.25 ms against ≈ 1.2 ms). Core checks each against noble when it is installed;
 * without them the client runs on noble, with the same results.
 */
import {
  installSodiumBackends,
  type SodiumLike,
  secp256k1BackendOf,
  setSecp256k1Backend,
  type TinySecp256k1Like,
} from '@tkms/core';

let loading: Promise<boolean> | undefined;

/**
 * Loads both (concurrently; each may fail alone, leaving noble for its curves). Resolves true
 * once libsodium backs core's suites, false if it cannot be loaded here.
 */
export function enableNativeCrypto(): Promise<boolean> {
  loading ??= Promise.all([loadSodium(), loadSecp256k1()]).then(([sodium]) => sodium);
  return loading;
}

async function loadSodium(): Promise<boolean> {
  try {
    const mod = (await import('libsodium-wrappers-sumo')) as unknown as {
      default: SodiumLike & { ready: Promise<void> };
    };
    await mod.default.ready;
    installSodiumBackends(mod.default);
    return true;
  } catch {
    return false;
  }
}

async function loadSecp256k1(): Promise<boolean> {
  try {
    setSecp256k1Backend(secp256k1BackendOf((await import('tiny-secp256k1')) as TinySecp256k1Like));
    return true;
  } catch {
    return false; // noble it is (a bundle without the WASM file, or another backend installed first)
  }
}
