/**
 * One adversarial test per check in the setup rounds' doc comments (round1.ts, round2.ts,
 * round3.ts) and per engine guarantee the setup relies on (echo, equivocation, outsiders), on the
 * simulated network. node-2 is the cheater unless a test says otherwise. Every failing check must
 * abort with its code and name the culprit where the round says so; the party that detected it
 * must send nothing of a later round, and nobody may output a setup.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Bytes, bytesToHex, concatBytes } from '../../../crypto/bytes.ts';
import { decodeFields, encodeFields } from '../../../crypto/lp.ts';
import { ristretto255Suite } from '../../../crypto/suites/ristretto255.ts';
import {
  conflict,
  drop,
  equivocate,
  flipBit,
  mutate,
  rewrite,
  seededRandom,
} from '../../../engine/simulate/index.ts';
import type { Abort, Envelope, PartyId } from '../../../engine/types.ts';
import type { DkgOutput } from '../../dkg/types.ts';
import { dkgKeys, testSeed } from '../../testing/fixtures.ts';
import { decodeSetupRound1, encodeSetupRound1, SETUP_ROUND2_FIELDS } from './round1.ts';
import { startDkls23Setup } from './start.ts';
import { runSetup, setupParams } from './testing/run-setup.ts';
import { DKLS23_SETUP_PROTOCOL } from './types.ts';

const honest = ['node-1', 'node-3'];
type Result = ReturnType<typeof runSetup>;

const keyCache = new Map<number, Record<PartyId, DkgOutput>>();
/** A secp256k1 key of n holders (2-of-n); the setup does not depend on which key. */
function keysOf(n: number): Record<PartyId, DkgOutput> {
  let k = keyCache.get(n);
  if (!k) {
    k = dkgKeys('secp256k1', n, 2, `setup-adversarial-key-${n}`);
    keyCache.set(n, k);
  }
  return k;
}

/** `p` aborted with `code` naming exactly `culprits`, and sent nothing after round `round`. */
function expectAbortAt(r: Result, p: PartyId, code: Abort['code'], culprits: PartyId[], round: number): void {
  const o = r.outcomes[p];
  assert.equal(o?.status, 'aborted', `${p}: ${JSON.stringify(o)}`);
  if (o?.status !== 'aborted') return;
  assert.equal(o.abort.code, code, `${p}: ${o.abort.detail}`);
  assert.deepEqual([...o.abort.culprits].sort(), culprits, `${p}: ${o.abort.detail}`);
  assert.equal(o.abort.round, round, `${p}: ${o.abort.detail}`);
  assert.ok(
    !r.sent.some((e) => e.from === p && e.round > round),
    `${p} sent a round-${round + 1} message after detecting the fault`,
  );
}

function nobodyFinished(r: Result): void {
  for (const [p, o] of Object.entries(r.outcomes)) assert.notEqual(o.status, 'done', `${p} must not output`);
}

/** A round-1 payload with the OT setup message of its first entry (node-2's is for node-1) replaced. */
const replaceFirstMessage =
  (fn: (m1: Bytes, all: Bytes[]) => Bytes) =>
  (payload: Bytes): Bytes => {
    const peers = decodeFields(decodeFields(payload)[1] as Bytes).length;
    const { chainCommitment, entries } = decodeSetupRound1(payload, peers);
    const all = entries.map((e) => e.mulMessage);
    return encodeSetupRound1(
      chainCommitment,
      entries.map((e, i) => (i === 0 ? { ...e, mulMessage: fn(e.mulMessage, all) } : e)),
    );
  };

/**
 * Drops every round-2 message not sent by node-2: the tests of round-2 checks need only node-2's,
 * and each base-OT finish the others would trigger costs ≈ 0.6 s.
 */
const onlyNode2InRound2 = [
  drop({ to: 'node-2', round: 2, kind: 'msg' }),
  drop({ from: 'node-1', to: 'node-3', round: 2, kind: 'msg' }),
  drop({ from: 'node-3', to: 'node-1', round: 2, kind: 'msg' }),
];

/** Replaces one named field of a round-2 message. */
const setField =
  (name: (typeof SETUP_ROUND2_FIELDS)[number], value: (old: Bytes) => Bytes) => (payload: Bytes) => {
    const f = decodeFields(payload);
    const k = SETUP_ROUND2_FIELDS.indexOf(name);
    f[k] = value(f[k] as Bytes);
    return encodeFields(f);
  };

