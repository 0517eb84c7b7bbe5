import { isErrorCode, TkmsError } from '@tkms/core';
import type { NodeEndpoint } from './config.ts';

/**
 * One JSON call to one node. Network failures become `node.unreachable` naming the node; a
 * problem+json answer becomes a TkmsError with the node's code, detail and culprits.
 */
export async function callNode<T>(
  node: NodeEndpoint,
  method: 'GET' | 'POST',
  path: string,
  body: unknown,
  timeoutMs: number,
): Promise<T> {
  let res: Response;
  const init: RequestInit = {
    method,
    headers: {
      authorization: `Bearer ${node.apiKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  };
  try {
    try {
      res = await fetch(new URL(path, node.url), { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      // A pooled connection the node closed while idle: send once more on a fresh one. Safe for
      // POSTs too, because every request carries a session nonce the node accepts only once.
      if (!isStaleSocket(e)) throw e;
      res = await fetch(new URL(path, node.url), { ...init, signal: AbortSignal.timeout(timeoutMs) });
    }
  } catch (e) {
    const timedOut = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
    throw new TkmsError('node.unreachable', {
      details: `${node.id} (${node.url}) ${timedOut ? `did not answer within ${timeoutMs} ms` : 'refused the connection'}`,
      culprits: [node.id],
      meta: { node: node.id },
      cause: e,
    });
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const p = (json ?? {}) as { code?: unknown; detail?: unknown; culprits?: unknown; meta?: unknown };
    const code = isErrorCode(p.code) ? p.code : 'internal';
    const culprits = Array.isArray(p.culprits)
      ? p.culprits.filter((c): c is string => typeof c === 'string')
      : [];
    throw new TkmsError(code, {
      details: `${node.id}: ${typeof p.detail === 'string' ? p.detail : `HTTP ${res.status}`}`,
      culprits,
      meta: {
        node: node.id,
        status: res.status,
        ...(typeof p.meta === 'object' && p.meta ? (p.meta as object) : {}),
      },
    });
  }
  return json as T;
}

function isStaleSocket(e: unknown): boolean {
  const cause =
    e instanceof Error ? (e.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  return (
    cause?.code === 'UND_ERR_SOCKET' ||
    cause?.code === 'ECONNRESET' ||
    (typeof cause?.message === 'string' && /other side closed/.test(cause.message))
  );
}
