/**
 * Independent ECDSA verifiers for the end-to-end tests: node:crypto and the `openssl` command
 * line (both OpenSSL), given the compressed SEC1 key a tkms ECDSA key reports.
 */
import { spawnSync } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';

export type EcdsaCurve = 'secp256k1' | 'p256';

/** A compressed SEC1 key as a node:crypto KeyObject (OpenSSL). */
export function keyObject(curve: EcdsaCurve, compressed: Uint8Array) {
  const P = (curve === 'p256' ? p256 : secp256k1).Point.fromBytes(compressed);
  const { x, y } = P.toAffine();
  const b64 = (n: bigint) => Buffer.from(n.toString(16).padStart(64, '0'), 'hex').toString('base64url');
  return createPublicKey({
    key: { kty: 'EC', crv: curve === 'p256' ? 'P-256' : 'secp256k1', x: b64(x), y: b64(y) },
    format: 'jwk',
  });
}

/** node:crypto's verdict on a DER signature over SHA-256(message). */
export function nodeCryptoVerifies(
  curve: EcdsaCurve,
  compressed: Uint8Array,
  message: Uint8Array,
  der: Uint8Array,
): boolean {
  return verify('sha256', message, { key: keyObject(curve, compressed), dsaEncoding: 'der' }, der);
}

/** `openssl pkeyutl -verify` on a DER signature over a 32-byte digest. */
export function opensslVerifies(
  curve: EcdsaCurve,
  compressed: Uint8Array,
  digest: Uint8Array,
  der: Uint8Array,
) {
  const d = mkdtempSync(join(tmpdir(), 'tkms-ecdsa-'));
  writeFileSync(join(d, 'pub.pem'), keyObject(curve, compressed).export({ type: 'spki', format: 'pem' }));
  writeFileSync(join(d, 'digest.bin'), digest);
  writeFileSync(join(d, 'sig.der'), der);
  try {
    const r = spawnSync(
      'openssl',
      [
        'pkeyutl',
        '-verify',
        '-pubin',
        '-inkey',
        join(d, 'pub.pem'),
        '-in',
        join(d, 'digest.bin'),
        '-sigfile',
        join(d, 'sig.der'),
      ],
      { encoding: 'utf8' },
    );
    return r.status === 0 && /Signature Verified Successfully/.test(r.stdout);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
}

/** s ≤ n/2 for a 64-byte r ‖ s signature (BIP62 / Ethereum's canonical form). */
export function isLowS(curve: EcdsaCurve, signature: Uint8Array): boolean {
  return !(curve === 'p256' ? p256 : secp256k1).Signature.fromBytes(signature, 'compact').hasHighS();
}
