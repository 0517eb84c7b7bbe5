import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchObjectPattern, TkmsError } from '@tkms/core';
import fc from 'fast-check';
import type { Principal } from '../auth/api-keys.ts';
import { NodeConfigSchema } from '../config/schema.ts';
import { createPolicy, type PolicyDecision, type PolicyInput } from './policy.ts';

const alice: Principal = { kind: 'api-key', name: 'alice' };
const bob: Principal = { kind: 'api-key', name: 'bob' };

function reasonOf(d: PolicyDecision): string {
  assert.equal(d.allowed, false, 'expected a refusal');
  return d.allowed ? '' : d.reason;
}

describe('policy matching', () => {
  const policy = createPolicy(
    {
      grants: [
        {
          principals: ['api-key:alice'],
          actions: ['derive'],
          keys: ['k_1'],
          objects: ['contracts/*/fields/amount', 'reports/**', 'exact/path'],
        },
        { principals: ['api-key:*'], actions: ['decrypt'], keys: ['*'], objects: ['public/**'] },
      ],
    },
    'node-2',
  );

  it('lets a single-segment * match exactly one segment', () => {
    assert.ok(policy.authorize(alice, 'derive', 'k_1', 'contracts/4711/fields/amount').allowed);
    assert.ok(!policy.authorize(alice, 'derive', 'k_1', 'contracts/4711/fields/ssn').allowed);
    assert.ok(!policy.authorize(alice, 'derive', 'k_1', 'contracts/a/b/fields/amount').allowed);
    assert.ok(!policy.authorize(alice, 'derive', 'k_1', 'contracts/fields/amount').allowed);
  });

  it('lets a trailing ** match any number of segments, zero included', () => {
    for (const o of ['reports', 'reports/2024', 'reports/2024/q1/summary'])
      assert.ok(policy.authorize(alice, 'derive', 'k_1', o).allowed, o);
    assert.ok(!policy.authorize(alice, 'derive', 'k_1', 'reportsx/2024').allowed);
  });

  it('matches exact paths only exactly', () => {
    assert.ok(policy.authorize(alice, 'derive', 'k_1', 'exact/path').allowed);
    assert.ok(!policy.authorize(alice, 'derive', 'k_1', 'exact/path/more').allowed);
    assert.ok(!policy.authorize(alice, 'derive', 'k_1', 'exact').allowed);
  });

  it('holds a grant to its key, action and principal', () => {
    assert.ok(!policy.authorize(alice, 'derive', 'k_2', 'exact/path').allowed, 'other key');
    assert.ok(!policy.authorize(alice, 'decrypt', 'k_1', 'exact/path').allowed, 'other action');
    assert.ok(!policy.authorize(bob, 'derive', 'k_1', 'exact/path').allowed, 'other principal');
  });

  it('lets key * cover every key and api-key:* every API key, but no other kind', () => {
    for (const who of [alice, bob])
      for (const key of ['k_1', 'other.key-9'])
        assert.ok(policy.authorize(who, 'decrypt', key, 'public/doc').allowed, `${who.name} ${key}`);
    const user = { kind: 'user', name: 'alice' } as unknown as Principal;
    assert.ok(!policy.authorize(user, 'decrypt', 'k_1', 'public/doc').allowed);
  });

  it('denies by default', () => {
    const empty = createPolicy({}, 'node-1');
    const d = empty.authorize(alice, 'derive', 'k_1', 'a');
    assert.match(reasonOf(d), /^node-1 policy: no grant lets api-key:alice derive "a" with key k_1$/);
  });

  it('agrees with matchObjectPattern from core', () => {
    const seg = fc.constantFrom('a', 'b', 'c');
    const path = fc.array(seg, { minLength: 1, maxLength: 5 }).map((s) => s.join('/'));
    const pattern = fc
      .tuple(fc.array(fc.constantFrom('a', 'b', '*'), { minLength: 1, maxLength: 4 }), fc.boolean())
      .map(([s, rest]) => (rest ? [...s, '**'] : s).join('/'));
    fc.assert(
      fc.property(pattern, path, (p, o) => {
        const one = createPolicy(
          { grants: [{ principals: ['api-key:alice'], actions: ['derive'], keys: ['k'], objects: [p] }] },
          'node-1',
        );
        assert.equal(one.authorize(alice, 'derive', 'k', o).allowed, matchObjectPattern(p, o), `${p} ${o}`);
      }),
      { seed: 42, numRuns: 500 },
    );
  });

  it('refuses malformed input instead of throwing', () => {
    const odd: unknown[] = ['', 'a//b', '../x', 'a/*', 'a/**', 42, null, 'x\n', 'é'.repeat(300)];
    for (const o of odd) {
      const d = policy.authorize(alice, 'derive', 'k_1', o as string);
      assert.match(reasonOf(d), /invalid object path/, String(o));
    }
    assert.match(reasonOf(policy.authorize(alice, 'derive', '*', 'exact/path')), /not a key id/);
    assert.match(reasonOf(policy.authorize(alice, 'derive', 'k\n1', 'exact/path')), /not a key id/);
    assert.match(
      reasonOf(policy.authorize(alice, 'sign' as 'derive', 'k_1', 'exact/path')),
      /unknown action/,
    );
    assert.match(
      reasonOf(policy.authorize(null as unknown as Principal, 'derive', 'k_1', 'exact/path')),
      /not an authenticated principal/,
    );
    assert.deepEqual(policy.authorizeMany(alice, 'derive', 'k_1', 'x' as unknown as string[]), []);
  });
});

