/**
 * One adversarial test per check in the round doc comments (round1.ts, round2.ts, online.ts) and
 * per engine guarantee the protocol relies on (equivocation, replay, outsiders), driven by the
 * simulated network's fault rules and the ideal 2P-MUL's fault injection. Each failing check must
 * abort with its code, name the culprit where the protocol can, and the parties that detected it
 * must send no round-3 value. node-2 is the cheater unless a test says otherwise.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sha256 } from '@noble/hashes/sha2.js';
import { type Bytes, utf8 } from '../../../crypto/bytes.ts';
import { decodeFields, encodeFields } from '../../../crypto/lp.ts';
import { SecretBytes } from '../../../crypto/secret.ts';
import { getSuite } from '../../../crypto/suites/index.ts';
import {
  conflict,
  equivocate,
  flipBit,
  mutate,
  replay,
  rewrite,
  seededRandom,
} from '../../../engine/simulate/index.ts';
import type { Abort, Envelope, PartyId } from '../../../engine/types.ts';
import type { DkgOutput } from '../../dkg/types.ts';
import { testSeed } from '../../testing/fixtures.ts';
import { ROUND2_FIELDS } from './round1.ts';
import { assertValidEcdsa } from './testing/assert-ecdsa.ts';
import { type Dkls23Setup, runSign, setupDkls23 } from './testing/fixtures.ts';
import type { EcdsaSignatureOutput } from './types.ts';

const suite = getSuite('secp256k1');
const all = ['node-1', 'node-2', 'node-3'];
const honest = ['node-1', 'node-3'];
const digest = sha256(utf8('adversarial'));

type Result = ReturnType<typeof runSign>;

function expectAbort(
  r: Result,
  parties: PartyId[],
  code: Abort['code'],
  culprits: PartyId[],
  round?: number,
): void {
  for (const p of parties) {
    const o = r.outcomes[p];
    assert.equal(o?.status, 'aborted', `${p}: ${JSON.stringify(o)}`);
    if (o?.status !== 'aborted') continue;
    assert.equal(o.abort.code, code, `${p}: ${o.abort.detail}`);
    assert.deepEqual([...o.abort.culprits].sort(), culprits, `${p}: ${o.abort.detail}`);
    if (round !== undefined) assert.equal(o.abort.round, round);
    // The party that detected the fault released nothing of round 3.
    assert.ok(!r.sent.some((e) => e.from === p && e.round === 3), `${p} sent a round-3 value`);
  }
  for (const [p, o] of Object.entries(r.outcomes))
    assert.notEqual(o.status, 'done', `${p} must not output a signature`);
}

/** Replaces one named field of a round-2 message. */
const setField = (name: (typeof ROUND2_FIELDS)[number], value: (old: Bytes) => Bytes) => (payload: Bytes) => {
  const f = decodeFields(payload);
  const k = ROUND2_FIELDS.indexOf(name);
  f[k] = value(f[k] as Bytes);
  return encodeFields(f);
};
const randomPoint = (label: string) =>
  suite.encodePoint(suite.mulBase(suite.randomScalar(seededRandom(label, 'p'))));

function fresh(seed: string, faults?: Parameters<typeof setupDkls23>[0]['faults']): Dkls23Setup {
  return setupDkls23({ suite: 'secp256k1', n: 3, t: 2, seed, ...(faults ? { faults } : {}) });
}

test('round 1 check 1: a malformed round-1 message → malformed, naming the sender', () => {
  const seed = testSeed('dkls23-adv-r1-malformed');
  const r = runSign({
    setup: fresh(seed),
    signers: all,
    seed,
    digest,
    rules: [
      mutate({ from: 'node-2', round: 1, kind: 'msg' }, (p) => encodeFields(decodeFields(p).slice(0, 1))),
    ],
  });
  expectAbort(r, honest, 'protocol.malformed', ['node-2'], 1);
});

test('round 1 check 2: a tampered 2P-MUL receiver message → bad_ot naming the receiver; its pair states are discarded', () => {
  const seed = testSeed('dkls23-adv-r1-ot');
  const setup = fresh(seed);
  const r = runSign({
    setup,
    signers: all,
    seed,
    digest,
    rules: [
      mutate({ from: 'node-2', round: 1, kind: 'msg' }, (p) => {
        const f = decodeFields(p);
        f[1] = flipBit(f[1] as Bytes);
        return encodeFields(f);
      }),
    ],
  });
  expectAbort(r, honest, 'protocol.bad_ot', ['node-2'], 1);
  for (const p of honest) {
    const st = setup.mulStates[p]?.['node-2'];
    assert.ok(st?.sender.discarded && st.receiver.discarded, `${p} discarded its states with node-2`);
  }
  // No retry on the same OT state: the next session is refused before anything is sent.
  const again = runSign({ setup, signers: ['node-1', 'node-2'], seed: `${seed}/again`, digest });
  const o = again.outcomes['node-1'];
  assert.ok(o?.status === 'aborted' && /discarded/.test(o.abort.detail), JSON.stringify(o));
  assert.ok(!again.sent.some((e) => e.from === 'node-1'));
});

