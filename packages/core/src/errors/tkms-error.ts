import { ERRORS, type ErrorCode } from './catalog.ts';

export type TkmsErrorOptions = {
  /** Human detail; must not contain secret material. */
  details?: string;
  /** Party ids blamed for the failure, when the protocol can tell. */
  culprits?: readonly string[];
  /** Extra structured, non-secret context (e.g. `{ node: "node-2" }`). */
  meta?: Record<string, unknown>;
  cause?: unknown;
};

/**
 * The one error type of tkms (viem's BaseError shape): a stable `code`, a `shortMessage` from the
 * catalog, optional `details`, `culprits` and a `cause` chain that `walk()` follows.
 */
export class TkmsError extends Error {
  override readonly name = 'TkmsError';
  readonly code: ErrorCode;
  readonly shortMessage: string;
  readonly details: string | undefined;
  readonly culprits: readonly string[];
  readonly meta: Record<string, unknown>;

  constructor(code: ErrorCode, opts: TkmsErrorOptions = {}) {
    const shortMessage = ERRORS[code].title;
    super(opts.details ? `${shortMessage}: ${opts.details}` : shortMessage, { cause: opts.cause });
    this.code = code;
    this.shortMessage = shortMessage;
    this.details = opts.details;
    this.culprits = opts.culprits ?? [];
    this.meta = opts.meta ?? {};
  }

  get status(): number {
    return ERRORS[this.code].status;
  }

  /** Follows `cause` links; returns the first error matching `fn`, or the deepest one. */
  walk(fn?: (e: unknown) => boolean): unknown {
    let e: unknown = this;
    while (e instanceof Error) {
      if (fn?.(e)) return e;
      if (!(e.cause instanceof Error)) return fn ? undefined : e;
      e = e.cause;
    }
    return fn ? undefined : e;
  }
}
