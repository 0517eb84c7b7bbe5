/**
 * The tkms client. It sends each request to every node that takes part, with the same session
 * nonce and each node's own credential; the nodes run the protocol among themselves and each
 * answers with its part. The client checks that nodes agree on every public value, combines the
 * parts and verifies the result before returning it.
 */

import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToNumberBE } from '@noble/curves/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  aggregateFrost,
  bytesToHex,
  type CreateKeyRequest,
  derivePath,
  type EcdsaSignShareResponse,
  type GroupPoint,
  getSuite,
  type HealthResponse,
  hexToBytes,
  isErrorCode,
  isHex,
  KEY_TYPES,
  type KeyInfo,
  type KeyType,
  MAX_BATCH_BODY_BYTES,
  MAX_BATCH_ITEMS,
  type PairSetupResponse,
  type PresignResponse,
  requirePurpose,
  type SignShareResponse,
  TkmsError,
  verifyEcdsa,
} from '@tkms/core';
import { enableNativeCrypto } from './accel.ts';
import type { ClientConfig, NodeEndpoint } from './config.ts';
import {
  type DataKeyProvider,
  type FieldPath,
  type JsonObject,
  type OpenFieldsReturnType,
  openFields,
  type SealedDocument,
  sealFields,
} from './fields.ts';
import { callNode as callNodeWith, fetchTransport } from './http.ts';
import { PresignaturePool } from './presign-pool.ts';
import {
  type DataKeyResult,
  type DecryptResult,
  decryptMany,
  deriveDataKeys,
  encryptTo,
  nodeOrder,
  type PrivacyDeps,
} from './privacy.ts';

/**
 * How many pooled presignatures one signature names for the signers to take ahead (at most
 * `MAX_NEXT_PRESIGNATURES`): one database take per this many signatures, against this many
 * presignatures burnt if a signer restarts and secrets held in its memory meanwhile.
 */
export const PRESIGNATURE_ARM_BATCH = 8;

export type CreateKeyParameters = {
  type: KeyType;
  threshold: number;
  /** Node ids to hold shares; default: every configured node. */
  nodes?: string[];
  /** Default: `k_` + 16 random bytes hex. */
  id?: string;
};

export type SignParameters = {
  keyId: string;
  /** Bytes to sign: Ed25519 and BIP340 sign them as they are, ECDSA signs their SHA-256. */
  message?: Uint8Array;
  /** ECDSA only, instead of `message`: a 32-byte digest (e.g. keccak256 for Ethereum). */
  digest?: Uint8Array;
  /** ECDSA only: a non-hardened BIP32 path; the signature verifies under that child key. */
  path?: string;
  /** ECDSA only: sign in one round with a presignature from `presign` (same `signers`). */
  presignatureId?: string;
  /**
   * ECDSA only: presignatures this caller signs with next (same `signers`, at most
   * `MAX_NEXT_PRESIGNATURES`); the signers take them now, in one statement, so those signatures'
   * rounds start without a database write. If any is unavailable none is taken. Unused ones are
   * burnt in minutes. A client with a pool names its next batch by itself.
   */
  nextPresignatureIds?: string[];
  /** Signing set; default: the first `threshold` key holders that pass a health check. */
  signers?: string[];
  /** BIP341 key-path tweak (schnorr-secp256k1 only): empty merkle root or 32 bytes. */
  taproot?: { merkleRoot: Uint8Array };
};

export type SignReturnType = {
  keyId: string;
  /** Ed25519 / BIP340: the 64-byte signature. ECDSA: r ‖ s (64 bytes, low-S). */
  signature: Uint8Array;
  signers: string[];
  /** The key the signature verifies under (ECDSA with a path: the child key). */
  publicKey: string;
  /** ECDSA: the DER encoding and the recovery id. */
  der?: Uint8Array;
  recoveryId?: number;
};

export type NodeHealth = { id: string; ok: boolean; ms: number; error?: string };

export type TkmsClient = ReturnType<typeof createClient>;

/**
 * @example
 * const client = createClient(loadClientConfig('.tkms/client.json'));
 * const key = await client.createKey({ type: 'eddsa-ed25519', threshold: 2 });
 * const { signature } = await client.sign({ keyId: key.id, message: new TextEncoder().encode('hi') });
 */
