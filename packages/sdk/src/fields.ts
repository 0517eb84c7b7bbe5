/**
 * Field-level encryption of JSON documents. Chosen fields of a document are sealed, each under the
 * data key of its own object path (`fieldObjectPath`), so a node policy can grant
 * `contracts/*\/fields/amount` to one reader and `contracts/*\/fields/ssn` to another, and the
 * sealed document is plain JSON that a ledger or a database can store as it is. Pure: data keys
 * come from a `DataKeyProvider` (the client derives them through the threshold OPRF), nonces from
 * `random`; no network, no clock.
 *
 * Sealed document, format v1:
 *
 *   {
 *     "name": "Ada",                                   ← not chosen: unchanged
 *     "ssn": "tkms:v1:<base64url(nonce ‖ ciphertext ‖ tag)>",
 *     "address": { "zip": "tkms:v1:…", "city": "London" },
 *     "$tkms": { "v": 1, "keyId": "k_…", "object": "contracts/4711", "version": 3,
 *                "seal": "<16 random bytes, hex>", "fields": ["address.zip", "ssn"] }
 *   }
 *
 * - `$tkms` is a member of the top-level object; a document that already has one is refused.
 *   `version` is the key version the data keys were derived at; `seal` is fresh for every seal.
 *   Unknown members of `$tkms` are refused (a v2 reader must not half-understand v1 and back).
 * - A field path in `fields` is the field part of its object path: segments joined with `.`,
 *   `%`, `.`, `/` and `*` inside a name percent-encoded, array indices in decimal. So
 *   `["address", "zip"]`, `"address.zip"` and object `contracts/4711/fields/address.zip` agree.
 *   The list is sorted (UTF-16 code-unit order, what `Array#sort` does), has no duplicates and no
 *   overlaps (no path is a prefix of another), and holds 1 to `MAX_SEALED_FIELDS` paths.
 * - A sealed value is the string `tkms:v1:` + unpadded base64url of nonce (24) ‖ ciphertext ‖
 *   Poly1305 tag (16). The plaintext is the UTF-8 JSON of the field's value, so numbers, null,
 *   booleans, objects and arrays come back as they were.
 * - AEAD: XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03) with a random 24-byte nonce, under
 *   K = HKDF-SHA256(ikm = the field's data key, salt = "", info = "tkms/fields/v1/xchacha20-poly1305",
 *   L = 32) (RFC 5869), so a data key used for fields is never also an AES or other key.
 *   Why XChaCha: a field's data key is a function of key, object path and version, so every
 *   re-seal of `contracts/4711/fields/ssn` reuses it. Nonces must then be random, and 192 bits
 *   keep random nonces safe for any number of seals, where AES-GCM's 96 bits stop at about 2^32.
 *   It is constant-time in pure JS, which table-based AES is not. AES-256-GCM-SIV would be safe too
 *   and is slower in JS.
 * - Associated data = encodeFields(["tkms/fields/v1", keyId, document object path, u32be(version),
 *   seal id, hashTranscript("fields/list", sorted field paths), this field's path]). A value moved
 *   to another field or document, or a changed keyId, object, version or seal id, or a field
 *   dropped from the list, or fields of two seals of one document mixed, does not open:
 *   `fields.tampered` naming the field. The list enters as its digest so the associated data stays
 *   short: with the list itself, each of 1000 fields would authenticate all 1000 paths.
 *
 * Not protected: members that were not sealed are as authentic as the storage the document lives
 * in (sign the sealed document if they matter); the document's shape, the names of sealed fields
 * and the length of each sealed value are visible.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  type Bytes,
  bytesToHex,
  concatBytes,
  encodeFields,
  fieldObjectPath,
  fromUtf8,
  hashTranscript,
  hexToBytes,
  isHex,
  TkmsError,
  u32be,
  utf8,
  validateObjectPath,
  wipe,
} from '@tkms/core';

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export type JsonObject = { [key: string]: JsonValue };

/** `"address.zip"` (dots always separate; use the array form for a name with a dot) or `["items", 0, "price"]`. */
export type FieldPath = string | readonly (string | number)[];

export type DataKeyGrant = { object: string; version: number; dataKey: Uint8Array };
export type DataKeyRefusal = { object: string; code: string; reason: string };

