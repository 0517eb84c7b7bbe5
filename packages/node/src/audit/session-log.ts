/**
 * Writes the end of a session: its row in `sessions` and its audit record, in one transaction,
 * group-committed with whatever else finished meanwhile; an outcome that is only an audit record
 * is appended in one statement.
 */
import type { SessionAbortInput, Store } from '../storage/index.ts';
import type { AuditInput } from '../storage/store.ts';
import { GroupCommit } from './group-commit.ts';

export type SessionOutcome = {
  ssid: string;
  protocol: string;
  keyId: string;
  /** `update` when `beginSession` created the row, `insert` when it must be created now, `none` to audit only. */
  row: 'insert' | 'update' | 'none';
  status: 'done' | 'aborted';
  abort?: SessionAbortInput;
  audit: AuditInput;
  /**
   * More work that must commit in the same transaction as the record (taking a presignature
   * together with its authorisation record: one fsync). A throw fails only this outcome.
   */
  within?: (tx: Store) => Promise<void>;
};

/**
 * `running()` counts the sessions in progress. While more are running than there are records
 * waiting (each running session has at most one record in flight at a time), a flush waits up to
 * `lingerMs` so that records finishing together share one commit (one fsync); a lone signature,
 * whose own session is the only one running, is not delayed.
 */
export function createSessionLog(
  store: Store,
  opts: { running?: () => number; lingerMs?: number } = {},
): { record(o: SessionOutcome): Promise<void> } {
  const lingerMs = opts.lingerMs ?? 2;
  const running = opts.running ?? (() => 0);
  /** Everything of outcomes with rows or work of their own, in one transaction. */
  const writeTogether = (items: SessionOutcome[]) =>
    store.transaction(async (tx) => {
      // Posted together, not one after another: the statements do not depend on each other,
      // and awaiting each would cost a round trip through this (busy) event loop per statement
      // while the transaction holds the database (PGlite's worker runs them back to back).
      // Every one settles before the transaction ends, so a failure rolls back all of them.
      const settled = await Promise.allSettled([
        tx.insertFinishedSessions(
          items
            .filter((o) => o.row === 'insert')
            .map((o) => ({
              ssid: o.ssid,
              protocol: o.protocol,
              keyId: o.keyId,
              status: o.status,
              ...(o.status === 'aborted'
                ? { abort: o.abort ?? { code: 'internal' as const, culprits: [] } }
                : {}),
            })),
        ),
        ...items
          .filter((x) => x.row === 'update')
          .map((o) =>
            o.status === 'done'
              ? tx.finishSession(o.ssid, 'done')
              : tx.finishSession(o.ssid, 'aborted', o.abort ?? { code: 'internal', culprits: [] }),
          ),
        ...items.map((o) => o.within?.(tx)),
        tx.appendAuditBatch(items.map((o) => o.audit)),
      ]);
      for (const r of settled) if (r.status === 'rejected') throw r.reason;
    });
  const auditOnly = (o: SessionOutcome) => o.row === 'none' && !o.within;
  const gc = new GroupCommit<SessionOutcome>(
    async (items) => {
      // One commit per flush. A flush of records with nothing else to write (a signature's
      // authorisation record, most outcomes) is the one statement that appends and commits at
      // once (the audit append is a single compare-and-swap statement): one round trip to the
      // database, not four (BEGIN, statements, COMMIT), each waiting for this busy event loop.
      // A flush that needs a transaction anyway (rows, or work of its own such as taking the
      // next presignature) takes those records into it: a second commit would cost more than
      // the wait (PGlite: ≈ 1 ms of its worker's CPU per signer and signature, measured).
      if (items.every(auditOnly)) await store.appendAuditBatch(items.map((o) => o.audit));
      else await writeTogether(items);
    },
    { linger: (queued) => (running() > queued ? lingerMs : 0) },
  );
  return { record: (o) => gc.submit(o) };
}
