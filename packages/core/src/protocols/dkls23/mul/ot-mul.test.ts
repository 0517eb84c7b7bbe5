/**
 * The OT-based multiplication computes what it promises: c_k + d_k = a_k·χ on secp256k1 and p256
 * for random and edge inputs, many instances from one setup, a fresh uniform-looking χ per
 * instance, states that survive storage, and replayable runs from a seed. Adversarial behaviour
 * is in ot-mul.adversarial.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { turboshake128 } from '@noble/hashes/sha3-addons.js';
import { type Bytes, bytesToHex, concatBytes, u32be, utf8 } from '../../../crypto/bytes.ts';
import { decodeFields, encodeFields } from '../../../crypto/lp.ts';
import { p256Suite } from '../../../crypto/suites/p256.ts';
import { secp256k1Suite } from '../../../crypto/suites/secp256k1.ts';
import type { Suite } from '../../../crypto/suites/types.ts';
import { seededRandom } from '../../../engine/simulate/random.ts';
import { testSeed } from '../../testing/fixtures.ts';
import { columnsToRows } from './bits.ts';
import { bytesToWords, RowHasher, wordsToBytes } from './hash.ts';
import { createOtMultiplication, RECEIVER_MESSAGE_BYTES, SENDER_MESSAGE_BYTES } from './ot-mul.ts';
import { COLUMN_WORDS, KAPPA, ROW_WORDS } from './params.ts';
import { decodeMulState, encodeMulState } from './state.ts';
import { ALICE, BOB, setupPair } from './testing/pair.ts';
import type { MulPairState } from './types.ts';

const seed = testSeed('dkls23-mul');
const pair = setupPair(seed);

/** One instance; returns χ, both share vectors and the two messages. */
function run(
  suite: Suite,
  states: { alice: MulPairState; bob: MulPairState },
  sid: Bytes,
  inputs: readonly bigint[],
  label: string,
) {
  const mul = createOtMultiplication(suite);
  const random = seededRandom(seed, label);
  const start = mul.receiverStart(states.bob, sid, random);
  const respond = mul.senderRespond(states.alice, sid, start.message, inputs, random);
  const chi = start.pending.chi;
  const finish = mul.receiverFinish(states.bob, sid, start.pending, respond.message);
  return { chi, c: respond.shares, d: finish.shares, m1: start.message, m2: respond.message };
}

function assertProducts(suite: Suite, inputs: readonly bigint[], r: ReturnType<typeof run>): void {
  const { Fn } = suite;
  assert.equal(r.c.length, 2);
  assert.equal(r.d.length, 2);
  inputs.forEach((a, k) => {
    const c = r.c[k] as bigint;
    const d = r.d[k] as bigint;
    for (const x of [c, d]) assert.ok(x >= 0n && x < suite.order, 'shares are canonical scalars');
    assert.equal(Fn.add(c, d), Fn.mul(a, r.chi), `c_${k} + d_${k} = a_${k}·χ`);
  });
}

for (const suite of [secp256k1Suite, p256Suite]) {
  const q = suite.order;

  test(`${suite.name}: c_k + d_k = a_k·χ for random inputs, eight instances from one setup`, () => {
    const random = seededRandom(seed, `${suite.name}/inputs`);
    for (let i = 0; i < 8; i++) {
      const inputs = [suite.randomScalar(random), suite.randomScalar(random)];
      assertProducts(
        suite,
        inputs,
        run(suite, pair, utf8(`${suite.name}/sign-${i}`), inputs, `${suite.name}/${i}`),
      );
    }
  });

  test(`${suite.name}: edge inputs 0, 1 and q − 1`, () => {
    const cases: bigint[][] = [
      [0n, 0n],
      [1n, q - 1n],
      [q - 1n, 0n],
      [0n, 1n],
    ];
    cases.forEach((inputs, i) => {
      const r = run(suite, pair, utf8(`${suite.name}/edge-${i}`), inputs, `${suite.name}/edge-${i}`);
      assertProducts(suite, inputs, r);
      // a = 0 gives shares of 0: c = −d, and they are not both zero (they are masked).
      if (inputs[0] === 0n) assert.notEqual(r.c[0], 0n);
    });
  });
}

