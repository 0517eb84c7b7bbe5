/**
 * The receiving end of the peer transport, independent of any HTTP framework: the API route parses
 * the JSON body and hands it to `receive`, which returns the verified core `Envelope` or throws a
 * `TkmsError` whose code and status the route answers with (problem+json).
 */
import { type Envelope, type PartyId, TkmsError } from '@tkms/core';
import { publicIdentity } from '../identity/node-identity.ts';
import { type PublicIdentity, peerKeys } from '../identity/public-identity.ts';
import { type LocalPeer, openEnvelope } from './envelope.ts';
import { createReplayCache, DEFAULT_WINDOW_MS, type ReplayCache } from './replay-cache.ts';
import { DEFAULT_MAX_PAYLOAD_BYTES } from './wire.ts';

export type PinnedPeer = { readonly id: PartyId; readonly publicIdentity: PublicIdentity };

export type PeerReceiverOptions = {
  readonly self: LocalPeer;
  /** Every peer this node accepts envelopes from. An entry for `self` is allowed if it matches. */
  readonly peers: readonly PinnedPeer[];
  /** Accepted clock difference either way, ms (default 60 000). */
  readonly windowMs?: number;
  /** Replay cache bound (default 100 000 entries). */
  readonly maxReplayEntries?: number;
  readonly maxPayloadBytes?: number;
  /** Clock, injectable for tests (default `Date.now`). */
  readonly now?: () => number;
};

export type PeerReceiver = {
  /** Opens one wire envelope (the parsed JSON body). Throws `TkmsError` with a `peer.*` code. */
  receive(body: unknown): Envelope;
  readonly replayCache: ReplayCache;
};

export function createPeerReceiver(opts: PeerReceiverOptions): PeerReceiver {
  const { self } = opts;
  const windowMs = opts.windowMs ?? DEFAULT_WINDOW_MS;
  const maxPayloadBytes = opts.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  const now = opts.now ?? Date.now;
  const peers = pinPeers(self, opts.peers);
  const replayCache = createReplayCache({
    windowMs,
    ...(opts.maxReplayEntries === undefined ? {} : { maxEntries: opts.maxReplayEntries }),
  });
  return {
    replayCache,
    receive: (body) =>
      openEnvelope(body, { self, peers, now: now(), replayCache, windowMs, maxPayloadBytes }),
  };
}

/**
 * Validates a pinned-peer list once (unique ids, well-formed keys, KeyObjects built) and returns the
 * map `openEnvelope` wants, without `self`: a node never accepts envelopes from itself.
 */
export function pinPeers(self: LocalPeer, list: readonly PinnedPeer[]): ReadonlyMap<PartyId, PublicIdentity> {
  const mine = publicIdentity(self.identity);
  const peers = new Map<PartyId, PublicIdentity>();
  const seen = new Set<PartyId>();
  for (const p of list) {
    if (seen.has(p.id)) throw new TkmsError('request.invalid', { details: `peer ${p.id} is listed twice` });
    seen.add(p.id);
    try {
      peerKeys(p.publicIdentity);
    } catch (cause) {
      throw new TkmsError('request.invalid', {
        cause,
        details: `peer ${p.id}: ${cause instanceof Error ? cause.message : 'invalid public identity'}`,
      });
    }
    if (p.id === self.id) {
      if (
        p.publicIdentity.signPublicKey !== mine.signPublicKey ||
        p.publicIdentity.encPublicKey !== mine.encPublicKey
      )
        throw new TkmsError('request.invalid', {
          details: `the pinned identity of ${p.id} (this node) is not this node's identity`,
        });
      continue;
    }
    peers.set(p.id, p.publicIdentity);
  }
  return peers;
}
