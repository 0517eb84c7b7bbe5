/**
 * The DKLs23 key setup end to end on the simulated network: every party of a freshly generated key
 * gets the same chain code, a zero seed per peer that the peer holds too, and a sender and a
 * receiver 2P-MUL state per peer — and those, reloaded from their storage encoding, let DKLs23
 * sign with the real OT-based 2P-MUL (signatures checked with @noble/curves).
 * n = 3 on secp256k1 and n = 2 on P-256: each ordered pair's base OTs cost ≈ 0.9 s on noble.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sha256 } from '@noble/hashes/sha2.js';
import { type Bytes, bytesToHex, equalBytes, utf8 } from '../../../crypto/bytes.ts';
import { seededRandom } from '../../../engine/simulate/index.ts';
import type { PartyId, SessionContext } from '../../../engine/types.ts';
import type { DkgOutput } from '../../dkg/types.ts';
import { dkgKeys, testSeed } from '../../testing/fixtures.ts';
import { derivePath } from '../bip32/ckd.ts';
import { decodeMulState, encodeMulState } from '../mul/index.ts';
import { assertValidEcdsa } from '../sign/testing/assert-ecdsa.ts';
import { outputsOf, runSign } from '../sign/testing/fixtures.ts';
import type { EcdsaSignatureOutput } from '../sign/types.ts';
import { startDkls23Setup } from './start.ts';
import { runSetup, setupParams, signingSetup } from './testing/run-setup.ts';
import { DKLS23_SETUP_PROTOCOL, type Dkls23SetupOutput } from './types.ts';

const hex = bytesToHex;

/** One honest n = 3 run (shuffled delivery) shared by the tests below: the base OTs are the cost. */
let shared: { keys: Record<PartyId, DkgOutput>; outputs: Record<PartyId, Dkls23SetupOutput> } | undefined;
function honestRun() {
  if (!shared) {
    const seed = testSeed('dkls23-setup-n3');
    const keys = dkgKeys('secp256k1', 3, 2, seed);
    const { outcomes } = runSetup({ keys, seed, shuffle: true });
    shared = { keys, outputs: outputsOf<Dkls23SetupOutput>(outcomes) };
  }
  return shared;
}

function assertConsistent(
  keys: Record<PartyId, DkgOutput>,
  outputs: Record<PartyId, Dkls23SetupOutput>,
): void {
  const parties = Object.keys(keys).sort();
  const first = outputs[parties[0] as PartyId] as Dkls23SetupOutput;
  assert.equal(first.chainCode.length, 32);
  assert.notEqual(hex(first.chainCode), '00'.repeat(32));
  for (const p of parties) {
    const o = outputs[p] as Dkls23SetupOutput;
    const key = keys[p] as DkgOutput;
    assert.equal(hex(o.chainCode), hex(first.chainCode), `${p} has another chain code`);
    assert.equal(hex(o.transcriptHash), hex(first.transcriptHash));
    assert.equal(hex(o.groupPublicKey), hex(key.groupPublicKey));
    assert.deepEqual(o.parties, parties);
    const peers = parties.filter((q) => q !== p);
    assert.deepEqual(Object.keys(o.mulStates).sort(), peers);
    assert.deepEqual(Object.keys(o.zeroSeeds).sort(), peers);
    for (const q of peers) {
      const st = o.mulStates[q];
      assert.ok(st);
      assert.deepEqual(
        [st.sender.role, st.sender.self, st.sender.peer, st.sender.discarded],
        ['sender', p, q, false],
      );
      assert.deepEqual(
        [st.receiver.role, st.receiver.self, st.receiver.peer, st.receiver.discarded],
        ['receiver', p, q, false],
      );
      // Symmetric seeds: the same 32 bytes at both ends, a different seed for every pair.
      const mine = o.zeroSeeds[q]?.expose() as Bytes;
      const theirs = (outputs[q] as Dkls23SetupOutput).zeroSeeds[p]?.expose() as Bytes;
      assert.equal(mine.length, 32);
      assert.ok(equalBytes(mine, theirs), `seed ${p}/${q} differs at the two ends`);
      // Secrets redact themselves.
      assert.equal(JSON.stringify(o.zeroSeeds[q]), '"[secret]"');
    }
  }
  const seeds = new Set<string>();
  for (const p of parties)
    for (const s of Object.values((outputs[p] as Dkls23SetupOutput).zeroSeeds)) seeds.add(hex(s.expose()));
  assert.equal(seeds.size, (parties.length * (parties.length - 1)) / 2, 'one seed per unordered pair');
}

test('n = 3 (secp256k1): one chain code and transcript hash everywhere; symmetric zero seeds; both 2P-MUL roles per peer', () => {
  const { keys, outputs } = honestRun();
  assertConsistent(keys, outputs);
});

test('n = 3: the 2P-MUL pair states survive their storage encoding and sign 2-of-3 and 3-of-3 with the OT 2P-MUL', () => {
  const { keys, outputs } = honestRun();
  const setup = signingSetup(keys, outputs);
  const parties = Object.keys(keys).sort();
  const groupKey = (keys[parties[0] as PartyId] as DkgOutput).groupPublicKey;
  for (const [k, signers] of [parties.slice(1), [parties[0], parties[2]], parties].entries()) {
    const digest = sha256(utf8(`setup then sign ${k}`));
    const { outcomes } = runSign({ setup, signers: signers as PartyId[], seed: `setup-sign-${k}`, digest });
    for (const sig of Object.values(outputsOf<EcdsaSignatureOutput>(outcomes)))
      assertValidEcdsa('secp256k1', sig, groupKey, digest);
  }
});

