/**
 * The long-lived pair state (`MulPairState`) of the OT-based multiplication: its secret layout,
 * its storage encoding, and the rule that a failed check discards it.
 *
 * Secret layout (fixed lengths, so decoding is a length check per role):
 *   sender   (Alice, OT-extension sender, base-OT receiver): "S" ‖ binding ‖ Δ ‖ k_i^{Δ_i} (i < κ)
 *   receiver (Bob, OT-extension receiver, base-OT sender):   "R" ‖ binding ‖ k_i^0 (i < κ) ‖ k_i^1 (i < κ)
 * `binding` (32 bytes, public) is the hash of the pairwise setup transcript; every later hash
 * includes it, so an instance is bound to the base OTs it extends.
 */
import { type Bytes, concatBytes, fromUtf8, utf8 } from '../../../crypto/bytes.ts';
import { decodeFields, encodeFields } from '../../../crypto/lp.ts';
import { SecretBytes } from '../../../crypto/secret.ts';
import type { ErrorCode } from '../../../errors/catalog.ts';
import { TkmsError } from '../../../errors/tkms-error.ts';
import { KAPPA, SEED_BYTES } from './params.ts';
import type { MulPairState } from './types.ts';

const STATE_VERSION = utf8('tkms/dkls23-mul-state/v1');
const SENDER_TAG = 0x53; // "S"
const RECEIVER_TAG = 0x52; // "R"
const SEEDS_BYTES = KAPPA * SEED_BYTES;
export const SENDER_SECRET_BYTES = 1 + 32 + 32 + SEEDS_BYTES;
export const RECEIVER_SECRET_BYTES = 1 + 32 + 2 * SEEDS_BYTES;
const MAX_ID_BYTES = 255;

export type SenderSecret = { binding: Bytes; delta: Bytes; seeds: Bytes };
export type ReceiverSecret = { binding: Bytes; seeds0: Bytes; seeds1: Bytes };

export function senderSecret(binding: Bytes, delta: Bytes, seeds: Bytes): SecretBytes {
  return new SecretBytes(concatBytes(new Uint8Array([SENDER_TAG]), binding, delta, seeds));
}

export function receiverSecret(binding: Bytes, seeds0: Bytes, seeds1: Bytes): SecretBytes {
  return new SecretBytes(concatBytes(new Uint8Array([RECEIVER_TAG]), binding, seeds0, seeds1));
}

/** Views into the state's secret (no copies: do not keep them past the call). */
export function readSenderSecret(state: MulPairState): SenderSecret {
  const b = state.secret.expose();
  if (state.role !== 'sender' || b.length !== SENDER_SECRET_BYTES || b[0] !== SENDER_TAG)
    throw new RangeError('not a 2P-MUL sender state');
  return { binding: b.subarray(1, 33), delta: b.subarray(33, 65), seeds: b.subarray(65) };
}

export function readReceiverSecret(state: MulPairState): ReceiverSecret {
  const b = state.secret.expose();
  if (state.role !== 'receiver' || b.length !== RECEIVER_SECRET_BYTES || b[0] !== RECEIVER_TAG)
    throw new RangeError('not a 2P-MUL receiver state');
  return {
    binding: b.subarray(1, 33),
    seeds0: b.subarray(33, 33 + SEEDS_BYTES),
    seeds1: b.subarray(33 + SEEDS_BYTES),
  };
}

export function checkPartyIds(self: string, peer: string): void {
  for (const id of [self, peer])
    if (typeof id !== 'string' || id.length === 0 || utf8(id).length > MAX_ID_BYTES)
      throw new RangeError('party ids must be non-empty strings of at most 255 bytes');
  if (self === peer) throw new RangeError('a party cannot pair with itself');
}

/**
 * Serialises a pair state for sealed storage. The result holds the base-OT seeds: it is secret,
 * and must reach disk only sealed.
 */
export function encodeMulState(state: MulPairState): SecretBytes {
  if (state.role === 'sender') readSenderSecret(state);
  else readReceiverSecret(state);
  const encoded = encodeFields([
    STATE_VERSION,
    utf8(state.role),
    utf8(state.self),
    utf8(state.peer),
    new Uint8Array([state.discarded ? 1 : 0]),
    state.secret.expose(),
  ]);
  const out = new SecretBytes(encoded);
  encoded.fill(0);
  return out;
}

/**
 * Strict inverse of `encodeMulState`: exactly six fields, the version, a known role, valid and
 * distinct party ids, a flag byte of 0 or 1 and a secret of the role's exact layout.
 * Throws `RangeError` otherwise.
 */
export function decodeMulState(blob: Bytes | SecretBytes): MulPairState {
  const bytes = blob instanceof SecretBytes ? blob.expose() : blob;
  const f = decodeFields(bytes, 6);
  if (f.length !== 6) throw new RangeError('2P-MUL state: expected 6 fields');
  const [version, roleB, selfB, peerB, flag, secret] = f as [Bytes, Bytes, Bytes, Bytes, Bytes, Bytes];
  if (fromUtf8(version) !== fromUtf8(STATE_VERSION)) throw new RangeError('2P-MUL state: unknown version');
  const role = fromUtf8(roleB);
  if (role !== 'sender' && role !== 'receiver') throw new RangeError('2P-MUL state: unknown role');
  const self = fromUtf8(selfB);
  const peer = fromUtf8(peerB);
  checkPartyIds(self, peer);
  if (flag.length !== 1 || (flag[0] !== 0 && flag[0] !== 1)) throw new RangeError('2P-MUL state: bad flag');
  const expected = role === 'sender' ? SENDER_SECRET_BYTES : RECEIVER_SECRET_BYTES;
  if (secret.length !== expected || secret[0] !== (role === 'sender' ? SENDER_TAG : RECEIVER_TAG))
    throw new RangeError('2P-MUL state: secret does not match the role');
  if (role === 'sender' && secret.subarray(33, 65).every((x) => x === 0))
    throw new RangeError('2P-MUL state: Δ is zero');
  return { role, self, peer, discarded: flag[0] === 1, secret: new SecretBytes(secret) };
}

/** Refuses a state of the wrong role (a caller bug) or one discarded after a failed check. */
export function requireUsable(state: MulPairState, role: MulPairState['role']): void {
  if (state.role !== role)
    throw new RangeError(`this step needs the ${role} state, got the ${state.role} state`);
  if (state.discarded)
    throw new TkmsError('session.aborted', {
      details: `the 2P-MUL state with ${state.peer} was discarded after a failed check; run the pairwise setup again`,
      meta: { self: state.self, peer: state.peer },
    });
}

/**
 * A failed check: discards the state (so a selective-failure probe cannot be repeated against the
 * same base OTs) and throws, naming the peer.
 */
export function abortWith(state: MulPairState, code: ErrorCode, details: string, cause?: unknown): never {
  state.discarded = true;
  throw new TkmsError(code, {
    details,
    culprits: [state.peer],
    meta: { self: state.self, peer: state.peer },
    cause,
  });
}
