import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TkmsError } from '@tkms/core';
import { createRateLimiter } from './rate-limit.ts';

function fakeClock(start = 1_000) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

function retryAfter(fn: () => void): number {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof TkmsError);
    assert.equal(e.code, 'policy.rate_limited');
    const ms = e.meta.retryAfterMs;
    assert.equal(typeof ms, 'number');
    assert.equal(e.details, `retry in ${ms} ms`);
    return ms as number;
  }
  assert.fail('expected policy.rate_limited');
}

describe('rate limiter', () => {
  it('allows a full burst at once, then refuses and says when to retry', () => {
    const clock = fakeClock();
    const rl = createRateLimiter({ elementsPerSecond: 100, burst: 1_000, now: clock.now });
    rl.take('api-key:alice', 'k_1', 600);
    rl.take('api-key:alice', 'k_1', 400);
    assert.equal(
      retryAfter(() => rl.take('api-key:alice', 'k_1', 50)),
      500,
      '50 elements at 100/s',
    );
  });

  it('refills at the configured rate, up to the burst only', () => {
    const clock = fakeClock();
    const rl = createRateLimiter({ elementsPerSecond: 1_000, burst: 1_000, now: clock.now });
    rl.take('p', 'k', 1_000);
    clock.advance(40);
    assert.equal(
      retryAfter(() => rl.take('p', 'k', 50)),
      10,
    );
    clock.advance(10);
    rl.take('p', 'k', 50); // the refused take consumed nothing
    clock.advance(3_600_000);
    rl.take('p', 'k', 1_000);
    assert.ok(retryAfter(() => rl.take('p', 'k', 1)) > 0, 'an hour idle refills only to the burst');
  });

  it('keeps one bucket per principal and key', () => {
    const clock = fakeClock();
    const rl = createRateLimiter({ elementsPerSecond: 1, burst: 10, now: clock.now });
    rl.take('api-key:alice', 'k_1', 10);
    rl.take('api-key:alice', 'k_2', 10);
    rl.take('api-key:bob', 'k_1', 10);
    // The length prefix keeps ("ab", "c") and ("a", "bc") apart.
    rl.take('ab', 'c', 10);
    rl.take('a', 'bc', 10);
    retryAfter(() => rl.take('api-key:alice', 'k_1', 1));
  });

  it('refuses a batch larger than the burst as too large, since no wait would help', () => {
    const rl = createRateLimiter({ elementsPerSecond: 1, burst: 10, now: fakeClock().now });
    assert.throws(
      () => rl.take('p', 'k', 11),
      (e: unknown) => e instanceof TkmsError && e.code === 'request.too_large',
    );
    rl.take('p', 'k', 10);
  });

  it('drops buckets that have refilled, so idle callers cost no memory', () => {
    const clock = fakeClock();
    const rl = createRateLimiter({ elementsPerSecond: 10, burst: 100, now: clock.now });
    for (let i = 0; i < 50; i++) rl.take(`api-key:u${i}`, 'k', 100);
    assert.equal(rl.size, 50);
    clock.advance(10_000);
    rl.take('api-key:late', 'k', 1);
    assert.equal(rl.size, 1);
  });

  it('stays within maxEntries, dropping the least recently used bucket', () => {
    const clock = fakeClock();
    const rl = createRateLimiter({ elementsPerSecond: 1, burst: 10, maxEntries: 3, now: clock.now });
    rl.take('a', 'k', 10);
    rl.take('b', 'k', 10);
    rl.take('c', 'k', 10);
    retryAfter(() => rl.take('a', 'k', 1)); // touches a: b is now the least recently used
    rl.take('d', 'k', 10);
    assert.equal(rl.size, 3);
    rl.take('b', 'k', 10); // b was dropped, so it starts full again
    retryAfter(() => rl.take('a', 'k', 1));
    retryAfter(() => rl.take('d', 'k', 1));
  });

  it('ignores a clock that steps back and treats n = 0 as free', () => {
    const clock = fakeClock(5_000);
    const rl = createRateLimiter({ elementsPerSecond: 1, burst: 10, now: clock.now });
    rl.take('p', 'k', 10);
    clock.advance(-4_000);
    rl.take('p', 'k', 0);
    assert.equal(
      retryAfter(() => rl.take('p', 'k', 1)),
      1_000,
    );
  });

  it('validates its options and n', () => {
    assert.throws(() => createRateLimiter({ elementsPerSecond: 0, burst: 1 }), RangeError);
    assert.throws(() => createRateLimiter({ elementsPerSecond: 1, burst: 1.5 }), RangeError);
    assert.throws(() => createRateLimiter({ elementsPerSecond: 1, burst: 1, maxEntries: 0 }), RangeError);
    const rl = createRateLimiter({ elementsPerSecond: 1, burst: 1 });
    assert.throws(() => rl.take('p', 'k', -1), RangeError);
    assert.throws(() => rl.take('p', 'k', Number.NaN), RangeError);
  });
});
