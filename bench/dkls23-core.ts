/**
 * DKLs23 in one process, no network, no storage: a 2-of-3 secp256k1 signature with the real
 * OT-based 2P-MUL (both signers' whole work, so about twice one node's CPU), the pairwise base-OT
 * setup per ordered pair (timed apart from the DKG that precedes it), and the single-party noble
 * ECDSA baseline. For comparison with the figures in the issue (a Rust DKLs23 in WASM: 56 ms per
 * two-party signature, 2.4 s per 2-of-3 keygen). `node --import tsx bench/dkls23-core.ts [--noble]`
 * (--noble: without libsodium).
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { otHarness, runSign, setupDkls23 } from '@tkms/core/protocols/dkls23/sign/testing/fixtures';
import { installSodiumAccel } from '@tkms/node/accel/sodium';
import { median } from './stats.ts';

if (!process.argv.includes('--noble')) await installSodiumAccel();
let t = performance.now();
// The DKG alone (setupDkls23 caches its keys), so the next call times the pairwise setups only.
setupDkls23({ suite: 'secp256k1', n: 3, t: 2, seed: 'bench' });
const dkgMs = performance.now() - t;
t = performance.now();
const setup = setupDkls23({ suite: 'secp256k1', n: 3, t: 2, seed: 'bench', harness: otHarness });
const setupMs = performance.now() - t;
const times: number[] = [];
for (let i = 0; i < 30; i++) {
  t = performance.now();
  const r = runSign({
    setup,
    signers: ['node-1', 'node-2'],
    seed: `s${i}`,
    digest: sha256(new Uint8Array([i])),
  });
  times.push(performance.now() - t);
  const out = Object.values(r.outcomes)[0] as { status: string };
  if (out.status !== 'done') throw new Error(`sign failed: ${JSON.stringify(out)}`);
}
const sk = secp256k1.utils.randomSecretKey();
const base: number[] = [];
for (let i = 0; i < 200; i++) {
  const m = sha256(new Uint8Array([i]));
  t = performance.now();
  secp256k1.sign(m, sk, { prehash: false });
  base.push(performance.now() - t);
}
console.log(`DKG, 3 parties (secp256k1, first run in the process): ${dkgMs.toFixed(0)} ms`);
console.log(
  `pairwise setups for 3 parties (6 ordered pairs): ${setupMs.toFixed(0)} ms (${(setupMs / 6).toFixed(0)} ms per pair)`,
);
console.log(`2-of-3 signature, both signers in one process: p50 ${median(times.slice(5)).toFixed(1)} ms`);
console.log(`single-party noble ECDSA sign: ${median(base).toFixed(2)} ms`);
