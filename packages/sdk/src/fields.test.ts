/**
 * Sealed JSON fields against an in-memory data-key provider: round trips, every way of moving or
 * altering a sealed value, refusals, strict decoding and field-list validation.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { encodeFields, TkmsError, u32be, utf8 } from '@tkms/core';
import { seededRandom } from '@tkms/core/engine/simulate/index';
import { testSeed } from '@tkms/core/protocols/testing/fixtures';
import fc from 'fast-check';
import {
  type DataKeyGrant,
  type DataKeyProvider,
  type DataKeyRefusal,
  type FieldPath,
  type JsonObject,
  openFields,
  SEALED_VALUE_PREFIX,
  type SealedDocument,
  sealedFieldObjects,
  sealFields,
} from './fields.ts';

const random = seededRandom(testSeed('sdk-fields'), 'fields');
const SECRET = utf8('fields.test provider secret');
const KEY = 'k_fields';
const OBJECT = 'contracts/4711';
const CURRENT_VERSION = 3;

/** What the fake data key depends on: what the real one does, the field part of the object only, or nothing. */
type Binding = 'object-and-version' | 'field-only' | 'nothing';

type FakeProvider = DataKeyProvider & {
  calls: { objects: string[]; version: number | undefined }[];
  /** Every data key handed out, to check that they were zeroed. */
  handedOut: Uint8Array[];
};

/**
 * Data key = HMAC-SHA256(secret, what it is bound to). `bound` weakens the real binding (object
 * path and version) so that a test changing keyId, version, document path, seal id or field gets
 * the same data key, and fails only if the associated data binds what it changed.
 */
function fakeProvider(opts: { refuse?: readonly string[]; bound?: Binding } = {}): FakeProvider {
  const calls: FakeProvider['calls'] = [];
  const handedOut: Uint8Array[] = [];
  const provider = async (objects: readonly string[], version?: number) => {
    calls.push({ objects: [...objects], version });
    const v = version ?? CURRENT_VERSION;
    return objects.map((object): DataKeyGrant | DataKeyRefusal => {
      if (opts.refuse?.includes(object))
        return { object, code: 'policy.denied', reason: `no grant on ${object}` };
      const input =
        opts.bound === 'nothing'
          ? encodeFields([])
          : opts.bound === 'field-only'
            ? encodeFields([utf8(object.slice(object.indexOf('/fields/')))])
            : encodeFields([utf8(object), u32be(v)]);
      const dataKey = hmac(sha256, SECRET, input);
      handedOut.push(dataKey);
      return { object, version: v, dataKey };
    });
  };
  return Object.assign(provider, { calls, handedOut });
}

const contract = (): JsonObject => ({
  name: 'Ada Lovelace',
  ssn: '078-05-1120',
  amount: 1250.5,
  address: { zip: 'SW1A 1AA', city: 'London' },
  items: [
    { price: 9.99, sku: 'a-1' },
    { price: null, sku: 'b-2' },
  ],
  flags: { vip: true, tier: [1, 2] },
  notes: null,
});
const FIELDS: FieldPath[] = ['ssn', 'amount', 'address.zip', ['items', 0, 'price'], 'flags', 'notes'];
const SORTED = ['address.zip', 'amount', 'flags', 'items.0.price', 'notes', 'ssn'];

const seal = (doc: JsonObject, provider: DataKeyProvider, object = OBJECT, fields = FIELDS) =>
  sealFields(doc, { keyId: KEY, object, fields }, provider, random);

/** A JSON round trip, as a ledger would store the sealed document. */
const stored = (sealed: SealedDocument): SealedDocument =>
  JSON.parse(JSON.stringify(sealed)) as SealedDocument;

