/**
 * Real-process cluster for end-to-end tests and benchmarks: n `tkms-node` child processes on
 * loopback, each with its own embedded PGlite directory (or PostgreSQL database), configured by
 * the same code as `tkms dev`.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDevCluster, spawnNode, waitHealthy } from '@tkms/cli';
import { createClient, type TkmsClient } from '@tkms/sdk';
import { loadClientConfig } from '@tkms/sdk/load-config';

export type Cluster = {
  dir: string;
  clientPath: string;
  client: TkmsClient;
  ids: string[];
  urls: Record<string, string>;
  configPath(id: string): string;
  start(id: string): Promise<void>;
  stop(id: string): Promise<void>;
  /** SIGKILL, resolved once the process is gone. */
  kill9(id: string): Promise<void>;
  close(): Promise<void>;
};

async function portsFree(base: number, n: number): Promise<boolean> {
  for (let i = 0; i < n; i++) {
    const ok = await new Promise<boolean>((res) => {
      const s = createServer();
      s.once('error', () => res(false));
      s.listen(base + i, '127.0.0.1', () => s.close(() => res(true)));
    });
    if (!ok) return false;
  }
  return true;
}

export async function startCluster(o: { nodes?: number; quiet?: boolean } = {}): Promise<Cluster> {
  const n = o.nodes ?? 3;
  const dir = mkdtempSync(join(tmpdir(), 'tkms-e2e-'));
  let base = 0;
  for (let tries = 0; tries < 50 && !base; tries++) {
    const b = 20000 + Math.floor(Math.random() * 30000);
    if (await portsFree(b, n)) base = b;
  }
  if (!base) throw new Error('no free ports');
  const { clientPath, client, configs } = ensureDevCluster({ dir, nodes: n, basePort: base });
  const ids = client.nodes.map((x) => x.id);
  const urls = Object.fromEntries(client.nodes.map((x) => [x.id, x.url]));
  const procs = new Map<string, ChildProcess>();
  const configOf = (id: string) => configs[ids.indexOf(id)] as string;

  const start = async (id: string) => {
    const quiet = o.quiet ?? true;
    const child = spawnNode(configOf(id), { quiet, env: quiet ? { TKMS_LOG: 'silent' } : {} });
    child.stdout?.pipe(process.stdout);
    child.stderr?.pipe(process.stderr);
    procs.set(id, child);
    await waitHealthy(urls[id] as string, 30_000, child);
  };
  const stop = async (id: string) => {
    const c = procs.get(id);
    if (!c || c.exitCode !== null || c.signalCode) return;
    await new Promise<void>((res) => {
      c.once('exit', () => res());
      c.kill('SIGTERM');
    });
  };
  const kill9 = (id: string) =>
    new Promise<void>((res) => {
      const c = procs.get(id);
      if (!c || c.exitCode !== null || c.signalCode) return res();
      c.once('exit', () => res());
      c.kill('SIGKILL');
    });
  // Children must not outlive a test runner that is killed or times out.
  const reap = () => {
    for (const p of procs.values()) p.kill('SIGKILL');
  };
  process.once('exit', reap);
  await Promise.all(ids.map(start));
  return {
    dir,
    clientPath,
    client: createClient({ ...loadClientConfig(clientPath), healthTimeoutMs: 800 }),
    ids,
    urls,
    configPath: configOf,
    start,
    stop,
    kill9,
    close: async () => {
      process.off('exit', reap);
      await Promise.all(ids.map(stop));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
