/**
 * Drives one protocol session for one party. The runner owns everything that is the same for
 * every protocol (multi-party-sig's handler, cb-mpc's job): it checks each envelope's header
 * against the session before the payload is decoded, drops exact duplicates, turns two different
 * messages for the same slot into an equivocation abort, queues messages for future rounds, runs
 * the echo exchange for rounds that need consistent broadcasts, and turns a timeout event into an
 * abort naming the parties that are missing. It does no I/O and reads no clock: the host delivers
 * envelopes, sends the outbox and calls `expire()` when its own timer fires.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { type Bytes, bytesToHex, equalBytes, fromUtf8, u32be, utf8 } from '../crypto/bytes.ts';
import { decodeFields, encodeFields } from '../crypto/lp.ts';
import { hashTranscript } from '../crypto/transcript.ts';
import type { ErrorCode } from '../errors/catalog.ts';
import type { Abort, Envelope, PartyId, Round, SessionContext, Step } from './types.ts';

export type RunnerStatus = 'running' | 'done' | 'aborted';

export type RunnerUpdate<Out> = {
  /** Envelopes to send now. */
  readonly outbox: readonly Envelope[];
  readonly status: RunnerStatus;
  readonly output?: Out;
  readonly abort?: Abort;
  /** Set when the delivered envelope was refused without harming the session (wrong header, outsider). */
  readonly rejected?: Abort;
};

type Slot = `${number}:${'msg' | 'echo'}:${PartyId}`;

export class SessionRunner<Out> {
  readonly #ctx: SessionContext;
  readonly #ssidHex: string;
  readonly #start: (ctx: SessionContext) => Step<Out>;
  #round: Round<Out> | null = null;
  #status: RunnerStatus = 'running';
  #output: Out | undefined;
  #abort: Abort | undefined;
  /** Digest of every message accepted so far, per slot: duplicates are dropped, conflicts abort. */
  readonly #seen = new Map<Slot, Bytes>();
  /** Messages that arrived before their round. */
  readonly #pending = new Map<Slot, Envelope>();
  /** Current round: parties whose message is in, and broadcast payloads for the echo. */
  #got = new Set<PartyId>();
  #broadcasts = new Map<PartyId, Bytes>();
  #echo: { mine: Bytes; got: Map<PartyId, Bytes> } | null = null;
  #started = false;

  constructor(ctx: SessionContext, start: (ctx: SessionContext) => Step<Out>) {
    if (!ctx.parties.includes(ctx.self)) throw new RangeError('self is not a party of the session');
    this.#ctx = ctx;
    this.#ssidHex = bytesToHex(ctx.ssid);
    this.#start = start;
  }

  get status(): RunnerStatus {
    return this.#status;
  }

  get round(): number {
    return this.#round?.number ?? 0;
  }

