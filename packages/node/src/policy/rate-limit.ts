/**
 * Per-caller, per-key token buckets that count elements (objects evaluated), not requests. Every
 * OPRF evaluation answers one static Diffie-Hellman query on the key share, so capping the rate
 * per (principal, key) bounds what a stolen credential can ask before someone notices.
 *
 * Memory is bounded: a bucket that has refilled to `burst` says nothing a new bucket would not,
 * so it is dropped; past `maxEntries` the least recently used bucket is dropped as well (its
 * caller then starts from a full bucket again, so callers must take only after authorisation,
 * when the key id is one they are allowed to use).
 */
import { TkmsError } from '@tkms/core';

export const DEFAULT_OPRF_ELEMENTS_PER_SECOND = 2_000;
export const DEFAULT_OPRF_BURST = 20_000;
export const DEFAULT_RATE_LIMIT_ENTRIES = 100_000;

export type RateLimiterOptions = {
  /** Refill rate. */
  elementsPerSecond: number;
  /** Bucket size: the most elements one caller can use on one key at once. */
  burst: number;
  maxEntries?: number;
  /** Monotonic milliseconds; default `performance.now`. */
  now?: () => number;
};

export type RateLimiter = {
  /**
   * Takes `n` elements from the bucket of (`principalKey`, `keyId`), or takes nothing and throws.
   * @throws TkmsError `policy.rate_limited` with `meta.retryAfterMs`
   * @throws TkmsError `request.too_large` when `n` exceeds the burst (no wait would help)
   */
  take(principalKey: string, keyId: string, n: number): void;
  /** Buckets held (for tests and metrics). */
  readonly size: number;
};

type Bucket = { readonly tokens: number; readonly at: number };

export function createRateLimiter(opts: RateLimiterOptions): RateLimiter {
  const { elementsPerSecond, burst } = opts;
  const maxEntries = opts.maxEntries ?? DEFAULT_RATE_LIMIT_ENTRIES;
  const now = opts.now ?? (() => performance.now());
  if (!Number.isFinite(elementsPerSecond) || elementsPerSecond <= 0)
    throw new RangeError('elementsPerSecond must be a positive number');
  if (!Number.isSafeInteger(burst) || burst <= 0) throw new RangeError('burst must be a positive integer');
  if (!Number.isSafeInteger(maxEntries) || maxEntries <= 0)
    throw new RangeError('maxEntries must be a positive integer');
  const perMs = elementsPerSecond / 1000;
  // Map order is least recently used first: a bucket is re-inserted on every take.
  const buckets = new Map<string, Bucket>();
  const level = (b: Bucket, t: number) => Math.min(burst, b.tokens + Math.max(0, t - b.at) * perMs);

  return {
    get size() {
      return buckets.size;
    },
    take(principalKey, keyId, n) {
      if (!Number.isSafeInteger(n) || n < 0) throw new RangeError('n must be a non-negative integer');
      if (n > burst)
        throw new TkmsError('request.too_large', {
          details: `${n} elements in one request; this node allows at most ${burst} per caller and key`,
        });
      if (n === 0) return;
      const t = now();
      for (const [k, b] of buckets) {
        if (level(b, t) < burst) break;
        buckets.delete(k);
      }
      // Length-prefixed, so no principal name can collide with another (principal, key) pair.
      const id = `${principalKey.length}:${principalKey}${keyId}`;
      const b = buckets.get(id);
      const tokens = b ? level(b, t) : burst;
      buckets.delete(id);
      if (tokens < n) {
        buckets.set(id, { tokens, at: t });
        const retryAfterMs = Math.ceil((n - tokens) / perMs);
        throw new TkmsError('policy.rate_limited', {
          details: `retry in ${retryAfterMs} ms`,
          meta: { retryAfterMs },
        });
      }
      if (buckets.size >= maxEntries) {
        const oldest = buckets.keys().next();
        if (!oldest.done) buckets.delete(oldest.value);
      }
      buckets.set(id, { tokens: tokens - n, at: t });
    },
  };
}
