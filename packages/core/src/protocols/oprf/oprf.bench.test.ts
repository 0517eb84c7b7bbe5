/**
 * Timings of the threshold OPRF with 100 elements per request, one process, no network. Skipped
 * unless TKMS_BENCH is set:
 *
 *   TKMS_BENCH=1 node scripts/test.mjs oprf.bench
 *
 * Prints the median and p90 of each step over TKMS_BENCH_RUNS runs (default 15) after warm-up.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ristretto255_oprf } from '@noble/curves/ed25519.js';
import { p256_oprf } from '@noble/curves/nist.js';
import { type Bytes, utf8 } from '../../crypto/bytes.ts';
import { seededRandom } from '../../engine/simulate/random.ts';
import type { PartyId } from '../../engine/types.ts';
import type { DkgOutput } from '../dkg/types.ts';
import { dkgKeys, reconstructSecret } from '../testing/fixtures.ts';
import { oprfCiphersuite } from './ciphersuite.ts';
import { blind, finalize, finalizeObject, objectElement } from './client.ts';
import { combineEvaluations } from './combine.ts';
import { evaluateShare } from './evaluate.ts';
import type { OprfEvaluation } from './types.ts';

const RUNS = Number(process.env.TKMS_BENCH_RUNS ?? 15);
const BATCH = 100;

function measure(label: string, fn: (i: number) => void): void {
  for (let i = 0; i < 3; i++) fn(-1 - i);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    fn(i);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const q = (p: number) =>
    (times[Math.min(times.length - 1, Math.floor(p * times.length))] as number).toFixed(1);
  console.log(`${label.padEnd(72)} p50 ${q(0.5).padStart(7)} ms   p90 ${q(0.9).padStart(7)} ms`);
}

for (const suiteName of ['ristretto255', 'p256'] as const) {
  test(`bench ${suiteName}`, { skip: !process.env.TKMS_BENCH }, () => {
    const cs = oprfCiphersuite(suiteName);
    const keys = dkgKeys(suiteName, 3, 2, `bench-${suiteName}`);
    const ref = keys['node-1'] as DkgOutput;
    const inputs = Array.from({ length: BATCH }, (_, j) => utf8(`tenant-7/invoices/2026/${j}`));
    const blinds = inputs.map((input, j) => blind(suiteName, input, seededRandom('bench', `b${j}`)));
    const elements = blinds.map((b) => b.blindedElement);
    const evaluate = (p: PartyId, els: readonly Bytes[], i: number): OprfEvaluation =>
      evaluateShare(suiteName, (keys[p] as DkgOutput).signingShare, els, seededRandom('bench', `${p}/${i}`));
    const answers = { 'node-1': evaluate('node-1', elements, 0), 'node-2': evaluate('node-2', elements, 0) };
    const answers13 = { 'node-1': answers['node-1'], 'node-3': evaluate('node-3', elements, 0) };
    console.log(`# ${cs.id}, ${BATCH} elements per request, 2-of-3 key, ${RUNS} runs`);

    measure(`node: evaluate + prove ${BATCH} elements (one batched proof)`, (i) =>
      evaluate('node-2', elements, i),
    );
    measure(`node: evaluate + prove 1 element`, (i) => evaluate('node-2', elements.slice(0, 1), i));
    measure(`node: ${BATCH} elements as ${BATCH} single-element requests (no batching)`, (i) => {
      for (const e of elements) evaluate('node-2', [e], i);
    });
    let combined: Bytes[] = [];
    measure(`requester: verify + combine ${BATCH} × 2 nodes (ids 1,2: small λ)`, () => {
      combined = combineEvaluations({ key: ref, elements, answers }).evaluations;
    });
    measure(`requester: verify + combine ${BATCH} × 2 nodes (ids 1,3: full-size λ)`, () => {
      combineEvaluations({ key: ref, elements, answers: answers13 });
    });
    measure(`requester: blind ${BATCH} inputs`, (i) => {
      for (const [j, input] of inputs.entries()) blind(suiteName, input, seededRandom('bench', `x${i}/${j}`));
    });
    measure(`requester: finalize ${BATCH} (unblind + hash)`, () => {
      for (const [j, input] of inputs.entries())
        finalize(suiteName, input, (blinds[j] as (typeof blinds)[number]).blind, combined[j] as Bytes);
    });
    const objElements = inputs.map((input) => objectElement(suiteName, input));
    const objAnswers = {
      'node-1': evaluate('node-1', objElements, 1),
      'node-2': evaluate('node-2', objElements, 1),
    };
    measure(`policy-bound: objectElement ${BATCH} (HashToGroup)`, () => {
      for (const input of inputs) objectElement(suiteName, input);
    });
    measure(`policy-bound: verify + combine + finalizeObject ${BATCH} × 2 nodes`, () => {
      const { evaluations } = combineEvaluations({ key: ref, elements: objElements, answers: objAnswers });
      for (const [j, input] of inputs.entries()) finalizeObject(suiteName, input, evaluations[j] as Bytes);
    });

    // Reference: noble's single-server VOPRF batch with the whole key (TEST ONLY reconstruction).
    const noble = suiteName === 'ristretto255' ? ristretto255_oprf : p256_oprf;
    const k = cs.suite.encodeScalar(reconstructSecret(keys, ['node-1', 'node-2']));
    const pk = ref.groupPublicKey;
    measure(`reference: noble VOPRF blindEvaluateBatch ${BATCH} (single server)`, () => {
      noble.voprf.blindEvaluateBatch(k, pk, elements);
    });
    assert.equal(combined.length, BATCH);
  });
}
