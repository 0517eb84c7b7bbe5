/**
 * The node's repositories: keys, sessions, API keys and the audit chain, on top of `Db`. Methods
 * take and return plain typed objects (bytes as `Uint8Array`, times as `Date`, JSON as values);
 * rows never leave this file. Expected failures are `TkmsError`s with catalog codes.
 *
 * `store.transaction(fn)` runs several methods atomically, e.g. "mark the key active and write its
 * audit record": an operation whose audit record cannot be written does not happen (DESIGN §6).
 */
import {
  type Abort,
  type Bytes,
  type ErrorCode,
  equalBytes,
  hexToBytes,
  isErrorCode,
  isHex,
  type PartyId,
  TkmsError,
} from '@tkms/core';
import { SEAL_MAGIC } from '../seal/sealer.ts';
import { AUDIT_GENESIS_HASH, type AuditRecordFields, auditRecordHash } from './audit-chain.ts';
import { canonicalJson, type JsonValue } from './canonical-json.ts';
import { type Db, type Row, SQLSTATE, sqlstateOf } from './db.ts';
import {
  bool,
  bytes,
  date,
  int,
  json,
  jsonObject,
  optBytes,
  optDate,
  optStr,
  str,
  stringArray,
  stringMap,
} from './rows.ts';

// ---------------------------------------------------------------------------------------------
// Types

/** Key types the schema knows (mirrors core's KEY_TYPES table; a new type needs no migration). */
export const STORED_KEY_TYPES = [
  'ecdsa-secp256k1',
  'ecdsa-p256',
  'eddsa-ed25519',
  'schnorr-secp256k1',
  'oprf-ristretto255',
  'oprf-p256',
  'ecies-p256',
] as const;
export type StoredKeyType = (typeof STORED_KEY_TYPES)[number];
export type KeyStatus = 'pending' | 'active' | 'failed' | 'disabled';
export type JsonObject = { [k: string]: JsonValue };

export type KeyRecord = {
  id: string;
  type: StoredKeyType;
  suite: string;
  threshold: number;
  /** Node ids of the parties, in the order the key was generated with. */
  parties: PartyId[];
  /** Party → protocol identifier (hex). */
  identifiers: Record<PartyId, string>;
  /** Group public key in the suite's canonical encoding. */
  publicKey: Bytes;
  /** Party → verifying share (hex). */
  verifyingShares: Record<PartyId, string>;
  /** This node's share, sealed; null once a generation failed and the share was erased. */
  sealedShare: Bytes | null;
  status: KeyStatus;
  createdAt: Date;
  activatedAt: Date | null;
  failedReason: string | null;
  version: number;
  meta: JsonObject;
};

/** A node's side of a pair's OT setup (the multiplication's sender or receiver), or the pair's zero-sharing seed. */
export type PairRole = 'sender' | 'receiver' | 'zero-seed';

export type NewKey = {
  id: string;
  type: StoredKeyType;
  suite: string;
  threshold: number;
  parties: readonly PartyId[];
  identifiers: Readonly<Record<PartyId, string>>;
  publicKey: Bytes;
  verifyingShares: Readonly<Record<PartyId, string>>;
  /** Must be a sealed blob (`createSealer().seal`); plaintext is refused. */
  sealedShare: Bytes;
  version?: number;
  meta?: JsonObject;
  /**
   * `pending` (default) until the cluster confirmed the key, then `activateKey`; or `active` when
   * the caller already holds every party's confirmation (DKG round 3) and inserts in one step.
   */
  status?: 'pending' | 'active';
};

export type ListKeysOptions = { status?: KeyStatus; limit: number; cursor?: string };
export type KeyPage = { keys: KeyRecord[]; nextCursor: string | null };

export type SessionStatus = 'running' | 'done' | 'aborted';
export type SessionRecord = {
  /** 64 lower-case hex digits (the 32-byte ssid). */
  ssid: string;
  protocol: string;
  keyId: string | null;
  owner: string;
  status: SessionStatus;
  createdAt: Date;
  finishedAt: Date | null;
  abort: Abort | null;
};
export type NewSession = {
  ssid: string;
  protocol: string;
  keyId?: string;
  /** Replica that runs the session (default ''); see `abortRunningSessions`. */
  owner?: string;
};

/** What `finishSession` accepts; missing fields default to round 0, no culprits, empty detail. */
export type SessionAbortInput = {
  code: ErrorCode;
  round?: number;
  culprits?: readonly PartyId[];
  detail?: string;
};

export type ApiKeyRecord = { id: string; name: string; hash: Bytes; createdAt: Date; disabled: boolean };
export type NewApiKey = { id: string; name: string /** SHA-256 of the token, 32 bytes. */; hash: Bytes };

export type AuditInput = {
  actor: string;
  action: string;
  keyId?: string;
  ssid?: string;
  outcome: string;
  /** Plain JSON only (hex-encode bytes); never secrets. */
  detail?: JsonObject;
};
export type AuditEntry = AuditRecordFields & { prevHash: Bytes; hash: Bytes };

