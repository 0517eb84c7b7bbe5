/**
 * κ random base OTs: Endemic OT (Masny–Rindal, "Endemic Oblivious Transfer", CCS 2019, ePrint
 * 2019/706: OT from a key agreement with uniform messages) on Diffie–Hellman over ristretto255
 * (RFC 9496, prime order, no cofactor), with one sender key for the whole batch.
 *
 * Sender S (secret a, A = a·G) and receiver R (choice bit b) for OT i, with
 * H_G(c, X) a random oracle into the group on (tag, i, c, X) (`hashToGroup`):
 *   R: s ← Z_q, M = s·G; R_{1−b} ← uniform element; R_b = M − H_G(b, R_{1−b}); sends (R_0, R_1).
 *   S: m_c = R_c + H_G(c, R_{1−c}) for c ∈ {0, 1}; k_c = KDF(tag, i, c, A, R_0, R_1, a·m_c).
 *   R: k_b = KDF(tag, i, b, A, R_0, R_1, s·A)   (m_b = M, so a·m_b = s·A).
 *
 * Security (MR19's theorem for this construction: random-oracle model, CDH): receiver privacy is
 * perfect — R_{1−b} is uniform and so is R_b (M is uniform), whatever b is. Against a malicious
 * receiver, H_G is programmable, so R knows the discrete log of at most one of m_0, m_1 (the one
 * whose R_{1−c} it queried first); the other key needs a·m_{1−b} from A and m_{1−b}, a CDH
 * instance. The protocol realises *endemic* OT: a corrupt party may fix its own outputs, which
 * OT extension tolerates (MR19 make this point; KOS/SoftSpokenOT use random base OTs). Binding the
 * setup tag (session id and both party ids), the index i and the whole OT transcript into every
 * hash keeps the 256 OTs sharing one sender key independent.
 *
 * Two arithmetic paths, one algorithm (`OtGroup`): noble points, or, while a native backend is
 * installed (`Suite.encodedArithmetic`, libsodium in the node), canonical encodings throughout —
 * the elements are only hashed, sent and multiplied, and a noble decode, encode or map costs as
 * much as a native multiplication. Both paths send the same bytes, derive the same keys and refuse
 * the same received bytes, so the two parties of a pair may run either.
 */
import { ristretto255_hasher } from '@noble/curves/ed25519.js';
import { type Bytes, u32be, utf8 } from '../../../crypto/bytes.ts';
import { mulSecret } from '../../../crypto/suites/mul-secret.ts';
import { ristretto255Suite } from '../../../crypto/suites/ristretto255.ts';
import type { EncodedArithmetic, GroupPoint, RandomSource } from '../../../crypto/suites/types.ts';
import { xof } from './hash.ts';
import { KAPPA, SEED_BYTES } from './params.ts';

const group = ristretto255Suite;
const deriveToCurve = ristretto255_hasher.deriveToCurve;
if (!deriveToCurve) throw new Error('noble: ristretto255_hasher.deriveToCurve is missing');
export const BASE_OT_POINT_BYTES = group.pointLength;
/** The receiver's message: (R_0, R_1) for each of the κ OTs. */
export const BASE_OT_MESSAGE_BYTES = KAPPA * 2 * BASE_OT_POINT_BYTES;

/**
 * The group operations of the base OTs over an element type E. Every operation that could give
 * the identity throws `RangeError` instead (it has no encoding, and no honest party meets it).
 */
type OtGroup<E> = {
  /** A received encoding, refused (`RangeError`) unless `decodePoint` accepts it. */
  received(bytes: Bytes): E;
  /** The same, for an element this call multiplies again and again (the sender key A). */
  receivedKey(bytes: Bytes): E;
  /** The RFC 9496 §4.3.4 one-way map of 64 uniform bytes. */
  fromUniformBytes(uniform: Bytes): E;
  mulBase(k: bigint): E;
  add(x: E, y: E): E;
  subtract(x: E, y: E): E;
  /** The encoding of k·P for a secret k; `mulSecretRepeated` for the key of `receivedKey`. */
  mulSecret(P: E, k: bigint): Bytes;
  mulSecretRepeated(P: E, k: bigint): Bytes;
  /** A fresh encoding (the caller may overwrite it). */
  encode(x: E): Bytes;
};