/**
 * Derives the data keys of `objects` at key version `version` (undefined: the key's current
 * version) and answers one entry per object, each a grant or a refusal. The functions here take
 * ownership of every `dataKey` they are given and zero it once done.
 */
export type DataKeyProvider = (
  objects: readonly string[],
  version?: number,
) => Promise<ReadonlyArray<DataKeyGrant | DataKeyRefusal>>;

export type SealMetadata = {
  v: 1;
  keyId: string;
  /** Object path of the document; each field's is `fieldObjectPath(object, field)`. */
  object: string;
  version: number;
  /** 16 random bytes, lower-case hex, fresh for every seal. */
  seal: string;
  /** Sealed field paths, sorted. */
  fields: string[];
};

export type SealedDocument = JsonObject & { $tkms: SealMetadata };

export type SealFieldsParameters = {
  keyId: string;
  /** Object path of the document, e.g. `contracts/4711`. */
  object: string;
  fields: readonly FieldPath[];
};

export type OpenFieldsParameters = { keyId: string };

export type FieldRefusal = { field: string; object: string; code: string; reason: string };

export type OpenFieldsReturnType = {
  /** The document without `$tkms`; refused fields keep their sealed value (reopen from the sealed document). */
  document: JsonObject;
  /** Field paths that were opened, sorted. */
  opened: string[];
  refused: FieldRefusal[];
};

export type SealedFieldObjects = {
  keyId: string;
  version: number;
  fields: { field: string; object: string }[];
};

export const SEAL_METADATA_MEMBER = '$tkms';
export const SEALED_VALUE_PREFIX = 'tkms:v1:';
export const MAX_SEALED_FIELDS = 1000;
/** UTF-8 JSON size of a document to seal; a sealed document may be twice as large. */
export const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;
const MAX_SEALED_DOCUMENT_BYTES = 2 * MAX_DOCUMENT_BYTES;
const MAX_DEPTH = 64;
const MAX_KEY_ID_LENGTH = 256;

const FORMAT_VERSION = 1;
const AD_TAG = utf8('tkms/fields/v1');
const KEY_INFO = utf8('tkms/fields/v1/xchacha20-poly1305');
const NONCE_BYTES = 24;
const TAG_BYTES = 16;
const SEAL_ID_BYTES = 16;
const DATA_KEY_BYTES = 32;
const METADATA_MEMBERS = ['fields', 'keyId', 'object', 'seal', 'v', 'version'];
const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;

type Container = JsonObject | JsonValue[];
type ErrorCodeFor = 'fields.invalid' | 'fields.malformed';

/** One field, resolved: its canonical path, segments, object path and where it sits in the copy. */
type FieldSlot = { field: string; object: string; parent: Container; key: string | number };

/**
 * Replaces each chosen field of `document` with a sealed value under the data key of its own
 * object path, and adds `$tkms`. Asks `keys` once for every field's data key at the key's current
 * version; sealing needs all of them. `document` is not changed.
 *
 * @throws TkmsError `fields.invalid` (document not a JSON object, has `$tkms`, too large; a field
 *   missing, duplicated, overlapping another, or too many), `object.invalid`, `request.invalid`
 *   (keyId), `access.refused` (some data key refused; `meta.refusals` lists them), `internal`
 *   (the provider or `random` misbehaved)
 * @example
 * const sealed = await sealFields(
 *   { name: 'Ada', ssn: '078-05-1120', address: { zip: 'SW1A' } },
 *   { keyId: 'k_1f…', object: 'contracts/4711', fields: ['ssn', 'address.zip'] },
 *   provider,
 *   (n) => crypto.getRandomValues(new Uint8Array(n)),
 * );
 */
