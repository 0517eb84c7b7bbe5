import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ristretto255 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { bytesToHex, concatBytes, equalBytes, hexToBytes } from '../bytes.ts';
import { ristretto255Suite as suite } from './ristretto255.ts';
import { RFC9496_INVALID_ENCODINGS } from './testing/ristretto255-vectors.ts';

// RFC 9591 Appendix E.2, FROST(ristretto255, SHA-512), participant 1 of the signing set {1, 3}.
const V = {
  groupPublicKey: 'e2a62f39eede11269e3bd5a7d97554f5ca384f9f6d3dd9c3c0d05083c7254f57',
  message: '74657374',
  share1: '5c3430d391552f6e60ecdc093ff9f6f4488756aa6cebdbad75a768010b8f830e',
  hidingRandomness1: '4366eff4b4676f97822998ec3e5af1388131bffa3db76e54ee19805f0e778f33',
  hidingNonce1: 'b16f611649233ec528d20759e8cf828c12630a3b73996a643e59a5eda63c8b05',
  commitments: [
    {
      id: 1,
      hiding: '4818a19481eddc359c299dc101a84820423fcbe4b08badfa78c24b4de56c022e',
      binding: 'f6df3b1ca00c88b7688a6ebffd6eb2d81a3d1305342ec69cc24cb4558bc2b41b',
    },
    {
      id: 3,
      hiding: '52554f07003db6c789b867872a762bbd5efc5fb699dc8213863369d66117142c',
      binding: 'e0842fef27f9ccc38fbe93c73eb1f04d1de6c917b35aafffc8ffc7c02889cd70',
    },
  ],
  bindingFactorInput1:
    'e2a62f39eede11269e3bd5a7d97554f5ca384f9f6d3dd9c3c0d05083c7254f572889dde2854e26377a16caf77dfee5f6be8fe5b4c80318da84698a4161021b033911db5ef8205362701bc9ecd983027814abee94f46d094943a2f4b79a6e4d46d196080c9b1229edb902e05ee9b6c10209cf3383e5e7bea1830a098ae2140e209295e74231d5cc522ae076f77fe08efd92b98daf433517ee50596f12123314b00100000000000000000000000000000000000000000000000000000000000000',
  bindingFactor1: '812e62f8abce961bd9b3aabe36b6a00e7158611d6b5ccedec98119ae94a20d01',
  sig: 'fa954853693068803615803a06e2c23a6228f7d6d6b442b72b26696aa776fe75532350f49b27a123b0c811d54671f6c008e319741a59918baf3c5455a5ec2603',
};

test('ristretto255: RFC 9591 vectors for H1, H2, H3, H4 and H5', () => {
  // RFC 9591 §4.4 binding factor input: group key || H4(msg) || H5(encoded commitment list) || id.
  const list = concatBytes(
    ...V.commitments.map((c) =>
      concatBytes(suite.encodeScalar(BigInt(c.id)), hexToBytes(c.hiding), hexToBytes(c.binding)),
    ),
  );
  const input = concatBytes(
    hexToBytes(V.groupPublicKey),
    suite.frost.H4(hexToBytes(V.message)),
    suite.frost.H5(list),
    suite.encodeScalar(1n),
  );
  assert.equal(bytesToHex(input), V.bindingFactorInput1);
  assert.equal(bytesToHex(suite.encodeScalar(suite.frost.H1(input))), V.bindingFactor1);
  const h3 = suite.frost.H3(concatBytes(hexToBytes(V.hidingRandomness1), hexToBytes(V.share1)));
  assert.equal(bytesToHex(suite.encodeScalar(h3)), V.hidingNonce1);
  // The final signature verifies under z·G = R + H2(R || PK || m)·PK.
  const sig = hexToBytes(V.sig);
  const R = sig.subarray(0, 32);
  const z = suite.decodeScalar(sig.subarray(32));
  const PK = hexToBytes(V.groupPublicKey);
  const c = suite.frost.H2(concatBytes(R, PK, hexToBytes(V.message)));
  assert.ok(suite.mulBase(z).equals(suite.decodePoint(R).add(suite.decodePoint(PK).multiplyUnsafe(c))));
  assert.equal(suite.frost.contextString, 'FROST-RISTRETTO255-SHA512-v1');
});

test('ristretto255: RFC 9496 A.1 multiples of the generator encode as specified', () => {
  const multiples: [bigint, string][] = [
    [1n, 'e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76'],
    [2n, '6a493210f7499cd17fecb510ae0cea23a110e8d5b901f8acadd3095c73a3b919'],
    [15n, 'e0c418f7c8d9c4cdd7395b93ea124f3ad99021bb681dfc3302a9d99a2e53e64e'],
  ];
  for (const [k, hex] of multiples) {
    assert.equal(bytesToHex(suite.encodePoint(suite.mulBase(k))), hex);
    assert.ok(suite.decodePoint(hexToBytes(hex)).equals(suite.mulBase(k)));
  }
});

test('ristretto255: RFC 9496 A.2 invalid encodings and the identity are rejected', () => {
  const invalid = RFC9496_INVALID_ENCODINGS;
  for (const hex of invalid) {
    assert.throws(() => ristretto255.Point.fromHex(hex), Error, `noble accepts ${hex}`);
    assert.throws(() => suite.decodePoint(hexToBytes(hex)), RangeError, hex);
  }
  // The identity has an encoding (32 zero bytes) but is not a valid wire element here.
  assert.ok(ristretto255.Point.fromHex('00'.repeat(32)).is0());
  assert.throws(() => suite.decodePoint(new Uint8Array(32)), /identity/);
  assert.throws(() => suite.encodePoint(suite.identity), RangeError);
});

test('ristretto255: every encoding that decodes re-encodes to itself (no second encoding of a point)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (b) => {
      let P: ReturnType<typeof suite.decodePoint>;
      try {
        P = suite.decodePoint(b);
      } catch {
        return;
      }
      assert.ok(equalBytes(suite.encodePoint(P), b));
    }),
    { numRuns: 300 },
  );
});
