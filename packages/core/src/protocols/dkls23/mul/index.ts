/**
 * OT-based two-party multiplication for DKLs23 signing (docs/protocols/dkls23-mul.md): the
 * pairwise setup (κ = 256 Endemic base OTs over ristretto255), state storage, and the
 * `TwoPartyMultiplication` implementation (KOS15 OT extension + DKLs19 Protocol 1).
 */
export { BASE_OT_MESSAGE_BYTES } from './base-ot.ts';
export { createOtMultiplication, RECEIVER_MESSAGE_BYTES, SENDER_MESSAGE_BYTES } from './ot-mul.ts';
export {
  type MulSetupParameters,
  type MulSetupPending,
  setupReceiverFinish,
  setupReceiverStart,
  setupSenderRespond,
} from './setup.ts';
export { decodeMulState, encodeMulState } from './state.ts';
export {
  MUL_INPUTS,
  type MulPairState,
  type MulReceiverPending,
  type TwoPartyMultiplication,
} from './types.ts';
