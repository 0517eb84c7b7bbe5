/**
 * One adversarial test per check of the OT-based multiplication (the doc comments of setup.ts,
 * ote.ts and ot-mul.ts), plus the selective-failure probes the checks exist for, and the rule that
 * a failed check discards the pair state. Each test starts from fresh copies of one setup
 * (`pair.fresh()`, as if a new setup had run), because a failure discards the states it used.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Bytes, concatBytes, utf8 } from '../../../crypto/bytes.ts';
import { decodeFields, encodeFields } from '../../../crypto/lp.ts';
import { p256Suite } from '../../../crypto/suites/p256.ts';
import { ristretto255Suite } from '../../../crypto/suites/ristretto255.ts';
import { secp256k1Suite } from '../../../crypto/suites/secp256k1.ts';
import type { Suite } from '../../../crypto/suites/types.ts';
import { seededRandom } from '../../../engine/simulate/random.ts';
import type { ErrorCode } from '../../../errors/catalog.ts';
import { TkmsError } from '../../../errors/tkms-error.ts';
import { testSeed } from '../../testing/fixtures.ts';
import { hashToGroup, setupTag } from './base-ot.ts';
import { bytesToWords, readScalar, viewOf, writeScalar } from './hash.ts';
import { createOtMultiplication, createOtMultiplicationWith } from './ot-mul.ts';
import { instanceOf, receiverExtendColumns } from './ote.ts';
import { setupReceiverFinish, setupReceiverStart, setupSenderRespond } from './setup.ts';
import { decodeMulState, encodeMulState, readReceiverSecret, readSenderSecret } from './state.ts';
import { ALICE, BOB, SETUP_SID, setupPair } from './testing/pair.ts';

const seed = testSeed('dkls23-mul-adversarial');
const pair = setupPair(seed);
const inputs = [11n, 13n];

function expectAbort(fn: () => unknown, code: ErrorCode, culprit: string, what: string = code): void {
  assert.throws(
    fn,
    (e: unknown) => {
      assert.ok(e instanceof TkmsError, `${what}: ${String(e)}`);
      assert.equal(e.code, code, `${what}: ${e.message}`);
      assert.deepEqual(e.culprits, [culprit], what);
      return true;
    },
    what,
  );
}

/** Bob's first message for `sid` with fresh states; the pieces a test needs to go on. */
function start(suite: Suite, label: string) {
  const states = pair.fresh();
  const sid = utf8(`adv/${label}`);
  const random = seededRandom(seed, label);
  const mul = createOtMultiplication(suite);
  const s = mul.receiverStart(states.bob, sid, random);
  return { ...states, sid, random, mul, message: s.message, pending: s.pending };
}

/** Replaces field `i` of an encodeFields message. */
function withField(message: Bytes, i: number, f: (b: Bytes) => Bytes): Bytes {
  const fields: Bytes[] = decodeFields(message).map((x) => Uint8Array.from(x));
  fields[i] = f(fields[i] as Bytes);
  return encodeFields(fields);
}

const flipBit = (bit: number) => (b: Bytes) => {
  const out = Uint8Array.from(b);
  out[bit >>> 3] = (out[bit >>> 3] as number) ^ (1 << (bit & 7));
  return out;
};

/** Adds 1 mod q to scalar `index` of a field of 32-byte scalars (the result stays canonical). */
const bumpScalar = (q: bigint, index: number) => (b: Bytes) => {
  const out = Uint8Array.from(b);
  const dv = viewOf(out);
  writeScalar(dv, 32 * index, (readScalar(dv, 32 * index, q) + 1n) % q);
  return out;
};

const bit = (bytes: Bytes, i: number) => ((bytes[i >>> 3] as number) >>> (i & 7)) & 1;

// ---------------------------------------------------------------------------------------------
// The receiver's message (checked by the sender)