/** A 2P-MUL setup message 2 with the base-OT point R_c of OT i replaced. */
const replaceR = (m2: Bytes, i: number, c: 0 | 1, point: Bytes): Bytes => {
  const [tag, body] = decodeFields(m2) as [Bytes, Bytes];
  const b = Uint8Array.from(body);
  b.set(point, (2 * i + c) * 32);
  return encodeFields([tag, b]);
};

const R1 = { from: 'node-2', round: 1, kind: 'msg' } as const;
const R2 = { from: 'node-2', round: 2, kind: 'msg' } as const;

test('round 1 checks 1-2: a broadcast with a missing field, a short entry list or a short zero-seed commitment → malformed naming the sender', () => {
  const seed = testSeed('dkls23-setup-r1-malformed');
  const keys = keysOf(3);
  const bad: [string, (p: Bytes) => Bytes][] = [
    ['one field', (p) => encodeFields(decodeFields(p).slice(0, 1))],
    ['short commitment', (p) => encodeFields([new Uint8Array(31), decodeFields(p)[1] as Bytes])],
    [
      'one entry',
      (p) => {
        const [c, list] = decodeFields(p) as [Bytes, Bytes];
        return encodeFields([c, encodeFields(decodeFields(list).slice(0, 1))]);
      },
    ],
    [
      'short zero-seed commitment',
      (p) => {
        const { chainCommitment, entries } = decodeSetupRound1(p, 2);
        return encodeSetupRound1(
          chainCommitment,
          entries.map((e) => ({ ...e, zeroCommitment: e.zeroCommitment.subarray(1) })),
        );
      },
    ],
    ['garbage', () => new Uint8Array([1, 2, 3])],
  ];
  for (const [name, fn] of bad) {
    const r = runSetup({ keys, seed: `${seed}/${name}`, rules: [mutate(R1, fn)] });
    for (const p of honest) expectAbortAt(r, p, 'protocol.malformed', ['node-2'], 1);
    nobodyFinished(r);
  }
});

test('round 1 check 3: a relabelled, cross-session or invalid OT setup message to node-1 → the setup step’s code, naming node-2', () => {
  const seed = testSeed('dkls23-setup-r1-ot');
  const keys = keysOf(3);
  // node-2 itself broadcasts each lie to everyone: the echo agrees, only the recipient's check
  // (after the echo, before any answer is sent) catches it.
  const liar = (round1: (p: Bytes) => Bytes) => ({ party: 'node-2', round1 });
  // The message node-2 made for node-3 (another pair's tag) in node-1's slot.
  const relabelled = runSetup({
    keys,
    seed: `${seed}/relabelled`,
    liar: liar(replaceFirstMessage((_m, all) => all[1] as Bytes)),
    rules: [drop({ round: 2, kind: 'msg' })],
    expire: true,
  });
  expectAbortAt(relabelled, 'node-1', 'protocol.header_mismatch', ['node-2'], 1);
  nobodyFinished(relabelled);

  // node-2's whole round-1 broadcast of another setup session for the same key, replayed.
  const other = startDkls23Setup(
    {
      protocol: DKLS23_SETUP_PROTOCOL,
      ssid: new Uint8Array(32).fill(9),
      self: 'node-2',
      parties: ['node-1', 'node-2', 'node-3'],
      random: seededRandom(seed, 'other-session'),
    },
    setupParams(keys['node-2'] as DkgOutput),
  );
  assert.equal(other.type, 'continue');
  const oldPayload = other.type === 'continue' ? (other.outbox[0]?.payload as Bytes) : new Uint8Array(0);
  const replayed = runSetup({ keys, seed: `${seed}/replay`, liar: liar(() => oldPayload) });
  for (const p of honest) expectAbortAt(replayed, p, 'protocol.header_mismatch', ['node-2'], 1);
  nobodyFinished(replayed);

  // Invalid base-OT sender keys (two parties suffice: the check is pairwise).
  const tagOf = (m1: Bytes) => decodeFields(m1)[0] as Bytes;
  const cases: [string, (m1: Bytes) => Bytes, Abort['code']][] = [
    ['A = identity', (m1) => encodeFields([tagOf(m1), new Uint8Array(32)]), 'protocol.malformed'],
    [
      'A non-canonical',
      (m1) => encodeFields([tagOf(m1), new Uint8Array(32).fill(0xff)]),
      'protocol.malformed',
    ],
    ['A short', (m1) => encodeFields([tagOf(m1), new Uint8Array(31)]), 'protocol.malformed'],
    ['tag bit flip', (m1) => flipBit(m1, 9), 'protocol.header_mismatch'],
  ];
  for (const [name, fn, code] of cases) {
    const r = runSetup({ keys: keysOf(2), seed: `${seed}/${name}`, liar: liar(replaceFirstMessage(fn)) });
    expectAbortAt(r, 'node-1', code, ['node-2'], 1);
    nobodyFinished(r);
  }
});

