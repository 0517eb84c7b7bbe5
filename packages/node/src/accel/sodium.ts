/**
 * The node installs libsodium (WASM) into core's suites where it is much faster for the same,
 * well-defined operation; core keeps only @noble/* and checks each operation against noble when it
 * is installed. What is accelerated and why it is safe: core/crypto/suites/sodium-backends.ts.
 */
import { installSodiumBackends } from '@tkms/core';
import sodium from 'libsodium-wrappers-sumo';

let installed: Promise<void> | undefined;

export function installSodiumAccel(): Promise<void> {
  installed ??= (async () => {
    await sodium.ready;
    installSodiumBackends(sodium);
  })();
  return installed;
}
