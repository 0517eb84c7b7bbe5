/**
 * Acceptance: the DKG never puts a whole key anywhere. After real nodes generate keys, each node's
 * database holds only its own share, sealed; the plaintext share appears in none of the node's
 * files; each share matches its public verifying share; and (here, in the test only) two shares
 * reconstruct the secret of the group key.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { bytesToHex, getSuite, hexToBytes, type KeyInfo } from '@tkms/core';
import { lagrangeAtZero } from '@tkms/core/crypto/suites/poly';
import { createSealer, loadMasterKey, shareAad } from '@tkms/node/seal/index';
import { migrate, openDb, Store } from '@tkms/node/storage/index';
import { type Cluster, startCluster } from './harness.ts';

let c: Cluster;
const keys: KeyInfo[] = [];
before(async () => {
  c = await startCluster();
  keys.push(await c.client.createKey({ type: 'eddsa-ed25519', threshold: 2 }));
  keys.push(await c.client.createKey({ type: 'schnorr-secp256k1', threshold: 2 }));
  for (const id of c.ids) await c.stop(id);
});
after(async () => {
  await c?.close();
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

function contains(hay: Buffer, needle: Uint8Array): boolean {
  return hay.indexOf(Buffer.from(needle)) >= 0;
}

test('each node stores only its sealed share; shares match verifying shares and reconstruct the key', async () => {
  for (const key of keys) {
    const suite = getSuite(key.type === 'eddsa-ed25519' ? 'ed25519' : 'secp256k1');
    const shares = new Map<string, bigint>();
    for (const node of c.ids) {
      const dir = join(c.dir, node);
      const db = await openDb(`pglite:${join(dir, 'data')}`);
      let sealed: Uint8Array;
      try {
        await migrate(db);
        const rec = await new Store(db).getKey(key.id);
        assert.ok(rec?.sealedShare, `${node} holds ${key.id}`);
        sealed = rec.sealedShare;
        await db.exec('CHECKPOINT');
      } finally {
        await db.close();
      }
      assert.equal(Buffer.from(sealed.subarray(0, 4)).toString('latin1'), 'TKS1', 'stored as a sealed blob');
      // TEST ONLY: open the blob with the node's own master key.
      const sealer = createSealer(loadMasterKey({ file: join(dir, 'master.key') }));
      const share = sealer.open(sealed, shareAad({ nodeId: node, keyId: key.id, version: 1 }));
      const plain = Uint8Array.from(share.expose());
      const s = suite.decodeScalar(plain);
      assert.equal(
        bytesToHex(suite.encodePoint(suite.mulBase(s))),
        key.verifyingShares[node],
        `${node}'s share matches its verifying share`,
      );
      shares.set(node, s);
      // No file of the node — database pages, WAL, config, identity, logs — holds the plaintext share.
      let sawSealed = false;
      for (const f of filesUnder(dir)) {
        const bytes = readFileSync(f);
        assert.ok(!contains(bytes, plain), `plaintext share of ${key.id} found in ${f}`);
        sawSealed ||= contains(bytes, sealed);
      }
      assert.ok(sawSealed, 'the scan reads the files the sealed share is in');
    }
    // TEST ONLY: any two shares interpolate to the secret of the group key.
    const { Fn } = suite;
    for (const pair of [
      ['node-1', 'node-2'],
      ['node-2', 'node-3'],
    ]) {
      const xs = pair.map((p) => suite.decodeScalar(hexToBytes(key.identifiers[p] as string)));
      let secret = 0n;
      for (const [i, p] of pair.entries())
        secret = Fn.add(secret, Fn.mul(lagrangeAtZero(suite, xs, xs[i] as bigint), shares.get(p) as bigint));
      assert.equal(bytesToHex(suite.encodePoint(suite.mulBase(secret))), key.groupKey);
    }
  }
});
