/**
 * What a node's sealed answer is bound to, and how its contents are framed. Node and SDK build the
 * same context: the box opens only for the node that sealed it, the key and version, the
 * requester's key and the exact request, so an answer cannot be replayed as another node's, for
 * another key or for another request.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { type Bytes, u32be, utf8 } from '../crypto/bytes.ts';
import { decodeFields, encodeFields } from '../crypto/lp.ts';
import { TkmsError } from '../errors/tkms-error.ts';

export type SealedAnswerKind = 'derive-object' | 'derive-oblivious' | 'decrypt';

/** SHA-256 over the request's items (object paths as UTF-8, elements or ciphertexts as bytes). */
export function requestDigest(items: readonly Bytes[]): Bytes {
  return sha256(encodeFields(items));
}

export function sealedAnswerContext(p: {
  kind: SealedAnswerKind;
  node: string;
  keyId: string;
  version: number;
  requesterKey: Bytes;
  requestDigest: Bytes;
}): Bytes {
  return encodeFields([
    utf8('tkms/sealed-answer/v1'),
    utf8(p.kind),
    utf8(p.node),
    utf8(p.keyId),
    u32be(p.version),
    p.requesterKey,
    p.requestDigest,
  ]);
}

/** Frames a list of byte strings (a proof and evaluations, or partials) for a box. */
export const encodeAnswerItems = (items: readonly Bytes[]): Bytes => encodeFields(items);

/**
 * Inverse of `encodeAnswerItems`, requiring exactly `count` items.
 * @throws TkmsError `box.open_failed`
 */
export function decodeAnswerItems(b: Bytes, count: number): Bytes[] {
  try {
    const items = decodeFields(b, count);
    if (items.length !== count) throw new RangeError(`expected ${count} items, got ${items.length}`);
    return items;
  } catch (e) {
    throw new TkmsError('box.open_failed', { details: `sealed answer: ${(e as Error).message}` });
  }
}
