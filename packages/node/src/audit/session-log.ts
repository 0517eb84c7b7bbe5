/**
 * Writes the end of a session: its row in `sessions` and its audit record, in one transaction,
 * group-committed with whatever else finished meanwhile.
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
 * `busy()` tells whether other sessions are still running; if so a lone record waits up to
 * `lingerMs` so that records finishing together share one commit (one fsync).
 */
export function createSessionLog(
  store: Store,
  opts: { busy?: () => boolean; lingerMs?: number } = {},
): { record(o: SessionOutcome): Promise<void> } {
  const lingerMs = opts.lingerMs ?? 2;
  const busy = opts.busy ?? (() => false);
  const gc = new GroupCommit<SessionOutcome>(
    (items) =>
      store.transaction(async (tx) => {
        await tx.insertFinishedSessions(
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
        );
        for (const o of items.filter((x) => x.row === 'update')) {
          if (o.status === 'done') await tx.finishSession(o.ssid, 'done');
          else await tx.finishSession(o.ssid, 'aborted', o.abort ?? { code: 'internal', culprits: [] });
        }
        for (const o of items) if (o.within) await o.within(tx);
        await tx.appendAuditBatch(items.map((o) => o.audit));
      }),
    { linger: () => (busy() ? lingerMs : 0) },
  );
  return { record: (o) => gc.submit(o) };
}