test('round 1 check 2: an OT-extension failure inside the 2P-MUL → bad_ot naming the receiver', () => {
  const seed = testSeed('dkls23-adv-r1-ot-injected');
  const setup = fresh(seed, { failOt: (i) => i.receiver === 'node-2' });
  const r = runSign({ setup, signers: all, seed, digest });
  expectAbort(r, honest, 'protocol.bad_ot', ['node-2'], 1);
});

for (const [what, rule] of [
  ['a different salt', setField('salt', (old) => flipBit(old))],
  ['a different R_j', setField('R', () => randomPoint('other-R'))],
] as const)
  test(`round 2 check 2: opening the R commitment with ${what} → bad_decommitment naming the sender`, () => {
    const seed = testSeed('dkls23-adv-decommit');
    const r = runSign({
      setup: fresh(seed),
      signers: all,
      seed,
      digest,
      rules: [mutate({ from: 'node-2', round: 2, kind: 'msg' }, rule)],
    });
    expectAbort(r, honest, 'protocol.bad_decommitment', ['node-2'], 2);
  });

test('round 2 check 1: an identity/off-curve point or non-canonical scalar → malformed naming the sender', () => {
  const seed = testSeed('dkls23-adv-r2-malformed');
  const setup = fresh(seed);
  const order = suite.encodeScalar(suite.order - 1n);
  order[31] = (order[31] as number) + 1; // = q: not canonical
  for (const rule of [
    setField('gammaU', () => new Uint8Array(33)),
    setField('pk', () => new Uint8Array(33).fill(0xff)),
    setField('psi', () => order),
    setField('zeroPoints', () => encodeFields([randomPoint('z')])),
  ]) {
    const r = runSign({
      setup,
      signers: all,
      seed,
      digest,
      rules: [mutate({ from: 'node-2', round: 2, kind: 'msg' }, rule)],
    });
    expectAbort(r, honest, 'protocol.malformed', ['node-2'], 2);
  }
});

test('round 2 check 3: the 2P-MUL verification fails → bad_mul naming the sender; pair states discarded', () => {
  const seed = testSeed('dkls23-adv-r2-mul');
  const setup = fresh(seed, { failMul: (i) => i.sender === 'node-2' });
  const r = runSign({ setup, signers: all, seed, digest });
  expectAbort(r, honest, 'protocol.bad_mul', ['node-2'], 2);
  assert.ok(setup.mulStates['node-1']?.['node-2']?.receiver.discarded);
});

for (const [check, field, offsets] of [
  ['4 (Γ^u)', 'gammaU', [1n, 0n]],
  ['5 (Γ^v)', 'gammaV', [0n, 1n]],
] as const) {
  test(`round 2 check ${check}: a wrong Γ point → bad_mul naming the sender`, () => {
    const seed = testSeed(`dkls23-adv-${field}`);
    const r = runSign({
      setup: fresh(seed),
      signers: all,
      seed,
      digest,
      rules: [
        mutate(
          { from: 'node-2', round: 2, kind: 'msg' },
          setField(field, () => randomPoint(field)),
        ),
      ],
    });
    expectAbort(r, honest, 'protocol.bad_mul', ['node-2'], 2);
  });

  test(`round 2 check ${check}: the sender multiplied something else than it committed to → bad_mul naming it`, () => {
    const seed = testSeed(`dkls23-adv-${field}-shares`);
    // The ideal 2P-MUL hands the receivers d with c + d ≠ input·χ for node-2's instances.
    const setup = fresh(seed, { corruptShares: (i) => (i.sender === 'node-2' ? offsets : undefined) });
    const r = runSign({ setup, signers: all, seed, digest });
    expectAbort(r, honest, 'protocol.bad_mul', ['node-2'], 2);
    assert.match(
      (r.outcomes['node-1'] as { abort: Abort }).abort.detail,
      field === 'gammaU' ? /Γ\^u/ : /Γ\^v/,
    );
  });
}

test('round 2: a pk_j inconsistent with the sender’s 2P-MUL input → bad_mul (Γ^v) naming the sender', () => {
  const seed = testSeed('dkls23-adv-pk');
  const r = runSign({
    setup: fresh(seed),
    signers: all,
    seed,
    digest,
    rules: [
      mutate(
        { from: 'node-2', round: 2, kind: 'msg' },
        setField('pk', () => randomPoint('pk')),
      ),
    ],
  });
  expectAbort(r, honest, 'protocol.bad_mul', ['node-2'], 2);
});

