import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { x25519 } from '@noble/curves/ed25519.js';
import { TkmsError } from '../errors/tkms-error.ts';
import { boxKeyPair, isUsableBoxKey, openBox, sealTo, setX25519Backend } from './box.ts';
import { utf8 } from './bytes.ts';

const random = (n: number) => new Uint8Array(randomBytes(n));
const failsWith = (code: string) => (e: unknown) => e instanceof TkmsError && e.code === code;

describe('box: answers sealed to the requester', () => {
  const pair = boxKeyPair(random);
  const context = utf8('node-1|k1|digest');
  const sealed = sealTo({ recipient: pair.publicKey, plaintext: utf8('partial'), context, random });

  it('opens with the key pair and the same context', () => {
    assert.deepEqual(openBox({ keyPair: pair, sealed, context }), utf8('partial'));
  });

  it('every box uses a fresh ephemeral key', () => {
    const again = sealTo({ recipient: pair.publicKey, plaintext: utf8('partial'), context, random });
    assert.notDeepEqual(again.subarray(1, 33), sealed.subarray(1, 33));
  });

  it('refuses another context (another node, key or request)', () => {
    assert.throws(
      () => openBox({ keyPair: pair, sealed, context: utf8('node-2|k1|digest') }),
      failsWith('box.open_failed'),
    );
  });

  it('refuses another recipient', () => {
    assert.throws(
      () => openBox({ keyPair: boxKeyPair(random), sealed, context }),
      failsWith('box.open_failed'),
    );
  });

  it('refuses any flipped bit, truncation and a wrong version', () => {
    for (const i of [0, 1, 20, 33, sealed.length - 1]) {
      const bad = Uint8Array.from(sealed);
      bad[i] = (bad[i] as number) ^ 1;
      assert.throws(() => openBox({ keyPair: pair, sealed: bad, context }), failsWith('box.open_failed'));
    }
    assert.throws(
      () => openBox({ keyPair: pair, sealed: sealed.subarray(0, 40), context }),
      failsWith('box.open_failed'),
    );
  });

  it('tells usable requester keys from low-order and malformed ones', () => {
    assert.equal(isUsableBoxKey(pair.publicKey), true);
    assert.equal(isUsableBoxKey(new Uint8Array(32)), false);
    const one = new Uint8Array(32);
    one[0] = 1; // u = 1, order 4
    assert.equal(isUsableBoxKey(one), false);
    assert.equal(isUsableBoxKey(new Uint8Array(31)), false);
    assert.equal(isUsableBoxKey('00'), false);
  });

  it('refuses low-order and malformed requester keys', () => {
    const zero = new Uint8Array(32);
    assert.throws(
      () => sealTo({ recipient: zero, plaintext: utf8('x'), context, random }),
      failsWith('request.invalid'),
    );
    assert.throws(
      () => sealTo({ recipient: new Uint8Array(31), plaintext: utf8('x'), context, random }),
      failsWith('request.invalid'),
    );
  });
});

describe('box: X25519 backend', () => {
  it('refuses a backend that disagrees with noble or accepts a low-order point', () => {
    const good = {
      scalarMultBase: (k: Uint8Array) => x25519.getPublicKey(k),
      scalarMult: (k: Uint8Array, u: Uint8Array) => x25519.getSharedSecret(k, u),
    };
    assert.throws(
      () => setX25519Backend({ ...good, scalarMultBase: (k) => x25519.getPublicKey(k).reverse() }),
      /disagrees/,
    );
    assert.throws(() => setX25519Backend({ ...good, scalarMult: () => new Uint8Array(32) }), /disagrees/);
    assert.throws(
      () =>
        setX25519Backend({
          ...good,
          scalarMult: (k, u) => (u.every((b) => b === 0) ? new Uint8Array(32) : x25519.getSharedSecret(k, u)),
        }),
      /low-order/,
    );
    setX25519Backend(good); // the noble one itself passes
    const pair = boxKeyPair(random);
    const sealed = sealTo({ recipient: pair.publicKey, plaintext: utf8('x'), context: utf8('c'), random });
    assert.deepEqual(openBox({ keyPair: pair, sealed, context: utf8('c') }), utf8('x'));
  });
});
