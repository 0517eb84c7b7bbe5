/**
 * Differential tests: threshold signatures validate exactly like single-key signatures for the
 * combined key (reconstructed by Lagrange here, in the test only), under independent verifiers:
 * node:crypto (OpenSSL) for Ed25519 and noble's `schnorr.verify` for BIP340.
 */
import assert from 'node:assert/strict';
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { test } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToNumberBE } from '@noble/curves/utils.js';
import { type Bytes, bytesToHex, concatBytes, hexToBytes, utf8 } from '../../crypto/bytes.ts';
import { seededRandom } from '../../engine/simulate/index.ts';
import type { DkgOutput } from '../dkg/types.ts';
import { readIdentifiers } from '../key-share.ts';
import { dkgKeys, partyNames, reconstructSecret, runSign, testSeed } from '../testing/fixtures.ts';
import { aggregateFrost, displayPublicKey, verifyFrostSignature } from './aggregate.ts';
import { BIP340, type FrostMode, type Taproot } from './ciphersuite.ts';
import { prepareSigning } from './core.ts';
import type { FrostShareOutput } from './types.ts';

const ed25519Spki = (pub: Bytes) =>
  createPublicKey({
    key: Buffer.from(concatBytes(hexToBytes('302a300506032b6570032100'), pub)),
    format: 'der',
    type: 'spki',
  });

function subsets<T>(xs: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  if (xs.length < k) return [];
  const [h, ...rest] = xs as [T, ...T[]];
  return [...subsets(rest, k - 1).map((s) => [h, ...s]), ...subsets(rest, k)];
}

/** Signs on the simulated network; returns the outputs and the aggregated signature. */
function sign(
  keys: Record<string, DkgOutput>,
  signers: string[],
  message: Bytes,
  mode: FrostMode,
  seed: string,
  taproot?: Taproot,
): { outputs: Record<string, FrostShareOutput>; sig: Bytes } {
  const { outcomes } = runSign({ keys, signers, message, mode, seed, ...(taproot ? { taproot } : {}) });
  const outputs: Record<string, FrostShareOutput> = {};
  for (const [p, o] of Object.entries(outcomes)) {
    assert.equal(o.status, 'done', `${p}: ${JSON.stringify(o)}`);
    if (o.status === 'done') outputs[p] = o.output;
  }
  const key = keys[signers[0] as string] as DkgOutput;
  const first = outputs[signers[0] as string] as FrostShareOutput;
  for (const o of Object.values(outputs)) assert.deepEqual(o.commitments, first.commitments);
  const sig = aggregateFrost({
    mode,
    groupPublicKey: key.groupPublicKey,
    verifyingShares: key.verifyingShares,
    identifiers: key.identifiers,
    message,
    commitments: first.commitments,
    shares: Object.fromEntries(Object.entries(outputs).map(([p, o]) => [p, o.share])),
    ...(taproot ? { taproot } : {}),
  });
  return { outputs, sig };
}

test('ed25519 2-of-3: every signer set produces RFC 8032 signatures that OpenSSL accepts', () => {
  const seed = testSeed('frost-ed25519');
  const keys = dkgKeys('ed25519', 3, 2, seed);
  const parties = partyNames(3);
  const key = keys['node-1'] as DkgOutput;
  // TEST ONLY: the combined secret's public key is the group key.
  const s = reconstructSecret(keys, parties.slice(0, 2));
  assert.equal(bytesToHex(ed25519.Point.BASE.multiply(s).toBytes()), bytesToHex(key.groupPublicKey));
  const pub = displayPublicKey('ed25519', key.groupPublicKey);
  assert.equal(bytesToHex(pub), bytesToHex(key.groupPublicKey));
  const rnd = seededRandom(seed, 'messages');
  for (const signers of [...subsets(parties, 2), parties]) {
    for (const len of [0, 1, 32, 200]) {
      const message = rnd(len);
      const { sig } = sign(keys, signers, message, 'ed25519', `${seed}/${signers}/${len}`);
      assert.equal(sig.length, 64);
      assert.ok(nodeVerify(null, message, ed25519Spki(pub), sig), `OpenSSL rejects, signers ${signers}`);
      assert.ok(verifyFrostSignature('ed25519', pub, message, sig));
      assert.equal(verifyFrostSignature('ed25519', pub, concatBytes(message, utf8('x')), sig), false);
      assert.equal(nodeVerify(null, concatBytes(message, utf8('x')), ed25519Spki(pub), sig), false);
    }
  }
});

test('bip340 2-of-3: noble schnorr.verify accepts, for odd and even group keys and group commitments', () => {
  const seed = testSeed('frost-bip340');
  const parties = partyNames(3);
  const seen = new Set<string>();
  for (let i = 0; i < 16 && seen.size < 4; i++) {
    const keys = dkgKeys('secp256k1', 3, 2, `${seed}/${i}`);
    const key = keys['node-1'] as DkgOutput;
    seen.add(key.groupPublicKey[0] === 0x02 ? 'even key' : 'odd key');
    const xonly = displayPublicKey('bip340', key.groupPublicKey);
    assert.equal(bytesToHex(xonly), bytesToHex(key.groupPublicKey.subarray(1)));
    // TEST ONLY: the combined secret's BIP340 key is the threshold x-only key.
    const s = reconstructSecret(keys, parties.slice(1));
    assert.equal(bytesToHex(schnorr.getPublicKey(secp256k1.Point.Fn.toBytes(s))), bytesToHex(xonly));
    for (const signers of subsets(parties, 2)) {
      const message = utf8(`bip340 ${i} ${signers}`);
      const { outputs, sig } = sign(keys, signers, message, 'bip340', `${seed}/${i}/${signers}`);
      assert.equal(sig.length, 64);
      assert.ok(schnorr.verify(sig, message, xonly), `noble rejects (seed ${seed}, i ${i})`);
      assert.ok(verifyFrostSignature('bip340', xonly, message, sig));
      assert.equal(verifyFrostSignature('bip340', xonly, utf8('other'), sig), false);
      // Coverage: parity of the raw group commitment R (before BIP340 normalisation).
      const out = outputs[signers[0] as string] as FrostShareOutput;
      const ids = readIdentifiers(BIP340.suite, key.identifiers, signers);
      const pkg = prepareSigning(
        BIP340,
        BIP340.signingKey(BIP340.suite.decodePoint(key.groupPublicKey)),
        signers.map((p) => ({
          party: p,
          id: ids.get(p) as bigint,
          D: BIP340.suite.decodePoint(out.commitments[p]?.hiding as Bytes),
          E: BIP340.suite.decodePoint(out.commitments[p]?.binding as Bytes),
        })),
        message,
      );
      seen.add(pkg.nonceFactor === 1n ? 'even R' : 'odd R');
    }
  }
  assert.deepEqual([...seen].sort(), ['even R', 'even key', 'odd R', 'odd key'], `seed ${seed}`);
});

