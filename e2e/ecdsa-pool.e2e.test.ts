/**
 * ECDSA presignature pool and pair setup on a real 3-node cluster: a client with
 * `presignaturePool` signs in one round from its pool, a node's limit on ready presignatures
 * holds, and a pair setup replaces two nodes' 2P-MUL states after which every pair still signs.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { hexToBytes, TkmsError, utf8 } from '@tkms/core';
import { createClient } from '@tkms/sdk';
import { loadClientConfig } from '@tkms/sdk/load-config';
import { runCli } from './cli.ts';
import { opensslVerifies } from './ecdsa-verify.ts';
import { type Cluster, startCluster } from './harness.ts';

let c: Cluster;

before(async () => {
  c = await startCluster();
});
after(async () => {
  await c?.close();
});

test('a client with a presignature pool signs from it in one round; every signature verifies', async () => {
  const key = await c.client.createKey({ type: 'ecdsa-secp256k1', threshold: 2 });
  const poolErrors: unknown[] = [];
  const pooled = createClient({
    ...loadClientConfig(c.clientPath),
    presignaturePool: 3,
    onPoolError: (e) => poolErrors.push(e),
  });
  const signers = ['node-1', 'node-2'];
  assert.deepEqual(await pooled.fillPresignatures({ keyId: key.id, signers }), { ready: 3 });
  for (let i = 0; i < 5; i++) {
    const digest = sha256(utf8(`pooled ${i}`));
    const path = i % 2 === 0 ? undefined : `m/0/${i}`;
    const r = await pooled.sign({ keyId: key.id, digest, signers, ...(path ? { path } : {}) });
    assert.ok(
      opensslVerifies('secp256k1', hexToBytes(r.publicKey), digest, r.der as Uint8Array),
      `OpenSSL verifies pooled signature ${i}`,
    );
    assert.ok(
      secp256k1.verify(r.signature, digest, hexToBytes(r.publicKey), { prehash: false }),
      `noble ${i}`,
    );
  }
  // The pool refills itself in the background; filling again waits for it.
  assert.deepEqual(await pooled.fillPresignatures({ keyId: key.id, signers }), { ready: 3 });
  assert.deepEqual(poolErrors, [], 'no pool errors');
});

test('presignatures named as the next ones are taken ahead, whole batch or none: each signs once, and a restart loses them for good', async () => {
  const key = await c.client.createKey({ type: 'ecdsa-secp256k1', threshold: 2 });
  const signers = ['node-1', 'node-2'];
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push((await c.client.presign({ keyId: key.id, signers })).presignatureId);
  const [p1, p2, p3, p4, p5] = ids as [string, string, string, string, string];
  const digest = (i: number) => sha256(utf8(`armed ${i}`));
  const check = (r: { signature: Uint8Array; publicKey: string }, i: number) =>
    assert.ok(
      secp256k1.verify(r.signature, digest(i), hexToBytes(r.publicKey), { prehash: false }),
      `signature ${i} verifies`,
    );
  const unavailableOn = (node: string) => (e: unknown) =>
    e instanceof TkmsError && e.code === 'sign.presignature_unavailable' && e.message.includes(node);
  const invalid = (e: unknown) => e instanceof TkmsError && e.code === 'request.invalid';
  // Sign with p1, naming p2 and p3: both signers take both now, in one statement.
  check(
    await c.client.sign({
      keyId: key.id,
      digest: digest(0),
      signers,
      presignatureId: p1,
      nextPresignatureIds: [p2, p3],
    }),
    0,
  );
  // An armed one signs (claimed from memory), once.
  check(await c.client.sign({ keyId: key.id, digest: digest(1), signers, presignatureId: p2 }), 1);
  await assert.rejects(
    c.client.sign({ keyId: key.id, digest: digest(1), signers, presignatureId: p2 }),
    unavailableOn('node-'),
  );
  // A batch with an id the nodes do not have takes none of it (p4 stays ready in the database).
  const unknown = 'ab'.repeat(32);
  await c.client.sign({ keyId: key.id, digest: digest(2), signers, nextPresignatureIds: [p4, unknown] });
  // p5 is armed; then node-1 restarts: p3 and p5 were used in its database and their secrets were
  // only in memory, so they never sign; p4, never taken, still does.
  await c.client.sign({ keyId: key.id, digest: digest(3), signers, nextPresignatureIds: [p5] });
  await new Promise((r) => setTimeout(r, 200)); // the arming commits alongside, after the answer at worst
  await c.kill9('node-1');
  await c.start('node-1');
  for (const gone of [p3, p5])
    await assert.rejects(
      c.client.sign({ keyId: key.id, digest: digest(4), signers, presignatureId: gone }),
      unavailableOn('node-1'),
    );
  check(await c.client.sign({ keyId: key.id, digest: digest(5), signers, presignatureId: p4 }), 5);
  // Bad batches are refused before anything is taken.
  const fresh = (await c.client.presign({ keyId: key.id, signers })).presignatureId;
  for (const nextPresignatureIds of [
    [fresh],
    [p1, p1],
    Array.from({ length: 17 }, (_, i) => `${i}`.padStart(64, '0')),
  ])
    await assert.rejects(
      c.client.sign({
        keyId: key.id,
        digest: digest(6),
        signers,
        presignatureId: fresh,
        nextPresignatureIds,
      }),
      invalid,
    );
  check(await c.client.sign({ keyId: key.id, digest: digest(6), signers, presignatureId: fresh }), 6);
});

test('a node keeps at most limits.maxPresignatures ready presignatures per key and signer set', async () => {
  const key = await c.client.createKey({ type: 'ecdsa-secp256k1', threshold: 2 });
  const path = c.configPath('node-2');
  const config = JSON.parse(readFileSync(path, 'utf8'));
  const saved = JSON.stringify(config, null, 2);
  config.limits = { ...config.limits, maxPresignatures: 2 };
  writeFileSync(path, JSON.stringify(config, null, 2));
  await c.stop('node-2');
  await c.start('node-2');
  try {
    const signers = ['node-1', 'node-2'];
    await c.client.presign({ keyId: key.id, signers });
    const { presignatureId } = await c.client.presign({ keyId: key.id, signers });
    await assert.rejects(
      c.client.presign({ keyId: key.id, signers }),
      (e: unknown) =>
        e instanceof TkmsError && e.code === 'sign.presignature_limit' && /node-2/.test(e.message),
    );
    // Another signer set has its own pool.
    await c.client.presign({ keyId: key.id, signers: ['node-2', 'node-3'] });
    // Using one makes room.
    await c.client.sign({ keyId: key.id, digest: sha256(utf8('room')), signers, presignatureId });
    await c.client.presign({ keyId: key.id, signers });
  } finally {
    writeFileSync(path, saved);
    await c.stop('node-2');
    await c.start('node-2');
  }
});

test('pair setup replaces two nodes’ 2P-MUL states; every pair signs afterwards; bad input gets codes', async () => {
  const key = await c.client.createKey({ type: 'ecdsa-secp256k1', threshold: 2 });
  const r = runCli(c.clientPath, [
    'key',
    'pair-setup',
    '--key',
    key.id,
    '--nodes',
    'node-3,node-1',
    '--json',
  ]);
  assert.equal(r.status, 0, `pair-setup exits 0: ${r.stderr}`);
  assert.deepEqual(r.json, {
    keyId: key.id,
    nodes: ['node-1', 'node-3'],
    replaced: { 'node-1': 2, 'node-3': 2 },
    ms: (r.json as { ms: number }).ms,
  });
  const digest = sha256(utf8('after pair setup'));
  for (const signers of [
    ['node-1', 'node-3'],
    ['node-1', 'node-2'],
    ['node-2', 'node-3'],
  ]) {
    const s = await c.client.sign({ keyId: key.id, digest, signers });
    assert.ok(
      secp256k1.verify(s.signature, digest, hexToBytes(key.publicKey), { prehash: false }),
      `${signers.join('+')} signs after the pair setup`,
    );
  }
  const one = runCli(c.clientPath, ['key', 'pair-setup', '--key', key.id, '--nodes', 'node-1', '--json']);
  assert.equal((one.json as { error: { code: string } }).error.code, 'request.invalid');
  await assert.rejects(
    c.client.setupPair({ keyId: key.id, nodes: ['node-1', 'node-1'] }),
    (e: unknown) => e instanceof TkmsError && e.code === 'request.invalid',
  );
  const ed = await c.client.createKey({ type: 'eddsa-ed25519', threshold: 2 });
  await assert.rejects(
    c.client.setupPair({ keyId: ed.id, nodes: ['node-1', 'node-2'] }),
    (e: unknown) => e instanceof TkmsError && e.code === 'key.wrong_purpose',
  );
});
