/**
 * Core's secp256k1 and DKLs23 tests run again with the libsecp256k1 backend installed: the suite
 * properties, FROST(secp256k1) and BIP340 vectors, finishEcdsa and verifyEcdsa against noble's
 * verify and recovery, and DKLs23 signing (honest, presigned and adversarial). Their expected
 * values are the specifications' or noble's, so a backend that changed a result or a refusal fails.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { secp256k1Native } from '@tkms/core/crypto/suites/secp256k1-backend';
import { installSecp256k1Accel } from './secp256k1.ts';

installSecp256k1Accel();

test('the backend is installed for the tests below', () => {
  assert.ok(secp256k1Native());
});

await import('@tkms/core/crypto/suites/suites.test');
await import('@tkms/core/protocols/frost/frost.vectors.test');
await import('@tkms/core/protocols/frost/frost.test');
await import('@tkms/core/protocols/dkls23/sign/ecdsa.test');
await import('@tkms/core/protocols/dkls23/sign/sign.test');
await import('@tkms/core/protocols/dkls23/sign/presign.test');
await import('@tkms/core/protocols/dkls23/sign/sign.adversarial.test');
