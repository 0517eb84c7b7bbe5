/**
 * One adversarial test per check in the FROST round-1 doc comment (round1.ts) and in the
 * aggregator, plus the ROS defence (binding factors change with any commitment, the message, the
 * signer set or the key) and single use of nonces.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ED25519_TORSION_SUBGROUP, ed25519 } from '@noble/curves/ed25519.js';
import { type Bytes, bytesToHex, concatBytes, utf8 } from '../../crypto/bytes.ts';
import { decodeFields, encodeFields } from '../../crypto/lp.ts';
import { SecretBytes } from '../../crypto/secret.ts';
import { equivocate, mutate, seededRandom } from '../../engine/simulate/index.ts';
import type { Abort, PartyId, SessionContext } from '../../engine/types.ts';
import { TkmsError } from '../../errors/tkms-error.ts';
import type { DkgOutput } from '../dkg/types.ts';
import { readIdentifiers } from '../key-share.ts';
import { dkgKeys, runSign, testSeed } from '../testing/fixtures.ts';
import { aggregateFrost } from './aggregate.ts';
import { BIP340, ED25519, type FrostCiphersuite, type FrostMode, type Taproot } from './ciphersuite.ts';
import { computeBindingFactors, prepareSigning, type SignerCommitment } from './core.ts';
import { startFrostSignWith } from './sign.ts';
import { FROST_SIGN_PROTOCOL, type FrostShareOutput } from './types.ts';

const message = utf8('transfer 1 BTC');
const signers = ['node-1', 'node-2', 'node-3'];
const R1 = { from: 'node-2', round: 1, kind: 'msg' } as const;

type Outcomes = ReturnType<typeof runSign>['outcomes'];

function expectAbort(out: Outcomes, honest: PartyId[], code: Abort['code'], culprits: PartyId[]): void {
  for (const p of honest) {
    const o = out[p];
    assert.equal(o?.status, 'aborted', `${p}: ${JSON.stringify(o)}`);
    if (o?.status === 'aborted') {
      assert.equal(o.abort.code, code, o.abort.detail);
      assert.deepEqual([...o.abort.culprits].sort(), culprits, o.abort.detail);
    }
  }
  // No signer released a share.
  for (const [p, o] of Object.entries(out)) assert.notEqual(o.status, 'done', `${p} must not output a share`);
}

const keysFor = (mode: FrostMode, seed: string) =>
  dkgKeys(mode === 'ed25519' ? 'ed25519' : 'secp256k1', 3, 2, seed);

for (const mode of ['ed25519', 'bip340'] as FrostMode[]) {
  const cs: FrostCiphersuite = mode === 'ed25519' ? ED25519 : BIP340;

  test(`${mode} round 1 check 1: commitments payload with the wrong field count → malformed`, () => {
    const seed = testSeed(`frost-${mode}-r1-c1`);
    const keys = keysFor(mode, seed);
    const { outcomes } = runSign({
      keys,
      signers,
      message,
      mode,
      seed,
      rules: [mutate(R1, (p) => encodeFields(decodeFields(p).slice(0, 1)))],
    });
    expectAbort(outcomes, ['node-1', 'node-3'], 'protocol.malformed', ['node-2']);
  });

  for (const [check, index] of [
    ['2 (hiding D)', 0],
    ['3 (binding E)', 1],
  ] as const) {
    test(`${mode} round 1 check ${check}: identity, off-curve or non-canonical commitment → bad_commitment`, () => {
      const seed = testSeed(`frost-${mode}-r1-c${index + 2}`);
      const keys = keysFor(mode, seed);
      const bads: Bytes[] = [new Uint8Array(cs.suite.pointLength).fill(0xff)];
      if (mode === 'ed25519') {
        bads.push(concatBytes(new Uint8Array([1]), new Uint8Array(31))); // the identity
        bads.push(ed25519.Point.fromHex(ED25519_TORSION_SUBGROUP[2] as string).toBytes()); // small order
        bads.push(
          ed25519.Point.BASE.add(ed25519.Point.fromHex(ED25519_TORSION_SUBGROUP[1] as string)).toBytes(),
        );
      } else {
        bads.push(new Uint8Array(33)); // SEC1 has no 33-byte identity
        const G = cs.suite.encodePoint(cs.suite.G);
        bads.push(concatBytes(new Uint8Array([4]), G.subarray(1))); // wrong prefix
      }
      for (const bad of bads) {
        const { outcomes } = runSign({
          keys,
          signers,
          message,
          mode,
          seed,
          rules: [
            mutate(R1, (p) => {
              const f = decodeFields(p);
              f[index] = bad;
              return encodeFields(f);
            }),
          ],
        });
        expectAbort(outcomes, ['node-1', 'node-3'], 'protocol.bad_commitment', ['node-2']);
      }
    });
  }

  test(`${mode} round 1 echo: equivocated (valid) commitments → echo_mismatch, no share released`, () => {
    const seed = testSeed(`frost-${mode}-echo`);
    const keys = keysFor(mode, seed);
    const other = cs.suite.encodePoint(cs.suite.mulBase(cs.suite.randomScalar(seededRandom(seed, 'alt'))));
    const r = runSign({
      keys,
      signers,
      message,
      mode,
      seed,
      rules: [
        equivocate({ ...R1, to: 'node-3' }, (p) => {
          const f = decodeFields(p);
          f[1] = other;
          return encodeFields(f);
        }),
      ],
    });
    for (const p of ['node-1', 'node-3']) {
      const o = r.outcomes[p];
      assert.equal(o?.status, 'aborted');
      if (o?.status === 'aborted') assert.equal(o.abort.code, 'protocol.echo_mismatch');
    }
    for (const o of Object.values(r.outcomes)) assert.notEqual(o.status, 'done');
  });

  for (const taproot of mode === 'bip340'
    ? [undefined, { merkleRoot: new Uint8Array(32).fill(9) }]
    : [undefined]) {
    const label = taproot ? ' (taproot)' : '';
    test(`${mode}${label} aggregate: a bad signature share is caught and its sender named`, () => {
      const seed = testSeed(`frost-${mode}-agg`);
      const keys = keysFor(mode, seed);
      const run = (signerSet: string[], s: string) => {
        const { outcomes } = runSign({
          keys,
          signers: signerSet,
          message,
          mode,
          seed: s,
          ...(taproot ? { taproot } : {}),
        });
        const outs: Record<string, FrostShareOutput> = {};
        for (const [p, o] of Object.entries(outcomes)) {
          assert.equal(o.status, 'done');
          if (o.status === 'done') outs[p] = o.output;
        }
        return outs;
      };
      const outs = run(signers, seed);
      const key = keys['node-1'] as DkgOutput;
      const agg = (shares: Record<string, Bytes>) => aggWith(shares, taproot);
      const aggWith = (shares: Record<string, Bytes>, tp: Taproot | undefined) =>
        aggregateFrost({
          mode,
          groupPublicKey: key.groupPublicKey,
          verifyingShares: key.verifyingShares,
          identifiers: key.identifiers,
          message,
          commitments: (outs['node-1'] as FrostShareOutput).commitments,
          shares,
          ...(tp ? { taproot: tp } : {}),
        });
      const good = Object.fromEntries(Object.entries(outs).map(([p, o]) => [p, o.share]));
      assert.equal(agg(good).length, 64);
      const bump = (b: Bytes) => cs.suite.encodeScalar(cs.suite.Fn.add(cs.suite.decodeScalar(b), 1n));
      const expectCulprits = (shares: Record<string, Bytes>, code: string, culprits: string[]) => {
        assert.throws(
          () => agg(shares),
          (e: unknown) =>
            e instanceof TkmsError &&
            e.code === code &&
            JSON.stringify([...e.culprits].sort()) === JSON.stringify(culprits),
        );
      };
      expectCulprits({ ...good, 'node-2': bump(good['node-2'] as Bytes) }, 'protocol.bad_signature_share', [
        'node-2',
      ]);
      expectCulprits(
        { ...good, 'node-1': bump(good['node-1'] as Bytes), 'node-3': bump(good['node-3'] as Bytes) },
        'protocol.bad_signature_share',
        ['node-1', 'node-3'],
      );
      // A share from another session (same signer, other nonces) is caught as well.
      const other = run(signers, `${seed}/other`);
      expectCulprits(
        { ...good, 'node-3': (other['node-3'] as FrostShareOutput).share },
        'protocol.bad_signature_share',
        ['node-3'],
      );
      // Non-canonical scalar.
      expectCulprits({ ...good, 'node-2': new Uint8Array(32).fill(0xff) }, 'protocol.bad_signature_share', [
        'node-2',
      ]);
      // A commitment that does not decode is blamed on its signer.
      assert.throws(
        () =>
          aggregateFrost({
            mode,
            groupPublicKey: key.groupPublicKey,
            verifyingShares: key.verifyingShares,
            identifiers: key.identifiers,
            message,
            commitments: {
              ...(outs['node-1'] as FrostShareOutput).commitments,
              'node-3': {
                hiding: new Uint8Array(cs.suite.pointLength),
                binding: new Uint8Array(cs.suite.pointLength),
              },
            },
            shares: good,
            ...(taproot ? { taproot } : {}),
          }),
        (e: unknown) =>
          e instanceof TkmsError && e.code === 'protocol.bad_commitment' && e.culprits[0] === 'node-3',
      );
      // Shares and commitments for different signer sets.
      const { 'node-3': _dropped, ...two } = good;
      assert.throws(
        () => agg(two),
        (e: unknown) => e instanceof TkmsError && e.code === 'sign.signers_invalid',
      );
      if (taproot) {
        // Aggregating under the wrong tweak: no share verifies, nothing is returned.
        assert.throws(
          () => aggWith(good, undefined),
          (e: unknown) => e instanceof TkmsError && e.code === 'protocol.bad_signature_share',
        );
      }
    });
  }
}

/** Two ed25519 signers driven by hand, returning their rounds and payloads. */
function handDriven(cs: FrostCiphersuite, seed: string) {
  const keys = dkgKeys('ed25519', 3, 2, seed);
  const pair = ['node-1', 'node-2'];
  return pair.map((self) => {
    const ctx: SessionContext = {
      protocol: FROST_SIGN_PROTOCOL,
      ssid: new Uint8Array(32),
      self,
      parties: pair,
      random: seededRandom(seed, self),
    };
    const step = startFrostSignWith(cs, ctx, { key: keys[self] as DkgOutput, signers: pair, message });
    if (step.type !== 'continue') throw new Error('start failed');
    return { self, round: step.round, payload: step.outbox[0]?.payload as Bytes };
  });
}

