/**
 * Domain-separated transcript hashing. Every hash input in tkms goes through here:
 * H(tag, fields) = SHA-256( encodeFields([ "tkms/v1", tag, ...fields ]) ).
 * The tag names the protocol and purpose (e.g. "dkg/pop", "engine/echo"); callers put the ssid,
 * sender and round among the fields, so a value hashed for one purpose never collides with another.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { type Bytes, utf8 } from './bytes.ts';
import { encodeFields } from './lp.ts';

const ROOT = utf8('tkms/v1');

export function hashTranscript(tag: string, fields: readonly Bytes[]): Bytes {
  return sha256(encodeFields([ROOT, utf8(tag), ...fields]));
}
