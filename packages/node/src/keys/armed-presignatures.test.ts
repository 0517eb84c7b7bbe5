/**
 * ArmedPresignatures on its own: batches are taken whole or not at all, each id is armed once
 * and claimed once, the limit holds, and what is not claimed in time is wiped.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Bytes, type Presignature, SecretBytes } from '@tkms/core';
import type { SessionOutcome } from '../audit/session-log.ts';
import type { NodeContext } from '../context.ts';
import type { KeyRecord, Store } from '../storage/index.ts';
import { ArmedPresignatures } from './armed-presignatures.ts';

const KEY = { id: 'k1' } as KeyRecord;
const sealedOf = (id: string) => new TextEncoder().encode(`sealed:${id}`);

/** A node context whose session log runs `within` against a fake transaction and records what it wrote. */
function fakeNode(ready: Set<string>) {
  const records: SessionOutcome[] = [];
  const logged: Array<Record<string, unknown>> = [];
  const ctx = {
    sessionLog: {
      async record(o: SessionOutcome) {
        await o.within?.({} as Store);
        records.push(o);
      },
    },
    log: { info: (_event: string, fields: Record<string, unknown>) => logged.push(fields) },
  } as unknown as NodeContext;
  const opened: Presignature[] = [];
  const presignatures = {
    take: async (_tx: Store, ids: readonly string[]) => {
      // Like the database: only ready ones are taken, and taking makes them used.
      const taken = new Map<string, Bytes>();
      for (const id of ids) if (ready.has(id)) taken.set(id, sealedOf(id));
      return taken;
    },
    open: (id: string, sealed: Bytes) => {
      assert.deepEqual(sealed, sealedOf(id));
      const p = { id: new TextEncoder().encode(id), secret: new SecretBytes(new Uint8Array(8).fill(7)) };
      opened.push(p as unknown as Presignature);
      return p as unknown as Presignature;
    },
  };
  return { ctx, records, logged, opened, presignatures };
}

test('a batch is armed in one record and each id is claimed once, for its key only', async () => {
  const armed = new ArmedPresignatures();
  const f = fakeNode(new Set(['a', 'b', 'c']));
  armed.arm(f.ctx, KEY, ['a', 'b', 'b', 'c'], 'tester', f.presignatures);
  assert.equal(armed.size, 3, 'repeated ids are armed once');
  assert.equal(await armed.claim('a', 'another-key'), undefined, 'not for another key');
  const a = await armed.claim('a', 'k1');
  assert.ok(a);
  assert.equal(await armed.claim('a', 'k1'), undefined, 'claimed once');
  assert.equal(f.records.length, 1, 'one record for the batch');
  assert.deepEqual(f.records[0]?.audit.detail, {
    for: 'the next signatures',
    presignatureIds: ['a', 'b', 'c'],
  });
  // Arming again what is armed already writes nothing.
  armed.arm(f.ctx, KEY, ['b', 'c'], 'tester', f.presignatures);
  await new Promise((r) => setImmediate(r));
  assert.equal(f.records.length, 1);
  await armed.clear();
  assert.equal(armed.size, 0);
  for (const p of f.opened.slice(1))
    assert.ok(
      p.secret.expose().every((b) => b === 0),
      'unclaimed ones are wiped',
    );
});

test('a batch with one unavailable id arms none of it, and says so with a code only', async () => {
  const armed = new ArmedPresignatures();
  const f = fakeNode(new Set(['a', 'b']));
  // The real session log rolls the take back when `within` throws; this one only runs it.
  const ctx = {
    ...f.ctx,
    sessionLog: {
      async record(o: SessionOutcome) {
        await o.within?.({} as Store); // throws: 'x' is not ready
      },
    },
  } as unknown as NodeContext;
  armed.arm(ctx, KEY, ['a', 'x', 'b'], 'tester', f.presignatures);
  for (const id of ['a', 'x', 'b']) assert.equal(await armed.claim(id, 'k1'), undefined, id);
  assert.equal(armed.size, 0);
  assert.equal(f.opened.length, 0, 'nothing opened');
  assert.deepEqual(f.logged, [
    { keyId: 'k1', presignatureIds: ['a', 'x', 'b'], code: 'sign.presignature_unavailable' },
  ]);
  assert.ok(!JSON.stringify(f.logged).includes('sealed:'), 'no secret in the log');
});

test('at most `max` are held; beyond that ids are not taken at all', async () => {
  const armed = new ArmedPresignatures({ max: 2 });
  const f = fakeNode(new Set(['a', 'b', 'c']));
  armed.arm(f.ctx, KEY, ['a', 'b', 'c'], 'tester', f.presignatures);
  assert.equal(armed.size, 2);
  await new Promise((r) => setImmediate(r)); // the record is written
  assert.deepEqual(f.records[0]?.audit.detail, { for: 'the next signatures', presignatureIds: ['a', 'b'] });
  assert.equal(await armed.claim('c', 'k1'), undefined);
  await armed.clear();
});

test('an armed presignature not claimed within ttlMs is wiped and forgotten', async () => {
  const armed = new ArmedPresignatures({ ttlMs: 20 });
  const f = fakeNode(new Set(['a']));
  armed.arm(f.ctx, KEY, ['a'], 'tester', f.presignatures);
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(await armed.claim('a', 'k1'), undefined);
  assert.equal(armed.size, 0);
  assert.ok(
    f.opened[0]?.secret.expose().every((b) => b === 0),
    'wiped',
  );
});

test('errors that are not TkmsErrors are logged as internal', async () => {
  const armed = new ArmedPresignatures();
  const f = fakeNode(new Set(['a']));
  armed.arm(f.ctx, KEY, ['a'], 'tester', {
    ...f.presignatures,
    take: async () => {
      throw new Error('disk on fire');
    },
  });
  assert.equal(await armed.claim('a', 'k1'), undefined);
  assert.equal(f.logged[0]?.code, 'internal');
});
