/**
 * Acceptance checks of the foundation, through real node processes on loopback:
 * the exact CLI interface, independent verification of both key types, restarts keeping keys,
 * a stopped node, a DKG that cannot reach a node, and bad input with stable codes.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { schnorr } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, hexToBytes, TkmsError, utf8 } from '@tkms/core';
import { runCli } from './cli.ts';
import { type Cluster, startCluster } from './harness.ts';

let c: Cluster;

const cli = (args: string[]) => runCli(c.clientPath, args);

function ed25519Verify(publicKeyHex: string, message: Uint8Array, sigHex: string): boolean {
  const spki = concatBytes(hexToBytes('302a300506032b6570032100'), hexToBytes(publicKeyHex));
  const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  return verify(null, message, key, hexToBytes(sigHex));
}

function opensslVerify(publicKeyHex: string, message: Uint8Array, sigHex: string): boolean {
  const d = mkdtempSync(join(tmpdir(), 'tkms-openssl-'));
  const spki = concatBytes(hexToBytes('302a300506032b6570032100'), hexToBytes(publicKeyHex));
  writeFileSync(join(d, 'pub.der'), spki);
  writeFileSync(join(d, 'msg'), message);
  writeFileSync(join(d, 'sig'), hexToBytes(sigHex));
  const r = spawnSync(
    'openssl',
    [
      'pkeyutl',
      '-verify',
      '-pubin',
      '-inkey',
      join(d, 'pub.der'),
      '-keyform',
      'DER',
      '-rawin',
      '-in',
      join(d, 'msg'),
      '-sigfile',
      join(d, 'sig'),
    ],
    { encoding: 'utf8' },
  );
  return r.status === 0 && /Signature Verified Successfully/.test(r.stdout);
}

/** BIP341 output key computed independently of tkms: Q = P + int(hash_TapTweak(x(P) || root))·G. */
function taprootOutputKey(xonlyHex: string, merkleRoot: Uint8Array): string {
  const tag = sha256(utf8('TapTweak'));
  const t = sha256(concatBytes(tag, tag, hexToBytes(xonlyHex), merkleRoot));
  const P = schnorr.Point.fromHex(`02${xonlyHex}`);
  const Q = P.add(schnorr.Point.BASE.multiply(BigInt(`0x${bytesToHex(t)}`)));
  return bytesToHex(Q.toBytes(true).slice(1));
}

before(async () => {
  c = await startCluster();
});
after(async () => {
  await c?.close();
});

test('CLI: Ed25519 key by DKG; signature verifies with node:crypto and openssl', () => {
  const k = cli(['key', 'create', '--type', 'eddsa-ed25519', '--threshold', '2', '--json']);
  assert.equal(k.status, 0, k.stderr);
  const key = k.json as { id: string; type: string; threshold: number; nodes: string[]; publicKey: string };
  assert.equal(key.type, 'eddsa-ed25519');
  assert.equal(key.threshold, 2);
  assert.deepEqual(key.nodes, ['node-1', 'node-2', 'node-3']);
  assert.match(key.publicKey, /^[0-9a-f]{64}$/);
  const msg = utf8('hello threshold world');
  const s = cli(['sign', '--key', key.id, '--message-hex', bytesToHex(msg), '--json']);
  assert.equal(s.status, 0, s.stderr);
  const sig = s.json as { keyId: string; signature: string; signers: string[] };
  assert.equal(sig.keyId, key.id);
  assert.match(sig.signature, /^[0-9a-f]{128}$/);
  assert.equal(sig.signers.length, 2);
  assert.ok(ed25519Verify(key.publicKey, msg, sig.signature), 'node:crypto verifies');
  assert.ok(opensslVerify(key.publicKey, msg, sig.signature), 'openssl pkeyutl verifies');
  assert.ok(!ed25519Verify(key.publicKey, utf8('another message'), sig.signature));

  const list = cli(['key', 'list', '--json']);
  assert.ok((list.json as Array<{ id: string }>).some((x) => x.id === key.id));
  const show = cli(['key', 'show', key.id, '--json']);
  assert.equal((show.json as { publicKey: string }).publicKey, key.publicKey);
});

