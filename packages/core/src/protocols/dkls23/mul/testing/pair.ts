/**
 * Test and measurement helpers: one pairwise setup between Alice (2P-MUL sender) and Bob
 * (2P-MUL receiver) from a seed, and fresh copies of its states.
 */
import { type Bytes, utf8 } from '../../../../crypto/bytes.ts';
import type { SecretBytes } from '../../../../crypto/secret.ts';
import { seededRandom } from '../../../../engine/simulate/random.ts';
import { setupReceiverFinish, setupReceiverStart, setupSenderRespond } from '../setup.ts';
import { decodeMulState, encodeMulState } from '../state.ts';
import type { MulPairState } from '../types.ts';

export const ALICE = 'node-alice';
export const BOB = 'node-bob';
export const SETUP_SID = utf8('tkms/test/dkls23-mul-setup');

export type Pair = {
  readonly alice: MulPairState;
  readonly bob: MulPairState;
  readonly message1: Bytes;
  readonly message2: Bytes;
  readonly aliceBlob: SecretBytes;
  readonly bobBlob: SecretBytes;
  /** New, undiscarded copies of both states (as if decoded from storage). */
  fresh(): { alice: MulPairState; bob: MulPairState };
};

export function setupPair(seed: string): Pair {
  const random = seededRandom(seed, 'setup');
  const start = setupReceiverStart({ self: BOB, peer: ALICE, sessionId: SETUP_SID, random });
  const respond = setupSenderRespond({
    self: ALICE,
    peer: BOB,
    sessionId: SETUP_SID,
    message: start.message,
    random,
  });
  const bob = setupReceiverFinish(start.pending, respond.message);
  const alice = respond.state;
  const aliceBlob = encodeMulState(alice);
  const bobBlob = encodeMulState(bob);
  return {
    alice,
    bob,
    message1: start.message,
    message2: respond.message,
    aliceBlob,
    bobBlob,
    fresh: () => ({ alice: decodeMulState(aliceBlob), bob: decodeMulState(bobBlob) }),
  };
}
