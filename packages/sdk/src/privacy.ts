/**
 * Client side of data keys and threshold decryption: fan a batch out to `threshold` nodes, open
 * each node's sealed answer with the request's fresh key, verify every proof, ask further nodes
 * for whatever is still short (a node down, refusing by its policy, or caught cheating), combine,
 * and finish locally. The nodes never see a data key or a plaintext; the client gets an item only
 * where `threshold` nodes agreed to it.
 */
import {
  type Bytes,
  blind,
  boxKeyPair,
  bytesToHex,
  type CoveredEvaluation,
  combineCoveredEvaluations,
  combineDecryption,
  combineEvaluations,
  DATA_KEY_BYTES,
  type DecryptShareResponse,
  type DeriveShareResponse,
  decodeAnswerItems,
  decodeCiphertext,
  deriveDataKey,
  encryptToKey,
  finalize,
  finalizeObject,
  fromUtf8,
  hexToBytes,
  KEY_TYPES,
  type KeyInfo,
  objectElement,
  objectInput,
  openBox,
  type RefusedItem,
  requestDigest,
  requirePurpose,
  type SealedAnswerKind,
  sealedAnswerContext,
  TkmsError,
  utf8,
  validateObjectPath,
} from '@tkms/core';

/** One data key, or why it was not given. */
export type DataKeyResult =
  | { readonly object: string; readonly version: number; readonly dataKey: Uint8Array }
  | { readonly object: string; readonly code: string; readonly reason: string };

/** A node caught sending something wrong (a bad proof, an answer that does not open…). */
export type NodeFault = { readonly node: string; readonly code: string; readonly reason: string };

export type PrivacyDeps = {
  /** POST to one node; throws TkmsError (node.unreachable, policy.denied, …) naming the node. */
  post<T>(node: string, path: string, body: unknown): Promise<T>;
  random(n: number): Uint8Array;
  /** Told of every node fault; the result is still returned when enough honest nodes answered. */
  onFault?: (fault: NodeFault) => void;
};

/** Errors that mean the node misbehaved (as opposed to refusing or being down). */
const FAULT_CODES = new Set(['box.open_failed', 'node.inconsistent']);

type NodeOutcome<A> = { node: string; answer?: A; error?: TkmsError };

/**
 * Nodes to ask first: `threshold` holders, a window of consecutive identifiers (cheaper to
 * combine), rotated per call to spread the load; the rest in order as fallbacks.
 */
export function nodeOrder(key: KeyInfo, configured: ReadonlySet<string>, turn: number): string[] {
  const holders = [...key.nodes].sort().filter((n) => configured.has(n));
  if (holders.length === 0) return [];
  const start = turn % Math.max(1, holders.length - key.threshold + 1);
  const first = holders.slice(start, start + key.threshold);
  return [...first, ...holders.filter((n) => !first.includes(n))];
}

function errorOf(e: unknown): TkmsError {
  return e instanceof TkmsError ? e : new TkmsError('internal', { details: String(e) });
}

/** The refusal for an item fewer than `threshold` nodes gave: every node's reason, in one line. */
function refusalFor(key: KeyInfo, reasons: readonly string[]): { code: string; reason: string } {
  return {
    code: 'access.refused',
    reason: `fewer than ${key.threshold} of the key's nodes allowed it: ${reasons.join('; ') || 'no node answered'}`,
  };
}

/**
 * Derives data keys for `objects` under an OPRF key. Policy-bound by default (each node checks
 * each object against its own policy); `oblivious` blinds the inputs so nodes never learn the
 * objects (it needs a whole-key grant). Both give the same data key for the same object.
 */
