/**
 * The sending end of the peer transport: seals each envelope for its recipient and POSTs it to
 * `${url}/v1/peer/messages` over a keep-alive agent (one TCP connection reused per peer, so a
 * loopback send costs a request, not a handshake).
 *
 * A socket the peer closed while it sat idle in the pool fails on reuse (ECONNRESET); that one case
 * is retried once on a fresh connection with the same sealed bytes. If the first attempt did arrive,
 * the peer's replay cache answers `peer.replay` to the retry, which therefore counts as delivered.
 */
import http from 'node:http';
import https from 'node:https';
import { type Envelope, type ErrorCode, isErrorCode, type PartyId, TkmsError } from '@tkms/core';
import type { PublicIdentity } from '../identity/public-identity.ts';
import { type LocalPeer, sealEnvelope } from './envelope.ts';
import { pinPeers } from './peer-receiver.ts';

export type PeerEndpoint = {
  readonly id: PartyId;
  /** Base URL, e.g. `http://127.0.0.1:7301` (no trailing `/v1`). */
  readonly url: string;
  readonly publicIdentity: PublicIdentity;
};

export type PeerClientOptions = {
  readonly self: LocalPeer;
  readonly peers: readonly PeerEndpoint[];
  /** Per-request deadline, ms (default 5 000): connect, send and answer together. */
  readonly timeoutMs?: number;
  readonly maxPayloadBytes?: number;
  /** TLS settings for `https:` peers (CA to trust, client certificate for mTLS). */
  readonly tls?: Pick<https.AgentOptions, 'ca' | 'cert' | 'key' | 'servername'>;
  /** Clock, injectable for tests (default `Date.now`). */
  readonly now?: () => number;
};

export type PingResult = { readonly node: PartyId; readonly status: number; readonly ms: number };

export type PeerClient = {
  /**
   * Seals `env` for `env.to` and delivers it. Resolves when the peer accepted it (2xx). Throws
   * `peer.unknown` for an unconfigured recipient, `peer.unreachable` (meta.node) when the peer cannot
   * be reached in time, or the peer's own problem code when it refused the envelope.
   */
  send(env: Envelope): Promise<void>;
  /** GET `${url}/v1/health`; throws `peer.unreachable` unless the peer answers 2xx in time. */
  ping(peerId: PartyId): Promise<PingResult>;
  /** Envelopes sent (accepted or not) and their HTTP body bytes, since start. */
  traffic(): { readonly messages: number; readonly bytes: number };
  /** Closes pooled connections. */
  close(): void;
};

export const DEFAULT_PEER_TIMEOUT_MS = 5_000;
const MAX_ANSWER_BYTES = 64 * 1024;
const MESSAGES_PATH = '/v1/peer/messages';
const HEALTH_PATH = '/v1/health';

type Answer = { readonly status: number; readonly body: string };
type Target = {
  readonly id: PartyId;
  readonly messagesUrl: URL;
  readonly healthUrl: URL;
  readonly publicIdentity: PublicIdentity;
};

