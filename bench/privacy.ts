/**
 * Privacy-control benchmarks (issue 4), on the cluster `run.ts` started: one data-key derivation
 * end to end (policy-bound mode, sealed answers, proofs checked), data keys per second in batches
 * of 100, sealing and opening a 20-field document, and one threshold ECIES decryption. The
 * single-server noble ristretto255 VOPRF round trip (blind, evaluate with proof, verify, finalize)
 * is measured in the same run for scale.
 */
import { ristretto255_oprf } from '@noble/curves/ed25519.js';
import type { Cluster } from '../e2e/harness.ts';
import { pct } from './stats.ts';

async function timed(n: number, f: (i: number) => Promise<unknown>, dot = 20): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f(i);
    out.push(performance.now() - t);
    if (i % dot === 0) process.stdout.write('.');
  }
  return out;
}

function nobleVoprfRoundTrip(): number {
  const { voprf } = ristretto255_oprf;
  const keys = voprf.generateKeyPair();
  const input = new TextEncoder().encode('contracts/4711/fields/ssn');
  const once = () => {
    const b = voprf.blind(input);
    const e = voprf.blindEvaluate(keys.secretKey, keys.publicKey, b.blinded);
    voprf.finalize(input, b.blind, e.evaluated, b.blinded, keys.publicKey, e.proof);
  };
  for (let i = 0; i < 20; i++) once();
  const times: number[] = [];
  for (let i = 0; i < 100; i++) {
    const t = performance.now();
    once();
    times.push(performance.now() - t);
  }
  return pct(times, 50);
}

export async function benchPrivacy(c: Cluster, quick: boolean): Promise<Record<string, unknown>> {
  const N_ONE = quick ? 30 : 200;
  const N_BATCH = quick ? 5 : 20;
  const N_DOC = quick ? 10 : 40;
  const client = c.client;
  process.stdout.write('\noprf-ristretto255 (policy-bound derivation, answers sealed to the client)\n  ');
  const key = await client.createKey({ type: 'oprf-ristretto255', threshold: 2 });
  for (let i = 0; i < 20; i++) await client.deriveDataKey({ keyId: key.id, object: `warm/${i}` });

  const one = await timed(N_ONE, (i) =>
    client.deriveDataKey({ keyId: key.id, object: `contracts/${i}/fields/ssn` }),
  );
  process.stdout.write(`\n  batches of 100 ×${N_BATCH} `);
  const batch = (i: number) =>
    client.deriveDataKeys({
      keyId: key.id,
      objects: Array.from({ length: 100 }, (_, j) => `contracts/${i}/fields/f${j}`),
    });
  await batch(-1);
  const t0 = performance.now();
  const batches = await timed(N_BATCH, batch, 5);
  const keysPerSec = ((N_BATCH * 100) / (performance.now() - t0)) * 1000;
  // Two batches in flight keep both cores busy while one waits on the network.
  let next = 0;
  const t1 = performance.now();
  await Promise.all(
    [0, 1].map(async () => {
      while (next < N_BATCH) await batch(1000 + next++);
    }),
  );
  const keysPerSecC2 = ((N_BATCH * 100) / (performance.now() - t1)) * 1000;

  process.stdout.write(`\n  20-field document seal/open ×${N_DOC} `);
  const doc = Object.fromEntries(
    Array.from({ length: 20 }, (_, j) => [`field${j}`, `value ${j} ${'x'.repeat(40)}`]),
  );
  const fields = Object.keys(doc);
  const seal: number[] = [];
  const open: number[] = [];
  for (let i = 0; i < N_DOC; i++) {
    let t = performance.now();
    const sealed = await client.encryptFields(doc, { keyId: key.id, object: `contracts/doc-${i}`, fields });
    seal.push(performance.now() - t);
    t = performance.now();
    await client.decryptFields(sealed, { keyId: key.id });
    open.push(performance.now() - t);
    if (i % 10 === 0) process.stdout.write('.');
  }

  process.stdout.write('\necies-p256 threshold decryption\n  ');
  const ecies = await client.createKey({ type: 'ecies-p256', threshold: 2 });
  const { ciphertext } = await client.encrypt({
    keyId: ecies.id,
    plaintext: new TextEncoder().encode('payload'),
    label: 'payloads/1',
  });
  for (let i = 0; i < 10; i++) await client.decrypt({ keyId: ecies.id, ciphertext });
  const dec = await timed(quick ? 20 : 100, () => client.decrypt({ keyId: ecies.id, ciphertext }));

  const noble = nobleVoprfRoundTrip();
  const r = {
    type: 'privacy',
    deriveP50Ms: pct(one, 50),
    deriveP95Ms: pct(one, 95),
    batch100P50Ms: pct(batches, 50),
    dataKeysPerSec: keysPerSec,
    dataKeysPerSecC2: keysPerSecC2,
    seal20P50Ms: pct(seal, 50),
    open20P50Ms: pct(open, 50),
    eciesDecryptP50Ms: pct(dec, 50),
    nobleVoprfRoundTripMs: noble,
  };
  console.log(
    `\n  derive one data key: p50 ${r.deriveP50Ms.toFixed(1)} ms, p95 ${r.deriveP95Ms.toFixed(1)} ms (target p50 < 20 ms)` +
      `\n  batches of 100: p50 ${r.batch100P50Ms.toFixed(0)} ms, ${r.dataKeysPerSec.toFixed(0)} data keys/s (c=1), ${r.dataKeysPerSecC2.toFixed(0)}/s (c=2) (target ≥ 300/s)` +
      `\n  20-field document: seal p50 ${r.seal20P50Ms.toFixed(1)} ms, open p50 ${r.open20P50Ms.toFixed(1)} ms (target < 150 ms each)` +
      `\n  ecies-p256 decrypt (2 of 3): p50 ${r.eciesDecryptP50Ms.toFixed(1)} ms` +
      `\n  single-server noble ristretto255 VOPRF round trip in-process: ${noble.toFixed(2)} ms`,
  );
  return r;
}