export async function deriveDataKeys(
  deps: PrivacyDeps,
  key: KeyInfo,
  order: readonly string[],
  objects: readonly string[],
  opts: { oblivious?: boolean } = {},
): Promise<DataKeyResult[]> {
  requirePurpose(key.type, 'derive', key.id);
  const suite = KEY_TYPES[key.type].suite;
  for (const o of objects) validateObjectPath(o);
  if (objects.length === 0) return [];
  const inputs = objects.map((object) => objectInput({ keyId: key.id, object, version: key.version }));
  const pkg = {
    suite,
    threshold: key.threshold,
    identifiers: key.identifiers,
    verifyingShares: Object.fromEntries(
      Object.entries(key.verifyingShares).map(([k, v]) => [k, hexToBytes(v)]),
    ),
  };
  const pair = boxKeyPair(deps.random);
  try {
    // Oblivious: one blinded request for all; per-object refusals cannot happen (whole-key grant).
    if (opts.oblivious) {
      const blinds = inputs.map((input) => blind(suite, input, deps.random));
      const elements = blinds.map((b) => b.blindedElement);
      const answers: Record<string, CoveredEvaluation> = {};
      const reasons: string[] = [];
      for (const batch of batches(order, key.threshold)) {
        const got = await askDerive(
          deps,
          key,
          batch,
          pair,
          { blinded: elements },
          elements,
          'derive-oblivious',
        );
        for (const g of got) {
          if (g.answer) answers[g.node] = g.answer;
          else reasons.push((g.error as TkmsError).details ?? (g.error as TkmsError).message);
        }
        if (Object.keys(answers).length >= key.threshold) {
          const r = combineEvaluations({ key: pkg, elements, answers });
          return objects.map((object, j) => {
            const output = finalize(
              suite,
              inputs[j] as Bytes,
              (blinds[j] as (typeof blinds)[number]).blind,
              r.evaluations[j] as Bytes,
            );
            return dataKeyResult(key, object, output.expose());
          });
        }
      }
      const refusal = refusalFor(key, reasons);
      return objects.map((object) => ({ object, ...refusal }));
    }

    const elements = inputs.map((input) => objectElement(suite, input));
    const answers: Record<string, CoveredEvaluation> = {};
    const reasons: string[][] = objects.map(() => []);
    const covered = new Array<number>(objects.length).fill(0);
    let next = 0;
    let combined: ReturnType<typeof combineCoveredEvaluations> | undefined;
    while (next < order.length) {
      // Ask for what is still short: everything at first, then only the items some node refused.
      const short = covered.flatMap((c, j) => (c < key.threshold ? [j] : []));
      if (short.length === 0) break;
      const need = key.threshold - Math.min(...short.map((j) => covered[j] as number));
      const batch = order.slice(next, next + need);
      next += batch.length;
      const sub = short.map((j) => objects[j] as string);
      const got = await askDerive(
        deps,
        key,
        batch,
        pair,
        { objects: sub },
        sub.map((o) => utf8(o)),
        'derive-object',
        short,
      );
      for (const g of got) {
        if (!g.answer) {
          const err = g.error as TkmsError;
          if (FAULT_CODES.has(err.code))
            deps.onFault?.({ node: g.node, code: err.code, reason: err.details ?? '' });
          const why = err.details ?? err.message;
          for (const j of short) (reasons[j] as string[]).push(why);
          continue;
        }
        // Each round asks fresh nodes, so a node answers at most once per call.
        answers[g.node] = g.answer;
        for (const j of g.answer.indices) covered[j] = (covered[j] as number) + 1;
        for (const r of g.refused ?? []) (reasons[r.index] as string[]).push(r.reason);
      }
      combined = combineCoveredEvaluations({ key: pkg, elements, answers });
      // Drop what failed verification from the count, so the loop asks another node for it.
      for (const bad of combined.rejected) {
        deps.onFault?.({ node: bad.party, code: bad.code, reason: bad.reason });
        const a = answers[bad.party];
        if (a) for (const j of a.indices) covered[j] = (covered[j] as number) - 1;
        for (const j of a?.indices ?? [])
          (reasons[j] as string[]).push(`${bad.party}: ${bad.reason} (${bad.code})`);
        delete answers[bad.party];
      }
    }
    return objects.map((object, j) => {
      const Z = combined?.evaluations[j];
      if (!Z) return { object, ...refusalFor(key, reasons[j] as string[]) };
      const output = finalizeObject(suite, inputs[j] as Bytes, Z);
      return dataKeyResult(key, object, output.expose());
    });
  } finally {
    pair.secretKey.wipe();
  }
}

function dataKeyResult(key: KeyInfo, object: string, output: Bytes): DataKeyResult {
  const dek = deriveDataKey({ oprfOutput: output, keyId: key.id, object, version: key.version });
  const dataKey = Uint8Array.from(dek.expose());
  dek.wipe();
  output.fill(0);
  if (dataKey.length !== DATA_KEY_BYTES) throw new TkmsError('internal', { details: 'data key length' });
  return { object, version: key.version, dataKey };
}

