/**
 * The node's HTTP API on web-standard Request/Response (Hono), so tests can drive a whole cluster
 * in one process and the same app serves real sockets. Every error leaves as problem+json.
 */
import {
  type CreateKeyRequest,
  type HealthResponse,
  type KeyType,
  type SignRequest,
  TkmsError,
} from '@tkms/core';
import { Hono } from 'hono';
import type { z } from 'zod';
import type { Principal } from '../auth/api-keys.ts';
import type { NodeContext } from '../context.ts';
import { createKey } from '../keys/create-key.ts';
import { decryptShare, deriveShare } from '../keys/data-access.ts';
import { toKeyInfo } from '../keys/key-info.ts';
import { pairSetup } from '../keys/pair-setup.ts';
import { presign, signShare } from '../keys/sign.ts';
import { DOCS_HTML, openApiDocument } from './openapi.ts';
import { problemResponse } from './problem.ts';
import {
  CreateKeyBody,
  DecryptBody,
  DeriveBody,
  keyId,
  ListKeysQuery,
  PairSetupBody,
  PresignBody,
  SignBody,
} from './schemas.ts';
import { Timing } from './timing.ts';

export const VERSION = '0.1.0';

export type AppDeps = {
  ctx: NodeContext;
  authenticate: (header: string | undefined) => Promise<Principal>;
  /** Verifies and decrypts one peer envelope, then hands it to the session manager. */
  receivePeer: (body: unknown) => void;
  maxBodyBytes: number;
  /** Counters for GET /v1/metrics (absent: the route answers with no samples). */
  metrics?: () => Record<string, { help: string; value: number }>;
};

type Env = { Variables: { principal: Principal } };

