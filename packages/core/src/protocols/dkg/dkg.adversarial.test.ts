/**
 * One adversarial test per check listed in the DKG rounds' doc comments (round1.ts, round2.ts,
 * round3.ts), on the simulated network: a faulty party's message is dropped, mutated, replayed or
 * equivocated, and the honest parties must abort with the documented code and culprit, and no
 * honest party may output a key the others do not have.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ED25519_TORSION_SUBGROUP, ed25519 } from '@noble/curves/ed25519.js';
import { type Bytes, concatBytes, hexToBytes, utf8 } from '../../crypto/bytes.ts';
import { decodeFields, encodeFields } from '../../crypto/lp.ts';
import { getSuite } from '../../crypto/suites/index.ts';
import type { SuiteName } from '../../crypto/suites/types.ts';
import {
  conflict,
  drop,
  equivocate,
  flipBit,
  mutate,
  type Rule,
  replay,
  seededRandom,
} from '../../engine/simulate/index.ts';
import type { Abort, PartyId, Round } from '../../engine/types.ts';
import { partyNames, runDkg, testSeed } from '../testing/fixtures.ts';
import { startDkg } from './start.ts';
import { DKG_PROTOCOL, type DkgOutput } from './types.ts';

const SSID = new Uint8Array(32).fill(0x5a);

type Outcomes = ReturnType<typeof runDkg>['outcomes'];

/** Every listed honest party aborted with `code` blaming exactly `culprits`; nobody else finished. */
function expectAbort(out: Outcomes, honest: PartyId[], code: Abort['code'], culprits: PartyId[]): void {
  for (const p of honest) {
    const o = out[p];
    assert.equal(o?.status, 'aborted', `${p} should abort with ${code}, got ${JSON.stringify(o)}`);
    if (o?.status === 'aborted') {
      assert.equal(o.abort.code, code, `${p}: ${o.abort.detail}`);
      assert.deepEqual([...o.abort.culprits].sort(), [...culprits].sort(), `${p}: ${o.abort.detail}`);
    }
  }
  for (const [p, o] of Object.entries(out)) assert.notEqual(o.status, 'done', `${p} must not finish`);
}

/** Round-1 payload as (commitments, R, mu), and back. */
function parseR1(payload: Bytes): { C: Bytes[]; R: Bytes; mu: Bytes } {
  const [v, R, mu] = decodeFields(payload) as [Bytes, Bytes, Bytes];
  return { C: decodeFields(v), R, mu };
}
const buildR1 = (C: Bytes[], R: Bytes, mu: Bytes) => encodeFields([encodeFields(C), R, mu]);

/** A valid round-1 payload of `self` for this session, from other randomness. */
function honestRound1(
  suite: SuiteName,
  self: PartyId,
  parties: PartyId[],
  t: number,
  seed: string,
  ssid = SSID,
): Bytes {
  const step = startDkg(
    { protocol: DKG_PROTOCOL, ssid, self, parties, random: seededRandom(seed, self) },
    { suite, threshold: t },
  );
  if (step.type !== 'continue') throw new Error('start failed');
  return step.outbox[0]?.payload as Bytes;
}

const R1 = { from: 'node-2', round: 1, kind: 'msg' } as const;
const honest = ['node-1', 'node-3'];

