/**
 * The two-party multiplication (2P-MUL) that DKLs23 signing uses as a black box (ePrint 2023/765,
 * §3 and Protocol 3.6; DKLs19 Protocol 1 with DKLs23's two-message adaptation), as an interface:
 * the signing protocol (`../sign`) is written against it, the OT-based implementation (`./ot-mul`)
 * provides it.
 *
 * Roles per ordered pair (i, j) and signing instance:
 * - the RECEIVER (Bob, party i in Protocol 3.6) has a random input χ ∈ Z_q it does not choose
 *   freely: χ = ⟨g, β⟩ for a public gadget vector g and random choice bits β (DKLs19);
 * - the SENDER (Alice, party j) has L = 2 inputs a = (r_j, sk_j);
 * - after two messages (receiver → sender, sender → receiver) the sender holds c ∈ Z_q^L and the
 *   receiver holds d ∈ Z_q^L with c_k + d_k = a_k · χ (mod q) for each k.
 *
 * Every check of the protocol (OT-extension consistency, the multiplication's verification
 * equations) is inside the implementation: a failure throws TkmsError with code `protocol.bad_ot`
 * or `protocol.bad_mul` naming the peer, is terminal for the instance, and the caller must discard
 * the pair's OT state (`MulPairState.discarded` set) so a selective-failure probe cannot be
 * retried against the same base OTs.
 */
import type { Bytes } from '../../../crypto/bytes.ts';
import type { SecretBytes } from '../../../crypto/secret.ts';
import type { RandomSource } from '../../../crypto/suites/types.ts';

/** Number of multiplications per instance: (r_j, sk_j) in Protocol 3.6. */
export const MUL_INPUTS = 2;

/**
 * Long-lived secret state of one ordered pair, produced once by the pairwise setup (base OTs) at
 * key generation and stored sealed by the node. Opaque outside the implementation: serialise with
 * `encodeMulState` / `decodeMulState`.
 */
export type MulPairState = {
  readonly role: 'sender' | 'receiver';
  /** This party and its peer (node ids). */
  readonly self: string;
  readonly peer: string;
  /** Set once a check failed with this peer: the state must not be used again. */
  discarded: boolean;
  /** Implementation-defined secret material (base-OT seeds, Δ). */
  readonly secret: SecretBytes;
};

/** The receiver's private state between its first message and the sender's answer. */
export type MulReceiverPending = {
  /** χ, the receiver's random input (secret). */
  readonly chi: bigint;
  /** Implementation-defined secret material (choice bits, extension outputs). */
  readonly secret: SecretBytes;
};

export interface TwoPartyMultiplication {
  /**
   * Receiver, first message: samples χ (via random choice bits) and runs the OT-extension
   * receiver step. `sessionId` binds the instance (the signing ssid plus the ordered pair); the
   * same state must never be used twice with the same `sessionId`.
   */
  receiverStart(
    state: MulPairState,
    sessionId: Bytes,
    random: RandomSource,
  ): { message: Bytes; pending: MulReceiverPending };

  /**
   * Sender, answer: checks the receiver's message (OT-extension consistency), and returns its
   * shares c and the message for the receiver.
   * @throws TkmsError `protocol.bad_ot` (culprit: the receiver)
   */
  senderRespond(
    state: MulPairState,
    sessionId: Bytes,
    receiverMessage: Bytes,
    inputs: readonly bigint[],
    random: RandomSource,
  ): { message: Bytes; shares: bigint[] };

  /**
   * Receiver, finish: checks the sender's message (the multiplication's verification) and returns
   * its shares d with c_k + d_k = a_k·χ.
   * @throws TkmsError `protocol.bad_mul` (culprit: the sender)
   */
  receiverFinish(
    state: MulPairState,
    sessionId: Bytes,
    pending: MulReceiverPending,
    senderMessage: Bytes,
  ): { shares: bigint[] };
}
