/**
 * Derive and decrypt on three in-process nodes (web-standard fetch, no sockets), driven by the
 * SDK's own fan-out and combine: each
 * node's policy per object, audit records (what they hold and what they never hold), the rate
 * limit, and a node holding a wrong share being caught, named and worked around.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  bytesToHex,
  encryptToKey,
  hexToBytes,
  KEY_TYPES,
  type KeyInfo,
  type KeyType,
  SecretBytes,
  TkmsError,
  utf8,
} from '@tkms/core';
import type { DkgOutput } from '@tkms/core/protocols/dkg/types';
import { dkgKeys, testSeed } from '@tkms/core/protocols/testing/fixtures';
import { createNode, generateToken, hashToken, initNodeDir, type TkmsNode } from '@tkms/node';
import { shareAad } from '@tkms/node/seal/sealer';
import { decryptMany, deriveDataKeys, type NodeFault, type PrivacyDeps } from '@tkms/sdk/privacy';

const ids = ['node-1', 'node-2', 'node-3'];
const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const nodes: Record<string, TkmsNode> = {};
const alice = generateToken(random);
const owner = generateToken(random);

before(async () => {
  for (const id of ids) {
    const dir = mkdtempSync(join(tmpdir(), `tkms-data-${id}-`));
    const r = initNodeDir({ dir, id, port: 0, database: 'memory:', log: 'silent' });
    nodes[id] = await createNode(
      {
        ...r.config,
        apiKeys: [
          { name: 'alice', sha256: hashToken(alice) },
          { name: 'owner', sha256: hashToken(owner) },
        ],
        limits: { ...r.config.limits, oprfElementsPerSecond: 1, oprfBurst: 500 },
        policy: {
          grants: [
            { principals: ['api-key:owner'], actions: ['*'], keys: ['*'], objects: ['**'] },
            {
              principals: ['api-key:alice'],
              actions: ['derive', 'decrypt'],
              keys: ['*'],
              // node-1 wrongly allows every field; the others only `amount`.
              objects: id === 'node-1' ? ['contracts/*/fields/**'] : ['contracts/*/fields/amount'],
            },
          ],
          denies: [],
        },
      },
      dir,
    );
  }
});
after(async () => {
  await Promise.all(Object.values(nodes).map((n) => n.close()));
});

/** Stores a dealt key at every node; `wrong` nodes get a share that does not match their verifying share. */
async function installKey(type: KeyType, id: string, wrong: string[] = []): Promise<KeyInfo> {
  const suite = KEY_TYPES[type].suite;
  const keys = dkgKeys(suite, 3, 2, testSeed(`data-access-${id}`));
  const ref = keys['node-1'] as DkgOutput;
  for (const p of ids) {
    const n = nodes[p] as TkmsNode;
    const share = wrong.includes(p)
      ? new SecretBytes((keys[p === 'node-1' ? 'node-2' : 'node-1'] as DkgOutput).signingShare.expose())
      : (keys[p] as DkgOutput).signingShare;
    await n.ctx.store.insertKey({
      id,
      type: type as never,
      suite,
      threshold: 2,
      parties: ids,
      identifiers: ref.identifiers,
      publicKey: ref.groupPublicKey,
      verifyingShares: Object.fromEntries(
        Object.entries(ref.verifyingShares).map(([k, v]) => [k, bytesToHex(v)]),
      ),
      sealedShare: n.ctx.sealer.seal(share, shareAad({ nodeId: p, keyId: id, version: 1 })),
      status: 'active',
    });
  }
  const res = await (nodes['node-1'] as TkmsNode).fetch(
    new Request(`http://node/v1/keys/${id}`, { headers: { authorization: `Bearer ${owner}` } }),
  );
  return (await res.json()) as KeyInfo;
}