test('n = 3: a child key derived with the joint chain code signs under its derived key', () => {
  const { keys, outputs } = honestRun();
  const setup = signingSetup(keys, outputs);
  const parties = Object.keys(keys).sort();
  const o = outputs[parties[0] as PartyId] as Dkls23SetupOutput;
  const child = derivePath(o.groupPublicKey, o.chainCode, 'm/44/60/0/0/7', 'secp256k1');
  const digest = sha256(utf8('child'));
  const { outcomes } = runSign({
    setup,
    signers: parties.slice(0, 2),
    seed: 'setup-child',
    digest,
    tweak: child.tweak,
  });
  for (const sig of Object.values(outputsOf<EcdsaSignatureOutput>(outcomes)))
    assertValidEcdsa('secp256k1', sig, child.publicKey, digest);
});

test('n = 3: a stored pair state decodes to the same bytes and role (what the node persists)', () => {
  const { outputs } = honestRun();
  for (const o of Object.values(outputs))
    for (const st of Object.values(o.mulStates))
      for (const s of [st.sender, st.receiver]) {
        const blob = encodeMulState(s);
        assert.equal(JSON.stringify(blob), '"[secret]"');
        const back = decodeMulState(blob);
        assert.deepEqual([back.role, back.self, back.peer, back.discarded], [s.role, s.self, s.peer, false]);
        assert.ok(equalBytes(back.secret.expose(), s.secret.expose()));
      }
});

test('n = 2 (P-256): setup, then a 2-of-2 signature with the produced states and seeds', () => {
  const seed = testSeed('dkls23-setup-n2');
  const keys = dkgKeys('p256', 2, 2, seed);
  const { outcomes } = runSetup({ keys, seed });
  const outputs = outputsOf<Dkls23SetupOutput>(outcomes);
  assertConsistent(keys, outputs);
  const digest = sha256(utf8('two parties'));
  const parties = Object.keys(keys).sort();
  const { outcomes: signed } = runSign({
    setup: signingSetup(keys, outputs),
    signers: parties,
    seed,
    digest,
  });
  for (const sig of Object.values(outputsOf<EcdsaSignatureOutput>(signed)))
    assertValidEcdsa('p256', sig, (keys[parties[0] as PartyId] as DkgOutput).groupPublicKey, digest);
});

test('start refuses bad parameters before sampling or sending anything', () => {
  const keys = honestRun().keys;
  const key = keys['node-1'] as DkgOutput;
  const parties = [...key.parties];
  const ctx = (over: Partial<SessionContext> = {}): SessionContext => ({
    protocol: DKLS23_SETUP_PROTOCOL,
    ssid: new Uint8Array(32).fill(7),
    self: 'node-1',
    parties,
    random: () => {
      throw new Error('nothing may be sampled');
    },
    ...over,
  });
  const good = setupParams(key);
  const cases: [string, SessionContext, unknown, string][] = [
    ['ed25519 suite', ctx(), { ...good, suite: 'ed25519' }, 'key.type_unknown'],
    ['unsorted parties', ctx(), { ...good, parties: [...parties].reverse() }, 'request.invalid'],
    ['duplicate party', ctx(), { ...good, parties: ['node-1', 'node-1', 'node-2'] }, 'request.invalid'],
    ['parties ≠ session', ctx(), { ...good, parties: parties.slice(0, 2) }, 'request.invalid'],
    ['self not a party', ctx({ self: 'node-9' }), good, 'request.invalid'],
    ['one party', ctx({ parties: ['node-1'] }), { ...good, parties: ['node-1'] }, 'request.invalid'],
    ['short ssid', ctx({ ssid: new Uint8Array(16) }), good, 'request.invalid'],
    ['identity key', ctx(), { ...good, groupPublicKey: new Uint8Array(33) }, 'request.invalid'],
    ['off-curve key', ctx(), { ...good, groupPublicKey: new Uint8Array(33).fill(0xff) }, 'request.invalid'],
    ['key as hex', ctx(), { ...good, groupPublicKey: hex(key.groupPublicKey) }, 'request.invalid'],
  ];
  for (const [name, c, params, code] of cases) {
    const step = startDkls23Setup(c, params as Parameters<typeof startDkls23Setup>[1]);
    assert.equal(step.type, 'abort', name);
    if (step.type === 'abort') {
      assert.equal(step.abort.code, code, `${name}: ${step.abort.detail}`);
      assert.equal(step.abort.round, 0);
      assert.deepEqual(step.abort.culprits, []);
    }
  }
  // The good parameters start (with real randomness) and broadcast one round-1 message.
  const step = startDkls23Setup(ctx({ random: seededRandom('start', 'node-1') }), good);
  assert.equal(step.type, 'continue');
  if (step.type === 'continue')
    assert.deepEqual(
      step.outbox.map((m) => m.to),
      ['*'],
    );
});
