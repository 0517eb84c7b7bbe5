export { AUDIT_GENESIS_HASH, auditRecordHash, auditRecordJson } from './audit-chain.ts';
export { canonicalJson, type JsonValue } from './canonical-json.ts';
export { type Db, type DbKind, type OpenDbOptions, openDb, SQLSTATE, sqlstateOf } from './db.ts';
export { checksumOf, loadMigrations, type MigrateResult, type Migration, migrate } from './migrate.ts';
export {
  type ApiKeyRecord,
  type AuditEntry,
  type AuditInput,
  type JsonObject,
  type KeyPage,
  type KeyRecord,
  type KeyStatus,
  type ListKeysOptions,
  type NewApiKey,
  type NewKey,
  type NewSession,
  type PairRole,
  pairStateSlot,
  type SessionAbortInput,
  type SessionRecord,
  type SessionStatus,
  STORED_KEY_TYPES,
  Store,
  type StoredKeyType,
  type StoreOptions,
} from './store.ts';