test('CLI: BIP340 key signs under its x-only key, and under the Taproot output key with --taproot', () => {
  const k = cli(['key', 'create', '--type', 'schnorr-secp256k1', '--threshold', '2', '--json']);
  assert.equal(k.status, 0, k.stderr);
  const key = k.json as { id: string; publicKey: string };
  assert.match(key.publicKey, /^[0-9a-f]{64}$/);
  for (let i = 0; i < 3; i++) {
    const msg = sha256(utf8(`tx ${i}`));
    const s = cli(['sign', '--key', key.id, '--message-hex', bytesToHex(msg), '--json']);
    assert.equal(s.status, 0, s.stderr);
    const sig = (s.json as { signature: string }).signature;
    assert.ok(
      schnorr.verify(hexToBytes(sig), msg, hexToBytes(key.publicKey)),
      'noble schnorr (BIP340) verifies',
    );
  }
  const msg = sha256(utf8('taproot spend'));
  const root = sha256(utf8('some script tree'));
  for (const merkle of [new Uint8Array(), root]) {
    const args = ['sign', '--key', key.id, '--message-hex', bytesToHex(msg), '--json', '--taproot'];
    if (merkle.length) args.push(bytesToHex(merkle));
    const s = cli(args);
    assert.equal(s.status, 0, s.stderr);
    const sig = (s.json as { signature: string }).signature;
    const Q = taprootOutputKey(key.publicKey, merkle);
    assert.ok(schnorr.verify(hexToBytes(sig), msg, hexToBytes(Q)), 'verifies under the BIP341 output key');
    assert.ok(!schnorr.verify(hexToBytes(sig), msg, hexToBytes(key.publicKey)));
  }
});

test('every 2-of-3 signer set signs; --nodes picks the set', async () => {
  const key = await c.client.createKey({ type: 'eddsa-ed25519', threshold: 2 });
  for (const set of [
    ['node-1', 'node-2'],
    ['node-1', 'node-3'],
    ['node-2', 'node-3'],
  ]) {
    const msg = utf8(`set ${set.join('+')}`);
    const s = cli([
      'sign',
      '--key',
      key.id,
      '--message-hex',
      bytesToHex(msg),
      '--nodes',
      set.join(','),
      '--json',
    ]);
    assert.equal(s.status, 0, s.stderr);
    assert.deepEqual((s.json as { signers: string[] }).signers, set);
    assert.ok(ed25519Verify(key.publicKey, msg, (s.json as { signature: string }).signature));
  }
});

