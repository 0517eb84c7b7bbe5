export {
  type LocalPeer,
  type OpenOptions,
  openEnvelope,
  type SealOptions,
  sealEnvelope,
} from './envelope.ts';
export {
  createPeerClient,
  DEFAULT_PEER_TIMEOUT_MS,
  type PeerClient,
  type PeerClientOptions,
  type PeerEndpoint,
  type PingResult,
} from './peer-client.ts';
export {
  createPeerReceiver,
  type PeerReceiver,
  type PeerReceiverOptions,
  type PinnedPeer,
  pinPeers,
} from './peer-receiver.ts';
export {
  createReplayCache,
  DEFAULT_REPLAY_ENTRIES,
  DEFAULT_WINDOW_MS,
  type ReplayCache,
  type ReplayCacheOptions,
  type ReplayVerdict,
} from './replay-cache.ts';
export {
  DEFAULT_MAX_PAYLOAD_BYTES,
  type PeerHeader,
  parseWireEnvelope,
  WIRE_VERSION,
  type WireEnvelope,
} from './wire.ts';
