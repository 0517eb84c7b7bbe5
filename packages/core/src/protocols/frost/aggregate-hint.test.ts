/**
 * The aggregator's group-commitment hint can only save work, never change an outcome: a wrong or
 * malformed R falls back to recomputing R from the commitments, and a bad share is still named.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytesToHex, utf8 } from '../../crypto/bytes.ts';
import { getSuite } from '../../crypto/suites/index.ts';
import { TkmsError } from '../../errors/tkms-error.ts';
import type { DkgOutput } from '../dkg/types.ts';
import { dkgKeys, runSign, testSeed } from '../testing/fixtures.ts';
import { aggregateFrost, displayPublicKey, verifyFrostSignature } from './aggregate.ts';
import type { FrostMode, FrostShareOutput } from './types.ts';

for (const [suiteName, mode] of [
  ['ed25519', 'ed25519'],
  ['secp256k1', 'bip340'],
] as const) {
  test(`${mode}: the R hint is checked by verification, never trusted`, () => {
    const seed = testSeed(`hint-${mode}`);
    const keys = dkgKeys(suiteName, 3, 2, seed);
    const signers = ['node-1', 'node-3'];
    const message = utf8('hinted');
    const { outcomes } = runSign({ keys, signers, message, mode: mode as FrostMode, seed });
    const outs = Object.fromEntries(
      Object.entries(outcomes).map(([p, o]) => [p, (o as { output: FrostShareOutput }).output]),
    );
    const k = keys['node-1'] as DkgOutput;
    const first = outs['node-1'] as FrostShareOutput;
    assert.equal(
      bytesToHex(first.groupCommitment),
      bytesToHex((outs['node-3'] as FrostShareOutput).groupCommitment),
    );
    const base = {
      mode: mode as FrostMode,
      groupPublicKey: k.groupPublicKey,
      verifyingShares: k.verifyingShares,
      identifiers: k.identifiers,
      message,
      commitments: first.commitments,
      shares: Object.fromEntries(Object.entries(outs).map(([p, o]) => [p, o.share])),
    };
    const reference = aggregateFrost(base);
    const suite = getSuite(suiteName);
    const otherPoint = suite.encodePoint(suite.mulBase(12345n));
    for (const hint of [
      first.groupCommitment,
      otherPoint,
      new Uint8Array(suite.pointLength).fill(0xff),
      new Uint8Array(3),
    ]) {
      const sig = aggregateFrost({ ...base, groupCommitment: hint });
      assert.equal(bytesToHex(sig), bytesToHex(reference), 'same signature whatever the hint');
    }
    // A correct hint does not hide a bad share: the full path names its sender.
    const badShares = { ...base.shares, 'node-3': suite.encodeScalar(7n) };
    assert.throws(
      () => aggregateFrost({ ...base, shares: badShares, groupCommitment: first.groupCommitment }),
      (e: unknown) =>
        e instanceof TkmsError && e.code === 'protocol.bad_signature_share' && e.culprits.join() === 'node-3',
    );
    assert.equal(reference.length, 64);
    assert.ok(
      verifyFrostSignature(
        mode as FrostMode,
        displayPublicKey(mode as FrostMode, k.groupPublicKey),
        message,
        reference,
      ),
    );
    // The reported R is public: it is the signature's own R (ed25519) or its x-coordinate (bip340).
    const R = first.groupCommitment;
    assert.equal(bytesToHex(reference.subarray(0, 32)), bytesToHex(mode === 'ed25519' ? R : R.subarray(1)));
  });
}
