import { type Bytes, u32be, utf8 } from '../crypto/bytes.ts';
import { hashTranscript } from '../crypto/transcript.ts';

export type SsidInput = {
  protocol: string;
  suite: string;
  parties: readonly string[];
  threshold: number;
  keyId: string;
  /** Caller-chosen fresh nonce (at least 16 bytes) so two sessions never share an id. */
  nonce: Bytes;
  /** Request parameters every party must agree on (e.g. the message digest for signing). */
  context?: Bytes;
};

/**
 * Session id = H("engine/ssid", protocol, suite, sorted parties, threshold, key id, nonce, context).
 * Binding the request context means two parties given different messages for "the same" session
 * never exchange a message: every envelope fails the header check.
 * Every envelope header is checked against it before its payload is decoded.
 */
export function computeSsid(input: SsidInput): Bytes {
  if (input.nonce.length < 16) throw new RangeError('session nonce must be at least 16 bytes');
  const parties = [...input.parties].sort();
  if (new Set(parties).size !== parties.length) throw new RangeError('duplicate party in session');
  return hashTranscript('engine/ssid', [
    utf8(input.protocol),
    utf8(input.suite),
    u32be(parties.length),
    ...parties.map(utf8),
    u32be(input.threshold),
    utf8(input.keyId),
    input.nonce,
    input.context ?? new Uint8Array(0),
  ]);
}
