import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytesToHex, concatBytes, hexToBytes } from '../bytes.ts';
import { p256Suite as suite } from './p256.ts';

// RFC 9591 Appendix E.4, FROST(P-256, SHA-256): the hashes this suite gives the DKG and FROST.
const V = {
  groupPublicKey: '023a309ad94e9fe8a7ba45dfc58f38bf091959d3c99cfbd02b4dc00585ec45ab70',
  message: '74657374',
  share1: '0c9c1a0fe806c184add50bbdcac913dda73e482daf95dcb9f35dbb0d8a9f7731',
  hidingRandomness1: '4a8477d587f118308d3069e63995feec76f5d9b83ab7d9bce2fc8011d3462bb4',
  hidingNonce1: 'a5d80a9eb6454a912473d129effd1eb6610ab556fbb2d198594947ea87be88bf',
  bindingFactorInput1:
    '023a309ad94e9fe8a7ba45dfc58f38bf091959d3c99cfbd02b4dc00585ec45ab70825371853e974bc30ac5b947b216d70461919666584c70c51f9f56f117736c5d3a27b8c270f59cc19034e43e42b66179dafc795f55807cce71610b4366c2cad60000000000000000000000000000000000000000000000000000000000000001',
  bindingFactor1: 'f3524ed2b393ae51a66c8de55b65bea32532d7d90e34a6419ec32ea42201b846',
  sig: '02aea65143565d19f2811d6c1d7a7486fdd57dd3f6b08d8653ca260ec0ebe00b61ca5d775641ac46891ac3d6089e1db471b3ab173ccb586035582185e43f13f245',
};

test('p256: RFC 9591 vectors for H1 (binding factor), H3 (nonce) and H2 (challenge)', () => {
  const h1 = suite.frost.H1(hexToBytes(V.bindingFactorInput1));
  assert.equal(bytesToHex(suite.encodeScalar(h1)), V.bindingFactor1);
  const h3 = suite.frost.H3(concatBytes(hexToBytes(V.hidingRandomness1), hexToBytes(V.share1)));
  assert.equal(bytesToHex(suite.encodeScalar(h3)), V.hidingNonce1);
  // The final signature verifies under the RFC 9591 equation z·G = R + H2(R || PK || m)·PK.
  const sig = hexToBytes(V.sig);
  const R = sig.subarray(0, 33);
  const z = suite.decodeScalar(sig.subarray(33));
  const PK = hexToBytes(V.groupPublicKey);
  const c = suite.frost.H2(concatBytes(R, PK, hexToBytes(V.message)));
  assert.ok(suite.mulBase(z).equals(suite.decodePoint(R).add(suite.decodePoint(PK).multiplyUnsafe(c))));
});

test('p256: only 33-byte compressed SEC1 points decode', () => {
  const G = suite.encodePoint(suite.G);
  assert.equal(G.length, 33);
  const uncompressed = hexToBytes(
    '046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5',
  );
  assert.throws(() => suite.decodePoint(uncompressed), RangeError);
  // x = 1: x³ − 3x + b is not a square mod p, so no point has this x.
  const notOnCurve = new Uint8Array(33);
  notOnCurve[0] = 0x02;
  notOnCurve[32] = 1;
  assert.throws(() => suite.decodePoint(notOnCurve), RangeError);
  // x ≥ p is not a canonical field element.
  const xTooLarge = new Uint8Array(33).fill(0xff);
  xTooLarge[0] = 0x02;
  assert.throws(() => suite.decodePoint(xTooLarge), RangeError);
  const zeroPrefix = Uint8Array.from(G);
  zeroPrefix[0] = 0x00;
  assert.throws(() => suite.decodePoint(zeroPrefix), RangeError);
});