for (const suiteName of ['ed25519', 'secp256k1'] as SuiteName[]) {
  const suite = getSuite(suiteName);
  const run = (rules: Rule[], seed: string, t = 2) =>
    runDkg({ suite: suiteName, n: 3, t, seed, ssid: SSID, rules }).outcomes;

  test(`${suiteName} DKG round 1 check 1: payload with the wrong field count → malformed`, () => {
    const out = run([mutate(R1, (p) => encodeFields(decodeFields(p).slice(0, 2)))], testSeed('dkg-r1-c1'));
    expectAbort(out, honest, 'protocol.malformed', ['node-2']);
  });

  test(`${suiteName} DKG round 1 check 2: commitment field that is not a list → malformed`, () => {
    const out = run(
      [
        mutate(R1, (p) => {
          const { R, mu } = parseR1(p);
          return encodeFields([utf8('xyz'), R, mu]);
        }),
      ],
      testSeed('dkg-r1-c2'),
    );
    expectAbort(out, honest, 'protocol.malformed', ['node-2']);
  });

  test(`${suiteName} DKG round 1 check 3: commitment vector of length t−1 or t+1 → bad_commitment`, () => {
    const seed = testSeed('dkg-r1-c3');
    // Threshold raise (WSTS #87): an extra coefficient with a still-valid proof for C_0.
    const longer = run(
      [
        mutate(R1, (p) => {
          const { C, R, mu } = parseR1(p);
          return buildR1([...C, C[1] as Bytes], R, mu);
        }),
      ],
      seed,
    );
    expectAbort(longer, honest, 'protocol.bad_commitment', ['node-2']);
    const shorter = run(
      [
        mutate(R1, (p) => {
          const { C, R, mu } = parseR1(p);
          return buildR1(C.slice(0, 1), R, mu);
        }),
      ],
      seed,
    );
    expectAbort(shorter, honest, 'protocol.bad_commitment', ['node-2']);
  });

  test(`${suiteName} DKG round 1 check 4: identity, off-curve or torsion commitment → bad_commitment`, () => {
    const seed = testSeed('dkg-r1-c4');
    const identity =
      suiteName === 'ed25519' ? concatBytes(new Uint8Array([1]), new Uint8Array(31)) : new Uint8Array(33);
    const bads: Bytes[] = [identity, new Uint8Array(suite.pointLength).fill(0xff)];
    if (suiteName === 'ed25519') {
      // C_1 plus a point of order 8: on the curve, canonical, but outside the prime-order subgroup.
      bads.push(
        ed25519.Point.BASE.multiply(7n)
          .add(ed25519.Point.fromHex(ED25519_TORSION_SUBGROUP[1] as string))
          .toBytes(),
      );
    }
    for (const bad of bads) {
      // Replace C_1 (not covered by the proof) so only the point check can catch it.
      const out = run(
        [
          mutate(R1, (p) => {
            const { C, R, mu } = parseR1(p);
            return buildR1([C[0] as Bytes, bad], R, mu);
          }),
        ],
        seed,
      );
      expectAbort(out, honest, 'protocol.bad_commitment', ['node-2']);
    }
  });

  test(`${suiteName} DKG round 1 check 5: undecodable proof nonce or non-canonical μ → bad_proof`, () => {
    const seed = testSeed('dkg-r1-c5');
    const badR = run(
      [
        mutate(R1, (p) => {
          const { C, mu } = parseR1(p);
          return buildR1(C, new Uint8Array(suite.pointLength).fill(0xff), mu);
        }),
      ],
      seed,
    );
    expectAbort(badR, honest, 'protocol.bad_proof', ['node-2']);
    const badMu = run(
      [
        mutate(R1, (p) => {
          const { C, R } = parseR1(p);
          return buildR1(C, R, new Uint8Array(32).fill(0xff));
        }),
      ],
      seed,
    );
    expectAbort(badMu, honest, 'protocol.bad_proof', ['node-2']);
  });

  test(`${suiteName} DKG round 1 check 6: forged, rogue-key, cross-session and cross-identifier proofs → bad_proof`, () => {
    const seed = testSeed('dkg-r1-c6');
    const parties = partyNames(3);
    // (a) a wrong μ.
    const forged = run(
      [
        mutate(R1, (p) => {
          const { C, R, mu } = parseR1(p);
          return buildR1(C, R, suite.encodeScalar(suite.Fn.add(suite.decodeScalar(mu), 1n)));
        }),
      ],
      seed,
    );
    expectAbort(forged, honest, 'protocol.bad_proof', ['node-2']);
    // (b) rogue key: C_0 replaced by a point whose discrete log node-2 does not know, proof kept.
    const rogue = run(
      [
        mutate(R1, (p) => {
          const { C, R, mu } = parseR1(p);
          return buildR1(
            [suite.encodePoint(suite.mulBase(12345n).add(suite.decodePoint(C[0] as Bytes))), C[1] as Bytes],
            R,
            mu,
          );
        }),
      ],
      seed,
    );
    expectAbort(rogue, honest, 'protocol.bad_proof', ['node-2']);
    // (c) a proof that is valid in another session (other ssid), replayed here.
    const otherSession = honestRound1(
      suiteName,
      'node-2',
      parties,
      2,
      `${seed}/other`,
      new Uint8Array(32).fill(1),
    );
    const replayed = run([mutate(R1, () => otherSession)], seed);
    expectAbort(replayed, honest, 'protocol.bad_proof', ['node-2']);
    // (d) node-3 copies node-2's valid package as its own (same session, other identifier).
    const copy = honestRound1(suiteName, 'node-2', parties, 2, `${seed}/copy`);
    const copied = run([mutate({ from: 'node-3', round: 1, kind: 'msg' }, () => copy)], seed);
    expectAbort(copied, ['node-1', 'node-2'], 'protocol.bad_proof', ['node-3']);
  });

  test(`${suiteName} DKG round 1 echo: equivocated (valid) broadcasts → echo_mismatch, nobody sends shares`, () => {
    const seed = testSeed('dkg-r1-echo');
    const alt = honestRound1(suiteName, 'node-2', partyNames(3), 2, `${seed}/alt`);
    const r = runDkg({
      suite: suiteName,
      n: 3,
      t: 2,
      seed,
      ssid: SSID,
      rules: [equivocate({ ...R1, to: 'node-3' }, () => alt)],
    });
    for (const p of honest) {
      const o = r.outcomes[p];
      assert.equal(o?.status, 'aborted');
      if (o?.status === 'aborted') assert.equal(o.abort.code, 'protocol.echo_mismatch');
    }
    // No round-2 (secret share) message left any party.
    assert.equal(r.sent.filter((e) => e.round === 2).length, 0);
    for (const o of Object.values(r.outcomes)) assert.notEqual(o.status, 'done');
  });

  const R2 = (to: PartyId) => ({ from: 'node-2', to, round: 2, kind: 'msg' }) as const;

  test(`${suiteName} DKG round 2 check 1: share payload with the wrong field count → malformed`, () => {
    const out = run(
      [mutate(R2('node-3'), (p) => encodeFields([...decodeFields(p), p]))],
      testSeed('dkg-r2-c1'),
    );
    expectAbort(out, ['node-3'], 'protocol.malformed', ['node-2']);
  });

  test(`${suiteName} DKG round 2 check 2: non-canonical share (≥ q) → bad_share naming the dealer`, () => {
    const qBytes = suite.Fn.isLE
      ? Uint8Array.from(hexToBytes(suite.order.toString(16).padStart(64, '0')).reverse())
      : hexToBytes(suite.order.toString(16).padStart(64, '0'));
    const out = run([mutate(R2('node-3'), () => encodeFields([qBytes]))], testSeed('dkg-r2-c2'));
    expectAbort(out, ['node-3'], 'protocol.bad_share', ['node-2']);
  });

  test(`${suiteName} DKG round 2 check 3: share off the committed polynomial → bad_share naming the dealer`, () => {
    const out = run(
      [
        mutate(R2('node-3'), (p) =>
          encodeFields([
            suite.encodeScalar(suite.Fn.add(suite.decodeScalar(decodeFields(p)[0] as Bytes), 1n)),
          ]),
        ),
      ],
      testSeed('dkg-r2-c3'),
    );
    expectAbort(out, ['node-3'], 'protocol.bad_share', ['node-2']);
  });

  const R3 = { from: 'node-2', to: 'node-1', round: 3, kind: 'msg' } as const;

  test(`${suiteName} DKG round 3 check 1: confirmation that is not one 32-byte hash → malformed`, () => {
    const out = run(
      [mutate(R3, (p) => encodeFields([(decodeFields(p)[0] as Bytes).subarray(1)]))],
      testSeed('dkg-r3-c1'),
    );
    const o = out['node-1'];
    assert.equal(o?.status, 'aborted');
    if (o?.status === 'aborted') {
      assert.equal(o.abort.code, 'protocol.malformed');
      assert.deepEqual(o.abort.culprits, ['node-2']);
    }
  });

  test(`${suiteName} DKG round 3 check 2: different confirmation → confirm_mismatch; that party outputs no key`, () => {
    const out = run(
      [mutate(R3, (p) => encodeFields([flipBit(decodeFields(p)[0] as Bytes)]))],
      testSeed('dkg-r3-c2'),
    );
    const o = out['node-1'];
    assert.equal(o?.status, 'aborted');
    if (o?.status === 'aborted') {
      assert.equal(o.abort.code, 'protocol.confirm_mismatch');
      assert.deepEqual(o.abort.culprits, ['node-2']);
    }
  });
}

