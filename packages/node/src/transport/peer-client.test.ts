import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type Envelope, TkmsError } from '@tkms/core';
import { generateIdentity, publicIdentity } from '../identity/node-identity.ts';
import { createPeerClient, type PeerClient } from './peer-client.ts';
import { createPeerReceiver } from './peer-receiver.ts';
import { closedPort, makePeers, startPeerServer, type TestServer } from './test-peers.ts';

const peers = makePeers(['node-1', 'node-2', 'node-3']);
const alice = peers.local['node-1']!;
const bob = peers.local['node-2']!;
const pin = (id: string) => peers.pins.get(id)!;

const ENV: Envelope = {
  protocol: 'frost/sign',
  ssid: 'cd'.repeat(32),
  from: 'node-1',
  to: 'node-2',
  round: 1,
  kind: 'msg',
  payload: new Uint8Array([1, 2, 3, 4]),
};

function isPeerError(code: string, node: string, detail?: RegExp) {
  return (e: unknown): boolean =>
    e instanceof TkmsError &&
    e.code === code &&
    e.meta.node === node &&
    e.message.includes(node) &&
    (detail === undefined || detail.test(e.message));
}

describe('peer client over node:http on loopback', () => {
  let bobServer: TestServer;
  let client: PeerClient;

  before(async () => {
    bobServer = await startPeerServer(createPeerReceiver({ self: bob, peers: peers.list }));
    client = createPeerClient({
      self: alice,
      peers: [{ id: 'node-2', url: bobServer.url, publicIdentity: pin('node-2') }],
      timeoutMs: 1_000,
    });
  });
  after(async () => {
    client.close();
    await bobServer.close();
  });

  it('delivers a sealed envelope that the receiver opens to the original', async () => {
    const payload = randomBytes(2_000);
    await client.send({ ...ENV, payload });
    const got = bobServer.received.at(-1);
    assert.deepEqual(got, { ...ENV, payload: Uint8Array.from(payload) });
  });

  it('reuses one connection across sends (keep-alive)', async () => {
    const sockets = new Set<unknown>();
    const onConnection = (s: unknown) => sockets.add(s);
    bobServer.server.on('connection', onConnection);
    try {
      await client.send(ENV);
      for (let i = 0; i < 20; i++) await client.send(ENV);
    } finally {
      bobServer.server.off('connection', onConnection);
    }
    assert.ok(sockets.size <= 1, `${sockets.size} new connections for 21 sequential sends`);
  });

  it("surfaces the peer's problem code when it refuses the envelope", async () => {
    // A client holding a different key for node-1 than bob has pinned: bob says bad signature.
    const impostor = createPeerClient({
      self: { id: 'node-1', identity: generateIdentity() },
      peers: [{ id: 'node-2', url: bobServer.url, publicIdentity: pin('node-2') }],
    });
    try {
      await assert.rejects(impostor.send(ENV), isPeerError('peer.bad_signature', 'node-2', /HTTP 401/));
    } finally {
      impostor.close();
    }
    const skewed = createPeerClient({
      self: alice,
      peers: [{ id: 'node-2', url: bobServer.url, publicIdentity: pin('node-2') }],
      now: () => Date.now() - 120_000,
    });
    try {
      await assert.rejects(skewed.send(ENV), isPeerError('peer.stale', 'node-2', /HTTP 400/));
    } finally {
      skewed.close();
    }
  });

  it('refuses a recipient it has no endpoint for, and itself', async () => {
    await assert.rejects(client.send({ ...ENV, to: 'node-3' }), isPeerError('peer.unknown', 'node-3'));
    await assert.rejects(client.ping('node-1'), isPeerError('peer.unknown', 'node-1'));
  });

  it('pings a peer', async () => {
    const r = await client.ping('node-2');
    assert.equal(r.node, 'node-2');
    assert.equal(r.status, 200);
    assert.ok(r.ms >= 0);
  });

  it('measures a loopback POST round trip (seal, POST, open, 202)', async (t) => {
    const n = 300;
    for (let i = 0; i < 50; i++) await client.send(ENV);
    const start = performance.now();
    for (let i = 0; i < n; i++) await client.send(ENV);
    const us = ((performance.now() - start) / n) * 1000;
    t.diagnostic(`loopback send round trip: ${us.toFixed(0)} µs per message (sequential, keep-alive)`);
    assert.ok(us < 20_000, 'a loopback send should take well under 20 ms');
  });
});

