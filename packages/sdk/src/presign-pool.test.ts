import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PresignaturePool } from './presign-pool.ts';

test('the pool fills to its size, one presign at a time, hands each id out once and refills', async () => {
  let made = 0;
  let running = 0;
  let most = 0;
  const pool = new PresignaturePool(3, async (keyId, signers) => {
    running++;
    most = Math.max(most, running);
    await new Promise((r) => setTimeout(r, 1));
    running--;
    return { presignatureId: `${keyId}/${signers.join('+')}/${made++}` };
  });
  assert.equal(pool.take('k', ['b', 'a']), undefined, 'empty at first');
  await pool.fill('k', ['a', 'b']);
  assert.equal(pool.count('k', ['b', 'a']), 3, 'signer order does not matter');
  assert.equal(most, 1, 'one presign at a time');
  const taken = [pool.take('k', ['a', 'b']), pool.take('k', ['a', 'b'])];
  assert.deepEqual(taken, ['k/a+b/0', 'k/a+b/1']);
  await pool.fill('k', ['a', 'b']);
  assert.equal(pool.count('k', ['a', 'b']), 3, 'refilled');
  assert.equal(pool.count('k', ['a', 'c']), 0, 'another signer set has its own pool');
});

test('a failing presign stops the filler and reports; the next take tries again', async () => {
  let fail = true;
  const errors: unknown[] = [];
  const pool = new PresignaturePool(
    2,
    async () => {
      if (fail) throw new Error('node down');
      return { presignatureId: 'p' };
    },
    (e) => errors.push(e),
  );
  await assert.rejects(pool.fill('k', ['a', 'b']), /node down/);
  assert.equal(pool.take('k', ['a', 'b']), undefined);
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(errors.length, 1, 'the background refill reported its error');
  fail = false;
  await pool.fill('k', ['a', 'b']);
  assert.equal(pool.count('k', ['a', 'b']), 2);
  assert.throws(() => new PresignaturePool(-1, async () => ({ presignatureId: 'x' })), RangeError);
});

test('size 0 is off: take never starts a presign', () => {
  const pool = new PresignaturePool(0, async () => assert.fail('no presign when the pool is off'));
  assert.equal(pool.take('k', ['a', 'b']), undefined);
});

test('toArm names the next batch once per batch; forgetArmed drops the named ids', async () => {
  let made = 0;
  const pool = new PresignaturePool(6, async () => ({ presignatureId: `p${made++}` }));
  await pool.fill('k', ['a', 'b']);
  assert.equal(pool.take('k', ['a', 'b']), 'p0');
  assert.deepEqual(pool.toArm('k', ['a', 'b'], 3), ['p1', 'p2', 'p3']);
  assert.deepEqual(pool.toArm('k', ['b', 'a'], 3), [], 'the next one is named already');
  assert.equal(pool.take('k', ['a', 'b']), 'p1');
  assert.deepEqual(pool.toArm('k', ['a', 'b'], 3), [], 'its batch is still being used');
  assert.equal(pool.take('k', ['a', 'b']), 'p2');
  assert.equal(pool.take('k', ['a', 'b']), 'p3');
  // p4, p5 left, and the refill (started by each take) adds more behind them.
  assert.deepEqual(pool.toArm('k', ['a', 'b'], 2), ['p4', 'p5'], 'the next batch');
  await pool.fill('k', ['a', 'b']);
  pool.forgetArmed('k', ['a', 'b']);
  assert.equal(pool.take('k', ['a', 'b']), 'p6', 'the named ones are gone, the rest stay');
  assert.deepEqual(pool.toArm('k', ['a', 'b'], 2), ['p7', 'p8']);
  assert.deepEqual(pool.toArm('k', ['a', 'c'], 2), [], 'another signer set has nothing');
});
