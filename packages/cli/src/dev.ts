/**
 * `tkms dev` (what `npm start` runs): a local n-node cluster on loopback with embedded PGlite.
 * First run creates `.tkms/` (node directories with identities, master keys, configs pinning each
 * other, one API key per node) and `.tkms/client.json` for the CLI and SDK; later runs reuse it, so
 * keys survive restarts. Each node is a real child process; Ctrl-C stops them all.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateToken, hashToken, initNodeDir, loadConfigFile, writeConfig } from '@tkms/node';

export type DevOptions = { dir: string; nodes: number; basePort: number; json?: boolean };

type ClientFile = {
  nodes: Array<{ id: string; url: string; apiKey: string; signPublicKey: string; encPublicKey: string }>;
  threshold: number;
};

/** The dev key may use every key for everything, the oblivious mode included. */
const DEV_POLICY = {
  grants: [{ principals: ['api-key:dev'], actions: ['*' as const], keys: ['*'], objects: ['**'] }],
  denies: [],
};

export function ensureDevCluster(o: DevOptions): {
  clientPath: string;
  client: ClientFile;
  configs: string[];
  created: boolean;
} {
  const dir = resolve(o.dir);
  const clientPath = join(dir, 'client.json');
  const ids = Array.from({ length: o.nodes }, (_, i) => `node-${i + 1}`);
  const configs = ids.map((id) => join(dir, id, 'config.json'));
  if (existsSync(clientPath) && configs.every((c) => existsSync(c))) {
    // A cluster made before node policies existed: give its dev key the grant a new one gets.
    for (const c of configs) {
      const raw = JSON.parse(readFileSync(c, 'utf8')) as Record<string, unknown>;
      if (raw.policy === undefined)
        writeFileSync(c, `${JSON.stringify({ ...raw, policy: DEV_POLICY }, null, 2)}\n`);
    }
    return {
      clientPath,
      client: JSON.parse(readFileSync(clientPath, 'utf8')) as ClientFile,
      configs,
      created: false,
    };
  }
  const random = (n: number) => new Uint8Array(randomBytes(n));
  const made = ids.map((id, i) => ({
    id,
    ...initNodeDir({ dir: join(dir, id), id, port: o.basePort + i }),
    token: generateToken(random),
  }));
  for (const m of made) {
    const peers = made
      .filter((p) => p.id !== m.id)
      .map((p) => ({ id: p.id, url: p.config.url, ...p.publicIdentity }));
    writeConfig(m.configPath, {
      ...m.config,
      peers,
      apiKeys: [{ name: 'dev', sha256: hashToken(m.token) }],
      policy: DEV_POLICY,
    });
  }
  const client: ClientFile = {
    nodes: made.map((m) => ({ id: m.id, url: m.config.url, apiKey: m.token, ...m.publicIdentity })),
    threshold: 2,
  };
  writeFileSync(clientPath, `${JSON.stringify(client, null, 2)}\n`, { mode: 0o600 });
  return { clientPath, client, configs, created: true };
}

const nodeBin = fileURLToPath(import.meta.resolve('@tkms/node/bin'));
const tsxLoader = import.meta.resolve('tsx');

export function spawnNode(
  configPath: string,
  opts: { quiet?: boolean; env?: NodeJS.ProcessEnv; stderr?: boolean } = {},
): ChildProcess {
  // TKMS_NODE_FLAGS passes extra Node flags to each node (e.g. --cpu-prof for profiling).
  const flags = (process.env.TKMS_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  return spawn(process.execPath, [...flags, '--import', tsxLoader, nodeBin, '--config', configPath], {
    // `stderr: true` pipes stderr even when quiet (the caller keeps it, e.g. to say why a node died).
    stdio: ['ignore', opts.quiet ? 'ignore' : 'pipe', opts.quiet && !opts.stderr ? 'ignore' : 'pipe'],
    env: { ...process.env, ...opts.env },
  });
}

export async function waitHealthy(url: string, ms: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null)
      throw new Error(`node at ${url} exited with code ${child.exitCode}`);
    try {
      const r = await fetch(new URL('/v1/health', url), { signal: AbortSignal.timeout(500) });
      if (r.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`node at ${url} did not become healthy within ${ms} ms`);
}

export async function runDev(o: DevOptions): Promise<void> {
  const { clientPath, client, configs, created } = ensureDevCluster(o);
  const children = configs.map((c) => {
    const child = spawnNode(c);
    const id = loadConfigFile(c).config.id;
    const prefix = (s: NodeJS.WritableStream) => (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) s.write(`[${id}] ${line}\n`);
    };
    child.stdout?.on('data', prefix(process.stdout));
    child.stderr?.on('data', prefix(process.stderr));
    return child;
  });
  let stopping = false;
  const stop = (code: number) => {
    stopping = true;
    for (const c of children) c.kill('SIGTERM');
    setTimeout(() => process.exit(code), 500).unref();
  };
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
  for (const [i, c] of children.entries()) {
    c.on('exit', (code) => {
      if (!stopping) {
        process.stderr.write(`node-${i + 1} exited (code ${code}); stopping the cluster\n`);
        stop(1);
      }
    });
  }
  try {
    await Promise.all(client.nodes.map((n, i) => waitHealthy(n.url, 30_000, children[i])));
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : e}\n`);
    return stop(1);
  }
  const rel = relative(process.cwd(), clientPath) || clientPath;
  const lines = [
    '',
    `tkms dev cluster is up: ${client.nodes.length} nodes, threshold 2 of ${client.nodes.length}${created ? ' (new)' : ' (existing keys kept)'}`,
    '',
    ...client.nodes.map((n) => `  ${n.id}  ${n.url}   API docs: ${n.url}/v1/docs`),
    '',
    `Client config (node URLs, pinned node keys, dev API keys): ${rel}`,
    '',
    'Try, in another terminal:',
    '  npx tkms key create --type eddsa-ed25519 --threshold 2',
    '  npx tkms key list',
    '  npx tkms sign --key <id> --message-hex 68656c6c6f',
    '  npx tkms key create --type ecdsa-secp256k1 --threshold 2     # then sign --digest-hex, --path m/44/60/0/0/7',
    '  npx tkms key create --type oprf-ristretto255 --threshold 2   # then derive --object contracts/4711/fields/ssn',
    '  npx tkms --help',
    '',
    'Ctrl-C stops the cluster; data stays in .tkms/ for the next start.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