export function createClient(config: ClientConfig) {
  const timeoutMs = config.timeoutMs ?? 15_000;
  const healthTimeoutMs = config.healthTimeoutMs ?? 1_500;
  const byId = new Map(config.nodes.map((n) => [n.id, n]));
  const keyCache = new Map<string, KeyInfo>();
  const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
  const transport = config.transport ?? fetchTransport;
  const callNode = <T>(n: NodeEndpoint, method: 'GET' | 'POST', path: string, body: unknown, ms: number) =>
    callNodeWith<T>(n, method, path, body, ms, transport);

  const node = (id: string): NodeEndpoint => {
    const n = byId.get(id);
    if (!n)
      throw new TkmsError('request.invalid', { details: `no node "${id}" in the client configuration` });
    return n;
  };

  async function health(): Promise<NodeHealth[]> {
    return Promise.all(
      config.nodes.map(async (n) => {
        const t0 = performance.now();
        try {
          await callNode<HealthResponse>(n, 'GET', '/v1/health', undefined, healthTimeoutMs);
          return { id: n.id, ok: true, ms: performance.now() - t0 };
        } catch (e) {
          return {
            id: n.id,
            ok: false,
            ms: performance.now() - t0,
            error: e instanceof Error ? e.message : String(e),
          };
        }
      }),
    );
  }

  /** Runs one call on several nodes at once; the first failure (by node order) is thrown, naming its node. */
  async function fanOut<T>(ids: readonly string[], fn: (n: NodeEndpoint) => Promise<T>): Promise<T[]> {
    const settled = await Promise.allSettled(ids.map((id) => fn(node(id))));
    const failed = settled
      .map((s, i) => ({ s, id: ids[i] as string }))
      .filter((x): x is { s: PromiseRejectedResult; id: string } => x.s.status === 'rejected');
    if (failed.length) {
      // The most telling error: a node that cannot be reached; a check that caught someone; a
      // node's own refusal before the protocol (the others then wait for it and time out); any
      // error that blames someone ("node-3 did not answer" beats "node-1: session aborted").
      const errs = failed.map((f) => f.s.reason as unknown);
      const tkms = errs.filter((e): e is TkmsError => e instanceof TkmsError);
      const caught = (e: TkmsError) => e.code === 'session.aborted' && e.culprits.length > 0;
      const refused = (e: TkmsError) => !/^(session|peer|protocol)\./.test(e.code);
      const best =
        tkms.find((e) => e.code === 'node.unreachable') ??
        tkms.find(caught) ??
        tkms.find(refused) ??
        tkms.find((e) => e.culprits.length > 0) ??
        errs[0];
      throw best;
    }
    return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
  }

  function checkSameKey(infos: readonly KeyInfo[]): KeyInfo {
    const first = infos[0] as KeyInfo;
    const fingerprint = (k: KeyInfo) =>
      JSON.stringify([
        k.id,
        k.type,
        k.threshold,
        k.nodes,
        k.groupKey,
        k.publicKey,
        sorted(k.verifyingShares),
        sorted(k.identifiers),
        k.chainCode ?? null,
      ]);
    const want = fingerprint(first);
    const odd = infos.filter((k) => fingerprint(k) !== want).map((k) => k.node);
    if (odd.length)
      throw new TkmsError('node.inconsistent', {
        details: `nodes ${odd.join(', ')} report different public data for key ${first.id} than ${first.node}`,
        culprits: odd,
      });
    return first;
  }

  async function createKey(p: CreateKeyParameters): Promise<KeyInfo> {
    const nodes = p.nodes ?? config.nodes.map((n) => n.id);
    const req: CreateKeyRequest = {
      id: p.id ?? `k_${bytesToHex(random(16))}`,
      type: p.type,
      threshold: p.threshold,
      nodes,
      sessionNonce: bytesToHex(random(32)),
    };
    const infos = await fanOut(nodes, (n) => callNode<KeyInfo>(n, 'POST', '/v1/keys', req, timeoutMs));
    const key = checkSameKey(infos);
    keyCache.set(key.id, key);
    return key;
  }

  async function listKeys(): Promise<KeyInfo[]> {
    const up = (await health()).filter((h) => h.ok);
    const first = up[0];
    if (!first) throw new TkmsError('node.unreachable', { details: 'no configured node answers' });
    const keys: KeyInfo[] = [];
    let cursor: string | null = null;
    do {
      const path: string = `/v1/keys?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page: { keys: KeyInfo[]; nextCursor: string | null } = await callNode(
        node(first.id),
        'GET',
        path,
        undefined,
        timeoutMs,
      );
      keys.push(...page.keys);
      cursor = page.nextCursor;
    } while (cursor);
    return keys;
  }

  /** Public key data, fetched from every reachable holder and checked for agreement. */
  async function getKey(keyId: string): Promise<KeyInfo> {
    const results = await Promise.allSettled(
      config.nodes.map((n) =>
        callNode<KeyInfo>(n, 'GET', `/v1/keys/${encodeURIComponent(keyId)}`, undefined, timeoutMs),
      ),
    );
    const infos = results
      .filter((r): r is PromiseFulfilledResult<KeyInfo> => r.status === 'fulfilled')
      .map((r) => r.value);
    if (infos.length === 0) {
      const reasons = results.map((r) => (r as PromiseRejectedResult).reason as unknown);
      throw reasons.find((e) => e instanceof TkmsError && e.code === 'key.not_found') ?? reasons[0];
    }
    const key = checkSameKey(infos);
    keyCache.set(key.id, key);
    return key;
  }

  async function chooseSigners(key: KeyInfo): Promise<string[]> {
    const candidates = key.nodes.filter((id) => byId.has(id));
    const up = new Set((await health()).filter((h) => h.ok).map((h) => h.id));
    const live = candidates.filter((id) => up.has(id));
    if (live.length < key.threshold)
      throw new TkmsError('node.unreachable', {
        details: `only ${live.length} of the key's nodes answer (${live.join(', ') || 'none'}); ${key.threshold} are needed`,
        culprits: candidates.filter((id) => !up.has(id)),
      });
    return live.slice(0, key.threshold);
  }

  async function sign(p: SignParameters): Promise<SignReturnType> {
    const key = keyCache.get(p.keyId) ?? (await getKey(p.keyId));
    const entry = requirePurpose(key.type, 'sign', key.id);
    const signers = [...(p.signers ?? (await chooseSigners(key)))].sort();
    if (entry.signing === 'dkls23') {
      const pooled = p.presignatureId === undefined ? pool.take(key.id, signers) : undefined;
      if (pooled === undefined) return signEcdsaWith(key, signers, p);
      // Once per batch, the next ones in the pool are named, so the signers take them ahead (one
      // database take per batch, off the critical path of those signatures).
      const next =
        p.nextPresignatureIds === undefined ? pool.toArm(key.id, signers, PRESIGNATURE_ARM_BATCH) : [];
      try {
        return await signEcdsaWith(key, signers, {
          ...p,
          presignatureId: pooled,
          ...(next.length ? { nextPresignatureIds: next } : {}),
        });
      } catch (e) {
        // Gone on a node (restored from a backup, or erased; a restart also loses what it had
        // taken ahead): sign in three rounds instead, and forget the ones named ahead.
        if (e instanceof TkmsError && e.code === 'sign.presignature_unavailable') {
          pool.forgetArmed(key.id, signers);
          return signEcdsaWith(key, signers, p);
        }
        throw e;
      }
    }
    if (!p.message || p.digest !== undefined || p.path !== undefined)
      throw new TkmsError('request.invalid', {
        details: `${key.type} signs the message itself (digest and path are for ECDSA keys)`,
      });
    const message = p.message;
    const body = {
      message: bytesToHex(message),
      signers,
      sessionNonce: bytesToHex(random(32)),
      ...(p.taproot ? { taproot: { merkleRoot: bytesToHex(p.taproot.merkleRoot) } } : {}),
    };
    const parts = await fanOut(signers, (n) =>
      callNode<SignShareResponse>(n, 'POST', `/v1/keys/${encodeURIComponent(key.id)}/sign`, body, timeoutMs),
    );
    // Every signer must have used the same commitment list (the nodes echo-checked it; check again).
    const list = JSON.stringify(sorted(parts[0]?.commitments ?? {}));
    const odd = parts.filter((x) => JSON.stringify(sorted(x.commitments)) !== list).map((x) => x.node);
    if (odd.length)
      throw new TkmsError('node.inconsistent', {
        details: 'signers report different commitment lists',
        culprits: odd,
      });
    const first = parts[0] as SignShareResponse;
    const signature = aggregateFrost({
      mode: entry.mode,
      groupPublicKey: hexToBytes(key.groupKey),
      verifyingShares: mapHex(key.verifyingShares),
      identifiers: key.identifiers,
      message,
      commitments: Object.fromEntries(
        Object.entries(first.commitments).map(([id, c]) => [
          id,
          { hiding: hexToBytes(c.hiding), binding: hexToBytes(c.binding) },
        ]),
      ),
      shares: Object.fromEntries(parts.map((x) => [x.node, hexToBytes(x.share)])),
      // R is only a hint, used when every signer reports the same one; verification decides.
      ...(parts.every((x) => x.groupCommitment === first.groupCommitment) && isHex(first.groupCommitment)
        ? { groupCommitment: hexToBytes(first.groupCommitment) }
        : {}),
      ...(p.taproot ? { taproot: p.taproot } : {}),
    });
    return { keyId: key.id, signature, signers, publicKey: key.publicKey };
  }

  /** ECDSA: every signer returns the whole signature; they must agree, and it must verify here. */
  async function signEcdsaWith(key: KeyInfo, signers: string[], p: SignParameters): Promise<SignReturnType> {
    if ((p.message === undefined) === (p.digest === undefined))
      throw new TkmsError('request.invalid', { details: 'give either message or digest' });
    const digest = p.digest ?? sha256(p.message as Uint8Array);
    if (digest.length !== 32) throw new TkmsError('request.invalid', { details: 'digest must be 32 bytes' });
    const { publicKey: expected, verifyAs } = expectedEcdsaKey(key, p.path);
    const body = {
      digest: bytesToHex(digest),
      signers,
      sessionNonce: bytesToHex(random(32)),
      ...(p.path !== undefined ? { path: p.path } : {}),
      ...(p.presignatureId !== undefined ? { presignatureId: p.presignatureId } : {}),
      ...(p.nextPresignatureIds !== undefined ? { nextPresignatureIds: p.nextPresignatureIds } : {}),
    };
    const parts = await fanOut(signers, (n) =>
      callNode<EcdsaSignShareResponse>(
        n,
        'POST',
        `/v1/keys/${encodeURIComponent(key.id)}/sign`,
        body,
        timeoutMs,
      ),
    );
    const odd = parts
      .filter((x) => x.signature !== parts[0]?.signature || x.publicKey !== expected)
      .map((x) => x.node);
    if (odd.length)
      throw new TkmsError('node.inconsistent', {
        details: 'signers report different signatures or keys',
        culprits: odd,
      });
    const first = parts[0] as EcdsaSignShareResponse;
    const signature = hexToBytes(first.signature);
    const suite = getSuite(KEY_TYPES[key.type].suite);
    if (!verifyEcdsa(suite, verifyAs, digest, signature, first.recoveryId))
      throw new TkmsError('sign.verify_failed', {
        details: 'the ECDSA signature or its recovery id does not verify',
      });
    const curve = KEY_TYPES[key.type].suite === 'p256' ? p256 : secp256k1;
    return {
      keyId: key.id,
      signature,
      signers,
      publicKey: expected,
      der: curve.Signature.fromBytes(signature, 'compact').toBytes('der'),
      recoveryId: first.recoveryId,
    };
  }

  /**
   * ECDSA keys: runs rounds 1–2 of DKLs23 now, so a later `sign` with the returned id needs one
   * round. Each presignature signs once; every signer stores its part sealed.
   */
  async function presign(p: {
    keyId: string;
    signers?: string[];
  }): Promise<{ presignatureId: string; signers: string[] }> {
    const key = keyCache.get(p.keyId) ?? (await getKey(p.keyId));
    const signers = [...(p.signers ?? (await chooseSigners(key)))].sort();
    const body = { signers, sessionNonce: bytesToHex(random(32)) };
    const parts = await fanOut(signers, (n) =>
      callNode<PresignResponse>(n, 'POST', `/v1/keys/${encodeURIComponent(key.id)}/presign`, body, timeoutMs),
    );
    const id = parts[0]?.presignatureId as string;
    const odd = parts.filter((x) => x.presignatureId !== id).map((x) => x.node);
    if (odd.length)
      throw new TkmsError('node.inconsistent', {
        details: 'signers name the presignature differently',
        culprits: odd,
      });
    return { presignatureId: id, signers };
  }

  const pool = new PresignaturePool(
    config.presignaturePool ?? 0,
    (keyId, signers) => presign({ keyId, signers }),
    config.onPoolError,
  );

  /**
   * ECDSA keys: fills this client's presignature pool for the key and signer set (size
   * `presignaturePool`) and resolves when it is full; `sign` then takes from it.
   */
  async function fillPresignatures(p: { keyId: string; signers?: string[] }): Promise<{ ready: number }> {
    const key = keyCache.get(p.keyId) ?? (await getKey(p.keyId));
    requirePurpose(key.type, 'sign', key.id);
    const signers = [...(p.signers ?? (await chooseSigners(key)))].sort();
    await pool.fill(key.id, signers);
    return { ready: pool.count(key.id, signers) };
  }

  /**
   * ECDSA keys: fresh base OTs between two holders, replacing their 2P-MUL states. Needed after a
   * failed 2P-MUL check discarded them (signing with the pair then fails with
   * `sign.pair_needs_setup`); the pair's other material and the key stay as they are.
   */
  async function setupPair(p: {
    keyId: string;
    nodes: [string, string];
  }): Promise<{ keyId: string; nodes: string[]; replaced: Record<string, number> }> {
    const key = keyCache.get(p.keyId) ?? (await getKey(p.keyId));
    const nodes = [...p.nodes].sort();
    const body = { nodes, sessionNonce: bytesToHex(random(32)) };
    const parts = await fanOut(nodes, (n) =>
      callNode<PairSetupResponse>(
        n,
        'POST',
        `/v1/keys/${encodeURIComponent(key.id)}/pair-setup`,
        body,
        timeoutMs,
      ),
    );
    return { keyId: key.id, nodes, replaced: Object.fromEntries(parts.map((x) => [x.node, x.replaced])) };
  }

  // ---- data keys, field-level encryption and threshold decryption ----

  const configured = new Set(config.nodes.map((n) => n.id));
  let turn = 0;
  const deps: PrivacyDeps = {
    post: (id, path, body) => callNode(node(id), 'POST', path, body, timeoutMs),
    random,
    ...(config.onNodeFault ? { onFault: config.onNodeFault } : {}),
  };
  // libsodium for the client's group arithmetic where it loads (noble otherwise): started now,
  // awaited before the first operation that needs it.
  const native = config.nativeCrypto === false ? Promise.resolve(false) : enableNativeCrypto();
  const keyFor = async (keyId: string) => {
    await native;
    return keyCache.get(keyId) ?? (await getKey(keyId));
  };

  /**
   * Data keys for many objects in one round trip per node. Objects a quorum refused come back as
   * refusals with every node's reason; nothing is thrown for them.
   */
  async function deriveDataKeysOf(p: {
    keyId: string;
    objects: readonly string[];
    /** Blind the objects so nodes never learn them (needs a whole-key grant). */
    oblivious?: boolean;
    /** Called after each request batch (at most 1000 objects) with the count done so far. */
    onProgress?: (done: number, total: number) => void;
  }): Promise<DataKeyResult[]> {
    const key = await keyFor(p.keyId);
    const out: DataKeyResult[] = [];
    // Requests stay within a node's item and body limits; each chunk is one round trip per node.
    for (const chunk of batchesOf(p.objects, (o) => o.length * 3 + 8)) {
      out.push(
        ...(await deriveDataKeys(deps, key, nodeOrder(key, configured, turn++), chunk, {
          ...(p.oblivious ? { oblivious: true } : {}),
        })),
      );
      p.onProgress?.(out.length, p.objects.length);
    }
    return out;
  }

  /**
   * One data key.
   * @throws TkmsError `access.refused` with the nodes' reasons when fewer than `threshold` allow it
   */
  async function deriveDataKey(p: { keyId: string; object: string; oblivious?: boolean }) {
    const [r] = await deriveDataKeysOf({ ...p, objects: [p.object] });
    if (!r || !('dataKey' in r))
      throw new TkmsError('access.refused', { details: r && 'reason' in r ? r.reason : 'no answer' });
    return { keyId: p.keyId, ...r };
  }

  const provider =
    (keyId: string): DataKeyProvider =>
    async (objects, version) => {
      const key = await keyFor(keyId);
      if (version !== undefined && version !== key.version)
        return objects.map((object) => ({
          object,
          code: 'request.invalid',
          reason: `sealed under version ${version} of ${keyId}; the cluster holds version ${key.version}`,
        }));
      return deriveDataKeysOf({ keyId, objects });
    };

  /** Seals the chosen fields of a JSON document with per-field data keys (see fields.ts). */
  async function encryptFields(
    doc: JsonObject,
    p: { keyId: string; object: string; fields: readonly FieldPath[] },
  ): Promise<SealedDocument> {
    return sealFields(doc, p, provider(p.keyId), random);
  }

  /** Opens the fields the caller may read; the others stay sealed and are listed with the reasons. */
  async function decryptFields(sealed: unknown, p: { keyId: string }): Promise<OpenFieldsReturnType> {
    return openFields(sealed, p, provider(p.keyId));
  }

  /** Encrypts to an `ecies-p256` key (public key only); `label` (an object path) is what policy checks. */
  async function encrypt(p: { keyId: string; plaintext: Uint8Array; label?: string }) {
    const key = await keyFor(p.keyId);
    const label = p.label ?? '';
    return { keyId: key.id, label, ciphertext: encryptTo(key, p.plaintext, label, random) };
  }

  async function decryptManyOf(p: {
    keyId: string;
    ciphertexts: readonly Uint8Array[];
  }): Promise<DecryptResult[]> {
    const key = await keyFor(p.keyId);
    const out: DecryptResult[] = [];
    for (const chunk of batchesOf(p.ciphertexts, (ct) => ct.length * 2 + 8))
      out.push(...(await decryptMany(deps, key, nodeOrder(key, configured, turn++), chunk)));
    return out;
  }

  /**
   * Decrypts one ciphertext with `threshold` nodes' partial decryptions.
   * @throws TkmsError `access.refused` (with each node's reason), or the ciphertext's own error
   */
  async function decrypt(p: { keyId: string; ciphertext: Uint8Array }) {
    const [r] = await decryptManyOf({ keyId: p.keyId, ciphertexts: [p.ciphertext] });
    if (!r || !('plaintext' in r))
      throw new TkmsError(r && isErrorCode(r.code) ? r.code : 'access.refused', {
        details: r && 'reason' in r ? r.reason : 'no answer',
      });
    return { keyId: p.keyId, ...r };
  }

  return {
    health,
    createKey,
    listKeys,
    getKey,
    sign,
    presign,
    fillPresignatures,
    setupPair,
    deriveDataKey,
    deriveDataKeys: deriveDataKeysOf,
    encryptFields,
    decryptFields,
    encrypt,
    decrypt,
    decryptMany: decryptManyOf,
    nodes: config.nodes.map((n) => n.id),
  };
}

