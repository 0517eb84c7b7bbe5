-- tkms node schema, version 1. Runs on PostgreSQL >= 14 and on PGlite: one dialect (DESIGN §2.6).
-- Timestamps are written by the node (millisecond precision) so that values read back compare equal.

-- Keys this node holds a share of. The share is only ever stored sealed (AEAD under the node's
-- master key, bound to node id, key id and version); see packages/node/src/seal/sealer.ts.
CREATE TABLE keys (
  id               text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 200),
  type             text NOT NULL,
  suite            text NOT NULL,
  threshold        integer NOT NULL CHECK (threshold >= 1),
  parties          jsonb NOT NULL CHECK (jsonb_typeof(parties) = 'array'),
  identifiers      jsonb NOT NULL CHECK (jsonb_typeof(identifiers) = 'object'),
  public_key       bytea NOT NULL,
  verifying_shares jsonb NOT NULL CHECK (jsonb_typeof(verifying_shares) = 'object'),
  -- NULL only once a generation failed: the useless share is erased, not kept.
  sealed_share     bytea,
  status           text NOT NULL CHECK (status IN ('pending', 'active', 'failed', 'disabled')),
  created_at       timestamptz NOT NULL,
  activated_at     timestamptz,
  failed_reason    text,
  version          integer NOT NULL DEFAULT 1 CHECK (version >= 1),
  meta             jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(meta) = 'object'),
  CHECK (threshold <= jsonb_array_length(parties)),
  CHECK (status = 'failed' OR sealed_share IS NOT NULL),
  -- Only sealed blobs ("TKS1" header, seal/sealer.ts) are accepted: plaintext cannot land here.
  CHECK (sealed_share IS NULL OR substring(sealed_share FROM 1 FOR 4) = decode('544b5331', 'hex')),
  CHECK ((status = 'active') <= (activated_at IS NOT NULL))
);
CREATE INDEX keys_listing ON keys (created_at DESC, id DESC);
CREATE INDEX keys_pending ON keys (created_at) WHERE status = 'pending';

-- One row per protocol session this node took part in. The primary key is what stops a replayed
-- request from running a session (and spending one-time material) twice.
CREATE TABLE sessions (
  ssid        text PRIMARY KEY CHECK (ssid ~ '^[0-9a-f]{64}$'),
  protocol    text NOT NULL,
  key_id      text,
  -- Which replica runs it, so a restarting replica aborts its own sessions, not its siblings'.
  owner       text NOT NULL DEFAULT '',
  status      text NOT NULL CHECK (status IN ('running', 'done', 'aborted')),
  created_at  timestamptz NOT NULL,
  finished_at timestamptz,
  abort       jsonb,
  CHECK ((status = 'running') = (finished_at IS NULL)),
  CHECK ((status = 'aborted') = (abort IS NOT NULL))
);
CREATE INDEX sessions_running ON sessions (owner) WHERE status = 'running';
CREATE INDEX sessions_key ON sessions (key_id, created_at) WHERE key_id IS NOT NULL;

-- API credentials: only the SHA-256 of the token is stored.
CREATE TABLE api_keys (
  id         text PRIMARY KEY,
  name       text NOT NULL,
  hash       bytea NOT NULL UNIQUE CHECK (length(hash) = 32),
  created_at timestamptz NOT NULL,
  disabled   boolean NOT NULL DEFAULT false
);

-- Append-only, hash-chained audit log. seq is assigned under the audit_head row lock (not from a
-- sequence, which would leave gaps on rollback), so a missing row shows as a gap.
CREATE TABLE audit_log (
  seq       bigint PRIMARY KEY CHECK (seq >= 1),
  at        timestamptz NOT NULL,
  actor     text NOT NULL,
  action    text NOT NULL,
  key_id    text,
  ssid      text,
  outcome   text NOT NULL,
  detail    jsonb NOT NULL DEFAULT '{}'::jsonb,
  prev_hash bytea NOT NULL CHECK (length(prev_hash) = 32),
  hash      bytea NOT NULL CHECK (length(hash) = 32)
);
CREATE INDEX audit_log_key ON audit_log (key_id, seq) WHERE key_id IS NOT NULL;

-- The chain head: one row, locked FOR UPDATE by every append (serialises appenders across
-- replicas) and compared with the last row by verification (detects a truncated tail).
CREATE TABLE audit_head (
  id   boolean PRIMARY KEY DEFAULT true CHECK (id),
  seq  bigint NOT NULL,
  hash bytea NOT NULL CHECK (length(hash) = 32)
);
INSERT INTO audit_head (id, seq, hash) VALUES (true, 0, decode(repeat('00', 32), 'hex'));

-- Defence in depth: the application role cannot rewrite history by accident or by SQL injection.
-- (A database superuser can disable triggers; the hash chain is what detects that.)
CREATE FUNCTION tkms_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP;
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION tkms_audit_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION tkms_audit_append_only();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
  FOR EACH STATEMENT EXECUTE FUNCTION tkms_audit_append_only();
