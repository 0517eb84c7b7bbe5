/**
 * One test per check of `openEnvelope`, each driven by what an attacker on the wire (or a pinned
 * peer gone bad) can actually do, plus the order of the checks.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { type Envelope, type ErrorCode, TkmsError } from '@tkms/core';
import { type LocalPeer, type OpenOptions, openEnvelope, sealEnvelope } from './envelope.ts';
import { createReplayCache, type ReplayCache } from './replay-cache.ts';
import { makePeers } from './test-peers.ts';
import { encodeHeader, type PeerHeader, signedBytes, type WireEnvelope } from './wire.ts';

const T0 = 1_800_000_000_000;
const WINDOW = 60_000;
const { local, pins } = makePeers(['node-1', 'node-2', 'node-3']);
const alice = local['node-1']!;
const bob = local['node-2']!;
const carol = local['node-3']!;

const ENV: Envelope = {
  protocol: 'dkg',
  ssid: 'ab'.repeat(32),
  from: 'node-1',
  to: 'node-2',
  round: 2,
  kind: 'msg',
  payload: new Uint8Array([9, 8, 7, 6]),
};
const seal = (over: Partial<Envelope> = {}, now = T0, from: LocalPeer = alice): WireEnvelope => {
  const e = { ...ENV, from: from.id, ...over };
  return sealEnvelope(e, { self: from, recipient: pins.get(e.to)!, now });
};
function open(wire: unknown, over: Partial<OpenOptions> = {}): Envelope {
  return openEnvelope(wire, { self: bob, peers: pins, now: T0, replayCache: createReplayCache(), ...over });
}
function rejects(fn: () => unknown, code: ErrorCode, detail?: RegExp): TkmsError {
  let caught: unknown;
  assert.throws(fn, (e: unknown) => {
    caught = e;
    return e instanceof TkmsError && e.code === code && (detail === undefined || detail.test(e.message));
  });
  return caught as TkmsError;
}
/** Re-signs a wire envelope with `signer`'s key, as a pinned peer could for its own messages. */
function resign(w: WireEnvelope, signer: LocalPeer, header: PeerHeader = w.header): WireEnvelope {
  const sig = signer.identity.sign(
    signedBytes(encodeHeader(header), Buffer.from(w.epk, 'hex'), Buffer.from(w.ct, 'base64')),
  );
  return { ...w, header, sig: Buffer.from(sig).toString('hex') };
}
const flipHex = (h: string, i = 0): string =>
  h.slice(0, i) + ((Number.parseInt(h[i]!, 16) ^ 1) & 0xf).toString(16) + h.slice(i + 1);
function flipB64(b64: string, byte: number): string {
  const b = Buffer.from(b64, 'base64');
  b[byte]! ^= 1;
  return b.toString('base64');
}

