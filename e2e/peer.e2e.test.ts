/**
 * The peer endpoint of a real node refuses forged and replayed envelopes with stable codes.
 * The test plays node-1 (it reads node-1's identity file from the cluster directory).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { bytesToHex } from '@tkms/core';
import { generateIdentity, identityFromJson, type NodeIdentity } from '@tkms/node/identity/index';
import { sealEnvelope } from '@tkms/node/transport/index';
import { type Cluster, startCluster } from './harness.ts';

let c: Cluster;
before(async () => {
  c = await startCluster();
});
after(async () => {
  await c?.close();
});

function node2Identity() {
  const pub = JSON.parse(readFileSync(c.clientPath, 'utf8')) as {
    nodes: Array<{ id: string; signPublicKey: string; encPublicKey: string }>;
  };
  const n2 = pub.nodes.find((n) => n.id === 'node-2') as { signPublicKey: string; encPublicKey: string };
  return { signPublicKey: n2.signPublicKey, encPublicKey: n2.encPublicKey };
}

async function post(body: unknown) {
  const r = await fetch(`${c.urls['node-2']}/v1/peer/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, code: text ? (JSON.parse(text) as { code?: string }).code : undefined };
}

/** A wire envelope to node-2 claiming to come from `from`, signed with `identity`. */
function envelopeToNode2(from: string, identity: NodeIdentity, payload: Uint8Array) {
  const env = {
    protocol: 'tkms/frost-sign/v1',
    ssid: bytesToHex(randomBytes(32)),
    from,
    to: 'node-2',
    round: 1,
    kind: 'msg' as const,
    payload,
  };
  return sealEnvelope(env, { self: { id: from, identity }, recipient: node2Identity(), now: Date.now() });
}

test('a genuine envelope is accepted once; the same bytes again are a replay', async () => {
  const node1 = identityFromJson(JSON.parse(readFileSync(join(c.dir, 'node-1', 'identity.json'), 'utf8')));
  const wire = envelopeToNode2('node-1', node1, new Uint8Array([1, 2, 3]));
  assert.equal((await post(wire)).status, 202);
  assert.deepEqual(await post(wire), { status: 409, code: 'peer.replay' });
});

test('an envelope signed by a key that is not the pinned one is refused', async () => {
  const wire = envelopeToNode2('node-1', generateIdentity(), new Uint8Array([9]));
  assert.deepEqual(await post(wire), { status: 401, code: 'peer.bad_signature' });
});

test('garbage and unknown senders get peer.* codes, not crashes', async () => {
  assert.equal((await post({ hello: 'world' })).code, 'peer.malformed');
  const wire = envelopeToNode2('node-9', generateIdentity(), new Uint8Array([9]));
  assert.equal((await post(wire)).code, 'peer.unknown');
  const health = await fetch(`${c.urls['node-2']}/v1/health`);
  assert.equal(health.status, 200);
});
