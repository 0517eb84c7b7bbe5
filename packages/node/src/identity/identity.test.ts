import assert from 'node:assert/strict';
import { verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { utf8 } from '@tkms/core';
import { identityFromJson, identityToJson } from './identity-json.ts';
import { generateIdentity, publicIdentity } from './node-identity.ts';
import { parsePublicIdentity, peerKeys } from './public-identity.ts';

describe('node identity', () => {
  it('signs with Ed25519 that OpenSSL verifies under the published key', () => {
    const id = generateIdentity();
    const pub = publicIdentity(id);
    assert.match(pub.signPublicKey, /^[0-9a-f]{64}$/);
    assert.match(pub.encPublicKey, /^[0-9a-f]{64}$/);
    const sig = id.sign(utf8('hello'));
    assert.equal(sig.length, 64);
    assert.ok(verify(null, utf8('hello'), peerKeys(pub).verifyKey, sig));
    assert.ok(!verify(null, utf8('hellp'), peerKeys(pub).verifyKey, sig));
  });

  it('agrees on the same X25519 secret from both sides', () => {
    const a = generateIdentity();
    const b = generateIdentity();
    const ab = a.agree(peerKeys(publicIdentity(b)).encKey);
    const ba = b.agree(peerKeys(publicIdentity(a)).encKey);
    assert.deepEqual(ab, ba);
    assert.equal(ab.length, 32);
  });

  it('round-trips through JSON and keeps signing under the same key', () => {
    const id = generateIdentity();
    const json = identityToJson(id);
    assert.equal(json.v, 1);
    assert.match(json.secret.signPrivateKey, /^[0-9a-f]{64}$/);
    assert.match(json.secret.encPrivateKey, /^[0-9a-f]{64}$/);
    const back = identityFromJson(JSON.parse(JSON.stringify(json)));
    assert.deepEqual(publicIdentity(back), publicIdentity(id));
    assert.deepEqual(back.sign(utf8('m')), id.sign(utf8('m')), 'Ed25519 is deterministic');
  });

  it('never shows a private key in JSON.stringify, String or inspect', () => {
    const id = generateIdentity();
    const { secret } = identityToJson(id);
    for (const text of [JSON.stringify(id), String(id), inspect(id, { depth: 5, showHidden: true })]) {
      assert.ok(!text.includes(secret.signPrivateKey));
      assert.ok(!text.includes(secret.encPrivateKey));
    }
    assert.deepEqual(JSON.parse(JSON.stringify(id)), publicIdentity(id));
  });

  it('refuses a stored identity whose public key does not match its private key', () => {
    const a = identityToJson(generateIdentity());
    const b = identityToJson(generateIdentity());
    assert.throws(
      () => identityFromJson({ ...a, signPublicKey: b.signPublicKey }),
      /signPublicKey does not belong/,
    );
    assert.throws(
      () => identityFromJson({ ...a, encPublicKey: b.encPublicKey }),
      /encPublicKey does not belong/,
    );
  });

  it('refuses malformed stored identities without echoing secret values', () => {
    const good = identityToJson(generateIdentity());
    const cases: [unknown, RegExp][] = [
      [null, /must be an object/],
      [{ ...good, v: 2 }, /unsupported version/],
      [{ ...good, type: 'x' }, /type must be/],
      [{ ...good, extra: 1 }, /unknown field "extra"/],
      [{ ...good, secret: { ...good.secret, more: 1 } }, /unknown field "more"/],
      [
        { ...good, secret: { ...good.secret, signPrivateKey: good.secret.signPrivateKey.toUpperCase() } },
        /32 bytes/,
      ],
      [{ ...good, secret: { encPrivateKey: good.secret.encPrivateKey } }, /signPrivateKey must be/],
      [{ ...good, encPublicKey: good.encPublicKey.slice(2) }, /encPublicKey must be/],
    ];
    for (const [value, re] of cases) {
      assert.throws(
        () => identityFromJson(value),
        (e: unknown) => {
          assert.ok(e instanceof TypeError);
          assert.match(e.message, re);
          assert.ok(!e.message.includes(good.secret.signPrivateKey.slice(0, 16)));
          return true;
        },
      );
    }
  });

  it('parses pinned public identities strictly and caches their keys', () => {
    const pub = publicIdentity(generateIdentity());
    assert.deepEqual(parsePublicIdentity({ ...pub }), pub);
    assert.throws(() => parsePublicIdentity({ ...pub, url: 'x' }), /unknown field/);
    assert.throws(
      () => parsePublicIdentity({ ...pub, signPublicKey: `0x${pub.signPublicKey}` }),
      /signPublicKey/,
    );
    assert.throws(() => parsePublicIdentity([]), /must be an object/);
    assert.equal(peerKeys(pub), peerKeys(pub), 'same object, same KeyObjects');
    // RFC 7748 low-order points (0 and 1): every agreement with them is all-zero.
    for (const low of ['00'.repeat(32), `01${'00'.repeat(31)}`])
      assert.throws(() => peerKeys({ ...pub, encPublicKey: low }), /low-order/);
  });
});