function nonIdentity(P: GroupPoint): GroupPoint {
  if (P.is0()) throw new RangeError('ristretto255: the result is the identity');
  return P;
}

const noblePoints: OtGroup<GroupPoint> = {
  received: (bytes) => group.decodePoint(bytes),
  // A fresh object for the window table that the κ multiplications by A share (noble's decode
  // cache keeps the decoded point; the table should die with this call).
  receivedKey: (bytes) => group.decodePoint(bytes).add(group.identity),
  fromUniformBytes: (uniform) => nonIdentity((deriveToCurve as (u: Bytes) => unknown)(uniform) as GroupPoint),
  mulBase: (k) => group.mulBase(k),
  add: (x, y) => nonIdentity(x.add(y)),
  subtract: (x, y) => nonIdentity(x.subtract(y)),
  mulSecret: (P, k) => group.encodePoint(mulSecret(P, k)),
  mulSecretRepeated: (P, k) => group.encodePoint(group.mulSecretRepeated(P, k)),
  encode: (x) => group.encodePoint(x),
};

/** Encodings on the native backend: each operation's result is a new array. */
function nativeEncodings(native: EncodedArithmetic): OtGroup<Bytes> {
  const received = (bytes: Bytes): Bytes => {
    native.validatePoint(bytes);
    return bytes;
  };
  return {
    received,
    receivedKey: received,
    fromUniformBytes: (uniform) => native.fromUniformBytes(uniform),
    mulBase: (k) => native.mulBase(k),
    add: (x, y) => native.add(x, y),
    subtract: (x, y) => native.subtract(x, y),
    mulSecret: (P, k) => native.mulSecret(P, k),
    mulSecretRepeated: (P, k) => native.mulSecret(P, k),
    encode: (x) => x,
  };
}

/**
 * H_G: 64 bytes of TurboSHAKE128 (a random oracle) through the RFC 9496 §4.3.4 one-way map, i.e.
 * hash_to_ristretto255 (RFC 9380 App. B) with this XOF in place of expand_message_xmd. The map of
 * uniform bytes is indistinguishable from a uniform element, so H_G is a random oracle into the
 * group; here it costs 40% of noble's SHA-512 expand_message_xmd path. An identity output (never
 * met: it needs a preimage of the random oracle) is refused on both paths.
 */
function hashToElement<E>(g: OtGroup<E>, tag: Bytes, i: number, c: number, X: Bytes): E {
  return g.fromUniformBytes(xof('dkls23/mul/base-ot/H_G', [tag, u32be(i), new Uint8Array([c]), X], 64));
}

/** H_G as a noble point (for tests that build a bad receiver message). */
export function hashToGroup(tag: Bytes, i: number, c: number, X: Bytes): GroupPoint {
  return hashToElement(noblePoints, tag, i, c, X);
}

function kdf(tag: Bytes, i: number, c: number, A: Bytes, R0: Bytes, R1: Bytes, dh: Bytes): Bytes {
  return xof('dkls23/mul/base-ot/key', [tag, u32be(i), new Uint8Array([c]), A, R0, R1, dh]);
}

/** Swaps x and y in place when bit = 1, without branching on the bit. */
function swapIf(bit: number, x: Bytes, y: Bytes): void {
  const m = -bit & 0xff;
  for (let k = 0; k < x.length; k++) {
    const t = ((x[k] as number) ^ (y[k] as number)) & m;
    x[k] = (x[k] as number) ^ t;
    y[k] = (y[k] as number) ^ t;
  }
}

/** Sender, first: its key pair (a, A = a·G). */
export function baseOtSenderKey(random: RandomSource): { a: bigint; A: Bytes } {
  const a = group.randomScalar(random);
  return { a, A: group.encodePoint(group.mulBase(a)) };
}

/**
 * Receiver: κ OTs with the choice bits of `choices` (κ bits, LSB-first). Returns the message
 * (R_0 ‖ R_1 per OT) and the keys k_{b_i} (κ × 32 bytes). Throws `RangeError` if A is not a
 * valid element. `native`: the suite's encoded arithmetic, or null for noble (the same bytes).
 */
