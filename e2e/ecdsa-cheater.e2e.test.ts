/**
 * A cheating holder as a real process. node-3 runs the real node code through
 * `fixtures/cheating-node.ts`, which (when TKMS_CHEAT is set) alters the 2P-MUL parts of its own
 * outgoing DKLs23 signing messages before the transport seals and signs them. The honest signer
 * must abort with the check that caught it (`protocol.bad_ot` in round 1, `protocol.bad_mul` in
 * round 2), name node-3, release no signature, audit the failure, and erase its 2P-MUL states with
 * node-3 so that a selective-failure probe cannot be retried: that pair is refused, also once
 * node-3 behaves again, until a fresh pair setup; the honest pair signs throughout.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, type KeyInfo, TkmsError, utf8 } from '@tkms/core';
import { loadConfigFile } from '@tkms/node';
import { type AuditEntry, openDb, Store } from '@tkms/node/storage/index';
import { type Cluster, startCluster } from './harness.ts';

const CHEATER = 'node-3';
const cheatingNode = fileURLToPath(new URL('./fixtures/cheating-node.ts', import.meta.url));

let c: Cluster;
const keys: Record<'ot' | 'mul' | 'gamma', KeyInfo> = {} as never;
/** For the concurrent probes (kept out of `keys`: the later tests count on those three). */
let probed: KeyInfo;

/** Restarts node-3 through the fixture, cheating in `mode` (or honest). */
async function restartCheater(mode?: 'ot' | 'mul' | 'gamma') {
  await c.stop(CHEATER);
  await c.start(CHEATER, { entry: cheatingNode, ...(mode ? { env: { TKMS_CHEAT: mode } } : {}) });
}

type NodeAnswer = { status: number; body: Record<string, unknown> };

/** The same sign request sent to each signer directly: every node's own answer, not the SDK's pick. */
async function signAtEachNode(keyId: string, signers: string[], digest: Uint8Array) {
  const cfg = JSON.parse(readFileSync(c.clientPath, 'utf8')) as {
    nodes: { id: string; url: string; apiKey: string }[];
  };
  const body = JSON.stringify({
    digest: bytesToHex(digest),
    signers,
    sessionNonce: bytesToHex(crypto.getRandomValues(new Uint8Array(32))),
  });
  const answers = await Promise.all(
    signers.map(async (id) => {
      const n = cfg.nodes.find((x) => x.id === id) as { url: string; apiKey: string };
      const r = await fetch(new URL(`/v1/keys/${keyId}/sign`, n.url), {
        method: 'POST',
        headers: { authorization: `Bearer ${n.apiKey}`, 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(30_000),
      });
      return [id, { status: r.status, body: (await r.json()) as Record<string, unknown> }] as const;
    }),
  );
  return Object.fromEntries(answers) as Record<string, NodeAnswer>;
}

/** The TkmsError `p` rejects with (assert.rejects with a predicate reports a mismatch slowly under tsx). */
async function failure(p: Promise<unknown>): Promise<TkmsError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TkmsError) return e;
    assert.fail(`expected a TkmsError, got ${String(e)}`);
  }
  assert.fail('expected the call to fail');
}

async function signsAndVerifies(key: KeyInfo, signers: string[], text: string) {
  const digest = sha256(utf8(text));
  const r = await c.client.sign({ keyId: key.id, digest, signers });
  assert.ok(
    secp256k1.verify(r.signature, digest, hexToBytes(key.publicKey), { prehash: false }),
    `${signers.join('+')} signature verifies`,
  );
}

before(async () => {
  c = await startCluster({ launch: { [CHEATER]: { entry: cheatingNode } } });
  // Once an honest signer aborts, the cheater waits for round messages that never come until its
  // session deadline; a short one (its own config, read at its next restart) keeps the test fast.
  const cfgPath = c.configPath(CHEATER);
  const cfg = JSON.parse(readFileSync(cfgPath, 'utf8')) as Record<string, unknown>;
  writeFileSync(cfgPath, JSON.stringify({ ...cfg, sessionTimeoutMs: 3_000 }, null, 2));
  // Created while node-3 is honest; one key per deviation, since each one costs its pair.
  for (const mode of ['ot', 'mul', 'gamma'] as const)
    keys[mode] = await c.client.createKey({ type: 'ecdsa-secp256k1', threshold: 2 });
  probed = await c.client.createKey({ type: 'ecdsa-secp256k1', threshold: 2 });
});
after(async () => c?.close());