test('χ is fresh in every instance and its bits look uniform', () => {
  const chis: bigint[] = [];
  for (let i = 0; i < 24; i++)
    chis.push(run(secp256k1Suite, pair, utf8(`chi-${i}`), [1n, 2n], `chi-${i}`).chi);
  assert.equal(new Set(chis).size, chis.length, 'no χ repeats');
  let ones = 0;
  for (const chi of chis) for (let b = 0n; b < 256n; b++) ones += Number((chi >> b) & 1n);
  const ratio = ones / (24 * 256);
  // 6,144 bits: a fair coin stays within 0.5 ± 0.04 except with probability < 1e-9.
  assert.ok(ratio > 0.46 && ratio < 0.54, `fraction of one bits ${ratio}`);
  // The top bits vary too (χ is reduced mod q, not a short sum).
  assert.ok(new Set(chis.map((c) => c >> 248n)).size > 12);
});

test('a pair state survives encodeMulState / decodeMulState', () => {
  for (const [state, role, self, peer] of [
    [pair.alice, 'sender', ALICE, BOB],
    [pair.bob, 'receiver', BOB, ALICE],
  ] as const) {
    const blob = encodeMulState(state);
    assert.equal(JSON.stringify({ blob }), '{"blob":"[secret]"}', 'the encoding is a secret');
    const back = decodeMulState(blob);
    assert.deepEqual([back.role, back.self, back.peer, back.discarded], [role, self, peer, false]);
    assert.equal(bytesToHex(back.secret.expose()), bytesToHex(state.secret.expose()));
    assert.equal(bytesToHex(encodeMulState(back).expose()), bytesToHex(blob.expose()));
  }
  // Decoded states multiply correctly together.
  const states = pair.fresh();
  const inputs = [5n, 7n];
  assertProducts(secp256k1Suite, inputs, run(secp256k1Suite, states, utf8('after-decode'), inputs, 'decode'));
  // The discarded flag is stored.
  states.alice.discarded = true;
  assert.equal(decodeMulState(encodeMulState(states.alice)).discarded, true);
});

test('decodeMulState refuses anything it would not produce', () => {
  const good = pair.aliceBlob.expose();
  const f = decodeFields(good);
  const variants: [string, Bytes][] = [
    ['truncated', good.subarray(0, good.length - 1)],
    ['trailing byte', concatBytes(good, new Uint8Array([0]))],
    ['extra field', encodeFields([...f, new Uint8Array(0)])],
    ['missing field', encodeFields(f.slice(0, 5))],
    ['unknown version', encodeFields([utf8('tkms/dkls23-mul-state/v2'), ...f.slice(1)])],
    ['unknown role', encodeFields([f[0] as Bytes, utf8('alice'), ...f.slice(2)])],
    ['role does not match the secret', encodeFields([f[0] as Bytes, utf8('receiver'), ...f.slice(2)])],
    [
      'self = peer',
      encodeFields([f[0] as Bytes, f[1] as Bytes, f[2] as Bytes, f[2] as Bytes, ...f.slice(4)]),
    ],
    ['empty id', encodeFields([f[0] as Bytes, f[1] as Bytes, new Uint8Array(0), ...f.slice(3)])],
    ['flag 2', encodeFields([...f.slice(0, 4), new Uint8Array([2]), f[5] as Bytes])],
    ['short secret', encodeFields([...f.slice(0, 5), (f[5] as Bytes).subarray(1)])],
    [
      'zero Δ',
      encodeFields([...f.slice(0, 5), Uint8Array.from(f[5] as Bytes, (x, i) => (i >= 33 && i < 65 ? 0 : x))]),
    ],
  ];
  for (const [what, bytes] of variants) assert.throws(() => decodeMulState(bytes), RangeError, what);
});