test('round 1 echo: node-2 broadcasts another chain-code commitment to node-3 than to node-1 → echo_mismatch, no opening sent', () => {
  const seed = testSeed('dkls23-setup-r1-echo');
  const r = runSetup({
    keys: keysOf(3),
    seed,
    rules: [
      equivocate({ ...R1, to: 'node-3' }, (p) => {
        const { chainCommitment, entries } = decodeSetupRound1(p, 2);
        return encodeSetupRound1(flipBit(chainCommitment, 0), entries);
      }),
    ],
  });
  // Without transferable evidence nobody can be blamed (engine: echo_mismatch names nobody).
  for (const p of ['node-1', 'node-2', 'node-3']) expectAbortAt(r, p, 'protocol.echo_mismatch', [], 1);
  assert.ok(!r.sent.some((e) => e.round === 2), 'no chain-code or zero-seed opening left any party');
  nobodyFinished(r);
});

test('round 1: two different round-1 messages from node-2 to the same party → equivocation naming node-2', () => {
  const seed = testSeed('dkls23-setup-r1-conflict');
  const r = runSetup({
    keys: keysOf(3),
    seed,
    rules: [
      conflict(R1, (p) => {
        const { chainCommitment, entries } = decodeSetupRound1(p, 2);
        return encodeSetupRound1(flipBit(chainCommitment, 3), entries);
      }),
    ],
  });
  for (const p of honest) expectAbortAt(r, p, 'protocol.equivocation', ['node-2'], 1);
  nobodyFinished(r);
});

test('round 2 checks 2-3: a chain-code opening (to node-1) and a zero-seed opening (to node-3) that do not open node-2’s commitments → bad_decommitment naming node-2', () => {
  const seed = testSeed('dkls23-setup-r2-decommit');
  const r = runSetup({
    keys: keysOf(3),
    seed,
    rules: [
      mutate(
        { ...R2, to: 'node-1' },
        setField('chainValue', (v) => flipBit(v, 0)),
      ),
      mutate(
        { ...R2, to: 'node-3' },
        setField('zeroValue', (v) => flipBit(v, 5)),
      ),
      ...onlyNode2InRound2,
    ],
    expire: true,
  });
  for (const p of honest) expectAbortAt(r, p, 'protocol.bad_decommitment', ['node-2'], 2);
  const o1 = r.outcomes['node-1'];
  const o3 = r.outcomes['node-3'];
  assert.match(o1?.status === 'aborted' ? o1.abort.detail : '', /chain code/);
  assert.match(o3?.status === 'aborted' ? o3.abort.detail : '', /zero-seed/);
  nobodyFinished(r);
});

test('round 2 checks 1 and 4: a truncated message, a relabelled or invalid OT setup answer → malformed / header_mismatch naming node-2', () => {
  const seed = testSeed('dkls23-setup-r2-ot');
  // node-2's answer to node-1 delivered to node-3 (its tag names the pair node-2 → node-1), and an
  // answer to node-1 with one base-OT point replaced by the identity.
  let forNode1: Bytes | undefined;
  const r = runSetup({
    keys: keysOf(3),
    seed,
    rules: [
      (env) => {
        if (env.from === 'node-2' && env.round === 2 && env.to === 'node-1')
          forNode1 = decodeFields(env.payload)[4] as Bytes;
        return undefined;
      },
      mutate(
        { ...R2, to: 'node-1' },
        setField('mulMessage', (m) => replaceR(m, 7, 1, new Uint8Array(32))),
      ),
      mutate(
        { ...R2, to: 'node-3' },
        setField('mulMessage', () => forNode1 as Bytes),
      ),
      ...onlyNode2InRound2,
    ],
    expire: true,
  });
  expectAbortAt(r, 'node-1', 'protocol.malformed', ['node-2'], 2);
  expectAbortAt(r, 'node-3', 'protocol.header_mismatch', ['node-2'], 2);
  nobodyFinished(r);

  const truncated = runSetup({
    keys: keysOf(2),
    seed: `${seed}/truncated`,
    rules: [
      mutate({ ...R2, to: 'node-1' }, (p) => encodeFields(decodeFields(p).slice(0, 4))),
      ...onlyNode2InRound2,
    ],
    expire: true,
  });
  expectAbortAt(truncated, 'node-1', 'protocol.malformed', ['node-2'], 2);
  nobodyFinished(truncated);
});

