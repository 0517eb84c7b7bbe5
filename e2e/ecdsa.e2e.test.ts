/**
 * Threshold ECDSA (DKLs23) on a real 3-node cluster through the installed CLI and the SDK, every
 * result checked by independent verifiers: node:crypto and `openssl pkeyutl` (OpenSSL), noble's
 * public-key recovery, viem's Ethereum address recovery and @scure/bip32's child derivation.
 */
import assert from 'node:assert/strict';
import { verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { HDKey } from '@scure/bip32';
import { bytesToHex, hexToBytes, TkmsError, utf8 } from '@tkms/core';
import { keccak256, recoverAddress, serializeSignature } from 'viem';
import { publicKeyToAddress } from 'viem/utils';
import { runCli } from './cli.ts';
import { keyObject, opensslVerifies } from './ecdsa-verify.ts';
import { type Cluster, startCluster } from './harness.ts';

let c: Cluster;

function cli(args: string[]) {
  const r = runCli(c.clientPath, args);
  return { ...r, json: r.json as Record<string, unknown> };
}

before(async () => {
  c = await startCluster();
});
after(async () => c?.close());

test('ecdsa-secp256k1 through the CLI: OpenSSL verifies, the recovery id recovers the key, Ethereum address via viem', () => {
  const created = cli(['key', 'create', '--type', 'ecdsa-secp256k1', '--threshold', '2', '--json']);
  assert.equal(created.status, 0, created.stderr);
  const id = created.json.id as string;
  const publicKey = hexToBytes(created.json.publicKey as string);
  assert.equal(publicKey.length, 33);
  const shown = cli(['key', 'show', id, '--json']);
  assert.match(shown.json.chainCode as string, /^[0-9a-f]{64}$/);

  // SHA-256 of the message is signed.
  const message = utf8('pay 1 BTC to Ada');
  const s = cli(['sign', '--key', id, '--message-hex', bytesToHex(message), '--json']);
  assert.equal(s.status, 0, s.stderr);
  const sig = hexToBytes(s.json.signature as string);
  const der = hexToBytes(s.json.der as string);
  assert.equal(sig.length, 64);
  assert.ok(verify('sha256', message, { key: keyObject('secp256k1', publicKey), dsaEncoding: 'der' }, der));
  assert.ok(opensslVerifies('secp256k1', publicKey, sha256(message), der));
  const parsed = secp256k1.Signature.fromBytes(sig, 'compact');
  assert.equal(parsed.hasHighS(), false, 'low-S');
  const recovered = parsed.addRecoveryBit(s.json.recoveryId as number).recoverPublicKey(sha256(message));
  assert.equal(bytesToHex(recovered.toBytes(true)), bytesToHex(publicKey));

  // A keccak256 digest recovers the right Ethereum address with viem.
  const digest = keccak256(utf8('ethereum transaction'));
  const e = cli(['sign', '--key', id, '--digest-hex', digest.slice(2), '--json']);
  assert.equal(e.status, 0, e.stderr);
  const es = secp256k1.Signature.fromBytes(hexToBytes(e.json.signature as string), 'compact');
  const address = publicKeyToAddress(`0x${secp256k1.Point.fromBytes(publicKey).toHex(false)}`);
  return recoverAddress({
    hash: digest,
    signature: serializeSignature({
      r: `0x${es.r.toString(16).padStart(64, '0')}`,
      s: `0x${es.s.toString(16).padStart(64, '0')}`,
      yParity: e.json.recoveryId as number,
    }),
  }).then((got) => assert.equal(got.toLowerCase(), address.toLowerCase()));
});

test('every 2-of-3 signer set signs; a child key m/44/60/0/0/7 matches @scure/bip32 and signs under it', async () => {
  const key = await c.client.createKey({ type: 'ecdsa-secp256k1', threshold: 2 });
  const digest = sha256(utf8('signer sets'));
  for (const signers of [
    ['node-1', 'node-2'],
    ['node-1', 'node-3'],
    ['node-2', 'node-3'],
  ]) {
    const r = await c.client.sign({ keyId: key.id, digest, signers });
    assert.ok(secp256k1.verify(r.signature, digest, hexToBytes(key.publicKey), { prehash: false }));
  }
  const hd = new HDKey({
    publicKey: hexToBytes(key.publicKey),
    chainCode: hexToBytes(key.chainCode as string),
  });
  const child = hd.derive('m/44/60/0/0/7');
  const derived = cli(['key', 'derive', '--key', key.id, '--path', 'm/44/60/0/0/7', '--json']);
  assert.equal(derived.json.publicKey, bytesToHex(child.publicKey as Uint8Array));
  const r = await c.client.sign({
    keyId: key.id,
    digest,
    path: 'm/44/60/0/0/7',
    signers: ['node-1', 'node-3'],
  });
  assert.equal(r.publicKey, bytesToHex(child.publicKey as Uint8Array));
  assert.ok(secp256k1.verify(r.signature, digest, child.publicKey as Uint8Array, { prehash: false }));
  assert.ok(!secp256k1.verify(r.signature, digest, hexToBytes(key.publicKey), { prehash: false }));
  // Hardened steps cannot be derived without the parent private key: a clear error.
  const hardened = cli(['key', 'derive', '--key', key.id, '--path', "m/44'/60'", '--json']);
  assert.equal((hardened.json.error as { code: string }).code, 'request.invalid');
});

test('ecdsa-p256: OpenSSL verifies; bad input gets codes', async () => {
  const key = await c.client.createKey({ type: 'ecdsa-p256', threshold: 2 });
  const message = utf8('fabric proposal');
  const r = await c.client.sign({ keyId: key.id, message });
  assert.ok(
    verify(
      'sha256',
      message,
      { key: keyObject('p256', hexToBytes(key.publicKey)), dsaEncoding: 'der' },
      r.der as Uint8Array,
    ),
  );
  assert.ok(opensslVerifies('p256', hexToBytes(key.publicKey), sha256(message), r.der as Uint8Array));
  await assert.rejects(
    c.client.sign({ keyId: key.id, digest: new Uint8Array(31) }),
    (e: unknown) => e instanceof TkmsError && e.code === 'request.invalid',
  );
  const both = cli([
    'sign',
    '--key',
    key.id,
    '--message-hex',
    '00',
    '--digest-hex',
    '00'.repeat(32),
    '--json',
  ]);
  assert.equal((both.json.error as { code: string }).code, 'request.invalid');
  const ed = await c.client.createKey({ type: 'eddsa-ed25519', threshold: 2 });
  await assert.rejects(
    c.client.sign({ keyId: ed.id, message, path: 'm/1' }),
    (e: unknown) => e instanceof TkmsError && e.code === 'request.invalid',
  );
});

test('presignatures: one-round signing; each signs once; a node killed after taking one never uses it again', async () => {
  const key = await c.client.createKey({ type: 'ecdsa-secp256k1', threshold: 2 });
  const signers = ['node-1', 'node-2'];
  const digest = sha256(utf8('with a presignature'));
  const { presignatureId } = await c.client.presign({ keyId: key.id, signers });
  const r = await c.client.sign({ keyId: key.id, digest, signers, presignatureId });
  assert.ok(secp256k1.verify(r.signature, digest, hexToBytes(key.publicKey), { prehash: false }));
  // Used once: a second use is refused by every signer, before anything is computed.
  await assert.rejects(
    c.client.sign({ keyId: key.id, digest, signers, presignatureId }),
    (e: unknown) => e instanceof TkmsError && e.code === 'sign.presignature_unavailable',
  );
  // With a child key chosen after presigning.
  const p2 = await c.client.presign({ keyId: key.id, signers });
  const child = await c.client.sign({
    keyId: key.id,
    digest,
    signers,
    presignatureId: p2.presignatureId,
    path: 'm/1/2',
  });
  assert.ok(secp256k1.verify(child.signature, digest, hexToBytes(child.publicKey), { prehash: false }));

  // node-1 alone is asked to sign: it takes the presignature (marked used, secret erased) and
  // waits for node-2's online message, which never comes. Killed there, restarted, it refuses it.
  const p3 = await c.client.presign({ keyId: key.id, signers });
  const cfg = JSON.parse(readFileSync(c.clientPath, 'utf8')) as {
    nodes: { id: string; url: string; apiKey: string }[];
  };
  const n1 = cfg.nodes.find((n) => n.id === 'node-1') as { url: string; apiKey: string };
  const pending = fetch(new URL(`/v1/keys/${key.id}/sign`, n1.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${n1.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      digest: bytesToHex(digest),
      signers,
      sessionNonce: bytesToHex(crypto.getRandomValues(new Uint8Array(32))),
      presignatureId: p3.presignatureId,
    }),
  }).catch(() => undefined);
  await new Promise((res) => setTimeout(res, 500));
  await c.kill9('node-1');
  await pending;
  await c.start('node-1');
  await assert.rejects(
    c.client.sign({ keyId: key.id, digest, signers, presignatureId: p3.presignatureId }),
    (e: unknown) =>
      e instanceof TkmsError && e.code === 'sign.presignature_unavailable' && /node-1/.test(e.message),
  );
  // The key still signs (a fresh presignature, and the three-round path).
  const p4 = await c.client.presign({ keyId: key.id, signers });
  const again = await c.client.sign({ keyId: key.id, digest, signers, presignatureId: p4.presignatureId });
  assert.ok(secp256k1.verify(again.signature, digest, hexToBytes(key.publicKey), { prehash: false }));
});
