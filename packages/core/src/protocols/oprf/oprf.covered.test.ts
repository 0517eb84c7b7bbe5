/**
 * Per-object coverage: in the policy-bound mode each node answers only for the objects its policy
 * allows, so one batch comes back with different nodes covering different objects. An object gets
 * a result only when `threshold` valid answers cover it, and that result is the full-coverage one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Bytes, bytesToHex, utf8 } from '../../crypto/bytes.ts';
import { seededRandom } from '../../engine/simulate/random.ts';
import type { DkgOutput } from '../dkg/types.ts';
import { dkgKeys, testSeed } from '../testing/fixtures.ts';
import { objectElement } from './client.ts';
import { type CoveredEvaluation, combineCoveredEvaluations, combineEvaluations } from './combine.ts';
import { evaluateShare } from './evaluate.ts';

for (const suiteName of ['ristretto255', 'p256'] as const) {
  const seed = testSeed(`oprf-covered-${suiteName}`);
  const keys = dkgKeys(suiteName, 3, 2, seed);
  const ref = keys['node-1'] as DkgOutput;
  const elements = [0, 1, 2, 3].map((j) => objectElement(suiteName, utf8(`object-${j}`)));
  const full = combineEvaluations({
    key: ref,
    elements,
    answers: Object.fromEntries(
      ['node-1', 'node-2'].map((p) => [
        p,
        evaluateShare(suiteName, (keys[p] as DkgOutput).signingShare, elements, seededRandom(seed, p)),
      ]),
    ),
  }).evaluations.map(bytesToHex);

  const answer = (p: string, indices: number[]): CoveredEvaluation => ({
    ...evaluateShare(
      suiteName,
      (keys[p] as DkgOutput).signingShare,
      indices.map((j) => elements[j] as Bytes),
      seededRandom(seed, `${p}-${indices.join()}`),
    ),
    indices,
  });

  test(`${suiteName}: objects covered by threshold nodes combine to the full-coverage result, the rest stay open`, () => {
    // node-1 allows 0,1,2; node-2 allows 1,3; node-3 allows 0,3: every object but 2 has two nodes.
    const r = combineCoveredEvaluations({
      key: ref,
      elements,
      answers: {
        'node-1': answer('node-1', [0, 1, 2]),
        'node-2': answer('node-2', [1, 3]),
        'node-3': answer('node-3', [0, 3]),
      },
    });
    assert.deepEqual(r.rejected, []);
    assert.deepEqual(
      r.evaluations.map((e) => (e ? bytesToHex(e) : undefined)),
      [full[0], full[1], undefined, full[3]],
    );
    assert.deepEqual(r.used, [['node-1', 'node-3'], ['node-1', 'node-2'], [], ['node-2', 'node-3']]);
  });

  test(`${suiteName}: an answer whose indices lie about what it covers is rejected and named`, () => {
    const honest = answer('node-2', [1, 3]);
    const lying = { ...honest, indices: [1, 2] };
    const r = combineCoveredEvaluations({
      key: ref,
      elements,
      answers: { 'node-1': answer('node-1', [0, 1, 2, 3]), 'node-2': lying },
    });
    assert.deepEqual(
      r.rejected.map((x) => [x.party, x.code]),
      [['node-2', 'oprf.bad_proof']],
    );
    assert.ok(r.evaluations.every((e) => e === undefined));
    for (const indices of [[3, 1], [1, 1], [-1], [4], [0.5]] as number[][]) {
      const bad = combineCoveredEvaluations({
        key: ref,
        elements,
        answers: { 'node-2': { ...honest, indices } },
      });
      assert.deepEqual(
        bad.rejected.map((x) => x.code),
        ['oprf.bad_evaluation'],
        `indices ${indices.join()}`,
      );
    }
  });
}
