/**
 * POST /v1/keys/{id}/derive and /v1/keys/{id}/decrypt — this node's part of a data key or of a
 * decryption, for a batch of objects or ciphertexts.
 *
 * Neither runs a session between nodes: each node answers the client on its own, after deciding
 * on its own, per item, whether this caller may have it (its policy, its rate limit). The client
 * gets a result only where `threshold` nodes agree, so one node with a wrong policy leaks nothing.
 * Per request, in order:
 *  1. the key exists, is active and is for this purpose (one key, one purpose);
 *  2. every item is well-formed (object paths; elements; ciphertexts with a valid validity proof);
 *  3. policy per item, the oblivious mode only with a whole-key grant; refusals say why;
 *  4. the rate limit counts the items that passed;
 *  5. the audit record (who, which key, which objects or labels, what was refused) is written while
 *     the share is used, and the answer leaves only once it is durable (no audit, no answer);
 *  6. the answer — evaluations with one batched DLEQ proof, or partial decryptions with theirs —
 *     is sealed to the requester's fresh key, bound to this node, key, version and request.
 */
import {
  type Bytes,
  bytesToHex,
  type DecryptShareResponse,
  type DeriveShareResponse,
  decodeCiphertext,
  encodeAnswerItems,
  evaluateShare,
  fromUtf8,
  hexToBytes,
  isHex,
  isUsableBoxKey,
  KEY_TYPES,
  type KeyPurpose,
  type KeyShare,
  MAX_BATCH_ITEMS,
  objectElement,
  objectInput,
  partialDecrypt,
  type RefusedItem,
  requestDigest,
  requirePurpose,
  type SealedAnswerKind,
  sealedAnswerContext,
  sealTo,
  TkmsError,
  utf8,
  validateObjectPath,
} from '@tkms/core';
import type { Timing } from '../api/timing.ts';
import type { Principal } from '../auth/api-keys.ts';
import type { NodeContext } from '../context.ts';
import { shareAad } from '../seal/sealer.ts';
import type { KeyRecord } from '../storage/index.ts';
import { keyShareOf } from './key-info.ts';

/** Most object paths written into one audit record; beyond that the record keeps a digest. */
const AUDIT_OBJECTS = 100;

export type DeriveInput = { objects?: string[]; blinded?: string[]; requesterKey: string };
export type DecryptInput = { ciphertexts: string[]; requesterKey: string };

export async function deriveShare(
  ctx: NodeContext,
  keyId: string,
  req: DeriveInput,
  principal: Principal,
  timing?: Timing,
): Promise<DeriveShareResponse> {
  const key = await activeKey(ctx, keyId, 'derive');
  const requesterKey = parseRequesterKey(req.requesterKey);
  const suite = KEY_TYPES[key.type].suite;
  const oblivious = req.blinded !== undefined;
  if (oblivious === (req.objects !== undefined))
    throw new TkmsError('request.invalid', { details: 'send either objects or blinded elements' });
  const items = (oblivious ? req.blinded : req.objects) as string[];
  checkBatch(items.length);
  const actor = actorOf(principal);

  // Which items this node will evaluate, and the element for each.
  const refused: RefusedItem[] = [];
  const indices: number[] = [];
  const elements: Bytes[] = [];
  const digestItems: Bytes[] = [];
  if (oblivious) {
    for (const [i, hex] of items.entries()) {
      if (!isHex(hex)) throw new TkmsError('request.bad_hex', { details: `blinded[${i}]` });
      digestItems.push(hexToBytes(hex));
    }
    const whole = ctx.policy.authorizeWholeKey(principal, 'derive-oblivious', keyId);
    if (!whole.allowed) {
      await audit(ctx, actor, 'key.derive', keyId, 'denied', {
        mode: 'oblivious',
        count: items.length,
        reason: whole.reason,
      });
      throw new TkmsError('policy.denied', { details: whole.reason });
    }
    // evaluateShare rejects identity and non-canonical elements before the share is touched.
    digestItems.forEach((e, i) => {
      indices.push(i);
      elements.push(e);
    });
  } else {
    const paths: string[] = [];
    for (const [i, object] of items.entries()) {
      try {
        paths.push(validateObjectPath(object));
      } catch (e) {
        throw new TkmsError('object.invalid', {
          details: `objects[${i}]: ${(e as TkmsError).details ?? ''}`,
        });
      }
      digestItems.push(utf8(object));
    }
    const decisions = ctx.policy.authorizeMany(principal, 'derive', keyId, paths);
    decisions.forEach((d, i) => {
      if (d.allowed) {
        indices.push(i);
        elements.push(
          objectElement(suite, objectInput({ keyId, object: paths[i] as string, version: key.version })),
        );
      } else refused.push({ index: i, code: 'policy.denied', reason: d.reason });
    });
  }
  const auditDetail = {
    mode: oblivious ? 'oblivious' : 'object',
    version: key.version,
    // The oblivious mode hides the objects from the node: it records how many elements it evaluated.
    ...(oblivious
      ? { count: items.length }
      : describeObjects(
          indices.map((i) => items[i] as string),
          'objects',
        )),
    refused: refused.slice(0, AUDIT_OBJECTS).map((r) => items[r.index] as string),
    refusedCount: refused.length,
  };
  if (indices.length === 0) {
    await audit(ctx, actor, 'key.derive', keyId, 'denied', auditDetail);
    throw new TkmsError('policy.denied', {
      details: refused.length === 1 ? (refused[0] as RefusedItem).reason : refusedSummary(refused),
      meta: { refused },
    });
  }
  ctx.rateLimiter.take(actor, keyId, indices.length);
  timing?.mark('authorize');

  const kind: SealedAnswerKind = oblivious ? 'derive-oblivious' : 'derive-object';
  const sealed = await withShare(ctx, key, actor, 'key.derive', auditDetail, (share) => {
    const out = evaluateShare(suite, share.signingShare, elements, ctx.random);
    timing?.mark('evaluate');
    return seal(ctx, kind, key, requesterKey, digestItems, [out.proof, ...out.evaluations]);
  });
  timing?.mark('audit');
  return {
    keyId,
    node: ctx.id,
    version: key.version,
    mode: oblivious ? 'oblivious' : 'object',
    indices,
    refused,
    sealed: bytesToHex(sealed),
  };
}

