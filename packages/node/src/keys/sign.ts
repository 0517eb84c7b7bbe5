/**
 * POST /v1/keys/{id}/sign — this node's FROST signature share for a message.
 *
 * Each signer checks the request on its own (key active, signer set valid and containing this
 * node, message within the size limit), then the signers exchange nonce commitments (echo-checked)
 * and each returns its share to the client, which aggregates and verifies. Nonces live only in
 * memory for the one session: a crash loses them, so they can never be used twice.
 */

import { sha256 } from '@noble/hashes/sha2.js';
import {
  bytesToHex,
  computeSsid,
  concatBytes,
  type EcdsaSignShareResponse,
  hexToBytes,
  KEY_TYPES,
  PROTOCOL,
  type PresignRequest,
  type PresignResponse,
  requirePurpose,
  type SignRequest,
  type SignShareResponse,
  startFrostSign,
  TkmsError,
  utf8,
} from '@tkms/core';
import type { Timing } from '../api/timing.ts';
import type { NodeContext } from '../context.ts';
import { shareAad } from '../seal/sealer.ts';
import type { KeyRecord } from '../storage/index.ts';
import { runAuthorized } from './authorized.ts';
import { keyShareOf } from './key-info.ts';
import { presignEcdsa, signEcdsa } from './sign-ecdsa.ts';

export async function signShare(
  ctx: NodeContext,
  keyId: string,
  req: SignRequest,
  actor: string,
  timing?: Timing,
): Promise<SignShareResponse | EcdsaSignShareResponse> {
  if ((req.message === undefined) === (req.digest === undefined))
    throw new TkmsError('request.invalid', { details: 'send either message or digest' });
  const message = hexToBytes(req.message ?? '');
  if (message.length > ctx.limits.maxMessageBytes)
    throw new TkmsError('request.too_large', {
      details: `message is ${message.length} bytes, limit ${ctx.limits.maxMessageBytes}`,
    });
  const key = await ctx.keys.get(keyId);
  if (!key) throw new TkmsError('key.not_found', { details: keyId });
  if (key.status !== 'active')
    throw new TkmsError('key.not_active', { details: `${keyId} is ${key.status}` });
  const signers = checkSigners(ctx, key, req.signers);
  const entry = requirePurpose(key.type, 'sign', keyId);
  if (entry.signing === 'dkls23') {
    if (req.taproot)
      throw new TkmsError('request.invalid', { details: 'taproot applies to schnorr-secp256k1 keys only' });
    return signEcdsa(ctx, key, signers, req, actor, timing);
  }
  if (
    req.digest !== undefined ||
    req.path !== undefined ||
    req.presignatureId !== undefined ||
    req.nextPresignatureIds !== undefined
  )
    throw new TkmsError('request.invalid', {
      details: `digest, path and presignatures are for ECDSA keys; ${key.type} signs the message itself`,
    });
  const { mode } = entry;
  let taproot: { merkleRoot: Uint8Array } | undefined;
  if (req.taproot) {
    if (mode !== 'bip340')
      throw new TkmsError('request.invalid', { details: 'taproot applies to schnorr-secp256k1 keys only' });
    const merkleRoot = hexToBytes(req.taproot.merkleRoot);
    if (merkleRoot.length !== 0 && merkleRoot.length !== 32)
      throw new TkmsError('request.invalid', { details: 'taproot merkle root must be empty or 32 bytes' });
    taproot = { merkleRoot };
  }

  const messageDigest = sha256(message);
  const ssid = computeSsid({
    protocol: PROTOCOL.frostSign,
    suite: KEY_TYPES[key.type].suite,
    parties: signers,
    threshold: key.threshold,
    keyId,
    nonce: hexToBytes(req.sessionNonce),
    // Every signer must be signing the same message under the same tweak, or no message matches.
    context: concatBytes(
      messageDigest,
      taproot ? concatBytes(utf8('taproot'), taproot.merkleRoot) : new Uint8Array(),
    ),
  });
  const ssidHex = bytesToHex(ssid);
  if (!key.sealedShare)
    throw new TkmsError('key.not_active', { details: `${keyId} holds no share on ${ctx.id}` });
  const share = ctx.sealer.open(key.sealedShare, shareAad({ nodeId: ctx.id, keyId, version: key.version }));
  // The audit record says who had this node sign what, and it is written while the signers
  // exchange commitments: the share is released only when the record is durable AND the share is
  // computed (no audit record, no answer), without paying for the two one after the other.
  // Signing writes no session row: its nonces live only in this process for this one session,
  // so the session manager's in-memory ssid check is what prevents reuse.
  const session = { ssid: ssidHex, protocol: PROTOCOL.frostSign, keyId, row: 'none' as const };
  try {
    timing?.mark('prepare');
    const out = await runAuthorized(
      ctx,
      session,
      actor,
      { signers, messageSha256: bytesToHex(messageDigest), taproot: taproot !== undefined },
      () =>
        ctx.sessions.run(
          { protocol: PROTOCOL.frostSign, ssid, self: ctx.id, parties: signers, random: ctx.random },
          (sctx) =>
            startFrostSign(sctx, {
              key: keyShareOf(key, share),
              signers,
              message,
              mode,
              ...(taproot ? { taproot } : {}),
            }),
        ),
    );
    timing?.mark('sign');
    return {
      keyId,
      node: ctx.id,
      commitments: Object.fromEntries(
        Object.entries(out.commitments).map(([p, c]) => [
          p,
          { hiding: bytesToHex(c.hiding), binding: bytesToHex(c.binding) },
        ]),
      ),
      share: bytesToHex(out.share),
      groupCommitment: bytesToHex(out.groupCommitment),
    };
  } finally {
    share.wipe();
  }
}

/**
 * The signer set, sorted, if it is valid for this key at this node: distinct holders of the key,
 * this node among them, at least the threshold.
 * @throws TkmsError `sign.signers_invalid`
 */
export function checkSigners(ctx: NodeContext, key: KeyRecord, requested: readonly string[]): string[] {
  const signers = [...new Set(requested)].sort();
  if (signers.length !== requested.length)
    throw new TkmsError('sign.signers_invalid', { details: 'duplicate signer' });
  const outsiders = signers.filter((s) => !key.parties.includes(s));
  if (outsiders.length)
    throw new TkmsError('sign.signers_invalid', {
      details: `not holders of this key: ${outsiders.join(', ')}`,
    });
  if (!signers.includes(ctx.id))
    throw new TkmsError('sign.signers_invalid', { details: `signers must include ${ctx.id}` });
  if (signers.length < key.threshold)
    throw new TkmsError('sign.signers_invalid', {
      details: `${signers.length} signers, threshold is ${key.threshold}`,
    });
  return signers;
}

/** POST /v1/keys/{id}/presign: ECDSA keys only; see sign-ecdsa.ts. */
export async function presign(
  ctx: NodeContext,
  keyId: string,
  req: PresignRequest,
  actor: string,
): Promise<PresignResponse> {
  const key = await ctx.keys.get(keyId);
  if (!key) throw new TkmsError('key.not_found', { details: keyId });
  if (key.status !== 'active')
    throw new TkmsError('key.not_active', { details: `${keyId} is ${key.status}` });
  const entry = requirePurpose(key.type, 'sign', keyId);
  if (entry.signing !== 'dkls23')
    throw new TkmsError('key.wrong_purpose', { details: `${key.type} keys sign without presignatures` });
  return presignEcdsa(ctx, key, checkSigners(ctx, key, req.signers), req.sessionNonce, actor);
}
