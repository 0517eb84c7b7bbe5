/**
 * One test per check of docs/protocols/decrypt.md §5: every malformed or misbound ciphertext is
 * refused by `verifyCiphertext` — and therefore by `partialDecrypt` and `combineDecryption` — and
 * every bad partial is named, dropped, and tolerated while `threshold` honest partials remain.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Bytes, bytesToHex, concatBytes, hexToBytes, utf8 } from '../../crypto/bytes.ts';
import { getSuite } from '../../crypto/suites/index.ts';
import type { PartyId } from '../../engine/types.ts';
import type { ErrorCode } from '../../errors/catalog.ts';
import { TkmsError } from '../../errors/tkms-error.ts';
import type { DkgOutput } from '../dkg/types.ts';
import { testSeed } from '../testing/fixtures.ts';
import {
  bodyDigest,
  decodeCiphertext,
  encodeCiphertext,
  validityChallenge,
  verifyCiphertext,
} from './ciphertext.ts';
import { combineDecryption } from './combine.ts';
import { encryptToKey } from './encrypt.ts';
import { secondGenerator } from './group.ts';
import { decodePartial, encodePartial, partialDecrypt } from './partial.ts';
import { type Cluster, cluster, encryptFor, partialsFrom } from './testing/cluster.ts';
import type { DecodedCiphertext, DecodedPartial } from './types.ts';

const LABEL = utf8('tenant-7/payroll/2026-11');
const OTHER_LABEL = utf8('tenant-9/payroll/2026-11');
const suite = getSuite('p256');

const isCode =
  (code: ErrorCode) =>
  (e: unknown): boolean => {
    if (!(e instanceof TkmsError)) return false;
    assert.equal(e.code, code, e.message);
    return true;
  };

function setup(label: string): {
  c: Cluster;
  seed: string;
  ciphertext: Bytes;
  ct: DecodedCiphertext;
  plaintext: Bytes;
} {
  const seed = testSeed(label);
  const c = cluster('p256', 3, 2, seed);
  const plaintext = c.random(32);
  const ciphertext = encryptFor(c, plaintext, LABEL);
  return { c, seed, ciphertext, ct: decodeCiphertext(ciphertext), plaintext };
}

/** Every entry point a node or requester has refuses `ciphertext` with `code`. */
function refusedEverywhere(c: Cluster, ciphertext: Bytes, code: ErrorCode, label = LABEL): void {
  assert.throws(
    () => verifyCiphertext({ suite: 'p256', publicKey: c.pub.groupPublicKey, ciphertext, label }),
    isCode(code),
  );
  for (const party of c.parties)
    assert.throws(
      () => partialDecrypt({ key: c.keys[party] as DkgOutput, party, ciphertext, label, random: c.random }),
      isCode(code),
    );
  assert.throws(() => combineDecryption({ key: c.pub, ciphertext, label, partials: {} }), isCode(code));
}

const point = (first: number, fill: number, last?: number): Bytes => {
  const b = new Uint8Array(33).fill(fill);
  b[0] = first;
  if (last !== undefined) b[32] = last;
  return b;
};
/** Encodings that must never decode: identity (all zero), x = 1 (off P-256), x ≥ p, wrong prefixes. */
const BAD_POINTS: [string, Bytes][] = [
  ['identity (zero bytes)', new Uint8Array(33)],
  ['off the curve (x = 1)', point(0x02, 0, 1)],
  ['x ≥ p', point(0x02, 0xff)],
  ['uncompressed prefix', point(0x04, 0, 1)],
  ['prefix 0x00', point(0x00, 0, 1)],
];

test('truncated ciphertexts are refused at every length', () => {
  const { c, ciphertext } = setup('decrypt-adv-truncated');
  for (let n = 0; n < ciphertext.length; n++)
    assert.throws(
      () =>
        verifyCiphertext({
          suite: 'p256',
          publicKey: c.pub.groupPublicKey,
          ciphertext: ciphertext.subarray(0, n),
          label: LABEL,
        }),
      isCode('decrypt.invalid_ciphertext'),
      `length ${n}`,
    );
  refusedEverywhere(c, ciphertext.subarray(0, ciphertext.length - 1), 'decrypt.invalid_ciphertext');
});

