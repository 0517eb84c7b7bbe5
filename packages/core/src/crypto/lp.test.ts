import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { bytesToHex, equalBytes, hexToBytes } from './bytes.ts';
import { decodeFields, encodeFields } from './lp.ts';
import { hashTranscript } from './transcript.ts';

test('length-prefixed encoding round-trips and is injective', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 6 }), (fields) => {
      const back = decodeFields(encodeFields(fields));
      assert.equal(back.length, fields.length);
      for (const [i, b] of back.entries()) assert.ok(equalBytes(b, fields[i] as Uint8Array));
    }),
  );
  // The TSSHOCK alpha-shuffle shape: moving a boundary must change the hash input.
  const a = hashTranscript('t', [new Uint8Array([1, 2]), new Uint8Array([3])]);
  const b = hashTranscript('t', [new Uint8Array([1]), new Uint8Array([2, 3])]);
  assert.notEqual(bytesToHex(a), bytesToHex(b));
  assert.notEqual(bytesToHex(hashTranscript('t1', [])), bytesToHex(hashTranscript('t2', [])));
});

test('decoders reject what they would not produce', () => {
  assert.throws(() => hexToBytes('0x00'));
  assert.throws(() => hexToBytes('ABCD'));
  assert.throws(() => hexToBytes('abc'));
  assert.throws(() => decodeFields(new Uint8Array([0, 0, 0, 1, 0, 0, 0, 5, 1])), /truncated/);
  assert.throws(() => decodeFields(new Uint8Array([0, 0, 0, 0, 9])), /trailing/);
});
