import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Bytes, bytesToHex, readU32be, u32be } from '../crypto/bytes.ts';
import { SessionRunner } from './runner.ts';
import { conflict, drop, equivocate, mutate, replay, rewrite, simulate } from './simulate/index.ts';
import type { Abort, Envelope, PartyId, Round, SessionContext, Step } from './types.ts';

/**
 * A toy protocol exercising every runner feature: round 1 broadcasts a 4-byte value (echo-checked),
 * round 2 sends each peer a direct 4-byte value; the output is the sum of everything received.
 * A payload of 0xffffffff fails verification, naming the sender.
 */
const others = (ctx: SessionContext) => ctx.parties.filter((p) => p !== ctx.self);
function decode(from: PartyId, round: number, payload: Bytes) {
  if (payload.length !== 4) return { ok: false as const, abort: bad(from, round, 'length') };
  const v = readU32be(payload, 0);
  if (v === 0xffffffff) return { ok: false as const, abort: bad(from, round, 'value') };
  return { ok: true as const, value: v };
}
const bad = (from: PartyId, round: number, detail: string): Abort => ({
  code: 'protocol.malformed',
  round,
  culprits: [from],
  detail,
});
function toy(ctx: SessionContext): Step<number> {
  let sum = 0;
  const round2: Round<number, number> = {
    number: 2,
    from: others(ctx),
    kind: 'direct',
    echo: false,
    verify: (from, p) => decode(from, 2, p),
    store: (_f, v) => {
      sum += v;
    },
    finalize: () => ({ type: 'done', output: sum }),
  };
  const round1: Round<number, number> = {
    number: 1,
    from: others(ctx),
    kind: 'broadcast',
    echo: true,
    verify: (from, p) => decode(from, 1, p),
    store: (_f, v) => {
      sum += v;
    },
    finalize: () => ({
      type: 'continue',
      round: round2,
      outbox: others(ctx).map((to) => ({ to, payload: u32be(to.length) })),
    }),
  };
  return { type: 'continue', round: round1, outbox: [{ to: '*', payload: u32be(7) }] };
}
const parties = ['a', 'b', 'c'];
const run = (extra: Partial<Parameters<typeof simulate<number>>[0]> = {}) =>
  simulate<number>({ protocol: 'toy', parties, start: toy, ...extra });

test('all parties finish with the same result, in any delivery order', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const r = run({ seed, shuffle: true });
    for (const p of parties)
      assert.deepEqual(r.outcomes[p], { status: 'done', output: 14 + 2 }, `seed ${seed}`);
  }
});

test('exact duplicates are dropped', () => {
  const r = run({ rules: [replay({ from: 'a' }, 2)] });
  for (const p of parties) assert.equal(r.outcomes[p]?.status, 'done');
});

test('two different messages for one slot abort with equivocation naming the sender', () => {
  const r = run({ rules: [conflict({ from: 'a', to: 'b', round: 2 }, () => u32be(99))] });
  assert.deepEqual(r.outcomes.b, {
    status: 'aborted',
    abort: {
      code: 'protocol.equivocation',
      round: 2,
      culprits: ['a'],
      detail: 'a sent two different msg messages for round 2',
    },
  });
});

test('a broadcast equivocated to one recipient fails the echo check before round 2', () => {
  const r = run({ rules: [equivocate({ from: 'a', to: 'c', round: 1 }, () => u32be(8))] });
  for (const p of ['b', 'c']) {
    const o = r.outcomes[p];
    assert.equal(o?.status, 'aborted');
    if (o?.status === 'aborted') {
      assert.equal(o.abort.code, 'protocol.echo_mismatch');
      assert.equal(o.abort.round, 1);
      assert.match(o.abort.detail, /disputed senders: a/);
    }
  }
  // nothing of round 2 was sent by b or c after they saw the mismatch
  assert.ok(!r.sent.some((e) => e.round === 2 && (e.from === 'b' || e.from === 'c')));
});

