/**
 * Differential tests: the threshold OPRF over keys from the PedPoP DKG gives exactly the
 * single-key RFC 9497 output for the combined key (reconstructed here, in the test only), for any
 * `threshold` of the nodes, blinded or policy-bound; and the data keys derived from it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ristretto255_oprf } from '@noble/curves/ed25519.js';
import { p256_oprf } from '@noble/curves/nist.js';
import { type Bytes, bytesToHex, utf8 } from '../../crypto/bytes.ts';
import { SecretBytes } from '../../crypto/secret.ts';
import type { SuiteName } from '../../crypto/suites/types.ts';
import { seededRandom } from '../../engine/simulate/random.ts';
import type { PartyId } from '../../engine/types.ts';
import { TkmsError } from '../../errors/tkms-error.ts';
import type { DkgOutput } from '../dkg/types.ts';
import { dkgKeys, partyNames, reconstructSecret, testSeed } from '../testing/fixtures.ts';
import { oprfCiphersuite } from './ciphersuite.ts';
import { blind, finalize, finalizeObject, objectElement } from './client.ts';
import { combineEvaluations } from './combine.ts';
import { deriveDataKey, objectInput, parseObjectInput } from './data-key.ts';
import { evaluateShare } from './evaluate.ts';
import type { OprfEvaluation } from './types.ts';

const NOBLE = { ristretto255: ristretto255_oprf, p256: p256_oprf } as const;
const OPRF_SUITES = ['ristretto255', 'p256'] as const;

/** Every subset of `xs` of size k, in order. */
function subsets<T>(xs: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  if (xs.length < k) return [];
  const [head, ...rest] = xs as [T, ...T[]];
  return [...subsets(rest, k - 1).map((s) => [head, ...s]), ...subsets(rest, k)];
}

/** Each node in `nodes` evaluates `elements` with its own share. */
function answersFrom(
  keys: Record<PartyId, DkgOutput>,
  nodes: readonly PartyId[],
  elements: readonly Bytes[],
  seed: string,
): Record<PartyId, OprfEvaluation> {
  const out: Record<PartyId, OprfEvaluation> = {};
  for (const p of nodes) {
    const k = keys[p] as DkgOutput;
    out[p] = evaluateShare(k.suite, k.signingShare, elements, seededRandom(seed, `eval-${p}`));
  }
  return out;
}

