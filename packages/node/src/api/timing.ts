/**
 * Phase timings of one request, sent back as a `Server-Timing` header (W3C Server Timing) so a
 * client or benchmark can see where a node spent its time without a profiler.
 */
export class Timing {
  readonly #start = performance.now();
  #last = this.#start;
  readonly #phases: Array<[string, number]> = [];

  mark(phase: string): void {
    const now = performance.now();
    this.#phases.push([phase, now - this.#last]);
    this.#last = now;
  }

  header(): string {
    return [...this.#phases, ['total', performance.now() - this.#start] as [string, number]]
      .map(([name, ms]) => `${name};dur=${ms.toFixed(2)}`)
      .join(', ');
  }
}
