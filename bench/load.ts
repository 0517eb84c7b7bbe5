/**
 * Steady signing load for profiling: `TKMS_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof"
 * node --import tsx bench/load.ts [key-type] [count]` starts a cluster, signs `count` messages at
 * concurrency 16 and prints the rate; each node writes a CPU profile when it exits.
 */
import { isKeyType } from '@tkms/core';
import { startCluster } from '../e2e/harness.ts';

const type = process.argv[2] ?? 'eddsa-ed25519';
if (!isKeyType(type)) throw new Error(`unknown key type ${type}`);
const count = Number(process.argv[3] ?? 600);
const c = await startCluster();
try {
  const key = await c.client.createKey({ type, threshold: 2 });
  await c.client.getKey(key.id);
  const signers = ['node-1', 'node-2'];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < count) {
        const i = next++;
        await c.client.sign({ keyId: key.id, message: new TextEncoder().encode(`m${i}`), signers });
      }
    }),
  );
  console.log(
    `${type}: ${((count / (performance.now() - t0)) * 1000).toFixed(1)} signatures/s at concurrency 16`,
  );
} finally {
  await c.close();
}
