/**
 * Sealing and opening peer envelopes (DESIGN §6 "signed envelopes so a relay cannot forge or read
 * them and a node can prove who sent what"). Wire format: see `wire.ts`.
 *
 * Seal, for a recipient with static X25519 key R:
 *   1. header = { v, protocol, ssid, from, to, round, kind, ts = now, mid = 16 random bytes }
 *   2. ephemeral X25519 key pair (e, E); Z = X25519(e, R)                        (RFC 7748 §6.1)
 *   3. key || nonce = HKDF-SHA256(ikm = Z, salt = "", info = encodeFields(["tkms/peer/v1", E,
 *      sender sign pk, sender enc pk, recipient sign pk, recipient enc pk]), 44)     (RFC 5869)
 *   4. ct = ChaCha20-Poly1305(key, nonce, aad = headerBytes, payload)                (RFC 8439)
 *   5. sig = Ed25519(sender sign sk, encodeFields(["tkms/peer/v1/sig", headerBytes, E, ct]))
 * The key is fresh per message (fresh e), so a fixed-per-key nonce is never reused.
 *
 * Open, in this order, each failure a distinct code and none of them changing state before the
 * signature verifies:
 *   1. schema and sizes                                   → peer.malformed
 *   2. sender pinned, recipient is us                     → peer.unknown
 *   3. Ed25519 signature under the pinned key             → peer.bad_signature
 *   4. |now - ts| <= window                               → peer.stale
 *   5. (from, mid) not seen; recorded now                 → peer.replay
 *   6. X25519 + HKDF + AEAD open                          → peer.malformed (blames the sender)
 */
import {
  createCipheriv,
  createDecipheriv,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  verify,
} from 'node:crypto';
import { type Bytes, type Envelope, encodeFields, type PartyId, TkmsError, utf8 } from '@tkms/core';
import type { NodeIdentity } from '../identity/node-identity.ts';
import { okpPublicKey, okpRawPublic } from '../identity/okp-keys.ts';
import { type PublicIdentity, peerKeys } from '../identity/public-identity.ts';
import type { ReplayCache } from './replay-cache.ts';
import {
  AEAD_TAG_BYTES,
  DEFAULT_MAX_PAYLOAD_BYTES,
  encodeHeader,
  headerProblem,
  malformed,
  type PeerHeader,
  parseWireEnvelope,
  signedBytes,
  WIRE_VERSION,
  type WireEnvelope,
} from './wire.ts';

/** This node: its party id and its identity keys. */
export type LocalPeer = { readonly id: PartyId; readonly identity: NodeIdentity };

export type SealOptions = {
  readonly self: LocalPeer;
  /** The pinned identity of `env.to`. */
  readonly recipient: PublicIdentity;
  /** Sender clock, ms since the epoch. */
  readonly now: number;
  readonly maxPayloadBytes?: number;
};

export type OpenOptions = {
  readonly self: LocalPeer;
  /** Pinned peers: party id → public identity. */
  readonly peers: ReadonlyMap<PartyId, PublicIdentity>;
  /** Receiver clock, ms since the epoch. */
  readonly now: number;
  readonly replayCache: ReplayCache;
  /** Accepted clock difference either way; defaults to, and may not exceed, `replayCache.windowMs`. */
  readonly windowMs?: number;
  readonly maxPayloadBytes?: number;
};

const KDF_INFO = utf8('tkms/peer/v1');
const EMPTY = new Uint8Array(0);
const AEAD = 'chacha20-poly1305';

export function sealEnvelope(env: Envelope, opts: SealOptions): WireEnvelope {
  const { self, now } = opts;
  const maxPayloadBytes = opts.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  const problem = headerProblem(env);
  if (problem) throw malformed(`refusing to seal: ${problem}`);
  if (env.from !== self.id) throw malformed(`refusing to seal: from is ${env.from}, this node is ${self.id}`);
  if (env.payload.length > maxPayloadBytes)
    throw malformed(`refusing to seal: payload exceeds ${maxPayloadBytes} bytes`);
  if (!Number.isSafeInteger(now) || now < 0) throw new RangeError('now must be a non-negative integer (ms)');
  const recipient = peerKeys(opts.recipient);

  const header: PeerHeader = {
    v: WIRE_VERSION,
    protocol: env.protocol,
    ssid: env.ssid,
    from: env.from,
    to: env.to,
    round: env.round,
    kind: env.kind,
    ts: now,
    mid: randomBytes(16).toString('hex'),
  };
  const headerBytes = encodeHeader(header);
  const eph = generateKeyPairSync('x25519');
  const epk = okpRawPublic(eph.publicKey);
  const z = diffieHellman({ privateKey: eph.privateKey, publicKey: recipient.encKey });
  const { key, nonce } = deriveKey(z, epk, self.identity, recipient);
  const cipher = createCipheriv(AEAD, key, nonce, { authTagLength: AEAD_TAG_BYTES });
  cipher.setAAD(headerBytes, { plaintextLength: env.payload.length });
  const ct = Buffer.concat([cipher.update(env.payload), cipher.final(), cipher.getAuthTag()]);
  key.fill(0);
  const sig = self.identity.sign(signedBytes(headerBytes, epk, ct));
  return {
    header,
    epk: Buffer.from(epk).toString('hex'),
    ct: ct.toString('base64'),
    sig: Buffer.from(sig).toString('hex'),
  };
}