function depsFor(token: string, faults: NodeFault[] = []): PrivacyDeps {
  return {
    random,
    onFault: (f) => faults.push(f),
    post: async (node, path, body) => {
      const res = await (nodes[node] as TkmsNode).fetch(
        new Request(`http://node${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
      );
      const json = (await res.json()) as { code?: string; detail?: string };
      if (!res.ok) throw new TkmsError(json.code as 'internal', { details: `${node}: ${json.detail ?? ''}` });
      return json as never;
    },
  };
}

const auditOf = async (node: string) =>
  (await (nodes[node] as TkmsNode).ctx.store.listAudit({ limit: 1000 })).map((a) => JSON.stringify(a));

test('per-object policy: alice gets amount, not ssn, though node-1 wrongly allows it; audit says who asked for what', async () => {
  const key = await installKey('oprf-ristretto255', 'k-policy');
  const objects = ['contracts/1/fields/amount', 'contracts/1/fields/ssn'];
  const r = await deriveDataKeys(depsFor(alice), key, ids, objects);
  assert.ok('dataKey' in (r[0] as object), 'amount is granted');
  const ssn = r[1] as { code: string; reason: string };
  assert.equal(ssn.code, 'access.refused');
  assert.match(ssn.reason, /node-2 policy/);
  assert.match(ssn.reason, /node-3 policy/);

  // The owner's key for amount is the same one alice got.
  const o = await deriveDataKeys(depsFor(owner), key, ['node-2', 'node-3'], objects);
  assert.equal(
    bytesToHex((o[0] as { dataKey: Uint8Array }).dataKey),
    bytesToHex((r[0] as { dataKey: Uint8Array }).dataKey),
  );

  // node-2 recorded alice's request: the allowed object, the refused one, never key material.
  const audit = (await auditOf('node-2')).filter(
    (a) => a.includes('api-key:alice') && a.includes('k-policy'),
  );
  assert.ok(audit.some((a) => a.includes('key.derive') && a.includes('contracts/1/fields/amount')));
  assert.ok(
    audit.some((a) => a.includes('contracts/1/fields/ssn')),
    'the refusal is audited',
  );
  const dataKeys = [...r, ...o].flatMap((x) => ('dataKey' in x ? [bytesToHex(x.dataKey)] : []));
  for (const n of ids) for (const a of await auditOf(n)) for (const k of dataKeys) assert.ok(!a.includes(k));
});

test('a node holding a wrong share is caught by its proof, named, and another node is asked', async () => {
  const key = await installKey('oprf-ristretto255', 'k-cheat', ['node-2']);
  const faults: NodeFault[] = [];
  const objects = ['a/1', 'a/2', 'a/3'];
  const r = await deriveDataKeys(depsFor(owner, faults), key, ['node-1', 'node-2', 'node-3'], objects);
  assert.ok(r.every((x) => 'dataKey' in x));
  assert.deepEqual(
    faults.map((f) => [f.node, f.code]),
    [['node-2', 'oprf.bad_proof']],
  );
  // The honest pair of the same key gives the same data keys.
  const ref = await deriveDataKeys(depsFor(owner), key, ['node-1', 'node-3'], objects);
  assert.deepEqual(
    r.map((x) => bytesToHex((x as { dataKey: Uint8Array }).dataKey)),
    ref.map((x) => bytesToHex((x as { dataKey: Uint8Array }).dataKey)),
  );
  // With only node-1 and the cheater, nothing is returned, and the cheater is named.
  const faults2: NodeFault[] = [];
  const none = await deriveDataKeys(depsFor(owner, faults2), key, ['node-1', 'node-2'], ['a/1']);
  assert.equal((none[0] as { code: string }).code, 'access.refused');
  assert.match((none[0] as { reason: string }).reason, /node-2/);
  assert.deepEqual(
    faults2.map((f) => f.node),
    ['node-2'],
  );
});

test('threshold decryption: a node with a broken share refuses (self-check) and is worked around; policy binds the label', async () => {
  const key = await installKey('ecies-p256', 'k-ecies', ['node-1']);
  const enc = (label: string, text: string) =>
    encryptToKey({
      suite: 'p256',
      publicKey: hexToBytes(key.groupKey),
      plaintext: utf8(text),
      label: utf8(label),
      random,
    });
  const cts = [enc('contracts/9/fields/amount', 'twelve'), enc('contracts/9/fields/ssn', '123-45-6789')];
  const faults: NodeFault[] = [];
  const r = await decryptMany(depsFor(owner, faults), key, ids, cts);
  assert.deepEqual(
    r.map((x) => ('plaintext' in x ? new TextDecoder().decode(x.plaintext) : x.code)),
    ['twelve', '123-45-6789'],
  );
  // node-1's partialDecrypt checks its share against its verifying share and refuses, so nothing
  // wrong leaves it (a node that sends a bad partial anyway is caught by the combiner: core tests).
  assert.deepEqual(faults, []);
  assert.deepEqual(
    r.map((x) => ('used' in x ? [...x.used].sort() : [])),
    [
      ['node-2', 'node-3'],
      ['node-2', 'node-3'],
    ],
  );
  // alice: amount only (node-1 would allow ssn, but node-1 is also the cheater here).
  const a = await decryptMany(depsFor(alice), key, ['node-2', 'node-3', 'node-1'], cts);
  assert.equal(new TextDecoder().decode((a[0] as { plaintext: Uint8Array }).plaintext), 'twelve');
  assert.equal((a[1] as { code: string }).code, 'access.refused');
  for (const n of ids)
    for (const line of await auditOf(n)) assert.ok(!line.includes('123-45-6789') && !line.includes('twelve'));
});

test('the rate limit counts evaluations per caller and key; one key, one purpose', async () => {
  const key = await installKey('oprf-p256', 'k-rate');
  const many = Array.from({ length: 400 }, (_, i) => `contracts/${i}/fields/amount`);
  const first = await deriveDataKeys(depsFor(alice), key, ['node-2', 'node-3'], many);
  assert.ok(first.every((x) => 'dataKey' in x));
  const second = await deriveDataKeys(depsFor(alice), key, ['node-2', 'node-3'], many);
  assert.ok(second.every((x) => 'code' in x && /rate|retry/i.test(x.reason)));
  // The owner has its own bucket.
  const own = await deriveDataKeys(depsFor(owner), key, ['node-2', 'node-3'], many.slice(0, 10));
  assert.ok(own.every((x) => 'dataKey' in x));

  const signing = await installKey('eddsa-ed25519', 'k-sign-only');
  await assert.rejects(
    deriveDataKeys(depsFor(owner), signing, ids, ['a/b']),
    (e: unknown) => e instanceof TkmsError && e.code === 'key.wrong_purpose',
  );
});

test('a low-order requester key is refused before the share is used: no evaluation, no authorisation record', async () => {
  const key = await installKey('oprf-ristretto255', 'k-lowkey');
  const before = (await auditOf('node-1')).filter((a) => a.includes('k-lowkey')).length;
  const res = await (nodes['node-1'] as TkmsNode).fetch(
    new Request(`http://node/v1/keys/${key.id}/derive`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner}`, 'content-type': 'application/json' },
      body: JSON.stringify({ objects: ['a/b'], requesterKey: `01${'00'.repeat(31)}` }),
    }),
  );
  assert.equal(res.status, 400);
  assert.equal(((await res.json()) as { code: string }).code, 'request.invalid');
  assert.equal((await auditOf('node-1')).filter((a) => a.includes('k-lowkey')).length, before);
});
