/**
 * Path parsing (hardened steps refused with a clear error), the jointly generated chain code, and
 * derivation on a DKG key: the tweak moves the shares (reconstructed here, test only) to the child
 * key's secret, on secp256k1 and p256.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytesToNumberBE } from '@noble/curves/utils.js';
import { bytesToHex, equalBytes } from '../../../crypto/bytes.ts';
import { getSuite } from '../../../crypto/suites/index.ts';
import { seededRandom } from '../../../engine/simulate/index.ts';
import { TkmsError } from '../../../errors/tkms-error.ts';
import { dkgKeys, reconstructSecret, testSeed } from '../../testing/fixtures.ts';
import { combineChainCode, contributeChainCode } from './chain-code.ts';
import { deriveChild, derivePath, HARDENED_OFFSET, parsePath } from './ckd.ts';
import { decodeXpub, encodeXpub, XPUB_VERSION } from './xpub.ts';

const isInvalid = (pattern: RegExp) => (e: unknown) =>
  e instanceof TkmsError && e.code === 'request.invalid' && pattern.test(e.message);

test('parsePath: m, decimal non-hardened steps; hardened steps are refused by name', () => {
  assert.deepEqual(parsePath('m'), []);
  assert.deepEqual(parsePath('m/44/60/0/0/7'), [44, 60, 0, 0, 7]);
  assert.deepEqual(parsePath(`m/${HARDENED_OFFSET - 1}`), [HARDENED_OFFSET - 1]);
  for (const hardened of ["m/44'/60", 'm/44h', 'm/0/1H'])
    assert.throws(() => parsePath(hardened), isInvalid(/hardened step .* only non-hardened/), hardened);
  assert.throws(() => parsePath(`m/${HARDENED_OFFSET}`), isInvalid(/hardened/));
  for (const bad of [
    '',
    '44/60',
    'M/1',
    'm/',
    'm//1',
    'm/01',
    'm/-1',
    'm/1.5',
    'm/0x10',
    'm/ 1',
    'm/99999999999',
  ])
    assert.throws(() => parsePath(bad), isInvalid(/./), JSON.stringify(bad));
});

test('deriveChild refuses hardened indices, bad keys and chain codes', () => {
  const key = getSuite('secp256k1').encodePoint(getSuite('secp256k1').G);
  const cc = new Uint8Array(32).fill(7);
  assert.throws(() => deriveChild(key, cc, HARDENED_OFFSET), isInvalid(/hardened/));
  assert.throws(() => deriveChild(key, cc, -1), isInvalid(/u32/));
  assert.throws(() => deriveChild(key, new Uint8Array(31), 0), isInvalid(/chain code/));
  assert.throws(() => deriveChild(new Uint8Array(33), cc, 0), isInvalid(/public key/));
  assert.throws(() => deriveChild(key, cc, 0, 'ed25519' as 'p256'), isInvalid(/no public derivation/));
});

test('chain code: commit, then reveal, XOR; a changed opening is caught and its sender named', () => {
  const ssid = new Uint8Array(32).fill(3);
  const parties = ['node-1', 'node-2', 'node-3'];
  const contributions = parties.map((p) => contributeChainCode(ssid, p, seededRandom(1, p)));
  const commitments = Object.fromEntries(
    parties.map((p, i) => [p, contributions[i]?.commitment as Uint8Array]),
  );
  const openings = Object.fromEntries(parties.map((p, i) => [p, contributions[i]?.opening as never]));
  const cc = combineChainCode(ssid, commitments, openings);
  const xor = new Uint8Array(32);
  for (const c of contributions)
    for (let k = 0; k < 32; k++) xor[k] = (xor[k] as number) ^ (c.opening.value[k] as number);
  assert.ok(equalBytes(cc, xor));
  const forged = {
    ...openings,
    'node-2': { salt: contributions[1]?.opening.salt, value: new Uint8Array(32) },
  };
  assert.throws(
    () => combineChainCode(ssid, commitments, forged as never),
    (e: unknown) =>
      e instanceof TkmsError && e.code === 'protocol.bad_decommitment' && e.culprits[0] === 'node-2',
  );
  // Bound to the session: the same openings do not verify under another ssid.
  assert.throws(() => combineChainCode(new Uint8Array(32), commitments, openings), TkmsError);
  assert.throws(
    () => combineChainCode(ssid, commitments, { 'node-1': openings['node-1'] } as never),
    TkmsError,
  );
});

for (const curve of ['secp256k1', 'p256'] as const)
  test(`${curve}: derivation on a DKG key; the tweak moves the reconstructed secret to the child key`, () => {
    const seed = testSeed(`bip32-${curve}`);
    const keys = dkgKeys(curve, 3, 2, seed);
    const suite = getSuite(curve);
    const groupKey = (keys['node-1'] as { groupPublicKey: Uint8Array }).groupPublicKey;
    const chainCode = seededRandom(seed, 'chain-code')(32);
    const d = derivePath(groupKey, chainCode, 'm/44/60/0/0/7', curve);
    const sk = reconstructSecret(keys, ['node-1', 'node-3']);
    const child = suite.Fn.add(sk, bytesToNumberBE(d.tweak));
    assert.ok(equalBytes(suite.encodePoint(suite.mulBase(child)), d.publicKey));
    // Step by step gives the same key and the tweaks add up.
    let K = groupKey;
    let c = chainCode;
    let t = 0n;
    for (const i of [44, 60, 0, 0, 7]) {
      const s = deriveChild(K, c, i, curve);
      K = s.publicKey;
      c = s.chainCode;
      t = suite.Fn.add(t, bytesToNumberBE(s.tweak));
    }
    assert.equal(bytesToHex(K), bytesToHex(d.publicKey));
    assert.equal(t, bytesToNumberBE(d.tweak));
    assert.equal(bytesToHex(derivePath(groupKey, chainCode, 'm', curve).publicKey), bytesToHex(groupKey));
  });

test('xpub from (chain code, group key) round-trips and refuses tampering', () => {
  const keys = dkgKeys('secp256k1', 3, 2, 'xpub');
  const publicKey = (keys['node-1'] as { groupPublicKey: Uint8Array }).groupPublicKey;
  const x = {
    version: XPUB_VERSION,
    depth: 0,
    parentFingerprint: new Uint8Array(4),
    index: 0,
    chainCode: seededRandom('xpub', 'cc')(32),
    publicKey,
  };
  const s = encodeXpub(x);
  assert.match(s, /^xpub/);
  assert.deepEqual(decodeXpub(s), x);
  const tampered = s.slice(0, 20) + (s[20] === 'a' ? 'b' : 'a') + s.slice(21);
  assert.throws(() => decodeXpub(tampered), isInvalid(/checksum/));
  assert.throws(() => encodeXpub({ ...x, index: 1 }), isInvalid(/depth-0/));
  assert.throws(() => decodeXpub('0OIl'), isInvalid(/base58/));
});
