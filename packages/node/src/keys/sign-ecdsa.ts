/**
 * POST /v1/keys/{id}/sign for ECDSA keys: DKLs23 Protocol 3.6 among the signers (three rounds;
 * every signer ends with the whole signature, verified before it is returned).
 *
 * Differences from FROST signing, and why:
 * - a session row is written before the protocol starts: the 2P-MUL must never answer twice under
 *   one session id with the same pair state, even across a restart (docs/protocols/dkls23-mul.md §8);
 * - after any run, a pair whose 2P-MUL check failed has its states discarded and erased, so a
 *   selective-failure probe cannot be retried against the same base OTs;
 * - a BIP32 path (non-hardened) signs under the child key: the node derives the tweak from the
 *   key's public chain code and stores nothing new.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import {
  type Bytes,
  bytesToHex,
  computeSsid,
  concatBytes,
  createOtMultiplication,
  DKLS23_ONLINE_PROTOCOL,
  DKLS23_PRESIGN_PROTOCOL,
  decodePresignature,
  derivePath,
  type EcdsaSignShareResponse,
  encodePresignature,
  getSuite,
  hexToBytes,
  KEY_TYPES,
  PROTOCOL,
  type Presignature,
  type PresignResponse,
  type SignRequest,
  startDkls23Online,
  startDkls23Presign,
  startDkls23Sign,
  TkmsError,
  utf8,
} from '@tkms/core';
import type { Timing } from '../api/timing.ts';
import type { NodeContext } from '../context.ts';
import { sealAad, shareAad } from '../seal/sealer.ts';
import type { KeyRecord, Store } from '../storage/index.ts';
import { runAuthorized } from './authorized.ts';
import { recordFailure } from './create-key.ts';
import { chainCodeOf, type EcdsaMaterial, loadEcdsaMaterial } from './ecdsa-material.ts';
import { keyShareOf } from './key-info.ts';

export async function signEcdsa(
  ctx: NodeContext,
  key: KeyRecord,
  signers: string[],
  req: SignRequest,
  actor: string,
  timing?: Timing,
): Promise<EcdsaSignShareResponse> {
  const suite = KEY_TYPES[key.type].suite as 'secp256k1' | 'p256';
  const digest = req.digest !== undefined ? hexToBytes(req.digest) : sha256(hexToBytes(req.message ?? ''));
  if (digest.length !== 32) throw new TkmsError('request.invalid', { details: 'digest must be 32 bytes' });
  let tweak: Uint8Array | undefined;
  let publicKey = key.publicKey;
  if (req.path !== undefined) {
    const chainCode = chainCodeOf(key);
    if (!chainCode) throw new TkmsError('request.invalid', { details: `${key.id} has no chain code` });
    const child = derivePath(
      key.publicKey,
      hexToBytes(chainCode),
      req.path,
      suite === 'p256' ? 'p256' : 'secp256k1',
    );
    tweak = child.tweak;
    publicKey = child.publicKey;
  }
  if (req.presignatureId !== undefined && req.nextPresignatureIds?.includes(req.presignatureId))
    throw new TkmsError('request.invalid', {
      details: 'nextPresignatureIds names the presignature being used',
    });
  // Submitted now, so its commit joins this signature's audit record (group commit).
  armNext(ctx, key, req.nextPresignatureIds, actor);
  if (req.presignatureId !== undefined)
    return signWithPresignature(
      ctx,
      key,
      signers,
      req.presignatureId,
      digest,
      publicKey,
      tweak,
      req.path,
      actor,
      timing,
    );
  const ssid = computeSsid({
    protocol: PROTOCOL.dkls23Sign,
    suite,
    parties: signers,
    threshold: key.threshold,
    keyId: key.id,
    nonce: hexToBytes(req.sessionNonce),
    // Every signer must sign the same digest under the same child key.
    context: concatBytes(digest, utf8(req.path ?? '')),
  });
  const ssidHex = bytesToHex(ssid);
  // The session row (replay protection) and the pair material are read/written together.
  const begun = ctx.store.beginSession({ ssid: ssidHex, protocol: PROTOCOL.dkls23Sign, keyId: key.id });
  begun.catch(() => undefined); // awaited below; this only keeps an early throw from leaving it unhandled
  const session = { ssid: ssidHex, protocol: PROTOCOL.dkls23Sign, keyId: key.id, row: 'update' as const };
  const peers = signers.filter((p) => p !== ctx.id);
  let material: EcdsaMaterial | undefined;
  const share = ctx.sealer.open(
    key.sealedShare as Uint8Array,
    shareAad({ nodeId: ctx.id, keyId: key.id, version: key.version }),
  );
  try {
    try {
      const [, loaded] = await Promise.all([begun, loadEcdsaMaterial(ctx, key, peers)]);
      material = loaded;
    } catch (e) {
      // A replayed session id, a discarded pair: refused before the protocol, and recorded.
      await recordFailure(ctx, session, actor, 'key.sign', e);
      throw e;
    }
    timing?.mark('prepare');
    const m = material;
    const out = await runAuthorized(
      ctx,
      session,
      actor,
      { signers, digest: bytesToHex(digest), path: req.path ?? null, scheme: 'ecdsa' },
      () =>
        ctx.sessions.run(
          { protocol: PROTOCOL.dkls23Sign, ssid, self: ctx.id, parties: signers, random: ctx.random },
          (sctx) =>
            startDkls23Sign(sctx, {
              key: keyShareOf(key, share),
              signers,
              zeroSeeds: m.zeroSeeds,
              mul: createOtMultiplication(getSuite(suite)),
              mulStates: m.mulStates,
              digest,
              ...(tweak ? { tweak } : {}),
            }),
        ),
    );
    timing?.mark('sign');
    // The session row (durable before the protocol started) is closed after the answer.
    void ctx.store
      .finishSession(ssidHex, 'done')
      .catch((err: unknown) => ctx.log.warn('session.finish_failed', { ssid: ssidHex, error: String(err) }));
    return ecdsaResponse(ctx, key, publicKey, digest, out, req.path);
  } finally {
    share.wipe();
    await material?.release();
  }
}

/**
 * POST /v1/keys/{id}/presign — rounds 1–2 of Protocol 3.6 ahead of any message. Each signer
 * stores its presignature sealed under the session id, which names it on every signer.
 */
