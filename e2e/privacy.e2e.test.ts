/**
 * Privacy control on a real 3-node cluster (issue 4): data keys by threshold OPRF, each node's own
 * policy, field-level encryption of JSON documents, and threshold decryption — through the SDK,
 * the raw API and the installed CLI.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import {
  bytesToHex,
  type DecryptShareResponse,
  encryptToKey,
  hexToBytes,
  type KeyInfo,
  TkmsError,
  utf8,
} from '@tkms/core';
import { generateToken, hashToken, type NodeConfig } from '@tkms/node';
import { createClient, type HttpTransport, type TkmsClient } from '@tkms/sdk';
import { loadClientConfig } from '@tkms/sdk/load-config';
import { runCli } from './cli.ts';
import { type Cluster, startCluster } from './harness.ts';

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const failsWith = (code: string, text?: RegExp) => (e: unknown) =>
  e instanceof TkmsError && e.code === code && (!text || text.test(e.message));

let c: Cluster;
let oprf: KeyInfo;
let ecies: KeyInfo;
/** A client that talks only to `nodes` (so a test picks the quorum), optionally through `transport`. */
const clientOn = (
  nodes: string[],
  tokens?: Record<string, string>,
  transport?: HttpTransport,
): TkmsClient => {
  const cfg = loadClientConfig(c.clientPath);
  return createClient({
    ...cfg,
    ...(transport ? { transport } : {}),
    nodes: cfg.nodes
      .filter((n) => nodes.includes(n.id))
      .map((n) => (tokens ? { ...n, apiKey: tokens[n.id] as string } : n)),
  });
};

const cli = (args: string[], input?: string) => runCli(c.clientPath, args, input);

before(async () => {
  c = await startCluster();
  oprf = await c.client.createKey({ type: 'oprf-ristretto255', threshold: 2 });
  ecies = await c.client.createKey({ type: 'ecies-p256', threshold: 2 });
});
after(async () => c?.close());

test('any 2 of 3 nodes give the same data key, in both modes, and it is bound to key and object', async () => {
  const object = 'contracts/4711/fields/ssn';
  const keys = new Set<string>();
  for (const pair of [
    ['node-1', 'node-2'],
    ['node-1', 'node-3'],
    ['node-2', 'node-3'],
  ]) {
    const r = await clientOn(pair).deriveDataKey({ keyId: oprf.id, object });
    assert.equal(r.version, 1);
    assert.equal(r.dataKey.length, 32);
    keys.add(bytesToHex(r.dataKey));
    const blind = await clientOn(pair).deriveDataKey({ keyId: oprf.id, object, oblivious: true });
    keys.add(bytesToHex(blind.dataKey));
  }
  assert.equal(keys.size, 1, 'every quorum and both modes agree');
  const other = await c.client.deriveDataKey({ keyId: oprf.id, object: 'contracts/4712/fields/ssn' });
  assert.notEqual(bytesToHex(other.dataKey), [...keys][0]);
  // A batch gives the same keys as single requests.
  const batch = await c.client.deriveDataKeys({
    keyId: oprf.id,
    objects: [object, 'contracts/4712/fields/ssn'],
  });
  assert.deepEqual(
    batch.map((b) => ('dataKey' in b ? bytesToHex(b.dataKey) : b.code)),
    [[...keys][0], bytesToHex(other.dataKey)],
  );
});

test('a batch larger than one request (1000 items) is split by the SDK and reports progress', async () => {
  const objects = Array.from({ length: 1500 }, (_, i) => `bulk/${i}`);
  const progress: number[] = [];
  const r = await c.client.deriveDataKeys({ keyId: oprf.id, objects, onProgress: (d) => progress.push(d) });
  assert.equal(r.filter((x) => 'dataKey' in x).length, 1500);
  assert.deepEqual(progress, [1000, 1500]);
  const one = await c.client.deriveDataKey({ keyId: oprf.id, object: 'bulk/1234' });
  assert.equal(bytesToHex((r[1234] as { dataKey: Uint8Array }).dataKey), bytesToHex(one.dataKey));
});

