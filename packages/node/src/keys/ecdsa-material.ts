/**
 * The DKLs23 material a node keeps besides its Shamir share: per peer, its 2P-MUL sender and
 * receiver states (base-OT output) and the pairwise zero-sharing seed, each sealed under the
 * node's master key with associated data naming the purpose, the peer, the key and its version.
 * The chain code is public and lives in the key's meta.
 */
import {
  type Bytes,
  type Dkls23SetupOutput,
  decodeMulState,
  encodeMulState,
  type MulPeerStates,
  type SecretBytes,
  TkmsError,
} from '@tkms/core';
import type { NodeContext } from '../context.ts';
import { sealAad } from '../seal/sealer.ts';
import { type KeyRecord, type PairRole, pairStateSlot, type Store } from '../storage/index.ts';

const aad = (ctx: NodeContext, keyId: string, version: number, role: PairRole, peer: string) =>
  sealAad({ purpose: `dkls23-${role}:${peer}`, nodeId: ctx.id, keyId, version });

/** Stores every peer's states and seed (call inside the transaction that inserts the key). */
export async function storeEcdsaMaterial(
  ctx: NodeContext,
  tx: Store,
  keyId: string,
  out: Dkls23SetupOutput,
): Promise<void> {
  for (const [peer, states] of Object.entries(out.mulStates)) {
    for (const role of ['sender', 'receiver'] as const) {
      const plain = encodeMulState(states[role]);
      try {
        await tx.putPairState({
          keyId,
          peer,
          role,
          sealedState: ctx.sealer.seal(plain, aad(ctx, keyId, 1, role, peer)),
        });
      } finally {
        plain.wipe();
      }
    }
    const seed = out.zeroSeeds[peer] as SecretBytes;
    await tx.putPairState({
      keyId,
      peer,
      role: 'zero-seed',
      sealedState: ctx.sealer.seal(seed, aad(ctx, keyId, 1, 'zero-seed', peer)),
    });
  }
}

/**
 * Replaces this node's 2P-MUL states with `peer` (both roles) by fresh ones from a pair setup:
 * the old ones are discarded (erased) and the new ones stored sealed, in the caller's
 * transaction. The zero seed stays: OT selective-failure probes tell nothing about it.
 */
export async function replacePairStates(
  ctx: NodeContext,
  tx: Store,
  keyId: string,
  peer: string,
  states: MulPeerStates,
  reason: string,
): Promise<number> {
  const replaced = await tx.discardPairStates(keyId, peer, reason);
  for (const role of ['sender', 'receiver'] as const) {
    const plain = encodeMulState(states[role]);
    try {
      await tx.putPairState({
        keyId,
        peer,
        role,
        sealedState: ctx.sealer.seal(plain, aad(ctx, keyId, 1, role, peer)),
      });
    } finally {
      plain.wipe();
    }
  }
  return replaced;
}

type Shared = {
  readonly ready: Promise<MulPeerStates>;
  refs: number;
  persisted: boolean;
  /** Discarded, and storing that failed: kept (refusing) until the process ends. */
  condemned: boolean;
};

/**
 * The opened 2P-MUL states of every (key, peer) pair that some session is using right now, one
 * object per pair shared by all of them.
 *
 * Why shared: a failed OT-extension or multiplication check may be a selective-failure probe,
 * and core marks the pair's state objects discarded the moment it sees one, then refuses every
 * later step on them. If each concurrent session opened its own copy from storage, a peer could
 * run one probe per session in flight against the same base OTs before the first failure reached
 * the database. With one object per pair, the first failure stops every other session's checks
 * on that pair at once (sequential probing is all that is left, as the paper assumes), and the
 * discard is persisted by the first session that ends.
 */
export class OpenPairStates {
  readonly #open = new Map<string, Shared>();

  /** Pairs held open now (for tests and metrics). */
  get size(): number {
    return this.#open.size;
  }

