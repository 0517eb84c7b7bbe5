/**
 * `npm run bench`: a real local cluster (3 node processes, 2-of-3, PGlite) driven through the SDK
 * over loopback HTTP. For each key type: DKG time, sign latency p50/p95 at concurrency 1,
 * signatures per second at concurrency 1 and 16, and the cost of one single-party @noble/curves
 * signature measured in the same run, as a ratio; then data keys, field-level encryption and
 * threshold decryption (bench/privacy.ts). Results go to stdout and bench/results/.
 * `-- --quick` runs fewer iterations; `-- --only signing|privacy` runs one part; `-- --type <key type>`
 * runs the signing part for one key type; `-- --database postgres` gives each node its own new
 * database on the PostgreSQL server (TKMS_BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432/postgres)
 * instead of embedded PGlite, and drops them afterwards.
 */

import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { ed25519 } from '@noble/curves/ed25519.js';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { type KeyType, RECEIVER_MESSAGE_BYTES, SENDER_MESSAGE_BYTES } from '@tkms/core';
import { openDb } from '@tkms/node/storage/db';
import { createClient, PRESIGNATURE_ARM_BATCH } from '@tkms/sdk';
import { loadClientConfig } from '@tkms/sdk/load-config';
import { type Cluster, type ClusterOptions, startCluster } from '../e2e/harness.ts';
import { benchPrivacy } from './privacy.ts';
import { median, pct } from './stats.ts';

const quick = process.argv.includes('--quick');
/** `--only signing` or `--only privacy` runs one part. */
const only = process.argv[process.argv.indexOf('--only') + 1];
const part = (name: string) => !process.argv.includes('--only') || only === name;
const arg = (flag: string) =>
  process.argv.includes(flag) ? process.argv[process.argv.indexOf(flag) + 1] : undefined;
const onlyType = arg('--type');
const database = arg('--database') ?? 'pglite';
if (database !== 'pglite' && database !== 'postgres') throw new Error('--database is pglite or postgres');
const N_DKG = quick ? 3 : 10;
const N_SEQ = quick ? 30 : 200;
const N_PAR = quick ? 64 : 400;
const CONC = 16;

function baseline(type: KeyType): number {
  const msg = new Uint8Array(32).fill(7);
  const sk = type === 'eddsa-ed25519' ? ed25519.utils.randomSecretKey() : schnorr.utils.randomSecretKey();
  const sign = () =>
    type === 'eddsa-ed25519'
      ? ed25519.sign(msg, sk)
      : type === 'ecdsa-secp256k1'
        ? secp256k1.sign(msg, sk, { prehash: false })
        : schnorr.sign(msg, sk);
  for (let i = 0; i < 50; i++) sign();
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    sign();
    times.push(performance.now() - t);
  }
  return median(times);
}

/** Envelope bytes the given nodes have sent to their peers so far (GET /v1/metrics). */
async function peerBytes(c: Cluster, nodes: readonly string[]): Promise<number> {
  const config = loadClientConfig(c.clientPath);
  let sum = 0;
  for (const id of nodes) {
    const n = config.nodes.find((x) => x.id === id);
    if (!n) throw new Error(`no node ${id}`);
    const res = await fetch(new URL('/v1/metrics', n.url), {
      headers: { authorization: `Bearer ${n.apiKey}` },
    });
    const m = /^tkms_peer_bytes_sent_total (\d+)$/m.exec(await res.text());
    if (!m) throw new Error(`${id}: no tkms_peer_bytes_sent_total in /v1/metrics`);
    sum += Number(m[1]);
  }
  return sum;
}

/** A new database per node on the PostgreSQL server, dropped by `drop()`. */
async function postgresDatabases(): Promise<{
  urlFor: NonNullable<ClusterOptions['database']>;
  drop(): Promise<void>;
}> {
  const adminUrl = process.env.TKMS_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const admin = await openDb(adminUrl, { maxConnections: 1 });
  const run = randomBytes(4).toString('hex');
  const created: string[] = [];
  const urls = new Map<string, string>();
  for (const id of ['node-1', 'node-2', 'node-3']) {
    const name = `tkms_bench_${run}_${id.replace('-', '_')}`;
    await admin.exec(`CREATE DATABASE ${name}`);
    created.push(name);
    const u = new URL(adminUrl);
    u.pathname = `/${name}`;
    urls.set(id, u.toString());
  }
  return {
    urlFor: (id) => {
      const u = urls.get(id);
      if (!u) throw new Error(`no database for ${id}`);
      return u;
    },
    drop: async () => {
      for (const name of created) await admin.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.close();
    },
  };
}