test('honest until told otherwise: node-3 (through the fixture) signs with node-1 and node-2', async () => {
  for (const key of Object.values(keys)) {
    await signsAndVerifies(key, ['node-1', CHEATER], 'before any cheating');
    await signsAndVerifies(key, ['node-2', CHEATER], 'before any cheating');
  }
});

const cases = [
  { mode: 'ot', code: 'protocol.bad_ot', round: 1, detail: /OT-extension consistency check failed/ },
  { mode: 'mul', code: 'protocol.bad_mul', round: 2, detail: /multiplication check failed/ },
  { mode: 'gamma', code: 'protocol.bad_mul', round: 2, detail: /Γ\^u check failed/ },
] as const;

for (const { mode, code, round, detail } of cases) {
  test(`node-3 tampers (${mode}): node-1 aborts with ${code} naming node-3; no node returns a signature`, async () => {
    await restartCheater(mode);
    const answers = await signAtEachNode(keys[mode].id, ['node-1', CHEATER], sha256(utf8(`cheat ${mode}`)));
    const honest = answers['node-1'] as NodeAnswer;
    const h = honest.body as { code?: string; culprits?: string[]; detail?: string; meta?: unknown };
    assert.equal(h.code, 'session.aborted', JSON.stringify(h));
    assert.deepEqual(h.culprits, [CHEATER], JSON.stringify(h));
    assert.deepEqual(
      (h.meta as { abort?: unknown }).abort,
      { code, round, culprits: [CHEATER] },
      JSON.stringify(h),
    );
    assert.match(h.detail ?? '', detail);
    for (const [id, a] of Object.entries(answers)) {
      assert.notEqual(a.status, 200, `${id} answered ${JSON.stringify(a.body)}`);
      assert.equal(a.body.signature, undefined, `${id} released no signature`);
    }
    if (mode === 'ot') {
      // The SDK, with node-2 as the honest signer this time: the error a caller sees.
      const e = await failure(
        c.client.sign({
          keyId: keys.ot.id,
          digest: sha256(utf8('cheat again')),
          signers: ['node-2', CHEATER],
        }),
      );
      assert.equal(e.code, 'session.aborted', e.message);
      assert.deepEqual(e.culprits, [CHEATER], e.message);
      assert.equal((e.meta.abort as { code?: string } | undefined)?.code, 'protocol.bad_ot', e.message);
      assert.equal(e.meta.node, 'node-2', e.message);
    }
  });
}

test('concurrent sessions give a cheater one probe, not one per session: the first failed check stops the others', async () => {
  await restartCheater('ot');
  // Six signatures at once with the same pair: every one of them would run the OT-extension
  // check against the same base OTs if each session had its own copy of the pair's states.
  const runs = await Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      signAtEachNode(probed.id, ['node-1', CHEATER], sha256(utf8(`probe ${i}`))),
    ),
  );
  const honest = runs.map(
    (r) => (r['node-1'] as NodeAnswer).body as { code?: string; meta?: { abort?: { code?: string } } },
  );
  const checked = honest.filter((b) => b.meta?.abort?.code === 'protocol.bad_ot');
  assert.equal(checked.length, 1, `exactly one session ran the failing check: ${JSON.stringify(honest)}`);
  for (const b of honest) assert.notEqual(b.code, undefined, `node-1 signed nothing: ${JSON.stringify(b)}`);
  for (const r of runs)
    for (const [id, a] of Object.entries(r))
      assert.equal(a.body.signature, undefined, `${id} released no signature`);
  // And the pair stays refused afterwards, from storage.
  const after = await signAtEachNode(probed.id, ['node-1', CHEATER], sha256(utf8('probe again')));
  assert.equal((after['node-1'] as NodeAnswer).body.code, 'sign.pair_needs_setup', JSON.stringify(after));
});