export function createPeerClient(opts: PeerClientOptions): PeerClient {
  const { self } = opts;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_PEER_TIMEOUT_MS;
  const now = opts.now ?? Date.now;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0)
    throw new RangeError('timeoutMs must be a positive integer');
  pinPeers(self, opts.peers);
  const targets = new Map<PartyId, Target>();
  for (const p of opts.peers)
    targets.set(p.id, { id: p.id, ...endpointUrls(p), publicIdentity: p.publicIdentity });
  const agents = {
    'http:': new http.Agent({ keepAlive: true, noDelay: true }),
    'https:': new https.Agent({ keepAlive: true, noDelay: true, ...opts.tls }),
  };

  const sent = { messages: 0, bytes: 0 };

  function target(id: PartyId): Target {
    const t = targets.get(id);
    if (t === undefined || id === self.id)
      throw new TkmsError('peer.unknown', {
        details: `no peer endpoint is configured for ${id}`,
        meta: { node: id },
      });
    return t;
  }

  function request(t: Target, url: URL, body?: string): Promise<Answer> {
    const method = body === undefined ? 'GET' : 'POST';
    const isHttps = url.protocol === 'https:';
    return new Promise<Answer>((resolve, reject) => {
      let settled = false;
      const fail = (details: string, cause?: unknown): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(unreachable(t.id, details, cause));
      };
      const headers: http.OutgoingHttpHeaders = { accept: 'application/json, application/problem+json' };
      if (body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(body);
      }
      const req = (isHttps ? https : http).request(
        url,
        { method, headers, agent: isHttps ? agents['https:'] : agents['http:'] },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size <= MAX_ANSWER_BYTES) chunks.push(c);
          });
          res.on('error', (e) => fail(`${t.id} broke off its answer`, e));
          res.on('end', () => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
          });
        },
      );
      const timer = setTimeout(() => {
        fail(`${t.id} did not answer within ${timeoutMs} ms`);
        req.destroy();
      }, timeoutMs);
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (settled) return;
        if (req.reusedSocket && e.code === 'ECONNRESET') {
          settled = true;
          clearTimeout(timer);
          reject(new StaleSocket(e));
          return;
        }
        fail(`${t.id} at ${url.origin} cannot be reached (${e.code ?? e.message})`, e);
      });
      req.end(body);
    });
  }

  /** One request, retried once on a fresh connection if a pooled socket turns out to be dead. */
  async function exchange(t: Target, url: URL, body?: string): Promise<Answer & { retried: boolean }> {
    try {
      return { ...(await request(t, url, body)), retried: false };
    } catch (e) {
      if (!(e instanceof StaleSocket)) throw e;
    }
    try {
      return { ...(await request(t, url, body)), retried: true };
    } catch (e) {
      throw e instanceof StaleSocket ? unreachable(t.id, `${t.id} reset the connection twice`, e) : e;
    }
  }

  return {
    async send(env) {
      const t = target(env.to);
      const wire = sealEnvelope(env, {
        self,
        recipient: t.publicIdentity,
        now: now(),
        ...(opts.maxPayloadBytes === undefined ? {} : { maxPayloadBytes: opts.maxPayloadBytes }),
      });
      const body = JSON.stringify(wire);
      sent.messages++;
      sent.bytes += Buffer.byteLength(body);
      const answer = await exchange(t, t.messagesUrl, body);
      if (answer.status >= 200 && answer.status <= 299) return;
      // A retry the peer calls a replay: the first attempt was delivered after all.
      if (answer.retried && answer.status === 409 && problemCode(answer.body) === 'peer.replay') return;
      throw refused(t.id, answer);
    },

    async ping(peerId) {
      const t = target(peerId);
      const start = performance.now();
      const answer = await exchange(t, t.healthUrl);
      if (answer.status < 200 || answer.status > 299)
        throw unreachable(t.id, `${t.id} answered its health check with HTTP ${answer.status}`);
      return { node: t.id, status: answer.status, ms: performance.now() - start };
    },

    traffic: () => ({ ...sent }),

    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

/** Internal marker: a pooled socket the peer had closed; `exchange` retries it once. */
class StaleSocket extends Error {
  constructor(cause: unknown) {
    super('pooled connection was reset', { cause });
  }
}

function unreachable(node: PartyId, details: string, cause?: unknown): TkmsError {
  return new TkmsError('peer.unreachable', { details, meta: { node }, cause });
}

/** A non-2xx answer: the peer's own problem code when it sent one, else `peer.unreachable`. */
function refused(node: PartyId, answer: Answer): TkmsError {
  const code = problemCode(answer.body);
  if (code === undefined)
    return unreachable(node, `${node} answered HTTP ${answer.status} without a tkms problem code`);
  return new TkmsError(code, {
    details: `${node} refused the envelope (HTTP ${answer.status} ${code})`,
    meta: { node, status: answer.status },
  });
}

function problemCode(body: string): ErrorCode | undefined {
  try {
    const problem: unknown = JSON.parse(body);
    if (typeof problem !== 'object' || problem === null) return undefined;
    const { code } = problem as { code?: unknown };
    return isErrorCode(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

function endpointUrls(p: PeerEndpoint): { messagesUrl: URL; healthUrl: URL } {
  let base: URL;
  try {
    base = new URL(p.url);
  } catch {
    throw new TkmsError('request.invalid', { details: `peer ${p.id}: url is not a valid URL` });
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new TkmsError('request.invalid', { details: `peer ${p.id}: url must be http: or https:` });
  if (base.search || base.hash || base.username || base.password)
    throw new TkmsError('request.invalid', {
      details: `peer ${p.id}: url must not carry a query, fragment or credentials`,
    });
  const prefix = base.pathname.replace(/\/$/, '');
  return {
    messagesUrl: new URL(prefix + MESSAGES_PATH, base),
    healthUrl: new URL(prefix + HEALTH_PATH, base),
  };
}
