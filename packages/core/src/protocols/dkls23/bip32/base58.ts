/**
 * Base58Check (the Bitcoin alphabet; checksum = first 4 bytes of SHA-256(SHA-256(payload))), only
 * for extended public keys. BigInt-free and quadratic: inputs are 82 bytes.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { type Bytes, concatBytes, equalBytes } from '../../../crypto/bytes.ts';

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function encodeBase58(data: Bytes): string {
  const digits: number[] = [];
  for (const byte of data) {
    let carry = byte;
    for (let k = 0; k < digits.length; k++) {
      carry += (digits[k] as number) << 8;
      digits[k] = carry % 58;
      carry = Math.floor(carry / 58);
    }
    while (carry > 0) {
      digits.push(carry % 58);
      carry = Math.floor(carry / 58);
    }
  }
  let out = '';
  for (const byte of data) {
    if (byte !== 0) break;
    out += '1';
  }
  for (let k = digits.length - 1; k >= 0; k--) out += ALPHABET[digits[k] as number];
  return out;
}

function decodeBase58(s: string): Bytes {
  const bytes: number[] = [];
  for (const ch of s) {
    let carry = ALPHABET.indexOf(ch);
    if (carry < 0) throw new RangeError(`not a base58 character: ${JSON.stringify(ch)}`);
    for (let k = 0; k < bytes.length; k++) {
      carry += (bytes[k] as number) * 58;
      bytes[k] = carry & 0xff;
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push(carry & 0xff);
      carry >>= 8;
    }
  }
  let zeros = 0;
  for (const ch of s) {
    if (ch !== '1') break;
    zeros++;
  }
  return Uint8Array.from([...new Array<number>(zeros).fill(0), ...bytes.reverse()]);
}

const checksum = (payload: Bytes): Bytes => sha256(sha256(payload)).subarray(0, 4);

export function encodeBase58Check(payload: Bytes): string {
  return encodeBase58(concatBytes(payload, checksum(payload)));
}

/** Throws `RangeError` on a bad character or checksum. */
export function decodeBase58Check(s: string): Bytes {
  const raw = decodeBase58(s);
  if (raw.length < 4) throw new RangeError('base58check: too short');
  const payload = raw.subarray(0, raw.length - 4);
  if (!equalBytes(checksum(payload), raw.subarray(raw.length - 4)))
    throw new RangeError('base58check: bad checksum');
  return Uint8Array.from(payload);
}