test('node-3 honest again: the pairs that caught it stay refused (sign.pair_needs_setup); node-1 + node-2 sign', async () => {
  await restartCheater();
  const refused = [
    ...Object.values(keys).map((key) => ({ key, honest: 'node-1' })),
    { key: keys.ot, honest: 'node-2' },
  ];
  const errors = await Promise.all(
    refused.map(({ key, honest }) =>
      failure(c.client.sign({ keyId: key.id, digest: sha256(utf8('retry')), signers: [honest, CHEATER] })),
    ),
  );
  for (const [i, e] of errors.entries()) {
    const honest = refused[i]?.honest as string;
    assert.equal(e.code, 'sign.pair_needs_setup', e.message);
    assert.equal(e.meta.node, honest, e.message);
    assert.match(e.message, new RegExp(`${honest} has no (sender|receiver) state with ${CHEATER}`));
    assert.match(e.message, new RegExp(`pair setup for ${honest} and ${CHEATER}`));
  }
  for (const key of Object.values(keys)) await signsAndVerifies(key, ['node-1', 'node-2'], 'honest pair');
  // node-2 never saw a failed check with node-3 for these keys: that pair's states are intact.
  await signsAndVerifies(keys.mul, ['node-2', CHEATER], 'a pair that caught nothing');
});

test("node-1's audit log records each abort naming node-3; its OT states with node-3 are erased", async () => {
  await c.stop('node-1');
  const { config, baseDir } = loadConfigFile(c.configPath('node-1'));
  const dir = config.database.slice('pglite:'.length);
  const db = await openDb(`pglite:${isAbsolute(dir) ? dir : resolve(baseDir, dir)}`);
  try {
    const store = new Store(db);
    const audit: AuditEntry[] = await store.listAudit({ limit: 10_000 });
    for (const [mode, key] of Object.entries(keys)) {
      const signs = audit.filter((a) => a.keyId === key.id && a.action === 'key.sign');
      const seen = JSON.stringify(signs.map((a) => [a.outcome, a.detail.code ?? null]));
      const aborted = signs.filter((a) => a.outcome === 'error' && a.detail.code === 'session.aborted');
      assert.equal(aborted.length, 1, `${mode}: one aborted signature among ${seen}`);
      const [rec] = aborted as [AuditEntry];
      assert.deepEqual(rec.detail.culprits, [CHEATER], `${mode}: culprits ${JSON.stringify(rec.detail)}`);
      const check = cases.find((x) => x.mode === mode)?.code;
      assert.equal(rec.detail.check, check, `${mode}: the record names the failed check`);
      const discards = audit.filter((a) => a.keyId === key.id && a.action === 'key.pair_discarded');
      assert.deepEqual(
        discards.map((a) => [a.outcome, a.detail.peer]),
        [['ok', CHEATER]],
        `${mode}: the discard of the pair with node-3 is audited once`,
      );
      assert.ok(
        signs.some((a) => a.ssid === rec.ssid && a.outcome === 'authorized'),
        `${mode}: the aborted session was authorised first`,
      );
      const refusal = signs.filter((a) => a.outcome === 'error' && a.detail.code === 'sign.pair_needs_setup');
      assert.equal(refusal.length, 1, `${mode}: the later refusal is audited too, among ${seen}`);

      for (const role of ['sender', 'receiver'] as const) {
        assert.equal(await store.getPairState(key.id, CHEATER, role), null, `${mode}: ${role} with node-3`);
        assert.notEqual(
          await store.getPairState(key.id, 'node-2', role),
          null,
          `${mode}: ${role} with node-2`,
        );
      }
      const rows = await db.query<{ role: string; status: string; erased: boolean }>(
        `SELECT role, status, sealed_state IS NULL AS erased FROM key_pair_states
         WHERE key_id = $1 AND peer = $2 ORDER BY role`,
        [key.id, CHEATER],
      );
      assert.deepEqual(
        rows.map((r) => [r.role, r.status, r.erased]),
        [
          ['receiver', 'discarded', true],
          ['sender', 'discarded', true],
          // Selective-failure probes learn about base OTs, not the zero seed: it stays.
          ['zero-seed', 'active', false],
        ],
        `${mode}: pair rows ${JSON.stringify(rows)}`,
      );
    }
    assert.equal(await store.verifyAuditChain(), null, 'the audit chain verifies');
  } finally {
    await db.close();
    await c.start('node-1');
  }
});

test('after a fresh pair setup node-1 and node-3 sign again', async () => {
  const r = await c.client.setupPair({ keyId: keys.ot.id, nodes: ['node-1', CHEATER] });
  // node-1 had nothing active left to replace (both erased); node-3 replaces its two.
  assert.deepEqual(r.replaced, { 'node-1': 0, [CHEATER]: 2 }, JSON.stringify(r));
  await signsAndVerifies(keys.ot, ['node-1', CHEATER], 'after the pair setup');
});