test('a bit flipped in u, x̃ or t̃ fails the OT-extension check: bad_ot naming the receiver', () => {
  // Fields of message 1: [tag_R, u, x̃, t̃].
  for (const [field, bitIndex, what] of [
    [1, 0, 'u, first bit'],
    [1, 8 * 80 * 17 + 333, 'u, column 17'],
    [1, 8 * 20_480 - 1, 'u, last bit'],
    [2, 5, 'x̃'],
    [3, 1000, 't̃'],
  ] as const) {
    const s = start(secp256k1Suite, `tamper-receiver-${what}`);
    const bad = withField(s.message, field, flipBit(bitIndex));
    expectAbort(
      () => s.mul.senderRespond(s.alice, s.sid, bad, inputs, s.random),
      'protocol.bad_ot',
      BOB,
      what,
    );
    assert.equal(s.alice.discarded, true, `${what}: the sender state is discarded`);
  }
});

test('a receiver probing Δ with another choice bit in one column is caught exactly when Δ_i = 1', () => {
  // The selective-failure probe the KOS check bounds: Bob uses x' ≠ x in column i and computes
  // every check value honestly. The check then passes iff Δ_i = 0; a pass teaches Bob one bit of
  // Δ with probability 1/2, a failure discards the state so he cannot go on probing.
  const delta = readSenderSecret(pair.alice).delta;
  const ones = [...Array(256).keys()].filter((i) => bit(delta, i) === 1).slice(0, 2);
  const zeros = [...Array(256).keys()].filter((i) => bit(delta, i) === 0).slice(0, 2);
  for (const column of [...ones, ...zeros]) {
    const { alice, bob } = pair.fresh();
    const sid = utf8(`adv/probe-${column}`);
    const random = seededRandom(seed, `probe-${column}`);
    const { binding, seeds0, seeds1 } = readReceiverSecret(bob);
    const inst = instanceOf(binding, secp256k1Suite.name, sid);
    const x = bytesToWords(random(80));
    const probe = x.slice();
    probe[0] = ((probe[0] as number) ^ 1) >>> 0; // β_0 flipped in this column only
    const ext = receiverExtendColumns(seeds0, seeds1, inst, (i) => (i === column ? probe : x), x);
    const message = encodeFields([inst.tagR, ext.u, ext.xCheck, ext.tCheck]);
    const mul = createOtMultiplication(secp256k1Suite);
    if (bit(delta, column) === 1) {
      expectAbort(() => mul.senderRespond(alice, sid, message, inputs, random), 'protocol.bad_ot', BOB);
      assert.equal(alice.discarded, true);
    } else {
      assert.doesNotThrow(() => mul.senderRespond(alice, sid, message, inputs, random));
    }
  }
});

test('a receiver message relabelled to another session fails the OT-extension check', () => {
  const s = start(secp256k1Suite, 'relabel');
  const other = utf8('adv/relabel-other');
  const inst = instanceOf(readSenderSecret(s.alice).binding, secp256k1Suite.name, other);
  const relabelled = withField(s.message, 0, () => inst.tagR);
  expectAbort(
    () => s.mul.senderRespond(s.alice, other, relabelled, inputs, s.random),
    'protocol.bad_ot',
    BOB,
  );
});

test('a receiver message for another session id or suite: header_mismatch naming the receiver', () => {
  const s = start(secp256k1Suite, 'wrong-sid');
  expectAbort(
    () => s.mul.senderRespond(s.alice, utf8('adv/another-sid'), s.message, inputs, s.random),
    'protocol.header_mismatch',
    BOB,
  );
  assert.equal(s.alice.discarded, true);
  const t = start(secp256k1Suite, 'wrong-suite');
  expectAbort(
    () => createOtMultiplication(p256Suite).senderRespond(t.alice, t.sid, t.message, inputs, t.random),
    'protocol.header_mismatch',
    BOB,
  );
});

test('a truncated or garbage receiver message: malformed naming the receiver', () => {
  const s0 = start(secp256k1Suite, 'garbage-receiver');
  const m = s0.message;
  const fields = decodeFields(m);
  for (const [what, bad] of [
    ['truncated by one byte', m.subarray(0, m.length - 1)],
    ['one byte too many', concatBytes(m, new Uint8Array(1))],
    ['empty', new Uint8Array(0)],
    ['garbage', seededRandom(seed, 'garbage')(200)],
    ['a fifth field', encodeFields([...fields, new Uint8Array(1)])],
    ['x̃ one byte short', withField(m, 2, (b) => b.subarray(1))],
  ] as const) {
    const s = start(secp256k1Suite, `garbage-receiver-${what}`);
    expectAbort(
      () => s.mul.senderRespond(s.alice, s.sid, bad, inputs, s.random),
      'protocol.malformed',
      BOB,
      what,
    );
    assert.equal(s.alice.discarded, true);
  }
});