describe('peer client failures', () => {
  it('reports a closed port as peer.unreachable naming the node, well within the timeout', async () => {
    const port = await closedPort();
    const client = createPeerClient({
      self: alice,
      peers: [{ id: 'node-3', url: `http://127.0.0.1:${port}`, publicIdentity: pin('node-3') }],
      timeoutMs: 2_000,
    });
    try {
      const start = performance.now();
      await assert.rejects(
        client.send({ ...ENV, to: 'node-3' }),
        isPeerError('peer.unreachable', 'node-3', /ECONNREFUSED/),
      );
      await assert.rejects(client.ping('node-3'), isPeerError('peer.unreachable', 'node-3'));
      assert.ok(performance.now() - start < 2_000);
    } finally {
      client.close();
    }
  });

  it('gives up on a peer that accepts but never answers after timeoutMs', async () => {
    const silent = http.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const client = createPeerClient({
      self: alice,
      peers: [{ id: 'node-2', url: `http://127.0.0.1:${port}`, publicIdentity: pin('node-2') }],
      timeoutMs: 150,
    });
    try {
      const start = performance.now();
      await assert.rejects(client.send(ENV), isPeerError('peer.unreachable', 'node-2', /within 150 ms/));
      const took = performance.now() - start;
      assert.ok(took >= 140 && took < 1_000, `took ${took} ms`);
    } finally {
      client.close();
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('treats a non-2xx answer without a tkms problem code as peer.unreachable', async () => {
    const proxy = http.createServer((_req, res) => res.writeHead(502).end('bad gateway'));
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const { port } = proxy.address() as AddressInfo;
    const client = createPeerClient({
      self: alice,
      peers: [{ id: 'node-2', url: `http://127.0.0.1:${port}/`, publicIdentity: pin('node-2') }],
    });
    try {
      await assert.rejects(client.send(ENV), isPeerError('peer.unreachable', 'node-2', /HTTP 502/));
      await assert.rejects(client.ping('node-2'), isPeerError('peer.unreachable', 'node-2', /HTTP 502/));
    } finally {
      client.close();
      proxy.closeAllConnections();
      proxy.close();
    }
  });

  for (const processedFirst of [false, true])
    it(`retries once when a pooled connection was closed by the peer (${processedFirst ? 'after' : 'before'} delivery)`, async () => {
      const receiver = createPeerReceiver({ self: bob, peers: peers.list });
      const server = await startPeerServer(receiver);
      // Cut the first request that arrives on an already used socket, once: either before the
      // receiver sees it, or after it took the message but before the answer leaves.
      const used = new WeakSet<object>();
      let requests = 0;
      let dropped = false;
      server.server.prependListener('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
        requests++;
        if (!used.has(req.socket)) {
          used.add(req.socket);
          return;
        }
        if (dropped) return;
        dropped = true;
        if (processedFirst) res.end = (() => req.socket.destroy() && res) as typeof res.end;
        else req.socket.destroy();
      });
      const client = createPeerClient({
        self: alice,
        peers: [{ id: 'node-2', url: server.url, publicIdentity: pin('node-2') }],
      });
      try {
        await client.send(ENV);
        await client.send({ ...ENV, round: 2 });
        assert.ok(dropped, 'the server dropped a reused connection');
        assert.equal(requests, 3, 'the dropped request was sent again');
        assert.deepEqual(
          server.received.map((e) => e.round),
          [1, 2],
          'each envelope delivered exactly once',
        );
      } finally {
        client.close();
        await server.close();
      }
    });

  it('validates its configuration', () => {
    const base = {
      self: alice,
      peers: [{ id: 'node-2', url: 'http://127.0.0.1:1', publicIdentity: pin('node-2') }],
    };
    assert.throws(() => createPeerClient({ ...base, timeoutMs: 0 }), RangeError);
    for (const url of ['ftp://x', 'not a url', 'http://u:p@127.0.0.1:1', 'http://127.0.0.1:1/?q=1'])
      assert.throws(
        () => createPeerClient({ ...base, peers: [{ ...base.peers[0]!, url }] }),
        (e: unknown) => e instanceof TkmsError && e.code === 'request.invalid',
      );
    assert.throws(
      () => createPeerClient({ ...base, peers: [...base.peers, ...base.peers] }),
      (e: unknown) => e instanceof TkmsError && /listed twice/.test(e.message),
    );
    const wrongSelf = {
      id: 'node-1',
      url: 'http://127.0.0.1:1',
      publicIdentity: publicIdentity(generateIdentity()),
    };
    assert.throws(
      () => createPeerClient({ ...base, peers: [...base.peers, wrongSelf] }),
      (e: unknown) => e instanceof TkmsError && /not this node's identity/.test(e.message),
    );
  });
});