test('one key, one purpose: an OPRF key does not sign or decrypt, a signing key does not derive', async () => {
  const signing = await c.client.createKey({ type: 'eddsa-ed25519', threshold: 2 });
  await assert.rejects(c.client.sign({ keyId: oprf.id, message: utf8('x') }), failsWith('key.wrong_purpose'));
  await assert.rejects(
    c.client.deriveDataKey({ keyId: signing.id, object: 'a/b' }),
    failsWith('key.wrong_purpose'),
  );
  await assert.rejects(
    c.client.decrypt({ keyId: oprf.id, ciphertext: new Uint8Array(10) }),
    failsWith('key.wrong_purpose'),
  );
});

test('bad input gets stable codes from the node, and no partial write', async () => {
  const url = c.urls['node-1'] as string;
  const token = loadClientConfig(c.clientPath).nodes[0]?.apiKey as string;
  const post = async (path: string, body: unknown) => {
    const r = await fetch(new URL(path, url), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as { code?: string } };
  };
  const requesterKey = bytesToHex(random(32));
  const derive = `/v1/keys/${oprf.id}/derive`;
  for (const [body, code] of [
    [{ objects: ['a//b'], requesterKey }, 'object.invalid'],
    [{ objects: ['a/*/b'], requesterKey }, 'object.invalid'],
    [{ objects: ['../etc'], requesterKey }, 'object.invalid'],
    [{ objects: [], requesterKey }, 'request.invalid'],
    [{ objects: Array.from({ length: 1001 }, (_, i) => `o/${i}`), requesterKey }, 'request.too_large'],
    [{ objects: ['a/b'], blinded: [], requesterKey }, 'request.invalid'],
    [{ objects: ['a/b'], requesterKey: 'zz' }, 'request.bad_hex'],
    [{ objects: ['a/b'], requesterKey: '00'.repeat(32) }, 'request.invalid'],
    [{ blinded: ['00'.repeat(32)], requesterKey }, 'oprf.bad_element'],
  ] as const) {
    const r = await post(derive, body);
    assert.equal(r.body.code, code, JSON.stringify(body).slice(0, 80));
    assert.ok(r.status >= 400 && r.status < 500);
  }
  const r = await post(`/v1/keys/${ecies.id}/decrypt`, { ciphertexts: ['00ff'], requesterKey });
  assert.equal(r.body.code, 'decrypt.invalid_ciphertext');
});

/** Gives api key `alice` to every node, with each node's own grants, and restarts the nodes. */
async function configureAlice(grantsByNode: Record<string, string[]>): Promise<Record<string, string>> {
  const tokens: Record<string, string> = {};
  for (const id of c.ids) {
    tokens[id] = generateToken(random);
    const path = c.configPath(id);
    const cfg = JSON.parse(readFileSync(path, 'utf8')) as NodeConfig;
    cfg.apiKeys = [
      ...cfg.apiKeys.filter((k) => k.name !== 'alice'),
      { name: 'alice', sha256: hashToken(tokens[id]) },
    ];
    cfg.policy.grants = [
      ...cfg.policy.grants.filter((g) => !g.principals.includes('api-key:alice')),
      {
        principals: ['api-key:alice'],
        actions: ['derive', 'decrypt'] as ('derive' | 'decrypt')[],
        keys: ['*'],
        objects: grantsByNode[id] ?? [],
      },
    ].filter((g) => g.objects.length > 0);
    writeFileSync(path, JSON.stringify(cfg, null, 2));
    await c.stop(id);
    await c.start(id);
  }
  return tokens;
}