test('trailing bytes, unknown version, unknown or foreign suite byte are refused', () => {
  const { c, ciphertext } = setup('decrypt-adv-framing');
  refusedEverywhere(c, concatBytes(ciphertext, Uint8Array.of(0)), 'decrypt.invalid_ciphertext');
  for (const [i, v] of [
    [0, 0],
    [0, 2],
    [1, 0],
    [1, 99],
    [1, 2], // secp256k1's suite byte: same point length, other curve
  ] as const) {
    const bad = Uint8Array.from(ciphertext);
    bad[i] = v;
    refusedEverywhere(c, bad, 'decrypt.invalid_ciphertext');
  }
  // A label length that overruns, a body length that overruns or is below the tag size.
  const bad = Uint8Array.from(ciphertext);
  bad[2] = 0xff;
  refusedEverywhere(c, bad, 'decrypt.invalid_ciphertext');
  const ct = decodeCiphertext(ciphertext);
  const bodyLenAt = 4 + ct.label.length + 66 + 64;
  for (const len of [0, 15, ct.body.length + 1, 0xffffffff]) {
    const b = Uint8Array.from(ciphertext);
    new DataView(b.buffer).setUint32(bodyLenAt, len);
    refusedEverywhere(c, b, 'decrypt.invalid_ciphertext');
  }
});

test('off-curve, identity and non-canonical U or Ū are refused', () => {
  const { c, ct } = setup('decrypt-adv-points');
  for (const [what, P] of BAD_POINTS) {
    for (const field of ['U', 'Ubar'] as const) {
      const bad = encodeCiphertext({ ...ct, [field]: P });
      assert.throws(
        () =>
          verifyCiphertext({ suite: 'p256', publicKey: c.pub.groupPublicKey, ciphertext: bad, label: LABEL }),
        isCode('decrypt.invalid_ciphertext'),
        `${field}: ${what}`,
      );
    }
  }
  refusedEverywhere(c, encodeCiphertext({ ...ct, U: new Uint8Array(33) }), 'decrypt.invalid_ciphertext');
  // Valid points that break log_G U = log_Ḡ Ū fail the proof instead.
  refusedEverywhere(c, encodeCiphertext({ ...ct, Ubar: suite.encodePoint(suite.G) }), 'decrypt.bad_proof');
  refusedEverywhere(c, encodeCiphertext({ ...ct, U: suite.encodePoint(suite.G) }), 'decrypt.bad_proof');
});

test('a flipped or non-canonical proof scalar, or a proof from another ciphertext, is refused', () => {
  const { c, ciphertext, ct } = setup('decrypt-adv-proof');
  const flip = (b: Bytes, i: number): Bytes => {
    const out = Uint8Array.from(b);
    out[i] = (out[i] as number) ^ 1;
    return out;
  };
  refusedEverywhere(c, encodeCiphertext({ ...ct, e: flip(ct.e, 31) }), 'decrypt.bad_proof');
  refusedEverywhere(c, encodeCiphertext({ ...ct, f: flip(ct.f, 0) }), 'decrypt.bad_proof');
  const order = hexToBytes(suite.order.toString(16).padStart(64, '0'));
  refusedEverywhere(c, encodeCiphertext({ ...ct, f: order }), 'decrypt.invalid_ciphertext');
  refusedEverywhere(
    c,
    encodeCiphertext({ ...ct, e: new Uint8Array(32).fill(0xff) }),
    'decrypt.invalid_ciphertext',
  );

  const other = decodeCiphertext(encryptFor(c, utf8('x'), LABEL));
  refusedEverywhere(c, encodeCiphertext({ ...ct, e: other.e, f: other.f }), 'decrypt.bad_proof');
  // Sanity: the untouched ciphertext is accepted.
  verifyCiphertext({ suite: 'p256', publicKey: c.pub.groupPublicKey, ciphertext, label: LABEL });
});

test('label: a request for another label is refused; a re-labelled ciphertext fails its proof', () => {
  const { c, ciphertext, ct } = setup('decrypt-adv-label');
  // The node authorised OTHER_LABEL; the ciphertext carries LABEL.
  refusedEverywhere(c, ciphertext, 'decrypt.label_mismatch', OTHER_LABEL);
  refusedEverywhere(c, ciphertext, 'decrypt.label_mismatch', new Uint8Array(0));
  // The attacker rewrites the label to one they are authorised for: the proof binds the label.
  refusedEverywhere(c, encodeCiphertext({ ...ct, label: OTHER_LABEL }), 'decrypt.bad_proof', OTHER_LABEL);
});

