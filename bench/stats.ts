/** Percentile by nearest rank of a copy sorted ascending (p in 0..100). */
export const pct = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
};
export const median = (xs: readonly number[]): number => pct(xs, 50);