test('each node decides: amount opens, ssn is refused with reasons, even though one node wrongly allows it', async () => {
  const doc = { name: 'Ada', ssn: '123-45-6789', amount: 12, address: { zip: '10115' } };
  const sealed = await c.client.encryptFields(doc, {
    keyId: oprf.id,
    object: 'contracts/4711',
    fields: ['ssn', 'amount', 'address.zip'],
  });
  const text = JSON.stringify(sealed);
  assert.ok(!text.includes('123-45-6789') && !text.includes('10115'), 'sealed fields hide their values');
  assert.equal(sealed.name, 'Ada');

  // node-1 is misconfigured: it allows alice every field. node-2 and node-3 allow only amount.
  const tokens = await configureAlice({
    'node-1': ['contracts/*/fields/**'],
    'node-2': ['contracts/*/fields/amount'],
    'node-3': ['contracts/*/fields/amount'],
  });
  const alice = clientOn(c.ids, tokens);
  const opened = await alice.decryptFields(sealed, { keyId: oprf.id });
  assert.equal(opened.document.amount, 12);
  assert.equal(opened.document.name, 'Ada');
  assert.deepEqual(opened.opened, ['amount']);
  assert.deepEqual(opened.refused.map((r) => r.field).sort(), ['address.zip', 'ssn']);
  assert.equal(opened.document.ssn, sealed.ssn, 'a refused field stays sealed');
  const ssn = opened.refused.find((r) => r.field === 'ssn');
  assert.equal(ssn?.code, 'access.refused');
  assert.match(ssn?.reason ?? '', /node-2 policy/);
  assert.match(ssn?.reason ?? '', /node-3 policy/);

  // Asking for the ssn data key directly: refused, whichever pair is asked first.
  for (const pair of [
    ['node-1', 'node-2', 'node-3'],
    ['node-1', 'node-3'],
  ]) {
    await assert.rejects(
      clientOn(pair, tokens).deriveDataKey({ keyId: oprf.id, object: 'contracts/4711/fields/ssn' }),
      failsWith('access.refused', /contracts\/4711\/fields\/ssn/),
    );
  }
  // Alice may not use the oblivious mode (no whole-key grant): the nodes say so.
  await assert.rejects(
    alice.deriveDataKey({ keyId: oprf.id, object: 'contracts/4711/fields/amount', oblivious: true }),
    failsWith('access.refused', /derive-oblivious/),
  );
  // The full owner still opens everything.
  const all = await c.client.decryptFields(sealed, { keyId: oprf.id });
  assert.deepEqual(all.document, doc);
});

test('tampering, moving a field or changing the object path fails with fields.tampered', async () => {
  const a = await c.client.encryptFields(
    { ssn: '111', amount: 1 },
    { keyId: oprf.id, object: 'contracts/1', fields: ['ssn', 'amount'] },
  );
  const b = await c.client.encryptFields(
    { ssn: '222', amount: 2 },
    { keyId: oprf.id, object: 'contracts/2', fields: ['ssn', 'amount'] },
  );
  const open = (d: unknown) => c.client.decryptFields(d, { keyId: oprf.id });
  const flip = (s: string) => s.slice(0, -2) + (s.at(-2) === 'A' ? 'B' : 'A') + s.at(-1);
  await assert.rejects(open({ ...a, ssn: flip(a.ssn as string) }), failsWith('fields.tampered'));
  await assert.rejects(open({ ...a, amount: a.ssn, ssn: a.amount }), failsWith('fields.tampered'));
  await assert.rejects(open({ ...a, ssn: b.ssn }), failsWith('fields.tampered'));
  await assert.rejects(
    open({ ...a, $tkms: { ...a.$tkms, object: 'contracts/2' } }),
    failsWith('fields.tampered'),
  );
  assert.deepEqual((await open(a)).document, { ssn: '111', amount: 1 });
});