/**
 * Presigns `n` (timed), then signs once with each, naming the next `PRESIGNATURE_ARM_BATCH` once
 * per batch so the signers take them off the critical path (as the SDK's pool does). Returns both timings and
 * the peer byte counter after presigning. Like the three-round phase (20 untimed signatures
 * first), it warms up first: `WARM_UP` presigned signatures that are not timed, so the one-round
 * path is compiled before it is measured.
 */
const WARM_UP = 20;
/** The ids to name as the next ones when signing with `ids[i]`: a new batch at each batch's start. */
const nextBatch = (ids: readonly string[], i: number) =>
  i % PRESIGNATURE_ARM_BATCH === 0 && i + 1 < ids.length
    ? { nextPresignatureIds: ids.slice(i + 1, i + 1 + PRESIGNATURE_ARM_BATCH) }
    : {};

async function presignedRun(
  c: Cluster,
  keyId: string,
  signers: string[],
  n: number,
): Promise<{ pre: number[]; online: number[]; beforePresign: number; afterPresign: number }> {
  process.stdout.write(`\n  presign ×${n}, then sign with each (after ${WARM_UP} untimed) `);
  const warm: string[] = [];
  for (let i = 0; i < WARM_UP; i++) warm.push((await c.client.presign({ keyId, signers })).presignatureId);
  for (const [i, presignatureId] of warm.entries())
    await c.client.sign({
      keyId,
      message: new TextEncoder().encode(`bench warm-up ${i}`),
      signers,
      presignatureId,
      ...nextBatch(warm, i),
    });
  const beforePresign = await peerBytes(c, signers);
  const pre: number[] = [];
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    ids.push((await c.client.presign({ keyId, signers })).presignatureId);
    pre.push(performance.now() - t);
  }
  const afterPresign = await peerBytes(c, signers);
  const online: number[] = [];
  for (const [i, presignatureId] of ids.entries()) {
    const t = performance.now();
    await c.client.sign({
      keyId,
      message: new TextEncoder().encode(`bench presigned ${i}`),
      signers,
      presignatureId,
      ...nextBatch(ids, i),
    });
    online.push(performance.now() - t);
    if (i % 10 === 0) process.stdout.write('.');
  }
  return { pre, online, beforePresign, afterPresign };
}

/**
 * The same 2-of-3 secp256k1 ECDSA measurements on nodes that keep noble for secp256k1
 * (TKMS_SECP256K1_BACKEND=noble), so the libsecp256k1 backend is compared in the same run.
 */
async function nobleEcdsaPass(n: number): Promise<Record<string, number>> {
  process.stdout.write('\necdsa-secp256k1, nodes on noble alone (no libsecp256k1 backend), for comparison');
  const env = { TKMS_SECP256K1_BACKEND: 'noble' };
  const pg = database === 'postgres' ? await postgresDatabases() : undefined;
  const c = await startCluster({
    launch: { 'node-1': { env }, 'node-2': { env }, 'node-3': { env } },
    ...(pg ? { database: pg.urlFor } : {}),
  });
  try {
    const keyId = (await c.client.createKey({ type: 'ecdsa-secp256k1', threshold: 2 })).id;
    const signers = ['node-1', 'node-2'];
    for (let i = 0; i < 10; i++) await c.client.sign({ keyId, message: new Uint8Array([i]), signers });
    process.stdout.write(`\n  sign ×${n} at concurrency 1 `);
    const lat: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await c.client.sign({ keyId, message: new Uint8Array([i, 1]), signers });
      lat.push(performance.now() - t);
      if (i % 20 === 0) process.stdout.write('.');
    }
    const { online } = await presignedRun(c, keyId, signers, n);
    const r = {
      nobleSignP50Ms: median(lat),
      nobleSignP95Ms: pct(lat, 95),
      noblePresignedSignP50Ms: median(online),
      noblePresignedSignP95Ms: pct(online, 95),
    };
    console.log(
      `\n  on noble: sign p50 ${r.nobleSignP50Ms.toFixed(2)} ms (p95 ${r.nobleSignP95Ms.toFixed(2)}), ` +
        `with a ready presignature p50 ${r.noblePresignedSignP50Ms.toFixed(2)} ms (p95 ${r.noblePresignedSignP95Ms.toFixed(2)})`,
    );
    return r;
  } finally {
    await c.close();
    await pg?.drop();
  }
}

