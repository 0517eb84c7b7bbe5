/**
 * A backend with only the four required operations (no `sub`, no `isValidPoint`, as a host may
 * have written it before they existed): encoded subtraction and validation still give noble's
 * results, through P + (L − 1)·Q and noble's Decode. (Its own process: a backend installs once.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ristretto255 } from '@noble/curves/ed25519.js';
import { seededRandom } from '../../engine/simulate/random.ts';
import { testSeed } from '../../protocols/testing/fixtures.ts';
import { bytesToHex, hexToBytes } from '../bytes.ts';
import { ristretto255Suite as suite } from './ristretto255.ts';
import { setRistretto255Backend } from './ristretto255-backend.ts';
import { countingNobleBackend } from './testing/noble-backend.ts';
import { RFC9496_INVALID_ENCODINGS } from './testing/ristretto255-vectors.ts';

const { Point } = ristretto255;

test('without sub and isValidPoint: subtraction and validation are noble’s', () => {
  const { backend, calls } = countingNobleBackend();
  const { scalarMult, scalarMultBase, add, fromUniformBytes } = backend;
  setRistretto255Backend({ scalarMult, scalarMultBase, add, fromUniformBytes });
  const native = suite.encodedArithmetic();
  assert.ok(native);
  const random = seededRandom(testSeed('ristretto255-backend-fallback'), 'inputs');
  const [P, Q] = [
    Point.BASE.multiply(suite.randomScalar(random)),
    Point.BASE.multiply(suite.randomScalar(random)),
  ];
  assert.equal(bytesToHex(native.subtract(P.toBytes(), Q.toBytes())), bytesToHex(P.subtract(Q).toBytes()));
  assert.throws(() => native.subtract(P.toBytes(), P.toBytes()), /cannot encode the identity/);
  for (const b of [...RFC9496_INVALID_ENCODINGS.map(hexToBytes), new Uint8Array(32)])
    assert.throws(() => native.validatePoint(b), RangeError, bytesToHex(b));
  assert.doesNotThrow(() => native.validatePoint(P.toBytes()));
  assert.equal(calls.sub + calls.isValidPoint, 0);
});