function hasCode(code: string, field?: string) {
  return (e: unknown) => {
    assert.ok(e instanceof TkmsError, `expected a TkmsError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (field !== undefined) assert.match(e.message, new RegExp(`\\b${field.replaceAll('.', '\\.')}\\b`));
    return true;
  };
}

/** `fields.tampered`, blaming exactly `fields`. */
function tamperedFields(fields: readonly string[], what = '') {
  return (e: unknown) => {
    hasCode('fields.tampered')(e);
    assert.deepEqual((e as TkmsError).meta.fields, fields, what);
    return true;
  };
}

test('seals chosen fields and opens them back to the same values and types', async () => {
  const provider = fakeProvider();
  const doc = contract();
  const before = structuredClone(doc);
  const sealed = stored(await seal(doc, provider));
  assert.deepEqual(doc, before, 'the input is not changed');

  assert.equal(sealed.name, 'Ada Lovelace');
  assert.deepEqual(sealed.address, {
    zip: sealed.address && (sealed.address as JsonObject).zip,
    city: 'London',
  });
  for (const v of [
    sealed.ssn,
    sealed.amount,
    sealed.flags,
    sealed.notes,
    (sealed.address as JsonObject).zip,
    ((sealed.items as JsonObject[])[0] as JsonObject).price,
  ])
    assert.ok(typeof v === 'string' && v.startsWith(SEALED_VALUE_PREFIX), `sealed: ${String(v)}`);
  assert.deepEqual((sealed.items as JsonObject[])[1], { price: null, sku: 'b-2' });
  assert.deepEqual(Object.keys(sealed.$tkms).sort(), ['fields', 'keyId', 'object', 'seal', 'v', 'version']);
  assert.equal(sealed.$tkms.v, 1);
  assert.equal(sealed.$tkms.keyId, KEY);
  assert.equal(sealed.$tkms.object, OBJECT);
  assert.equal(sealed.$tkms.version, CURRENT_VERSION);
  assert.match(sealed.$tkms.seal, /^[0-9a-f]{32}$/);
  assert.deepEqual(sealed.$tkms.fields, SORTED);
  assert.deepEqual(provider.calls, [
    { objects: SORTED.map((f) => `${OBJECT}/fields/${f}`), version: undefined },
  ]);

  const sealedBefore = structuredClone(sealed);
  const result = await openFields(sealed, { keyId: KEY }, provider);
  assert.deepEqual(sealed, sealedBefore, 'the sealed document is not changed');
  assert.deepEqual(result.document, before);
  assert.deepEqual(result.opened, SORTED);
  assert.deepEqual(result.refused, []);
  assert.equal(provider.calls.length, 2, 'one provider call to open');
  assert.deepEqual(provider.calls[1], {
    objects: SORTED.map((f) => `${OBJECT}/fields/${f}`),
    version: CURRENT_VERSION,
  });
  assert.ok(
    provider.handedOut.every((k) => k.every((b) => b === 0)),
    'every data key is zeroed after use',
  );
});

test('the returned document is a copy: changing it leaves the sealed one alone', async () => {
  const provider = fakeProvider();
  const sealed = await seal(contract(), provider);
  const { document } = await openFields(sealed, { keyId: KEY }, provider);
  (document.address as JsonObject).city = 'Paris';
  assert.equal((sealed.address as JsonObject).city, 'London');
});

test('sealedFieldObjects lists what opening needs', async () => {
  const sealed = await seal(contract(), fakeProvider());
  assert.deepEqual(sealedFieldObjects(stored(sealed)), {
    keyId: KEY,
    version: CURRENT_VERSION,
    fields: SORTED.map((field) => ({ field, object: `${OBJECT}/fields/${field}` })),
  });
  assert.throws(() => sealedFieldObjects({ a: 1 }), hasCode('fields.malformed'));
  assert.throws(() => sealedFieldObjects('{}'), hasCode('fields.malformed'));
});

test('field names with dots, slashes, percent signs and stars use the object-path encoding', async () => {
  const provider = fakeProvider();
  const doc: JsonObject = { 'a.b': { 'c/d': 1, '%*': 2 }, 'a.b.c/d': 3 };
  const sealed = stored(
    await seal(doc, provider, OBJECT, [
      ['a.b', 'c/d'],
      ['a.b', '%*'],
    ]),
  );
  assert.deepEqual(sealed.$tkms.fields, ['a%2Eb.%25%2A', 'a%2Eb.c%2Fd']);
  assert.equal(sealed['a.b.c/d'], 3);
  assert.deepEqual((await openFields(sealed, { keyId: KEY }, provider)).document, doc);
});

test('a member named __proto__ stays a member', async () => {
  const provider = fakeProvider();
  const doc = JSON.parse('{"__proto__": {"secret": "x"}, "plain": 1}') as JsonObject;
  const sealed = stored(await seal(doc, provider, OBJECT, ['__proto__.secret']));
  const { document } = await openFields(sealed, { keyId: KEY }, provider);
  assert.deepEqual(Object.keys(document), ['__proto__', 'plain']);
  assert.equal(Object.getPrototypeOf(document), Object.prototype);
  assert.deepEqual(JSON.stringify(document), JSON.stringify(doc));
});

test('any JSON value in a field round-trips', async () => {
  const provider = fakeProvider();
  await fc.assert(
    fc.asyncProperty(fc.jsonValue(), async (value) => {
      const doc = { v: value, other: 'kept' } as JsonObject;
      const sealed = stored(await seal(doc, provider, OBJECT, ['v']));
      assert.equal(typeof sealed.v, 'string');
      const { document } = await openFields(sealed, { keyId: KEY }, provider);
      assert.deepEqual(document, JSON.parse(JSON.stringify(doc)));
    }),
    { numRuns: 200 },
  );
});

test('any member name round-trips through its canonical field path', async () => {
  const provider = fakeProvider();
  await fc.assert(
    fc.asyncProperty(fc.string({ minLength: 1, maxLength: 40 }), fc.integer(), async (name, n) => {
      const doc: JsonObject = {};
      Object.defineProperty(doc, name, {
        value: { x: n },
        enumerable: true,
        writable: true,
        configurable: true,
      });
      const sealed = stored(await seal(doc, provider, OBJECT, [[name, 'x']]));
      const { document, opened } = await openFields(sealed, { keyId: KEY }, provider);
      assert.deepEqual(document, doc);
      assert.deepEqual(opened, sealed.$tkms.fields);
    }),
    { numRuns: 200 },
  );
});

// --- tampering ----------------------------------------------------------------------------------

/** Seals `contract()` with a weakly bound provider, then opens `mutate(sealed copy)`. */
async function openAfter(
  mutate: (s: SealedDocument) => void,
  keyId = KEY,
  bound: Binding = 'field-only',
): Promise<unknown> {
  const provider = fakeProvider({ bound });
  const sealed = stored(await seal(contract(), provider));
  assert.deepEqual((await openFields(sealed, { keyId: KEY }, provider)).document, contract());
  mutate(sealed);
  return openFields(sealed, { keyId }, provider);
}

function flipCiphertextByte(value: unknown, index: number): string {
  assert.ok(typeof value === 'string', 'a sealed value is a string');
  const bytes = Buffer.from(value.slice(SEALED_VALUE_PREFIX.length), 'base64url');
  bytes[index] = (bytes[index] as number) ^ 0x01;
  return SEALED_VALUE_PREFIX + bytes.toString('base64url');
}

test('a flipped bit in the nonce, ciphertext or tag does not open', async () => {
  for (const index of [0, 23, 24, 30, -1]) {
    await assert.rejects(
      openAfter((s) => {
        const at = index < 0 ? Buffer.from(String(s.ssn).slice(8), 'base64url').length + index : index;
        s.ssn = flipCiphertextByte(s.ssn, at);
      }),
      hasCode('fields.tampered', 'ssn'),
    );
  }
});

test('a sealed value moved to another field does not open', async () => {
  await assert.rejects(
    openAfter(
      (s) => {
        s.amount = s.ssn as string;
      },
      KEY,
      'nothing',
    ),
    hasCode('fields.tampered', 'amount'),
  );
  await assert.rejects(
    openAfter(
      (s) => {
        [s.ssn, s.amount] = [s.amount as string, s.ssn as string];
      },
      KEY,
      'nothing',
    ),
    tamperedFields(['amount', 'ssn']),
  );
});

test('a sealed value moved to another document does not open', async () => {
  const provider = fakeProvider({ bound: 'nothing' });
  const mine = stored(await seal(contract(), provider));
  const theirs = stored(await seal({ ...contract(), ssn: '219-09-9999' }, provider, 'contracts/4712'));
  mine.ssn = theirs.ssn as string;
  await assert.rejects(openFields(mine, { keyId: KEY }, provider), hasCode('fields.tampered', 'ssn'));
});

test('changing the object path, keyId, version or seal id in $tkms makes every field fail', async () => {
  const mutations: [string, (s: SealedDocument) => void, string?][] = [
    [
      'object',
      (s) => {
        s.$tkms.object = 'contracts/4712';
      },
    ],
    [
      'keyId',
      (s) => {
        s.$tkms.keyId = 'k_other';
      },
      'k_other',
    ],
    [
      'version',
      (s) => {
        s.$tkms.version = 2;
      },
    ],
    [
      'seal id',
      (s) => {
        s.$tkms.seal = '00'.repeat(15) + '01';
      },
    ],
  ];
  for (const [what, mutate, keyId] of mutations)
    await assert.rejects(openAfter(mutate, keyId), tamperedFields(SORTED, what));
  // And with the real binding the provider already derives other keys; it still fails the same way.
  const provider = fakeProvider();
  const sealed = stored(await seal(contract(), provider));
  sealed.$tkms.version = 2;
  await assert.rejects(openFields(sealed, { keyId: KEY }, provider), hasCode('fields.tampered'));
});

test('a keyId other than the caller’s is refused before any key is asked for', async () => {
  const provider = fakeProvider();
  const sealed = stored(await seal(contract(), provider));
  await assert.rejects(openFields(sealed, { keyId: 'k_other' }, provider), hasCode('request.invalid'));
  assert.equal(provider.calls.length, 1);
});

test('dropping a field from the list, or listing one more, is detected', async () => {
  await assert.rejects(
    openAfter((s) => {
      s.$tkms.fields = s.$tkms.fields.filter((f) => f !== 'amount');
    }),
    hasCode('fields.tampered', 'ssn'),
  );
  // A listed field that is missing from the document.
  await assert.rejects(
    openAfter((s) => {
      delete s.ssn;
    }),
    hasCode('fields.tampered', 'ssn'),
  );
  await assert.rejects(
    openAfter((s) => {
      (s.items as JsonObject[]).pop();
      (s.items as JsonObject[]).pop();
    }),
    hasCode('fields.tampered', 'items.0.price'),
  );
  // A listed field that holds plain text.
  await assert.rejects(
    openAfter((s) => {
      s.ssn = '078-05-1120';
    }),
    hasCode('fields.malformed', 'ssn'),
  );
  await assert.rejects(
    openAfter((s) => {
      s.$tkms.fields = [...s.$tkms.fields, 'zzz'];
      s.zzz = s.ssn as string;
    }),
    hasCode('fields.tampered'),
  );
});

test('fields of two seals of one document do not mix', async () => {
  const provider = fakeProvider();
  const first = stored(await seal(contract(), provider));
  const second = stored(await seal(contract(), provider));
  assert.notEqual(first.$tkms.seal, second.$tkms.seal);
  first.ssn = second.ssn as string;
  await assert.rejects(openFields(first, { keyId: KEY }, provider), hasCode('fields.tampered', 'ssn'));
});

// --- refusals -----------------------------------------------------------------------------------

test('refused fields stay sealed and are reported; the others open', async () => {
  const ssnObject = `${OBJECT}/fields/ssn`;
  const sealed = stored(await seal(contract(), fakeProvider()));
  const provider = fakeProvider({ refuse: [ssnObject] });
  const result = await openFields(sealed, { keyId: KEY }, provider);
  assert.deepEqual(result.refused, [
    { field: 'ssn', object: ssnObject, code: 'policy.denied', reason: `no grant on ${ssnObject}` },
  ]);
  assert.deepEqual(
    result.opened,
    SORTED.filter((f) => f !== 'ssn'),
  );
  assert.equal(result.document.ssn, sealed.ssn);
  assert.deepEqual(result.document, { ...contract(), ssn: sealed.ssn });
  assert.ok(!('$tkms' in result.document), 'the opened document has no $tkms');
});

test('sealing needs every data key: one refusal refuses the seal', async () => {
  const provider = fakeProvider({ refuse: [`${OBJECT}/fields/ssn`, `${OBJECT}/fields/amount`] });
  await assert.rejects(seal(contract(), provider), (e) => {
    hasCode('access.refused')(e);
    const refusals = (e as TkmsError).meta.refusals as { field: string; code: string }[];
    assert.deepEqual(
      refusals.map((r) => [r.field, r.code]),
      [
        ['amount', 'policy.denied'],
        ['ssn', 'policy.denied'],
      ],
    );
    return true;
  });
  assert.ok(provider.handedOut.length > 0, 'some keys were granted');
  assert.ok(
    provider.handedOut.every((k) => k.every((b) => b === 0)),
    'granted keys are zeroed',
  );
});

test('a provider that does not answer for every object is an internal error, not a refusal', async () => {
  const sealed = stored(await seal(contract(), fakeProvider()));
  const inner = fakeProvider();
  const partial: DataKeyProvider = async (objects, version) => (await inner(objects, version)).slice(1);
  await assert.rejects(openFields(sealed, { keyId: KEY }, partial), hasCode('internal'));
  assert.ok(
    inner.handedOut.slice(1).every((k) => k.every((b) => b === 0)),
    'keys received before the error are zeroed',
  );
  const wrongVersion: DataKeyProvider = async (objects) => inner(objects, 7);
  await assert.rejects(openFields(sealed, { keyId: KEY }, wrongVersion), hasCode('internal'));
});

// --- malformed sealed documents -----------------------------------------------------------------

test('structurally wrong sealed documents are fields.malformed, never a crash', async () => {
  const provider = fakeProvider();
  const good = stored(await seal(contract(), provider));
  const value = String(good.ssn);
  const b64 = value.slice(SEALED_VALUE_PREFIX.length);
  // 41 bytes: the last base64url character carries 2 unused bits; set one of them.
  const short = Buffer.alloc(41, 7).toString('base64url');
  const lastBit =
    short.slice(0, -1) +
    'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[
      'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(short.at(-1) as string) + 1
    ];
  assert.deepEqual(Buffer.from(lastBit, 'base64url'), Buffer.alloc(41, 7), 'lenient decoders accept it');

  const cases: [string, unknown][] = [
    ['not an object', [good]],
    ['a string', JSON.stringify(good)],
    ['null', null],
    ['no $tkms', { ...good, $tkms: undefined }],
    ['$tkms not an object', { ...good, $tkms: 'v1' }],
    ['unknown member', { ...good, $tkms: { ...good.$tkms, extra: 1 } }],
    ['missing member', { ...good, $tkms: { ...good.$tkms, seal: undefined } }],
    ['format v2', { ...good, $tkms: { ...good.$tkms, v: 2 } }],
    ['bad object path', { ...good, $tkms: { ...good.$tkms, object: 'contracts//4711' } }],
    ['version not an integer', { ...good, $tkms: { ...good.$tkms, version: 1.5 } }],
    ['version negative', { ...good, $tkms: { ...good.$tkms, version: -1 } }],
    ['seal id upper-case', { ...good, $tkms: { ...good.$tkms, seal: good.$tkms.seal.toUpperCase() + 'A' } }],
    ['seal id short', { ...good, $tkms: { ...good.$tkms, seal: good.$tkms.seal.slice(2) } }],
    ['empty keyId', { ...good, $tkms: { ...good.$tkms, keyId: '' } }],
    ['fields empty', { ...good, $tkms: { ...good.$tkms, fields: [] } }],
    ['fields unsorted', { ...good, $tkms: { ...good.$tkms, fields: [...SORTED].reverse() } }],
    ['fields repeated', { ...good, $tkms: { ...good.$tkms, fields: ['amount', 'amount'] } }],
    ['fields overlapping', { ...good, $tkms: { ...good.$tkms, fields: ['amount', 'amount.x'] } }],
    ['field not canonical', { ...good, $tkms: { ...good.$tkms, fields: ['%61mount'] } }],
    ['field lower-case escape', { ...good, $tkms: { ...good.$tkms, fields: ['a%2eb'] } }],
    ['field empty segment', { ...good, $tkms: { ...good.$tkms, fields: ['address..zip'] } }],
    ['field not a string', { ...good, $tkms: { ...good.$tkms, fields: [1] } }],
    ['value not a string', { ...good, ssn: 42 }],
    ['value without prefix', { ...good, ssn: b64 }],
    ['value v2 prefix', { ...good, ssn: `tkms:v2:${b64}` }],
    ['value padded', { ...good, ssn: `${value}${'='.repeat((4 - (b64.length % 4)) % 4 || 4)}` }],
    [
      'value standard base64',
      { ...good, ssn: SEALED_VALUE_PREFIX + Buffer.from(b64, 'base64url').toString('base64') },
    ],
    ['value with a space', { ...good, ssn: `${value.slice(0, 20)} ${value.slice(20)}` }],
    ['value with non-zero unused bits', { ...good, ssn: SEALED_VALUE_PREFIX + lastBit }],
    ['value of impossible length', { ...good, ssn: value + 'A'.repeat((5 - (b64.length % 4)) % 4 || 4) }],
    ['value too short', { ...good, ssn: SEALED_VALUE_PREFIX + Buffer.alloc(40, 1).toString('base64url') }],
    ['value empty', { ...good, ssn: SEALED_VALUE_PREFIX }],
    ['non-JSON number', { ...good, name: Number.NaN }],
  ];
  for (const [what, sealed] of cases)
    await assert.rejects(openFields(sealed, { keyId: KEY }, provider), (e) => {
      assert.equal((e as TkmsError).code, 'fields.malformed', `${what}: ${String(e)}`);
      return true;
    });
  assert.equal(provider.calls.length, 1, 'nothing malformed reaches the provider');
});

// --- invalid input to seal ----------------------------------------------------------------------

test('invalid documents and field lists are fields.invalid, naming the field', async () => {
  const provider = fakeProvider();
  const cyclic: JsonObject = { a: 1 };
  (cyclic as Record<string, unknown>).self = cyclic;
  const sparse = [1];
  sparse[2] = 3;
  let deep: JsonObject = { leaf: 1 };
  for (let i = 0; i < 70; i++) deep = { d: deep };
  const cases: [string, unknown, readonly unknown[], string?][] = [
    ['missing field', contract(), ['ssn', 'address.country'], 'address.country'],
    ['missing index', contract(), [['items', 5, 'price']], 'items'],
    ['index into an object', contract(), [['address', 0]]],
    ['name into an array', contract(), ['items.first.price']],
    ['non-canonical index', contract(), ['items.00.price']],
    ['inherited member', contract(), ['constructor']],
    ['through a primitive', contract(), ['name.first']],
    ['duplicate', contract(), ['ssn', 'ssn'], 'ssn'],
    ['duplicate in two forms', contract(), ['address.zip', ['address', 'zip']], 'address.zip'],
    ['string and number index', contract(), ['items.0.price', ['items', 0, 'price']], 'items.0.price'],
    ['overlap', contract(), ['address.zip', 'address'], 'address.zip'],
    ['empty list', contract(), []],
    ['too many fields', contract(), Array.from({ length: 1001 }, () => 'ssn')],
    ['empty segment', contract(), ['address..zip']],
    ['empty path', contract(), ['']],
    ['empty array path', contract(), [[]]],
    ['negative index', contract(), [['items', -1, 'price']]],
    ['fractional index', contract(), [['items', 0.5, 'price']]],
    ['not a path', contract(), [42]],
    ['object path too long', { ['x'.repeat(600)]: 1 }, ['x'.repeat(600)]],
    ['already sealed', { ...contract(), $tkms: {} }, ['ssn']],
    ['an array', [contract()], ['0.ssn']],
    ['undefined member', { ...contract(), extra: undefined }, ['ssn']],
    ['NaN', { ...contract(), extra: Number.NaN }, ['ssn']],
    ['a Date', { ...contract(), when: new Date(0) }, ['ssn']],
    ['a bigint', { ...contract(), big: 1n }, ['ssn']],
    ['a sparse array', { ...contract(), holes: sparse }, ['ssn']],
    ['a cycle', cyclic, ['a']],
    ['too deep', deep, ['d']],
    ['too large', { ...contract(), blob: 'x'.repeat(4 * 1024 * 1024) }, ['ssn']],
  ];
  for (const [what, doc, fields, named] of cases)
    await assert.rejects(
      sealFields(
        doc as JsonObject,
        { keyId: KEY, object: OBJECT, fields: fields as FieldPath[] },
        provider,
        random,
      ),
      hasCode('fields.invalid', named),
      what,
    );
  assert.equal(provider.calls.length, 0, 'nothing invalid reaches the provider');
  await assert.rejects(seal(contract(), provider, 'contracts/*'), hasCode('object.invalid'));
  await assert.rejects(
    sealFields(contract(), { keyId: '', object: OBJECT, fields: ['ssn'] }, provider, random),
    hasCode('request.invalid'),
  );
});

test('a broken random source is refused', async () => {
  const zeros = (n: number) => new Uint8Array(n);
  await assert.rejects(
    sealFields(contract(), { keyId: KEY, object: OBJECT, fields: ['ssn'] }, fakeProvider(), zeros),
    hasCode('internal'),
  );
});

test('error messages carry neither plaintext nor key bytes', async () => {
  const provider = fakeProvider();
  const sealed = stored(await seal(contract(), provider));
  sealed.ssn = flipCiphertextByte(sealed.ssn, 30);
  const e = await openFields(sealed, { keyId: KEY }, provider).catch((x: unknown) => x);
  assert.ok(e instanceof TkmsError, 'it does not open');
  const text = `${e.message} ${JSON.stringify(e.meta)}`;
  for (const secret of ['078-05-1120', 'SW1A', '1250.5']) assert.ok(!text.includes(secret), text);
});
