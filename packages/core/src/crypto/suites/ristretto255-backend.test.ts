/**
 * The ristretto255 backend hook, with a backend written in noble that counts its calls: the hook
 * refuses a backend that disagrees with noble, installs once, and the OPRF then routes every
 * multiplication and HashToGroup through it with unchanged results. (The libsodium backend is
 * compared with noble in packages/node/src/accel/ristretto255.test.ts: core cannot import it.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js';
import { seededRandom } from '../../engine/simulate/random.ts';
import { objectElement } from '../../protocols/oprf/client.ts';
import { combineEvaluations } from '../../protocols/oprf/combine.ts';
import { evaluateShare } from '../../protocols/oprf/evaluate.ts';
import { dkgKeys, testSeed } from '../../protocols/testing/fixtures.ts';
import { type Bytes, bytesToHex, hexToBytes, utf8 } from '../bytes.ts';
import { mulSecret } from './mul-secret.ts';
import { ristretto255Suite as suite } from './ristretto255.ts';
import { type Ristretto255Backend, setRistretto255Backend } from './ristretto255-backend.ts';
import { countingNobleBackend } from './testing/noble-backend.ts';
import { RFC9496_INVALID_ENCODINGS } from './testing/ristretto255-vectors.ts';

const { Point } = ristretto255;
const deriveToCurve = ristretto255_hasher.deriveToCurve as (u: Bytes) => InstanceType<typeof Point>;
const { backend: countingNoble, calls, reset } = countingNobleBackend();
const none = { scalarMult: 0, scalarMultBase: 0, add: 0, fromUniformBytes: 0, sub: 0, isValidPoint: 0 };

const keys = dkgKeys('ristretto255', 3, 2, 'ristretto255-backend');
const node = (p: string) => keys[p] as (typeof keys)[string];
const inputs = [0, 1, 2].map((j) => utf8(`tenant/objects/${j}`));
/** One policy-bound round: elements, two nodes' answers, the combined evaluations, as hex. */
function oprfRound(): { elements: string[]; answers: string[]; combined: string[] } {
  const elements = inputs.map((x) => objectElement('ristretto255', x));
  const answers = {
    'node-1': evaluateShare('ristretto255', node('node-1').signingShare, elements, seededRandom('r', '1')),
    'node-3': evaluateShare('ristretto255', node('node-3').signingShare, elements, seededRandom('r', '3')),
  };
  const { evaluations, rejected } = combineEvaluations({ key: node('node-1'), elements, answers });
  assert.deepEqual(rejected, []);
  return {
    elements: elements.map(bytesToHex),
    answers: Object.values(answers).flatMap((a) => [...a.evaluations, a.proof].map(bytesToHex)),
    combined: evaluations.map(bytesToHex),
  };
}

test('without a backend: no encoded arithmetic, and noble does everything', () => {
  assert.equal(suite.encodedArithmetic(), null);
  oprfRound();
  assert.deepEqual(calls, none);
});

test('a backend that disagrees with noble on any operation is refused, and nothing is installed', () => {
  const lies: Partial<Ristretto255Backend>[] = [
    {
      scalarMult: (k, P) =>
        countingNoble.scalarMult(
          k.map((x, i) => (i === 31 ? 0 : x)),
          P,
        ),
    },
    { scalarMultBase: (k) => countingNoble.scalarMult(k, Point.BASE.double().toBytes()) },
    { add: (P, Q) => (P.every((b) => b === 0) ? Q : countingNoble.add(P, P)) },
    {
      fromUniformBytes: (u) =>
        deriveToCurve(Uint8Array.from(u, (x, i) => (i % 32 === 31 ? x & 0x7f : x ^ 1))).toBytes(),
    },
    { sub: (P, Q) => countingNoble.add(P, Q) },
    { sub: (P, Q) => (bytesToHex(P) === bytesToHex(Q) ? P : countingNoble.sub(P, Q)) },
    { isValidPoint: () => true },
    // Decodes with bit 255 cleared: accepts an encoding noble refuses.
    {
      isValidPoint: (P) =>
        countingNoble.isValidPoint(Uint8Array.from(P, (x, i) => (i === 31 ? x & 0x7f : x))),
    },
    // Refuses a negative s only when it is small: right on most inputs, wrong on RFC 9496 A.2.
    { isValidPoint: (P) => countingNoble.isValidPoint(P) || (P[0] === 0xed && P[31] === 0x20) },
  ];
  for (const lie of lies)
    assert.throws(() => setRistretto255Backend({ ...countingNoble, ...lie }), /disagrees with noble/);
  assert.equal(suite.encodedArithmetic(), null);
});

