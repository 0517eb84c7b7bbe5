/**
 * Presigning (rounds 1-2 ahead of the message) and the online round: signatures verify under the
 * key (or a child key derived after presigning), the nonce is re-randomised (R of the signature is
 * not the presignature's R), a presignature signs once, survives its storage encoding, and
 * signers that disagree on the presignature or the digest stop before a signature exists.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, equalBytes, utf8 } from '../../../crypto/bytes.ts';
import { seededRandom } from '../../../engine/simulate/index.ts';
import type { PartyId } from '../../../engine/types.ts';
import { testSeed } from '../../testing/fixtures.ts';
import { derivePath } from '../bip32/ckd.ts';
import { decodePresignature, encodePresignature } from './presignature.ts';
import { assertValidEcdsa } from './testing/assert-ecdsa.ts';
import { outputsOf, runOnline, runPresign, setupDkls23 } from './testing/fixtures.ts';
import type { EcdsaSignatureOutput, Presignature } from './types.ts';

const signers = ['node-1', 'node-3'];

for (const suite of ['secp256k1', 'p256'] as const) {
  test(`${suite}: presign, then sign online; re-randomised; a presignature signs once`, () => {
    const seed = testSeed(`dkls23-presign-${suite}`);
    const setup = setupDkls23({ suite, n: 3, t: 2, seed });
    const groupKey = (setup.keys['node-1'] as { groupPublicKey: Uint8Array }).groupPublicKey;
    const presigs = outputsOf(runPresign({ setup, signers, seed }).outcomes);
    const p1 = presigs['node-1'] as Presignature;
    assert.ok(equalBytes(p1.publicKey, groupKey));
    assert.ok(equalBytes(p1.R, (presigs['node-3'] as Presignature).R), 'same R on every signer');
    assert.equal(p1.used, false);
    assert.equal(JSON.stringify(p1.secret), '"[secret]"');

    const digest = sha256(utf8('online'));
    const outs = outputsOf(
      runOnline({ presignatures: presigs, signers, digest, seed: `${seed}/on` }).outcomes,
    );
    const sig = outs['node-1'] as EcdsaSignatureOutput;
    assertValidEcdsa(suite, sig, groupKey, digest);
    assert.notEqual(bytesToHex(sig.r), bytesToHex(p1.R.subarray(1)), 'R is re-randomised');
    for (const p of signers)
      assert.equal((presigs[p] as Presignature).used, true, `${p} marked its presignature used`);

    // A second use is refused before anything is sent.
    const again = runOnline({
      presignatures: presigs,
      signers,
      digest: sha256(utf8('other')),
      seed: `${seed}/again`,
    });
    for (const p of signers) {
      const o = again.outcomes[p];
      assert.equal(o?.status, 'aborted');
      if (o?.status === 'aborted') assert.match(o.abort.detail, /already used/);
    }
    assert.equal(again.sent.length, 0);
  });

  test(`${suite}: a child key derived after presigning signs with the presignature (tweak online)`, () => {
    const seed = testSeed(`dkls23-presign-tweak-${suite}`);
    const setup = setupDkls23({ suite, n: 3, t: 2, seed });
    const groupKey = (setup.keys['node-1'] as { groupPublicKey: Uint8Array }).groupPublicKey;
    const child = derivePath(groupKey, seededRandom(seed, 'cc')(32), 'm/44/60/0/0/7', suite);
    const presigs = outputsOf(runPresign({ setup, signers, seed }).outcomes);
    const digest = sha256(utf8('to child'));
    const outs = outputsOf(
      runOnline({ presignatures: presigs, signers, digest, tweak: child.tweak, seed: `${seed}/on` }).outcomes,
    );
    assertValidEcdsa(suite, outs['node-3'] as EcdsaSignatureOutput, child.publicKey, digest);
  });

  test(`${suite}: a presignature made for a child key (tweak at presigning) signs under it`, () => {
    const seed = testSeed(`dkls23-presign-child-${suite}`);
    const setup = setupDkls23({ suite, n: 3, t: 2, seed });
    const groupKey = (setup.keys['node-1'] as { groupPublicKey: Uint8Array }).groupPublicKey;
    const child = derivePath(groupKey, seededRandom(seed, 'cc')(32), 'm/1/2', suite);
    const presigs = outputsOf(runPresign({ setup, signers, seed, tweak: child.tweak }).outcomes);
    assert.ok(equalBytes((presigs['node-1'] as Presignature).publicKey, child.publicKey));
    const digest = sha256(utf8('child presig'));
    const outs = outputsOf(
      runOnline({ presignatures: presigs, signers, digest, seed: `${seed}/on` }).outcomes,
    );
    assertValidEcdsa(suite, outs['node-1'] as EcdsaSignatureOutput, child.publicKey, digest);
  });
}

test('the storage encoding round-trips (and a decoded presignature signs); garbage is refused', () => {
  const seed = testSeed('dkls23-presign-encoding');
  const setup = setupDkls23({ suite: 'secp256k1', n: 3, t: 2, seed });
  const presigs = outputsOf(runPresign({ setup, signers, seed }).outcomes);
  const decoded: Record<PartyId, Presignature> = {};
  for (const p of signers) {
    const enc = encodePresignature(presigs[p] as Presignature);
    const d = decodePresignature(enc);
    assert.ok(equalBytes(encodePresignature(d), enc));
    decoded[p] = d;
    assert.throws(() => decodePresignature(enc.subarray(0, enc.length - 1)), RangeError);
    const flipped = Uint8Array.from(enc);
    flipped[8] = (flipped[8] as number) ^ 1; // inside the magic string
    assert.throws(() => decodePresignature(flipped), RangeError);
  }
  const digest = sha256(utf8('after storage'));
  const outs = outputsOf(runOnline({ presignatures: decoded, signers, digest, seed: `${seed}/on` }).outcomes);
  const groupKey = (setup.keys['node-1'] as { groupPublicKey: Uint8Array }).groupPublicKey;
  assertValidEcdsa('secp256k1', outs['node-1'] as EcdsaSignatureOutput, groupKey, digest);
  const usedAgain = decodePresignature(encodePresignature(decoded['node-1'] as Presignature));
  assert.equal(usedAgain.used, true, 'the used flag is part of the stored record');
});

test('signers with different digests or different presignatures stop with confirm_mismatch; both burn', () => {
  const seed = testSeed('dkls23-presign-mismatch');
  const setup = setupDkls23({ suite: 'secp256k1', n: 3, t: 2, seed });
  const a = outputsOf(runPresign({ setup, signers, seed: `${seed}/a` }).outcomes);
  const digest = sha256(utf8('one'));
  const r1 = runOnline({
    presignatures: a,
    signers,
    digest,
    digests: { 'node-3': sha256(utf8('two')) },
    seed: `${seed}/on1`,
  });
  for (const p of signers) {
    const o = r1.outcomes[p];
    assert.ok(o?.status === 'aborted' && o.abort.code === 'protocol.confirm_mismatch', JSON.stringify(o));
    assert.equal((a[p] as Presignature).used, true);
  }
  const b = outputsOf(runPresign({ setup, signers, seed: `${seed}/b` }).outcomes);
  const c = outputsOf(runPresign({ setup, signers, seed: `${seed}/c` }).outcomes);
  const mixed = { 'node-1': b['node-1'] as Presignature, 'node-3': c['node-3'] as Presignature };
  const r2 = runOnline({ presignatures: mixed, signers, digest, seed: `${seed}/on2` });
  for (const p of signers) {
    const o = r2.outcomes[p];
    assert.ok(o?.status === 'aborted' && o.abort.code === 'protocol.confirm_mismatch', JSON.stringify(o));
  }
});