test('runs replay from the seed: same setup, messages and shares', () => {
  const again = setupPair(seed);
  assert.equal(bytesToHex(again.message1), bytesToHex(pair.message1));
  assert.equal(bytesToHex(again.message2), bytesToHex(pair.message2));
  assert.equal(bytesToHex(again.aliceBlob.expose()), bytesToHex(pair.aliceBlob.expose()));
  assert.equal(bytesToHex(again.bobBlob.expose()), bytesToHex(pair.bobBlob.expose()));
  const a = run(p256Suite, pair.fresh(), utf8('replay'), [3n, 4n], 'replay');
  const b = run(p256Suite, again.fresh(), utf8('replay'), [3n, 4n], 'replay');
  assert.equal(bytesToHex(a.m1), bytesToHex(b.m1));
  assert.equal(bytesToHex(a.m2), bytesToHex(b.m2));
  assert.deepEqual([a.chi, a.c, a.d], [b.chi, b.c, b.d]);
  // The same randomness under another session id gives other messages (the OT extension is keyed
  // by the session id) for the same χ = ⟨g, β⟩.
  const c = run(p256Suite, pair.fresh(), utf8('replay-2'), [3n, 4n], 'replay');
  // u starts after the field count, the tag and two length prefixes (4 + 4 + 32 + 4 bytes).
  assert.notEqual(bytesToHex(c.m1.subarray(44, 44 + 20_480)), bytesToHex(a.m1.subarray(44, 44 + 20_480)));
  assert.equal(c.chi, a.chi);
});

test('message sizes are the documented constants', () => {
  const r = run(secp256k1Suite, pair, utf8('sizes'), [1n, 1n], 'sizes');
  assert.equal(r.m1.length, RECEIVER_MESSAGE_BYTES);
  assert.equal(r.m2.length, SENDER_MESSAGE_BYTES);
  assert.equal(RECEIVER_MESSAGE_BYTES, 27_728);
  assert.equal(SENDER_MESSAGE_BYTES, 40_124);
});

test('the row hash is TurboSHAKE128(key ‖ LE32(j) ‖ row ⊕ mask)', () => {
  const random = seededRandom(seed, 'row-hash');
  const key = random(32);
  const rows = bytesToWords(random(3 * ROW_WORDS * 4));
  const mask = bytesToWords(random(ROW_WORDS * 4));
  const hasher = new RowHasher(key);
  const out = new Uint32Array(36);
  for (const [j, m] of [
    [0, null],
    [2, mask],
    [415, null],
  ] as const) {
    const row = (j % 3) * ROW_WORDS;
    hasher.hash(j, rows, row, m, out, 0);
    const input = Uint32Array.from(
      rows.subarray(row, row + ROW_WORDS),
      (x, k) => (x ^ (m ? (m[k] as number) : 0)) >>> 0,
    );
    const le32 = u32be(j).reverse();
    const expected = turboshake128(concatBytes(key, le32, wordsToBytes(input)), { dkLen: 144 });
    assert.equal(bytesToHex(wordsToBytes(out)), bytesToHex(expected), `row ${j}`);
  }
});

test('columnsToRows is the bit-matrix transpose', () => {
  const cols = bytesToWords(seededRandom(seed, 'transpose')(KAPPA * COLUMN_WORDS * 4));
  const rows = columnsToRows(cols);
  const bit = (w: Uint32Array, i: number) => ((w[i >>> 5] as number) >>> (i & 31)) & 1;
  for (let n = 0; n < 2000; n++) {
    const i = (n * 37) % KAPPA;
    const j = (n * 101) % (COLUMN_WORDS * 32);
    assert.equal(bit(rows.subarray(j * ROW_WORDS), i), bit(cols.subarray(i * COLUMN_WORDS), j));
  }
});
