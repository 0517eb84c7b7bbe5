import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, equalBytes, SecretBytes, TkmsError, utf8 } from '@tkms/core';
import { createSealer, SEAL_MAGIC, sealAad, shareAad } from './sealer.ts';

const KEY = new Uint8Array(32).map((_, i) => i + 1);
const AAD = shareAad({ nodeId: 'node-1', keyId: 'key-a', version: 1 });

function sealFailed(fn: () => unknown): TkmsError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof TkmsError && e.code === 'seal.failed', `expected seal.failed, got ${String(e)}`);
    return e;
  }
  assert.fail('expected seal.failed');
}

describe('sealer', () => {
  it('round-trips and returns the plaintext as SecretBytes', () => {
    const s = createSealer(KEY);
    const plain = randomBytes(32);
    const out = s.open(s.seal(plain, AAD), AAD);
    assert.ok(out instanceof SecretBytes);
    assert.ok(equalBytes(out.expose(), plain));
    assert.equal(inspect(out), 'SecretBytes([secret])');
    assert.equal(s.open(s.seal(new Uint8Array(0), AAD), AAD).length, 0);
  });

  it('writes magic "TKS1", alg 0x01, a 24-byte nonce, then ciphertext and 16-byte tag', () => {
    const nonce = new Uint8Array(24).fill(9);
    const s = createSealer(KEY, { randomBytes: () => nonce });
    const plain = utf8('forty-two bytes of share material........');
    const blob = s.seal(plain, AAD);
    assert.equal(bytesToHex(blob.subarray(0, 4)), bytesToHex(SEAL_MAGIC));
    assert.equal(bytesToHex(SEAL_MAGIC), '544b5331');
    assert.equal(blob[4], 0x01);
    assert.deepEqual(blob.subarray(5, 29), nonce);
    assert.equal(blob.length, 5 + 24 + plain.length + 16);
    // Independent recomputation of the documented construction.
    const k = hkdf(sha256, KEY, undefined, utf8('tkms/seal/v1/xchacha20-poly1305'), 32);
    const ct = xchacha20poly1305(k, nonce, concatBytes(blob.subarray(0, 5), AAD)).encrypt(plain);
    assert.deepEqual(blob.subarray(29), ct);
  });

  it('uses a fresh nonce per blob, so equal plaintexts give different blobs', () => {
    const s = createSealer(KEY);
    const p = randomBytes(32);
    assert.ok(!equalBytes(s.seal(p, AAD), s.seal(p, AAD)));
  });

  it('fails closed with seal.failed and no secret in the message: wrong AAD, wrong key, any flipped byte', () => {
    const s = createSealer(KEY);
    const plain = randomBytes(32);
    const blob = s.seal(plain, AAD);
    const e = sealFailed(() => s.open(blob, shareAad({ nodeId: 'node-1', keyId: 'key-a', version: 2 })));
    assert.ok(!e.message.includes(bytesToHex(plain)) && !e.message.includes(bytesToHex(KEY)));
    assert.equal(e.cause, undefined);
    sealFailed(() => createSealer(randomBytes(32)).open(blob, AAD));
    for (let i = 0; i < blob.length; i++) {
      const t = Uint8Array.from(blob);
      t[i] = (t[i] as number) ^ 0x01;
      sealFailed(() => s.open(t, AAD));
    }
    sealFailed(() => s.open(blob.subarray(0, 44), AAD));
    sealFailed(() => s.open(blob.subarray(0, blob.length - 1), AAD));
  });

  it('binds purpose, node, key and version, unambiguously', () => {
    const s = createSealer(KEY);
    const base = { purpose: 'signing-share', nodeId: 'node-1', keyId: 'ab', version: 1 };
    const blob = s.seal(randomBytes(8), sealAad(base));
    for (const other of [
      { ...base, purpose: 'presignature' },
      { ...base, nodeId: 'node-2' },
      { ...base, keyId: 'abc' },
      { ...base, version: 2 },
      { ...base, nodeId: 'node-1a', keyId: 'b' }, // same concatenation, different fields
    ])
      sealFailed(() => s.open(blob, sealAad(other)));
    assert.deepEqual(shareAad({ nodeId: 'node-1', keyId: 'ab', version: 1 }), sealAad(base));
    sealFailed(() => sealAad({ ...base, version: 0 }));
    sealFailed(() => sealAad({ ...base, keyId: '' }));
  });

  it('refuses a master key that is not 32 bytes or is all zeros; accepts SecretBytes', () => {
    sealFailed(() => createSealer(new Uint8Array(31)));
    sealFailed(() => createSealer(new Uint8Array(33)));
    sealFailed(() => createSealer(new Uint8Array(32)));
    const s = createSealer(new SecretBytes(KEY));
    assert.ok(
      equalBytes(
        createSealer(KEY)
          .open(s.seal(utf8('x'), AAD), AAD)
          .expose(),
        utf8('x'),
      ),
    );
  });

  it('is unusable after wipe()', () => {
    const s = createSealer(KEY);
    const blob = s.seal(utf8('x'), AAD);
    s.wipe();
    sealFailed(() => s.open(blob, AAD));
    sealFailed(() => s.seal(utf8('x'), AAD));
  });
});
