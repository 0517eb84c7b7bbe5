/**
 * RFC 9457 problem+json from TkmsError. The body carries the stable `code`, the catalog title,
 * non-secret detail and culprits; never a stack trace, never a secret.
 */
import { ERRORS, TkmsError } from '@tkms/core';

export type Problem = {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  culprits?: readonly string[];
  node?: string;
  [k: string]: unknown;
};

export function toProblem(e: unknown, node: string): Problem {
  const err = e instanceof TkmsError ? e : new TkmsError('internal');
  return {
    type: `urn:tkms:error:${err.code}`,
    title: ERRORS[err.code].title,
    status: err.status,
    code: err.code,
    ...(err.details ? { detail: err.details } : {}),
    ...(err.culprits.length ? { culprits: err.culprits } : {}),
    ...(Object.keys(err.meta).length ? { meta: err.meta } : {}),
    node,
  };
}

export function problemResponse(e: unknown, node: string): Response {
  const p = toProblem(e, node);
  return new Response(JSON.stringify(p), {
    status: p.status,
    headers: { 'content-type': 'application/problem+json' },
  });
}