test('round 1 check 4: a group commitment equal to the identity aborts (degenerate H1 to reach it)', () => {
  // With a real H1 no party can steer R to the identity (ρ depends on its own commitments), so the
  // check is reached by zeroing the binding factor and cancelling D.
  const cs: FrostCiphersuite = { ...ED25519, hashes: { ...ED25519.hashes, H1: () => 0n } };
  const [a, b] = handDriven(cs, testSeed('frost-identity-R'));
  if (!a || !b) throw new Error('setup');
  const [D1, E1] = decodeFields(a.payload) as [Bytes, Bytes];
  const negD1 = ed25519.Point.fromBytes(D1).negate().toBytes();
  const v = a.round.verify('node-2', encodeFields([negD1, E1]));
  assert.ok(v.ok);
  if (v.ok) a.round.store('node-2', v.value);
  const step = a.round.finalize();
  assert.equal(step.type, 'abort');
  if (step.type === 'abort') assert.equal(step.abort.code, 'protocol.bad_commitment');
});

test('round 1 check 5: nonces are single-use — a second finalize refuses, even after an abort', () => {
  const [a, b] = handDriven(ED25519, testSeed('frost-nonce-reuse'));
  if (!a || !b) throw new Error('setup');
  const v = a.round.verify('node-2', b.payload);
  assert.ok(v.ok);
  if (v.ok) a.round.store('node-2', v.value);
  const first = a.round.finalize();
  assert.equal(first.type, 'done');
  assert.throws(() => a.round.finalize(), /nonces already used/);
  // A rejected message does not consume or change anything (verify is pure).
  const [c, d] = handDriven(ED25519, testSeed('frost-verify-pure'));
  if (!c || !d) throw new Error('setup');
  assert.equal(c.round.verify('node-2', new Uint8Array(3)).ok, false);
  const ok = c.round.verify('node-2', d.payload);
  assert.ok(ok.ok);
});

