import {
  bytesToHex,
  displayPublicKey,
  hexToBytes,
  KEY_TYPES,
  type KeyInfo,
  type KeyShare,
  type SecretBytes,
} from '@tkms/core';
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
    ...(typeof rec.meta.chainCode === 'string' ? { chainCode: rec.meta.chainCode } : {}),
    status: rec.status,
    createdAt: rec.createdAt.toISOString(),
    node,
  };
}

/** The core key share of a stored key, with this node's opened share. */
export function keyShareOf(rec: KeyRecord, signingShare: SecretBytes): KeyShare {
  return {
    suite: KEY_TYPES[rec.type].suite,
    threshold: rec.threshold,
    parties: rec.parties,
    identifiers: rec.identifiers,
    groupPublicKey: rec.publicKey,
    verifyingShares: Object.fromEntries(
      Object.entries(rec.verifyingShares).map(([k, v]) => [k, hexToBytes(v)]),
    ),
    signingShare,
  };
}
