/**
 * Test fixtures for the peer transport: a set of node identities with their pins, and a minimal
 * `node:http` server that serves `/v1/peer/messages` (through `createPeerReceiver`) and `/v1/health`
 * and answers failures as RFC 9457 problem+json, the way the node API does.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Envelope, type PartyId, TkmsError } from '@tkms/core';
import { generateIdentity, publicIdentity } from '../identity/node-identity.ts';
import type { PublicIdentity } from '../identity/public-identity.ts';
import type { LocalPeer } from './envelope.ts';
import type { PeerReceiver } from './peer-receiver.ts';

export type TestPeers = {
  readonly local: Record<PartyId, LocalPeer>;
  readonly pins: ReadonlyMap<PartyId, PublicIdentity>;
  readonly list: readonly { id: PartyId; publicIdentity: PublicIdentity }[];
};

export function makePeers(ids: readonly PartyId[]): TestPeers {
  const local: Record<PartyId, LocalPeer> = {};
  const pins = new Map<PartyId, PublicIdentity>();
  for (const id of ids) {
    const identity = generateIdentity();
    local[id] = { id, identity };
    pins.set(id, publicIdentity(identity));
  }
  return { local, pins, list: [...pins].map(([id, publicIdentity]) => ({ id, publicIdentity })) };
}

export type TestServer = {
  readonly url: string;
  readonly server: http.Server;
  readonly received: Envelope[];
  close(): Promise<void>;
};

export async function startPeerServer(receiver: PeerReceiver): Promise<TestServer> {
  const received: Envelope[] = [];
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/v1/health') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (req.method !== 'POST' || req.url !== '/v1/peer/messages') {
      problem(res, new TkmsError('not_found'));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      // A request whose connection is already gone is not taken (tests cut connections on purpose).
      if (req.socket.destroyed) return;
      try {
        received.push(receiver.receive(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        res.writeHead(202).end();
      } catch (e) {
        problem(res, e instanceof TkmsError ? e : new TkmsError('request.invalid'));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function problem(res: http.ServerResponse, e: TkmsError): void {
  res.writeHead(e.status, { 'content-type': 'application/problem+json' }).end(
    JSON.stringify({
      type: `urn:tkms:error:${e.code}`,
      title: e.shortMessage,
      status: e.status,
      code: e.code,
      detail: e.details,
    }),
  );
}

/** A port that was just free: listen on port 0, note the port, close. */
export async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