test('CCA: an attacker without r cannot re-prove a victim U under their own label (no DH oracle)', () => {
  const { c, ct } = setup('decrypt-adv-cca');
  // The attacker knows their own r' and Ū' = r'·Ḡ, and proves with r' for the victim's U.
  const Gbar = secondGenerator(suite);
  const rA = suite.randomScalar(c.random);
  const s = suite.randomScalar(c.random);
  const Ubar = suite.encodePoint(Gbar.multiplyUnsafe(rA));
  const body = c.random(48);
  const W = suite.encodePoint(suite.mulBase(s));
  const Wbar = suite.encodePoint(Gbar.multiplyUnsafe(s));
  const e = validityChallenge(
    suite,
    1,
    c.pub.groupPublicKey,
    OTHER_LABEL,
    ct.U,
    Ubar,
    W,
    Wbar,
    bodyDigest(body),
  );
  const f = suite.Fn.add(s, suite.Fn.mul(rA, e));
  const forged = encodeCiphertext({
    ...ct,
    label: OTHER_LABEL,
    Ubar,
    body,
    e: suite.encodeScalar(e),
    f: suite.encodeScalar(f),
  });
  refusedEverywhere(c, forged, 'decrypt.bad_proof', OTHER_LABEL);
  // Keeping the victim's Ū and proof with a new body or label fails too.
  refusedEverywhere(
    c,
    encodeCiphertext({ ...ct, label: OTHER_LABEL, body }),
    'decrypt.bad_proof',
    OTHER_LABEL,
  );
});

test('a flipped ciphertext body byte or tag byte is refused before any node answers', () => {
  const { c, ct } = setup('decrypt-adv-body');
  for (const i of [0, ct.body.length - 17, ct.body.length - 16, ct.body.length - 1]) {
    const body = Uint8Array.from(ct.body);
    body[i] = (body[i] as number) ^ 0x80;
    refusedEverywhere(c, encodeCiphertext({ ...ct, body }), 'decrypt.bad_proof');
  }
  refusedEverywhere(
    c,
    encodeCiphertext({ ...ct, body: ct.body.subarray(0, ct.body.length - 1) }),
    'decrypt.bad_proof',
  );
});

test('a ciphertext for another key is refused (the proof binds Y)', () => {
  const { c, seed, ct } = setup('decrypt-adv-key');
  const other = cluster('p256', 3, 2, `${seed}/other-key`);
  assert.notEqual(bytesToHex(other.pub.groupPublicKey), bytesToHex(c.pub.groupPublicKey));
  const theirs = encryptToKey({
    suite: 'p256',
    publicKey: other.pub.groupPublicKey,
    plaintext: utf8('x'),
    label: LABEL,
    random: c.random,
  });
  refusedEverywhere(c, theirs, 'decrypt.bad_proof');
  // And a well-formed ciphertext whose U, Ū and proof came from another key's ciphertext.
  const t = decodeCiphertext(theirs);
  refusedEverywhere(
    c,
    encodeCiphertext({ ...ct, U: t.U, Ubar: t.Ubar, e: t.e, f: t.f }),
    'decrypt.bad_proof',
  );
});

test('nodes check who they are: unknown party or a share that is not theirs is refused', () => {
  const { c, ciphertext } = setup('decrypt-adv-self');
  const key = c.keys['node-1'] as DkgOutput;
  assert.throws(
    () => partialDecrypt({ key, party: 'node-9', ciphertext, label: LABEL, random: c.random }),
    isCode('request.invalid'),
  );
  assert.throws(
    () => partialDecrypt({ key, party: 'node-2', ciphertext, label: LABEL, random: c.random }),
    isCode('request.invalid'),
  );
});

type Tamper = (good: Record<PartyId, Bytes>, otherCiphertext: Record<PartyId, Bytes>) => Bytes;

const mutate = (p: Bytes, f: (d: DecodedPartial) => DecodedPartial): Bytes =>
  encodePartial(f(decodePartial(p)));
