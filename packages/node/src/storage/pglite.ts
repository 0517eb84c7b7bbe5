/**
 * Embedded PostgreSQL (PGlite, Postgres compiled to WASM) behind the `Db` interface.
 *
 * What PGlite does not do on its own, and this file adds:
 * - **fsync.** PGlite starts Postgres with `-F` (fsync off) and its Node filesystem has no fsync, so
 *   a committed transaction survives a killed process (the OS page cache keeps it) but not a power
 *   loss. With `fsync: true` (the default for a data directory) we drop `-F`, make the WAL use
 *   `fsync()` and route that call to `fs.fsyncSync`, then check `SHOW fsync` reports `on`.
 *   (`relaxedDurability` is a browser/IndexedDB option; we set it to false anyway.)
 * - **One process per directory.** PGlite runs Postgres in single-user mode and takes no lock, so
 *   two processes on one directory corrupt it. We hold `tkms.lock` (pid + host, touched every 5 s)
 *   while open and take over a lock whose process is gone, or, from another host, that went
 *   unrefreshed for 30 s (after a crash).
 * - **Atomic first start.** A new data directory is ~35 MB; a crash half-way through writing it
 *   left a directory that PGlite would later open as if it were whole. We initialise in a sibling
 *   temporary directory, fsync it and rename it into place.
 * PGlite serialises every query, and its `transaction()` holds a mutex that plain queries also wait
 * on, so a transaction sees no interleaved statement from elsewhere in the process.
 *
 * All of this runs on the calling thread. `openDb('pglite:…')` runs it in a worker thread instead
 * (pglite-worker.ts), so the node's event loop never waits for WASM or fsync.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';
import { TkmsError } from '@tkms/core';
import { checkParams, type Db, storageError, TxGuard, withSavepoint } from './db.ts';

export type OpenPgliteOptions = {
  /** Directory for the data files, or null for an in-memory database. */
  dataDir: string | null;
  /** fsync the WAL on commit and data files on checkpoint (default true; ignored in memory). */
  fsync?: boolean;
};

export async function openPglite(opts: OpenPgliteOptions): Promise<Db> {
  if (opts.dataDir === null) return new PgliteDb(await startMemoryPglite(), async () => {});
  const dir = resolve(opts.dataDir);
  const fsync = opts.fsync ?? true;
  await ensureInitialised(dir, fsync);
  const releaseLock = acquireDirLock(dir);
  try {
    const pg = await startPglite(pgliteDirOptions(dir, fsync));
    if (fsync) await assertFsyncOn(pg);
    return new PgliteDb(pg, async () => releaseLock());
  } catch (e) {
    releaseLock();
    throw e;
  }
}

async function startPglite(options: ConstructorParameters<typeof PGlite>[0]): Promise<PGlite> {
  try {
    const pg = new PGlite(options);
    await pg.waitReady;
    return pg;
  } catch (e) {
    throw storageError(e, 'opening PGlite');
  }
}

// initdb dominates a start (1-3 s). Every new database in this process, in memory or in a new
// directory, starts from a gzipped copy (~4.5 MB, kept) of one pristine data directory (~0.5 s).
let template: Promise<Blob | File> | undefined;

function pristineTemplate(): Promise<Blob | File> {
  if (!template) {
    const t = (async () => {
      const pg = await startPglite({ relaxedDurability: false });
      try {
        return await pg.dumpDataDir('gzip');
      } finally {
        await pg.close();
      }
    })();
    template = t;
    t.catch(() => {
      if (template === t) template = undefined;
    });
  }
  return template;
}

/** Seeds this thread's template with one made in another thread (a worker), so it skips initdb. */
export function adoptPristineTemplate(gzip: Uint8Array<ArrayBuffer>): void {
  template ??= Promise.resolve(new Blob([gzip], { type: 'application/x-gzip' }));
}

/** The template as gzip bytes if this thread made or adopted one, to hand to the next worker. */
export async function pristineTemplateIfMade(): Promise<Uint8Array<ArrayBuffer> | null> {
  if (!template) return null;
  try {
    return new Uint8Array(await (await template).arrayBuffer());
  } catch {
    return null;
  }
}

async function startMemoryPglite(): Promise<PGlite> {
  return startPglite({ loadDataDir: await pristineTemplate(), relaxedDurability: false });
}