for (const suiteName of OPRF_SUITES) {
  const cs = oprfCiphersuite(suiteName);
  for (const [n, t] of [
    [3, 2],
    [5, 3],
  ] as const) {
    test(`${cs.id} ${t}-of-${n}: ${n === 3 ? 'every' : 'consecutive and non-consecutive'} subset${n === 3 ? '' : 's'} of ${t} nodes give the single-key RFC 9497 output of the combined key`, () => {
      const seed = testSeed(`oprf-${suiteName}-${t}of${n}`);
      const keys = dkgKeys(suiteName, n, t, seed);
      const parties = partyNames(n);
      const ref = keys[parties[0] as PartyId] as DkgOutput;
      const inputs = [utf8('invoices/2026/42'), new Uint8Array(0), utf8('x'.repeat(300))];
      const blinds = inputs.map((input, j) => blind(suiteName, input, seededRandom(seed, `blind-${j}`)));
      const elements = blinds.map((b) => b.blindedElement);

      // TEST ONLY: the whole key, and the single-key output by noble's independent RFC 9497 code.
      const k = reconstructSecret(keys, parties.slice(0, t));
      const kBytes = cs.suite.encodeScalar(k);
      assert.equal(bytesToHex(cs.suite.encodePoint(cs.suite.mulBase(k))), bytesToHex(ref.groupPublicKey));
      const noble = NOBLE[suiteName].oprf;
      const expected = inputs.map((input, j) =>
        bytesToHex(
          noble.finalize(
            input,
            (blinds[j] as (typeof blinds)[number]).blind.expose(),
            noble.blindEvaluate(kBytes, elements[j] as Bytes),
          ),
        ),
      );

      const all = answersFrom(keys, parties, elements, seed);
      const groups =
        n === 3
          ? subsets(parties, t)
          : [parties.slice(0, 3), parties.slice(2, 5), ['node-1', 'node-3', 'node-5']];
      for (const group of groups) {
        const answers = Object.fromEntries(group.map((p) => [p, all[p] as OprfEvaluation]));
        const { evaluations, used, rejected } = combineEvaluations({ key: ref, elements, answers });
        assert.deepEqual(used, group);
        assert.deepEqual(rejected, []);
        const outputs = evaluations.map((Z, j) =>
          bytesToHex(
            finalize(suiteName, inputs[j] as Bytes, (blinds[j] as (typeof blinds)[number]).blind, Z).expose(),
          ),
        );
        assert.deepEqual(outputs, expected, `subset ${group.join(',')}`);
      }

      // With every node's answer, the first t (sorted) are used.
      const everyone = combineEvaluations({ key: ref, elements, answers: all });
      assert.deepEqual(everyone.used, parties.slice(0, t));

      // Policy-bound mode: nodes map the input themselves; same outputs as the blinded requests.
      const objectElements = inputs.map((input) => objectElement(suiteName, input));
      const policy = combineEvaluations({
        key: ref,
        elements: objectElements,
        answers: answersFrom(keys, parties.slice(n - t), objectElements, `${seed}/policy`),
      });
      const policyOutputs = policy.evaluations.map((Z, j) =>
        bytesToHex(finalizeObject(suiteName, inputs[j] as Bytes, Z).expose()),
      );
      assert.deepEqual(policyOutputs, expected);
    });
  }

  test(`${cs.id} 2-of-3: any 2 of the 3 nodes give the same data key; key id, object and version each change it`, () => {
    const seed = testSeed(`oprf-dek-${suiteName}`);
    const keys = dkgKeys(suiteName, 3, 2, seed);
    const ref = keys['node-1'] as DkgOutput;
    const ctx = { keyId: 'key-7f3a', object: 'contracts/0xabc/fields/iban', version: 3 };
    const input = objectInput(ctx);
    const M = objectElement(suiteName, input);
    const deks = new Set<string>();
    for (const pair of subsets(partyNames(3), 2)) {
      const { evaluations } = combineEvaluations({
        key: ref,
        elements: [M],
        answers: answersFrom(keys, pair, [M], `${seed}/${pair.join()}`),
      });
      const oprfOutput = finalizeObject(suiteName, input, evaluations[0] as Bytes);
      const dek = deriveDataKey({ oprfOutput, ...ctx });
      assert.equal(dek.length, 32);
      assert.equal(JSON.stringify({ dek }), '{"dek":"[secret]"}');
      deks.add(bytesToHex(dek.expose()));
    }
    assert.equal(deks.size, 1);
    const [dek] = deks;
    // The same OPRF output under another key id, object or version gives another key.
    const { evaluations } = combineEvaluations({
      key: ref,
      elements: [M],
      answers: answersFrom(keys, ['node-1', 'node-2'], [M], `${seed}/again`),
    });
    const oprfOutput = finalizeObject(suiteName, input, evaluations[0] as Bytes);
    for (const other of [
      { ...ctx, keyId: 'key-7f3b' },
      { ...ctx, object: 'contracts/0xabc/fields/bic' },
      { ...ctx, version: 4 },
    ])
      assert.notEqual(bytesToHex(deriveDataKey({ oprfOutput, ...other }).expose()), dek);
    // A blinded request for the same object input reaches the same data key.
    const b = blind(suiteName, input, seededRandom(seed, 'blind'));
    const blinded = combineEvaluations({
      key: ref,
      elements: [b.blindedElement],
      answers: answersFrom(keys, ['node-2', 'node-3'], [b.blindedElement], `${seed}/blinded`),
    });
    const viaBlind = finalize(suiteName, input, b.blind, blinded.evaluations[0] as Bytes);
    assert.equal(bytesToHex(deriveDataKey({ oprfOutput: viaBlind, ...ctx }).expose()), dek);
  });

  test(`${cs.id}: a batch of 100 elements combines element by element`, () => {
    const seed = testSeed(`oprf-batch-${suiteName}`);
    const keys = dkgKeys(suiteName, 3, 2, seed);
    const ref = keys['node-1'] as DkgOutput;
    const inputs = Array.from({ length: 100 }, (_, j) =>
      objectInput({ keyId: 'k', object: `rows/${j}`, version: 1 }),
    );
    const elements = inputs.map((i) => objectElement(suiteName, i));
    const answers = answersFrom(keys, ['node-1', 'node-2'], elements, seed);
    const { evaluations } = combineEvaluations({ key: ref, elements, answers });
    assert.equal(evaluations.length, 100);
    // TEST ONLY: element j against the whole key.
    const k = reconstructSecret(keys, ['node-2', 'node-3']);
    for (const j of [0, 41, 99]) {
      const Mj = cs.suite.decodePoint(elements[j] as Bytes);
      assert.equal(
        bytesToHex(evaluations[j] as Bytes),
        bytesToHex(cs.suite.encodePoint(Mj.multiplyUnsafe(k))),
      );
    }
    assert.equal(new Set(evaluations.map(bytesToHex)).size, 100);
  });
}

