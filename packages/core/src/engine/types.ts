/**
 * Round-based protocol model (after taurushq-io/multi-party-sig's round/handler split).
 *
 * A protocol is a chain of rounds. For each round the runner collects one message from every
 * party named in `from`, calling `verify` (pure: decode + every check, no state change) and then
 * `store`. When all have arrived (and, for `echo` rounds, all parties confirmed they saw the same
 * broadcasts) it calls `finalize`, which returns the next round with its outbox, the result, or an
 * abort value naming the culprits. Rounds do no I/O, read no clock and get randomness from the
 * session context, so the same code runs in a node, a test and a benchmark.
 */
import type { Bytes } from '../crypto/bytes.ts';
import type { ErrorCode } from '../errors/catalog.ts';

/** A party's stable name inside a session (the node id, e.g. "node-1"). */
export type PartyId = string;

/** A failed session, as a value. `culprits` is empty when the protocol cannot tell who cheated. */
export type Abort = {
  readonly code: ErrorCode;
  readonly round: number;
  readonly culprits: readonly PartyId[];
  /** Human detail; never secret material. */
  readonly detail: string;
};

/** One message a round wants sent: to one party, or `'*'` for every other party in the session. */
export type Outgoing = { readonly to: PartyId | '*'; readonly payload: Bytes };

export type Step<Out> =
  | { readonly type: 'continue'; readonly round: Round<Out>; readonly outbox: readonly Outgoing[] }
  | { readonly type: 'done'; readonly output: Out }
  | { readonly type: 'abort'; readonly abort: Abort };

export type Verified<V> =
  | { readonly ok: true; readonly value: V }
  | { readonly ok: false; readonly abort: Abort };

export interface Round<Out, V = unknown> {
  /** 1-based round number; the envelope header carries it and the runner checks it. */
  readonly number: number;
  /** Parties whose message this round needs (never includes the local party). */
  readonly from: readonly PartyId[];
  /** Broadcast rounds send the same payload to all; direct rounds a different one to each. */
  readonly kind: 'broadcast' | 'direct';
  /** When true, the runner runs an echo exchange over this round's broadcasts before `finalize`. */
  readonly echo: boolean;
  /** Decode and check one message. Must not change state. */
  verify(from: PartyId, payload: Bytes): Verified<V>;
  /** Record a verified message. */
  store(from: PartyId, value: V): void;
  /** Called once all messages (and echoes) are in. */
  finalize(): Step<Out>;
}

/** What a protocol's `start` gets: who we are, who else is in, and where randomness comes from. */
export type SessionContext = {
  readonly protocol: string;
  /** 32-byte session id, see `computeSsid`. */
  readonly ssid: Bytes;
  readonly self: PartyId;
  /** Every party in the session, sorted, including `self`. */
  readonly parties: readonly PartyId[];
  /** Cryptographically secure randomness, injected. */
  readonly random: (n: number) => Bytes;
};

/** Core-level message between parties; the node's transport signs and encrypts it. */
export type Envelope = {
  readonly protocol: string;
  /** Hex of the 32-byte ssid. */
  readonly ssid: string;
  readonly from: PartyId;
  readonly to: PartyId;
  readonly round: number;
  /** `msg` carries a round message; `echo` the hash of a round's broadcasts as the sender saw them. */
  readonly kind: 'msg' | 'echo';
  readonly payload: Bytes;
};