export async function presignEcdsa(
  ctx: NodeContext,
  key: KeyRecord,
  signers: string[],
  sessionNonce: string,
  actor: string,
): Promise<PresignResponse> {
  const suite = KEY_TYPES[key.type].suite as 'secp256k1' | 'p256';
  const ssid = computeSsid({
    protocol: DKLS23_PRESIGN_PROTOCOL,
    suite,
    parties: signers,
    threshold: key.threshold,
    keyId: key.id,
    nonce: hexToBytes(sessionNonce),
  });
  const ssidHex = bytesToHex(ssid);
  const session = { ssid: ssidHex, protocol: DKLS23_PRESIGN_PROTOCOL, keyId: key.id, row: 'update' as const };
  // Each ready presignature is stored secret material: a bounded pool per key and signer set.
  const full = async (store: Store) => {
    const ready = await store.countPresignatures(key.id, signers);
    if (ready >= ctx.limits.maxPresignatures)
      throw new TkmsError('sign.presignature_limit', {
        details: `${ctx.id} keeps ${ready} ready presignatures for ${key.id} with ${signers.join(', ')} (limit ${ctx.limits.maxPresignatures}); use some first`,
      });
  };
  await full(ctx.store);
  await ctx.store.beginSession({ ssid: ssidHex, protocol: DKLS23_PRESIGN_PROTOCOL, keyId: key.id });
  const share = ctx.sealer.open(
    key.sealedShare as Uint8Array,
    shareAad({ nodeId: ctx.id, keyId: key.id, version: key.version }),
  );
  let material: EcdsaMaterial | undefined;
  try {
    material = await loadEcdsaMaterial(
      ctx,
      key,
      signers.filter((p) => p !== ctx.id),
    );
    const m = material;
    const presignature = await ctx.sessions.run(
      { protocol: DKLS23_PRESIGN_PROTOCOL, ssid, self: ctx.id, parties: signers, random: ctx.random },
      (sctx) =>
        startDkls23Presign(sctx, {
          key: keyShareOf(key, share),
          signers,
          zeroSeeds: m.zeroSeeds,
          mul: createOtMultiplication(getSuite(suite)),
          mulStates: m.mulStates,
        }),
    );
    const plain = encodePresignature(presignature);
    presignature.secret.wipe();
    const sealed = ctx.sealer.seal(plain, presignatureAad(ctx, key, ssidHex));
    plain.fill(0);
    await ctx.store.transaction(async (tx) => {
      await full(tx);
      await tx.insertPresignature({ id: ssidHex, keyId: key.id, signers, sealed });
    });
    await ctx.sessionLog.record({
      ...session,
      status: 'done',
      audit: {
        actor,
        action: 'key.presign',
        keyId: key.id,
        ssid: ssidHex,
        outcome: 'ok',
        detail: { signers },
      },
    });
    return { keyId: key.id, node: ctx.id, presignatureId: ssidHex, signers };
  } catch (e) {
    await recordFailure(ctx, session, actor, 'key.presign', e);
    throw e;
  } finally {
    share.wipe();
    await material?.release();
  }
}

const presignatureAad = (ctx: NodeContext, key: KeyRecord, id: string) =>
  sealAad({ purpose: `dkls23-presignature:${id}`, nodeId: ctx.id, keyId: key.id, version: key.version });

