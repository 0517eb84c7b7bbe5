/**
 * Cost of the peer channel, printed as median µs per message:
 *   node --import tsx packages/node/src/transport/transport.bench.ts
 * seal and open separately (100-byte and 16 KiB payloads), then a loopback HTTP send (seal, POST
 * over keep-alive, open, 202) against a node:http server in the same process.
 */
import { randomBytes } from 'node:crypto';
import type { Envelope } from '@tkms/core';
import { openEnvelope, sealEnvelope } from './envelope.ts';
import { createPeerClient } from './peer-client.ts';
import { createPeerReceiver } from './peer-receiver.ts';
import { createReplayCache } from './replay-cache.ts';
import { makePeers, startPeerServer } from './test-peers.ts';

const { local, pins, list } = makePeers(['node-1', 'node-2']);
const alice = local['node-1']!;
const bob = local['node-2']!;
const envOf = (size: number): Envelope => ({
  protocol: 'frost/sign',
  ssid: 'ab'.repeat(32),
  from: 'node-1',
  to: 'node-2',
  round: 1,
  kind: 'msg',
  payload: randomBytes(size),
});

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function time(runs: number, fn: () => unknown): Promise<number> {
  for (let i = 0; i < Math.min(200, runs); i++) await fn();
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    xs.push((performance.now() - t) * 1000);
  }
  return median(xs);
}

const replayCache = createReplayCache({ maxEntries: 1_000_000 });
for (const size of [100, 16 * 1024]) {
  const env = envOf(size);
  const recipient = pins.get('node-2')!;
  const seal = await time(3000, () => sealEnvelope(env, { self: alice, recipient, now: Date.now() }));
  const wires = Array.from({ length: 3200 }, () =>
    sealEnvelope(env, { self: alice, recipient, now: Date.now() }),
  );
  let i = 0;
  const open = await time(3000, () =>
    openEnvelope(wires[i++], { self: bob, peers: pins, now: Date.now(), replayCache }),
  );
  console.log(
    `payload ${String(size).padStart(5)} B: seal ${seal.toFixed(0)} µs, open ${open.toFixed(0)} µs, seal+open ${(seal + open).toFixed(0)} µs`,
  );
}

const server = await startPeerServer(createPeerReceiver({ self: bob, peers: list }));
const client = createPeerClient({
  self: alice,
  peers: [{ id: 'node-2', url: server.url, publicIdentity: pins.get('node-2')! }],
});
const env = envOf(100);
const send = await time(2000, () => client.send(env));
const ping = await time(2000, () => client.ping('node-2'));
console.log(
  `loopback HTTP: send (seal+POST+open+202) ${send.toFixed(0)} µs, GET /v1/health ${ping.toFixed(0)} µs`,
);
client.close();
await server.close();
