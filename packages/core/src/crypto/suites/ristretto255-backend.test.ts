/**
 * The ristretto255 backend hook, with a backend written in noble that counts its calls: the hook
 * refuses a backend that disagrees with noble, installs once, and the OPRF then routes every
 * multiplication and HashToGroup through it with unchanged results. (The libsodium backend is
 * compared with noble in packages/node/src/accel/ristretto255.test.ts: core cannot import it.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import { seededRandom } from '../../engine/simulate/random.ts';
import { objectElement } from '../../protocols/oprf/client.ts';
import { combineEvaluations } from '../../protocols/oprf/combine.ts';
import { evaluateShare } from '../../protocols/oprf/evaluate.ts';
import { dkgKeys } from '../../protocols/testing/fixtures.ts';
import { type Bytes, bytesToHex, hexToBytes, utf8 } from '../bytes.ts';
import { mulSecret } from './mul-secret.ts';
import { ristretto255Suite as suite } from './ristretto255.ts';
import { type Ristretto255Backend, setRistretto255Backend } from './ristretto255-backend.ts';

const { Point } = ristretto255;
const deriveToCurve = ristretto255_hasher.deriveToCurve as (u: Bytes) => InstanceType<typeof Point>;
const calls = { scalarMult: 0, scalarMultBase: 0, add: 0, fromUniformBytes: 0 };
const countingNoble: Ristretto255Backend = {
  scalarMult(k, P) {
    calls.scalarMult++;
    return Point.fromBytes(P).multiply(bytesToNumberLE(k)).toBytes();
  },
  scalarMultBase(k) {
    calls.scalarMultBase++;
    return Point.BASE.multiply(bytesToNumberLE(k)).toBytes();
  },
  add(P, Q) {
    calls.add++;
    return Point.fromBytes(P).add(Point.fromBytes(Q)).toBytes();
  },
  fromUniformBytes(u) {
    calls.fromUniformBytes++;
    return deriveToCurve(u).toBytes();
  },
};
const reset = () => Object.assign(calls, { scalarMult: 0, scalarMultBase: 0, add: 0, fromUniformBytes: 0 });

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
  assert.deepEqual(calls, { scalarMult: 0, scalarMultBase: 0, add: 0, fromUniformBytes: 0 });
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
  assert.deepEqual(calls, { scalarMult: 3 + 3 + 2, scalarMultBase: 2, add: 2, fromUniformBytes: 0 });

  assert.deepEqual(oprfRound(), before);
  const P = suite.decodePoint(hexToBytes(before.elements[0] as string));
  reset();
  assert.equal(
    bytesToHex(suite.encodePoint(mulSecret(P, 12345n))),
    bytesToHex(Point.fromBytes(suite.encodePoint(P)).multiply(12345n).toBytes()),
  );
  assert.equal(calls.scalarMult, 1, 'mulSecret multiplies through the backend');
});