export async function sealFields(
  document: JsonObject,
  params: SealFieldsParameters,
  keys: DataKeyProvider,
  random: (n: number) => Uint8Array,
): Promise<SealedDocument> {
  const keyId = checkKeyId(params.keyId, 'request.invalid');
  const object = validateObjectPath(params.object);
  if (!Array.isArray(params.fields) || params.fields.length === 0)
    throw new TkmsError('fields.invalid', { details: 'fields must be a non-empty list' });
  if (params.fields.length > MAX_SEALED_FIELDS)
    throw new TkmsError('fields.invalid', { details: `more than ${MAX_SEALED_FIELDS} fields` });
  const copy = copyDocument(document, 'fields.invalid', MAX_DOCUMENT_BYTES);
  if (Object.hasOwn(copy, SEAL_METADATA_MEMBER))
    throw new TkmsError('fields.invalid', {
      details: `the document already has a "${SEAL_METADATA_MEMBER}" member (sealed already?)`,
    });

  const slots = params.fields.map((f) => slotToSeal(copy, object, f));
  const chosen = slots.map((s) => s.field);
  checkNoOverlap(chosen, 'fields.invalid');
  slots.sort((a, b) => compare(a.field, b.field));
  const sealId = draw(random, SEAL_ID_BYTES);

  const objects = slots.map((s) => s.object);
  const grants = await requestDataKeys(keys, objects, undefined);
  try {
    const refused = slots.flatMap((s) => {
      const answer = grants.get(s.object);
      return answer && !isGrant(answer)
        ? [{ field: s.field, object: s.object, code: answer.code, reason: answer.reason }]
        : [];
    });
    if (refused.length)
      throw new TkmsError('access.refused', {
        details: `sealing needs every data key; refused: ${refused.map((r) => `${r.field} (${r.code}: ${r.reason})`).join('; ')}`,
        meta: { refusals: refused },
      });
    const version = commonVersion(slots.map((s) => grants.get(s.object) as DataKeyGrant));
    const meta: SealMetadata = {
      v: FORMAT_VERSION,
      keyId,
      object,
      version,
      seal: bytesToHex(sealId),
      fields: slots.map((s) => s.field),
    };
    const ad = associatedData(meta, sealId);
    for (const s of slots) {
      const grant = grants.get(s.object) as DataKeyGrant;
      const plaintext = utf8(JSON.stringify(readSlot(s)));
      const nonce = draw(random, NONCE_BYTES);
      const key = fieldKey(grant.dataKey);
      try {
        const ciphertext = xchacha20poly1305(key, nonce, ad(s.field)).encrypt(plaintext);
        writeSlot(s, SEALED_VALUE_PREFIX + toBase64url(concatBytes(nonce, ciphertext)));
      } finally {
        wipe(key);
        wipe(plaintext);
      }
    }
    setMember(copy, SEAL_METADATA_MEMBER, meta);
    return copy as SealedDocument;
  } finally {
    wipeGrants(grants);
  }
}

/**
 * Opens the sealed fields of `sealed` whose data keys `keys` grants (asked once, for every field,
 * at the sealed key version). Refused fields keep their sealed value and are listed in `refused`
 * with the provider's code and reason. `sealed` is not changed.
 *
 * @throws TkmsError `fields.malformed` (not a sealed document: `$tkms` or a sealed value does not
 *   decode), `fields.tampered` (a listed field is missing or a granted field does not open; the
 *   whole call fails), `request.invalid` (the document is sealed under another key), `internal`
 *   (the provider misbehaved)
 * @example
 * const { document, refused } = await openFields(JSON.parse(row.body), { keyId: 'k_1f…' }, provider);
 */
