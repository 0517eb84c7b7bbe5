import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { bytesToHex, type Envelope, TkmsError } from '@tkms/core';
import { type OpenOptions, openEnvelope, sealEnvelope } from './envelope.ts';
import { createReplayCache } from './replay-cache.ts';
import { makePeers } from './test-peers.ts';
import { DEFAULT_MAX_PAYLOAD_BYTES, type WireEnvelope } from './wire.ts';

const T0 = 1_800_000_000_000;
const { local, pins } = makePeers(['node-1', 'node-2', 'node-3']);
const alice = local['node-1']!;
const bob = local['node-2']!;

function env(over: Partial<Envelope> = {}): Envelope {
  return {
    protocol: 'frost-ed25519/sign',
    ssid: 'ab'.repeat(32),
    from: 'node-1',
    to: 'node-2',
    round: 1,
    kind: 'msg',
    payload: new Uint8Array([1, 2, 3]),
    ...over,
  };
}
const seal = (e: Envelope, now = T0): WireEnvelope =>
  sealEnvelope(e, { self: alice, recipient: pins.get(e.to)!, now });
const openAsBob = (wire: unknown, over: Partial<OpenOptions> = {}): Envelope =>
  openEnvelope(wire, { self: bob, peers: pins, now: T0, replayCache: createReplayCache(), ...over });

describe('peer envelope', () => {
  it('round-trips every header field and the payload to the recipient', () => {
    for (const kind of ['msg', 'echo'] as const) {
      const sent = env({ kind, round: 7, payload: randomBytes(300) });
      const got = openAsBob(JSON.parse(JSON.stringify(seal(sent))));
      assert.deepEqual(got, { ...sent, payload: Uint8Array.from(sent.payload) });
    }
  });

  it('carries an empty payload and one of exactly the size limit', () => {
    assert.equal(openAsBob(seal(env({ payload: new Uint8Array(0) }))).payload.length, 0);
    const big = randomBytes(DEFAULT_MAX_PAYLOAD_BYTES);
    assert.deepEqual(openAsBob(seal(env({ payload: big }))).payload, Uint8Array.from(big));
  });

  it('puts the documented fields on the wire: header in clear, epk and sig hex, ct base64', () => {
    const wire = seal(env());
    assert.deepEqual(Object.keys(wire).sort(), ['ct', 'epk', 'header', 'sig']);
    assert.deepEqual(wire.header, { ...wire.header, v: 1, from: 'node-1', to: 'node-2', round: 1, ts: T0 });
    assert.match(wire.header.mid, /^[0-9a-f]{32}$/);
    assert.match(wire.epk, /^[0-9a-f]{64}$/);
    assert.match(wire.sig, /^[0-9a-f]{128}$/);
    assert.equal(Buffer.from(wire.ct, 'base64').length, 3 + 16);
  });

  it('uses a fresh message id and ephemeral key for every seal of the same envelope', () => {
    const a = seal(env());
    const b = seal(env());
    assert.notEqual(a.header.mid, b.header.mid);
    assert.notEqual(a.epk, b.epk);
    assert.notEqual(a.ct, b.ct);
  });

  it('keeps the payload from a relay: the wire holds no trace of the plaintext', () => {
    const secret = randomBytes(64);
    const wire = seal(env({ payload: secret }));
    const ct = Buffer.from(wire.ct, 'base64');
    const text = JSON.stringify(wire);
    for (let off = 0; off + 8 <= secret.length; off += 8) {
      const piece = secret.subarray(off, off + 8);
      assert.equal(ct.indexOf(piece), -1, 'ciphertext contains plaintext bytes');
      assert.ok(!text.includes(piece.toString('hex')));
      assert.ok(!text.includes(piece.toString('base64').slice(0, 8)));
    }
    assert.ok(!text.includes(bytesToHex(secret)));
  });

  it('lets only the addressee open it: another pinned node gets peer.unknown', () => {
    const wire = seal(env());
    assert.throws(
      () =>
        openEnvelope(wire, {
          self: local['node-3']!,
          peers: pins,
          now: T0,
          replayCache: createReplayCache(),
        }),
      (e: unknown) =>
        e instanceof TkmsError && e.code === 'peer.unknown' && /addressed to node-2/.test(e.message),
    );
  });

  it('refuses to seal what it could not open, naming the problem', () => {
    const refuse = (e: Envelope, re: RegExp): void =>
      assert.throws(
        () => seal(e),
        (err: unknown) => err instanceof TkmsError && err.code === 'peer.malformed' && re.test(err.message),
      );
    refuse(env({ from: 'node-3' }), /this node is node-1/);
    refuse(env({ payload: new Uint8Array(DEFAULT_MAX_PAYLOAD_BYTES + 1) }), /exceeds/);
    refuse(env({ ssid: 'AB'.repeat(32) }), /ssid/);
    refuse(env({ protocol: 'has space' }), /protocol/);
    refuse(env({ round: -1 }), /round/);
  });
});