test('ROS defence: every binding factor changes when any commitment, the message, the signer set or the key changes', () => {
  const seed = testSeed('frost-ros');
  const keys = dkgKeys('secp256k1', 3, 2, seed);
  const key = keys['node-1'] as DkgOutput;
  const suite = BIP340.suite;
  const rnd = seededRandom(seed, 'commitments');
  const point = () => suite.mulBase(suite.randomScalar(rnd));
  const ids = readIdentifiers(suite, key.identifiers, signers);
  const list: SignerCommitment[] = signers.map((p) => ({
    party: p,
    id: ids.get(p) as bigint,
    D: point(),
    E: point(),
  }));
  const sk = BIP340.signingKey(suite.decodePoint(key.groupPublicKey));
  const rho = (l: SignerCommitment[], m: Bytes, k = sk) => computeBindingFactors(BIP340, k, l, m).rho;
  const base = rho(list, message);
  const allDiffer = (other: Map<string, bigint>, parties: string[]) => {
    for (const p of parties) assert.notEqual(other.get(p), base.get(p), `ρ of ${p} unchanged`);
  };
  // Distinct per signer.
  assert.equal(new Set(base.values()).size, 3);
  // Changing node-3's binding commitment changes node-1's and node-2's binding factors too.
  allDiffer(
    rho(
      list.map((c) => (c.party === 'node-3' ? { ...c, E: point() } : c)),
      message,
    ),
    signers,
  );
  allDiffer(
    rho(
      list.map((c) => (c.party === 'node-2' ? { ...c, D: point() } : c)),
      message,
    ),
    signers,
  );
  allDiffer(rho(list, utf8('transfer 2 BTC')), signers);
  allDiffer(rho(list.slice(0, 2), message), ['node-1', 'node-2']);
  allDiffer(
    rho(
      list,
      message,
      BIP340.signingKey(suite.decodePoint(key.groupPublicKey), { merkleRoot: new Uint8Array(0) }),
    ),
    signers,
  );
  // The list order given does not matter: it is sorted by identifier before hashing.
  const shuffled = rho([...list].reverse(), message);
  for (const p of signers) assert.equal(shuffled.get(p), base.get(p));
  // And the group commitment R follows the binding factors.
  const R = prepareSigning(BIP340, sk, list, message).R;
  const R2 = prepareSigning(BIP340, sk, list, utf8('transfer 2 BTC')).R;
  assert.equal(R.equals(R2), false);
  // The RFC secp256k1 ciphersuite and the BIP340 mode never share binding factors.
  assert.notEqual(
    bytesToHex(suite.encodeScalar(BIP340.hashes.H1(utf8('x')))),
    bytesToHex(suite.encodeScalar(suite.frost.H1(utf8('x')))),
  );
});

