/**
 * The node installs libsecp256k1 (`tiny-secp256k1`, WASM) as core's secp256k1 backend: DKLs23's
 * online round multiplies the presignature's R by δ and checks the signature by key recovery there,
 * ≈ 4× faster than in noble. Core checks the backend against noble when it is installed; what is
 * accelerated and why it is safe: core/crypto/suites/secp256k1-backend.ts.
 */
import { secp256k1BackendOf, setSecp256k1Backend } from '@tkms/core';
import * as ecc from 'tiny-secp256k1';

export const tinySecp256k1 = secp256k1BackendOf(ecc);

/** Installs it (idempotent). `TKMS_SECP256K1_BACKEND=noble` keeps noble, for comparisons (bench). */
export function installSecp256k1Accel(): void {
  if (process.env.TKMS_SECP256K1_BACKEND === 'noble') return;
  setSecp256k1Backend(tinySecp256k1);
}
