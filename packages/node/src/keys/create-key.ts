/**
 * POST /v1/keys — generate a key by distributed key generation with the other nodes.
 *
 * The client sends the same request (same id, nodes, threshold and session nonce) to every node;
 * each node checks it on its own, then the nodes run PedPoP among themselves. A node stores its
 * share, sealed, only after every party confirmed the same group key (DKG round 3). A DKG that
 * cannot reach a node aborts at every node and stores nothing.
 */
import {
  bytesToHex,
  type CreateKeyRequest,
  computeSsid,
  hexToBytes,
  KEY_TYPES,
  type KeyInfo,
  PROTOCOL,
  startDkg,
  startDkls23Setup,
  TkmsError,
  utf8,
} from '@tkms/core';
import type { NodeContext } from '../context.ts';
import { shareAad } from '../seal/sealer.ts';
import { storeEcdsaMaterial } from './ecdsa-material.ts';
import { toKeyInfo } from './key-info.ts';

export async function createKey(ctx: NodeContext, req: CreateKeyRequest, actor: string): Promise<KeyInfo> {
  const spec = KEY_TYPES[req.type];
  const parties = [...new Set(req.nodes)].sort();
  if (parties.length !== req.nodes.length)
    throw new TkmsError('request.invalid', { details: 'nodes contains duplicates' });
  if (!parties.includes(ctx.id))
    throw new TkmsError('request.invalid', { details: `nodes must include ${ctx.id}` });
  const unknown = parties.filter((p) => !ctx.clusterNodes.includes(p));
  if (unknown.length)
    throw new TkmsError('request.invalid', { details: `unknown nodes: ${unknown.join(', ')}` });
  if (req.threshold < 2 || req.threshold > parties.length)
    throw new TkmsError('key.threshold_invalid', {
      details: `threshold ${req.threshold} with ${parties.length} nodes (allowed 2..${parties.length})`,
    });
  if (await ctx.store.getKey(req.id)) throw new TkmsError('key.exists', { details: req.id });

  const ssid = computeSsid({
    protocol: PROTOCOL.dkg,
    suite: spec.suite,
    parties,
    threshold: req.threshold,
    keyId: req.id,
    nonce: hexToBytes(req.sessionNonce),
    context: utf8(req.type),
  });
  const ssidHex = bytesToHex(ssid);
  await ctx.store.beginSession({ ssid: ssidHex, protocol: PROTOCOL.dkg, keyId: req.id });
  const started = Date.now();
  try {
    const out = await ctx.sessions.run(
      { protocol: PROTOCOL.dkg, ssid, self: ctx.id, parties, random: ctx.random },
      (sctx) => startDkg(sctx, { suite: spec.suite, threshold: req.threshold }),
    );
    // ECDSA keys: the DKLs23 setup (pairwise base OTs, zero seeds, joint chain code) runs right
    // after the DKG, among the same holders; nothing is stored unless both complete.
    const ecdsa =
      'signing' in spec && spec.signing === 'dkls23'
        ? await ctx.sessions.run(
            {
              protocol: PROTOCOL.dkls23Setup,
              ssid: computeSsid({
                protocol: PROTOCOL.dkls23Setup,
                suite: spec.suite,
                parties,
                threshold: req.threshold,
                keyId: req.id,
                nonce: hexToBytes(req.sessionNonce),
                context: out.groupPublicKey,
              }),
              self: ctx.id,
              parties,
              random: ctx.random,
            },
            (sctx) =>
              startDkls23Setup(sctx, {
                suite: spec.suite as 'secp256k1' | 'p256',
                parties,
                groupPublicKey: out.groupPublicKey,
              }),
          )
        : undefined;
    const sealed = ctx.sealer.seal(
      out.signingShare.expose(),
      shareAad({ nodeId: ctx.id, keyId: req.id, version: 1 }),
    );
    out.signingShare.wipe();
    const verifyingShares = Object.fromEntries(
      Object.entries(out.verifyingShares).map(([k, v]) => [k, bytesToHex(v)]),
    );
    await ctx.store.transaction(async (tx) => {
      await tx.insertKey({
        id: req.id,
        type: req.type,
        suite: spec.suite,
        threshold: req.threshold,
        parties,
        identifiers: out.identifiers,
        publicKey: out.groupPublicKey,
        verifyingShares,
        sealedShare: sealed,
        status: 'active',
        ...(ecdsa ? { meta: { chainCode: bytesToHex(ecdsa.chainCode) } } : {}),
      });
      if (ecdsa) await storeEcdsaMaterial(ctx, tx, req.id, ecdsa);
    });
    if (ecdsa) {
      for (const seed of Object.values(ecdsa.zeroSeeds)) seed.wipe();
      for (const st of Object.values(ecdsa.mulStates)) {
        st.sender.secret.wipe();
        st.receiver.secret.wipe();
      }
    }
    await ctx.sessionLog.record({
      ssid: ssidHex,
      protocol: PROTOCOL.dkg,
      keyId: req.id,
      row: 'update',
      status: 'done',
      audit: {
        actor,
        action: 'key.create',
        keyId: req.id,
        ssid: ssidHex,
        outcome: 'ok',
        detail: { type: req.type, threshold: req.threshold, nodes: parties, ms: Date.now() - started },
      },
    });
    const rec = await ctx.store.getKey(req.id);
    if (!rec) throw new TkmsError('storage.failed', { details: 'key vanished after insert' });
    ctx.log.info('key.created', { keyId: req.id, type: req.type, ms: Date.now() - started });
    return toKeyInfo(rec, ctx.id);
  } catch (e) {
    await recordFailure(
      ctx,
      { ssid: ssidHex, protocol: PROTOCOL.dkg, keyId: req.id, row: 'update' },
      actor,
      'key.create',
      e,
    );
    throw e;
  }
}

/** Writes the aborted session and its audit record; logs (never throws) if even that fails. */
export async function recordFailure(
  ctx: NodeContext,
  session: { ssid: string; protocol: string; keyId: string; row: 'insert' | 'update' | 'none' },
  actor: string,
  action: string,
  e: unknown,
): Promise<void> {
  const err = e instanceof TkmsError ? e : new TkmsError('internal', { cause: e });
  const abortCode = (err.meta.abort as { code?: unknown } | undefined)?.code;
  try {
    // A refused duplicate session id is audited, but the earlier session's row is left alone.
    const row = err.code === 'session.exists' ? 'none' : session.row;
    await ctx.sessionLog.record({
      ...session,
      row,
      status: 'aborted',
      abort: { code: err.code, culprits: [...err.culprits] },
      audit: {
        actor,
        action,
        keyId: session.keyId,
        ssid: session.ssid,
        outcome: 'error',
        detail: {
          code: err.code,
          culprits: [...err.culprits],
          // Which check failed (protocol.bad_ot, protocol.bad_mul, …) when a protocol aborted.
          ...(typeof abortCode === 'string' ? { check: abortCode } : {}),
        },
      },
    });
  } catch (inner) {
    ctx.log.warn('audit.write_failed', {
      ssid: session.ssid,
      action,
      error: inner instanceof Error ? inner.message : 'unknown',
    });
  }
  ctx.log.info(`${action}.failed`, {
    keyId: session.keyId,
    ssid: session.ssid,
    code: err.code,
    culprits: err.culprits,
  });
}
