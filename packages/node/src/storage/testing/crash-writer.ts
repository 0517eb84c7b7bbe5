/**
 * Child process for the crash test (pglite.crash.test.ts): opens a PGlite data directory and
 * writes until it is killed. Each iteration commits one transaction holding a pending key and its
 * audit record, then prints `ack <n>`; every 25 iterations it also forces a checkpoint, so a kill
 * can land in the middle of either kind of write. stdout to a pipe is synchronous on Linux, so an
 * ack the parent reads was printed after its COMMIT returned.
 *
 * Usage: node --import tsx crash-writer.ts <dataDir> <firstN>
 */
import { randomBytes } from 'node:crypto';
import { createSealer, shareAad } from '../../seal/sealer.ts';
import { openDb } from '../db.ts';
import { migrate } from '../migrate.ts';
import { Store } from '../store.ts';

const [dir, first] = process.argv.slice(2);
if (!dir || first === undefined) throw new Error('usage: crash-writer.ts <dataDir> <firstN>');
const db = await openDb(`pglite:${dir}`);
await migrate(db);
const store = new Store(db);
const sealer = createSealer(new Uint8Array(32).fill(7));
process.stdout.write('ready\n');
for (let n = Number(first); ; n++) {
  const id = `crash-${n}`;
  await store.transaction(async (tx) => {
    await tx.insertPendingKey({
      id,
      type: 'eddsa-ed25519',
      suite: 'ed25519',
      threshold: 2,
      parties: ['node-1', 'node-2'],
      identifiers: { 'node-1': '01', 'node-2': '02' },
      publicKey: randomBytes(32),
      verifyingShares: { 'node-1': 'aa', 'node-2': 'bb' },
      sealedShare: sealer.seal(randomBytes(32), shareAad({ nodeId: 'node-1', keyId: id, version: 1 })),
      meta: { pad: 'x'.repeat(1000) },
    });
    await tx.appendAudit({
      actor: 'crash-writer',
      action: 'key.create',
      keyId: id,
      outcome: 'ok',
      detail: { n },
    });
  });
  process.stdout.write(`ack ${n}\n`);
  if (n % 25 === 24) await db.exec('CHECKPOINT');
}
