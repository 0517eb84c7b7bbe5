/**
 * Pairwise setup of the OT-based multiplication for one ordered pair (sender Alice, receiver Bob),
 * run once (at key generation, or again after a discard): κ = 256 base OTs, two messages.
 *
 * Role reversal (as in every IKNP-style extension, KOS15 included): the 2P-MUL *sender* Alice is
 * the OT-extension sender, who must hold a secret Δ ∈ {0,1}^κ and one seed k_i^{Δ_i} per column,
 * so in the base OTs she is the *receiver* with choice bits Δ. The 2P-MUL *receiver* Bob is the OT-extension receiver, who
 * must hold both seeds (k_i^0, k_i^1), so in the base OTs he is the *sender*.
 *
 *   1. Bob   → Alice  setupReceiverStart:  [tag, A]                        (A = a·G, base-OT sender key)
 *   2. Alice → Bob    setupSenderRespond:  [tag, (R_0, R_1) × κ]           Alice's state is ready
 *   3. Bob            setupReceiverFinish: his state is ready
 *
 * tag = H("dkls23/mul/setup", sessionId, Alice, Bob) binds the session and the ordered pair; a
 * message whose tag differs is refused (`protocol.header_mismatch`) before anything is decoded.
 * Checks: each message is exactly two length-prefixed fields of the exact lengths, A and every
 * R_c are canonical ristretto255 encodings of non-identity elements, and no m_c is the identity
 * (`protocol.malformed`, culprit: the peer). Endemic OT has no other check (base-ot.ts).
 * Bob's pending is single-use: `setupReceiverFinish` wipes it whatever the outcome.
 */
import { type Bytes, equalBytes } from '../../../crypto/bytes.ts';
import { decodeFields, encodeFields } from '../../../crypto/lp.ts';
import { SecretBytes } from '../../../crypto/secret.ts';
import { ristretto255Suite } from '../../../crypto/suites/ristretto255.ts';
import type { RandomSource } from '../../../crypto/suites/types.ts';
import { TkmsError } from '../../../errors/tkms-error.ts';
import {
  BASE_OT_MESSAGE_BYTES,
  BASE_OT_POINT_BYTES,
  baseOtReceive,
  baseOtSend,
  baseOtSenderKey,
  pairBinding,
  setupTag,
} from './base-ot.ts';
import { readScalar, viewOf, writeScalar } from './hash.ts';
import { KAPPA } from './params.ts';
import { checkPartyIds, receiverSecret, senderSecret } from './state.ts';
import type { MulPairState } from './types.ts';

export type MulSetupParameters = {
  /** This party's and the peer's node ids. */
  readonly self: string;
  readonly peer: string;
  /** Session id of this setup (e.g. the key-generation ssid); both parties pass the same bytes. */
  readonly sessionId: Bytes;
  readonly random: RandomSource;
};

/** Bob's secret between his message and Alice's answer. */
export type MulSetupPending = {
  readonly self: string;
  readonly peer: string;
  readonly tag: Bytes;
  readonly A: Bytes;
  /** The base-OT sender key a. */
  readonly secret: SecretBytes;
};

function malformed(peer: string, details: string, cause?: unknown): TkmsError {
  return new TkmsError('protocol.malformed', {
    details: `2P-MUL setup: ${details}`,
    culprits: [peer],
    cause,
  });
}

/** Splits a setup message into [tag, body], refusing another session's tag or wrong lengths. */
function openMessage(message: Bytes, tag: Bytes, bodyBytes: number, peer: string): Bytes {
  let f: Bytes[];
  try {
    f = decodeFields(message, 2);
  } catch (e) {
    throw malformed(peer, (e as Error).message, e);
  }
  if (f.length !== 2) throw malformed(peer, 'expected 2 fields');
  const [got, body] = f as [Bytes, Bytes];
  if (!equalBytes(got, tag))
    throw new TkmsError('protocol.header_mismatch', {
      details: '2P-MUL setup: the message is for another session or pair',
      culprits: [peer],
    });
  if (body.length !== bodyBytes) throw malformed(peer, `body must be ${bodyBytes} bytes`);
  return body;
}

/** Bob (2P-MUL receiver), message 1: the base-OT sender key. */
export function setupReceiverStart(p: MulSetupParameters): { message: Bytes; pending: MulSetupPending } {
  checkPartyIds(p.self, p.peer);
  const tag = setupTag(p.sessionId, p.peer, p.self);
  const { a, A } = baseOtSenderKey(p.random);
  const aBytes = new Uint8Array(32);
  writeScalar(viewOf(aBytes), 0, a);
  const secret = new SecretBytes(aBytes);
  aBytes.fill(0);
  return {
    message: encodeFields([tag, A]),
    pending: { self: p.self, peer: p.peer, tag, A, secret },
  };
}

/**
 * Alice (2P-MUL sender), message 2: samples Δ, runs the κ base OTs as receiver with choice bits
 * Δ, and returns her pair state with the message for Bob.
 * @throws TkmsError `protocol.header_mismatch` / `protocol.malformed` (culprit: Bob)
 */
export function setupSenderRespond(p: MulSetupParameters & { readonly message: Bytes }): {
  message: Bytes;
  state: MulPairState;
} {
  checkPartyIds(p.self, p.peer);
  const tag = setupTag(p.sessionId, p.self, p.peer);
  const A = openMessage(p.message, tag, BASE_OT_POINT_BYTES, p.peer);
  const delta = p.random(KAPPA / 8);
  if (delta.every((x) => x === 0)) throw new RangeError('the random source returned zeros');
  let ot: { message: Bytes; keys: Bytes };
  try {
    ot = baseOtReceive(tag, A, delta, p.random);
  } catch (e) {
    delta.fill(0);
    throw malformed(p.peer, `A: ${(e as Error).message}`, e);
  }
  const binding = pairBinding(tag, A, ot.message);
  const state: MulPairState = {
    role: 'sender',
    self: p.self,
    peer: p.peer,
    discarded: false,
    secret: senderSecret(binding, delta, ot.keys),
  };
  delta.fill(0);
  ot.keys.fill(0);
  return { message: encodeFields([tag, ot.message]), state };
}

/**
 * Bob (2P-MUL receiver), last: derives both seeds of every base OT and returns his pair state.
 * @throws TkmsError `protocol.header_mismatch` / `protocol.malformed` (culprit: Alice)
 */
export function setupReceiverFinish(pending: MulSetupPending, message: Bytes): MulPairState {
  if (pending.secret.expose().every((x) => x === 0))
    throw new RangeError('this setup pending was already used');
  let body: Bytes;
  let keys: { keys0: Bytes; keys1: Bytes };
  try {
    body = openMessage(message, pending.tag, BASE_OT_MESSAGE_BYTES, pending.peer);
    const a = readScalar(viewOf(pending.secret.expose()), 0, ristretto255Suite.order);
    try {
      keys = baseOtSend(pending.tag, a, pending.A, body);
    } catch (e) {
      throw malformed(pending.peer, (e as Error).message, e);
    }
  } finally {
    pending.secret.wipe();
  }
  const state: MulPairState = {
    role: 'receiver',
    self: pending.self,
    peer: pending.peer,
    discarded: false,
    secret: receiverSecret(pairBinding(pending.tag, pending.A, body), keys.keys0, keys.keys1),
  };
  keys.keys0.fill(0);
  keys.keys1.fill(0);
  return state;
}