  /**
   * The shared states of a pair (loaded by `load` if no session holds them). `release` lets go;
   * the first release after a discard runs `persistDiscard` before the pair can be dropped, so a
   * new session never reads states from storage that a failed check already condemned.
   */
  async acquire(
    slot: string,
    load: () => Promise<MulPeerStates>,
    persistDiscard: () => Promise<boolean>,
  ): Promise<{ states: MulPeerStates; release(): Promise<void> }> {
    let entry = this.#open.get(slot);
    if (!entry) {
      entry = { ready: load(), refs: 0, persisted: false, condemned: false };
      this.#open.set(slot, entry);
    }
    const e = entry;
    e.refs++;
    let states: MulPeerStates;
    try {
      states = await e.ready;
    } catch (err) {
      this.#drop(slot, e);
      throw err;
    }
    let released = false;
    return {
      states,
      release: async () => {
        if (released) return;
        released = true;
        if ((states.sender.discarded || states.receiver.discarded) && !e.persisted) {
          e.persisted = true;
          // Until this commits the entry stays open: new sessions get the discarded objects
          // (refused by core), never the rows still in storage.
          // If even that fails, the discarded objects stay here, refusing, until the process ends.
          if (!(await persistDiscard())) e.condemned = true;
          else if (this.#open.get(slot) === e) this.#open.delete(slot);
        }
        this.#drop(slot, e);
      },
    };
  }

  /** New sessions of this pair read storage again (after a pair setup replaced the states). */
  invalidate(slot: string): void {
    this.#open.delete(slot);
  }

  #drop(slot: string, e: Shared): void {
    e.refs--;
    if (e.refs > 0) return;
    if (this.#open.get(slot) === e && !e.condemned) this.#open.delete(slot);
    void e.ready.then(
      (st) => {
        st.sender.secret.wipe();
        st.receiver.secret.wipe();
      },
      () => undefined,
    );
  }
}

export const pairSlot = (keyId: string, peer: string) => `${keyId}\u0000${peer}`;

export type EcdsaMaterial = {
  mulStates: Record<string, MulPeerStates>;
  zeroSeeds: Record<string, SecretBytes>;
  /** Persists any discard a failed check made, then lets go of the states and wipes the seeds. */
  release(): Promise<void>;
};

/**
 * Opens this node's states and seeds for the other signers; the 2P-MUL states are shared with
 * other sessions of the same pairs in flight (`OpenPairStates`).
 * @throws TkmsError `sign.pair_needs_setup` when a pair's state was discarded after a failed check
 *   (the pair needs a fresh setup, `pair-setup.ts`, before it signs again)
 */
export async function loadEcdsaMaterial(
  ctx: NodeContext,
  key: KeyRecord,
  peers: readonly string[],
): Promise<EcdsaMaterial> {
  const read = batchedReads(ctx.store, key.id);
  const open = async (peer: string, role: PairRole): Promise<SecretBytes> => {
    const blob: Bytes | null = await read(peer, role);
    if (!blob)
      throw new TkmsError('sign.pair_needs_setup', {
        details: `${ctx.id} has no ${role} state with ${peer} for ${key.id} (discarded after a failed check): run a pair setup for ${ctx.id} and ${peer} (tkms key pair-setup --key ${key.id} --nodes ${ctx.id},${peer})`,
      });
    return ctx.sealer.open(blob, aad(ctx, key.id, key.version, role, peer));
  };
  const loadPair = async (peer: string): Promise<MulPeerStates> => {
    const [sender, receiver] = await Promise.allSettled([open(peer, 'sender'), open(peer, 'receiver')]);
    try {
      if (sender.status === 'rejected') throw sender.reason;
      if (receiver.status === 'rejected') throw receiver.reason;
      return { sender: decodeMulState(sender.value), receiver: decodeMulState(receiver.value) };
    } finally {
      if (sender.status === 'fulfilled') sender.value.wipe();
      if (receiver.status === 'fulfilled') receiver.value.wipe();
    }
  };
  // All reads at once, as one statement (`batchedReads`).
  const settled = await Promise.allSettled(
    peers.map(async (peer) => {
      const [pair, seed] = await Promise.allSettled([
        ctx.pairStates.acquire(
          pairSlot(key.id, peer),
          () => loadPair(peer),
          () =>
            ctx.store
              .discardPairStates(key.id, peer, 'a 2P-MUL check failed')
              .then(async () => {
                ctx.log.info('pair.discarded', { keyId: key.id, peer });
                await ctx.sessionLog
                  .record({
                    ssid: `pair-discard:${key.id}:${peer}:${Date.now()}`,
                    protocol: 'tkms/dkls23-pair',
                    keyId: key.id,
                    row: 'none',
                    status: 'done',
                    audit: {
                      actor: `node:${ctx.id}`,
                      action: 'key.pair_discarded',
                      keyId: key.id,
                      outcome: 'ok',
                      detail: { peer, reason: 'a 2P-MUL check failed' },
                    },
                  })
                  .catch((err: unknown) => ctx.log.warn('audit.write_failed', { error: String(err) }));
                return true;
              })
              .catch((err: unknown) => {
                ctx.log.warn('pair.discard_failed', { keyId: key.id, peer, error: String(err) });
                return false;
              }),
        ),
        open(peer, 'zero-seed'),
      ]);
      return { peer, pair, seed };
    }),
  );
  const mulStates: Record<string, MulPeerStates> = {};
  const zeroSeeds: Record<string, SecretBytes> = {};
  const handles: Array<{ release(): Promise<void> }> = [];
  let failure: unknown;
  for (const r of settled) {
    if (r.status === 'rejected') {
      failure ??= r.reason;
      continue;
    }
    const { peer, pair, seed } = r.value;
    if (pair.status === 'fulfilled') {
      handles.push(pair.value);
      mulStates[peer] = pair.value.states;
    } else failure ??= pair.reason;
    if (seed.status === 'fulfilled') zeroSeeds[peer] = seed.value;
    else failure ??= seed.reason;
  }
  const release = async () => {
    for (const s of Object.values(zeroSeeds)) s.wipe();
    await Promise.all(handles.map((h) => h.release()));
  };
  if (failure !== undefined) {
    await release();
    throw failure;
  }
  return { mulStates, zeroSeeds, release };
}

/**
 * Pair-state reads made in one synchronous burst, run as one statement. `loadEcdsaMaterial`
 * issues all of its reads (both 2P-MUL roles of each pair no session holds open, and each zero
 * seed) before it awaits anything; one statement instead of three per peer saves the database
 * that many round trips (PGlite under load: ≈ 1.3 ms of its worker each, on the critical path).
 * A read is issued only when its caller asks, so `OpenPairStates`' rule holds: a pair's states
 * are read from storage only after its slot was created, never before a discard that commits
 * meanwhile.
 */
function batchedReads(store: Store, keyId: string): (peer: string, role: PairRole) => Promise<Bytes | null> {
  /** The burst being collected: its peers, and the statement's answer once it runs. */
  let burst: { peers: Set<string>; rows: Promise<Map<string, Bytes>> } | undefined;
  return async (peer, role) => {
    if (!burst) {
      const peers = new Set<string>();
      const rows = new Promise<Map<string, Bytes>>((resolve, reject) =>
        queueMicrotask(() => {
          burst = undefined;
          store.getPairStates(keyId, [...peers]).then(resolve, reject);
        }),
      );
      burst = { peers, rows };
    }
    burst.peers.add(peer);
    return (await burst.rows).get(pairStateSlot(peer, role)) ?? null;
  };
}

/** The chain code recorded at key setup (public), or null for keys without one. */
export function chainCodeOf(key: KeyRecord): string | null {
  const c = key.meta.chainCode;
  return typeof c === 'string' && /^[0-9a-f]{64}$/.test(c) ? c : null;
}