test('a message failing verification aborts naming its sender; the session sends nothing more', () => {
  const r = run({ rules: [mutate({ from: 'c', to: 'a', round: 2 }, () => u32be(0xffffffff))] });
  assert.deepEqual(r.outcomes.a, {
    status: 'aborted',
    abort: { code: 'protocol.malformed', round: 2, culprits: ['c'], detail: 'value' },
  });
});

test('a dropped message times out naming the missing party', () => {
  const r = run({ rules: [drop({ from: 'b', to: 'a', round: 2 })], expire: true });
  const o = r.outcomes.a;
  assert.equal(o?.status, 'aborted');
  if (o?.status === 'aborted') {
    assert.equal(o.abort.code, 'protocol.timeout');
    assert.deepEqual(o.abort.culprits, ['b']);
  }
  assert.equal(r.outcomes.b?.status, 'done');
});

test('an offline party is named by every timeout', () => {
  const r = run({ offline: ['c'], expire: true });
  for (const p of ['a', 'b']) {
    const o = r.outcomes[p];
    assert.ok(
      o?.status === 'aborted' && o.abort.code === 'protocol.timeout' && o.abort.culprits.includes('c'),
    );
  }
});

test('headers are checked before payloads: wrong session, wrong recipient, outsiders are refused', () => {
  const ssid = new Uint8Array(32).fill(1);
  const forged: Envelope[] = [
    {
      protocol: 'toy',
      ssid: bytesToHex(new Uint8Array(32)),
      from: 'b',
      to: 'a',
      round: 1,
      kind: 'msg',
      payload: u32be(0xffffffff),
    },
    {
      protocol: 'other',
      ssid: bytesToHex(ssid),
      from: 'b',
      to: 'a',
      round: 1,
      kind: 'msg',
      payload: u32be(1),
    },
    {
      protocol: 'toy',
      ssid: bytesToHex(ssid),
      from: 'mallory',
      to: 'a',
      round: 1,
      kind: 'msg',
      payload: u32be(1),
    },
    { protocol: 'toy', ssid: bytesToHex(ssid), from: 'a', to: 'a', round: 1, kind: 'msg', payload: u32be(1) },
  ];
  const r = run({ ssid, inject: forged });
  for (const p of parties) assert.deepEqual(r.outcomes[p], { status: 'done', output: 16 });
  assert.deepEqual(
    r.rejected.a?.map((x) => [x.code, x.culprits]),
    [
      ['protocol.header_mismatch', ['b']],
      ['protocol.header_mismatch', ['b']],
      ['protocol.unexpected_sender', ['mallory']],
      ['protocol.unexpected_sender', ['a']],
    ],
  );
});

test('a message claiming a round far ahead is refused, not queued', () => {
  const r = run({
    rules: [rewrite({ from: 'b', to: 'a', round: 2 }, (e) => ({ ...e, round: 9 }))],
    expire: true,
  });
  assert.equal(r.rejected.a?.[0]?.code, 'protocol.header_mismatch');
  assert.equal(r.outcomes.a?.status, 'aborted');
});

test('a protocol that throws ends as an abort value, not an exception', () => {
  const ctx: SessionContext = {
    protocol: 'x',
    ssid: new Uint8Array(32),
    self: 'a',
    parties: ['a', 'b'],
    random: () => new Uint8Array(),
  };
  const runner = new SessionRunner<number>(ctx, () => {
    throw new Error('boom');
  });
  const u = runner.start();
  assert.equal(u.status, 'aborted');
  assert.equal(u.abort?.code, 'protocol.malformed');
});

test('the echo exchange runs with three or more parties and is skipped with two, where it is vacuous', () => {
  const echoes = (ps: string[]) =>
    simulate<number>({ protocol: 'toy', parties: ps, start: toy }).sent.filter((e) => e.kind === 'echo')
      .length;
  assert.equal(echoes(['a', 'b', 'c']), 6, 'each of 3 parties echoes to the 2 others');
  assert.equal(echoes(['a', 'b']), 0);
  const two = simulate<number>({ protocol: 'toy', parties: ['a', 'b'], start: toy });
  for (const p of ['a', 'b']) assert.equal(two.outcomes[p]?.status, 'done');
});
