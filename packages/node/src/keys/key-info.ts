import { bytesToHex, displayPublicKey, KEY_TYPES, type KeyInfo } from '@tkms/core';
import type { KeyRecord } from '../storage/store.ts';

/** Public view of a stored key. The sealed share never leaves the storage layer. */
export function toKeyInfo(rec: KeyRecord, node: string): KeyInfo {
  const mode = KEY_TYPES[rec.type].mode;
  return {
    id: rec.id,
    type: rec.type,
    threshold: rec.threshold,
    nodes: rec.parties,
    publicKey: bytesToHex(displayPublicKey(mode, rec.publicKey)),
    groupKey: bytesToHex(rec.publicKey),
    verifyingShares: rec.verifyingShares,
    identifiers: rec.identifiers,
    status: rec.status,
    createdAt: rec.createdAt.toISOString(),
    node,
  };
}
