/**
 * The signing paths' audit discipline in one place: the authorisation record is group-committed
 * while the protocol runs, and a share leaves only when both are done.
 */
import type { NodeContext } from '../context.ts';
import type { Store } from '../storage/index.ts';
import { recordFailure } from './create-key.ts';

export type SessionRef = { ssid: string; protocol: string; keyId: string; row: 'update' | 'none' };

/**
 * Writes the authorisation record while `run` executes the protocol and returns only when both
 * are done (no audit record, no answer). On failure the authorisation record is awaited first, so
 * the failure record follows it in the chain, and the session (row per `session.row`) is closed
 * as aborted.
 *
 * With `before`, that work commits in the record's transaction and `run` starts only after the
 * commit: what must be durable before anything leaves (a presignature taken) costs no second
 * fsync. If `before` throws, nothing of it or of the record is written, and the failure is
 * recorded.
 */
export async function runAuthorized<T>(
  ctx: NodeContext,
  session: SessionRef,
  actor: string,
  detail: Record<string, string | boolean | string[] | null>,
  run: () => Promise<T>,
  before?: (tx: Store) => Promise<void>,
): Promise<T> {
  const audited = ctx.sessionLog.record({
    ...(before ? { within: before } : {}),
    ...session,
    row: 'none',
    status: 'done',
    audit: {
      actor,
      action: 'key.sign',
      keyId: session.keyId,
      ssid: session.ssid,
      outcome: 'authorized',
      detail,
    },
  });
  try {
    if (before) {
      await audited;
      return await run();
    }
    const [out] = await Promise.all([run(), audited]);
    return out;
  } catch (e) {
    await audited.catch(() => undefined);
    await recordFailure(ctx, session, actor, 'key.sign', e);
    throw e;
  }
}
