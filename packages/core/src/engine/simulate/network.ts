/**
 * In-process network for protocol tests: one SessionRunner per party, a message queue, fault
 * rules applied as messages are sent, and optional seeded reordering (models delay). When the
 * queue drains, parties still running either stay `stalled` or, with `expire: true`, get their
 * timeout event so the abort names who is missing.
 */
import { SessionRunner } from '../runner.ts';
import type { Abort, Envelope, PartyId, SessionContext, Step } from '../types.ts';
import { seededInts, seededRandom } from './random.ts';
import type { Rule } from './rules.ts';

export type Outcome<Out> =
  | { readonly status: 'done'; readonly output: Out }
  | { readonly status: 'aborted'; readonly abort: Abort }
  | { readonly status: 'stalled'; readonly waitingFor: readonly PartyId[] };

export type SimulateOptions<Out> = {
  protocol: string;
  /** 32 bytes; defaults to a seeded value. */
  ssid?: Uint8Array;
  parties: readonly PartyId[];
  start: (ctx: SessionContext) => Step<Out>;
  rules?: readonly Rule[];
  /** Seed for party randomness and (with `shuffle`) delivery order; print it in failing tests. */
  seed?: number | string;
  /** Deliver queued messages in a seeded random order instead of FIFO. */
  shuffle?: boolean;
  /** Fire every still-running party's timeout when the network is quiet. */
  expire?: boolean;
  /** Extra envelopes delivered first (cross-session replays, forged headers). */
  inject?: readonly Envelope[];
  /** Parties that never start (crashed before the session). */
  offline?: readonly PartyId[];
};

export type SimulateResult<Out> = {
  readonly outcomes: Readonly<Record<PartyId, Outcome<Out>>>;
  /** Envelopes each party refused without aborting (wrong header, outsider), as abort values. */
  readonly rejected: Readonly<Record<PartyId, readonly Abort[]>>;
  /** Every envelope as sent by its sender, before rules. */
  readonly sent: readonly Envelope[];
};

export function simulate<Out>(opts: SimulateOptions<Out>): SimulateResult<Out> {
  const seed = opts.seed ?? 1;
  const parties = [...opts.parties].sort();
  const ssid = opts.ssid ?? seededRandom(seed, 'ssid')(32);
  const offline = new Set(opts.offline ?? []);
  const runners = new Map<PartyId, SessionRunner<Out>>();
  const rejected: Record<PartyId, Abort[]> = {};
  const queue: Envelope[] = [...(opts.inject ?? [])];
  const sent: Envelope[] = [];
  const pick = seededInts(seed);

  const send = (envs: readonly Envelope[]) => {
    for (const env of envs) {
      sent.push(env);
      let out: readonly Envelope[] = [env];
      for (const rule of opts.rules ?? []) out = out.flatMap((e) => rule(e) ?? [e]);
      queue.push(...out);
    }
  };

  for (const self of parties) {
    rejected[self] = [];
    if (offline.has(self)) continue;
    const ctx: SessionContext = {
      protocol: opts.protocol,
      ssid,
      self,
      parties,
      random: seededRandom(seed, `party/${self}`),
    };
    const runner = new SessionRunner(ctx, opts.start);
    runners.set(self, runner);
  }
  for (const runner of runners.values()) send(runner.start().outbox);

  let guard = 0;
  while (queue.length > 0) {
    if (++guard > 1_000_000) throw new Error('simulation did not settle');
    const i = opts.shuffle ? pick(queue.length) : 0;
    const env = queue.splice(i, 1)[0] as Envelope;
    const runner = runners.get(env.to);
    if (!runner) continue;
    const u = runner.receive(env);
    if (u.rejected) rejected[env.to]?.push(u.rejected);
    send(u.outbox);
  }

  const outcomes: Record<PartyId, Outcome<Out>> = {};
  for (const p of parties) {
    const runner = runners.get(p);
    if (!runner) {
      outcomes[p] = { status: 'stalled', waitingFor: [] };
      continue;
    }
    const u = opts.expire && runner.status === 'running' ? runner.expire() : undefined;
    if (runner.status === 'running') outcomes[p] = { status: 'stalled', waitingFor: runner.waitingFor };
    else {
      const final = u ?? runner.result();
      outcomes[p] =
        final.status === 'done'
          ? { status: 'done', output: final.output as Out }
          : { status: 'aborted', abort: final.abort as Abort };
    }
  }
  return { outcomes, rejected, sent };
}