describe('policy denies', () => {
  const policy = createPolicy(
    {
      grants: [{ principals: ['api-key:*'], actions: ['*'], keys: ['*'], objects: ['contracts/**'] }],
      denies: [
        {
          principals: ['api-key:bob'],
          actions: ['derive'],
          keys: ['*'],
          objects: ['contracts/*/fields/ssn'],
        },
      ],
    },
    'node-3',
  );

  it('lets an explicit deny beat a grant, and names the rule', () => {
    const d = policy.authorize(bob, 'derive', 'k_1', 'contracts/4711/fields/ssn');
    assert.equal(
      reasonOf(d),
      'node-3 policy: api-key:bob may not derive "contracts/4711/fields/ssn" with key k_1: denied by rule denies[0]',
    );
  });

  it('leaves what the deny does not name alone', () => {
    assert.ok(policy.authorize(bob, 'derive', 'k_1', 'contracts/4711/fields/amount').allowed, 'other object');
    assert.ok(policy.authorize(bob, 'decrypt', 'k_1', 'contracts/4711/fields/ssn').allowed, 'other action');
    assert.ok(
      policy.authorize(alice, 'derive', 'k_1', 'contracts/4711/fields/ssn').allowed,
      'other principal',
    );
  });
});

describe('whole-key authorisation', () => {
  const policy = createPolicy(
    {
      grants: [
        { principals: ['api-key:alice'], actions: ['derive', 'decrypt'], keys: ['k_1'], objects: ['**'] },
        {
          principals: ['api-key:alice'],
          actions: ['derive-oblivious'],
          keys: ['k_1', 'k_2'],
          objects: ['**'],
        },
        { principals: ['api-key:bob'], actions: ['*'], keys: ['k_1'], objects: ['contracts/**'] },
        { principals: ['api-key:carol'], actions: ['*'], keys: ['*'], objects: ['**'] },
      ],
      denies: [
        {
          principals: ['api-key:alice'],
          actions: ['derive-oblivious'],
          keys: ['k_2'],
          objects: ['secret/**'],
        },
        { principals: ['api-key:carol'], actions: ['decrypt'], keys: ['k_1'], objects: ['hr/*/salary'] },
      ],
    },
    'node-1',
  );
  const carol: Principal = { kind: 'api-key', name: 'carol' };

  it('allows the whole key only to a ** grant for that action', () => {
    assert.ok(policy.authorizeWholeKey(alice, 'derive', 'k_1').allowed);
    assert.ok(policy.authorizeWholeKey(alice, 'derive-oblivious', 'k_1').allowed);
    assert.match(
      reasonOf(policy.authorizeWholeKey(bob, 'derive', 'k_1')),
      /^node-1 policy: no grant lets api-key:bob derive with the whole key k_1/,
    );
    assert.ok(!policy.authorizeWholeKey(alice, 'derive', 'k_2').allowed, 'derive-oblivious is not derive');
  });

  it('refuses the whole key when any deny names the principal, key and action', () => {
    assert.equal(
      reasonOf(policy.authorizeWholeKey(alice, 'derive-oblivious', 'k_2')),
      'node-1 policy: api-key:alice may not derive-oblivious with the whole key k_2: denied by rule denies[0], which covers some of its objects',
    );
    assert.ok(!policy.authorizeWholeKey(carol, 'decrypt', 'k_1').allowed);
    assert.ok(policy.authorizeWholeKey(carol, 'decrypt', 'k_2').allowed, 'the deny is for k_1 only');
    assert.ok(policy.authorizeWholeKey(carol, 'derive', 'k_1').allowed, 'the deny is for decrypt only');
  });

  it('answers derive-oblivious per object as for the whole key (the node cannot see the object)', () => {
    assert.ok(!policy.authorize(bob, 'derive-oblivious', 'k_1', 'contracts/1').allowed);
    assert.ok(policy.authorize(carol, 'derive-oblivious', 'k_9', 'anything').allowed);
    assert.ok(!policy.authorize(alice, 'derive-oblivious', 'k_2', 'public/1').allowed);
  });

  it('refuses to load derive-oblivious on less than the whole key', () => {
    assert.throws(
      () =>
        createPolicy(
          {
            grants: [
              {
                principals: ['api-key:a'],
                actions: ['derive-oblivious'],
                keys: ['*'],
                objects: ['contracts/**'],
              },
            ],
          },
          'node-1',
        ),
      (e: unknown) =>
        e instanceof TkmsError &&
        e.code === 'config.invalid' &&
        /grants\[0\]\.objects: derive-oblivious can only be granted on the whole key/.test(e.message),
    );
  });
});

