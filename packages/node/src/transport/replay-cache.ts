/**
 * Bounded in-memory record of the (sender, message id) pairs a node accepted, so the same signed
 * envelope is taken at most once. An entry lives twice the time window: a message accepted at
 * time t carries ts <= t + window and is stale after ts + window <= t + 2 * window.
 *
 * When the cache is full it drops its oldest entry, and from then on refuses every message whose
 * timestamp is not newer than a dropped one: it cannot tell those from replays, so it fails closed
 * (only a flood from pinned peers gets it there).
 */
export type ReplayVerdict = 'fresh' | 'replay' | 'unprovable';

export type ReplayCache = {
  /** The time window (ms) the cache was sized for; entries live `2 * windowMs`. */
  readonly windowMs: number;
  readonly size: number;
  /**
   * Records `(from, mid)` and answers `fresh`, or `replay` when it was already recorded, or
   * `unprovable` when the cache had to drop entries at least as old as `ts`.
   */
  checkAndRecord(from: string, mid: string, ts: number, now: number): ReplayVerdict;
};

export type ReplayCacheOptions = { windowMs?: number; maxEntries?: number };

export const DEFAULT_WINDOW_MS = 60_000;
export const DEFAULT_REPLAY_ENTRIES = 100_000;

export function createReplayCache(opts: ReplayCacheOptions = {}): ReplayCache {
  const windowMs = opts.windowMs ?? DEFAULT_WINDOW_MS;
  const maxEntries = opts.maxEntries ?? DEFAULT_REPLAY_ENTRIES;
  if (!Number.isSafeInteger(windowMs) || windowMs <= 0)
    throw new RangeError('windowMs must be a positive integer');
  if (!Number.isSafeInteger(maxEntries) || maxEntries <= 0)
    throw new RangeError('maxEntries must be a positive integer');
  const ttl = 2 * windowMs;
  // Insertion order is expiry order (expiry = arrival + ttl), so expired entries sit at the front.
  const entries = new Map<string, { readonly expires: number; readonly ts: number }>();
  let droppedTs = Number.NEGATIVE_INFINITY;

  return {
    windowMs,
    get size() {
      return entries.size;
    },
    checkAndRecord(from, mid, ts, now) {
      for (const [k, e] of entries) {
        if (e.expires >= now) break;
        entries.delete(k);
      }
      // Party ids are visible ASCII (no space), so the key is unambiguous.
      const key = `${from} ${mid}`;
      if (entries.has(key)) return 'replay';
      if (ts <= droppedTs) return 'unprovable';
      if (entries.size >= maxEntries) {
        for (const [k, e] of entries) {
          entries.delete(k);
          droppedTs = Math.max(droppedTs, e.ts);
          break;
        }
      }
      entries.set(key, { expires: now + ttl, ts });
      return 'fresh';
    },
  };
}