test('round 2 check 6: a signer using a wrong key share consistently → bad_public_share naming it', () => {
  const seed = testSeed('dkls23-adv-pk-sum');
  const setup = fresh(seed);
  const real = setup.keys['node-2'] as DkgOutput;
  const wrong = suite.Fn.add(suite.decodeScalar(real.signingShare.expose()), 1n);
  const forged: DkgOutput = {
    ...real,
    signingShare: new SecretBytes(suite.encodeScalar(wrong)),
    // Its own view is self-consistent, so its start-up check passes; the others hold the real PK_2.
    verifyingShares: { ...real.verifyingShares, 'node-2': suite.encodePoint(suite.mulBase(wrong)) },
  };
  const r = runSign({ setup, signers: all, seed, digest, keyOverride: { 'node-2': forged } });
  expectAbort(r, honest, 'protocol.bad_public_share', ['node-2'], 2);
});

test('round 2 check 6: a zero-sharing seed the pair disagrees on → bad_public_share; a bystander blames nobody', () => {
  const seed = testSeed('dkls23-adv-zero-seed');
  const setup = fresh(seed);
  const seeds = {
    ...setup.zeroSeeds,
    'node-2': { ...setup.zeroSeeds['node-2'], 'node-3': new SecretBytes(new Uint8Array(32).fill(9)) },
  };
  const r = runSign({ setup: { ...setup, zeroSeeds: seeds } as Dkls23Setup, signers: all, seed, digest });
  const bystander = r.outcomes['node-1'];
  assert.ok(bystander?.status === 'aborted' && bystander.abort.code === 'protocol.bad_public_share');
  if (bystander?.status === 'aborted') {
    assert.deepEqual(bystander.abort.culprits, []);
    assert.match(bystander.abort.detail, /node-2\/node-3/);
  }
  // Each end of the pair names the other: from its view the other reported a wrong z·G.
  expectAbort(r, ['node-3'], 'protocol.bad_public_share', ['node-2'], 2);
  expectAbort(r, ['node-2'], 'protocol.bad_public_share', ['node-3'], 2);
});

test('round 3: an equivocated (u_j, w_j) broadcast fails verification at its recipient, naming nobody; the other signs', () => {
  const seed = testSeed('dkls23-adv-r3-equivocate');
  const r = runSign({
    setup: fresh(seed),
    signers: all,
    seed,
    digest,
    rules: [
      equivocate({ from: 'node-2', to: 'node-3', round: 3, kind: 'msg' }, (p) => {
        const f = decodeFields(p);
        f[2] = suite.encodeScalar(suite.Fn.add(suite.decodeScalar(f[2] as Bytes), 1n));
        return encodeFields(f);
      }),
    ],
  });
  const o3 = r.outcomes['node-3'];
  assert.ok(o3?.status === 'aborted' && o3.abort.code === 'sign.verify_failed', JSON.stringify(o3));
  if (o3?.status === 'aborted') assert.deepEqual(o3.abort.culprits, []);
  const o1 = r.outcomes['node-1'];
  assert.equal(o1?.status, 'done');
  const groupKey = (fresh(seed).keys['node-1'] as DkgOutput).groupPublicKey;
  if (o1?.status === 'done')
    assertValidEcdsa('secp256k1', o1.output as EcdsaSignatureOutput, groupKey, digest);
});

test('round 3: two different messages for one slot → equivocation naming the sender', () => {
  const seed = testSeed('dkls23-adv-r3-conflict');
  const r = runSign({
    setup: fresh(seed),
    signers: all,
    seed,
    digest,
    rules: [conflict({ from: 'node-2', to: 'node-1', round: 3, kind: 'msg' }, (p) => flipBit(p))],
  });
  const o = r.outcomes['node-1'];
  assert.ok(o?.status === 'aborted' && o.abort.code === 'protocol.equivocation', JSON.stringify(o));
  if (o?.status === 'aborted') assert.deepEqual(o.abort.culprits, ['node-2']);
});

test('round 2: two different round-2 messages for one slot → equivocation naming the sender', () => {
  const seed = testSeed('dkls23-adv-r2-conflict');
  const r = runSign({
    setup: fresh(seed),
    signers: all,
    seed,
    digest,
    rules: [
      conflict(
        { from: 'node-2', round: 2, kind: 'msg' },
        setField('psi', () => suite.encodeScalar(7n)),
      ),
    ],
  });
  // A party may already have finished round 2 on the first (fully checked) message and released its
  // round-3 value, which is safe: the second copy only ends the session.
  for (const p of honest) {
    const o = r.outcomes[p];
    assert.ok(o?.status === 'aborted' && o.abort.code === 'protocol.equivocation', JSON.stringify(o));
    if (o?.status === 'aborted') assert.deepEqual(o.abort.culprits, ['node-2']);
  }
});