  /** Parties whose message (or echo) the current round still waits for. */
  get waitingFor(): PartyId[] {
    const r = this.#round;
    if (!r || this.#status !== 'running') return [];
    if (this.#echo) return r.from.filter((p) => !this.#echo?.got.has(p));
    return r.from.filter((p) => !this.#got.has(p));
  }

  /** Status with the output or abort value, delivering nothing. */
  result(): RunnerUpdate<Out> {
    return this.#update([]);
  }

  /** Runs the protocol's first step. Call once. */
  start(): RunnerUpdate<Out> {
    if (this.#started) throw new Error('session already started');
    this.#started = true;
    const outbox: Envelope[] = [];
    this.#apply(
      this.#guard(0, () => this.#start(this.#ctx)),
      outbox,
    );
    this.#advance(outbox);
    return this.#update(outbox);
  }

  receive(env: Envelope): RunnerUpdate<Out> {
    const outbox: Envelope[] = [];
    const rejected = this.#accept(env);
    if (!rejected) this.#advance(outbox);
    return this.#update(outbox, rejected);
  }

  /** The host's timer fired: abort, naming whoever the current round still waits for. */
  expire(): RunnerUpdate<Out> {
    if (this.#status === 'running') {
      const missing = this.waitingFor;
      this.#fail({
        code: 'protocol.timeout',
        round: this.round,
        culprits: missing,
        detail: `no ${this.#echo ? 'echo' : 'message'} from ${missing.join(', ') || '(nobody)'} in round ${this.round}`,
      });
    }
    return this.#update([]);
  }

  /** Header checks, dedupe and queueing. Returns an Abort value when the envelope is refused. */
  #accept(env: Envelope): Abort | undefined {
    const reject = (code: ErrorCode, detail: string): Abort => ({
      code,
      round: env.round,
      culprits: [env.from],
      detail,
    });
    if (env.protocol !== this.#ctx.protocol || env.ssid !== this.#ssidHex)
      return reject('protocol.header_mismatch', 'protocol or session id does not match');
    if (env.to !== this.#ctx.self) return reject('protocol.header_mismatch', `addressed to ${env.to}`);
    if (env.from === this.#ctx.self || !this.#ctx.parties.includes(env.from))
      return reject('protocol.unexpected_sender', `${env.from} is not a party of this session`);
    if (!Number.isSafeInteger(env.round) || env.round < 1 || (env.kind !== 'msg' && env.kind !== 'echo'))
      return reject('protocol.header_mismatch', 'bad round or kind');
    if (this.#status !== 'running') return undefined;

    const slot: Slot = `${env.round}:${env.kind}:${env.from}`;
    const digest = sha256(env.payload);
    const before = this.#seen.get(slot);
    if (before) {
      if (equalBytes(before, digest)) return undefined; // exact duplicate: dropped
      this.#fail({
        code: 'protocol.equivocation',
        round: env.round,
        culprits: [env.from],
        detail: `${env.from} sent two different ${env.kind} messages for round ${env.round}`,
      });
      return undefined;
    }
    const current = this.round;
    if (env.round < current)
      return reject('protocol.unexpected_sender', `late message for round ${env.round}`);
    if (env.round > current || (env.kind === 'echo' && !this.#echo)) {
      if (env.round > current + 2)
        return reject('protocol.header_mismatch', `round ${env.round} is too far ahead`);
      this.#seen.set(slot, digest);
      this.#pending.set(slot, env);
      return undefined;
    }
    const r = this.#round;
    if (!r?.from.includes(env.from))
      return reject('protocol.unexpected_sender', `${env.from} has no message in round ${env.round}`);
    this.#seen.set(slot, digest);
    this.#deliver(r, env);
    return undefined;
  }

  #deliver(r: Round<Out>, env: Envelope): void {
    if (env.kind === 'echo') {
      this.#echo?.got.set(env.from, env.payload);
      return;
    }
    const v = this.#guard(r.number, () => r.verify(env.from, env.payload));
    if (!v) return;
    if (!v.ok) {
      this.#fail(v.abort);
      return;
    }
    this.#guard(r.number, () => r.store(env.from, v.value));
    this.#got.add(env.from);
    if (r.kind === 'broadcast') this.#broadcasts.set(env.from, env.payload);
  }

  /** Moves through as many rounds as the messages in hand allow. */
  #advance(outbox: Envelope[]): void {
    for (;;) {
      const r = this.#round;
      if (this.#status !== 'running' || !r) return;
      if (!this.#echo) {
        if (r.from.some((p) => !this.#got.has(p))) return;
        // With two parties there is no third one that could have been sent a different broadcast,
        // so the echo would compare a message with itself: skip the round trip.
        if (r.echo && this.#ctx.parties.length > 2) {
          this.#startEcho(r, outbox);
          continue;
        }
      } else {
        if (r.from.some((p) => !this.#echo?.got.has(p))) return;
        const mismatch = this.#compareEchoes(r);
        if (mismatch) {
          this.#fail(mismatch);
          return;
        }
      }
      const step = this.#guard(r.number, () => r.finalize());
      if (!step) return;
      this.#apply(step, outbox);
    }
  }

  #startEcho(r: Round<Out>, outbox: Envelope[]): void {
    const mine = this.#echoDigest(r.number);
    this.#echo = { mine, got: new Map() };
    for (const to of r.from) outbox.push(this.#envelope(to, r.number, 'echo', mine));
    this.#drainPending();
  }

  /** Echo payload: per sender, the hash of the broadcast as this party received it. */
  #echoDigest(round: number): Bytes {
    const senders = [...this.#broadcasts.keys()].sort();
    const fields: Bytes[] = [u32be(round)];
    for (const s of senders) fields.push(utf8(s), sha256(this.#broadcasts.get(s) as Bytes));
    return encodeFields(fields);
  }

  #compareEchoes(r: Round<Out>): Abort | undefined {
    const mine = this.#echo?.mine as Bytes;
    const disagree: PartyId[] = [];
    const disputed = new Set<PartyId>();
    const myView = parseEcho(mine);
    for (const [from, theirs] of this.#echo?.got ?? []) {
      if (equalBytes(theirs, mine)) continue;
      disagree.push(from);
      const view = parseEcho(theirs);
      if (!view) continue;
      for (const [sender, h] of view) {
        const m = myView?.get(sender);
        if (!m || !equalBytes(m, h)) disputed.add(sender);
      }
    }
    if (disagree.length === 0) return undefined;
    // Without transferable evidence an honest party cannot tell an equivocating sender from a
    // lying echoer, so nobody is blamed; the detail says whose broadcasts are disputed.
    return {
      code: 'protocol.echo_mismatch',
      round: r.number,
      culprits: [],
      detail: `${disagree.sort().join(', ')} saw different round-${r.number} broadcasts (disputed senders: ${[...disputed].sort().join(', ') || 'unknown'})`,
    };
  }

  #apply(step: Step<Out> | undefined, outbox: Envelope[]): void {
    if (!step) return;
    if (step.type === 'abort') {
      this.#fail(step.abort);
      return;
    }
    if (step.type === 'done') {
      this.#status = 'done';
      this.#output = step.output;
      this.#round = null;
      this.#pending.clear();
      return;
    }
    const next = step.round;
    const previous = this.round;
    if (next.number !== previous + 1)
      throw new Error(`round ${next.number} does not follow round ${previous}`);
    this.#round = next;
    this.#got = new Set();
    this.#broadcasts = new Map();
    this.#echo = null;
    for (const m of step.outbox) {
      const targets = m.to === '*' ? this.#ctx.parties.filter((p) => p !== this.#ctx.self) : [m.to];
      for (const to of targets) outbox.push(this.#envelope(to, next.number, 'msg', m.payload));
      if (m.to === '*' && next.kind === 'broadcast') this.#broadcasts.set(this.#ctx.self, m.payload);
    }
    this.#drainPending();
  }

  #drainPending(): void {
    const r = this.#round;
    if (!r) return;
    for (const [slot, env] of [...this.#pending]) {
      if (this.#status !== 'running') return;
      if (env.round !== r.number) continue;
      if (env.kind === 'echo' && !this.#echo) continue;
      this.#pending.delete(slot);
      if (!r.from.includes(env.from)) continue;
      this.#deliver(r, env);
    }
  }

  #envelope(to: PartyId, round: number, kind: 'msg' | 'echo', payload: Bytes): Envelope {
    return {
      protocol: this.#ctx.protocol,
      ssid: this.#ssidHex,
      from: this.#ctx.self,
      to,
      round,
      kind,
      payload,
    };
  }

  /** A protocol that throws is a bug or a decoding gap; it must still end as an abort value. */
  #guard<T>(round: number, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (e) {
      this.#fail({
        code: 'protocol.malformed',
        round,
        culprits: [],
        detail: `protocol error: ${e instanceof Error ? e.message : 'unknown'}`,
      });
      return undefined;
    }
  }

  #fail(abort: Abort): void {
    if (this.#status !== 'running') return;
    this.#status = 'aborted';
    this.#abort = abort;
    this.#round = null;
    this.#pending.clear();
  }

  #update(outbox: Envelope[], rejected?: Abort): RunnerUpdate<Out> {
    // Nothing leaves an aborted session, not even messages produced before the abort in this call.
    const out = this.#status === 'aborted' ? [] : outbox;
    return {
      outbox: out,
      status: this.#status,
      ...(this.#output !== undefined ? { output: this.#output } : {}),
      ...(this.#abort ? { abort: this.#abort } : {}),
      ...(rejected ? { rejected } : {}),
    };
  }
}

function parseEcho(b: Bytes): Map<PartyId, Bytes> | undefined {
  try {
    const f = decodeFields(b);
    const m = new Map<PartyId, Bytes>();
    for (let i = 1; i + 1 < f.length; i += 2) m.set(fromUtf8(f[i] as Bytes), f[i + 1] as Bytes);
    return m;
  } catch {
    return undefined;
  }
}

/** Transcript hash of a finished round's broadcasts; protocols may bind later rounds to it. */
export function broadcastDigest(ssid: Bytes, round: number, broadcasts: ReadonlyMap<PartyId, Bytes>): Bytes {
  const senders = [...broadcasts.keys()].sort();
  return hashTranscript('engine/broadcasts', [
    ssid,
    u32be(round),
    ...senders.flatMap((s) => [utf8(s), broadcasts.get(s) as Bytes]),
  ]);
}
