/**
 * The HTTP API in one process (web-standard Request/Response): the OpenAPI document matches the
 * routes, errors are problem+json with catalog codes, and every key route needs a credential.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ERRORS } from '@tkms/core';
import { generateToken, hashToken } from '../auth/api-keys.ts';
import { initNodeDir } from '../config/init.ts';
import { createNode, type TkmsNode } from '../node.ts';

let node: TkmsNode;
let token: string;
before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tkms-app-'));
  const r = initNodeDir({ dir, id: 'node-1', port: 0, database: 'memory:', log: 'silent' });
  token = generateToken((n) => crypto.getRandomValues(new Uint8Array(n)));
  node = await createNode({ ...r.config, apiKeys: [{ name: 'test', sha256: hashToken(token) }] }, dir);
});
after(async () => {
  await node?.close();
});

const call = async (method: string, path: string, opts: { body?: unknown; auth?: boolean } = {}) => {
  const res = await node.fetch(
    new Request(`http://node${path}`, {
      method,
      headers: {
        ...(opts.auth === false ? {} : { authorization: `Bearer ${token}` }),
        ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(opts.body === undefined
        ? {}
        : { body: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) }),
    }),
  );
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    text,
    json: text.startsWith('{') ? JSON.parse(text) : undefined,
  };
};

test('every path in the OpenAPI document is routed; unknown paths get not_found', async () => {
  const doc = (await call('GET', '/v1/openapi.json', { auth: false })).json as {
    paths: Record<string, Record<string, unknown>>;
  };
  assert.ok(Object.keys(doc.paths).length >= 7);
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const method of Object.keys(ops)) {
      const concrete = path.replace('{id}', 'k-probe');
      const r = await call(method.toUpperCase(), concrete, method === 'post' ? { body: {} } : {});
      assert.notEqual(r.json?.code, 'not_found', `${method} ${path} is documented but not routed`);
    }
  }
  const missing = await call('GET', '/v1/nope');
  assert.equal(missing.status, 404);
  assert.equal(missing.json.code, 'not_found');
  // Every code a node can answer with is in the document's Problem schema.
  const codes = (
    doc as unknown as { components: { schemas: { Problem: { properties: { code: { enum: string[] } } } } } }
  ).components.schemas.Problem.properties.code.enum;
  assert.deepEqual([...codes].sort(), Object.keys(ERRORS).sort());
});

test('the docs page is served and points at the document', async () => {
  const r = await call('GET', '/v1/docs', { auth: false });
  assert.equal(r.status, 200);
  assert.match(r.type, /text\/html/);
  assert.match(r.text, /\/v1\/openapi\.json/);
});

test('key routes need a valid credential; health and docs do not', async () => {
  for (const [m, p] of [
    ['GET', '/v1/keys'],
    ['POST', '/v1/keys'],
    ['GET', '/v1/keys/x'],
    ['POST', '/v1/keys/x/sign'],
    ['POST', '/v1/keys/x/pair-setup'],
    ['GET', '/v1/metrics'],
  ] as const) {
    const r = await call(m, p, { auth: false, ...(m === 'POST' ? { body: {} } : {}) });
    assert.equal(r.status, 401, `${m} ${p}`);
    assert.equal(r.json.code, 'auth.missing');
    assert.equal(r.type, 'application/problem+json');
  }
  const forged = await node.fetch(
    new Request('http://node/v1/keys', { headers: { authorization: `Bearer tkms_${'0'.repeat(64)}` } }),
  );
  assert.equal(((await forged.json()) as { code: string }).code, 'auth.invalid');
  assert.equal((await call('GET', '/v1/health', { auth: false })).json.status, 'ok');
});

test('malformed requests get request.* codes and never a stack trace', async () => {
  const r = await call('POST', '/v1/keys', { body: '{"id":' });
  assert.equal(r.status, 400);
  assert.equal(r.json.code, 'request.invalid');
  assert.ok(!/at .*\.ts:\d+/.test(r.text), 'no stack trace in the answer');
  const bad = await call('POST', '/v1/keys/k1/sign', {
    body: { message: 'zz', signers: ['node-1', 'node-2'], sessionNonce: '00'.repeat(32) },
  });
  assert.equal(bad.json.code, 'request.bad_hex');
  const list = await call('GET', '/v1/keys?limit=5000');
  assert.equal(list.json.code, 'request.invalid');
  assert.deepEqual((await call('GET', '/v1/keys')).json, { keys: [], nextCursor: null });
});

test('metrics: Prometheus text with the peer traffic counters', async () => {
  const r = await call('GET', '/v1/metrics');
  assert.equal(r.status, 200);
  assert.match(r.type, /^text\/plain/);
  assert.match(r.text, /^# TYPE tkms_peer_bytes_sent_total counter$/m);
  assert.match(r.text, /^tkms_peer_messages_sent_total \d+$/m);
  assert.match(r.text, /^tkms_sessions_live 0$/m);
});
