/**
 * Timings and message sizes of the OT-based multiplication, both parties in one process (no
 * network): the pairwise setup, then single instances on secp256k1 and p256.
 *
 *   node --import tsx packages/core/src/protocols/dkls23/mul/testing/measure-mul.ts [instances] [setups]
 *
 * Prints medians (p50) and p90 over the runs after warm-up. Not a test: timings depend on the host.
 */
import { utf8 } from '../../../../crypto/bytes.ts';
import { p256Suite } from '../../../../crypto/suites/p256.ts';
import { secp256k1Suite } from '../../../../crypto/suites/secp256k1.ts';
import { seededRandom } from '../../../../engine/simulate/random.ts';
import { createOtMultiplication, RECEIVER_MESSAGE_BYTES, SENDER_MESSAGE_BYTES } from '../ot-mul.ts';
import { setupReceiverFinish, setupReceiverStart, setupSenderRespond } from '../setup.ts';
import { encodeMulState } from '../state.ts';
import { ALICE, BOB, SETUP_SID, setupPair } from './pair.ts';

const instances = Number(process.argv[2] ?? 100);
const setups = Number(process.argv[3] ?? 5);

function stats(label: string, times: number[]): void {
  const t = [...times].sort((a, b) => a - b);
  const q = (p: number) => (t[Math.min(t.length - 1, Math.floor(p * t.length))] as number).toFixed(2);
  console.log(`${label.padEnd(52)} p50 ${q(0.5).padStart(8)} ms   p90 ${q(0.9).padStart(8)} ms`);
}

function time<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const out = fn();
  return [out, performance.now() - t0];
}

// Pairwise setup (κ = 256 base OTs), one warm-up run.
const setupTimes: number[][] = [[], [], [], []];
let sizes = { m1: 0, m2: 0 };
for (let i = 0; i <= setups; i++) {
  const random = seededRandom('measure', `setup-${i}`);
  const [start, t1] = time(() =>
    setupReceiverStart({ self: BOB, peer: ALICE, sessionId: SETUP_SID, random }),
  );
  const [respond, t2] = time(() =>
    setupSenderRespond({ self: ALICE, peer: BOB, sessionId: SETUP_SID, message: start.message, random }),
  );
  const [, t3] = time(() => setupReceiverFinish(start.pending, respond.message));
  sizes = { m1: start.message.length, m2: respond.message.length };
  if (i === 0) continue;
  setupTimes[0]?.push(t1);
  setupTimes[1]?.push(t2);
  setupTimes[2]?.push(t3);
  setupTimes[3]?.push(t1 + t2 + t3);
}
console.log(`pairwise setup, ${setups} runs (Endemic OT over ristretto255, κ = 256):`);
stats('  setupReceiverStart  (Bob)', setupTimes[0] as number[]);
stats('  setupSenderRespond  (Alice: 256 base OTs as receiver)', setupTimes[1] as number[]);
stats('  setupReceiverFinish (Bob: 256 base OTs as sender)', setupTimes[2] as number[]);
stats('  whole setup, one ordered pair', setupTimes[3] as number[]);
const pair = setupPair('measure');
console.log(
  `  messages: Bob → Alice ${sizes.m1} B, Alice → Bob ${sizes.m2} B; stored states: ` +
    `sender ${encodeMulState(pair.alice).length} B, receiver ${encodeMulState(pair.bob).length} B`,
);

for (const suite of [secp256k1Suite, p256Suite]) {
  const mul = createOtMultiplication(suite);
  const steps: number[][] = [[], [], [], []];
  const warmup = 10;
  for (let i = 0; i < warmup + instances; i++) {
    const random = seededRandom('measure', `${suite.name}-${i}`);
    const sid = utf8(`measure/${suite.name}/${i}`);
    const inputs = [suite.randomScalar(random), suite.randomScalar(random)];
    const [start, t1] = time(() => mul.receiverStart(pair.bob, sid, random));
    const [respond, t2] = time(() => mul.senderRespond(pair.alice, sid, start.message, inputs, random));
    const [, t3] = time(() => mul.receiverFinish(pair.bob, sid, start.pending, respond.message));
    if (i < warmup) continue;
    steps[0]?.push(t1);
    steps[1]?.push(t2);
    steps[2]?.push(t3);
    steps[3]?.push(t1 + t2 + t3);
  }
  console.log(`${suite.name} 2P-MUL (L = 2, ξ = 416), ${instances} instances:`);
  stats('  receiverStart  (Bob)', steps[0] as number[]);
  stats('  senderRespond  (Alice)', steps[1] as number[]);
  stats('  receiverFinish (Bob)', steps[2] as number[]);
  stats('  one instance, both parties', steps[3] as number[]);
}
console.log(
  `2P-MUL messages: receiver → sender ${RECEIVER_MESSAGE_BYTES} B, sender → receiver ${SENDER_MESSAGE_BYTES} B ` +
    `(${RECEIVER_MESSAGE_BYTES + SENDER_MESSAGE_BYTES} B per ordered pair and signature)`,
);