export async function openFields(
  sealed: unknown,
  params: OpenFieldsParameters,
  keys: DataKeyProvider,
): Promise<OpenFieldsReturnType> {
  const keyId = checkKeyId(params.keyId, 'request.invalid');
  const copy = copyDocument(sealed, 'fields.malformed', MAX_SEALED_DOCUMENT_BYTES);
  const { meta, sealId, fields } = readMetadata(copy);
  if (meta.keyId !== keyId)
    throw new TkmsError('request.invalid', {
      details: `the document is sealed under key "${meta.keyId}", not "${keyId}"`,
    });
  delete copy[SEAL_METADATA_MEMBER];

  const missing: string[] = [];
  const slots: (FieldSlot & { nonce: Bytes; ciphertext: Bytes })[] = [];
  for (const f of fields) {
    const slot = locate(copy, f.segments, f.field, f.object);
    if (!slot) missing.push(f.field);
    else slots.push({ ...slot, ...decodeSealedValue(readSlot(slot), f.field) });
  }
  if (missing.length)
    throw new TkmsError('fields.tampered', {
      details: `sealed field${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing from the document`,
      meta: { fields: missing },
    });

  const objects = slots.map((s) => s.object);
  const grants = await requestDataKeys(keys, objects, meta.version);
  try {
    const ad = associatedData(meta, sealId);
    const opened: { slot: FieldSlot; value: JsonValue }[] = [];
    const refused: FieldRefusal[] = [];
    const tampered: string[] = [];
    for (const s of slots) {
      const answer = grants.get(s.object) as DataKeyGrant | DataKeyRefusal;
      if (!isGrant(answer)) {
        refused.push({ field: s.field, object: s.object, code: answer.code, reason: answer.reason });
        continue;
      }
      const key = fieldKey(answer.dataKey);
      let plaintext: Bytes;
      try {
        plaintext = xchacha20poly1305(key, s.nonce, ad(s.field)).decrypt(s.ciphertext);
      } catch {
        tampered.push(s.field);
        continue;
      } finally {
        wipe(key);
      }
      try {
        opened.push({ slot: s, value: parseFieldPlaintext(plaintext, s.field) });
      } finally {
        wipe(plaintext);
      }
    }
    if (tampered.length)
      throw new TkmsError('fields.tampered', {
        details: `sealed field${tampered.length > 1 ? 's' : ''} ${tampered.join(', ')} do${tampered.length > 1 ? '' : 'es'} not open`,
        meta: { fields: tampered },
      });
    for (const o of opened) writeSlot(o.slot, o.value);
    return { document: copy, opened: opened.map((o) => o.slot.field), refused };
  } finally {
    wipeGrants(grants);
  }
}

/**
 * The key, version and object paths a sealed document needs, read from `$tkms` alone (so a client
 * can ask for the data keys of many documents in one round).
 *
 * @throws TkmsError `fields.malformed`
 */
export function sealedFieldObjects(sealed: unknown): SealedFieldObjects {
  if (!isPlainObject(sealed))
    throw new TkmsError('fields.malformed', { details: 'a sealed document must be a JSON object' });
  const { meta, fields } = readMetadata(sealed as JsonObject);
  return {
    keyId: meta.keyId,
    version: meta.version,
    fields: fields.map((f) => ({ field: f.field, object: f.object })),
  };
}

// --- field paths --------------------------------------------------------------------------------

/** Resolves one requested field in the document copy, in canonical form. */
function slotToSeal(doc: JsonObject, object: string, field: unknown): FieldSlot {
  const shown = typeof field === 'string' ? field : JSON.stringify(field);
  let segments: (string | number)[];
  if (typeof field === 'string') segments = field.split('.');
  else if (Array.isArray(field)) segments = [...(field as unknown[])] as (string | number)[];
  else
    throw new TkmsError('fields.invalid', { details: 'a field is a dotted string or an array of segments' });
  if (
    segments.length === 0 ||
    !segments.every(
      (s) =>
        (typeof s === 'string' && s !== '') || (typeof s === 'number' && Number.isSafeInteger(s) && s >= 0),
    )
  )
    throw new TkmsError('fields.invalid', {
      details: `field ${shown}: segments must be non-empty names or array indices`,
    });
  let fieldObject: string;
  try {
    fieldObject = fieldObjectPath(object, segments);
  } catch (e) {
    throw new TkmsError('fields.invalid', { details: `field ${shown}: no valid object path`, cause: e });
  }
  const slot = locate(doc, segments, canonicalField(object, fieldObject), fieldObject);
  if (!slot) throw new TkmsError('fields.invalid', { details: `field ${shown} is not in the document` });
  return slot;
}

/** The field part of a field object path (`<document>/fields/<field>`). */
function canonicalField(document: string, fieldObject: string): string {
  const prefix = `${document}/fields/`;
  if (!fieldObject.startsWith(prefix))
    throw new TkmsError('internal', { details: 'fieldObjectPath changed its layout' });
  return fieldObject.slice(prefix.length);
}

/** Reads a canonical field path back into segments; undefined unless `field` is canonical. */
function parseCanonicalField(
  document: string,
  field: string,
): { segments: string[]; object: string } | undefined {
  const segments = field
    .split('.')
    .map((s) =>
      s.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
    );
  let object: string;
  try {
    object = fieldObjectPath(document, segments);
  } catch {
    return undefined;
  }
  // Re-encoding gives back `field` only if it was written the one way fieldObjectPath writes it.
  return canonicalField(document, object) === field ? { segments, object } : undefined;
}

