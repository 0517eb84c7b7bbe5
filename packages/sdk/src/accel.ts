/**
 * Native-speed group arithmetic for the client, where libsodium (WASM, Node and browsers) loads:
 * the client's share of data-key work (hash-to-group, proof checks) is about five times faster.
 * Core checks libsodium against noble when it is installed; without it the client runs on noble.
 */
import { installSodiumBackends, type SodiumLike } from '@tkms/core';

let loading: Promise<boolean> | undefined;

/** Resolves true once libsodium backs core's suites, false if it cannot be loaded here. */
export function enableNativeCrypto(): Promise<boolean> {
  loading ??= (async () => {
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
  })();
  return loading;
}