/** Splits items into request batches within MAX_BATCH_ITEMS and MAX_BATCH_BODY_BYTES (by `size`). */
function* batchesOf<T>(items: readonly T[], size: (x: T) => number): Generator<T[]> {
  let batch: T[] = [];
  let bytes = 0;
  for (const x of items) {
    const s = size(x);
    if (batch.length > 0 && (batch.length >= MAX_BATCH_ITEMS || bytes + s > MAX_BATCH_BODY_BYTES)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(x);
    bytes += s;
  }
  if (batch.length > 0) yield batch;
}

/**
 * The key an ECDSA signature must verify under: encoded, and as (key, tweak) for `verifyEcdsa`
 * (the decoded key is memoised, so repeated checks under one key get its window table).
 */
function expectedEcdsaKey(
  key: KeyInfo,
  path: string | undefined,
): { publicKey: string; verifyAs: { key: GroupPoint; tweak: bigint } } {
  const name = KEY_TYPES[key.type].suite === 'p256' ? 'p256' : 'secp256k1';
  const root = getSuite(name).decodePoint(hexToBytes(key.groupKey));
  if (path === undefined) return { publicKey: key.publicKey, verifyAs: { key: root, tweak: 0n } };
  if (!key.chainCode) throw new TkmsError('request.invalid', { details: `${key.id} has no chain code` });
  const child = derivePath(hexToBytes(key.groupKey), hexToBytes(key.chainCode), path, name);
  return {
    publicKey: bytesToHex(child.publicKey),
    verifyAs: { key: root, tweak: bytesToNumberBE(child.tweak) },
  };
}

function sorted<T>(o: Record<string, T>): Array<[string, T]> {
  return Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function mapHex(o: Record<string, string>): Record<string, Uint8Array> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, hexToBytes(v)]));
}