const plusG = (b: Bytes): Bytes => suite.encodePoint(suite.decodePoint(b).add(suite.G));
const inc = (b: Bytes): Bytes => suite.encodeScalar(suite.Fn.add(suite.decodeScalar(b), 1n));
const n2 = (g: Record<PartyId, Bytes>): Bytes => g['node-2'] as Bytes;

/** Ways node-2 can answer wrongly, given every node's honest partials for this and another ciphertext. */
const BAD_PARTIALS: [string, Tamper][] = [
  ['wrong D_i (D_i + G), proof unchanged', (g) => mutate(n2(g), (d) => ({ ...d, D: plusG(d.D) }))],
  ['wrong proof response z', (g) => mutate(n2(g), (d) => ({ ...d, z: inc(d.z) }))],
  ['wrong proof challenge c', (g) => mutate(n2(g), (d) => ({ ...d, c: inc(d.c) }))],
  ['a valid partial of another ciphertext (replay)', (_g, o) => n2(o)],
  ['another node’s valid partial (node-1’s, sent as node-2’s)', (g) => g['node-1'] as Bytes],
  [
    'D_i of node-3 with node-2’s own proof',
    (g) => mutate(n2(g), (d) => ({ ...d, D: decodePartial(g['node-3'] as Bytes).D })),
  ],
  [
    'proof of another ciphertext with this D_i',
    (g, o) => mutate(n2(o), (d) => ({ ...d, D: decodePartial(n2(g)).D })),
  ],
  ['truncated', (g) => n2(g).subarray(0, 98)],
  ['trailing byte', (g) => concatBytes(n2(g), Uint8Array.of(0))],
  ['empty', () => new Uint8Array(0)],
  ['unknown version', (g) => concatBytes(Uint8Array.of(2), n2(g).subarray(1))],
  ['foreign suite byte', (g) => concatBytes(Uint8Array.of(1, 2), n2(g).subarray(2))],
  ['identity D_i', (g) => concatBytes(n2(g).subarray(0, 2), new Uint8Array(33), n2(g).subarray(35))],
  ['off-curve D_i', (g) => concatBytes(n2(g).subarray(0, 2), point(0x02, 0, 1), n2(g).subarray(35))],
  ['non-canonical z (all ones)', (g) => concatBytes(n2(g).subarray(0, 67), new Uint8Array(32).fill(0xff))],
];

test('every bad partial is detected, its sender named, and left out while enough honest ones remain', () => {
  const { c, ciphertext, plaintext } = setup('decrypt-adv-partials');
  const good = partialsFrom(c, c.parties, ciphertext, LABEL);
  const otherCt = encryptFor(c, utf8('other'), LABEL);
  const other = partialsFrom(c, c.parties, otherCt, LABEL);
  for (const [name, tamper] of BAD_PARTIALS) {
    const bad = tamper(good, other);
    // Two honest partials remain: decryption succeeds and names node-2.
    const r = combineDecryption({
      key: c.pub,
      ciphertext,
      label: LABEL,
      partials: { ...good, 'node-2': bad },
    });
    assert.equal(bytesToHex(r.plaintext.expose()), bytesToHex(plaintext), name);
    assert.deepEqual(r.used, ['node-1', 'node-3'], name);
    assert.deepEqual(
      r.rejected.map((x) => x.party),
      ['node-2'],
      name,
    );
    // Only one honest partial: too few, and node-2 is the culprit.
    assert.throws(
      () =>
        combineDecryption({
          key: c.pub,
          ciphertext,
          label: LABEL,
          partials: { 'node-1': good['node-1'] as Bytes, 'node-2': bad },
        }),
      (e: unknown) =>
        isCode('decrypt.not_enough_partials')(e) && (e as TkmsError).culprits.join() === 'node-2',
      name,
    );
  }
});

test('partials from parties outside the key are rejected and named', () => {
  const { c, ciphertext, plaintext } = setup('decrypt-adv-outsider');
  const good = partialsFrom(c, c.parties, ciphertext, LABEL);
  const r = combineDecryption({
    key: c.pub,
    ciphertext,
    label: LABEL,
    partials: { ...good, mallory: good['node-1'] as Bytes },
  });
  assert.equal(bytesToHex(r.plaintext.expose()), bytesToHex(plaintext));
  assert.deepEqual(r.rejected, [{ party: 'mallory', reason: 'not a party of the key' }]);
});

