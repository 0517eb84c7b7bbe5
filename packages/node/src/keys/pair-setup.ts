/**
 * POST /v1/keys/{id}/pair-setup — fresh base OTs between two holders of an ECDSA key, replacing
 * their 2P-MUL states in both directions.
 *
 * A failed 2P-MUL check discards the pair's OT states on the node that saw it (sign-ecdsa.ts), so a
 * selective-failure probe can never be retried against the same base OTs; the pair then signs
 * again only after this setup. It runs the DKLs23 key setup among just the two (the same three
 * rounds, checks and confirmation) and keeps only its 2P-MUL states: the pair's zero seed and the
 * key's chain code stay, so nothing else of the key changes. Both nodes get the same request;
 * each replaces its states only after the setup confirmed on both. If one node fails to store
 * (crash between confirmation and commit), the pair's next signature fails a check, is
 * discarded again, and this setup is run again.
 */
import {
  bytesToHex,
  computeSsid,
  hexToBytes,
  KEY_TYPES,
  type PairSetupRequest,
  type PairSetupResponse,
  PROTOCOL,
  requirePurpose,
  startDkls23Setup,
  TkmsError,
  utf8,
} from '@tkms/core';
import type { NodeContext } from '../context.ts';
import { recordFailure } from './create-key.ts';
import { pairSlot, replacePairStates } from './ecdsa-material.ts';

export async function pairSetup(
  ctx: NodeContext,
  keyId: string,
  req: PairSetupRequest,
  actor: string,
): Promise<PairSetupResponse> {
  const key = await ctx.keys.get(keyId);
  if (!key) throw new TkmsError('key.not_found', { details: keyId });
  if (key.status !== 'active')
    throw new TkmsError('key.not_active', { details: `${keyId} is ${key.status}` });
  const entry = requirePurpose(key.type, 'sign', keyId);
  if (entry.signing !== 'dkls23')
    throw new TkmsError('key.wrong_purpose', { details: `${key.type} keys have no pairwise 2P-MUL state` });
  const pair = [...new Set(req.nodes)].sort();
  if (pair.length !== 2)
    throw new TkmsError('request.invalid', { details: 'nodes must be two different holders of the key' });
  const outsiders = pair.filter((p) => !key.parties.includes(p));
  if (outsiders.length)
    throw new TkmsError('request.invalid', { details: `not holders of ${keyId}: ${outsiders.join(', ')}` });
  if (!pair.includes(ctx.id))
    throw new TkmsError('request.invalid', { details: `nodes must include ${ctx.id}` });
  const peer = pair.find((p) => p !== ctx.id) as string;
  const suite = KEY_TYPES[key.type].suite as 'secp256k1' | 'p256';
  const ssid = computeSsid({
    protocol: PROTOCOL.dkls23Setup,
    suite,
    parties: pair,
    threshold: key.threshold,
    keyId: key.id,
    nonce: hexToBytes(req.sessionNonce),
    // Apart from the key setup's ssid (context: the group key alone) for the same nonce.
    context: utf8(`pair-setup:${bytesToHex(key.publicKey)}`),
  });
  const ssidHex = bytesToHex(ssid);
  const session = { ssid: ssidHex, protocol: PROTOCOL.dkls23Setup, keyId: key.id, row: 'update' as const };
  await ctx.store.beginSession({ ssid: ssidHex, protocol: PROTOCOL.dkls23Setup, keyId: key.id });
  const started = Date.now();
  try {
    const out = await ctx.sessions.run(
      { protocol: PROTOCOL.dkls23Setup, ssid, self: ctx.id, parties: pair, random: ctx.random },
      (sctx) => startDkls23Setup(sctx, { suite, parties: pair, groupPublicKey: key.publicKey }),
    );
    const states = out.mulStates[peer];
    let replaced = 0;
    try {
      if (!states) throw new TkmsError('internal', { details: `the pair setup gave no state for ${peer}` });
      const s = states;
      replaced = await ctx.store.transaction((tx) =>
        replacePairStates(ctx, tx, key.id, peer, s, `replaced by pair setup ${ssidHex}`),
      );
      // Sessions that start from now on open the new states.
      ctx.pairStates.invalidate(pairSlot(key.id, peer));
    } finally {
      for (const seed of Object.values(out.zeroSeeds)) seed.wipe();
      for (const st of Object.values(out.mulStates)) {
        st.sender.secret.wipe();
        st.receiver.secret.wipe();
      }
    }
    await ctx.sessionLog.record({
      ...session,
      status: 'done',
      audit: {
        actor,
        action: 'key.pair_setup',
        keyId: key.id,
        ssid: ssidHex,
        outcome: 'ok',
        detail: { nodes: pair, replaced, ms: Date.now() - started },
      },
    });
    ctx.log.info('key.pair_setup', { keyId: key.id, peer, ms: Date.now() - started });
    return { keyId: key.id, node: ctx.id, peer, replaced };
  } catch (e) {
    await recordFailure(ctx, session, actor, 'key.pair_setup', e);
    throw e;
  }
}