describe('policy loading', () => {
  function loadError(config: unknown): TkmsError {
    try {
      createPolicy(config as PolicyInput, 'node-7');
    } catch (e) {
      assert.ok(e instanceof TkmsError);
      assert.equal(e.code, 'config.invalid');
      return e;
    }
    assert.fail('expected config.invalid');
  }
  const grant = { principals: ['api-key:a'], actions: ['derive'], keys: ['k'], objects: ['a/**'] };

  it('rejects an invalid object pattern and names the grant', () => {
    const e = loadError({ grants: [grant, { ...grant, objects: ['ok', 'a/**/b'] }] });
    assert.match(
      e.details ?? '',
      /^node-7 policy: grants\[1\]\.objects\[1\]: .*"\*\*" may only be the last segment/,
    );
    assert.match(
      loadError({ denies: [{ ...grant, objects: ['a/b*'] }] }).details ?? '',
      /denies\[0\]\.objects\[0\]/,
    );
    assert.match(loadError({ grants: [{ ...grant, objects: ['a//b'] }] }).details ?? '', /empty segment/);
  });

  it('rejects malformed principals, actions, keys, empty lists and unknown fields', () => {
    for (const bad of [
      { ...grant, principals: ['alice'] },
      { ...grant, principals: ['api-key:al*'] },
      { ...grant, principals: ['*'] },
      { ...grant, principals: ['team:x'] },
      { ...grant, actions: ['sign'] },
      { ...grant, keys: ['k*'] },
      { ...grant, objects: [] },
      { ...grant, comment: 'typo' },
    ])
      assert.match(loadError({ grants: [bad] }).details ?? '', /grants\[0\]/, JSON.stringify(bad));
  });

  it('is part of the node config and denies by default', () => {
    const base = {
      id: 'node-1',
      listen: { port: 1 },
      url: 'http://127.0.0.1:1',
      identityFile: 'i.json',
      masterKey: { env: 'K' },
      database: 'memory:',
      peers: [],
    };
    const c = NodeConfigSchema.parse(base);
    assert.deepEqual(c.policy, { grants: [], denies: [] });
    assert.equal(c.limits.oprfElementsPerSecond, 2_000);
    assert.equal(c.limits.oprfBurst, 20_000);
    const r = NodeConfigSchema.safeParse({ ...base, policy: { grants: [{ ...grant, objects: ['**/x'] }] } });
    assert.ok(!r.success);
    assert.deepEqual(r.error.issues[0]?.path, ['policy', 'grants', 0, 'objects', 0]);
  });
});

describe('batches', () => {
  it('checks 10k objects against 50 grants, each as authorize would', () => {
    const grants = Array.from({ length: 50 }, (_, i) => ({
      principals: [i % 2 ? 'api-key:alice' : 'api-key:*'],
      actions: ['derive' as const],
      keys: [i % 5 ? 'k_1' : '*'],
      objects: [`tenants/t${i}/contracts/*/fields/amount`, `tenants/t${i}/reports/**`],
    }));
    const policy = createPolicy(
      {
        grants,
        denies: [
          {
            principals: ['api-key:alice'],
            actions: ['derive'],
            keys: ['k_1'],
            objects: ['tenants/t7/reports/hr/**'],
          },
        ],
      },
      'node-1',
    );
    const objects = Array.from({ length: 10_000 }, (_, i) => {
      const t = `tenants/t${i % 60}`;
      if (i % 3 === 0) return `${t}/contracts/${i}/fields/amount`;
      if (i % 3 === 1) return `${t}/contracts/${i}/fields/ssn`;
      return `${t}/reports/${i % 2 ? 'hr' : 'sales'}/${i}`;
    });
    const started = performance.now();
    const results = policy.authorizeMany(alice, 'derive', 'k_1', objects);
    const ms = performance.now() - started;
    console.log(`authorizeMany: 10,000 objects, 50 grants: ${ms.toFixed(1)} ms`);
    assert.equal(results.length, objects.length);
    objects.forEach((o, i) => {
      const tenant = Number(o.split('/')[1]?.slice(1));
      const expected = tenant < 50 && !o.includes('/fields/ssn') && !o.startsWith('tenants/t7/reports/hr/');
      assert.equal(results[i]?.allowed, expected, o);
      if (i % 97 === 0) assert.deepEqual(results[i], policy.authorize(alice, 'derive', 'k_1', o));
    });
  });
});