test('DKG rounds verify without changing state: a rejected message does not block the genuine one', () => {
  const parties = partyNames(3);
  const seed = testSeed('dkg-verify-pure');
  const starts = parties.map((self) =>
    startDkg(
      { protocol: DKG_PROTOCOL, ssid: SSID, self, parties, random: seededRandom(seed, self) },
      { suite: 'ed25519', threshold: 2 },
    ),
  );
  const [s1, s2] = starts;
  if (s1?.type !== 'continue' || s2?.type !== 'continue') throw new Error('start failed');
  const round = s1.round as Round<DkgOutput>;
  const good = s2.outbox[0]?.payload as Bytes;
  const { C, R } = parseR1(good);
  const bad = buildR1(C, R, getSuite('ed25519').encodeScalar(1n));
  const v1 = round.verify('node-2', bad);
  assert.equal(v1.ok, false);
  if (!v1.ok) assert.equal(v1.abort.code, 'protocol.bad_proof');
  // Under another sender's name the same genuine package fails too (bound to the identifier).
  const v2 = round.verify('node-3', good);
  assert.equal(v2.ok, false);
  const v3 = round.verify('node-2', good);
  assert.equal(v3.ok, true);
});

test('DKG over a faulty network: duplicates are harmless, conflicting duplicates name the sender, drops time out', () => {
  const seed = testSeed('dkg-network');
  const parties = partyNames(3);
  const dup = runDkg({
    suite: 'ed25519',
    n: 3,
    t: 2,
    seed,
    ssid: SSID,
    rules: [replay({ from: 'node-2' }, 2), replay({ round: 2 })],
  });
  for (const p of parties) assert.equal(dup.outcomes[p]?.status, 'done', p);
  const alt = honestRound1('ed25519', 'node-2', parties, 2, `${seed}/alt`);
  const conflicting = runDkg({
    suite: 'ed25519',
    n: 3,
    t: 2,
    seed,
    ssid: SSID,
    rules: [conflict(R1, () => alt)],
  });
  expectAbort(conflicting.outcomes, honest, 'protocol.equivocation', ['node-2']);
  const dropped = runDkg({
    suite: 'secp256k1',
    n: 3,
    t: 2,
    seed,
    ssid: SSID,
    rules: [drop({ from: 'node-3', round: 2 })],
  });
  for (const o of Object.values(dropped.outcomes)) assert.notEqual(o.status, 'done');
});