export type StoreOptions = {
  /** Clock for every timestamp the store writes (default `new Date()`); ms precision is kept. */
  now?: () => Date;
};

const RESTART_ABORT: Abort = {
  code: 'session.aborted',
  round: 0,
  culprits: [],
  detail: 'the node stopped while the session was running',
};

// ---------------------------------------------------------------------------------------------

type SharedState = {
  /** Last audit head this process wrote or read. */
  auditHead: { seq: number; hash: Bytes } | null;
  /** Tail of the queue of this process's audit appends outside transactions. */
  appendTail: Promise<void>;
};

export class Store {
  readonly db: Db;
  readonly #now: () => Date;
  readonly #opts: StoreOptions;

  /** Last audit head this process wrote or read; shared with transaction-bound stores. */
  readonly #shared: SharedState;
  /** True for the store `transaction()` hands out. */
  readonly #inTx: boolean;
  /** Tail of this transaction's audit appends: each starts from the head the previous one left. */
  #txAppendTail: Promise<unknown> = Promise.resolve();
  #txAppendsInFlight = 0;

  constructor(db: Db, opts: StoreOptions = {}, shared?: SharedState) {
    this.db = db;
    this.#opts = opts;
    this.#now = opts.now ?? (() => new Date());
    this.#shared = shared ?? { auditHead: null, appendTail: Promise.resolve() };
    this.#inTx = shared !== undefined;
  }

