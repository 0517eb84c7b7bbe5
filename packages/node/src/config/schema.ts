/**
 * Node configuration file (JSON). Everything a node needs to start: who it is, where its secrets
 * are, which peers it trusts (pinned by public key), where it listens and stores.
 */
import { z } from 'zod';
import { PolicySchema } from '../policy/policy.ts';
import { DEFAULT_OPRF_BURST, DEFAULT_OPRF_ELEMENTS_PER_SECOND } from '../policy/rate-limit.ts';

/** Ready ECDSA presignatures a node keeps per key and signer set, unless configured. */
export const DEFAULT_MAX_PRESIGNATURES = 1000;

const hex32 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 32 bytes of lower-case hex');
const nodeId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'node ids are lower-case letters, digits and dashes');

export const PeerSchema = z.strictObject({
  id: nodeId,
  url: z.url(),
  signPublicKey: hex32,
  encPublicKey: hex32,
});

export const NodeConfigSchema = z.strictObject({
  id: nodeId,
  listen: z.strictObject({ host: z.string().default('127.0.0.1'), port: z.number().int().min(0).max(65535) }),
  /** URL peers and clients use to reach this node. */
  url: z.url(),
  /** File holding the node identity (Ed25519 + X25519 key pairs), relative to the config file. */
  identityFile: z.string(),
  /** Where the 32-byte sealing master key comes from: a file (hex) or an environment variable. */
  masterKey: z.union([z.strictObject({ file: z.string() }), z.strictObject({ env: z.string() })]),
  /** `pglite:<dir>` (embedded, default), `memory:` (tests) or `postgres://…`. */
  database: z.string(),
  peers: z.array(PeerSchema),
  /** SHA-256 (hex) of API tokens accepted at startup; more can be added to the database. */
  apiKeys: z.array(z.strictObject({ name: z.string().min(1).max(64), sha256: hex32 })).default([]),
  limits: z
    .strictObject({
      maxMessageBytes: z.number().int().positive().default(65_536),
      maxBodyBytes: z.number().int().positive().default(262_144),
      /** OPRF evaluations per second per (caller, key): each one is a static-DH oracle query. */
      oprfElementsPerSecond: z.number().positive().default(DEFAULT_OPRF_ELEMENTS_PER_SECOND),
      oprfBurst: z.number().int().positive().default(DEFAULT_OPRF_BURST),
      /** Ready ECDSA presignatures kept per key and signer set (each is stored secret material). */
      maxPresignatures: z.number().int().positive().default(DEFAULT_MAX_PRESIGNATURES),
    })
    .default({
      maxMessageBytes: 65_536,
      maxBodyBytes: 262_144,
      oprfElementsPerSecond: DEFAULT_OPRF_ELEMENTS_PER_SECOND,
      oprfBurst: DEFAULT_OPRF_BURST,
      maxPresignatures: DEFAULT_MAX_PRESIGNATURES,
    }),
  /** Who may derive data keys and decrypt with which keys (docs/policy.md); nothing by default. */
  policy: PolicySchema.default({ grants: [], denies: [] }),
  sessionTimeoutMs: z.number().int().positive().default(10_000),
  peerTimeoutMs: z.number().int().positive().default(3_000),
  log: z.enum(['silent', 'info', 'debug']).default('info'),
});

export type NodeConfig = z.infer<typeof NodeConfigSchema>;
export type PeerConfig = z.infer<typeof PeerSchema>;
