/**
 * The base OTs on their two arithmetic paths: noble points, and encodings on a native backend
 * (here one computed with noble that counts its calls, since core cannot import libsodium). The
 * two parties of a pair may run different paths: messages and keys are the same bytes, and the
 * same received bytes are refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Bytes, bytesToHex, hexToBytes, utf8 } from '../../../crypto/bytes.ts';
import { ristretto255Suite as group } from '../../../crypto/suites/ristretto255.ts';
import { setRistretto255Backend } from '../../../crypto/suites/ristretto255-backend.ts';
import { countingNobleBackend } from '../../../crypto/suites/testing/noble-backend.ts';
import { RFC9496_INVALID_ENCODINGS } from '../../../crypto/suites/testing/ristretto255-vectors.ts';
import type { EncodedArithmetic } from '../../../crypto/suites/types.ts';
import { seededRandom } from '../../../engine/simulate/random.ts';
import { testSeed } from '../../testing/fixtures.ts';
import { baseOtReceive, baseOtSend, baseOtSenderKey, hashToGroup, setupTag } from './base-ot.ts';

const { backend, calls, reset } = countingNobleBackend();
setRistretto255Backend(backend);
const native = group.encodedArithmetic() as EncodedArithmetic;
const seed = testSeed('dkls23-base-ot');
const tag = setupTag(utf8('tkms/test/base-ot'), 'node-alice', 'node-bob');
const PATHS = { noble: null, native } as const;
type Path = keyof typeof PATHS;

/** Bob's key, then Alice's message and keys (receiver path), then Bob's keys (sender path). */
function run(receiver: Path, sender: Path) {
  const random = seededRandom(seed, 'run');
  const { a, A } = baseOtSenderKey(random);
  const choices = random(32);
  const r = baseOtReceive(tag, A, choices, random, PATHS[receiver]);
  const s = baseOtSend(tag, a, A, r.message, PATHS[sender]);
  return { a, A, choices, message: r.message, keys: r.keys, keys0: s.keys0, keys1: s.keys1 };
}
const hex = (r: ReturnType<typeof run>) => [r.message, r.keys, r.keys0, r.keys1].map(bytesToHex);

const honest = run('noble', 'noble');

test('either party on either path: the same message and keys, and each OT delivers k_b', () => {
  for (const [receiver, sender] of [
    ['native', 'native'],
    ['native', 'noble'],
    ['noble', 'native'],
  ] as const)
    assert.deepEqual(hex(run(receiver, sender)), hex(honest), `receiver ${receiver}, sender ${sender}`);
  for (let i = 0; i < 256; i++) {
    const b = ((honest.choices[i >>> 3] as number) >>> (i & 7)) & 1;
    const key = (k: Bytes) => bytesToHex(k.subarray(32 * i, 32 * i + 32));
    assert.equal(key(honest.keys), key(b ? honest.keys1 : honest.keys0), `OT ${i}: k_b`);
    assert.notEqual(key(honest.keys), key(b ? honest.keys0 : honest.keys1), `OT ${i}: not k_{1-b}`);
  }
});

test('with a backend installed the encoded path is the default, and every operation runs there', () => {
  const random = seededRandom(seed, 'run');
  const { a, A } = baseOtSenderKey(random);
  const choices = random(32);
  reset();
  const r = baseOtReceive(tag, A, choices, random);
  // Per OT: s·G and t·G, H_G's map, M − H_G, s·A; A validated once.
  assert.deepEqual(calls, {
    scalarMult: 256,
    scalarMultBase: 512,
    add: 0,
    fromUniformBytes: 256,
    sub: 256,
    isValidPoint: 1,
  });
  reset();
  const s = baseOtSend(tag, a, A, r.message);
  // Per OT and c: R_c validated, H_G's map, R_c + H_G, a·m_c.
  assert.deepEqual(calls, {
    scalarMult: 512,
    scalarMultBase: 0,
    add: 512,
    fromUniformBytes: 512,
    sub: 0,
    isValidPoint: 512,
  });
  assert.deepEqual([r.message, r.keys, s.keys0, s.keys1].map(bytesToHex), hex(honest));
});

/** Each path's outcome: the error's message, or "ok". Both must be `RangeError`s. */
function outcomes(f: (path: EncodedArithmetic | null) => unknown): Record<Path, string> {
  const one = (path: EncodedArithmetic | null) => {
    try {
      f(path);
      return 'ok';
    } catch (e) {
      assert.ok(e instanceof RangeError, String(e));
      return e.message;
    }
  };
  return { noble: one(null), native: one(native) };
}

const INVALID = RFC9496_INVALID_ENCODINGS.map(hexToBytes);
const IDENTITY = new Uint8Array(32);
const withHighBit = (P: Bytes) => Uint8Array.from(P, (x, i) => (i === 31 ? x | 0x80 : x));

test('the receiver refuses the same sender keys A on both paths', () => {
  const random = seededRandom(seed, 'bad-A');
  const bad = [...INVALID, IDENTITY, withHighBit(honest.A), honest.A.subarray(0, 31), new Uint8Array(33)];
  for (const A of bad) {
    const got = outcomes((path) => baseOtReceive(tag, A, honest.choices, random, path));
    assert.notEqual(got.noble, 'ok', bytesToHex(A));
    assert.notEqual(got.native, 'ok', bytesToHex(A));
    // Where the reason is not noble's own decoding error, the message is the same.
    if (A.length !== 32 || A.every((x) => x === 0)) assert.equal(got.native, got.noble);
  }
});

test('the sender refuses the same receiver messages on both paths', () => {
  const at = (i: number, c: number) => 64 * i + 32 * c;
  const replaced = (i: number, c: number, R: Bytes) => {
    const m = Uint8Array.from(honest.message);
    m.set(R, at(i, c));
    return m;
  };
  const R = (i: number, c: number) => honest.message.subarray(at(i, c), at(i, c) + 32);
  // [what, message, whether the refusal reads the same on both paths (not noble's decoding error)]
  const cases: [string, Bytes, boolean][] = [];
  for (const [k, P] of [...INVALID, withHighBit(R(2, 0))].entries())
    cases.push(
      [`invalid R_0 (${k})`, replaced(2, 0, P), false],
      [`invalid R_1 (${k})`, replaced(3, 1, P), false],
    );
  cases.push(['R_0 the identity', replaced(2, 0, IDENTITY), true]);
  cases.push(['R_1 the identity', replaced(3, 1, IDENTITY), true]);
  // R_c = −H_G(c, R_{1−c}) makes m_c = R_c + H_G(c, R_{1−c}) the identity.
  const zeroing = (i: number, c: number) => group.encodePoint(hashToGroup(tag, i, c, R(i, 1 - c)).negate());
  cases.push(['m_0 the identity', replaced(4, 0, zeroing(4, 0)), true]);
  cases.push(['m_1 the identity', replaced(5, 1, zeroing(5, 1)), true]);
  for (const [what, message, sameMessage] of cases) {
    const got = outcomes((path) => baseOtSend(tag, honest.a, honest.A, message, path));
    assert.notEqual(got.noble, 'ok', what);
    assert.notEqual(got.native, 'ok', what);
    if (sameMessage) assert.equal(got.native, got.noble, what);
  }
  assert.deepEqual(
    outcomes((path) => baseOtSend(tag, honest.a, honest.A, honest.message.subarray(32), path)),
    { noble: 'base-OT message has the wrong length', native: 'base-OT message has the wrong length' },
  );
});