/** Groups of nodes to ask in turn: the first `threshold`, then one more at a time. */
function* batches(order: readonly string[], t: number): Generator<string[]> {
  yield order.slice(0, t);
  for (let i = t; i < order.length; i++) yield [order[i] as string];
}

type DeriveOutcome = NodeOutcome<CoveredEvaluation> & { refused?: RefusedItem[] };

/**
 * Sends one derive request to each of `nodes`, opens and decodes the sealed answers, and maps
 * positions back to the caller's (`positions[i]` is the caller's index of request item i).
 */
async function askDerive(
  deps: PrivacyDeps,
  key: KeyInfo,
  nodes: readonly string[],
  pair: ReturnType<typeof boxKeyPair>,
  body: { objects: string[] } | { blinded: Bytes[] },
  digestItems: readonly Bytes[],
  kind: SealedAnswerKind,
  positions?: readonly number[],
): Promise<DeriveOutcome[]> {
  const wire =
    'objects' in body
      ? { objects: body.objects, requesterKey: bytesToHex(pair.publicKey) }
      : { blinded: body.blinded.map(bytesToHex), requesterKey: bytesToHex(pair.publicKey) };
  const digest = requestDigest(digestItems);
  const count = digestItems.length;
  return Promise.all(
    nodes.map(async (node): Promise<DeriveOutcome> => {
      try {
        const res = await deps.post<DeriveShareResponse>(
          node,
          `/v1/keys/${encodeURIComponent(key.id)}/derive`,
          wire,
        );
        if (res.node !== node || res.keyId !== key.id || res.version !== key.version)
          throw new TkmsError('node.inconsistent', {
            details: `${node} answered for ${res.node}/${res.keyId} v${res.version}`,
            culprits: [node],
          });
        const indices = checkIndices(node, res.indices, count);
        const items = decodeAnswerItems(
          openBox({
            keyPair: pair,
            sealed: hexToBytes(res.sealed),
            context: sealedAnswerContext({
              kind,
              node,
              keyId: key.id,
              version: key.version,
              requesterKey: pair.publicKey,
              requestDigest: digest,
            }),
          }),
          indices.length + 1,
        );
        const map = (i: number) => (positions ? (positions[i] as number) : i);
        return {
          node,
          answer: { proof: items[0] as Bytes, evaluations: items.slice(1), indices: indices.map(map) },
          refused: (res.refused ?? []).map((r) => ({ ...r, index: map(r.index) })),
        };
      } catch (e) {
        return { node, error: errorOf(e) };
      }
    }),
  );
}

function checkIndices(node: string, indices: unknown, count: number): number[] {
  if (
    !Array.isArray(indices) ||
    !indices.every(
      (j, n) => Number.isSafeInteger(j) && j >= 0 && j < count && (n === 0 || j > indices[n - 1]),
    )
  )
    throw new TkmsError('node.inconsistent', { details: `${node} sent invalid indices`, culprits: [node] });
  return indices as number[];
}

// ----------------------------------------------------------------------------------------------
// Threshold decryption

export type DecryptResult =
  | { readonly plaintext: Uint8Array; readonly label: string; readonly used: readonly string[] }
  | { readonly code: string; readonly reason: string; readonly label?: string };

/** Encrypts to an `ecies-p256` key: needs only its public key; no node is involved. */
export function encryptTo(
  key: KeyInfo,
  plaintext: Bytes,
  label: string,
  random: (n: number) => Uint8Array,
): Bytes {
  requirePurpose(key.type, 'decrypt', key.id);
  if (label !== '') validateObjectPath(label);
  return encryptToKey({
    suite: KEY_TYPES[key.type].suite,
    publicKey: hexToBytes(key.groupKey),
    plaintext,
    label: utf8(label),
    random,
  });
}

/**
 * Decrypts a batch of ciphertexts with partial decryptions from `threshold` nodes, asking more
 * when some refuse or cheat. Each result is a plaintext or the reasons it could not be had.
 */