// ---------------------------------------------------------------------------------------------
// The sender's message (checked by the receiver)

for (const suite of [secp256k1Suite, p256Suite]) {
  const q = suite.order;

  test(`${suite.name}: a changed τ̃, τ̂, γ, u or ρ fails the multiplication check: bad_mul naming the sender`, () => {
    // Fields of message 2: [tag_S, τ̃, τ̂, γ, u, ρ].
    for (const [field, change, what] of [
      [1, bumpScalar(q, 0), 'τ̃ of OT 0'],
      [1, bumpScalar(q, 831), 'τ̃ of OT 415, input 2'],
      [2, bumpScalar(q, 200), 'τ̂ of OT 200'],
      [3, bumpScalar(q, 0), 'γ_1'],
      [3, bumpScalar(q, 1), 'γ_2'],
      [4, bumpScalar(q, 0), 'u'],
      [5, flipBit(77), 'ρ'],
    ] as const) {
      const s = start(suite, `tamper-sender-${suite.name}-${what}`);
      const answer = s.mul.senderRespond(s.alice, s.sid, s.message, inputs, s.random);
      const bad = withField(answer.message, field, change);
      expectAbort(() => s.mul.receiverFinish(s.bob, s.sid, s.pending, bad), 'protocol.bad_mul', ALICE, what);
      assert.equal(s.bob.discarded, true, `${what}: the receiver state is discarded`);
    }
  });

  test(`${suite.name}: a sender feeding one OT another correlation is caught exactly when β_j = 1`, () => {
    // DKLs19's check: with ã_j ≠ ã (or â_j ≠ â) in OT j and everything else honest, Bob's check
    // fails iff β_j = 1; when β_j = 0 the OT's output does not depend on the correlation and the
    // products stay right. Either way Alice learns at most β_j, at the price of an abort.
    const runs: [number, number][] = [];
    for (const j of [0, 1, 2, 3, 5, 8, 13, 21, 200, 415]) runs.push([j, j % 3]);
    const outcomes = new Set<number>();
    for (const [j, w] of runs) {
      const s = start(suite, `deviate-${suite.name}-${j}-${w}`);
      const beta = bit(s.pending.secret.expose().subarray(32), j);
      const chi = s.pending.chi;
      const cheat = createOtMultiplicationWith(suite, {
        correlation: (row, alpha) => (row === j ? alpha.map((a, k) => (k === w ? (a + 1n) % q : a)) : alpha),
      });
      const answer = cheat.senderRespond(s.alice, s.sid, s.message, inputs, s.random);
      if (beta === 1) {
        expectAbort(
          () => s.mul.receiverFinish(s.bob, s.sid, s.pending, answer.message),
          'protocol.bad_mul',
          ALICE,
        );
      } else {
        const { shares } = s.mul.receiverFinish(s.bob, s.sid, s.pending, answer.message);
        inputs.forEach((a, k) => {
          assert.equal(suite.Fn.add(answer.shares[k] as bigint, shares[k] as bigint), suite.Fn.mul(a, chi));
        });
      }
      outcomes.add(beta);
    }
    assert.equal(outcomes.size, 2, 'both outcomes were exercised');
  });

  test(`${suite.name}: a truncated, garbage or non-canonical sender message: malformed naming the sender`, () => {
    const nonCanonical = (b: Bytes) => {
      const out = Uint8Array.from(b);
      out.fill(0xff, 0, 32);
      return out;
    };
    for (const [what, change] of [
      ['truncated', (m: Bytes) => m.subarray(0, m.length - 1)],
      ['garbage', () => seededRandom(seed, 'garbage-sender')(300)],
      ['τ̃ ≥ q', (m: Bytes) => withField(m, 1, nonCanonical)],
      ['γ ≥ q', (m: Bytes) => withField(m, 3, nonCanonical)],
      ['ρ missing', (m: Bytes) => encodeFields(decodeFields(m).slice(0, 5))],
    ] as const) {
      const s = start(suite, `garbage-sender-${suite.name}-${what}`);
      const answer = s.mul.senderRespond(s.alice, s.sid, s.message, inputs, s.random);
      expectAbort(
        () => s.mul.receiverFinish(s.bob, s.sid, s.pending, change(answer.message)),
        'protocol.malformed',
        ALICE,
        what,
      );
      assert.equal(s.bob.discarded, true);
    }
  });
}