test('with more than threshold valid answers, a run of consecutive identifiers is preferred; the result is the same', () => {
  const seed = testSeed('oprf-choose');
  const keys = dkgKeys('ristretto255', 5, 2, seed);
  const ref = keys['node-1'] as DkgOutput;
  const M = objectElement('ristretto255', utf8('o'));
  const all = answersFrom(keys, ['node-1', 'node-3', 'node-4'], [M], seed);
  const preferred = combineEvaluations({ key: ref, elements: [M], answers: all });
  assert.deepEqual(preferred.used, ['node-3', 'node-4']);
  const plain = combineEvaluations({
    key: ref,
    elements: [M],
    answers: { 'node-1': all['node-1'] as OprfEvaluation, 'node-3': all['node-3'] as OprfEvaluation },
  });
  assert.deepEqual(plain.used, ['node-1', 'node-3']);
  assert.equal(bytesToHex(preferred.evaluations[0] as Bytes), bytesToHex(plain.evaluations[0] as Bytes));
});

test('objectInput is canonical: parseObjectInput inverts it and refuses everything else', () => {
  const ctx = { keyId: 'key-1', object: 'a/b/ü', version: 7 };
  const input = objectInput(ctx);
  const back = parseObjectInput(input);
  assert.equal(back.keyId, 'key-1');
  assert.equal(new TextDecoder().decode(back.object), 'a/b/ü');
  assert.equal(back.version, 7);
  assert.equal(bytesToHex(objectInput({ ...ctx, object: back.object })), bytesToHex(input));
  const bad: Bytes[] = [
    input.subarray(0, input.length - 1),
    Uint8Array.from([...input, 0]),
    objectInput({ ...ctx, keyId: '\uFEFFkey-1' }),
    utf8('tkms/oprf-object/v1'),
  ];
  for (const b of bad) assert.throws(() => parseObjectInput(b), TkmsError);
  assert.throws(() => objectInput({ ...ctx, keyId: '' }), TkmsError);
  assert.throws(() => objectInput({ ...ctx, version: -1 }), TkmsError);
  assert.throws(() => objectInput({ ...ctx, version: 2 ** 32 }), TkmsError);
  assert.throws(() => objectInput({ ...ctx, object: 'x'.repeat(70_000) }), TkmsError);
});

test('deriveDataKey is HKDF-SHA256 with the documented salt and info', async () => {
  const { hkdf } = await import('node:crypto');
  const oprfOutput = new SecretBytes(new Uint8Array(64).fill(7));
  const ctx = { keyId: 'k', object: new Uint8Array([1, 2, 3]), version: 2 };
  const ours = deriveDataKey({ oprfOutput, ...ctx }).expose();
  // Independent implementation: node:crypto (OpenSSL) HKDF over the same salt and info.
  const info = Buffer.concat([
    Buffer.from([0, 0, 0, 4]),
    Buffer.from([0, 0, 0, 16]),
    Buffer.from('tkms/data-key/v1'),
    Buffer.from([0, 0, 0, 1]),
    Buffer.from('k'),
    Buffer.from([0, 0, 0, 3, 1, 2, 3]),
    Buffer.from([0, 0, 0, 4, 0, 0, 0, 2]),
  ]);
  const theirs = await new Promise<ArrayBuffer>((resolve, reject) =>
    hkdf('sha256', Buffer.alloc(64, 7), Buffer.from('tkms/v1/oprf-data-key'), info, 32, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
  assert.equal(bytesToHex(ours), bytesToHex(new Uint8Array(theirs)));
  assert.throws(() => deriveDataKey({ oprfOutput: new Uint8Array(16), ...ctx }), TkmsError);
});

test('OPRF refuses suites without an RFC 9497 ciphersuite', () => {
  for (const s of ['ed25519', 'secp256k1'] as SuiteName[]) {
    assert.throws(
      () => objectElement(s, utf8('x')),
      (e: unknown) => e instanceof TkmsError && e.code === 'key.type_unknown',
    );
    assert.throws(
      () =>
        evaluateShare(
          s,
          new SecretBytes(new Uint8Array(32).fill(1)),
          [new Uint8Array(33)],
          seededRandom('x'),
        ),
      (e: unknown) => e instanceof TkmsError && e.code === 'key.type_unknown',
    );
  }
});