test('3-of-5 with two cheating nodes still opens; with three it names all three', () => {
  const seed = testSeed('decrypt-adv-3of5');
  const c = cluster('p256', 5, 3, seed);
  const plaintext = c.random(32);
  const ciphertext = encryptFor(c, plaintext, LABEL);
  const good = partialsFrom(c, c.parties, ciphertext, LABEL);
  const corrupt = (p: Bytes) => {
    const d = decodePartial(p);
    return encodePartial({ ...d, D: suite.encodePoint(suite.decodePoint(d.D).add(suite.G)) });
  };
  const two = {
    ...good,
    'node-1': corrupt(good['node-1'] as Bytes),
    'node-4': corrupt(good['node-4'] as Bytes),
  };
  const r = combineDecryption({ key: c.pub, ciphertext, label: LABEL, partials: two });
  assert.equal(bytesToHex(r.plaintext.expose()), bytesToHex(plaintext));
  assert.deepEqual(r.used, ['node-2', 'node-3', 'node-5']);
  assert.deepEqual(
    r.rejected.map((x) => x.party),
    ['node-1', 'node-4'],
  );
  const three = { ...two, 'node-5': corrupt(good['node-5'] as Bytes) };
  assert.throws(
    () => combineDecryption({ key: c.pub, ciphertext, label: LABEL, partials: three }),
    (e: unknown) =>
      isCode('decrypt.not_enough_partials')(e) && (e as TkmsError).culprits.join() === 'node-1,node-4,node-5',
  );
});

test('a faulty encryptor (valid proof, body sealed under another key) fails at the tag: decrypt.open_failed', () => {
  const { c } = setup('decrypt-adv-faulty-encryptor');
  const Gbar = secondGenerator(suite);
  const r = suite.randomScalar(c.random);
  const s = suite.randomScalar(c.random);
  const U = suite.encodePoint(suite.mulBase(r));
  const Ubar = suite.encodePoint(Gbar.multiplyUnsafe(r));
  const body = c.random(48); // not sealed under HKDF(r·Y)
  const W = suite.encodePoint(suite.mulBase(s));
  const Wbar = suite.encodePoint(Gbar.multiplyUnsafe(s));
  const e = validityChallenge(suite, 1, c.pub.groupPublicKey, LABEL, U, Ubar, W, Wbar, bodyDigest(body));
  const f = suite.Fn.add(s, suite.Fn.mul(r, e));
  const ciphertext = encodeCiphertext({
    version: 1,
    suite: 'p256',
    label: LABEL,
    U,
    Ubar,
    e: suite.encodeScalar(e),
    f: suite.encodeScalar(f),
    body,
  });
  // TDH2 proves U and Ū well formed, not the body: nodes answer, the combiner's tag check catches it.
  verifyCiphertext({ suite: 'p256', publicKey: c.pub.groupPublicKey, ciphertext, label: LABEL });
  const partials = partialsFrom(c, c.parties, ciphertext, LABEL);
  assert.throws(
    () => combineDecryption({ key: c.pub, ciphertext, label: LABEL, partials }),
    isCode('decrypt.open_failed'),
  );
});

test('the combiner checks the label it expects, and refuses an unsupported suite or bad public key', () => {
  const { c, ciphertext } = setup('decrypt-adv-combiner');
  const partials = partialsFrom(c, c.parties, ciphertext, LABEL);
  assert.throws(
    () => combineDecryption({ key: c.pub, ciphertext, label: OTHER_LABEL, partials }),
    isCode('decrypt.label_mismatch'),
  );
  assert.throws(
    () =>
      verifyCiphertext({
        suite: 'p384' as 'p256',
        publicKey: c.pub.groupPublicKey,
        ciphertext,
        label: LABEL,
      }),
    isCode('key.type_unknown'),
  );
  assert.throws(
    () => verifyCiphertext({ suite: 'p256', publicKey: new Uint8Array(33), ciphertext, label: LABEL }),
    isCode('request.invalid'),
  );
  assert.throws(
    () => combineDecryption({ key: { ...c.pub, threshold: 1 }, ciphertext, label: LABEL, partials }),
    isCode('request.invalid'),
  );
});