test('installed once, the OPRF runs through the backend with byte-identical results', () => {
  const before = oprfRound();
  setRistretto255Backend(countingNoble);
  setRistretto255Backend(countingNoble);
  assert.throws(() => setRistretto255Backend({ ...countingNoble }), /already installed/);
  assert.ok(suite.encodedArithmetic());

  reset();
  assert.deepEqual(
    inputs.map((x) => bytesToHex(objectElement('ristretto255', x))),
    before.elements,
  );
  assert.equal(calls.fromUniformBytes, inputs.length, 'HashToGroup maps through the backend');

  reset();
  const elements = before.elements.map(hexToBytes);
  evaluateShare('ristretto255', node('node-1').signingShare, elements, seededRandom('r', '1'));
  // Z_j = k·C_j (3), M = Σ d_j·C_j (3 and 2 additions), k·M and r·M; B = k·G and t2 = r·G.
  assert.deepEqual(calls, { ...none, scalarMult: 3 + 3 + 2, scalarMultBase: 2, add: 2 });

  assert.deepEqual(oprfRound(), before);
  const P = suite.decodePoint(hexToBytes(before.elements[0] as string));
  reset();
  assert.equal(
    bytesToHex(suite.encodePoint(mulSecret(P, 12345n))),
    bytesToHex(Point.fromBytes(suite.encodePoint(P)).multiply(12345n).toBytes()),
  );
  assert.equal(calls.scalarMult, 1, 'mulSecret multiplies through the backend');
});

test('encodedArithmetic adds, subtracts, maps and validates like noble, through the backend', () => {
  const native = suite.encodedArithmetic();
  assert.ok(native);
  const random = seededRandom(testSeed('ristretto255-backend-encoded'), 'inputs');
  const randomPoint = () => Point.BASE.multiply(suite.randomScalar(random));
  const [P, Q] = [randomPoint(), randomPoint()];
  reset();
  assert.equal(bytesToHex(native.add(P.toBytes(), Q.toBytes())), bytesToHex(P.add(Q).toBytes()));
  assert.equal(bytesToHex(native.subtract(P.toBytes(), Q.toBytes())), bytesToHex(P.subtract(Q).toBytes()));
  assert.equal(bytesToHex(native.subtract(Q.toBytes(), P.toBytes())), bytesToHex(Q.subtract(P).toBytes()));
  assert.deepEqual(calls, { ...none, add: 1, sub: 2 });
  assert.throws(() => native.add(P.toBytes(), P.negate().toBytes()), /cannot encode the identity/);
  assert.throws(() => native.subtract(P.toBytes(), P.toBytes()), /cannot encode the identity/);

  // Bit 255 of each half is ignored by the map (RFC 9496 §4.3.4).
  const uniforms = [random(64), new Uint8Array(64).fill(0xff), Uint8Array.from(random(64), (x) => x | 0x80)];
  for (const u of uniforms)
    assert.equal(bytesToHex(native.fromUniformBytes(u)), bytesToHex(deriveToCurve(u).toBytes()));
  assert.throws(() => native.fromUniformBytes(random(32)), RangeError);

  // validatePoint refuses exactly what decodePoint refuses; the identity and a wrong length with
  // decodePoint's own message, and it never builds a point.
  const encodings = [
    ...RFC9496_INVALID_ENCODINGS.map(hexToBytes),
    new Uint8Array(32),
    new Uint8Array(31).fill(1),
    P.toBytes().subarray(0, 31),
    Uint8Array.from([...P.toBytes(), 0]),
    Uint8Array.from(P.toBytes(), (x, i) => (i === 31 ? x | 0x80 : x)),
    ...Array.from({ length: 200 }, () => random(32)),
    ...Array.from({ length: 20 }, () => randomPoint().toBytes()),
  ];
  reset();
  let refused = 0;
  for (const b of encodings) {
    let nobleError: unknown;
    try {
      suite.decodePoint(b);
    } catch (e) {
      nobleError = e;
    }
    if (nobleError === undefined) {
      assert.doesNotThrow(() => native.validatePoint(b), bytesToHex(b));
      continue;
    }
    refused++;
    const sameMessage = b.length !== 32 || b.every((x) => x === 0);
    assert.throws(
      () => native.validatePoint(b),
      sameMessage ? { name: 'RangeError', message: (nobleError as Error).message } : RangeError,
      bytesToHex(b),
    );
  }
  assert.ok(
    refused > 100 && refused < encodings.length - 20,
    'valid and invalid random encodings were tried',
  );
  assert.equal(
    calls.isValidPoint,
    encodings.filter((b) => b.length === 32).length,
    'validated by the backend',
  );
  assert.equal(calls.scalarMult + calls.add, 0);
});
