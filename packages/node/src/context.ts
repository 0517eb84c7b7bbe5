import type { SessionOutcome } from './audit/session-log.ts';
import type { ArmedPresignatures } from './keys/armed-presignatures.ts';
import type { OpenPairStates } from './keys/ecdsa-material.ts';
import type { KeyCache } from './keys/key-cache.ts';
import type { Logger } from './log/logger.ts';
import type { Policy, RateLimiter } from './policy/index.ts';
import type { Sealer } from './seal/sealer.ts';
import type { SessionManager } from './session/manager.ts';
import type { Store } from './storage/store.ts';

/** Everything a capability module needs, built once by `createNode`. */
export type NodeContext = {
  readonly id: string;
  /** Every node of the cluster this node knows, including itself, sorted. */
  readonly clusterNodes: readonly string[];
  readonly store: Store;
  /** Read-through cache of key records for the hot paths. */
  readonly keys: KeyCache;
  /** Session end + audit record, group-committed. Resolves once durable. */
  readonly sessionLog: { record(o: SessionOutcome): Promise<void> };
  readonly sealer: Sealer;
  readonly sessions: SessionManager;
  readonly random: (n: number) => Uint8Array;
  readonly log: Logger;
  readonly limits: { readonly maxMessageBytes: number; readonly maxPresignatures: number };
  /** This node's own access policy for data keys and decryption (docs/policy.md). */
  readonly policy: Policy;
  /** OPRF and decryption items per (caller, key): each is a static-DH oracle query. */
  readonly rateLimiter: RateLimiter;
  /** ECDSA presignatures taken ahead of their signature, held in memory (armed-presignatures.ts). */
  readonly armed: ArmedPresignatures;
  /** 2P-MUL states open in sessions now, one object per (key, peer) shared by all (ecdsa-material.ts). */
  readonly pairStates: OpenPairStates;
};
