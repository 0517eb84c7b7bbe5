/**
 * Presignature records: the per-party output of rounds 1-2, versioned for storage. The record
 * holds secrets (φ_i, u_i, v_i): a node seals the encoding before it reaches disk, and persists
 * `used = true` before it sends anything the online round computed from it (protocols.md §7 row 11).
 */
import { type Bytes, fromUtf8, readU32be, u32be, utf8 } from '../../../crypto/bytes.ts';
import { decodeFields, encodeFields } from '../../../crypto/lp.ts';
import { SecretBytes } from '../../../crypto/secret.ts';
import { getSuite } from '../../../crypto/suites/index.ts';
import type { Suite } from '../../../crypto/suites/types.ts';
import type { PartyId } from '../../../engine/types.ts';
import { sortedUnique } from '../../key-share.ts';
import type { EcdsaSuiteName, Presignature } from './types.ts';

const MAGIC = 'tkms/dkls23-presignature';
const VERSION = 1;

export function isEcdsaSuiteName(x: unknown): x is EcdsaSuiteName {
  return x === 'secp256k1' || x === 'p256';
}

export function makePresignature(opts: {
  suite: Suite;
  suiteName: EcdsaSuiteName;
  id: Bytes;
  self: PartyId;
  signers: readonly PartyId[];
  publicKey: Bytes;
  R: Bytes;
  phi: bigint;
  u: bigint;
  v: bigint;
}): Presignature {
  const { suite } = opts;
  const secret = encodeFields([
    suite.encodeScalar(opts.phi),
    suite.encodeScalar(opts.u),
    suite.encodeScalar(opts.v),
  ]);
  const p: Presignature = {
    version: VERSION,
    suite: opts.suiteName,
    id: Uint8Array.from(opts.id),
    self: opts.self,
    signers: [...opts.signers],
    publicKey: Uint8Array.from(opts.publicKey),
    R: Uint8Array.from(opts.R),
    secret: new SecretBytes(secret),
    used: false,
  };
  secret.fill(0);
  return p;
}

/** The storage encoding (contains the secret shares until used: seal it). */
export function encodePresignature(p: Presignature): Bytes {
  return encodeFields([
    utf8(MAGIC),
    u32be(p.version),
    utf8(p.suite),
    p.id,
    utf8(p.self),
    encodeFields(p.signers.map(utf8)),
    p.publicKey,
    p.R,
    // A used presignature keeps no secret: its record only remembers that it was used.
    p.used ? new Uint8Array(0) : p.secret.expose(),
    new Uint8Array([p.used ? 1 : 0]),
  ]);
}

/** Strict inverse of `encodePresignature`. Throws `RangeError` on anything it would not produce. */
export function decodePresignature(b: Bytes): Presignature {
  const f = decodeFields(b, 10);
  if (f.length !== 10) throw new RangeError('presignature: expected 10 fields');
  const [magic, ver, suiteB, id, self, signersB, publicKey, R, secret, used] = f as Bytes[] as [
    Bytes,
    Bytes,
    Bytes,
    Bytes,
    Bytes,
    Bytes,
    Bytes,
    Bytes,
    Bytes,
    Bytes,
  ];
  if (fromUtf8(magic) !== MAGIC) throw new RangeError('presignature: not a presignature record');
  if (ver.length !== 4 || readU32be(ver, 0) !== VERSION)
    throw new RangeError('presignature: unknown version');
  const suiteName = fromUtf8(suiteB);
  if (!isEcdsaSuiteName(suiteName)) throw new RangeError('presignature: unknown suite');
  const suite = getSuite(suiteName);
  if (id.length !== 32) throw new RangeError('presignature: id must be 32 bytes');
  const signers = decodeFields(signersB).map(fromUtf8);
  const sorted = sortedUnique(signers);
  if (!sorted || sorted.some((p, i) => p !== signers[i]))
    throw new RangeError('presignature: signers not sorted');
  const selfId = fromUtf8(self);
  if (!signers.includes(selfId)) throw new RangeError('presignature: holder is not a signer');
  suite.decodePoint(publicKey);
  suite.decodePoint(R);
  if (used.length !== 1 || (used[0] !== 0 && used[0] !== 1))
    throw new RangeError('presignature: bad used flag');
  if (used[0] === 1) {
    if (secret.length !== 0) throw new RangeError('presignature: a used presignature keeps no secret');
  } else {
    const scalars = decodeFields(secret, 3);
    if (scalars.length !== 3) throw new RangeError('presignature: expected 3 secret scalars');
    for (const sc of scalars) suite.decodeScalar(sc);
  }
  return {
    version: VERSION,
    suite: suiteName,
    id: Uint8Array.from(id),
    self: selfId,
    signers,
    publicKey: Uint8Array.from(publicKey),
    R: Uint8Array.from(R),
    secret: new SecretBytes(secret),
    used: used[0] === 1,
  };
}

/**
 * Marks the presignature used and returns its secret scalars, wiping the record's copy. Throws
 * `RangeError` if it was already used: a presignature signs at most one message.
 */
export function consumePresignature(p: Presignature, suite: Suite): { phi: bigint; u: bigint; v: bigint } {
  if (p.used) throw new RangeError('presignature already used');
  p.used = true;
  try {
    const f = decodeFields(p.secret.expose(), 3);
    if (f.length !== 3) throw new RangeError('presignature: expected 3 secret scalars');
    const [phi, u, v] = f.map((x) => suite.decodeScalar(x)) as [bigint, bigint, bigint];
    return { phi, u, v };
  } finally {
    p.secret.wipe();
  }
}
