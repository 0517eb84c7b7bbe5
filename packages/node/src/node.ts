/**
 * Builds one node from its configuration: storage (migrated), sealer, identity, peer transport,
 * session manager and the HTTP app. `createNode` does no listening, so tests can run a whole
 * cluster in one process; `startNode` binds the socket.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { serve } from '@hono/node-server';
import { TkmsError } from '@tkms/core';
import { installSecp256k1Accel } from './accel/secp256k1.ts';
import { installSodiumAccel } from './accel/sodium.ts';
import { createApp } from './api/app.ts';
import { createSessionLog } from './audit/session-log.ts';
import { createAuthenticator } from './auth/api-keys.ts';
import { type NodeConfig, NodeConfigSchema } from './config/schema.ts';
import type { NodeContext } from './context.ts';
import { identityFromJson, publicIdentity } from './identity/index.ts';
import { ArmedPresignatures } from './keys/armed-presignatures.ts';
import { OpenPairStates } from './keys/ecdsa-material.ts';
import { KeyCache } from './keys/key-cache.ts';
import { createLogger } from './log/logger.ts';
import { createPolicy, createRateLimiter } from './policy/index.ts';
import { createSealer, loadMasterKey } from './seal/sealer.ts';
import { SessionManager } from './session/manager.ts';
import { migrate, openDb } from './storage/index.ts';
import { Store } from './storage/store.ts';
import { createPeerClient, createPeerReceiver } from './transport/index.ts';

export type TkmsNode = {
  readonly id: string;
  readonly config: NodeConfig;
  readonly ctx: NodeContext;
  /** The web-standard handler (Hono): `fetch(request)`. */
  readonly fetch: (req: Request) => Response | Promise<Response>;
  close(): Promise<void>;
};

export function loadConfigFile(path: string): { config: NodeConfig; baseDir: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new TkmsError('config.invalid', {
      details: `cannot read ${path}: ${e instanceof Error ? e.message : e}`,
    });
  }
  const r = NodeConfigSchema.safeParse(raw);
  if (!r.success)
    throw new TkmsError('config.invalid', {
      details: `${path}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    });
  return { config: r.data, baseDir: dirname(resolve(path)) };
}

export async function createNode(config: NodeConfig, baseDir: string): Promise<TkmsNode> {
  const at = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const log = createLogger(config.id, config.log);
  await installSodiumAccel();
  installSecp256k1Accel();
  const identity = identityFromJson(JSON.parse(readFileSync(at(config.identityFile), 'utf8')));
  const masterKey = loadMasterKey(
    'file' in config.masterKey ? { file: at(config.masterKey.file) } : { env: config.masterKey.env },
  );
  const sealer = createSealer(masterKey);
  const dbUrl = config.database.startsWith('pglite:')
    ? `pglite:${at(config.database.slice('pglite:'.length))}`
    : config.database;
  const db = await openDb(dbUrl);
  await migrate(db);
  const store = new Store(db);
  const cut = await store.abortRunningSessions();
  if (cut > 0) log.info('sessions.aborted_at_startup', { count: cut });

  const peers = config.peers.map((p) => ({
    id: p.id,
    url: p.url,
    publicIdentity: { signPublicKey: p.signPublicKey, encPublicKey: p.encPublicKey },
  }));
  const peerClient = createPeerClient({
    self: { id: config.id, identity },
    peers,
    timeoutMs: config.peerTimeoutMs,
  });
  const receiver = createPeerReceiver({ self: { id: config.id, identity }, peers });
  const sessions = new SessionManager({
    self: config.id,
    send: (env) => peerClient.send(env),
    timeoutMs: config.sessionTimeoutMs,
    log: (e, f) => log.debug(e, f),
  });
  const ctx: NodeContext = {
    id: config.id,
    clusterNodes: [config.id, ...config.peers.map((p) => p.id)].sort(),
    store,
    keys: new KeyCache(store),
    sessionLog: createSessionLog(store, { running: () => sessions.liveCount }),
    sealer,
    sessions,
    random: (n) => new Uint8Array(randomBytes(n)),
    log,
    limits: {
      maxMessageBytes: config.limits.maxMessageBytes,
      maxPresignatures: config.limits.maxPresignatures,
    },
    policy: createPolicy(config.policy, config.id),
    rateLimiter: createRateLimiter({
      elementsPerSecond: config.limits.oprfElementsPerSecond,
      burst: config.limits.oprfBurst,
    }),
    armed: new ArmedPresignatures(),
    pairStates: new OpenPairStates(),
  };
  const app = createApp({
    ctx,
    authenticate: createAuthenticator(store, config.apiKeys),
    receivePeer: (body) => sessions.deliver(receiver.receive(body)),
    maxBodyBytes: config.limits.maxBodyBytes,
    metrics: () => {
      const t = peerClient.traffic();
      return {
        tkms_peer_messages_sent_total: { help: 'Protocol envelopes sent to peers', value: t.messages },
        tkms_peer_bytes_sent_total: {
          help: 'HTTP body bytes of the envelopes sent to peers (headers not counted)',
          value: t.bytes,
        },
        tkms_sessions_live: { help: 'Protocol sessions running now', value: sessions.liveCount },
      };
    },
  });
  log.debug('node.ready', { publicIdentity: publicIdentity(identity) });
  return {
    id: config.id,
    config,
    ctx,
    fetch: (req) => app.fetch(req),
    close: async () => {
      peerClient.close?.();
      await ctx.armed.clear();
      await db.close();
    },
  };
}

/** Creates the node and listens on its configured address. Resolves once the socket is bound. */
export async function startNode(configPath: string): Promise<TkmsNode & { port: number }> {
  const { config, baseDir } = loadConfigFile(configPath);
  const node = await createNode(config, baseDir);
  const { log } = node.ctx;
  const server = await new Promise<ReturnType<typeof serve>>((res, rej) => {
    const s = serve({ fetch: node.fetch, hostname: config.listen.host, port: config.listen.port }, () =>
      res(s),
    );
    s.once('error', rej);
  }).catch((e: unknown) => {
    throw new TkmsError('config.invalid', {
      details: `cannot listen on ${config.listen.host}:${config.listen.port}: ${e instanceof Error ? e.message : e}`,
    });
  });
  // Clients (undici, the peer agent) keep idle connections ~4-5 s; a server that closes first
  // races them and a request can land on a socket that is being closed.
  if ('keepAliveTimeout' in server) {
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
  }
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.listen.port;
  log.info('node.listening', { url: config.url, port });
  return {
    ...node,
    port,
    close: async () => {
      await new Promise<void>((r) => server.close(() => r()));
      await node.close();
    },
  };
}