/**
 * The online round with a stored presignature. The presignature is taken — marked used and its
 * secret erased in one statement — before the round starts, so nothing of it can leave twice (a
 * crash, a replay or a concurrent request after that point finds it gone):
 * - armed (taken earlier because the caller named it as its next one, armed-presignatures.ts):
 *   claimed from memory, and the round runs at once with the audit record written alongside;
 * - otherwise taken in the transaction that writes the authorisation record, the round starting
 *   only after that commit (one fsync, shared).
 * The online session id is derived from the presignature id, the digest and the path only (no
 * caller nonce), so the re-randomisation δ depends on nothing a caller can grind.
 */
async function signWithPresignature(
  ctx: NodeContext,
  key: KeyRecord,
  signers: string[],
  presignatureId: string,
  digest: Uint8Array,
  publicKey: Uint8Array,
  tweak: Uint8Array | undefined,
  path: string | undefined,
  actor: string,
  timing?: Timing,
): Promise<EcdsaSignShareResponse> {
  const suite = KEY_TYPES[key.type].suite as 'secp256k1' | 'p256';
  const ssid = computeSsid({
    protocol: DKLS23_ONLINE_PROTOCOL,
    suite,
    parties: signers,
    threshold: key.threshold,
    keyId: key.id,
    nonce: hexToBytes(presignatureId),
    context: concatBytes(digest, utf8(path ?? '')),
  });
  const ssidHex = bytesToHex(ssid);
  const session = { ssid: ssidHex, protocol: DKLS23_ONLINE_PROTOCOL, keyId: key.id, row: 'none' as const };
  let presignature: Presignature | undefined = await ctx.armed.claim(presignatureId, key.id);
  const armed = presignature !== undefined;
  const take = async (tx: Store) => {
    presignature?.secret.wipe(); // a group commit retried alone runs this again
    presignature = await takePresignature(ctx, tx, key, presignatureId);
  };
  timing?.mark('prepare');
  try {
    const out = await runAuthorized(
      ctx,
      session,
      actor,
      { signers, digest: bytesToHex(digest), path: path ?? null, scheme: 'ecdsa', presignatureId, armed },
      () => {
        timing?.mark(armed ? 'claim' : 'take');
        const p = presignature as Presignature;
        return ctx.sessions.run(
          { protocol: DKLS23_ONLINE_PROTOCOL, ssid, self: ctx.id, parties: signers, random: ctx.random },
          (sctx) =>
            startDkls23Online(sctx, { presignature: p, signers, digest, ...(tweak ? { tweak } : {}) }),
        );
      },
      armed ? undefined : take,
    );
    timing?.mark('sign');
    return ecdsaResponse(ctx, key, publicKey, digest, out, path);
  } finally {
    presignature?.secret.wipe();
  }
}

/**
 * Takes presignature `id` of `key` in `tx` (marked used, secret erased) and opens it.
 * @throws TkmsError `sign.presignature_unavailable` when it does not exist here or was used
 */
async function takePresignature(
  ctx: NodeContext,
  tx: Store,
  key: KeyRecord,
  id: string,
): Promise<Presignature> {
  const sealed = await tx.takePresignature(id, key.id);
  if (!sealed) throw new TkmsError('sign.presignature_unavailable', { details: `${id} on ${ctx.id}` });
  return openPresignature(ctx, key, id, sealed);
}

function openPresignature(ctx: NodeContext, key: KeyRecord, id: string, sealed: Bytes): Presignature {
  const plain = ctx.sealer.open(sealed, presignatureAad(ctx, key, id));
  try {
    return decodePresignature(plain.expose());
  } finally {
    plain.wipe();
  }
}

/** Takes the caller's next presignatures now, off the critical path of theirs (never throws). */
function armNext(ctx: NodeContext, key: KeyRecord, ids: readonly string[] | undefined, actor: string): void {
  if (!ids?.length) return;
  ctx.armed.arm(ctx, key, ids, actor, {
    take: (tx, fresh) => tx.takePresignatures(fresh, key.id),
    open: (id, sealed) => openPresignature(ctx, key, id, sealed),
  });
}

function ecdsaResponse(
  ctx: NodeContext,
  key: KeyRecord,
  publicKey: Uint8Array,
  digest: Uint8Array,
  out: { signature: Uint8Array; recovery: number },
  path: string | undefined,
): EcdsaSignShareResponse {
  return {
    keyId: key.id,
    node: ctx.id,
    scheme: 'ecdsa',
    publicKey: bytesToHex(publicKey),
    digest: bytesToHex(digest),
    signature: bytesToHex(out.signature),
    recoveryId: out.recovery,
    ...(path !== undefined ? { path } : {}),
  };
}
