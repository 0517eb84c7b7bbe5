/**
 * The SDK's HTTP transport for Node: `node:http`/`node:https` over keep-alive agents, one pooled
 * connection per node reused across calls. Node's `fetch` (undici) costs the caller ~0.5-1 ms of
 * CPU more per request on a 2-core machine; a signature is two or more requests, so this is what
 * `loadClientConfig` configures. Node only: browsers use the default `fetch` transport.
 *
 * A request sent on a pooled socket that the node closed while it sat idle fails with
 * ECONNRESET before any answer; that one case is sent once more on a fresh connection (safe for
 * POSTs: every signing or presigning request carries a session nonce a node accepts only once).
 */
import http from 'node:http';
import https from 'node:https';
import type { HttpAnswer, HttpRequest, HttpTransport } from './http.ts';

/** Largest answer read (a page of keys or a batch of data keys stays far below). */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

export type NodeHttpTransport = HttpTransport & {
  /** Closes pooled connections (they never keep the process alive while idle). */
  close(): void;
};

export function nodeHttpTransport(opts: { tls?: https.AgentOptions } = {}): NodeHttpTransport {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, noDelay: true }),
    'https:': new https.Agent({ keepAlive: true, noDelay: true, ...opts.tls }),
  };

  function once(r: HttpRequest): Promise<HttpAnswer & { reused: boolean; reset: boolean }> {
    return new Promise((resolve, reject) => {
      const isHttps = r.url.protocol === 'https:';
      if (!isHttps && r.url.protocol !== 'http:') {
        reject(new Error(`unsupported protocol ${r.url.protocol}`));
        return;
      }
      const headers: http.OutgoingHttpHeaders = { ...r.headers };
      if (r.body !== undefined) headers['content-length'] = Buffer.byteLength(r.body);
      let settled = false;
      const finish = (f: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        f();
      };
      const req = (isHttps ? https : http).request(
        r.url,
        { method: r.method, headers, agent: agents[isHttps ? 'https:' : 'http:'] },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_ANSWER_BYTES) {
              req.destroy(new Error(`answer larger than ${MAX_ANSWER_BYTES} bytes`));
              return;
            }
            chunks.push(c);
          });
          res.on('end', () =>
            finish(() =>
              resolve({
                status: res.statusCode ?? 0,
                body: Buffer.concat(chunks).toString('utf8'),
                reused: req.reusedSocket,
                reset: false,
              }),
            ),
          );
          res.on('error', (e) => finish(() => reject(e)));
        },
      );
      const timer = setTimeout(() => {
        const e = new Error(`no answer within ${r.timeoutMs} ms`);
        e.name = 'TimeoutError';
        finish(() => reject(e));
        req.destroy(e);
      }, r.timeoutMs);
      req.on('error', (e: NodeJS.ErrnoException) => {
        // Reset before any answer on a socket from the pool: the node closed it while idle.
        if (req.reusedSocket && (e.code === 'ECONNRESET' || e.code === 'EPIPE'))
          finish(() => resolve({ status: 0, body: '', reused: true, reset: true }));
        else finish(() => reject(e));
      });
      req.end(r.body);
    });
  }

  const transport = async (r: HttpRequest): Promise<HttpAnswer> => {
    const first = await once(r);
    const answer = first.reset ? await once(r) : first;
    if (answer.reset) throw new Error('the connection was reset');
    return { status: answer.status, body: answer.body };
  };
  return Object.assign(transport, {
    close: () => {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  });
}

let shared: NodeHttpTransport | undefined;
/** One transport (one connection pool) for the whole process. */
export function sharedNodeHttpTransport(): NodeHttpTransport {
  shared ??= nodeHttpTransport();
  return shared;
}
