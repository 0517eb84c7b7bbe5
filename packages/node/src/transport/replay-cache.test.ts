import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createReplayCache } from './replay-cache.ts';

const T0 = 1_000_000;

describe('replay cache', () => {
  it('answers fresh once, then replay, for the same sender and message id', () => {
    const c = createReplayCache({ windowMs: 1_000 });
    assert.equal(c.checkAndRecord('a', 'm1', T0, T0), 'fresh');
    assert.equal(c.checkAndRecord('a', 'm1', T0, T0 + 10), 'replay');
    assert.equal(c.checkAndRecord('b', 'm1', T0, T0 + 10), 'fresh', 'keys are per sender');
  });

  it('keeps an entry for exactly twice the window, then forgets it', () => {
    const c = createReplayCache({ windowMs: 1_000 });
    c.checkAndRecord('a', 'm1', T0, T0);
    assert.equal(c.checkAndRecord('a', 'm1', T0, T0 + 2_000), 'replay');
    c.checkAndRecord('a', 'other', T0 + 2_001, T0 + 2_001);
    assert.equal(c.size, 1, 'the expired entry was purged');
  });

  it('stays within maxEntries and refuses what it can no longer rule out', () => {
    const c = createReplayCache({ windowMs: 60_000, maxEntries: 3 });
    for (let i = 0; i < 3; i++) assert.equal(c.checkAndRecord('a', `m${i}`, T0 + i, T0), 'fresh');
    // A fourth message pushes out m0 (ts T0); from now on nothing with ts <= T0 is accepted.
    assert.equal(c.checkAndRecord('a', 'm3', T0 + 3, T0), 'fresh');
    assert.equal(c.size, 3);
    assert.equal(c.checkAndRecord('a', 'm0', T0, T0), 'unprovable', 'the evicted message cannot come back');
    assert.equal(c.checkAndRecord('b', 'x', T0 - 5, T0), 'unprovable');
    assert.equal(c.checkAndRecord('a', 'm1', T0 + 1, T0), 'replay');
    assert.equal(c.checkAndRecord('a', 'm4', T0 + 4, T0), 'fresh');
    assert.equal(c.size, 3);
  });

  it('validates its options', () => {
    assert.throws(() => createReplayCache({ windowMs: 0 }), RangeError);
    assert.throws(() => createReplayCache({ maxEntries: 1.5 }), RangeError);
  });
});
