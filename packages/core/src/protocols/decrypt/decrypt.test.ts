import assert from 'node:assert/strict';
import { createDecipheriv, hkdfSync } from 'node:crypto';
import { test } from 'node:test';
import { bytesToHex, concatBytes, fromUtf8, utf8 } from '../../crypto/bytes.ts';
import { encodeFields } from '../../crypto/lp.ts';
import { getSuite } from '../../crypto/suites/index.ts';
import type { SuiteName } from '../../crypto/suites/types.ts';
import { seededRandom } from '../../engine/simulate/random.ts';
import { TkmsError } from '../../errors/tkms-error.ts';
import type { DkgOutput } from '../dkg/types.ts';
import { reconstructSecret, testSeed } from '../testing/fixtures.ts';
import { decodeCiphertext, verifyCiphertext } from './ciphertext.ts';
import { combineDecryption } from './combine.ts';
import { encryptToKey } from './encrypt.ts';
import { secondGenerator } from './group.ts';
import { decodePartial, partialDecrypt } from './partial.ts';
import { cluster, containsBytes, encryptFor, partialsFrom, subsets } from './testing/cluster.ts';
import { MAX_LABEL_BYTES, MAX_PLAINTEXT_BYTES } from './types.ts';

const LABEL = utf8('tenant-7/documents/42/v1');

test('P-256 2-of-3 with DKG keys: every 2-subset (and all 3) opens the ciphertext', () => {
  const seed = testSeed('decrypt-p256-2of3');
  const c = cluster('p256', 3, 2, seed);
  const plaintext = c.random(32);
  const ciphertext = encryptFor(c, plaintext, LABEL);
  const all = partialsFrom(c, c.parties, ciphertext, LABEL);
  for (const set of [...subsets(c.parties, 2), c.parties]) {
    const partials = Object.fromEntries(set.map((p) => [p, all[p] as Uint8Array]));
    const r = combineDecryption({ key: c.pub, ciphertext, label: LABEL, partials });
    assert.equal(bytesToHex(r.plaintext.expose()), bytesToHex(plaintext), `subset ${set.join(',')}`);
    assert.deepEqual(r.used, set.slice(0, 2));
    assert.deepEqual(r.rejected, []);
  }
});

test('P-256 3-of-5 with DKG keys: several 3-subsets open, 2 partials do not', () => {
  const seed = testSeed('decrypt-p256-3of5');
  const c = cluster('p256', 5, 3, seed);
  const plaintext = utf8('a 3-of-5 secret');
  const ciphertext = encryptFor(c, plaintext, LABEL);
  const all = partialsFrom(c, c.parties, ciphertext, LABEL);
  const sets = subsets(c.parties, 3);
  assert.equal(sets.length, 10);
  for (const set of sets) {
    const partials = Object.fromEntries(set.map((p) => [p, all[p] as Uint8Array]));
    assert.equal(
      fromUtf8(combineDecryption({ key: c.pub, ciphertext, label: LABEL, partials }).plaintext.expose()),
      'a 3-of-5 secret',
    );
  }
  const two = Object.fromEntries(c.parties.slice(0, 2).map((p) => [p, all[p] as Uint8Array]));
  assert.throws(
    () => combineDecryption({ key: c.pub, ciphertext, label: LABEL, partials: two }),
    (e: unknown) =>
      e instanceof TkmsError && e.code === 'decrypt.not_enough_partials' && e.culprits.length === 0,
  );
});

for (const suite of ['secp256k1', 'ed25519', 'ristretto255'] as const satisfies readonly SuiteName[]) {
  test(`${suite}: the same code round-trips with DKG keys (2-of-3 every subset, 3-of-5)`, () => {
    const seed = testSeed(`decrypt-${suite}`);
    for (const [n, t] of [
      [3, 2],
      [5, 3],
    ] as const) {
      const c = cluster(suite, n, t, `${seed}/${n}`);
      const plaintext = c.random(48);
      const ciphertext = encryptFor(c, plaintext, LABEL);
      const all = partialsFrom(c, c.parties, ciphertext, LABEL);
      for (const set of subsets(c.parties, t).slice(0, 4)) {
        const partials = Object.fromEntries(set.map((p) => [p, all[p] as Uint8Array]));
        const r = combineDecryption({ key: c.pub, ciphertext, label: LABEL, partials });
        assert.equal(bytesToHex(r.plaintext.expose()), bytesToHex(plaintext));
      }
    }
  });
}