async function main() {
  console.log(
    `tkms bench: ${cpus().length} × ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}${quick ? ' (quick)' : ''}`,
  );
  console.log(
    `starting 3 node processes (2-of-3, ${database === 'postgres' ? 'one PostgreSQL database each' : 'embedded PGlite'}, loopback HTTP)…`,
  );
  const pg = database === 'postgres' ? await postgresDatabases() : undefined;
  const c = await startCluster(pg ? { database: pg.urlFor } : {});
  const results: Record<string, unknown>[] = [];
  try {
    for (const type of part('signing')
      ? (['eddsa-ed25519', 'schnorr-secp256k1', 'ecdsa-secp256k1'] as const).filter(
          (t) => onlyType === undefined || t === onlyType,
        )
      : []) {
      // DKLs23 keys carry the pairwise OT setup (seconds), and each signature moves ~136 kB.
      const slow = type === 'ecdsa-secp256k1';
      const nDkg = slow ? Math.min(N_DKG, 5) : N_DKG;
      const nSeq = slow ? Math.min(N_SEQ, 60) : N_SEQ;
      const nPar = slow ? N_PAR / 4 : N_PAR;
      process.stdout.write(`\n${type}\n  DKG ×${nDkg} `);
      const dkg: number[] = [];
      let keyId = '';
      for (let i = 0; i < nDkg; i++) {
        const t = performance.now();
        keyId = (await c.client.createKey({ type, threshold: 2 })).id;
        dkg.push(performance.now() - t);
        process.stdout.write('.');
      }
      await c.client.getKey(keyId);
      const signers = ['node-1', 'node-2'];
      const msg = (i: number) => new TextEncoder().encode(`bench message ${i}`);
      for (let i = 0; i < 20; i++) await c.client.sign({ keyId, message: msg(i), signers });
      process.stdout.write(`\n  sign ×${nSeq} at concurrency 1 `);
      const sent0 = await peerBytes(c, signers);
      const lat: number[] = [];
      const t1 = performance.now();
      for (let i = 0; i < nSeq; i++) {
        const t = performance.now();
        await c.client.sign({ keyId, message: msg(i), signers });
        lat.push(performance.now() - t);
        if (i % 20 === 0) process.stdout.write('.');
      }
      const seqRate = (nSeq / (performance.now() - t1)) * 1000;
      const wirePerSignature = ((await peerBytes(c, signers)) - sent0) / nSeq;
      process.stdout.write(`\n  sign ×${nPar} at concurrency ${CONC} `);
      let next = 0;
      const parLat: number[] = [];
      const t2 = performance.now();
      await Promise.all(
        Array.from({ length: CONC }, async () => {
          while (next < nPar) {
            const i = next++;
            const t = performance.now();
            await c.client.sign({ keyId, message: msg(i), signers });
            parLat.push(performance.now() - t);
            if (i % 40 === 0) process.stdout.write('.');
          }
        }),
      );
      const parRate = (nPar / (performance.now() - t2)) * 1000;
      // ECDSA with presignatures: rounds 1-2 ahead (timed too), then one-round signing.
      let presign: Record<string, number> | undefined;
      if (slow) {
        const { pre, online, beforePresign, afterPresign } = await presignedRun(c, keyId, signers, nSeq);
        const afterOnline = await peerBytes(c, signers);
        // The SDK's own pool: sign() takes a presignature and refills in the background, so the
        // refill's rounds 1-2 run alongside the next signatures (what a busy client sees).
        process.stdout.write(`\n  sign ×${nSeq / 2} from a client pool of 8 with background refill `);
        const pooled = createClient({ ...loadClientConfig(c.clientPath), presignaturePool: 8 });
        await pooled.fillPresignatures({ keyId, signers });
        const fromPool: number[] = [];
        for (let i = 0; i < nSeq / 2; i++) {
          const t = performance.now();
          await pooled.sign({ keyId, message: msg(i), signers });
          fromPool.push(performance.now() - t);
          if (i % 10 === 0) process.stdout.write('.');
        }
        await pooled.fillPresignatures({ keyId, signers });
        presign = {
          presignP50Ms: median(pre),
          presignedSignP50Ms: median(online),
          presignedSignP95Ms: pct(online, 95),
          pooledSignP50Ms: median(fromPool),
          pooledSignP95Ms: pct(fromPool, 95),
          wireBytesPerPresign: (afterPresign - beforePresign) / pre.length,
          wireBytesPerOnlineSign: (afterOnline - afterPresign) / online.length,
          // libsecp256k1 against noble in the same run (the nodes of a second cluster keep noble).
          ...(await nobleEcdsaPass(nSeq)),
        };
      }
      const base = baseline(type);
      const r = {
        type,
        dkgMedianMs: median(dkg),
        dkgP95Ms: pct(dkg, 95),
        signP50Ms: median(lat),
        signP95Ms: pct(lat, 95),
        signPerSecC1: seqRate,
        signPerSecC16: parRate,
        signP50MsC16: median(parLat),
        nobleSingleSignMs: base,
        ratioP50ToNoble: median(lat) / base,
        // The 2P-MUL messages of two signers (one instance each way); envelopes add framing.
        wireBytesPerSignature: wirePerSignature,
        ...(slow
          ? { mulPayloadBytesPerSignature: 2 * (RECEIVER_MESSAGE_BYTES + SENDER_MESSAGE_BYTES), ...presign }
          : {}),
      };
      results.push(r);
      console.log(
        `\n  DKG median ${r.dkgMedianMs.toFixed(1)} ms (p95 ${r.dkgP95Ms.toFixed(1)})` +
          `\n  sign p50 ${r.signP50Ms.toFixed(2)} ms, p95 ${r.signP95Ms.toFixed(2)} ms, ${r.signPerSecC1.toFixed(0)}/s at c=1` +
          `\n  ${r.signPerSecC16.toFixed(0)} signatures/s at c=${CONC} (p50 ${r.signP50MsC16.toFixed(1)} ms)` +
          `\n  peer traffic between the two signers: ${r.wireBytesPerSignature.toFixed(0)} bytes per signature (envelope bodies, measured)` +
          (slow && presign
            ? `\n  2P-MUL payload between the two signers: ${2 * (RECEIVER_MESSAGE_BYTES + SENDER_MESSAGE_BYTES)} bytes per signature (computed)` +
              `\n  presign p50 ${presign.presignP50Ms?.toFixed(1)} ms (${presign.wireBytesPerPresign?.toFixed(0)} bytes on the wire)` +
              `\n  sign with a ready presignature p50 ${presign.presignedSignP50Ms?.toFixed(2)} ms, p95 ${presign.presignedSignP95Ms?.toFixed(2)} ms (${presign.wireBytesPerOnlineSign?.toFixed(0)} bytes on the wire)` +
              `\n  sign from the client pool (refilling meanwhile) p50 ${presign.pooledSignP50Ms?.toFixed(2)} ms, p95 ${presign.pooledSignP95Ms?.toFixed(2)} ms`
            : '') +
          `\n  single-party noble ${type === 'eddsa-ed25519' ? 'ed25519' : type === 'ecdsa-secp256k1' ? 'secp256k1 ECDSA' : 'schnorr'}.sign ${base.toFixed(3)} ms → threshold p50 is ${r.ratioP50ToNoble.toFixed(0)}× that`,
      );
    }
    if (part('privacy')) results.push(await benchPrivacy(c, quick));
  } finally {
    await c.close();
    await pg?.drop();
  }
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  const out = new URL(
    `./results/bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
    import.meta.url,
  );
  writeFileSync(
    out,
    `${JSON.stringify({ at: new Date().toISOString(), database, cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, results }, null, 2)}\n`,
  );
  console.log(`\nresults written to ${out.pathname}`);
}

await main();