export function createApp(deps: AppDeps): Hono<Env> {
  const { ctx } = deps;
  const app = new Hono<Env>();
  const doc = openApiDocument(VERSION);

  app.onError((e) => {
    if (!(e instanceof TkmsError))
      ctx.log.warn('request.internal_error', { error: e instanceof Error ? e.message : 'unknown' });
    return problemResponse(e, ctx.id);
  });
  app.notFound(() => problemResponse(new TkmsError('not_found'), ctx.id));

  app.get('/v1/health', (c) =>
    c.json({
      status: 'ok',
      node: ctx.id,
      version: VERSION,
      peers: ctx.clusterNodes.filter((n) => n !== ctx.id),
    } satisfies HealthResponse),
  );
  app.get('/v1/openapi.json', (c) => c.json(doc));
  app.get('/v1/docs', (c) => c.html(DOCS_HTML));

  app.post('/v1/peer/messages', async (c) => {
    deps.receivePeer(await readJson(c.req.raw, deps.maxBodyBytes));
    return c.body(null, 202);
  });

  // Prometheus text exposition of this node's counters; authenticated like the key API.
  app.get('/v1/metrics', async (c) => {
    await deps.authenticate(c.req.header('authorization'));
    const lines = Object.entries(deps.metrics?.() ?? {}).flatMap(([name, m]) => [
      `# HELP ${name} ${m.help}`,
      `# TYPE ${name} ${name.endsWith('_total') ? 'counter' : 'gauge'}`,
      `${name} ${m.value}`,
    ]);
    return c.text(`${lines.join('\n')}\n`, 200, { 'content-type': 'text/plain; version=0.0.4' });
  });

  app.use('/v1/keys/*', async (c, next) => {
    c.set('principal', await deps.authenticate(c.req.header('authorization')));
    await next();
  });
  app.use('/v1/keys', async (c, next) => {
    c.set('principal', await deps.authenticate(c.req.header('authorization')));
    await next();
  });

  app.get('/v1/keys', async (c) => {
    const q = parse(ListKeysQuery, c.req.query());
    const page = await ctx.store.listKeys({ limit: q.limit, ...(q.cursor ? { cursor: q.cursor } : {}) });
    return c.json({ keys: page.keys.map((k) => toKeyInfo(k, ctx.id)), nextCursor: page.nextCursor ?? null });
  });

  app.post('/v1/keys', async (c) => {
    const body = parse(CreateKeyBody, await readJson(c.req.raw, deps.maxBodyBytes), (issues) =>
      issues.some((i) => i.path[0] === 'type')
        ? new TkmsError('key.type_unknown', { details: describe(issues) })
        : undefined,
    );
    const req: CreateKeyRequest = { ...body, type: body.type as KeyType };
    return c.json(await createKey(ctx, req, actorOf(c.get('principal'))), 201);
  });

  app.get('/v1/keys/:id', async (c) => {
    const id = parse(keyId, c.req.param('id'));
    const rec = await ctx.store.getKey(id);
    if (!rec) throw new TkmsError('key.not_found', { details: id });
    return c.json(toKeyInfo(rec, ctx.id));
  });

  app.post('/v1/keys/:id/sign', async (c) => {
    const id = parse(keyId, c.req.param('id'));
    const body = parse(SignBody, await readJson(c.req.raw, deps.maxBodyBytes));
    const req: SignRequest = {
      ...(body.message !== undefined ? { message: body.message } : {}),
      ...(body.digest !== undefined ? { digest: body.digest } : {}),
      ...(body.path !== undefined ? { path: body.path } : {}),
      ...(body.presignatureId !== undefined ? { presignatureId: body.presignatureId } : {}),
      ...(body.nextPresignatureIds !== undefined ? { nextPresignatureIds: body.nextPresignatureIds } : {}),
      signers: body.signers,
      sessionNonce: body.sessionNonce,
      ...(body.taproot ? { taproot: body.taproot } : {}),
    };
    const timing = new Timing();
    const out = await signShare(ctx, id, req, actorOf(c.get('principal')), timing);
    c.header('server-timing', timing.header());
    return c.json(out);
  });

  app.post('/v1/keys/:id/presign', async (c) => {
    const id = parse(keyId, c.req.param('id'));
    const body = parse(PresignBody, await readJson(c.req.raw, deps.maxBodyBytes));
    return c.json(await presign(ctx, id, body, actorOf(c.get('principal'))));
  });

  app.post('/v1/keys/:id/pair-setup', async (c) => {
    const id = parse(keyId, c.req.param('id'));
    const body = parse(PairSetupBody, await readJson(c.req.raw, deps.maxBodyBytes));
    return c.json(await pairSetup(ctx, id, body, actorOf(c.get('principal'))));
  });

  app.post('/v1/keys/:id/derive', async (c) => {
    const id = parse(keyId, c.req.param('id'));
    const body = parse(DeriveBody, await readJson(c.req.raw, deps.maxBodyBytes));
    const timing = new Timing();
    const out = await deriveShare(
      ctx,
      id,
      {
        requesterKey: body.requesterKey,
        ...(body.objects ? { objects: body.objects } : {}),
        ...(body.blinded ? { blinded: body.blinded } : {}),
      },
      c.get('principal'),
      timing,
    );
    c.header('server-timing', timing.header());
    return c.json(out);
  });

  app.post('/v1/keys/:id/decrypt', async (c) => {
    const id = parse(keyId, c.req.param('id'));
    const body = parse(DecryptBody, await readJson(c.req.raw, deps.maxBodyBytes));
    const timing = new Timing();
    const out = await decryptShare(ctx, id, body, c.get('principal'), timing);
    c.header('server-timing', timing.header());
    return c.json(out);
  });

  return app;
}

const actorOf = (p: Principal) => `${p.kind}:${p.name}`;

type Issues = z.core.$ZodIssue[];
function describe(issues: Issues): string {
  return issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
}

function parse<S extends z.ZodType>(
  schema: S,
  value: unknown,
  special?: (issues: Issues) => TkmsError | undefined,
): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues;
  const s = special?.(issues);
  if (s) throw s;
  const hexIssue = issues.some((i) => /hex/.test(i.message));
  throw new TkmsError(hexIssue ? 'request.bad_hex' : 'request.invalid', { details: describe(issues) });
}

async function readJson(req: Request, limit: number): Promise<unknown> {
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (declared > limit) throw new TkmsError('request.too_large', { details: `body over ${limit} bytes` });
  const buf = new Uint8Array(await req.arrayBuffer());
  if (buf.length > limit) throw new TkmsError('request.too_large', { details: `body over ${limit} bytes` });
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf));
  } catch {
    throw new TkmsError('request.invalid', { details: 'body is not valid JSON' });
  }
}
