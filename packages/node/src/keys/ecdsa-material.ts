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
import type { KeyRecord, PairRole, Store } from '../storage/index.ts';

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

/**
 * Opens this node's states and seeds for the other signers.
 * @throws TkmsError `sign.pair_needs_setup` when a pair's state was discarded after a failed check
 *   (the pair needs a fresh setup, `pair-setup.ts`, before it signs again)
 */
export async function loadEcdsaMaterial(
  ctx: NodeContext,
  key: KeyRecord,
  peers: readonly string[],
): Promise<{ mulStates: Record<string, MulPeerStates>; zeroSeeds: Record<string, SecretBytes> }> {
  const mulStates: Record<string, MulPeerStates> = {};
  const zeroSeeds: Record<string, SecretBytes> = {};
  const open = async (peer: string, role: PairRole): Promise<SecretBytes> => {
    const blob: Bytes | null = await ctx.store.getPairState(key.id, peer, role);
    if (!blob)
      throw new TkmsError('sign.pair_needs_setup', {
        details: `${ctx.id} has no ${role} state with ${peer} for ${key.id} (discarded after a failed check): run a pair setup for ${ctx.id} and ${peer} (tkms key pair-setup --key ${key.id} --nodes ${ctx.id},${peer})`,
      });
    return ctx.sealer.open(blob, aad(ctx, key.id, key.version, role, peer));
  };
  // All reads at once: each is a round trip to the database (a worker thread for PGlite).
  const opened = await Promise.all(
    peers.map(async (peer) => {
      const [sender, receiver, seed] = await Promise.all([
        open(peer, 'sender'),
        open(peer, 'receiver'),
        open(peer, 'zero-seed'),
      ]);
      return { peer, sender, receiver, seed };
    }),
  );
  for (const { peer, sender, receiver, seed } of opened) {
    try {
      mulStates[peer] = { sender: decodeMulState(sender), receiver: decodeMulState(receiver) };
    } finally {
      sender.wipe();
      receiver.wipe();
    }
    zeroSeeds[peer] = seed;
  }
  return { mulStates, zeroSeeds };
}

/** The chain code recorded at key setup (public), or null for keys without one. */
export function chainCodeOf(key: KeyRecord): string | null {
  const c = key.meta.chainCode;
  return typeof c === 'string' && /^[0-9a-f]{64}$/.test(c) ? c : null;
}