export function baseOtReceive(
  tag: Bytes,
  A: Bytes,
  choices: Bytes,
  random: RandomSource,
  native: EncodedArithmetic | null = group.encodedArithmetic(),
): { message: Bytes; keys: Bytes } {
  if (choices.length !== KAPPA / 8) throw new RangeError('expected κ choice bits');
  return native
    ? receive(nativeEncodings(native), tag, A, choices, random)
    : receive(noblePoints, tag, A, choices, random);
}

function receive<E>(
  g: OtGroup<E>,
  tag: Bytes,
  A: Bytes,
  choices: Bytes,
  random: RandomSource,
): { message: Bytes; keys: Bytes } {
  const key = g.receivedKey(A);
  const message = new Uint8Array(BASE_OT_MESSAGE_BYTES);
  const keys = new Uint8Array(KAPPA * SEED_BYTES);
  for (let i = 0; i < KAPPA; i++) {
    const b = ((choices[i >>> 3] as number) >>> (i & 7)) & 1;
    const s = group.randomScalar(random);
    const M = g.mulBase(s);
    // R_{1−b}: a uniform element (t·G for a fresh t; nobody needs its discrete log).
    const other = g.encode(g.mulBase(group.randomScalar(random)));
    const mine = g.encode(g.subtract(M, hashToElement(g, tag, i, b, other)));
    // (R_0, R_1) = b ? (other, mine) : (mine, other)
    swapIf(b, mine, other);
    message.set(mine, i * 64);
    message.set(other, i * 64 + 32);
    keys.set(kdf(tag, i, b, A, mine, other, g.mulSecretRepeated(key, s)), i * SEED_BYTES);
  }
  return { message, keys };
}

/**
 * Sender, last: the keys (k_0, k_1) of every OT from the receiver's message. Throws `RangeError`
 * if an R is not a valid element or an m_c is the identity (no honest receiver sends that).
 * `native`: the suite's encoded arithmetic, or null for noble (the same keys and refusals).
 */
export function baseOtSend(
  tag: Bytes,
  a: bigint,
  A: Bytes,
  message: Bytes,
  native: EncodedArithmetic | null = group.encodedArithmetic(),
): { keys0: Bytes; keys1: Bytes } {
  if (message.length !== BASE_OT_MESSAGE_BYTES) throw new RangeError('base-OT message has the wrong length');
  return native ? send(nativeEncodings(native), tag, a, A, message) : send(noblePoints, tag, a, A, message);
}

function send<E>(
  g: OtGroup<E>,
  tag: Bytes,
  a: bigint,
  A: Bytes,
  message: Bytes,
): { keys0: Bytes; keys1: Bytes } {
  const keys0 = new Uint8Array(KAPPA * SEED_BYTES);
  const keys1 = new Uint8Array(KAPPA * SEED_BYTES);
  for (let i = 0; i < KAPPA; i++) {
    const R0 = message.subarray(i * 64, i * 64 + 32);
    const R1 = message.subarray(i * 64 + 32, i * 64 + 64);
    const P0 = g.received(R0);
    const P1 = g.received(R1);
    const H0 = hashToElement(g, tag, i, 0, R1);
    const H1 = hashToElement(g, tag, i, 1, R0);
    let m0: E;
    let m1: E;
    try {
      m0 = g.add(P0, H0);
      m1 = g.add(P1, H1);
    } catch (cause) {
      throw new RangeError(`base OT ${i}: m_c is the identity`, { cause });
    }
    keys0.set(kdf(tag, i, 0, A, R0, R1, g.mulSecret(m0, a)), i * SEED_BYTES);
    keys1.set(kdf(tag, i, 1, A, R0, R1, g.mulSecret(m1, a)), i * SEED_BYTES);
  }
  return { keys0, keys1 };
}

/** The setup transcript hash every later hash of the pair includes. */
export function pairBinding(tag: Bytes, A: Bytes, message: Bytes): Bytes {
  return xof('dkls23/mul/binding', [tag, A, message]);
}

export function setupTag(sessionId: Bytes, sender: string, receiver: string): Bytes {
  return xof('dkls23/mul/setup', [sessionId, utf8(sender), utf8(receiver)]);
}