test('bip340 + taproot: signatures verify under the BIP341 output key computed independently', () => {
  const seed = testSeed('frost-taproot');
  const parties = partyNames(3);
  const n = secp256k1.Point.Fn.ORDER;
  const seen = new Set<string>();
  for (let i = 0; i < 16 && seen.size < 2; i++) {
    const keys = dkgKeys('secp256k1', 3, 2, `${seed}/${i}`);
    const key = keys['node-2'] as DkgOutput;
    for (const merkleRoot of [new Uint8Array(0), seededRandom(seed, `root/${i}`)(32)]) {
      const taproot = { merkleRoot };
      // BIP341 taproot_tweak_pubkey, with noble's primitives: Q = lift_x(x(P)) + t·G.
      const px = key.groupPublicKey.subarray(1);
      const t = bytesToNumberBE(schnorr.utils.taggedHash('TapTweak', px, merkleRoot));
      const Q = schnorr.utils.lift_x(bytesToNumberBE(px)).add(secp256k1.Point.BASE.multiply(t));
      const qx = Q.toBytes(true).subarray(1);
      seen.add(Q.y % 2n === 0n ? 'even Q' : 'odd Q');
      assert.equal(bytesToHex(displayPublicKey('bip340', key.groupPublicKey, taproot)), bytesToHex(qx));
      // TEST ONLY: BIP341 taproot_tweak_seckey on the combined secret gives the same output key.
      const s = reconstructSecret(keys, parties.slice(0, 2));
      const d = secp256k1.Point.BASE.multiply(s).y % 2n === 0n ? s : n - s;
      const tweaked = secp256k1.Point.Fn.toBytes((d + t) % n);
      assert.equal(bytesToHex(schnorr.getPublicKey(tweaked)), bytesToHex(qx));
      for (const signers of [['node-1', 'node-3'], parties]) {
        const message = utf8(`taproot ${i} ${merkleRoot.length}`);
        const { sig } = sign(
          keys,
          signers,
          message,
          'bip340',
          `${seed}/${i}/${signers}/${merkleRoot.length}`,
          taproot,
        );
        assert.ok(schnorr.verify(sig, message, qx), `noble rejects taproot signature (seed ${seed})`);
        assert.ok(verifyFrostSignature('bip340', qx, message, sig));
        // Not valid under the internal key.
        assert.equal(schnorr.verify(sig, message, px), false);
      }
    }
  }
  assert.equal(seen.size, 2, `output key parities covered (seed ${seed})`);
});

test('FROST start refuses invalid signer sets, mode/key mismatches and bad tweaks', () => {
  const keys = dkgKeys('ed25519', 3, 2, 'refusals');
  const k1 = dkgKeys('secp256k1', 3, 2, 'refusals-k1');
  const message = utf8('m');
  const abortCode = (r: ReturnType<typeof runSign>) => {
    const codes = Object.values(r.outcomes).map((o) => (o.status === 'aborted' ? o.abort.code : o.status));
    assert.equal(new Set(codes).size, 1, JSON.stringify(codes));
    return codes[0];
  };
  assert.equal(
    abortCode(runSign({ keys, signers: ['node-1'], message, mode: 'ed25519', seed: 'x' })),
    'sign.signers_invalid',
  );
  assert.equal(
    abortCode(runSign({ keys, signers: ['node-1', 'node-2'], message, mode: 'bip340', seed: 'x' })),
    'request.invalid',
  );
  assert.equal(
    abortCode(runSign({ keys: k1, signers: ['node-1', 'node-2'], message, mode: 'ed25519', seed: 'x' })),
    'request.invalid',
  );
  assert.equal(
    abortCode(
      runSign({
        keys,
        signers: ['node-1', 'node-2'],
        message,
        mode: 'ed25519',
        seed: 'x',
        taproot: { merkleRoot: new Uint8Array(0) },
      }),
    ),
    'request.invalid',
  );
  assert.equal(
    abortCode(
      runSign({
        keys: k1,
        signers: ['node-1', 'node-2'],
        message,
        mode: 'bip340',
        seed: 'x',
        taproot: { merkleRoot: new Uint8Array(5) },
      }),
    ),
    'request.invalid',
  );
  const outsider = { ...keys, 'node-9': keys['node-1'] as DkgOutput };
  assert.equal(
    abortCode(
      runSign({ keys: outsider, signers: ['node-1', 'node-9'], message, mode: 'ed25519', seed: 'x' }),
    ),
    'sign.signers_invalid',
  );
});