test('round 3 checks 1-2: a malformed round-3 message → malformed; a different digest → confirm_mismatch', () => {
  const seed = testSeed('dkls23-adv-r3');
  const setup = fresh(seed);
  const r = runSign({
    setup,
    signers: all,
    seed,
    digest,
    rules: [
      mutate({ from: 'node-2', round: 3, kind: 'msg' }, (p) => encodeFields(decodeFields(p).slice(0, 2))),
    ],
  });
  for (const p of honest) {
    const o = r.outcomes[p];
    assert.ok(o?.status === 'aborted' && o.abort.code === 'protocol.malformed', JSON.stringify(o));
    if (o?.status === 'aborted') assert.deepEqual(o.abort.culprits, ['node-2']);
  }
  const r2 = runSign({
    setup,
    signers: all,
    seed: `${seed}/2`,
    digest,
    digests: { 'node-2': sha256(utf8('other')) },
  });
  for (const p of all) {
    const o = r2.outcomes[p];
    assert.ok(o?.status === 'aborted' && o.abort.code === 'protocol.confirm_mismatch', JSON.stringify(o));
  }
});

test('replays: exact duplicates are dropped; a message from another session is refused; the session still signs', () => {
  const seed = testSeed('dkls23-adv-replay');
  const setup = fresh(seed);
  const first = runSign({ setup, signers: all, seed, digest });
  const old = first.sent.filter((e) => e.from === 'node-2' && e.to === 'node-1');
  assert.ok(old.length >= 3);
  const r = runSign({
    setup,
    signers: all,
    seed: `${seed}/second`,
    digest,
    rules: [replay({ from: 'node-2' }, 2)],
    inject: old as Envelope[],
  });
  for (const p of all) assert.equal(r.outcomes[p]?.status, 'done', JSON.stringify(r.outcomes[p]));
  assert.ok((r.rejected['node-1'] ?? []).some((a) => a.code === 'protocol.header_mismatch'));
});

test('replays: a round-1 message replayed as the sender’s round-2 message → malformed naming it', () => {
  const seed = testSeed('dkls23-adv-replay-round');
  const r = runSign({
    setup: fresh(seed),
    signers: all,
    seed,
    digest,
    rules: [
      (env) =>
        env.from === 'node-2' && env.round === 1 && env.kind === 'msg'
          ? [{ ...env, round: 2 }, env]
          : undefined,
    ],
  });
  expectAbort(r, honest, 'protocol.malformed', ['node-2'], 2);
});

test('a message from outside S is refused (unexpected_sender) and cannot stand in for a signer', () => {
  const seed = testSeed('dkls23-adv-outsider');
  const setup = fresh(seed);
  const signers = ['node-1', 'node-2'];
  // node-3 holds a share of the key but is not in S.
  const forged: Envelope = {
    protocol: 'tkms/dkls23-sign/v1',
    ssid: '',
    from: 'node-3',
    to: 'node-1',
    round: 1,
    kind: 'msg',
    payload: new Uint8Array(8),
  };
  const ssid = seededRandom(seed, 'ssid')(32);
  const ssidHex = Array.from(ssid, (b) => b.toString(16).padStart(2, '0')).join('');
  const r = runSign({ setup, signers, seed, digest, ssid, inject: [{ ...forged, ssid: ssidHex }] });
  for (const p of signers) assert.equal(r.outcomes[p]?.status, 'done');
  assert.ok((r.rejected['node-1'] ?? []).some((a) => a.code === 'protocol.unexpected_sender'));

  // node-2's round-2 message relabelled as coming from node-3: refused, and node-1 never gets node-2's.
  const r2 = runSign({
    setup,
    signers,
    seed: `${seed}/2`,
    digest,
    expire: true,
    rules: [rewrite({ from: 'node-2', to: 'node-1', round: 2 }, (e) => ({ ...e, from: 'node-3' }))],
  });
  const o = r2.outcomes['node-1'];
  assert.ok(o?.status === 'aborted' && o.abort.code === 'protocol.timeout', JSON.stringify(o));
  if (o?.status === 'aborted') assert.deepEqual(o.abort.culprits, ['node-2']);
  assert.ok(!r2.sent.some((e) => e.from === 'node-1' && e.round === 3));
  assert.ok((r2.rejected['node-1'] ?? []).some((a) => a.code === 'protocol.unexpected_sender'));
});