export async function decryptShare(
  ctx: NodeContext,
  keyId: string,
  req: DecryptInput,
  principal: Principal,
  timing?: Timing,
): Promise<DecryptShareResponse> {
  const key = await activeKey(ctx, keyId, 'decrypt');
  const requesterKey = parseRequesterKey(req.requesterKey);
  checkBatch(req.ciphertexts.length);
  const actor = actorOf(principal);
  const ciphertexts: Bytes[] = [];
  const refused: RefusedItem[] = [];
  const labels: (string | undefined)[] = [];
  for (const [i, hex] of req.ciphertexts.entries()) {
    if (!isHex(hex)) throw new TkmsError('request.bad_hex', { details: `ciphertexts[${i}]` });
    const ct = hexToBytes(hex);
    ciphertexts.push(ct);
    labels.push(labelOf(ct));
  }
  // Policy on the label each ciphertext carries: it is what the validity proof binds, and what the
  // node passes to partialDecrypt, so the share is used only for the label authorised here.
  const decisions = labels.map((label) =>
    label === undefined
      ? undefined
      : label === ''
        ? ctx.policy.authorizeWholeKey(principal, 'decrypt', keyId)
        : ctx.policy.authorizeMany(principal, 'decrypt', keyId, [label])[0],
  );
  const indices: number[] = [];
  decisions.forEach((d, i) => {
    if (d === undefined)
      refused.push({
        index: i,
        code: 'decrypt.invalid_ciphertext',
        reason: `${ctx.id}: not a ciphertext for this key (malformed, or its label is not an object path)`,
      });
    else if (!d.allowed) refused.push({ index: i, code: 'policy.denied', reason: d.reason });
    else indices.push(i);
  });
  const auditDetail = {
    ...describeObjects(
      indices.map((i) => labels[i] as string),
      'labels',
    ),
    ciphertextsSha256: bytesToHex(requestDigest(ciphertexts)),
    refused: refused.slice(0, AUDIT_OBJECTS).map((r) => labels[r.index] ?? null),
    refusedCount: refused.length,
  };
  if (indices.length === 0) {
    await audit(ctx, actor, 'key.decrypt', keyId, 'denied', auditDetail);
    const first = refused[0] as RefusedItem;
    throw new TkmsError(
      refused.every((r) => r.code === first.code) ? (first.code as 'policy.denied') : 'policy.denied',
      {
        details: refused.length === 1 ? first.reason : refusedSummary(refused),
        meta: { refused },
      },
    );
  }
  ctx.rateLimiter.take(actor, keyId, indices.length);
  timing?.mark('authorize');

  const sealed = await withShare(ctx, key, actor, 'key.decrypt', auditDetail, (share) => {
    const partials: Bytes[] = [];
    const ok: number[] = [];
    for (const i of indices) {
      try {
        partials.push(
          partialDecrypt({
            key: share,
            party: ctx.id,
            ciphertext: ciphertexts[i] as Bytes,
            label: utf8(labels[i] as string),
            random: ctx.random,
          }),
        );
        ok.push(i);
      } catch (e) {
        // A forged validity proof or a malformed body: refused, named, never decrypted.
        const err = e instanceof TkmsError ? e : new TkmsError('internal');
        refused.push({ index: i, code: err.code, reason: `${ctx.id}: ${err.details ?? err.message}` });
      }
    }
    timing?.mark('partials');
    indices.splice(0, indices.length, ...ok);
    return seal(ctx, 'decrypt', key, requesterKey, ciphertexts, partials);
  });
  timing?.mark('audit');
  if (indices.length === 0) {
    const first = refused[0] as RefusedItem;
    throw new TkmsError(first.code as 'decrypt.bad_proof', { details: first.reason, meta: { refused } });
  }
  refused.sort((a, b) => a.index - b.index);
  return { keyId, node: ctx.id, indices, refused, sealed: bytesToHex(sealed) };
}

