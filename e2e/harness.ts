/**
 * Real-process cluster for end-to-end tests and benchmarks: n `tkms-node` child processes on
 * loopback, each with its own embedded PGlite directory (or PostgreSQL database), configured by
 * the same code as `tkms dev`. A node can be launched through another entry script (a test
 * fixture that wraps the real node, e.g. one that deviates from a protocol).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDevCluster, spawnNode, waitHealthy } from '@tkms/cli';
import { createClient, type TkmsClient } from '@tkms/sdk';
import { loadClientConfig } from '@tkms/sdk/load-config';

/**
 * How one node process is launched. `entry` replaces the `tkms-node` bin with a script that is run
 * the same way (through tsx, with `--config <path>`); `env` is added to its environment.
 */
export type NodeLaunch = { entry?: string; env?: Record<string, string> };

export type Cluster = {
  dir: string;
  clientPath: string;
  client: TkmsClient;
  ids: string[];
  urls: Record<string, string>;
  configPath(id: string): string;
  /** Starts (or restarts) a node: with `launch`, else as the cluster was told to launch it. */
  start(id: string, launch?: NodeLaunch): Promise<void>;
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

const tsxLoader = import.meta.resolve('tsx');

/** `spawnNode` with another entry script in place of the `tkms-node` bin. */
function spawnEntry(entry: string, configPath: string, quiet: boolean, env: NodeJS.ProcessEnv): ChildProcess {
  const flags = (process.env.TKMS_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  return spawn(process.execPath, [...flags, '--import', tsxLoader, entry, '--config', configPath], {
    // stderr is always piped: a quiet node's last words are kept for the error if it dies starting.
    stdio: ['ignore', quiet ? 'ignore' : 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
}

export type ClusterOptions = {
  nodes?: number;
  quiet?: boolean;
  /** Per node id: how to launch it (default: the `tkms-node` bin). */
  launch?: Record<string, NodeLaunch>;
  /** Merged into every node's config file before the nodes start (e.g. longer deadlines). */
  nodeConfig?: Record<string, unknown>;
  /** Per node id: its `database` setting (default: its own PGlite directory). */
  database?: (id: string) => string;
};

export async function startCluster(o: ClusterOptions = {}): Promise<Cluster> {
  const n = o.nodes ?? 3;
  const dir = mkdtempSync(join(tmpdir(), 'tkms-e2e-'));
  let base = 0;
  for (let tries = 0; tries < 50 && !base; tries++) {
    // Below Linux's ephemeral range (32768–60999): a port there can be taken by any outgoing
    // connection between this check and the node's bind, and the node then exits EADDRINUSE.
    const b = 12000 + Math.floor(Math.random() * 20000);
    if (await portsFree(b, n)) base = b;
  }
  if (!base) throw new Error('no free ports');
  const { clientPath, client, configs } = ensureDevCluster({ dir, nodes: n, basePort: base });
  if (o.nodeConfig || o.database)
    for (const [i, path] of configs.entries()) {
      const raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
      const id = client.nodes[i]?.id as string;
      const database = o.database ? { database: o.database(id) } : {};
      writeFileSync(path, `${JSON.stringify({ ...raw, ...o.nodeConfig, ...database }, null, 2)}\n`);
    }
  const ids = client.nodes.map((x) => x.id);
  const urls = Object.fromEntries(client.nodes.map((x) => [x.id, x.url]));
  const procs = new Map<string, ChildProcess>();
  const configOf = (id: string) => configs[ids.indexOf(id)] as string;

  const start = async (id: string, launch: NodeLaunch = o.launch?.[id] ?? {}) => {
    const quiet = o.quiet ?? true;
    const env = { ...(quiet ? { TKMS_LOG: 'silent' } : {}), ...launch.env };
    const child = launch.entry
      ? spawnEntry(launch.entry, configOf(id), quiet, env)
      : spawnNode(configOf(id), { quiet, env, stderr: true });
    child.stdout?.pipe(process.stdout);
    let lastWords = '';
    child.stderr?.on('data', (b: Buffer) => {
      if (!quiet) process.stderr.write(b);
      lastWords = (lastWords + b.toString('utf8')).slice(-2000);
    });
    procs.set(id, child);
    // Generous: n nodes start at once, each compiling through tsx and opening PGlite.
    try {
      await waitHealthy(urls[id] as string, 60_000, child);
    } catch (e) {
      throw lastWords ? new Error(`${(e as Error).message}: ${lastWords.trim()}`) : e;
    }
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
  try {
    await Promise.all(ids.map((id) => start(id)));
  } catch (e) {
    // Nothing may outlive a cluster that did not come up (the test runner would wait for it).
    process.off('exit', reap);
    reap();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
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