/**
 * Differential: open the same ciphertext with the whole key x (reconstructed here, test only) by an
 * independent implementation of the data encapsulation — node:crypto's HKDF and AES-256-GCM
 * (OpenSSL) — from the layout in docs/protocols/decrypt.md §3.
 */
for (const suiteName of ['p256', 'secp256k1'] as const) {
  test(`${suiteName}: the whole key (reconstructed in the test) opens it the same way, via node:crypto`, () => {
    const seed = testSeed(`decrypt-differential-${suiteName}`);
    const c = cluster(suiteName, 3, 2, seed);
    const suite = getSuite(suiteName);
    for (let i = 0; i < 5; i++) {
      const plaintext = c.random(i * 17);
      const label = utf8(`label-${i}`);
      const ciphertext = encryptFor(c, plaintext, label);
      const x = reconstructSecret(c.keys, c.parties.slice(1));
      assert.ok(suite.mulBase(x).equals(suite.decodePoint(c.pub.groupPublicKey)));
      const ct = decodeCiphertext(ciphertext);
      const shared = suite.encodePoint(suite.decodePoint(ct.U).multiplyUnsafe(x));
      const version = Uint8Array.of(1);
      const info = encodeFields([
        utf8('tkms/v1'),
        utf8('decrypt/kdf'),
        utf8(suiteName),
        version,
        c.pub.groupPublicKey,
        ct.U,
        label,
      ]);
      const okm = new Uint8Array(hkdfSync('sha256', shared, new Uint8Array(0), info, 44));
      const aad = encodeFields([utf8('tkms/v1'), utf8('decrypt/aad'), utf8(suiteName), version, label, ct.U]);
      const decipher = createDecipheriv('aes-256-gcm', okm.subarray(0, 32), okm.subarray(32));
      decipher.setAAD(aad);
      decipher.setAuthTag(ct.body.subarray(ct.body.length - 16));
      const single = concatBytes(decipher.update(ct.body.subarray(0, ct.body.length - 16)), decipher.final());
      assert.equal(bytesToHex(single), bytesToHex(plaintext));
      const threshold = combineDecryption({
        key: c.pub,
        ciphertext,
        label,
        partials: partialsFrom(c, c.parties.slice(0, 2), ciphertext, label),
      });
      assert.equal(bytesToHex(threshold.plaintext.expose()), bytesToHex(single));
    }
  });
}

test('edge sizes: empty plaintext, empty label, the largest plaintext and label', () => {
  const seed = testSeed('decrypt-edges');
  const c = cluster('p256', 3, 2, seed);
  const cases = [
    { plaintext: new Uint8Array(0), label: new Uint8Array(0) },
    { plaintext: c.random(MAX_PLAINTEXT_BYTES), label: new Uint8Array(MAX_LABEL_BYTES).fill(7) },
  ];
  for (const { plaintext, label } of cases) {
    const ciphertext = encryptFor(c, plaintext, label);
    const r = combineDecryption({
      key: c.pub,
      ciphertext,
      label,
      partials: partialsFrom(c, c.parties.slice(0, 2), ciphertext, label),
    });
    assert.equal(bytesToHex(r.plaintext.expose()), bytesToHex(plaintext));
  }
  for (const bad of [
    { plaintext: new Uint8Array(MAX_PLAINTEXT_BYTES + 1), label: LABEL },
    { plaintext: new Uint8Array(1), label: new Uint8Array(MAX_LABEL_BYTES + 1) },
  ])
    assert.throws(
      () => encryptToKey({ suite: 'p256', publicKey: c.pub.groupPublicKey, ...bad, random: c.random }),
      (e: unknown) => e instanceof TkmsError && e.code === 'request.invalid',
    );
});

