import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SecretBytes } from '@tkms/core';
import { canonicalJson } from './canonical-json.ts';

describe('canonicalJson', () => {
  it('sorts keys at every level and drops whitespace', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [3, { z: null, y: true }], c: 'x' } }),
      '{"a":{"c":"x","d":[3,{"y":true,"z":null}]},"b":1}',
    );
    assert.equal(canonicalJson({ b: 1, a: 2 }), canonicalJson({ a: 2, b: 1 }));
  });

  it('writes numbers and strings as ECMAScript does (RFC 8785)', () => {
    assert.equal(
      canonicalJson([1e21, 1e-7, -0, 0.1, 333333333.3333333]),
      '[1e+21,1e-7,0,0.1,333333333.3333333]',
    );
    assert.equal(canonicalJson('é\n"\u2028'), '"é\\n\\"\u2028"');
    assert.equal(canonicalJson('😀'), '"😀"');
  });

  it('refuses what is not plain JSON or would not survive jsonb', () => {
    for (const bad of [
      new Uint8Array(2),
      new SecretBytes(new Uint8Array(2)),
      new Date(0),
      undefined,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      10n,
      () => 1,
      '\ud800',
      'a\u0000b',
      { x: undefined },
      new Array<number>(3), // holes
    ])
      assert.throws(() => canonicalJson(bad), TypeError, String(bad));
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    assert.throws(() => canonicalJson(deep), /too deeply/);
  });
});