export function openEnvelope(wire: unknown, opts: OpenOptions): Envelope {
  const { self, peers, now, replayCache } = opts;
  const windowMs = opts.windowMs ?? replayCache.windowMs;
  if (!Number.isSafeInteger(now)) throw new RangeError('now must be an integer (ms)');
  if (windowMs > replayCache.windowMs)
    throw new RangeError('windowMs exceeds the replay cache window: replays could outlive their entries');

  // 1. schema
  const w = parseWireEnvelope(wire, opts.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES);
  const { header } = w;
  // 2. sender pinned, addressed to us
  const pinned = peers.get(header.from);
  if (pinned === undefined || header.from === self.id)
    throw new TkmsError('peer.unknown', { details: `sender ${header.from} is not a pinned peer` });
  if (header.to !== self.id)
    throw new TkmsError('peer.unknown', { details: `envelope is addressed to ${header.to}, not ${self.id}` });
  // 3. signature
  const sender = peerKeys(pinned);
  if (!verify(null, signedBytes(w.headerBytes, w.epk, w.ct), sender.verifyKey, w.sig))
    throw new TkmsError('peer.bad_signature', {
      details: `signature does not verify under ${header.from}'s key`,
    });
  // 4. time window. No culprit: a relay can delay or replay an honest sender's envelope.
  const skew = now - header.ts;
  if (!(skew <= windowMs && skew >= -windowMs))
    throw new TkmsError('peer.stale', {
      details: `ts is ${skew > 0 ? 'older' : 'newer'} than the ±${windowMs} ms window by ${Math.abs(skew) - windowMs} ms`,
      meta: { from: header.from, skewMs: skew },
    });
  // 5. replay
  const verdict = replayCache.checkAndRecord(header.from, header.mid, header.ts, now);
  if (verdict !== 'fresh')
    throw new TkmsError('peer.replay', {
      details:
        verdict === 'replay'
          ? `message ${header.mid} from ${header.from} was already received`
          : 'replay cache is full and this message is older than an evicted one',
      meta: { from: header.from },
    });
  // 6. decrypt. The sender signed this ciphertext, so a failure here is on the sender (or on a pin
  // of our encryption key that the sender holds and we rotated).
  const culprits = [header.from];
  let z: Bytes;
  try {
    z = self.identity.agree(okpPublicKey('X25519', w.epk));
  } catch (cause) {
    throw new TkmsError('peer.malformed', { culprits, cause, details: 'ephemeral key is of low order' });
  }
  const { key, nonce } = deriveKey(z, w.epk, sender, self.identity);
  const body = w.ct.subarray(0, w.ct.length - AEAD_TAG_BYTES);
  const decipher = createDecipheriv(AEAD, key, nonce, { authTagLength: AEAD_TAG_BYTES });
  decipher.setAAD(w.headerBytes, { plaintextLength: body.length });
  decipher.setAuthTag(w.ct.subarray(w.ct.length - AEAD_TAG_BYTES));
  // update() hands back its own ArrayBuffer (not node's shared pool), wiped if the tag fails.
  const plain = decipher.update(body);
  try {
    decipher.final();
  } catch (cause) {
    plain.fill(0);
    throw new TkmsError('peer.malformed', {
      culprits,
      cause,
      details: `payload from ${header.from} does not decrypt for this node (was it sealed to an outdated encryption key?)`,
    });
  } finally {
    key.fill(0);
  }
  const payload = new Uint8Array(plain.buffer, plain.byteOffset, plain.byteLength);
  return {
    protocol: header.protocol,
    ssid: header.ssid,
    from: header.from,
    to: header.to,
    round: header.round,
    kind: header.kind,
    payload,
  };
}

type KeyPair = { readonly signPublicKey: Bytes; readonly encPublicKey: Bytes };

function deriveKey(
  z: Bytes,
  epk: Bytes,
  sender: KeyPair,
  recipient: KeyPair,
): { key: Buffer; nonce: Buffer } {
  const info = encodeFields([
    KDF_INFO,
    epk,
    sender.signPublicKey,
    sender.encPublicKey,
    recipient.signPublicKey,
    recipient.encPublicKey,
  ]);
  const okm = Buffer.from(hkdfSync('sha256', z, EMPTY, info, 44));
  z.fill(0);
  return { key: okm.subarray(0, 32), nonce: okm.subarray(32, 44) };
}
