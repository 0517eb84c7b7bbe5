/**
 * Differential test against @scure/bip32 (an independent BIP-0032 implementation on the same
 * noble primitives): an xpub built from a DKG group key and a joint chain code, derived along
 * random non-hardened paths by both. @scure/bip32 is not a dependency of the repository; the test
 * skips (saying so) when it cannot be imported.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytesToHex } from '../../../crypto/bytes.ts';
import { seededInts, seededRandom } from '../../../engine/simulate/index.ts';
import { dkgKeys, testSeed } from '../../testing/fixtures.ts';
import { derivePath } from './ckd.ts';
import { encodeXpub, XPUB_VERSION } from './xpub.ts';

type HDKeyLike = {
  publicKey: Uint8Array | null;
  chainCode: Uint8Array | null;
  derive(path: string): HDKeyLike;
  publicExtendedKey: string;
};
type Scure = { HDKey: { fromExtendedKey(xpub: string): HDKeyLike } };

async function loadScure(): Promise<Scure | undefined> {
  const name = '@scure/bip32';
  try {
    return (await import(name)) as Scure;
  } catch {
    return undefined;
  }
}

test('matches @scure/bip32 on random non-hardened paths from an xpub of a DKG key', async (t) => {
  const scure = await loadScure();
  if (!scure) {
    t.skip('@scure/bip32 is not installed (not a repository dependency)');
    return;
  }
  const seed = testSeed('bip32-scure');
  const keys = dkgKeys('secp256k1', 3, 2, seed);
  const publicKey = (keys['node-1'] as { groupPublicKey: Uint8Array }).groupPublicKey;
  const chainCode = seededRandom(seed, 'chain-code')(32);
  const xpub = encodeXpub({
    version: XPUB_VERSION,
    depth: 0,
    parentFingerprint: new Uint8Array(4),
    index: 0,
    chainCode,
    publicKey,
  });
  const root = scure.HDKey.fromExtendedKey(xpub);
  const pick = seededInts(seed);
  for (let n = 0; n < 25; n++) {
    const depth = 1 + pick(5);
    const steps = Array.from({ length: depth }, () => (pick(2) === 0 ? pick(100) : pick(0x7fffffff)));
    const path = `m/${steps.join('/')}`;
    const ours = derivePath(publicKey, chainCode, path);
    const theirs = root.derive(path);
    assert.equal(bytesToHex(ours.publicKey), bytesToHex(theirs.publicKey as Uint8Array), path);
    assert.equal(bytesToHex(ours.chainCode), bytesToHex(theirs.chainCode as Uint8Array), path);
    const oursXpub = encodeXpub({
      version: XPUB_VERSION,
      depth: ours.depth,
      parentFingerprint: ours.parentFingerprint,
      index: ours.index,
      chainCode: ours.chainCode,
      publicKey: ours.publicKey,
    });
    assert.equal(oursXpub, theirs.publicExtendedKey, path);
  }
});
