/**
 * API-key authentication. Nodes keep only SHA-256 of each token; a token is `tkms_` + 32 random
 * bytes (hex), so a hash lookup is enough (no password hashing needed for 256-bit tokens).
 * Full identity and policy (users, groups, organisations, per-node providers) come later behind
 * the same `authenticate` seam.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, TkmsError, utf8 } from '@tkms/core';
import type { Store } from '../storage/store.ts';

export type Principal = { kind: 'api-key'; name: string };

export function hashToken(token: string): string {
  return bytesToHex(sha256(utf8(token)));
}

export function generateToken(random: (n: number) => Uint8Array): string {
  return `tkms_${bytesToHex(random(32))}`;
}

export function createAuthenticator(
  store: Store,
  bootstrap: ReadonlyArray<{ name: string; sha256: string }>,
) {
  const fromConfig = new Map(bootstrap.map((k) => [k.sha256, k.name]));
  return async function authenticate(header: string | undefined): Promise<Principal> {
    if (!header) throw new TkmsError('auth.missing', { details: 'send Authorization: Bearer <api key>' });
    const m = /^Bearer (tkms_[0-9a-f]{64})$/.exec(header);
    if (!m) throw new TkmsError('auth.invalid', { details: 'malformed bearer token' });
    const h = hashToken(m[1] as string);
    const name = fromConfig.get(h);
    if (name) return { kind: 'api-key', name };
    const rec = await store.findApiKeyByHash(h);
    if (rec && !rec.disabled) return { kind: 'api-key', name: rec.name };
    throw new TkmsError('auth.invalid');
  };
}