describe('peer envelope: forgery', () => {
  it('rejects a signature with one bit flipped', () => {
    const w = seal();
    rejects(() => open({ ...w, sig: flipHex(w.sig, 5) }), 'peer.bad_signature');
    rejects(() => open({ ...w, sig: flipHex(w.sig, 127) }), 'peer.bad_signature');
  });

  it('rejects an envelope another pinned peer signed in the name of node-1', () => {
    rejects(() => open(resign(seal(), carol)), 'peer.bad_signature', /node-1's key/);
  });

  it('rejects every tampered header field, whether the field is routing data or not', () => {
    const w = seal();
    const tampered: Partial<PeerHeader>[] = [
      { protocol: 'dkg2' },
      { ssid: '12'.repeat(32) },
      { from: 'node-3' },
      { round: 3 },
      { kind: 'echo' },
      { ts: T0 + 1 },
      { mid: flipHex(w.header.mid) },
    ];
    for (const change of tampered)
      rejects(() => open({ ...w, header: { ...w.header, ...change } }), 'peer.bad_signature');
  });

  it('rejects a redirected envelope: the new addressee sees a broken signature', () => {
    const w = seal();
    const redirected = { ...w, header: { ...w.header, to: 'node-3' } };
    rejects(() => open(redirected, { self: carol }), 'peer.bad_signature');
  });

  it('rejects tampered ciphertext, truncated ciphertext and a swapped ephemeral key', () => {
    const w = seal();
    rejects(() => open({ ...w, ct: flipB64(w.ct, 0) }), 'peer.bad_signature');
    rejects(() => open({ ...w, ct: flipB64(w.ct, 19) }), 'peer.bad_signature');
    const short = Buffer.from(w.ct, 'base64').subarray(0, -1).toString('base64');
    rejects(() => open({ ...w, ct: short }), 'peer.bad_signature');
    rejects(() => open({ ...w, epk: seal().epk }), 'peer.bad_signature');
    rejects(() => open({ ...w, epk: flipHex(w.epk, 10) }), 'peer.bad_signature');
  });

  it('does not let a forged copy burn the message id of the genuine envelope', () => {
    const replayCache = createReplayCache();
    const w = seal();
    rejects(() => open({ ...w, sig: flipHex(w.sig) }, { replayCache }), 'peer.bad_signature');
    rejects(() => open({ ...w, header: { ...w.header, ts: T0 + 5 } }, { replayCache }), 'peer.bad_signature');
    assert.equal(replayCache.size, 0);
    assert.deepEqual(open(w, { replayCache }).payload, ENV.payload);
  });
});

describe('peer envelope: senders and recipients', () => {
  it('rejects a sender that is not pinned, even with a valid signature of its own', () => {
    const { local: other } = makePeers(['mallory']);
    const mallory = other.mallory!;
    const w = sealEnvelope(
      { ...ENV, from: 'mallory' },
      { self: mallory, recipient: pins.get('node-2')!, now: T0 },
    );
    rejects(() => open(w), 'peer.unknown', /mallory is not a pinned peer/);
    // A pinned id whose key changed (a node re-keyed without telling us) is a bad signature.
    const impostor = { id: 'node-1', identity: mallory.identity };
    rejects(() => open(seal({}, T0, impostor)), 'peer.bad_signature');
  });

  it('rejects an envelope claiming to come from this node itself', () => {
    const w = resign({ ...seal(), header: { ...seal().header, from: 'node-2' } }, bob);
    rejects(() => open(w), 'peer.unknown', /node-2 is not a pinned peer/);
  });

  it('rejects an envelope addressed to another node', () => {
    rejects(() => open(seal({ to: 'node-3' })), 'peer.unknown', /addressed to node-3, not node-2/);
  });
});

describe('peer envelope: replay and time window', () => {
  it('accepts a wire message once; the same bytes again are peer.replay', () => {
    const replayCache = createReplayCache();
    const w = JSON.stringify(seal());
    open(JSON.parse(w), { replayCache });
    const e = rejects(() => open(JSON.parse(w), { replayCache, now: T0 + 1_000 }), 'peer.replay');
    assert.deepEqual(e.culprits, [], 'a relay can replay: the sender is not to blame');
  });

  it('keys the replay cache per sender, so one peer cannot block another by copying its mid', () => {
    const replayCache = createReplayCache();
    const w = seal();
    const c = seal({}, T0, carol);
    const fromCarol = resign({ ...c, header: { ...c.header, mid: w.header.mid } }, carol);
    assert.throws(() => open(fromCarol, { replayCache }), /does not decrypt/);
    assert.deepEqual(open(w, { replayCache }).payload, ENV.payload);
  });

  it('rejects stale and future timestamps beyond the window, accepts both edges', () => {
    rejects(() => open(seal({}, T0 - WINDOW - 1)), 'peer.stale', /older/);
    rejects(() => open(seal({}, T0 + WINDOW + 1)), 'peer.stale', /newer/);
    open(seal({}, T0 - WINDOW));
    open(seal({}, T0 + WINDOW));
    rejects(() => open(seal({}, T0 - 2_000), { windowMs: 1_000 }), 'peer.stale');
  });

  it('catches a replay at the last moment the window still admits it', () => {
    const replayCache = createReplayCache({ windowMs: WINDOW });
    const w = seal({}, T0 + WINDOW); // sender clock a full window ahead
    open(w, { replayCache, now: T0 });
    rejects(() => open(w, { replayCache, now: T0 + 2 * WINDOW }), 'peer.replay');
    rejects(() => open(w, { replayCache, now: T0 + 2 * WINDOW + 1 }), 'peer.stale');
  });

  it('fails closed on a receiver clock that is not a number', () => {
    assert.throws(() => open(seal(), { now: Number.NaN }), RangeError);
  });

  it('refuses a window wider than the replay cache covers', () => {
    assert.throws(() => open(seal(), { windowMs: WINDOW + 1, replayCache: createReplayCache() }), RangeError);
  });
});

describe('peer envelope: malformed input', () => {
  const w = seal();
  const cases: [string, unknown][] = [
    ['not an object', 'x'],
    ['null', null],
    ['an array', [w]],
    ['missing sig', { header: w.header, epk: w.epk, ct: w.ct }],
    ['extra top-level field', { ...w, extra: 1 }],
    ['extra header field', { ...w, header: { ...w.header, note: 'hi' } }],
    ['missing header field', { ...w, header: { ...w.header, mid: undefined } }],
    ['version 2', { ...w, header: { ...w.header, v: 2 } }],
    ['upper-case ssid', { ...w, header: { ...w.header, ssid: w.header.ssid.toUpperCase() } }],
    ['short ssid', { ...w, header: { ...w.header, ssid: 'ab' } }],
    ['negative round', { ...w, header: { ...w.header, round: -1 } }],
    ['fractional round', { ...w, header: { ...w.header, round: 1.5 } }],
    ['round above u32', { ...w, header: { ...w.header, round: 2 ** 32 } }],
    ['unknown kind', { ...w, header: { ...w.header, kind: 'ack' } }],
    ['string ts', { ...w, header: { ...w.header, ts: String(T0) } }],
    ['negative ts', { ...w, header: { ...w.header, ts: -1 } }],
    ['short mid', { ...w, header: { ...w.header, mid: 'ab' } }],
    ['non-ASCII protocol', { ...w, header: { ...w.header, protocol: 'dkg\u00e9' } }],
    ['lone surrogate in from', { ...w, header: { ...w.header, from: '\ud800' } }],
    ['empty to', { ...w, header: { ...w.header, to: '' } }],
    ['overlong protocol', { ...w, header: { ...w.header, protocol: 'p'.repeat(129) } }],
    ['short epk', { ...w, epk: w.epk.slice(2) }],
    ['upper-case sig', { ...w, sig: w.sig.toUpperCase() }],
    ['0x-prefixed epk', { ...w, epk: `0x${w.epk.slice(2)}` }],
    ['unpadded base64 ct', { ...w, ct: w.ct.replace(/=+$/, '') }],
    ['ct with whitespace', { ...w, ct: `${w.ct.slice(0, 4)}    ${w.ct.slice(4)}` }],
    ['base64url ct', { ...w, ct: Buffer.from(w.ct, 'base64').toString('base64url') }],
    ['non-canonical base64 padding bits', { ...w, ct: `${w.ct.slice(0, -3)}BB=` }],
    ['ct shorter than the tag', { ...w, ct: Buffer.alloc(15).toString('base64') }],
  ];
  for (const [name, value] of cases)
    it(`rejects ${name} as peer.malformed`, () => {
      // Through JSON, as the HTTP route would hand it over.
      const received: unknown = JSON.parse(JSON.stringify(value));
      rejects(() => open(received), 'peer.malformed');
    });

  it('rejects an oversize payload from its length alone, before decoding it', () => {
    const small = { maxPayloadBytes: 1024 };
    const big = sealEnvelope(
      { ...ENV, payload: randomBytes(1025) },
      { self: alice, recipient: pins.get('node-2')!, now: T0 },
    );
    rejects(() => open(big, small), 'peer.malformed', /exceeds 1024 bytes/);
    open(
      sealEnvelope(
        { ...ENV, payload: randomBytes(1024) },
        { self: alice, recipient: pins.get('node-2')!, now: T0 },
      ),
      small,
    );
    const huge = { ...w, ct: 'A'.repeat(64 * 1024 * 1024) };
    const start = performance.now();
    rejects(() => open(huge, small), 'peer.malformed', /exceeds/);
    assert.ok(performance.now() - start < 500, 'size is checked before the 64 MiB string is scanned');
  });
});

describe('peer envelope: failures after the signature blame the sender', () => {
  it('a payload sealed to an outdated encryption key is peer.malformed naming the sender', () => {
    const stalePin = { ...pins.get('node-2')!, encPublicKey: pins.get('node-3')!.encPublicKey };
    const w = sealEnvelope(ENV, { self: alice, recipient: stalePin, now: T0 });
    const e = rejects(() => open(w), 'peer.malformed', /does not decrypt/);
    assert.deepEqual(e.culprits, ['node-1']);
  });

  it('a signed low-order ephemeral key is peer.malformed naming the sender', () => {
    const w = seal();
    const e = rejects(
      () => open(resign({ ...w, epk: '00'.repeat(32) }, alice)),
      'peer.malformed',
      /low order/,
    );
    assert.deepEqual(e.culprits, ['node-1']);
  });
});

describe('peer envelope: order of checks', () => {
  const stale = T0 + 10 * WINDOW;
  it('schema before sender: a malformed envelope from nobody is peer.malformed', () => {
    const w = seal();
    rejects(() => open({ ...w, header: { ...w.header, from: 'nobody', v: 2 } }), 'peer.malformed');
  });
  it('sender before signature: an unpinned sender with a junk signature is peer.unknown', () => {
    const w = seal();
    rejects(
      () => open({ ...w, sig: flipHex(w.sig), header: { ...w.header, from: 'nobody' } }),
      'peer.unknown',
    );
  });
  it('signature before time: a forged stale envelope is peer.bad_signature, not peer.stale', () => {
    const w = seal({}, stale);
    rejects(() => open({ ...w, sig: flipHex(w.sig) }), 'peer.bad_signature');
  });
  it('time before replay: a replay that arrives late is peer.stale and records nothing', () => {
    const replayCache: ReplayCache = createReplayCache();
    const w = seal();
    open(w, { replayCache });
    rejects(() => open(w, { replayCache, now: T0 + WINDOW + 1 }), 'peer.stale');
    rejects(() => open(seal({}, stale), { replayCache }), 'peer.stale');
    assert.equal(replayCache.size, 1);
  });
  it('replay before decryption: a replayed undecryptable envelope is peer.replay', () => {
    const replayCache = createReplayCache();
    const stalePin = { ...pins.get('node-2')!, encPublicKey: pins.get('node-3')!.encPublicKey };
    const w = sealEnvelope(ENV, { self: alice, recipient: stalePin, now: T0 });
    rejects(() => open(w, { replayCache }), 'peer.malformed');
    rejects(() => open(w, { replayCache }), 'peer.replay');
  });
});