test('signing share is used through SecretBytes and outputs carry no nonce material', () => {
  const seed = testSeed('frost-output');
  const keys = dkgKeys('ed25519', 3, 2, seed);
  const { outcomes } = runSign({ keys, signers: ['node-1', 'node-3'], message, mode: 'ed25519', seed });
  for (const o of Object.values(outcomes)) {
    assert.equal(o.status, 'done');
    if (o.status !== 'done') continue;
    assert.deepEqual(Object.keys(o.output).sort(), ['commitments', 'groupCommitment', 'share']);
    assert.deepEqual(Object.keys(o.output.commitments), ['node-1', 'node-3']);
    assert.equal(o.output.share.length, 32);
  }
  assert.equal(JSON.stringify({ s: new SecretBytes(new Uint8Array(32)) }), '{"s":"[secret]"}');
});

test('public entry points accept only the ed25519 and bip340 modes', () => {
  const keys = dkgKeys('secp256k1', 3, 2, 'modes');
  const { outcomes } = runSign({
    keys,
    signers: ['node-1', 'node-2'],
    message,
    mode: 'secp256k1' as FrostMode,
    seed: 'modes',
  });
  for (const o of Object.values(outcomes))
    assert.equal(o.status === 'aborted' && o.abort.code, 'request.invalid');
  const k = keys['node-1'] as DkgOutput;
  assert.throws(
    () =>
      aggregateFrost({
        mode: 'secp256k1' as FrostMode,
        groupPublicKey: k.groupPublicKey,
        verifyingShares: k.verifyingShares,
        identifiers: k.identifiers,
        message,
        commitments: {},
        shares: {},
      }),
    (e: unknown) => e instanceof TkmsError && e.code === 'request.invalid',
  );
});

test('aggregator: a commitment with a torsion component never yields a signature and is blamed', () => {
  const seed = testSeed('frost-agg-torsion');
  const keys = dkgKeys('ed25519', 3, 2, seed);
  const pair = ['node-1', 'node-2'];
  const { outcomes } = runSign({ keys, signers: pair, message, mode: 'ed25519', seed });
  const outs = Object.fromEntries(
    Object.entries(outcomes).map(([p, o]) => {
      if (o.status !== 'done') throw new Error('sign failed');
      return [p, o.output];
    }),
  );
  const key = keys['node-1'] as DkgOutput;
  const c = (outs['node-1'] as FrostShareOutput).commitments;
  const T = ed25519.Point.fromHex(ED25519_TORSION_SUBGROUP[4] as string); // order 2
  const tainted = ed25519.Point.fromBytes(c['node-2']?.hiding as Bytes)
    .add(T)
    .toBytes();
  assert.throws(
    () =>
      aggregateFrost({
        mode: 'ed25519',
        groupPublicKey: key.groupPublicKey,
        verifyingShares: key.verifyingShares,
        identifiers: key.identifiers,
        message,
        commitments: { ...c, 'node-2': { hiding: tainted, binding: c['node-2']?.binding as Bytes } },
        shares: Object.fromEntries(Object.entries(outs).map(([p, o]) => [p, o.share])),
      }),
    (e: unknown) =>
      e instanceof TkmsError && e.code === 'protocol.bad_commitment' && e.culprits.join() === 'node-2',
  );
});