class PgliteDb implements Db {
  readonly kind = 'pglite';
  readonly #pg: PGlite;
  readonly #onClose: () => Promise<void>;
  readonly #guard = new TxGuard();
  #closed = false;

  constructor(pg: PGlite, onClose: () => Promise<void>) {
    this.#pg = pg;
    this.#onClose = onClose;
  }

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    this.#guard.assertOutside();
    checkParams(params);
    try {
      return (await this.#pg.query<T>(sql, [...params])).rows;
    } catch (e) {
      throw storageError(e, 'query failed');
    }
  }

  async exec(sql: string): Promise<void> {
    this.#guard.assertOutside();
    try {
      await this.#pg.exec(sql);
    } catch (e) {
      throw storageError(e, 'exec failed');
    }
  }

  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    this.#guard.assertOutside();
    let thrownByFn: { e: unknown } | undefined;
    try {
      return await this.#pg.transaction(async (t) => {
        const tx = new PgliteTx(t);
        try {
          return await this.#guard.run(() => fn(tx));
        } catch (e) {
          thrownByFn = { e };
          throw e;
        }
      });
    } catch (e) {
      if (thrownByFn && thrownByFn.e === e) throw e;
      throw storageError(e, 'transaction failed');
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#pg.close();
    } finally {
      await this.#onClose();
    }
  }
}

class PgliteTx implements Db {
  readonly kind = 'pglite';
  readonly #t: Transaction;

  constructor(t: Transaction) {
    this.#t = t;
  }

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    checkParams(params);
    try {
      return (await this.#t.query<T>(sql, [...params])).rows;
    } catch (e) {
      throw storageError(e, 'query failed');
    }
  }

  async exec(sql: string): Promise<void> {
    try {
      await this.#t.exec(sql);
    } catch (e) {
      throw storageError(e, 'exec failed');
    }
  }

  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return withSavepoint(this, fn);
  }

  async close(): Promise<void> {
    throw new TkmsError('internal', { details: 'close() called on a transaction handle' });
  }
}

// ---------------------------------------------------------------------------------------------
// Durability: fsync through to the host filesystem.

type StreamOps = { fsync?: (stream: { nfd?: unknown }) => void };
type ModWithNodeFs = { NODEFS?: { stream_ops?: StreamOps } };

let fsyncCalls = 0;
/** How many fsyncs PGlite data directories issued in this process (a test and metrics hook). */
export function pgliteFsyncCount(): number {
  return fsyncCalls;
}

/** NodeFS whose file streams implement fsync (emscripten's NODEFS leaves it out). */
class FsyncNodeFS extends NodeFS {
  patched = false;

  override async init(pg: PGlite, opts: Parameters<NodeFS['init']>[1]) {
    const out = await super.init(pg, opts);
    const preRun = out.emscriptenOpts.preRun ?? [];
    out.emscriptenOpts.preRun = [
      ...preRun,
      (mod: unknown) => {
        const ops = (mod as ModWithNodeFs).NODEFS?.stream_ops;
        if (!ops) return;
        ops.fsync = (stream) => {
          if (typeof stream.nfd !== 'number') return;
          fsyncSync(stream.nfd);
          fsyncCalls++;
        };
        this.patched = true;
      },
    ];
    return out;
  }
}

function pgliteDirOptions(dir: string, fsync: boolean): ConstructorParameters<typeof PGlite>[0] {
  if (!fsync) return { dataDir: dir, relaxedDurability: false };
  return {
    dataDir: dir,
    fs: new FsyncNodeFS(dir),
    relaxedDurability: false,
    // Same as PGlite's defaults minus `-F`; `fdatasync` is a no-op in emscripten, `fsync` is ours.
    startParams: [...PGlite.defaultStartParams.filter((p) => p !== '-F'), '-c', 'wal_sync_method=fsync'],
  };
}

async function assertFsyncOn(pg: PGlite): Promise<void> {
  const fs = pg.fs;
  const rows = (await pg.query<{ fsync: string }>('SHOW fsync')).rows;
  if (!(fs instanceof FsyncNodeFS) || !fs.patched || rows[0]?.fsync !== 'on') {
    await pg.close();
    throw new TkmsError('storage.failed', {
      details: 'could not enable fsync in PGlite (its internals changed?); refusing to run without it',
    });
  }
}

/** fsyncs every file and directory under `root` (bottom-up), then `root` itself. */
function fsyncTree(root: string): void {
  for (const name of readdirSync(root)) {
    const p = join(root, name);
    if (statSync(p).isDirectory()) fsyncTree(p);
    else fsyncPath(p);
  }
  fsyncPath(root);
}

