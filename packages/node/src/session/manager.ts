/**
 * Runs protocol sessions with peers. One SessionRunner per session id; envelopes from the peer
 * transport are routed by ssid. Messages that arrive before the local request (peers are usually
 * a little ahead) wait in a bounded buffer. A session ends as a value: done, or a TkmsError
 * naming the culprits — a peer that cannot be reached, a timeout, or a protocol abort.
 */
import {
  type Abort,
  bytesToHex,
  type Envelope,
  type SessionContext,
  SessionRunner,
  type Step,
  TkmsError,
} from '@tkms/core';

export type SendFn = (env: Envelope) => Promise<void>;

export type SessionManagerOptions = {
  self: string;
  send: SendFn;
  /** Whole-session deadline; the abort names whoever the current round waits for. */
  timeoutMs: number;
  /** How long envelopes for a not-yet-started session are kept. */
  earlyTtlMs?: number;
  maxEarlySessions?: number;
  log?: (event: string, fields: Record<string, unknown>) => void;
};

type Early = { at: number; envs: Envelope[] };

type Live = {
  runner: SessionRunner<unknown>;
  settle: (u: { abort?: Abort; output?: unknown; error?: TkmsError }) => void;
};

export class SessionManager {
  readonly #opts: Required<Omit<SessionManagerOptions, 'log'>> & Pick<SessionManagerOptions, 'log'>;
  readonly #live = new Map<string, Live>();
  readonly #early = new Map<string, Early>();
  /** Recently finished sessions: late envelopes for them are dropped quietly. */
  readonly #finished = new Map<string, number>();

  constructor(opts: SessionManagerOptions) {
    this.#opts = { earlyTtlMs: 30_000, maxEarlySessions: 10_000, ...opts };
  }

  get liveCount(): number {
    return this.#live.size;
  }

  /** Runs one session to its end. Rejects with TkmsError (session.aborted, session.timeout, peer.unreachable). */
  run<Out>(ctx: SessionContext, start: (ctx: SessionContext) => Step<Out>): Promise<Out> {
    const ssid = bytesToHex(ctx.ssid);
    if (this.#live.has(ssid) || this.#finished.has(ssid))
      return Promise.reject(new TkmsError('session.exists'));
    const runner = new SessionRunner<Out>(ctx, start);
    return new Promise<Out>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const settle: Live['settle'] = (u) => {
        if (!this.#live.has(ssid)) return;
        this.#live.delete(ssid);
        this.#finished.set(ssid, Date.now());
        clearTimeout(timer);
        if (u.error) return reject(u.error);
        if (u.abort) return reject(abortToError(u.abort));
        resolve(u.output as Out);
      };
      this.#live.set(ssid, { runner: runner as SessionRunner<unknown>, settle });
      timer = setTimeout(() => this.#apply(ssid, runner.expire()), this.#opts.timeoutMs);
      timer.unref?.();
      this.#apply(ssid, runner.start());
      const early = this.#early.get(ssid);
      this.#early.delete(ssid);
      for (const env of early?.envs ?? []) this.deliver(env);
    });
  }

  /** Called by the peer route with an envelope that passed signature and replay checks. */
  deliver(env: Envelope): void {
    const live = this.#live.get(env.ssid);
    if (live) {
      this.#apply(env.ssid, live.runner.receive(env));
      return;
    }
    if (this.#finished.has(env.ssid)) return;
    this.#gc();
    let early = this.#early.get(env.ssid);
    if (!early) {
      if (this.#early.size >= this.#opts.maxEarlySessions) return;
      early = { at: Date.now(), envs: [] };
      this.#early.set(env.ssid, early);
    }
    if (early.envs.length < 256) early.envs.push(env);
  }

  #apply(ssid: string, u: ReturnType<SessionRunner<unknown>['receive']>): void {
    const live = this.#live.get(ssid);
    if (!live) return;
    if (u.rejected)
      this.#opts.log?.('session.rejected_message', {
        ssid,
        code: u.rejected.code,
        culprits: u.rejected.culprits,
      });
    if (u.status === 'done') live.settle({ output: u.output });
    else if (u.status === 'aborted') live.settle({ abort: u.abort as Abort });
    for (const env of u.outbox) {
      this.#opts.send(env).catch((e: unknown) => {
        const err =
          e instanceof TkmsError
            ? e
            : new TkmsError('peer.unreachable', {
                details: `${env.to} cannot be reached`,
                culprits: [env.to],
                cause: e,
              });
        // A peer we cannot reach fails the session now instead of at the deadline.
        live.settle({
          error: new TkmsError(err.code, {
            details: err.details ?? `${env.to}`,
            culprits: err.culprits.length ? err.culprits : [env.to],
            meta: { ...err.meta, node: env.to, round: env.round },
          }),
        });
      });
    }
  }

  #gc(): void {
    const now = Date.now();
    for (const [k, v] of this.#early) if (now - v.at > this.#opts.earlyTtlMs) this.#early.delete(k);
    if (this.#finished.size > 50_000) {
      for (const [k, at] of this.#finished) if (now - at > 10 * 60_000) this.#finished.delete(k);
    }
  }
}

export function abortToError(abort: Abort): TkmsError {
  const code = abort.code === 'protocol.timeout' ? 'session.timeout' : 'session.aborted';
  return new TkmsError(code, {
    details: `${abort.code} in round ${abort.round}: ${abort.detail}`,
    culprits: abort.culprits,
    meta: { abort: { code: abort.code, round: abort.round, culprits: abort.culprits } },
  });
}