test('encryption is randomized and replayable from its seed; the ciphertext layout is as documented', () => {
  const seed = testSeed('decrypt-determinism');
  const c = cluster('p256', 3, 2, seed);
  const pt = utf8('same message');
  const a = encryptToKey({
    suite: 'p256',
    publicKey: c.pub.groupPublicKey,
    plaintext: pt,
    label: LABEL,
    random: seededRandom(seed, 'a'),
  });
  const a2 = encryptToKey({
    suite: 'p256',
    publicKey: c.pub.groupPublicKey,
    plaintext: pt,
    label: LABEL,
    random: seededRandom(seed, 'a'),
  });
  const b = encryptToKey({
    suite: 'p256',
    publicKey: c.pub.groupPublicKey,
    plaintext: pt,
    label: LABEL,
    random: seededRandom(seed, 'b'),
  });
  assert.equal(bytesToHex(a), bytesToHex(a2));
  assert.notEqual(bytesToHex(a), bytesToHex(b));
  // 1 version + 1 suite + 2 label length + label + 2·33 points + 2·32 scalars + 4 body length + body + 16 tag
  assert.equal(a.length, 4 + LABEL.length + 66 + 64 + 4 + pt.length + 16);
  assert.equal(a[0], 1);
  assert.equal(a[1], 1);
  const ct = verifyCiphertext({
    suite: 'p256',
    publicKey: c.pub.groupPublicKey,
    ciphertext: a,
    label: LABEL,
  });
  assert.equal(bytesToHex(ct.label), bytesToHex(LABEL));
  assert.equal(ct.digest.length, 32);
});

test('Ḡ is a fixed hash_to_curve point, not G, and the same on every call', () => {
  for (const name of ['p256', 'secp256k1', 'ed25519', 'ristretto255'] as const) {
    const suite = getSuite(name);
    const Gbar = secondGenerator(suite);
    assert.ok(!Gbar.equals(suite.G));
    assert.ok(!Gbar.is0());
    assert.equal(bytesToHex(suite.encodePoint(secondGenerator(suite))), bytesToHex(suite.encodePoint(Gbar)));
  }
  // Pinned so a change to the DST or the map is a visible, deliberate format break.
  assert.equal(bytesToHex(getSuite('p256').encodePoint(secondGenerator(getSuite('p256')))), PINNED_P256_GBAR);
});
const PINNED_P256_GBAR = '032946fe563364e31570d1624f94a5e3866b91fae3110475701ed0b3c1837bbd17';

test('no node input or output contains the plaintext bytes', () => {
  const seed = testSeed('decrypt-blind-nodes');
  const c = cluster('p256', 3, 2, seed);
  for (let i = 0; i < 10; i++) {
    const plaintext = c.random(32);
    const ciphertext = encryptFor(c, plaintext, LABEL);
    assert.ok(!containsBytes(ciphertext, plaintext));
    for (const party of c.parties) {
      const key = c.keys[party] as DkgOutput;
      // What a node holds and is sent …
      const inputs = [
        ciphertext,
        LABEL,
        key.groupPublicKey,
        key.signingShare.expose(),
        ...Object.values(key.verifyingShares),
        utf8(JSON.stringify(key)),
      ];
      // … and what it answers.
      const partial = partialDecrypt({ key, party, ciphertext, label: LABEL, random: c.random });
      const decoded = decodePartial(partial);
      for (const b of [...inputs, partial, decoded.D, decoded.c, decoded.z])
        assert.ok(!containsBytes(b, plaintext), `${party} saw the plaintext`);
    }
  }
});

test('the plaintext result redacts itself in logs and JSON', () => {
  const seed = testSeed('decrypt-redact');
  const c = cluster('p256', 3, 2, seed);
  const ciphertext = encryptFor(c, utf8('hunter2'), LABEL);
  const r = combineDecryption({
    key: c.pub,
    ciphertext,
    label: LABEL,
    partials: partialsFrom(c, c.parties, ciphertext, LABEL),
  });
  assert.ok(!JSON.stringify(r).includes('hunter2'));
  assert.ok(!String(r.plaintext).includes('hunter2'));
  assert.equal(fromUtf8(r.plaintext.expose()), 'hunter2');
});