function fsyncPath(p: string): void {
  const fd = openSync(p, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

// ---------------------------------------------------------------------------------------------
// First start: initialise aside, then rename into place.

async function ensureInitialised(dir: string, fsync: boolean): Promise<void> {
  if (existsSync(join(dir, 'PG_VERSION'))) return;
  if (existsSync(dir) && readdirSync(dir).length > 0)
    throw new TkmsError('storage.failed', {
      details: `${dir} is not empty and is not a PGlite data directory`,
    });
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  cleanStaleInitDirs(parent, basename(dir));
  const tmp = join(parent, `.${basename(dir)}.init-${process.pid}-${Date.now()}`);
  try {
    const pg = await startPglite({ ...pgliteDirOptions(tmp, false), loadDataDir: await pristineTemplate() });
    await pg.close();
    if (fsync) fsyncTree(tmp);
    try {
      renameSync(tmp, dir); // replaces a missing or empty `dir` atomically
    } catch (e) {
      // Someone else won the race; their directory is whole, ours is surplus.
      if (!existsSync(join(dir, 'PG_VERSION'))) throw e;
    }
    if (fsync) fsyncPath(parent);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Removes leftovers of initialisations whose process died. */
function cleanStaleInitDirs(parent: string, name: string): void {
  const prefix = `.${name}.init-`;
  for (const entry of readdirSync(parent)) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(entry.slice(prefix.length).split('-')[0]);
    if (Number.isSafeInteger(pid) && pid !== process.pid && !processAlive(pid))
      rmSync(join(parent, entry), { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// One process per data directory.

const LOCK_FILE = 'tkms.lock';
/** The holder touches the lock this often; another host may take it over once it is LEASE_MS old. */
const HEARTBEAT_MS = 5_000;
const LEASE_MS = 30_000;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: unknown }).code === 'EPERM';
  }
}

function lockOwner(): string {
  return `${process.pid}\n${hostname()}\n`;
}

/**
 * Removes `<dir>/tkms.lock` if this process holds it. Only for a holder that can no longer release
 * it itself: a PGlite worker thread that died (the pid is the process's, so nobody else would ever
 * see the lock as stale while this process lives).
 */
export function releaseDirLockOfDeadHolder(dir: string): void {
  const path = join(resolve(dir), LOCK_FILE);
  try {
    if (readFileSync(path, 'utf8') === lockOwner()) unlinkSync(path);
  } catch {
    // already gone
  }
}

/**
 * Takes `<dir>/tkms.lock` and keeps it fresh; returns the release function. A lock is stale when
 * its process is gone (same host), or, for a lock written on another host (a container rescheduled
 * onto a shared volume, where pids mean nothing), when nobody touched it for LEASE_MS.
 */
export function acquireDirLock(dir: string): () => void {
  const path = join(dir, LOCK_FILE);
  const me = lockOwner();
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeSync(fd, me);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      const heartbeat = setInterval(() => {
        try {
          const now = new Date();
          utimesSync(path, now, now);
        } catch {
          // the next open will judge the lock by its age
        }
      }, HEARTBEAT_MS);
      heartbeat.unref();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        clearInterval(heartbeat);
        try {
          if (readFileSync(path, 'utf8') === me) unlinkSync(path);
        } catch {
          // already gone
        }
      };
    } catch (e) {
      if ((e as { code?: unknown }).code !== 'EEXIST') throw storageError(e, 'locking data directory');
    }
    const [pidText = '', host = ''] = readFileSync(path, 'utf8').split('\n');
    const pid = Number(pidText);
    const ageMs = Date.now() - statSync(path).mtimeMs;
    const stale =
      host === hostname() ? Number.isSafeInteger(pid) && pid > 0 && !processAlive(pid) : ageMs > LEASE_MS;
    if (!stale)
      throw new TkmsError('storage.failed', {
        details:
          host === hostname()
            ? `data directory ${dir} is in use by process ${pidText} (remove ${path} only if that process is gone)`
            : `data directory ${dir} is in use by process ${pidText} on ${host || 'an unknown host'}; its lock expires ${Math.ceil((LEASE_MS - ageMs) / 1000)} s after that process stops`,
      });
    unlinkSync(path);
  }
  throw new TkmsError('storage.failed', { details: `could not lock data directory ${dir}` });
}
