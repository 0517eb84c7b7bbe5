/**
 * The audit hash chain: hash_n = SHA-256(hash_{n-1} ‖ canonicalJson(record_n)), hash_0 = 32 zero
 * bytes. The record covers every stored column except the hashes themselves, including `seq` and
 * `at`, so rows cannot be reordered, renumbered or re-dated without breaking the chain. `v` versions
 * the record layout.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { type Bytes, concatBytes, utf8 } from '@tkms/core';
import { canonicalJson, type JsonValue } from './canonical-json.ts';

export const AUDIT_GENESIS_HASH: Bytes = new Uint8Array(32);

export type AuditRecordFields = {
  seq: number;
  at: Date;
  actor: string;
  action: string;
  keyId: string | null;
  ssid: string | null;
  outcome: string;
  detail: { [k: string]: JsonValue };
};

export function auditRecordJson(r: AuditRecordFields): string {
  return canonicalJson({
    v: 1,
    seq: r.seq,
    at: r.at.toISOString(),
    actor: r.actor,
    action: r.action,
    keyId: r.keyId,
    ssid: r.ssid,
    outcome: r.outcome,
    detail: r.detail,
  });
}

export function auditRecordHash(prevHash: Bytes, r: AuditRecordFields): Bytes {
  return sha256(concatBytes(prevHash, utf8(auditRecordJson(r))));
}