test('round 3: a malformed confirmation (node-3), another transcript hash (node-1), a pair setup run on a substituted base-OT point (node-2) → malformed / confirm_mismatch', () => {
  const seed = testSeed('dkls23-setup-r3');
  const other = ristretto255Suite.encodePoint(ristretto255Suite.mulBase(7n));
  const R3 = { from: 'node-2', round: 3, kind: 'msg' } as const;
  const r = runSetup({
    keys: keysOf(3),
    seed,
    rules: [
      // Check 3: node-2's setup answer to node-3 reaches it with one base-OT point replaced by another
      // valid point. The base-OT step cannot tell (Endemic OT has no check); the pair digests can.
      mutate(
        { ...R2, to: 'node-3' },
        setField('mulMessage', (m) => replaceR(m, 0, 0, other)),
      ),
      // Check 2: node-2 confirms another hash to node-1.
      mutate({ ...R3, to: 'node-1' }, (p) => {
        const [h, list] = decodeFields(p) as [Bytes, Bytes];
        return encodeFields([flipBit(h, 0), list]);
      }),
      // Check 1: node-2's confirmation to node-3 lacks a digest.
      mutate({ ...R3, to: 'node-3' }, (p) => {
        const [h, list] = decodeFields(p) as [Bytes, Bytes];
        const [first, ...rest] = decodeFields(list) as [Bytes, ...Bytes[]];
        return encodeFields([h, encodeFields([encodeFields(decodeFields(first).slice(0, 1)), ...rest])]);
      }),
    ],
  });
  expectAbortAt(r, 'node-1', 'protocol.confirm_mismatch', ['node-2'], 3);
  expectAbortAt(r, 'node-3', 'protocol.malformed', ['node-2'], 3);
  // node-2 sees node-3's digest of their pair differ from its own. With the message changed in
  // flight both ends are honest; each can only name the other.
  expectAbortAt(r, 'node-2', 'protocol.confirm_mismatch', ['node-3'], 3);
  const detail = (p: PartyId) => {
    const o = r.outcomes[p];
    return o?.status === 'aborted' ? o.abort.detail : '';
  };
  assert.match(detail('node-1'), /confirmed/);
  assert.match(detail('node-2'), /2P-MUL setups/);
  nobodyFinished(r);
});

test('a message from outside the key holders is refused and cannot stand in for a party', () => {
  const seed = testSeed('dkls23-setup-outsider');
  const keys = keysOf(3);
  const ssid = seededRandom(seed, 'ssid')(32);
  const forged: Envelope = {
    protocol: DKLS23_SETUP_PROTOCOL,
    ssid: bytesToHex(ssid),
    from: 'node-9',
    to: 'node-1',
    round: 1,
    kind: 'msg',
    payload: concatBytes(new Uint8Array(8)),
  };
  // node-2's round-1 broadcast to node-1 relabelled as node-9's: refused; node-1 never gets node-2's.
  const r = runSetup({
    keys,
    seed,
    ssid,
    inject: [forged, { ...forged, round: 2 }],
    rules: [rewrite({ ...R1, to: 'node-1' }, (e) => ({ ...e, from: 'node-9' }))],
    expire: true,
  });
  const refused = r.rejected['node-1'] ?? [];
  assert.equal(refused.filter((a) => a.code === 'protocol.unexpected_sender').length, 3);
  assert.ok(refused.every((a) => a.culprits.length === 1 && a.culprits[0] === 'node-9'));
  expectAbortAt(r, 'node-1', 'protocol.timeout', ['node-2'], 1);
  nobodyFinished(r);
});
