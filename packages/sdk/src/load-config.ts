import { readFileSync } from 'node:fs';
import { TkmsError } from '@tkms/core';
import type { ClientConfig, NodeEndpoint } from './config.ts';
import { sharedNodeHttpTransport } from './node-http.ts';

/** Reads `client.json` as written by `tkms dev` (or by hand), with Node's HTTP transport. */
export function loadClientConfig(path: string): ClientConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new TkmsError('config.invalid', {
      details: `cannot read ${path}: ${e instanceof Error ? e.message : e}`,
      cause: e,
    });
  }
  const nodes = (raw as { nodes?: unknown }).nodes;
  if (!Array.isArray(nodes) || nodes.length === 0)
    throw new TkmsError('config.invalid', { details: `${path} has no "nodes" array` });
  const out: NodeEndpoint[] = [];
  for (const n of nodes as Array<Record<string, unknown>>) {
    if (typeof n.id !== 'string' || typeof n.url !== 'string' || typeof n.apiKey !== 'string')
      throw new TkmsError('config.invalid', { details: `${path}: every node needs id, url and apiKey` });
    out.push({
      id: n.id,
      url: n.url,
      apiKey: n.apiKey,
      ...(typeof n.signPublicKey === 'string' ? { signPublicKey: n.signPublicKey } : {}),
      ...(typeof n.encPublicKey === 'string' ? { encPublicKey: n.encPublicKey } : {}),
    });
  }
  return { nodes: out, transport: sharedNodeHttpTransport() };
}
