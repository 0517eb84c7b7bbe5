/**
 * The timing loop of the core micro-benchmarks: `warmup` untimed calls with indices
 * 0..warmup-1, then `iterations` timed calls with the next indices (so a caller can prepare one
 * fresh input per index), printed as p50 and p90.
 */
export function measure(
  label: string,
  fn: (i: number) => void,
  opts: { iterations: number; warmup: number },
): void {
  for (let i = 0; i < opts.warmup; i++) fn(i);
  const times: number[] = [];
  for (let i = opts.warmup; i < opts.warmup + opts.iterations; i++) {
    const t0 = performance.now();
    fn(i);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const q = (p: number) =>
    (times[Math.min(times.length - 1, Math.floor(p * times.length))] as number).toFixed(2);
  console.log(`${label.padEnd(48)} p50 ${q(0.5).padStart(7)} ms   p90 ${q(0.9).padStart(7)} ms`);
}
