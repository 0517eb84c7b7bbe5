/**
 * BIP-0032 extended public key serialisation: version (4) ‖ depth (1) ‖ parent fingerprint (4) ‖
 * child number (4) ‖ chain code (32) ‖ ser_P(K) (33), Base58Check-encoded. Lets a threshold key
 * be handed to watch-only wallets as an xpub built from (chain code, group key).
 */
import { type Bytes, concatBytes, readU32be, u32be } from '../../../crypto/bytes.ts';
import { secp256k1Suite } from '../../../crypto/suites/secp256k1.ts';
import { TkmsError } from '../../../errors/tkms-error.ts';
import { decodeBase58Check, encodeBase58Check } from './base58.ts';

/** Mainnet "xpub" and testnet "tpub" version bytes (BIP-0032 "Serialization format"). */
export const XPUB_VERSION = 0x0488b21e;
export const TPUB_VERSION = 0x043587cf;

export type ExtendedPublicKey = {
  readonly version: number;
  readonly depth: number;
  readonly parentFingerprint: Bytes;
  readonly index: number;
  readonly chainCode: Bytes;
  /** 33-byte compressed secp256k1 key. */
  readonly publicKey: Bytes;
};

const invalid = (details: string) => new TkmsError('request.invalid', { details });

export function encodeXpub(x: ExtendedPublicKey): string {
  if (!Number.isInteger(x.depth) || x.depth < 0 || x.depth > 255) throw invalid('depth must be 0-255');
  if (x.parentFingerprint.length !== 4) throw invalid('parent fingerprint must be 4 bytes');
  if (x.chainCode.length !== 32) throw invalid('chain code must be 32 bytes');
  if (x.depth === 0 && (x.index !== 0 || x.parentFingerprint.some((b) => b !== 0)))
    throw invalid('a depth-0 key has index 0 and a zero parent fingerprint');
  try {
    secp256k1Suite.decodePoint(x.publicKey);
  } catch (e) {
    throw invalid(`public key: ${(e as Error).message}`);
  }
  return encodeBase58Check(
    concatBytes(
      u32be(x.version),
      new Uint8Array([x.depth]),
      x.parentFingerprint,
      u32be(x.index),
      x.chainCode,
      x.publicKey,
    ),
  );
}

/** @throws TkmsError `request.invalid` for a bad checksum, length, key or depth-0 inconsistency. */
export function decodeXpub(s: string): ExtendedPublicKey {
  let b: Bytes;
  try {
    b = decodeBase58Check(s);
  } catch (e) {
    throw invalid(`extended key: ${(e as Error).message}`);
  }
  if (b.length !== 78) throw invalid('extended key must be 78 bytes');
  const x: ExtendedPublicKey = {
    version: readU32be(b, 0),
    depth: b[4] as number,
    parentFingerprint: b.slice(5, 9),
    index: readU32be(b, 9),
    chainCode: b.slice(13, 45),
    publicKey: b.slice(45, 78),
  };
  encodeXpub(x); // the same checks as encoding
  return x;
}
