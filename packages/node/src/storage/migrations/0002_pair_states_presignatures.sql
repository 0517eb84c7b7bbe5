-- Threshold ECDSA (DKLs23) state: the pairwise OT setup each node keeps per key and peer, and the
-- pool of presignatures. Both hold secrets, so both are stored sealed ("TKS1" blobs) only.

-- One row per (key, peer, role): this node's side of the base OTs with that peer, as the
-- multiplication's sender or receiver, and the pair's zero-sharing seed ('zero-seed'). A failed
-- check with the peer discards both OT roles and erases them (sealed_state NULL): a
-- selective-failure probe must never meet the same base OTs twice; the pair runs a fresh setup
-- before it signs again. The zero-sharing seed is not OT state and stays.
CREATE TABLE key_pair_states (
  key_id         text NOT NULL REFERENCES keys (id),
  peer           text NOT NULL CHECK (length(peer) BETWEEN 1 AND 63),
  role           text NOT NULL CHECK (role IN ('sender', 'receiver', 'zero-seed')),
  sealed_state   bytea,
  status         text NOT NULL CHECK (status IN ('active', 'discarded')),
  created_at     timestamptz NOT NULL,
  discarded_at   timestamptz,
  discard_reason text,
  PRIMARY KEY (key_id, peer, role),
  CHECK ((status = 'active') = (sealed_state IS NOT NULL)),
  CHECK ((status = 'discarded') = (discarded_at IS NOT NULL)),
  CHECK (sealed_state IS NULL OR substring(sealed_state FROM 1 FOR 4) = decode('544b5331', 'hex'))
);

-- Presignatures (rounds 1-2 run ahead), per key and signer set. Taking one marks it used and erases
-- its secret in the same statement, before any share of a signature leaves the node: a crash after
-- that point loses the presignature, it can never be used twice.
CREATE TABLE presignatures (
  id         text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 200),
  key_id     text NOT NULL REFERENCES keys (id),
  signers    jsonb NOT NULL CHECK (jsonb_typeof(signers) = 'array'),
  sealed     bytea,
  status     text NOT NULL CHECK (status IN ('ready', 'used')),
  created_at timestamptz NOT NULL,
  used_at    timestamptz,
  CHECK ((status = 'ready') = (sealed IS NOT NULL)),
  CHECK ((status = 'used') = (used_at IS NOT NULL)),
  CHECK (sealed IS NULL OR substring(sealed FROM 1 FOR 4) = decode('544b5331', 'hex'))
);
CREATE INDEX presignatures_ready ON presignatures (key_id, signers, created_at) WHERE status = 'ready';
