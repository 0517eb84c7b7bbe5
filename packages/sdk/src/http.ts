import { isErrorCode, TkmsError } from '@tkms/core';
import type { NodeEndpoint } from './config.ts';

/** One HTTP request as the SDK sends it. */
export type HttpRequest = {
  method: 'GET' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
};
export type HttpAnswer = { status: number; body: string };
/**
 * Sends one request and reads the whole answer. Rejects with an Error named `TimeoutError` when
 * `timeoutMs` passed, and with any other Error when the node could not be reached.
 */
export type HttpTransport = (req: HttpRequest) => Promise<HttpAnswer>;

/** The platform's `fetch` (browsers, Deno, Node); `node-http.ts` is cheaper in Node. */
export const fetchTransport: HttpTransport = async (r) => {
  const init: RequestInit = {
    method: r.method,
    headers: r.headers,
    ...(r.body === undefined ? {} : { body: r.body }),
  };
  let res: Response;
  try {
    res = await fetch(r.url, { ...init, signal: AbortSignal.timeout(r.timeoutMs) });
  } catch (e) {
    // A pooled connection the node closed while idle: send once more on a fresh one. Safe for
    // POSTs too, because every request carries a session nonce the node accepts only once.
    if (!isStaleSocket(e)) throw e;
    res = await fetch(r.url, { ...init, signal: AbortSignal.timeout(r.timeoutMs) });
  }
  return { status: res.status, body: await res.text() };
};

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
  transport: HttpTransport = fetchTransport,
): Promise<T> {
  let res: HttpAnswer;
  try {
    res = await transport({
      method,
      url: new URL(path, node.url),
      headers: {
        authorization: `Bearer ${node.apiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      timeoutMs,
    });
  } catch (e) {
    const timedOut = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
    throw new TkmsError('node.unreachable', {
      details: `${node.id} (${node.url}) ${timedOut ? `did not answer within ${timeoutMs} ms` : 'refused the connection'}`,
      culprits: [node.id],
      meta: { node: node.id },
      cause: e,
    });
  }
  const text = res.body;
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (res.status < 200 || res.status > 299) {
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