test('a sender message from another session: header_mismatch naming the sender', () => {
  const s = start(secp256k1Suite, 'other-session-a');
  const other = s.mul.receiverStart(s.bob, utf8('adv/other-session-b'), s.random);
  const answer = s.mul.senderRespond(s.alice, utf8('adv/other-session-b'), other.message, inputs, s.random);
  expectAbort(
    () => s.mul.receiverFinish(s.bob, s.sid, s.pending, answer.message),
    'protocol.header_mismatch',
    ALICE,
  );
  assert.equal(s.bob.discarded, true);
});

// ---------------------------------------------------------------------------------------------
// Life cycle: discarded states, single-use pendings

test('a discarded state is refused by every step, also after storage', () => {
  const s = start(secp256k1Suite, 'discarded');
  const bad = withField(s.message, 1, flipBit(3));
  expectAbort(() => s.mul.senderRespond(s.alice, s.sid, bad, inputs, s.random), 'protocol.bad_ot', BOB);
  const refused = (fn: () => unknown) =>
    assert.throws(fn, (e: unknown) => e instanceof TkmsError && e.code === 'session.aborted');
  // The sender cannot answer again, not even the honest message.
  refused(() => s.mul.senderRespond(s.alice, s.sid, s.message, inputs, s.random));
  const stored = decodeMulState(encodeMulState(s.alice));
  assert.equal(stored.discarded, true);
  refused(() => s.mul.senderRespond(stored, utf8('adv/next'), s.message, inputs, s.random));
  // Same for the receiver after a failed multiplication check.
  const t = start(secp256k1Suite, 'discarded-receiver');
  const answer = t.mul.senderRespond(t.alice, t.sid, t.message, inputs, t.random);
  const badAnswer = withField(answer.message, 5, flipBit(0));
  expectAbort(() => t.mul.receiverFinish(t.bob, t.sid, t.pending, badAnswer), 'protocol.bad_mul', ALICE);
  refused(() => t.mul.receiverStart(t.bob, utf8('adv/next'), t.random));
  refused(() => t.mul.receiverFinish(t.bob, t.sid, t.pending, answer.message));
});

test('a receiver pending is single-use and bound to its session id', () => {
  const s = start(secp256k1Suite, 'pending');
  const answer = s.mul.senderRespond(s.alice, s.sid, s.message, inputs, s.random);
  assert.throws(
    () => s.mul.receiverFinish(s.bob, utf8('adv/not-this-one'), s.pending, answer.message),
    RangeError,
  );
  s.mul.receiverFinish(s.bob, s.sid, s.pending, answer.message);
  assert.ok(
    s.pending.secret.expose().every((x) => x === 0),
    'the pending secret is wiped',
  );
  assert.throws(() => s.mul.receiverFinish(s.bob, s.sid, s.pending, answer.message), RangeError);
  assert.equal(s.bob.discarded, false, 'caller errors do not discard the state');
});

test('role mix-ups and bad inputs are caller errors (RangeError), not aborts', () => {
  const s = start(secp256k1Suite, 'roles');
  assert.throws(() => s.mul.receiverStart(s.alice, s.sid, s.random), RangeError);
  assert.throws(() => s.mul.senderRespond(s.bob, s.sid, s.message, inputs, s.random), RangeError);
  const q = secp256k1Suite.order;
  for (const bad of [[1n], [1n, 2n, 3n], [q, 1n], [-1n, 1n]])
    assert.throws(() => s.mul.senderRespond(s.alice, s.sid, s.message, bad, s.random), RangeError);
  assert.equal(s.alice.discarded, false);
});

// ---------------------------------------------------------------------------------------------
// The pairwise setup

