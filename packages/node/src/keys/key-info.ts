import { bytesToHex, displayPublicKey, KEY_TYPES, type KeyInfo } from '@tkms/core';
import type { KeyRecord } from '../storage/store.ts';

/** Public view of a stored key. The sealed share never leaves the storage layer. */
export function toKeyInfo(rec: KeyRecord, node: string): KeyInfo {
  const entry = KEY_TYPES[rec.type];
  // Signing keys show the key as their ecosystem expects it; other keys show the group element.
  const publicKey = 'mode' in entry ? displayPublicKey(entry.mode, rec.publicKey) : rec.publicKey;
  return {
    id: rec.id,
    type: rec.type,
    purpose: entry.purpose,
    version: rec.version,
    threshold: rec.threshold,
    nodes: rec.parties,
    publicKey: bytesToHex(publicKey),
    groupKey: bytesToHex(rec.publicKey),
    verifyingShares: rec.verifyingShares,
    identifiers: rec.identifiers,
    status: rec.status,
    createdAt: rec.createdAt.toISOString(),
    node,
  };
}
