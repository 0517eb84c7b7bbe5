/**
 * The Node HTTP transport against a real local server: answers, keep-alive reuse, a connection
 * the server closed while idle, timeouts and refused connections, and what `callNode` makes of
 * each (the same errors as with `fetch`).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { TkmsError } from '@tkms/core';
import { callNode, fetchTransport, type HttpTransport } from './http.ts';
import { nodeHttpTransport } from './node-http.ts';

describe('node HTTP transport', () => {
  let server: http.Server;
  let base = '';
  const sockets = new Set<import('node:net').Socket>();
  let connections = 0;
  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString('utf8');
      });
      req.on('end', () => {
        if (req.url === '/slow') return void setTimeout(() => res.end('{}'), 500);
        if (req.url === '/problem') {
          res.writeHead(404, { 'content-type': 'application/problem+json' });
          return void res.end(JSON.stringify({ code: 'key.not_found', detail: 'k_1', culprits: [] }));
        }
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({ method: req.method, auth: req.headers.authorization, body, é: 'ü'.repeat(3000) }),
        );
      });
    });
    server.on('connection', (s) => {
      connections++;
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const node = (url = base) => ({ id: 'node-9', url, apiKey: `tkms_${'ab'.repeat(32)}` });

  for (const [name, make] of [
    ['node:http', () => nodeHttpTransport()],
    ['fetch', () => fetchTransport],
  ] as Array<[string, () => HttpTransport]>)
    it(`answers the same through ${name}: JSON, multi-byte text, problem codes`, async () => {
      const t = make();
      const out = await callNode<{ method: string; auth: string; body: string; é: string }>(
        node(),
        'POST',
        '/echo',
        { a: 'ß' },
        2000,
        t,
      );
      assert.deepEqual(
        [out.method, out.auth, out.body],
        ['POST', `Bearer tkms_${'ab'.repeat(32)}`, '{"a":"ß"}'],
      );
      assert.equal(out.é, 'ü'.repeat(3000));
      await assert.rejects(
        callNode(node(), 'GET', '/problem', undefined, 2000, t),
        (e: unknown) =>
          e instanceof TkmsError &&
          e.code === 'key.not_found' &&
          e.meta.node === 'node-9' &&
          e.meta.status === 404,
      );
      (t as Partial<{ close(): void }>).close?.();
    });

  it('reuses one connection, and reconnects after the server closed its idle connections', async () => {
    const t = nodeHttpTransport();
    try {
      const before = connections;
      for (let i = 0; i < 5; i++) await callNode(node(), 'GET', '/echo', undefined, 2000, t);
      assert.equal(connections - before, 1, 'keep-alive: one connection for five calls');
      // The server drops its idle connections (as a node does after its keep-alive timeout).
      for (const s of sockets) s.destroy();
      await new Promise((r) => setTimeout(r, 20));
      const out = await callNode<{ method: string }>(node(), 'POST', '/echo', {}, 2000, t);
      assert.equal(out.method, 'POST');
    } finally {
      t.close();
    }
  });

  it('a node that does not answer in time or refuses the connection is node.unreachable, named', async () => {
    const t = nodeHttpTransport();
    try {
      await assert.rejects(
        callNode(node(), 'GET', '/slow', undefined, 100, t),
        (e: unknown) =>
          e instanceof TkmsError &&
          e.code === 'node.unreachable' &&
          /did not answer within 100 ms/.test(e.message) &&
          e.culprits.includes('node-9'),
      );
      await assert.rejects(
        callNode(node('http://127.0.0.1:1'), 'GET', '/echo', undefined, 1000, t),
        (e: unknown) => e instanceof TkmsError && e.code === 'node.unreachable' && /refused/.test(e.message),
      );
    } finally {
      t.close();
    }
  });
});
