/**
 * One test per check of combine.ts and evaluate.ts: a node that cheats is detected, named and left
 * out while `threshold` honest answers remain, and the requester gets the honest result; with
 * fewer honest answers than the threshold the combine fails with the culprits named. Requests a
 * node must refuse (identity, off-curve, non-canonical elements) are refused before the share is
 * used.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Bytes, bytesToHex, concatBytes, hexToBytes, utf8 } from '../../crypto/bytes.ts';
import { SecretBytes } from '../../crypto/secret.ts';
import type { GroupPoint } from '../../crypto/suites/types.ts';
import { seededRandom } from '../../engine/simulate/random.ts';
import type { PartyId } from '../../engine/types.ts';
import { TkmsError } from '../../errors/tkms-error.ts';
import type { DkgOutput } from '../dkg/types.ts';
import { dkgKeys, partyNames, testSeed } from '../testing/fixtures.ts';
import { type OprfCiphersuite, oprfCiphersuite } from './ciphersuite.ts';
import { blind, objectElement } from './client.ts';
import { combineEvaluations, verifyShareProof } from './combine.ts';
import { evaluateShare } from './evaluate.ts';
import type { OprfEvaluation, RejectedEvaluation } from './types.ts';

const OPRF_SUITES = ['ristretto255', 'p256'] as const;

/** Invalid wire encodings of a group element for each suite: identity, off-curve, non-canonical. */
function invalidElements(cs: OprfCiphersuite): Record<string, Bytes> {
  if (cs.suite.name === 'ristretto255')
    return {
      'the identity': new Uint8Array(32),
      'a non-canonical field element (s = p)': hexToBytes(
        'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      ),
      'a negative field element': hexToBytes(
        '0100000000000000000000000000000000000000000000000000000000000000',
      ),
      'a non-square x² (off the group)': hexToBytes(
        '26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371',
      ),
      'a wrong length': new Uint8Array(33),
    };
  const G = cs.suite.encodePoint(cs.suite.G);
  const offCurve = new Uint8Array(33);
  offCurve[0] = 0x02;
  offCurve[32] = 1; // x = 1 is not on P-256
  const xTooLarge = new Uint8Array(33).fill(0xff);
  xTooLarge[0] = 0x03;
  return {
    'the identity (SEC1 0x00)': new Uint8Array([0]),
    'the identity padded to 33 bytes': new Uint8Array(33),
    'an off-curve x': offCurve,
    'a non-canonical x (x ≥ p)': xTooLarge,
    'an uncompressed encoding': concatBytes(new Uint8Array([4]), G.subarray(1), G.subarray(1)),
    'a bad prefix byte': concatBytes(new Uint8Array([5]), G.subarray(1)),
  };
}

type Setup = {
  cs: OprfCiphersuite;
  keys: Record<PartyId, DkgOutput>;
  ref: DkgOutput;
  elements: Bytes[];
  honest: Record<PartyId, OprfEvaluation>;
  expected: string[];
  seed: string;
};

function setup(suiteName: (typeof OPRF_SUITES)[number], label: string): Setup {
  const seed = testSeed(`oprf-adv-${suiteName}-${label}`);
  const cs = oprfCiphersuite(suiteName);
  const keys = dkgKeys(suiteName, 3, 2, seed);
  const ref = keys['node-1'] as DkgOutput;
  const elements = [0, 1, 2].map(
    (j) => blind(suiteName, utf8(`object-${j}`), seededRandom(seed, `b${j}`)).blindedElement,
  );
  const honest: Record<PartyId, OprfEvaluation> = {};
  for (const p of partyNames(3)) {
    const k = keys[p] as DkgOutput;
    honest[p] = evaluateShare(suiteName, k.signingShare, elements, seededRandom(seed, `e-${p}`));
  }
  const expected = combineEvaluations({
    key: ref,
    elements,
    answers: { 'node-1': honest['node-1'] as OprfEvaluation, 'node-3': honest['node-3'] as OprfEvaluation },
  }).evaluations.map(bytesToHex);
  return { cs, keys, ref, elements, honest, expected, seed };
}

/**
 * node-2 answers `bad` instead of its honest answer. With all three answers the combine must drop
 * and name node-2 and still give the honest result; with only node-1 and node-2 it must fail with
 * node-2 named.
 */
function expectCaught(s: Setup, bad: OprfEvaluation, code: RejectedEvaluation['code'], what: string): void {
  const answers = { ...s.honest, 'node-2': bad };
  const r = combineEvaluations({ key: s.ref, elements: s.elements, answers });
  assert.deepEqual(r.used, ['node-1', 'node-3'], what);
  assert.deepEqual(
    r.rejected.map((x) => [x.party, x.code]),
    [['node-2', code]],
    what,
  );
  assert.deepEqual(r.evaluations.map(bytesToHex), s.expected, what);
  assert.equal(
    verifyShareProof(s.ref.suite, s.ref.verifyingShares['node-2'] as Bytes, s.elements, bad),
    false,
    what,
  );
  assert.throws(
    () =>
      combineEvaluations({
        key: s.ref,
        elements: s.elements,
        answers: { 'node-1': s.honest['node-1'] as OprfEvaluation, 'node-2': bad },
      }),
    (e: unknown) =>
      e instanceof TkmsError &&
      e.code === 'oprf.not_enough_answers' &&
      e.culprits.length === 1 &&
      e.culprits[0] === 'node-2',
    what,
  );
}

const replace = (list: readonly Bytes[], j: number, b: Bytes): Bytes[] =>
  list.map((x, i) => (i === j ? b : x));

for (const suiteName of OPRF_SUITES) {
  const label = oprfCiphersuite(suiteName).id;

  test(`${label}: honest answers verify and combine (baseline for the attacks below)`, () => {
    const s = setup(suiteName, 'baseline');
    for (const p of partyNames(3))
      assert.ok(
        verifyShareProof(
          suiteName,
          s.ref.verifyingShares[p] as Bytes,
          s.elements,
          s.honest[p] as OprfEvaluation,
        ),
      );
    const r = combineEvaluations({ key: s.ref, elements: s.elements, answers: s.honest });
    assert.deepEqual(r.rejected, []);
    assert.deepEqual(r.evaluations.map(bytesToHex), s.expected);
  });

  test(`${label}: a wrong evaluation is caught by the proof, named and left out`, () => {
    const s = setup(suiteName, 'wrong-eval');
    const h = s.honest['node-2'] as OprfEvaluation;
    const { suite } = s.cs;
    // A valid group element that is not k_2·M_1: 2·Z, and another element's evaluation.
    const Z1 = suite.decodePoint(h.evaluations[1] as Bytes);
    expectCaught(
      s,
      { ...h, evaluations: replace(h.evaluations, 1, suite.encodePoint(Z1.add(Z1))) },
      'oprf.bad_proof',
      '2·Z',
    );
    expectCaught(
      s,
      { ...h, evaluations: replace(h.evaluations, 0, h.evaluations[2] as Bytes) },
      'oprf.bad_proof',
      'swapped',
    );
    // node-1's (correct!) evaluations presented as node-2's: not under node-2's verifying share.
    expectCaught(s, s.honest['node-1'] as OprfEvaluation, 'oprf.bad_proof', 'copied from node-1');
    // A consistent evaluation and proof under a key that is not node-2's share.
    const rogue = evaluateShare(
      suiteName,
      (s.keys['node-1'] as DkgOutput).signingShare,
      s.elements,
      seededRandom(s.seed, 'rogue'),
    );
    expectCaught(s, rogue, 'oprf.bad_proof', 'self-consistent under another key');
  });

  test(`${label}: a wrong proof is caught, named and left out`, () => {
    const s = setup(suiteName, 'wrong-proof');
    const h = s.honest['node-2'] as OprfEvaluation;
    const n = s.cs.suite.scalarLength;
    for (const index of [0, n - 1, n, 2 * n - 1]) {
      const proof = Uint8Array.from(h.proof);
      proof[index] = (proof[index] as number) ^ 0x01;
      expectCaught(s, { ...h, proof }, 'oprf.bad_proof', `bit flip at ${index}`);
    }
    // c = q (non-canonical scalar) and an all-zero proof.
    const q = s.cs.suite.Fn.isLE
      ? Uint8Array.from(hexToBytes(s.cs.suite.order.toString(16).padStart(64, '0')).reverse())
      : hexToBytes(s.cs.suite.order.toString(16).padStart(64, '0'));
    expectCaught(s, { ...h, proof: concatBytes(q, h.proof.subarray(n)) }, 'oprf.bad_proof', 'c = q');
    expectCaught(s, { ...h, proof: new Uint8Array(2 * n) }, 'oprf.bad_proof', 'zero proof');
    expectCaught(s, { ...h, proof: h.proof.subarray(1) }, 'oprf.bad_evaluation', 'short proof');
  });

  test(`${label}: a proof for other elements, or replayed from another request, is caught`, () => {
    const s = setup(suiteName, 'replay');
    const h = s.honest['node-2'] as OprfEvaluation;
    const share = (s.keys['node-2'] as DkgOutput).signingShare;
    // Correct evaluations, with node-2's own valid proof for a different element set.
    const other = [objectElement(suiteName, utf8('elsewhere')), ...s.elements.slice(1)];
    const otherAnswer = evaluateShare(suiteName, share, other, seededRandom(s.seed, 'other'));
    expectCaught(s, { ...h, proof: otherAnswer.proof }, 'oprf.bad_proof', 'proof for another element');
    // A proof for a sub-batch of the same request.
    const sub = evaluateShare(suiteName, share, s.elements.slice(0, 2), seededRandom(s.seed, 'sub'));
    expectCaught(s, { ...h, proof: sub.proof }, 'oprf.bad_proof', 'proof for a sub-batch');
    // A whole answer (evaluations and proof) replayed from an earlier request with other elements.
    const earlier = [0, 1, 2].map(
      (j) => blind(suiteName, utf8(`object-${j}`), seededRandom(s.seed, `old${j}`)).blindedElement,
    );
    const replayed = evaluateShare(suiteName, share, earlier, seededRandom(s.seed, 'old'));
    assert.ok(verifyShareProof(suiteName, s.ref.verifyingShares['node-2'] as Bytes, earlier, replayed));
    expectCaught(s, replayed, 'oprf.bad_proof', 'replayed answer');
    // The same evaluations in another order.
    const order = [2, 0, 1];
    expectCaught(
      s,
      { ...h, evaluations: order.map((j) => h.evaluations[j] as Bytes) },
      'oprf.bad_proof',
      'reordered evaluations',
    );
  });

  test(`${label}: identity, off-curve and non-canonical evaluations are caught before the proof`, () => {
    const s = setup(suiteName, 'encodings');
    const h = s.honest['node-2'] as OprfEvaluation;
    for (const [what, bad] of Object.entries(invalidElements(s.cs)))
      expectCaught(s, { ...h, evaluations: replace(h.evaluations, 1, bad) }, 'oprf.bad_evaluation', what);
    expectCaught(
      s,
      { ...h, evaluations: h.evaluations.slice(0, 2) },
      'oprf.bad_evaluation',
      'one evaluation short',
    );
    expectCaught(
      s,
      { ...h, evaluations: [...h.evaluations, h.evaluations[0] as Bytes] },
      'oprf.bad_evaluation',
      'one too many',
    );
    expectCaught(
      s,
      { evaluations: 'x' as unknown as Bytes[], proof: h.proof },
      'oprf.bad_evaluation',
      'not a list',
    );
  });

  test(`${label}: fewer than threshold honest answers fail clearly, naming every culprit`, () => {
    const s = setup(suiteName, 'too-few');
    const h1 = s.honest['node-1'] as OprfEvaluation;
    const h2 = s.honest['node-2'] as OprfEvaluation;
    const bad = { ...h2, proof: new Uint8Array(h2.proof.length) };
    const worse = { ...h1, evaluations: replace(h1.evaluations, 0, new Uint8Array(3)) };
    for (const [answers, culprits] of [
      [
        { 'node-1': worse, 'node-2': bad, 'node-3': s.honest['node-3'] as OprfEvaluation },
        ['node-1', 'node-2'],
      ],
      [{ 'node-3': s.honest['node-3'] as OprfEvaluation }, []],
      [{}, []],
    ] as const) {
      assert.throws(
        () => combineEvaluations({ key: s.ref, elements: s.elements, answers }),
        (e: unknown) => {
          assert.ok(e instanceof TkmsError);
          assert.equal(e.code, 'oprf.not_enough_answers');
          assert.deepEqual([...e.culprits], culprits);
          assert.match(e.message, /threshold 2/);
          return true;
        },
      );
    }
  });

  test(`${label}: caller errors are refused: unknown node, bad elements, bad key package`, () => {
    const s = setup(suiteName, 'caller');
    const answers = { ...s.honest, 'node-9': s.honest['node-1'] as OprfEvaluation };
    assert.throws(
      () => combineEvaluations({ key: s.ref, elements: s.elements, answers }),
      (e: unknown) => e instanceof TkmsError && e.code === 'request.invalid' && /node-9/.test(e.message),
    );
    const tampered = { ...s.ref, verifyingShares: { ...s.ref.verifyingShares, 'node-2': new Uint8Array(7) } };
    assert.throws(
      () => combineEvaluations({ key: tampered, elements: s.elements, answers: s.honest }),
      (e: unknown) => e instanceof TkmsError && e.code === 'request.invalid',
    );
    assert.throws(
      () =>
        combineEvaluations({
          key: s.ref,
          elements: [new Uint8Array(s.cs.suite.pointLength)],
          answers: s.honest,
        }),
      (e: unknown) => e instanceof TkmsError && e.code === 'oprf.bad_element',
    );
  });

  test(`${label}: a node refuses identity, off-curve and non-canonical request elements before using its share`, () => {
    const s = setup(suiteName, 'node-input');
    const share = (s.keys['node-1'] as DkgOutput).signingShare;
    for (const [what, bad] of Object.entries(invalidElements(s.cs))) {
      const elements = [s.elements[0] as Bytes, bad];
      assert.throws(
        () => evaluateShare(suiteName, share, elements, seededRandom(s.seed, 'x')),
        (e: unknown) =>
          e instanceof TkmsError &&
          e.code === 'oprf.bad_element' &&
          e.meta.index === 1 &&
          /element 1/.test(e.message),
        what,
      );
    }
    assert.throws(
      () => evaluateShare(suiteName, share, [], seededRandom(s.seed, 'x')),
      (e: unknown) => e instanceof TkmsError && e.code === 'request.invalid',
    );
    // A share that is not a canonical scalar is refused, not reduced.
    const q = s.cs.suite.Fn.isLE
      ? Uint8Array.from(hexToBytes(s.cs.suite.order.toString(16).padStart(64, '0')).reverse())
      : hexToBytes(s.cs.suite.order.toString(16).padStart(64, '0'));
    assert.throws(
      () => evaluateShare(suiteName, new SecretBytes(q), s.elements, seededRandom(s.seed, 'x')),
      (e: unknown) => e instanceof TkmsError && e.code === 'request.invalid',
    );
  });

  test(`${label}: answers are bound to the verifying share: a proof under K_i says nothing about K_j`, () => {
    const s = setup(suiteName, 'binding');
    const { suite } = s.cs;
    // The evaluation of node-2 really is k_2·M: interpolating it with node-1 and node-3 agrees.
    const Z = (p: PartyId, j: number): GroupPoint =>
      suite.decodePoint((s.honest[p] as OprfEvaluation).evaluations[j] as Bytes);
    const r12 = combineEvaluations({
      key: s.ref,
      elements: s.elements,
      answers: {
        'node-1': s.honest['node-1'] as OprfEvaluation,
        'node-2': s.honest['node-2'] as OprfEvaluation,
      },
    });
    assert.deepEqual(r12.evaluations.map(bytesToHex), s.expected);
    assert.ok(!Z('node-1', 0).equals(Z('node-2', 0)));
    for (const p of ['node-1', 'node-3'])
      assert.equal(
        verifyShareProof(
          suiteName,
          s.ref.verifyingShares[p] as Bytes,
          s.elements,
          s.honest['node-2'] as OprfEvaluation,
        ),
        false,
      );
  });
}