export async function decryptMany(
  deps: PrivacyDeps,
  key: KeyInfo,
  order: readonly string[],
  ciphertexts: readonly Bytes[],
): Promise<DecryptResult[]> {
  requirePurpose(key.type, 'decrypt', key.id);
  const pkg = {
    suite: KEY_TYPES[key.type].suite,
    threshold: key.threshold,
    identifiers: key.identifiers,
    groupPublicKey: hexToBytes(key.groupKey),
    verifyingShares: Object.fromEntries(
      Object.entries(key.verifyingShares).map(([k, v]) => [k, hexToBytes(v)]),
    ),
  };
  const labels = ciphertexts.map((ct) => {
    try {
      return fromUtf8(decodeCiphertext(ct).label);
    } catch (e) {
      throw new TkmsError('decrypt.invalid_ciphertext', { details: errorOf(e).details ?? 'malformed' });
    }
  });
  const partials: Record<string, Bytes>[] = ciphertexts.map(() => ({}));
  const reasons: string[][] = ciphertexts.map(() => []);
  const results: (DecryptResult | undefined)[] = ciphertexts.map(() => undefined);
  const pair = boxKeyPair(deps.random);
  let next = 0;
  try {
    while (next < order.length) {
      const open = results.flatMap((r, j) => (r ? [] : [j]));
      if (open.length === 0) break;
      const need = key.threshold - Math.min(...open.map((j) => Object.keys(partials[j] as object).length));
      const batch = order.slice(next, next + Math.max(1, need));
      next += batch.length;
      const sub = open.map((j) => ciphertexts[j] as Bytes);
      const digest = requestDigest(sub);
      await Promise.all(
        batch.map(async (node) => {
          try {
            const res = await deps.post<DecryptShareResponse>(
              node,
              `/v1/keys/${encodeURIComponent(key.id)}/decrypt`,
              { ciphertexts: sub.map(bytesToHex), requesterKey: bytesToHex(pair.publicKey) },
            );
            if (res.node !== node || res.keyId !== key.id)
              throw new TkmsError('node.inconsistent', {
                details: `${node} answered as ${res.node}`,
                culprits: [node],
              });
            const indices = checkIndices(node, res.indices, sub.length);
            const items = decodeAnswerItems(
              openBox({
                keyPair: pair,
                sealed: hexToBytes(res.sealed),
                context: sealedAnswerContext({
                  kind: 'decrypt',
                  node,
                  keyId: key.id,
                  version: key.version,
                  requesterKey: pair.publicKey,
                  requestDigest: digest,
                }),
              }),
              indices.length,
            );
            indices.forEach((i, n) => {
              (partials[open[i] as number] as Record<string, Bytes>)[node] = items[n] as Bytes;
            });
            for (const r of res.refused ?? []) (reasons[open[r.index] as number] as string[]).push(r.reason);
          } catch (e) {
            const err = errorOf(e);
            if (FAULT_CODES.has(err.code))
              deps.onFault?.({ node, code: err.code, reason: err.details ?? '' });
            for (const j of open) (reasons[j] as string[]).push(err.details ?? err.message);
          }
        }),
      );
      for (const j of open) {
        const got = partials[j] as Record<string, Bytes>;
        if (Object.keys(got).length < key.threshold) continue;
        try {
          const r = combineDecryption({
            key: pkg,
            ciphertext: ciphertexts[j] as Bytes,
            label: utf8(labels[j] as string),
            partials: got,
          });
          for (const bad of r.rejected)
            deps.onFault?.({ node: bad.party, code: 'decrypt.bad_partial', reason: bad.reason });
          const plaintext = Uint8Array.from(r.plaintext.expose());
          r.plaintext.wipe();
          results[j] = { plaintext, label: labels[j] as string, used: r.used };
        } catch (e) {
          const err = errorOf(e);
          if (err.code !== 'decrypt.not_enough_partials') {
            results[j] = { code: err.code, reason: err.details ?? err.message, label: labels[j] as string };
            continue;
          }
          // Drop the partials that failed their proofs; the next round asks other nodes.
          for (const c of err.culprits) {
            deps.onFault?.({
              node: c,
              code: 'decrypt.bad_partial',
              reason: 'partial decryption failed its proof',
            });
            delete got[c];
            (reasons[j] as string[]).push(`${c}: partial decryption failed its proof`);
          }
        }
      }
    }
  } finally {
    pair.secretKey.wipe();
  }
  return results.map(
    (r, j) => r ?? { ...refusalFor(key, reasons[j] as string[]), label: labels[j] as string },
  );
}