/**
 * Walks `segments` from `doc`: a name reads an object member (own members only), a number or a
 * canonical decimal string indexes an array. Undefined when the path does not exist.
 */
function locate(
  doc: JsonObject,
  segments: readonly (string | number)[],
  field: string,
  object: string,
): FieldSlot | undefined {
  let parent: Container = doc;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i] as string | number;
    let key: string | number;
    if (Array.isArray(parent)) {
      if (typeof seg === 'string' && !ARRAY_INDEX.test(seg)) return undefined;
      key = Number(seg);
      if (key >= parent.length) return undefined;
    } else {
      if (typeof seg === 'number' || !Object.hasOwn(parent, seg)) return undefined;
      key = seg;
    }
    if (i === segments.length - 1) return { field, object, parent, key };
    const next = readMember(parent, key);
    if (next === null || typeof next !== 'object') return undefined;
    parent = next;
  }
  return undefined;
}

/** No duplicates, and no path inside another (sealing `a` and `a.b` at once makes no sense). */
function checkNoOverlap(fields: readonly string[], code: ErrorCodeFor): void {
  const seen = new Set<string>();
  for (const f of fields) {
    if (seen.has(f)) throw new TkmsError(code, { details: `field ${f} is listed twice` });
    seen.add(f);
  }
  for (const f of fields) {
    const segs = f.split('.');
    for (let i = 1; i < segs.length; i++) {
      const prefix = segs.slice(0, i).join('.');
      if (seen.has(prefix)) throw new TkmsError(code, { details: `field ${f} is inside field ${prefix}` });
    }
  }
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

// --- metadata and sealed values -----------------------------------------------------------------

type ParsedMetadata = {
  meta: SealMetadata;
  sealId: Bytes;
  fields: { field: string; segments: string[]; object: string }[];
};

function readMetadata(doc: JsonObject): ParsedMetadata {
  const bad = (details: string, cause?: unknown) =>
    new TkmsError('fields.malformed', { details: `$tkms: ${details}`, ...(cause ? { cause } : {}) });
  if (!Object.hasOwn(doc, SEAL_METADATA_MEMBER)) throw bad('missing (not a sealed document)');
  const m = doc[SEAL_METADATA_MEMBER];
  if (!isPlainObject(m)) throw bad('must be an object');
  const members = Object.keys(m).sort();
  if (members.join() !== METADATA_MEMBERS.join())
    throw bad(`members must be exactly ${METADATA_MEMBERS.join(', ')}`);
  const { v, keyId, object, version, seal, fields } = m as Record<string, unknown>;
  if (v !== FORMAT_VERSION) throw bad(`unsupported format version ${JSON.stringify(v)}`);
  checkKeyId(keyId, 'fields.malformed');
  try {
    validateObjectPath(object);
  } catch (e) {
    throw bad('object is not a valid object path', e);
  }
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0 || version > 0xffffffff)
    throw bad('version must be an integer in [0, 2^32)');
  if (!isHex(seal, SEAL_ID_BYTES)) throw bad(`seal must be ${SEAL_ID_BYTES} bytes of lower-case hex`);
  if (!Array.isArray(fields) || fields.length === 0 || fields.length > MAX_SEALED_FIELDS)
    throw bad(`fields must list 1 to ${MAX_SEALED_FIELDS} field paths`);
  const parsed = fields.map((f: unknown, i) => {
    if (typeof f !== 'string') throw bad('fields must be strings');
    const prev = fields[i - 1] as string | undefined;
    if (prev !== undefined && !(prev < f)) throw bad('fields must be sorted and distinct');
    const p = parseCanonicalField(object as string, f);
    if (!p) throw bad(`field ${JSON.stringify(f)} is not a canonical field path`);
    return { field: f, ...p };
  });
  checkNoOverlap(fields as string[], 'fields.malformed');
  return {
    meta: {
      v: FORMAT_VERSION,
      keyId: keyId as string,
      object: object as string,
      version,
      seal,
      fields: fields as string[],
    },
    sealId: hexToBytes(seal),
    fields: parsed,
  };
}