test('bad input gets a clear error with a stable code', async () => {
  const key = await c.client.createKey({ type: 'eddsa-ed25519', threshold: 2 });
  const code = (args: string[]) => {
    const r = cli([...args, '--json']);
    assert.notEqual(r.status, 0);
    return (r.json as { error: { code: string } }).error.code;
  };
  assert.equal(code(['sign', '--key', 'no-such-key', '--message-hex', '00']), 'key.not_found');
  assert.equal(code(['sign', '--key', key.id, '--message-hex', 'xyz']), 'request.bad_hex');
  assert.equal(
    code(['key', 'create', '--type', 'eddsa-ed25519', '--threshold', '4']),
    'key.threshold_invalid',
  );
  assert.equal(
    code(['key', 'create', '--type', 'eddsa-ed25519', '--threshold', '1']),
    'key.threshold_invalid',
  );
  assert.equal(code(['key', 'create', '--type', 'rsa-2048', '--threshold', '2']), 'key.type_unknown');
  await assert.rejects(
    c.client.sign({ keyId: key.id, message: new Uint8Array(70_000) }),
    (e: unknown) => e instanceof TkmsError && e.code === 'request.too_large',
  );

  // The API itself, without the CLI's own checks:
  const cfg = JSON.parse(execFileSync('cat', [c.clientPath], { encoding: 'utf8' })) as {
    nodes: Array<{ url: string; apiKey: string }>;
  };
  const n1 = cfg.nodes[0] as { url: string; apiKey: string };
  const post = async (path: string, body: unknown, auth = true) => {
    const r = await fetch(`${n1.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(auth ? { authorization: `Bearer ${n1.apiKey}` } : {}),
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    assert.equal(r.headers.get('content-type'), 'application/problem+json');
    return { status: r.status, body: (await r.json()) as { code: string; detail?: string } };
  };
  const nonce = 'ab'.repeat(32);
  const base = {
    id: 'k-bad',
    type: 'eddsa-ed25519',
    threshold: 2,
    nodes: ['node-1', 'node-2', 'node-3'],
    sessionNonce: nonce,
  };
  assert.equal((await post('/v1/keys', base, false)).body.code, 'auth.missing');
  assert.equal((await post('/v1/keys', { ...base, threshold: 5 })).body.code, 'key.threshold_invalid');
  assert.equal((await post('/v1/keys', { ...base, type: 'dsa' })).body.code, 'key.type_unknown');
  assert.equal((await post('/v1/keys', '{not json')).body.code, 'request.invalid');
  assert.equal((await post('/v1/keys', { ...base, extra: 1 })).body.code, 'request.invalid');
  const badHex = await post(`/v1/keys/${key.id}/sign`, {
    message: 'ABC',
    signers: ['node-1', 'node-2'],
    sessionNonce: nonce,
  });
  assert.equal(badHex.status, 400);
  assert.equal(badHex.body.code, 'request.bad_hex');
  const big = await post(`/v1/keys/${key.id}/sign`, {
    message: '00'.repeat(70_000),
    signers: ['node-1', 'node-2'],
    sessionNonce: nonce,
  });
  assert.equal(big.status, 413);
  assert.equal(big.body.code, 'request.too_large');
  const unknown = await post('/v1/keys/nope/sign', {
    message: '00',
    signers: ['node-1', 'node-2'],
    sessionNonce: nonce,
  });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.code, 'key.not_found');
  const outsider = await post(`/v1/keys/${key.id}/sign`, {
    message: '00',
    signers: ['node-1', 'node-9'],
    sessionNonce: nonce,
  });
  assert.equal(outsider.body.code, 'sign.signers_invalid');
});

test('with one node stopped: the other two sign; naming the stopped node fails fast and names it; DKG fails cleanly', async () => {
  const key = await c.client.createKey({ type: 'eddsa-ed25519', threshold: 2 });
  const before = (await c.client.listKeys()).length;
  await c.stop('node-3');
  try {
    const msg = utf8('one node down');
    const r = cli(['sign', '--key', key.id, '--message-hex', bytesToHex(msg), '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual((r.json as { signers: string[] }).signers, ['node-1', 'node-2']);

    const t0 = performance.now();
    const named = cli(['sign', '--key', key.id, '--message-hex', '00', '--nodes', 'node-1,node-3', '--json']);
    const ms = performance.now() - t0;
    assert.notEqual(named.status, 0);
    const err = (named.json as { error: { code: string; message: string; culprits: string[] } }).error;
    assert.ok(err.culprits.includes('node-3') || /node-3/.test(err.message), JSON.stringify(err));
    assert.ok(ms < 5_000, `failed after ${ms.toFixed(0)} ms`);

    // A DKG that cannot reach node-3 aborts; node-1 and node-2 keep no half-key.
    const dkg = cli([
      'key',
      'create',
      '--type',
      'eddsa-ed25519',
      '--threshold',
      '2',
      '--id',
      'k-half',
      '--json',
    ]);
    assert.notEqual(dkg.status, 0);
    assert.match(JSON.stringify(dkg.json), /node-3/);
    for (const id of ['node-1', 'node-2']) {
      const cfg = JSON.parse(execFileSync('cat', [c.clientPath], { encoding: 'utf8' })) as {
        nodes: Array<{ id: string; url: string; apiKey: string }>;
      };
      const n = cfg.nodes.find((x) => x.id === id) as { url: string; apiKey: string };
      const r2 = await fetch(`${n.url}/v1/keys/k-half`, { headers: { authorization: `Bearer ${n.apiKey}` } });
      assert.equal(r2.status, 404, `${id} must not hold k-half`);
    }
  } finally {
    await c.start('node-3');
  }
  assert.equal((await c.client.listKeys()).length, before);
});

test('restarting the cluster keeps every key, and they still sign', async () => {
  const key = await c.client.createKey({ type: 'schnorr-secp256k1', threshold: 2 });
  for (const id of c.ids) await c.stop(id);
  for (const id of c.ids) await c.start(id);
  const again = await c.client.getKey(key.id);
  assert.equal(again.publicKey, key.publicKey);
  const msg = sha256(utf8('after restart'));
  const r = await c.client.sign({ keyId: key.id, message: msg });
  assert.ok(schnorr.verify(r.signature, msg, hexToBytes(key.publicKey)));
});

test('kill -9 in the middle of sessions: store intact, no nonce reuse, signs after restart', async () => {
  const key = await c.client.createKey({ type: 'eddsa-ed25519', threshold: 2 });
  const inflight = Array.from({ length: 6 }, (_, i) =>
    c.client.sign({ keyId: key.id, message: utf8(`inflight ${i}`), signers: ['node-1', 'node-2'] }).then(
      () => 'ok',
      (e: unknown) => (e instanceof TkmsError ? e.code : 'error'),
    ),
  );
  await new Promise((r) => setTimeout(r, 15));
  await c.kill9('node-2');
  const results = await Promise.all(inflight);
  assert.ok(results.every((x) => typeof x === 'string'));
  await c.start('node-2');
  const msg = utf8('after kill -9');
  const r = await c.client.sign({ keyId: key.id, message: msg, signers: ['node-1', 'node-2'] });
  assert.ok(ed25519Verify(key.publicKey, msg, bytesToHex(r.signature)));
  // Every signature the cluster produces carries a fresh nonce commitment R (first 32 bytes).
  const rs = new Set<string>();
  for (let i = 0; i < 5; i++) {
    const s = await c.client.sign({
      keyId: key.id,
      message: utf8('same message'),
      signers: ['node-1', 'node-2'],
    });
    rs.add(bytesToHex(s.signature.slice(0, 32)));
  }
  assert.equal(rs.size, 5, 'no two signatures share R');
});
