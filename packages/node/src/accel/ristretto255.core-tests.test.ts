/**
 * Core's ristretto255 tests run again with the libsodium backend installed: the RFC 9496 and
 * RFC 9497 vectors, the suite properties, the DKG and the threshold OPRF (honest, covered and
 * adversarial). Their expected values are the RFCs' or noble's, so a backend that changed a
 * result or a rejection fails them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ristretto255Suite } from '@tkms/core';
import { installSodiumAccel } from './sodium.ts';

await installSodiumAccel();

test('the backend is installed for the tests below', () => {
  assert.ok(ristretto255Suite.encodedArithmetic());
});

await import('@tkms/core/crypto/suites/ristretto255.test');
await import('@tkms/core/crypto/suites/suites.test');
await import('@tkms/core/crypto/suites/suites.dkg.test');
await import('@tkms/core/protocols/oprf/oprf.vectors.test');
await import('@tkms/core/protocols/oprf/oprf.test');
await import('@tkms/core/protocols/oprf/oprf.covered.test');
await import('@tkms/core/protocols/oprf/oprf.adversarial.test');