/** Associated data of each field of one seal; the fixed part and the list digest are computed once. */
function associatedData(meta: SealMetadata, sealId: Bytes): (field: string) => Bytes {
  const list = hashTranscript('fields/list', meta.fields.map(utf8));
  const head = [AD_TAG, utf8(meta.keyId), utf8(meta.object), u32be(meta.version), sealId, list];
  return (field) => encodeFields([...head, utf8(field)]);
}

function decodeSealedValue(value: JsonValue, field: string): { nonce: Bytes; ciphertext: Bytes } {
  const bad = (details: string) =>
    new TkmsError('fields.malformed', { details: `field ${field}: ${details}` });
  if (typeof value !== 'string' || !value.startsWith(SEALED_VALUE_PREFIX))
    throw bad(`not a sealed value (expected a "${SEALED_VALUE_PREFIX}…" string)`);
  const bytes = fromBase64url(value.slice(SEALED_VALUE_PREFIX.length));
  if (!bytes) throw bad('sealed value is not canonical unpadded base64url');
  // The shortest plaintext, a one-digit number, is one byte.
  if (bytes.length < NONCE_BYTES + TAG_BYTES + 1) throw bad('sealed value is too short');
  return { nonce: bytes.subarray(0, NONCE_BYTES), ciphertext: bytes.subarray(NONCE_BYTES) };
}

function parseFieldPlaintext(plaintext: Bytes, field: string): JsonValue {
  try {
    return JSON.parse(fromUtf8(plaintext)) as JsonValue;
  } catch {
    // It passed the AEAD, so whoever holds the data key wrote it: not tampering, but not v1 either.
    throw new TkmsError('fields.malformed', {
      details: `field ${field} opens to something that is not JSON`,
    });
  }
}

// --- data keys ----------------------------------------------------------------------------------

const isGrant = (a: DataKeyGrant | DataKeyRefusal): a is DataKeyGrant => 'dataKey' in a;

/** One provider call; checks that it answered each object exactly once, with well-formed entries. */
async function requestDataKeys(
  keys: DataKeyProvider,
  objects: readonly string[],
  version: number | undefined,
): Promise<Map<string, DataKeyGrant | DataKeyRefusal>> {
  const answers: unknown = await keys(objects, version);
  const byObject = new Map<string, DataKeyGrant | DataKeyRefusal>();
  const fail = (details: string) => {
    if (Array.isArray(answers))
      for (const a of answers as unknown[])
        if (isPlainObject(a) && a.dataKey instanceof Uint8Array) wipe(a.dataKey);
    return new TkmsError('internal', { details: `the data-key provider ${details}` });
  };
  if (!Array.isArray(answers)) throw fail('did not answer a list');
  const wanted = new Set(objects);
  for (const a of answers as unknown[]) {
    if (!isPlainObject(a) || typeof a.object !== 'string') throw fail('answered an entry without object');
    if (!wanted.has(a.object)) throw fail(`answered for ${a.object}, which was not asked for`);
    if (byObject.has(a.object)) throw fail(`answered twice for ${a.object}`);
    if ('dataKey' in a) {
      const grant = a as DataKeyGrant;
      byObject.set(a.object, grant);
      if (!(grant.dataKey instanceof Uint8Array) || grant.dataKey.length !== DATA_KEY_BYTES)
        throw fail(`granted ${a.object} a data key that is not ${DATA_KEY_BYTES} bytes`);
      if (version !== undefined && grant.version !== version)
        throw fail(`granted ${a.object} at version ${String(grant.version)}, not ${version}`);
    } else if (typeof a.code === 'string' && typeof a.reason === 'string') {
      byObject.set(a.object, { object: a.object, code: a.code, reason: a.reason });
    } else throw fail(`answered for ${a.object} with neither a grant nor a refusal`);
  }
  const unanswered = objects.filter((o) => !byObject.has(o));
  if (unanswered.length) throw fail(`did not answer for ${unanswered.join(', ')}`);
  return byObject;
}

/** The version every grant of one seal was derived at (a rotation between two of them is an error). */
function commonVersion(grants: readonly DataKeyGrant[]): number {
  const version = grants[0]?.version;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0 || version > 0xffffffff)
    throw new TkmsError('internal', { details: 'the data-key provider answered an invalid key version' });
  if (grants.some((g) => g.version !== version))
    throw new TkmsError('internal', { details: 'the data-key provider answered several key versions' });
  return version;
}

