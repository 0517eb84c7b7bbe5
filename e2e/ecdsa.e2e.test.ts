/**
 * Threshold ECDSA (DKLs23) on a real 3-node cluster through the installed CLI and the SDK, every
 * result checked by independent verifiers: node:crypto and `openssl pkeyutl` (OpenSSL), noble's
 * public-key recovery, viem's Ethereum address recovery and @scure/bip32's child derivation.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { HDKey } from '@scure/bip32';
import { bytesToHex, hexToBytes, TkmsError, utf8 } from '@tkms/core';
import { keccak256, recoverAddress, serializeSignature } from 'viem';
import { publicKeyToAddress } from 'viem/utils';
import { runCli } from './cli.ts';
import { type Cluster, startCluster } from './harness.ts';

let c: Cluster;

function cli(args: string[]) {
  const r = runCli(c.clientPath, args);
  return { ...r, json: r.json as Record<string, unknown> };
}

/** A compressed SEC1 key as a node:crypto KeyObject (OpenSSL). */
function keyObject(curve: 'secp256k1' | 'p256', compressed: Uint8Array) {
  const P = (curve === 'p256' ? p256 : secp256k1).Point.fromBytes(compressed);
  const { x, y } = P.toAffine();
  const b64 = (n: bigint) => Buffer.from(n.toString(16).padStart(64, '0'), 'hex').toString('base64url');
  return createPublicKey({
    key: { kty: 'EC', crv: curve === 'p256' ? 'P-256' : 'secp256k1', x: b64(x), y: b64(y) },
    format: 'jwk',
  });
}

function opensslVerifies(
  curve: 'secp256k1' | 'p256',
  compressed: Uint8Array,
  digest: Uint8Array,
  der: Uint8Array,
) {
  const d = mkdtempSync(join(tmpdir(), 'tkms-ecdsa-'));
  writeFileSync(join(d, 'pub.pem'), keyObject(curve, compressed).export({ type: 'spki', format: 'pem' }));
  writeFileSync(join(d, 'digest.bin'), digest);
  writeFileSync(join(d, 'sig.der'), der);
  const r = spawnSync(
    'openssl',
    [
      'pkeyutl',
      '-verify',
      '-pubin',
      '-inkey',
      join(d, 'pub.pem'),
      '-in',
      join(d, 'digest.bin'),
      '-sigfile',
      join(d, 'sig.der'),
    ],
    { encoding: 'utf8' },
  );
  return r.status === 0 && /Signature Verified Successfully/.test(r.stdout);
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