// ---------------------------------------------------------------------------------------------

async function activeKey(ctx: NodeContext, keyId: string, purpose: KeyPurpose): Promise<KeyRecord> {
  const key = await ctx.keys.get(keyId);
  if (!key) throw new TkmsError('key.not_found', { details: keyId });
  requirePurpose(key.type, purpose, keyId);
  if (key.status !== 'active' || !key.sealedShare)
    throw new TkmsError('key.not_active', { details: `${keyId} is ${key.status}` });
  return key;
}

/** The requester's X25519 key, refused before any share is used if no box can be sealed to it. */
function parseRequesterKey(hex: string): Bytes {
  if (!isHex(hex, 32))
    throw new TkmsError('request.bad_hex', { details: 'requesterKey must be 32 bytes of hex (X25519)' });
  const key = hexToBytes(hex);
  if (!isUsableBoxKey(key))
    throw new TkmsError('request.invalid', { details: 'requesterKey is a low-order X25519 point' });
  return key;
}

function checkBatch(n: number): void {
  if (n === 0) throw new TkmsError('request.invalid', { details: 'empty batch' });
  if (n > MAX_BATCH_ITEMS)
    throw new TkmsError('request.too_large', { details: `${n} items, limit ${MAX_BATCH_ITEMS}` });
}

/** The label of a well-formed ciphertext as an object path ('' for none), else undefined. */
function labelOf(ct: Bytes): string | undefined {
  try {
    const { label } = decodeCiphertext(ct);
    if (label.length === 0) return '';
    const s = fromUtf8(label);
    return utf8(s).length === label.length ? validateObjectPath(s) : undefined;
  } catch {
    return undefined;
  }
}

const actorOf = (p: Principal) => `${p.kind}:${p.name}`;

function refusedSummary(refused: readonly RefusedItem[]): string {
  const shown = refused.slice(0, 3).map((r) => `[${r.index}] ${r.reason}`);
  return `all ${refused.length} items refused: ${shown.join('; ')}${refused.length > 3 ? '; …' : ''}`;
}

function describeObjects(list: readonly string[], name: 'objects' | 'labels') {
  return list.length <= AUDIT_OBJECTS
    ? { [name]: [...list], count: list.length }
    : { [`${name}Sha256`]: bytesToHex(requestDigest(list.map(utf8))), count: list.length };
}

type AuditDetail = Record<string, string | number | boolean | null | string[] | (string | null)[]>;

function audit(
  ctx: NodeContext,
  actor: string,
  action: string,
  keyId: string,
  outcome: string,
  detail: AuditDetail,
): Promise<void> {
  return ctx.sessionLog.record({
    ssid: bytesToHex(ctx.random(16)),
    protocol: action === 'key.derive' ? 'tkms/oprf-2hashdh/v1' : 'tkms/ecies-tdh2/v1',
    keyId,
    row: 'none',
    status: 'done',
    audit: { actor, action, keyId, outcome, detail },
  });
}

/**
 * Opens the share, runs `use` while the authorisation record is written, and returns only once
 * both are done: the answer never leaves before its audit record is durable.
 */
async function withShare<T>(
  ctx: NodeContext,
  key: KeyRecord,
  actor: string,
  action: string,
  detail: AuditDetail,
  use: (share: KeyShare) => T,
): Promise<T> {
  const audited = audit(ctx, actor, action, key.id, 'authorized', detail);
  const signingShare = ctx.sealer.open(
    key.sealedShare as Bytes,
    shareAad({ nodeId: ctx.id, keyId: key.id, version: key.version }),
  );
  try {
    const out = use(keyShareOf(key, signingShare));
    await audited;
    return out;
  } catch (e) {
    await audited.catch(() => undefined);
    throw e;
  } finally {
    signingShare.wipe();
  }
}

function seal(
  ctx: NodeContext,
  kind: SealedAnswerKind,
  key: KeyRecord,
  requesterKey: Bytes,
  requestItems: readonly Bytes[],
  items: readonly Bytes[],
): Bytes {
  return sealTo({
    recipient: requesterKey,
    plaintext: encodeAnswerItems(items),
    context: sealedAnswerContext({
      kind,
      node: ctx.id,
      keyId: key.id,
      version: key.version,
      requesterKey,
      requestDigest: requestDigest(requestItems),
    }),
    random: ctx.random,
  });
}