test('setup: messages for another session or with swapped roles: header_mismatch naming the peer', () => {
  const random = seededRandom(seed, 'setup-tag');
  const other = setupReceiverStart({ self: BOB, peer: ALICE, sessionId: utf8('another setup'), random });
  expectAbort(
    () =>
      setupSenderRespond({ self: ALICE, peer: BOB, sessionId: SETUP_SID, message: other.message, random }),
    'protocol.header_mismatch',
    BOB,
  );
  // Alice answering as if she were the receiver of the pair (self and peer swapped).
  const start1 = setupReceiverStart({ self: BOB, peer: ALICE, sessionId: SETUP_SID, random });
  expectAbort(
    () =>
      setupSenderRespond({ self: BOB, peer: ALICE, sessionId: SETUP_SID, message: start1.message, random }),
    'protocol.header_mismatch',
    ALICE,
  );
  const pending = setupReceiverStart({
    self: BOB,
    peer: ALICE,
    sessionId: utf8('another setup'),
    random,
  }).pending;
  expectAbort(() => setupReceiverFinish(pending, pair.message2), 'protocol.header_mismatch', ALICE);
});

test('setup: an invalid base-OT sender key A: malformed naming Bob', () => {
  const random = seededRandom(seed, 'setup-A');
  const tag = setupTag(SETUP_SID, ALICE, BOB);
  for (const [what, A] of [
    ['identity', new Uint8Array(32)],
    ['not canonical', new Uint8Array(32).fill(0xff)],
    ['too short', new Uint8Array(31).fill(1)],
  ] as const) {
    const message = encodeFields([tag, A]);
    expectAbort(
      () => setupSenderRespond({ self: ALICE, peer: BOB, sessionId: SETUP_SID, message, random }),
      'protocol.malformed',
      BOB,
      what,
    );
  }
});

test('setup: an invalid R_c, or R_c making m_c the identity: malformed naming Alice', () => {
  const random = seededRandom(seed, 'setup-R');
  const tag = setupTag(SETUP_SID, ALICE, BOB);
  const body = decodeFields(pair.message2)[1] as Bytes;
  // R_0 = −H_G(0, R_1) gives m_0 = R_0 + H_G(0, R_1) = 0 in OT 7.
  const R1 = body.subarray(7 * 64 + 32, 8 * 64);
  const zeroing = ristretto255Suite.encodePoint(hashToGroup(tag, 7, 0, R1).negate());
  for (const [what, change] of [
    ['R_0 of OT 3 not canonical', (b: Bytes) => b.fill(0xff, 3 * 64, 3 * 64 + 32)],
    ['R_1 of OT 255 the identity', (b: Bytes) => b.fill(0, 255 * 64 + 32, 256 * 64)],
    [
      'm_0 of OT 7 the identity',
      (b: Bytes) => {
        b.set(zeroing, 7 * 64);
        return b;
      },
    ],
    ['one R missing', (b: Bytes) => b.subarray(0, b.length - 32)],
  ] as const) {
    const pending = setupReceiverStart({ self: BOB, peer: ALICE, sessionId: SETUP_SID, random }).pending;
    const message = encodeFields([tag, change(Uint8Array.from(body))]);
    expectAbort(() => setupReceiverFinish(pending, message), 'protocol.malformed', ALICE, what);
    assert.throws(() => setupReceiverFinish(pending, pair.message2), RangeError, 'the pending is single-use');
  }
});

test('setup: both states of a pair agree (the base OTs deliver k_{Δ_i} to Alice)', () => {
  const alice = readSenderSecret(pair.alice);
  const bob = readReceiverSecret(pair.bob);
  assert.deepEqual(alice.binding, bob.binding);
  for (let i = 0; i < 256; i++) {
    const mine = alice.seeds.subarray(32 * i, 32 * i + 32);
    const theirs = (bit(alice.delta, i) ? bob.seeds1 : bob.seeds0).subarray(32 * i, 32 * i + 32);
    const others = (bit(alice.delta, i) ? bob.seeds0 : bob.seeds1).subarray(32 * i, 32 * i + 32);
    assert.deepEqual(mine, theirs, `OT ${i}`);
    assert.notDeepEqual(mine, others, `OT ${i}`);
  }
});