test('ecies-p256: any 2 of 3 decrypt; nodes refuse malformed ciphertexts; node traffic never holds the plaintext', async () => {
  const secret = `the plaintext ${bytesToHex(random(8))}`;
  const { ciphertext } = await c.client.encrypt({
    keyId: ecies.id,
    plaintext: utf8(secret),
    label: 'payloads/7',
  });

  // Record every request to and answer from a node while decrypting.
  const seen: string[] = [];
  const send = loadClientConfig(c.clientPath).transport as HttpTransport;
  const recording: HttpTransport = async (req) => {
    if (req.body !== undefined) seen.push(req.body);
    const answer = await send(req);
    seen.push(answer.body);
    return answer;
  };
  for (const pair of [
    ['node-1', 'node-2'],
    ['node-1', 'node-3'],
    ['node-2', 'node-3'],
  ]) {
    const r = await clientOn(pair, undefined, recording).decrypt({ keyId: ecies.id, ciphertext });
    assert.equal(new TextDecoder().decode(r.plaintext), secret);
    assert.equal(r.label, 'payloads/7');
    assert.deepEqual([...r.used].sort(), pair);
  }
  assert.ok(seen.length >= 12, 'requests and answers were recorded');
  const forms = [secret, bytesToHex(utf8(secret)), Buffer.from(secret).toString('base64')];
  for (const s of seen) for (const f of forms) assert.ok(!s.includes(f), 'plaintext in node traffic');

  // A ciphertext with a broken validity proof or body is refused by every node before decrypting.
  const bad = Uint8Array.from(ciphertext);
  bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 1;
  await assert.rejects(c.client.decrypt({ keyId: ecies.id, ciphertext: bad }), (e: unknown) => {
    return e instanceof TkmsError && /decrypt\.|access\.refused/.test(e.code) && /node-\d/.test(e.message);
  });
  // Raw API: the node answers 400 with the validity-proof code, and releases nothing.
  const token = loadClientConfig(c.clientPath).nodes[0]?.apiKey as string;
  const res = await fetch(new URL(`/v1/keys/${ecies.id}/decrypt`, c.urls['node-1']), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ciphertexts: [bytesToHex(bad)], requesterKey: bytesToHex(random(32)) }),
  });
  const body = (await res.json()) as { code: string } & Partial<DecryptShareResponse>;
  assert.equal(res.status, 400);
  assert.match(body.code, /^decrypt\./);
  assert.equal(body.sealed, undefined);

  // A ciphertext under another label than the one it was made for does not verify either.
  const relabeled = encryptToKey({
    suite: 'p256',
    publicKey: hexToBytes(ecies.groupKey),
    plaintext: utf8('x'),
    label: utf8('payloads/8'),
    random,
  });
  const ok = await c.client.decrypt({ keyId: ecies.id, ciphertext: relabeled });
  assert.equal(ok.label, 'payloads/8');
});

test('CLI: derive, encrypt and decrypt as the README shows', () => {
  const d = cli(['derive', '--key', oprf.id, '--object', 'contracts/4711/fields/ssn', '--json']);
  assert.equal(d.status, 0, d.stderr);
  const dk = JSON.parse(d.stdout) as { keyId: string; object: string; version: number; dataKey: string };
  assert.equal(dk.object, 'contracts/4711/fields/ssn');
  assert.equal(dk.version, 1);
  assert.match(dk.dataKey, /^[0-9a-f]{64}$/);

  const doc = '{"name":"Ada","ssn":"123-45-6789","amount":12}';
  const e = cli(
    ['encrypt', '--key', oprf.id, '--object', 'contracts/4711', '--fields', 'ssn,amount', '--json'],
    doc,
  );
  assert.equal(e.status, 0, e.stderr);
  assert.ok(!e.stdout.includes('123-45-6789'));
  const o = cli(['decrypt', '--key', oprf.id, '--json'], e.stdout);
  assert.equal(o.status, 0, o.stderr);
  assert.deepEqual(JSON.parse(o.stdout), JSON.parse(doc));

  const x = cli(['encrypt', '--key', ecies.id, '--json'], 'payload\n');
  assert.equal(x.status, 0, x.stderr);
  const y = cli(['decrypt', '--key', ecies.id, '--json'], x.stdout);
  assert.equal(y.status, 0, y.stderr);
  assert.equal(
    Buffer.from((JSON.parse(y.stdout) as { plaintext: string }).plaintext, 'hex').toString(),
    'payload\n',
  );
  const raw = cli(['decrypt', '--key', ecies.id], x.stdout);
  assert.equal(raw.stdout, 'payload\n');

  const bad = cli(['derive', '--key', oprf.id, '--object', 'a//b', '--json']);
  assert.equal((JSON.parse(bad.stdout) as { error: { code: string } }).error.code, 'object.invalid');
});