  /** Runs `fn` with a store bound to one transaction; all or nothing. Nests with savepoints. */
  transaction<T>(fn: (store: Store) => Promise<T>): Promise<T> {
    return this.db
      .transaction((tx) => fn(new Store(tx, this.#opts, this.#shared)))
      .catch((e: unknown) => {
        // An append that ran in the rolled-back transaction moved the cached head past what is
        // stored: forget it, so the next append reads the head (locking path) instead of missing it.
        this.#shared.auditHead = null;
        throw e;
      });
  }

  #timestamp(): string {
    const d = this.#now();
    if (Number.isNaN(d.getTime()))
      throw new TkmsError('internal', { details: 'clock returned an invalid date' });
    return d.toISOString();
  }

  // --- keys -----------------------------------------------------------------------------------

  /** Records a freshly generated key as `pending`. Throws `key.exists` if the id is taken. */
  insertPendingKey(k: Omit<NewKey, 'status'>): Promise<KeyRecord> {
    return this.insertKey({ ...k, status: 'pending' });
  }

  /** Records a key as `pending` (default) or directly `active`. Throws `key.exists` if the id is taken. */
  async insertKey(k: NewKey): Promise<KeyRecord> {
    validateNewKey(k);
    const status = k.status ?? 'pending';
    const now = this.#timestamp();
    try {
      const rows = await this.db.query<Row>(
        `INSERT INTO keys (id, type, suite, threshold, parties, identifiers, public_key, verifying_shares,
                           sealed_share, status, created_at, activated_at, version, meta)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8::jsonb, $9, $13, $10::timestamptz,
                 $14::timestamptz, $11, $12::jsonb)
         RETURNING *`,
        [
          k.id,
          k.type,
          k.suite,
          k.threshold,
          canonicalJson([...k.parties]),
          canonicalJson({ ...k.identifiers }),
          k.publicKey,
          canonicalJson({ ...k.verifyingShares }),
          k.sealedShare,
          now,
          k.version ?? 1,
          canonicalJson(k.meta ?? {}),
          status,
          status === 'active' ? now : null,
        ],
      );
      return decodeKey(one(rows));
    } catch (e) {
      if (sqlstateOf(e) === SQLSTATE.uniqueViolation)
        throw new TkmsError('key.exists', { details: k.id, cause: e });
      throw e;
    }
  }

  /** pending → active. Idempotent on an active key; `key.not_active` for a failed or disabled one. */
  async activateKey(id: string): Promise<KeyRecord> {
    const rows = await this.db.query<Row>(
      `UPDATE keys SET status = 'active', activated_at = $2::timestamptz
       WHERE id = $1 AND status = 'pending' RETURNING *`,
      [id, this.#timestamp()],
    );
    if (rows.length === 1) return decodeKey(one(rows));
    const k = await this.getKey(id);
    if (!k) throw new TkmsError('key.not_found', { details: id });
    if (k.status === 'active') return k;
    throw new TkmsError('key.not_active', {
      details: `key ${id} is ${k.status}; only a pending key can be activated`,
    });
  }

  /**
   * pending → failed, erasing the sealed share (it will never be used). Idempotent on a failed key;
   * refuses to fail an active or disabled key, so a late abort cannot destroy a key that completed.
   */
  async failKey(id: string, reason: string): Promise<KeyRecord> {
    const rows = await this.db.query<Row>(
      `UPDATE keys SET status = 'failed', failed_reason = $2, sealed_share = NULL
       WHERE id = $1 AND status = 'pending' RETURNING *`,
      [id, reason],
    );
    if (rows.length === 1) return decodeKey(one(rows));
    const k = await this.getKey(id);
    if (!k) throw new TkmsError('key.not_found', { details: id });
    if (k.status === 'failed') return k;
    throw new TkmsError('request.invalid', {
      details: `key ${id} is ${k.status}; only a pending key can fail`,
    });
  }

  async getKey(id: string): Promise<KeyRecord | null> {
    const rows = await this.db.query<Row>('SELECT * FROM keys WHERE id = $1', [id]);
    return rows.length === 0 ? null : decodeKey(one(rows));
  }

  /** Newest first; pass `nextCursor` back as `cursor` for the next page. */
  async listKeys(opts: ListKeysOptions): Promise<KeyPage> {
    if (!Number.isSafeInteger(opts.limit) || opts.limit < 1 || opts.limit > 1000)
      throw new TkmsError('request.invalid', { details: 'limit must be an integer from 1 to 1000' });
    const params: unknown[] = [opts.limit + 1];
    const where: string[] = [];
    if (opts.status !== undefined) {
      params.push(opts.status);
      where.push(`status = $${params.length}`);
    }
    if (opts.cursor !== undefined) {
      const c = decodeCursor(opts.cursor);
      params.push(c.createdAt, c.id);
      where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length})`);
    }
    const rows = await this.db.query<Row>(
      `SELECT * FROM keys ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC, id DESC LIMIT $1`,
      params,
    );
    const keys = rows.slice(0, opts.limit).map(decodeKey);
    const last = keys.at(-1);
    return { keys, nextCursor: rows.length > opts.limit && last ? encodeCursor(last) : null };
  }

  /** Deletes pending keys (never confirmed by the cluster) created before `before`; returns how many. */
  async deletePendingOlderThan(before: Date): Promise<number> {
    const rows = await this.db.query<Row>(
      `DELETE FROM keys WHERE status = 'pending' AND created_at < $1::timestamptz RETURNING id`,
      [before.toISOString()],
    );
    return rows.length;
  }

  // --- sessions -------------------------------------------------------------------------------

  /** Claims an ssid for this node. `session.exists` if it was ever used: replays stop here. */
  async beginSession(s: NewSession): Promise<SessionRecord> {
    if (!isHex(s.ssid, 32))
      throw new TkmsError('request.bad_hex', { details: 'ssid must be 64 lower-case hex digits' });
    if (!s.protocol) throw new TkmsError('request.invalid', { details: 'session protocol is empty' });
    try {
      const rows = await this.db.query<Row>(
        `INSERT INTO sessions (ssid, protocol, key_id, owner, status, created_at)
         VALUES ($1, $2, $3, $4, 'running', $5::timestamptz) RETURNING *`,
        [s.ssid, s.protocol, s.keyId ?? null, s.owner ?? '', this.#timestamp()],
      );
      return decodeSession(one(rows));
    } catch (e) {
      if (sqlstateOf(e) === SQLSTATE.uniqueViolation)
        throw new TkmsError('session.exists', { details: s.ssid, cause: e });
      throw e;
    }
  }

  /** running → done | aborted (an abort value is required exactly for `aborted`). */
  async finishSession(
    ssid: string,
    status: 'done' | 'aborted',
    abort?: SessionAbortInput,
  ): Promise<SessionRecord> {
    if ((status === 'aborted') !== (abort !== undefined))
      throw new TkmsError('request.invalid', {
        details: 'an abort value goes with status aborted, and only with it',
      });
    const rows = await this.db.query<Row>(
      `UPDATE sessions SET status = $2, finished_at = $3::timestamptz, abort = $4::jsonb
       WHERE ssid = $1 AND status = 'running' RETURNING *`,
      [ssid, status, this.#timestamp(), abort ? canonicalJson(abortToJson(abort)) : null],
    );
    if (rows.length === 1) return decodeSession(one(rows));
    const s = await this.getSession(ssid);
    throw new TkmsError('storage.failed', {
      details: s ? `session ${ssid} is already ${s.status}` : `no session ${ssid}`,
    });
  }

  /**
   * Records sessions that ran and ended without a row written up front (one-round or memory-only
   * sessions), in one INSERT. `session.exists` if any ssid was used before.
   */
  async insertFinishedSessions(
    items: ReadonlyArray<{
      ssid: string;
      protocol: string;
      keyId?: string;
      status: 'done' | 'aborted';
      abort?: SessionAbortInput;
    }>,
  ): Promise<void> {
    if (items.length === 0) return;
    const now = this.#timestamp();
    const params: unknown[] = [];
    const tuples: string[] = [];
    for (const it of items) {
      if (!isHex(it.ssid, 32))
        throw new TkmsError('request.bad_hex', { details: 'ssid must be 64 lower-case hex digits' });
      if ((it.status === 'aborted') !== (it.abort !== undefined))
        throw new TkmsError('request.invalid', {
          details: 'an abort value goes with status aborted, and only with it',
        });
      const b = params.length;
      tuples.push(
        `($${b + 1}, $${b + 2}, $${b + 3}, '', $${b + 4}, $${b + 5}::timestamptz, $${b + 5}::timestamptz, $${b + 6}::jsonb)`,
      );
      params.push(
        it.ssid,
        it.protocol,
        it.keyId ?? null,
        it.status,
        now,
        it.abort ? canonicalJson(abortToJson(it.abort)) : null,
      );
    }
    try {
      await this.db.query(
        `INSERT INTO sessions (ssid, protocol, key_id, owner, status, created_at, finished_at, abort) VALUES ${tuples.join(', ')}`,
        params,
      );
    } catch (e) {
      if (sqlstateOf(e) === SQLSTATE.uniqueViolation) throw new TkmsError('session.exists', { cause: e });
      throw e;
    }
  }

  async getSession(ssid: string): Promise<SessionRecord | null> {
    const rows = await this.db.query<Row>('SELECT * FROM sessions WHERE ssid = $1', [ssid]);
    return rows.length === 0 ? null : decodeSession(one(rows));
  }

  /**
   * At startup: marks the sessions this replica was running when it stopped as aborted (their
   * in-memory state is gone; one-time material they reserved must not be reused). With replicas
   * sharing a database pass `owner` so a starting replica leaves its siblings' sessions alone.
   * Returns how many sessions were aborted.
   */
  async abortRunningSessions(opts: { owner?: string; abort?: SessionAbortInput } = {}): Promise<number> {
    const params: unknown[] = [this.#timestamp(), canonicalJson(abortToJson(opts.abort ?? RESTART_ABORT))];
    let ownerClause = '';
    if (opts.owner !== undefined) {
      params.push(opts.owner);
      ownerClause = 'AND owner = $3';
    }
    const rows = await this.db.query<Row>(
      `UPDATE sessions SET status = 'aborted', finished_at = $1::timestamptz, abort = $2::jsonb
       WHERE status = 'running' ${ownerClause} RETURNING ssid`,
      params,
    );
    return rows.length;
  }

  // --- API keys -------------------------------------------------------------------------------

  async insertApiKey(k: NewApiKey): Promise<ApiKeyRecord> {
    if (!k.id || !k.name)
      throw new TkmsError('request.invalid', { details: 'API key id and name are required' });
    if (!(k.hash instanceof Uint8Array) || k.hash.length !== 32)
      throw new TkmsError('request.invalid', { details: 'API key hash must be a 32-byte SHA-256' });
    const rows = await this.db.query<Row>(
      `INSERT INTO api_keys (id, name, hash, created_at) VALUES ($1, $2, $3, $4::timestamptz) RETURNING *`,
      [k.id, k.name, k.hash, this.#timestamp()],
    );
    return decodeApiKey(one(rows));
  }

  /**
   * The API key whose token hashes to `hash` (32 bytes, or 64 hex digits); disabled ones included,
   * the caller decides. Anything that is not a SHA-256 finds nothing.
   */
  async findApiKeyByHash(hash: Bytes | string): Promise<ApiKeyRecord | null> {
    const h = typeof hash === 'string' ? (isHex(hash, 32) ? hexToBytes(hash) : null) : hash;
    if (h?.length !== 32) return null;
    const rows = await this.db.query<Row>('SELECT * FROM api_keys WHERE hash = $1', [h]);
    return rows.length === 0 ? null : decodeApiKey(one(rows));
  }

  /** Returns false when no such API key exists. */
  async disableApiKey(id: string): Promise<boolean> {
    const rows = await this.db.query<Row>('UPDATE api_keys SET disabled = true WHERE id = $1 RETURNING id', [
      id,
    ]);
    return rows.length === 1;
  }

  // --- audit ----------------------------------------------------------------------------------

  /**
   * Appends one record to the hash chain. The head row lock serialises appenders (also across
   * replicas); seq is head.seq + 1, so the chain has no gaps.
   */
  async appendAudit(input: AuditInput): Promise<AuditEntry> {
    const [entry] = await this.appendAuditBatch([input]);
    if (!entry) throw new TkmsError('storage.failed', { details: 'audit append returned nothing' });
    return entry;
  }

  /**
   * Appends records in order with consecutive seqs, in one transaction and one INSERT: what a
   * group commit of many finished operations writes.
   */
  async appendAuditBatch(inputs: readonly AuditInput[]): Promise<AuditEntry[]> {
    // Appends from this process run one at a time, so each starts from the head the previous one
    // left and the one-statement path applies; concurrent appends would all miss it and fall back
    // to the locking path. Inside a transaction the queue is the transaction's own (waiting for
    // an append queued behind the same transaction would deadlock): its statements may be posted
    // together (the session log does), and two appends in it must not race for one head.
    if (this.#inTx) {
      // Posted at once when none is in flight (the common case), so it joins the statements
      // posted with it.
      const run =
        this.#txAppendsInFlight === 0
          ? this.#appendAuditBatch(inputs)
          : this.#txAppendTail.then(() => this.#appendAuditBatch(inputs));
      this.#txAppendsInFlight++;
      this.#txAppendTail = run
        .catch(() => undefined)
        .finally(() => {
          this.#txAppendsInFlight--;
        });
      return run;
    }
    const run = this.#shared.appendTail.then(() => this.#appendAuditBatch(inputs));
    this.#shared.appendTail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  async #appendAuditBatch(inputs: readonly AuditInput[]): Promise<AuditEntry[]> {
    if (inputs.length === 0) return [];
    const prepared = inputs.map((input) => {
      if (!input.actor || !input.action || !input.outcome)
        throw new TkmsError('request.invalid', { details: 'audit actor, action and outcome are required' });
      const detail = input.detail ?? {};
      // Fails on non-JSON values (bytes, secrets, dates) before anything is written.
      return { input, detail, detailJson: canonicalJson(detail) };
    });
    const at = this.#timestamp();
    /** Links the records after (headSeq, headHash); placeholders start after `offset` parameters. */
    const chain = (headSeq: number, headHash: Bytes, offset: number) => {
      let seq = headSeq;
      let prevHash = headHash;
      const entries: AuditEntry[] = [];
      const params: unknown[] = [];
      const tuples: string[] = [];
      for (const { input, detail, detailJson } of prepared) {
        seq += 1;
        const record: AuditRecordFields = {
          seq,
          at: new Date(at),
          actor: input.actor,
          action: input.action,
          keyId: input.keyId ?? null,
          ssid: input.ssid ?? null,
          outcome: input.outcome,
          detail,
        };
        const hash = auditRecordHash(prevHash, record);
        const b = params.length + offset;
        tuples.push(
          `($${b + 1}::bigint, $${b + 2}::timestamptz, $${b + 3}::text, $${b + 4}::text, $${b + 5}::text, $${b + 6}::text, $${b + 7}::text, $${b + 8}::jsonb, $${b + 9}::bytea, $${b + 10}::bytea)`,
        );
        params.push(
          record.seq,
          at,
          record.actor,
          record.action,
          record.keyId,
          record.ssid,
          record.outcome,
          detailJson,
          prevHash,
          hash,
        );
        entries.push({ ...record, prevHash, hash });
        prevHash = hash;
      }
      return { entries, params, tuples, seq, hash: prevHash };
    };
    // Fast path: one statement that moves the head from where this process last saw it and
    // inserts the records only if that compare-and-swap matched (no other writer in between).
    const known = this.#shared.auditHead;
    if (known) {
      const c = chain(known.seq, known.hash, 4);
      const rows = await this.db.query<Row>(
        `WITH upd AS (UPDATE audit_head SET seq = $1, hash = $2 WHERE id AND seq = $3 AND hash = $4 RETURNING 1)
         INSERT INTO audit_log (seq, at, actor, action, key_id, ssid, outcome, detail, prev_hash, hash)
         SELECT * FROM (VALUES ${c.tuples.join(', ')}) AS v WHERE EXISTS (SELECT 1 FROM upd) RETURNING seq`,
        [c.seq, c.hash, known.seq, known.hash, ...c.params],
      );
      if (rows.length === prepared.length) {
        this.#shared.auditHead = { seq: c.seq, hash: c.hash };
        return c.entries;
      }
    }
    // Slow path: lock the head row (serialises appenders, also across replicas) and append.
    const entries = await this.db.transaction(async (tx) => {
      const head = one(await tx.query<Row>('SELECT seq, hash FROM audit_head WHERE id FOR UPDATE'));
      const c = chain(int(head, 'seq'), bytes(head, 'hash'), 0);
      await tx.query(
        `INSERT INTO audit_log (seq, at, actor, action, key_id, ssid, outcome, detail, prev_hash, hash)
         SELECT * FROM (VALUES ${c.tuples.join(', ')}) AS v`,
        c.params,
      );
      await tx.query('UPDATE audit_head SET seq = $1, hash = $2 WHERE id', [c.seq, c.hash]);
      return { entries: c.entries, seq: c.seq, hash: c.hash };
    });
    this.#shared.auditHead = { seq: entries.seq, hash: entries.hash };
    return entries.entries;
  }

  /** Records with seq > `afterSeq` (default 0), oldest first. */
  async listAudit(opts: { afterSeq?: number; limit: number }): Promise<AuditEntry[]> {
    if (!Number.isSafeInteger(opts.limit) || opts.limit < 1 || opts.limit > 10_000)
      throw new TkmsError('request.invalid', { details: 'limit must be an integer from 1 to 10000' });
    const rows = await this.db.query<Row>('SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2', [
      opts.afterSeq ?? 0,
      opts.limit,
    ]);
    return rows.map(decodeAudit);
  }

  /**
   * Recomputes the chain. Returns the first seq that does not verify (altered, reordered or
   * missing — a missing row reports its seq), or null when the whole chain up to the head is
   * intact. Rows appended after the head was read are left for the next run.
   */
  async verifyAuditChain(): Promise<number | null> {
    const head = one(await this.db.query<Row>('SELECT seq, hash FROM audit_head WHERE id'));
    const headSeq = int(head, 'seq');
    let expected = 1;
    let prev = AUDIT_GENESIS_HASH;
    const page = 500;
    while (expected <= headSeq) {
      const rows = await this.db.query<Row>(
        'SELECT * FROM audit_log WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT $3',
        [expected, headSeq, page],
      );
      if (rows.length === 0) return expected;
      for (const row of rows) {
        let e: AuditEntry;
        try {
          e = decodeAudit(row);
        } catch {
          return int(row, 'seq');
        }
        if (e.seq !== expected) return expected;
        if (!equalBytes(e.prevHash, prev)) return e.seq;
        if (!equalBytes(auditRecordHash(prev, e), e.hash)) return e.seq;
        prev = e.hash;
        expected++;
      }
    }
    // The head must name the last record: catches a rewritten head or a dropped-and-rebuilt tail.
    if (!equalBytes(prev, bytes(head, 'hash'))) return headSeq === 0 ? 1 : headSeq;
    return null;
  }

  // --- DKLs23 pair states and presignatures -----------------------------------------------------

  /**
   * Stores this node's side of the OT setup with `peer` for `keyId` in one role. A fresh setup may
   * replace a discarded state; an active one is never overwritten (`request.invalid`).
   */
  async putPairState(p: { keyId: string; peer: string; role: PairRole; sealedState: Bytes }): Promise<void> {
    if (!isSealedBlob(p.sealedState))
      throw new TkmsError('request.invalid', { details: 'a pair state must be sealed before it is stored' });
    const rows = await this.db.query<Row>(
      `INSERT INTO key_pair_states (key_id, peer, role, sealed_state, status, created_at)
       VALUES ($1, $2, $3, $4, 'active', $5::timestamptz)
       ON CONFLICT (key_id, peer, role) DO UPDATE
         SET sealed_state = EXCLUDED.sealed_state, status = 'active', created_at = EXCLUDED.created_at,
             discarded_at = NULL, discard_reason = NULL
         WHERE key_pair_states.status = 'discarded'
       RETURNING key_id`,
      [p.keyId, p.peer, p.role, p.sealedState, this.#timestamp()],
    );
    if (rows.length !== 1)
      throw new TkmsError('request.invalid', {
        details: `${p.keyId}: an active ${p.role} state with ${p.peer} exists; discard it first`,
      });
  }

  /** This node's active sealed state with `peer` in `role`, or null (none, or discarded). */
  async getPairState(keyId: string, peer: string, role: PairRole): Promise<Bytes | null> {
    return (await this.getPairStates(keyId, [peer])).get(pairStateSlot(peer, role)) ?? null;
  }

  /**
   * The active states of `keyId` with each of `peers`, every role, keyed by `pairStateSlot`, in
   * one statement (a signature needs three per peer: each a round trip to the database).
   */
  async getPairStates(keyId: string, peers: readonly string[]): Promise<Map<string, Bytes>> {
    if (peers.length === 0) return new Map();
    const rows = await this.db.query<Row>(
      `SELECT peer, role, sealed_state FROM key_pair_states
       WHERE key_id = $1 AND status = 'active'
         AND peer = ANY (ARRAY(SELECT jsonb_array_elements_text($2::jsonb)))`,
      [keyId, JSON.stringify(peers)],
    );
    return new Map(
      rows.map((r) => [pairStateSlot(str(r, 'peer'), str(r, 'role') as PairRole), bytes(r, 'sealed_state')]),
    );
  }

  /** Discards both OT roles with `peer` and erases their secrets (the zero seed stays). Returns how many rows changed. */
  async discardPairStates(keyId: string, peer: string, reason: string): Promise<number> {
    const rows = await this.db.query<Row>(
      `UPDATE key_pair_states
       SET status = 'discarded', sealed_state = NULL, discarded_at = $3::timestamptz, discard_reason = $4
       WHERE key_id = $1 AND peer = $2 AND role IN ('sender', 'receiver') AND status = 'active' RETURNING role`,
      [keyId, peer, this.#timestamp(), reason],
    );
    return rows.length;
  }

  async insertPresignature(p: {
    id: string;
    keyId: string;
    signers: readonly string[];
    sealed: Bytes;
  }): Promise<void> {
    if (!isSealedBlob(p.sealed))
      throw new TkmsError('request.invalid', {
        details: 'a presignature must be sealed before it is stored',
      });
    try {
      await this.db.query(
        `INSERT INTO presignatures (id, key_id, signers, sealed, status, created_at)
         VALUES ($1, $2, $3::jsonb, $4, 'ready', $5::timestamptz)`,
        [p.id, p.keyId, canonicalJson([...p.signers].sort()), p.sealed, this.#timestamp()],
      );
    } catch (e) {
      if (sqlstateOf(e) === SQLSTATE.uniqueViolation)
        throw new TkmsError('session.exists', { details: `presignature ${p.id}`, cause: e });
      throw e;
    }
  }

  /** Ready presignatures for a key and signer set. */
  async countPresignatures(keyId: string, signers: readonly string[]): Promise<number> {
    const rows = await this.db.query<Row>(
      `SELECT count(*)::integer AS n FROM presignatures
       WHERE key_id = $1 AND signers = $2::jsonb AND status = 'ready'`,
      [keyId, canonicalJson([...signers].sort())],
    );
    return int(one(rows), 'n');
  }

  /**
   * Takes presignature `id`: marks it used and erases its secret in one statement, returning the
   * sealed secret it held. Resolves null when it does not exist or was already taken: a second take
   * (a replay, a restart after a crash, a concurrent request) never gets it.
   */
  async takePresignature(id: string, keyId: string): Promise<Bytes | null> {
    return (await this.takePresignatures([id], keyId)).get(id) ?? null;
  }

  /**
   * Takes the ready presignatures of `keyId` among `ids` in one statement (each marked used, its
   * secret erased) and returns their sealed secrets by id; an id that does not exist, belongs to
   * another key or was already taken is simply absent, and is never handed out twice.
   *
   * Rows are found by primary key alone, and key and status are checked on the locked rows: with
   * `key_id` and `status` in the same scan, the planner (no statistics on a young table) picks the
   * ready-pool index on `key_id` and filters every ready presignature of the key for the ids, so a
   * take cost time in proportion to the pool (1 000 ready: milliseconds). A row a concurrent taker
   * held is re-read after its lock is released, shows `used`, and is not taken.
   */
  async takePresignatures(ids: readonly string[], keyId: string): Promise<Map<string, Bytes>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.query<Row>(TAKE_PRESIGNATURES_SQL, [
      JSON.stringify(ids),
      keyId,
      this.#timestamp(),
    ]);
    return new Map(rows.map((r) => [str(r, 'id'), bytes(r, 'sealed')]));
  }
}

/** The key of one state in `getPairStates`' answer. */
export const pairStateSlot = (peer: string, role: PairRole) => `${peer}\u0000${role}`;

/** `takePresignatures`' statement ($1 ids as a JSON array, $2 key id, $3 now); exported for a plan test. */
export const TAKE_PRESIGNATURES_SQL = `WITH old AS MATERIALIZED (
    SELECT id, key_id, status, sealed FROM presignatures
    WHERE id = ANY (ARRAY(SELECT jsonb_array_elements_text($1::jsonb)))
    FOR UPDATE
  )
  UPDATE presignatures p SET status = 'used', used_at = $3::timestamptz, sealed = NULL
  FROM old WHERE p.id = old.id AND old.key_id = $2 AND old.status = 'ready'
  RETURNING old.id AS id, old.sealed AS sealed`;

// ---------------------------------------------------------------------------------------------
// Validation and decoding

function one(rows: Row[]): Row {
  const r = rows[0];
  if (!r || rows.length !== 1)
    throw new TkmsError('storage.failed', { details: `expected one row, got ${rows.length}` });
  return r;
}

function validateNewKey(k: NewKey): void {
  const invalid = (details: string) => new TkmsError('request.invalid', { details });
  if (typeof k.id !== 'string' || k.id.length < 1 || k.id.length > 200)
    throw invalid('key id must be 1 to 200 characters');
  if (!(STORED_KEY_TYPES as readonly string[]).includes(k.type))
    throw new TkmsError('key.type_unknown', { details: String(k.type) });
  if (!k.suite) throw invalid('key suite is empty');
  const n = k.parties.length;
  if (n === 0 || new Set(k.parties).size !== n || k.parties.some((p) => typeof p !== 'string' || p === ''))
    throw invalid('parties must be distinct non-empty ids');
  if (!Number.isSafeInteger(k.threshold) || k.threshold < 1 || k.threshold > n)
    throw new TkmsError('key.threshold_invalid', { details: `threshold ${k.threshold} of ${n}` });
  for (const [name, map] of [
    ['identifiers', k.identifiers],
    ['verifying shares', k.verifyingShares],
  ] as const) {
    const keys = Object.keys(map);
    if (keys.length !== n || !k.parties.every((p) => Object.hasOwn(map, p)))
      throw invalid(`${name} must name exactly the parties`);
    if (!Object.values(map).every((v) => isHex(v) && v.length > 0))
      throw new TkmsError('request.bad_hex', { details: name });
  }
  if (!(k.publicKey instanceof Uint8Array) || k.publicKey.length === 0) throw invalid('public key is empty');
  if (!isSealedBlob(k.sealedShare))
    throw invalid('the share must be sealed before it is stored (createSealer().seal)');
  if (k.version !== undefined && (!Number.isSafeInteger(k.version) || k.version < 1))
    throw invalid('key version must be a positive integer');
}

function isSealedBlob(b: unknown): boolean {
  return b instanceof Uint8Array && b.length > SEAL_MAGIC.length && SEAL_MAGIC.every((x, i) => b[i] === x);
}

function decodeKey(row: Row): KeyRecord {
  const type = str(row, 'type');
  if (!(STORED_KEY_TYPES as readonly string[]).includes(type))
    throw new TkmsError('storage.failed', { details: `key ${str(row, 'id')} has unknown type ${type}` });
  return {
    id: str(row, 'id'),
    type: type as StoredKeyType,
    suite: str(row, 'suite'),
    threshold: int(row, 'threshold'),
    parties: stringArray(row, 'parties'),
    identifiers: stringMap(row, 'identifiers'),
    publicKey: bytes(row, 'public_key'),
    verifyingShares: stringMap(row, 'verifying_shares'),
    sealedShare: optBytes(row, 'sealed_share'),
    status: oneOf(row, 'status', ['pending', 'active', 'failed', 'disabled'] as const),
    createdAt: date(row, 'created_at'),
    activatedAt: optDate(row, 'activated_at'),
    failedReason: optStr(row, 'failed_reason'),
    version: int(row, 'version'),
    meta: jsonObject(row, 'meta'),
  };
}

function decodeSession(row: Row): SessionRecord {
  return {
    ssid: str(row, 'ssid'),
    protocol: str(row, 'protocol'),
    keyId: optStr(row, 'key_id'),
    owner: str(row, 'owner'),
    status: oneOf(row, 'status', ['running', 'done', 'aborted'] as const),
    createdAt: date(row, 'created_at'),
    finishedAt: optDate(row, 'finished_at'),
    abort: row.abort === null || row.abort === undefined ? null : decodeAbort(json(row, 'abort')),
  };
}

function decodeApiKey(row: Row): ApiKeyRecord {
  return {
    id: str(row, 'id'),
    name: str(row, 'name'),
    hash: bytes(row, 'hash'),
    createdAt: date(row, 'created_at'),
    disabled: bool(row, 'disabled'),
  };
}

function decodeAudit(row: Row): AuditEntry {
  return {
    seq: int(row, 'seq'),
    at: date(row, 'at'),
    actor: str(row, 'actor'),
    action: str(row, 'action'),
    keyId: optStr(row, 'key_id'),
    ssid: optStr(row, 'ssid'),
    outcome: str(row, 'outcome'),
    detail: jsonObject(row, 'detail'),
    prevHash: bytes(row, 'prev_hash'),
    hash: bytes(row, 'hash'),
  };
}

function oneOf<const T extends readonly string[]>(row: Row, col: string, allowed: T): T[number] {
  const v = str(row, col);
  if (!(allowed as readonly string[]).includes(v))
    throw new TkmsError('storage.failed', { details: `column ${col} has unexpected value ${v}` });
  return v as T[number];
}

function abortToJson(a: SessionAbortInput): JsonObject {
  if (!isErrorCode(a.code))
    throw new TkmsError('request.invalid', { details: 'abort code is not in the catalog' });
  return { code: a.code, round: a.round ?? 0, culprits: [...(a.culprits ?? [])], detail: a.detail ?? '' };
}

function decodeAbort(v: JsonValue): Abort {
  const o = typeof v === 'object' && v !== null && !Array.isArray(v) ? v : null;
  const culprits = o?.culprits;
  if (
    !o ||
    !isErrorCode(o.code) ||
    typeof o.round !== 'number' ||
    typeof o.detail !== 'string' ||
    !Array.isArray(culprits) ||
    !culprits.every((c) => typeof c === 'string')
  )
    throw new TkmsError('storage.failed', { details: 'session abort value is malformed' });
  return { code: o.code, round: o.round, culprits: culprits as string[], detail: o.detail };
}

// Opaque keyset cursor: base64url of [created_at ISO, id] of the last key on the page.
function encodeCursor(k: KeyRecord): string {
  return Buffer.from(JSON.stringify([k.createdAt.toISOString(), k.id]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string') {
      const d = new Date(v[0]);
      if (!Number.isNaN(d.getTime())) return { createdAt: d.toISOString(), id: v[1] };
    }
  } catch {
    // fall through
  }
  throw new TkmsError('request.invalid', { details: 'invalid cursor' });
}
