import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { SecretBytes } from './secret.ts';

test('SecretBytes never prints its bytes', () => {
  const s = new SecretBytes(new Uint8Array([0xde, 0xad, 0xbe, 0xef]));
  const shown = [JSON.stringify({ s }), String(s), `${s}`, inspect(s), inspect({ nested: { s } })].join(' ');
  assert.ok(!/dead|beef|222|173/.test(shown), shown);
  assert.equal(s.expose()[0], 0xde);
  s.wipe();
  assert.equal(s.expose()[0], 0);
});