function fieldKey(dataKey: Bytes): Bytes {
  return hkdf(sha256, dataKey, undefined, KEY_INFO, 32);
}

function wipeGrants(answers: Map<string, DataKeyGrant | DataKeyRefusal>): void {
  for (const a of answers.values()) if (isGrant(a) && a.dataKey instanceof Uint8Array) wipe(a.dataKey);
}

function draw(random: (n: number) => Uint8Array, n: number): Bytes {
  const b = random(n);
  if (!(b instanceof Uint8Array) || b.length !== n || b.every((x) => x === 0))
    throw new TkmsError('internal', { details: `the random source did not return ${n} random bytes` });
  return b;
}

function checkKeyId(keyId: unknown, code: 'request.invalid' | 'fields.malformed'): string {
  if (typeof keyId !== 'string' || keyId.length === 0 || keyId.length > MAX_KEY_ID_LENGTH)
    throw new TkmsError(code, { details: `keyId must be a string of 1 to ${MAX_KEY_ID_LENGTH} characters` });
  return keyId;
}

// --- JSON documents -----------------------------------------------------------------------------

/** A deep copy of a JSON object, checked to be JSON all the way down and at most `maxBytes`. */
function copyDocument(value: unknown, code: ErrorCodeFor, maxBytes: number): JsonObject {
  if (!isPlainObject(value)) throw new TkmsError(code, { details: 'the document must be a JSON object' });
  const copy = copyJson(value, code, [], new Set()) as JsonObject;
  if (utf8(JSON.stringify(copy)).length > maxBytes)
    throw new TkmsError(code, { details: `the document is larger than ${maxBytes} bytes of JSON` });
  return copy;
}

function copyJson(
  value: unknown,
  code: ErrorCodeFor,
  path: (string | number)[],
  open: Set<object>,
): JsonValue {
  const fail = (what: string) =>
    new TkmsError(code, { details: `${path.length ? path.join('.') : 'the document'} ${what}` });
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw fail('is not a finite number');
    return value;
  }
  if (typeof value !== 'object') throw fail(`is a ${typeof value}, not JSON`);
  if (open.has(value)) throw fail('contains itself');
  if (path.length >= MAX_DEPTH) throw fail(`is nested deeper than ${MAX_DEPTH} levels`);
  open.add(value);
  let out: JsonValue;
  if (Array.isArray(value)) {
    const arr: JsonValue[] = [];
    for (let i = 0; i < value.length; i++) {
      if (!Object.hasOwn(value, i)) throw fail(`has a hole at index ${i}`);
      arr.push(copyJson(value[i], code, [...path, i], open));
    }
    out = arr;
  } else if (isPlainObject(value)) {
    const obj: JsonObject = {};
    for (const k of Object.keys(value)) setMember(obj, k, copyJson(value[k], code, [...path, k], open));
    out = obj;
  } else throw fail('is not a plain object, array or JSON primitive');
  open.delete(value);
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Defines rather than assigns, so a member named `__proto__` stays a member. */
function setMember(obj: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function readMember(parent: Container, key: string | number): JsonValue {
  return (Array.isArray(parent) ? parent[key as number] : parent[key as string]) as JsonValue;
}

function readSlot(s: FieldSlot): JsonValue {
  return readMember(s.parent, s.key);
}

function writeSlot(s: FieldSlot, value: JsonValue): void {
  if (Array.isArray(s.parent)) s.parent[s.key as number] = value;
  else setMember(s.parent, s.key as string, value);
}

// --- base64url (RFC 4648 §5, no padding) --------------------------------------------------------

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64URL_RE = /^[A-Za-z0-9_-]*$/;

function toBase64url(bytes: Bytes): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let j = 0; j < chars; j++) out += B64URL[(n >> (18 - 6 * j)) & 63];
  }
  return out;
}

/** Undefined unless `s` is exactly what `toBase64url` writes (no padding, zero trailing bits). */
function fromBase64url(s: string): Bytes | undefined {
  if (!B64URL_RE.test(s) || s.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((s.length * 6) / 8));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (const c of s) {
    acc = ((acc << 6) | B64URL.indexOf(c)) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}
