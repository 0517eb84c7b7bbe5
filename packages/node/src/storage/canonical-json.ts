/**
 * Canonical JSON for hashing (the audit chain): object keys sorted by UTF-16 code units, no
 * whitespace, numbers and strings as `JSON.stringify` writes them — the RFC 8785 (JCS) rules for the
 * values we allow. Only plain JSON data is accepted, and only values that survive a round trip
 * through a PostgreSQL `jsonb` column unchanged, so a hash computed before the insert still matches
 * the row read back. Anything else (Uint8Array, SecretBytes, Date, class instances, undefined,
 * NaN, lone surrogates, NUL) is a programming error and throws `TypeError`: byte values must be
 * hex-encoded on purpose, never serialised by accident.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const MAX_DEPTH = 32;
// In a `u` regex a paired surrogate is one code point, so this only matches lone halves.
const LONE_SURROGATE = /\p{Cs}/u;

export function canonicalJson(value: unknown): string {
  return encode(value, 0);
}

function encodeString(s: string): string {
  if (LONE_SURROGATE.test(s)) throw new TypeError('string contains a lone surrogate');
  if (s.includes('\u0000')) throw new TypeError('string contains NUL, which jsonb cannot store');
  return JSON.stringify(s);
}

function encode(v: unknown, depth: number): string {
  if (depth > MAX_DEPTH) throw new TypeError('JSON nested too deeply');
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(v)) throw new TypeError('JSON numbers must be finite');
      return JSON.stringify(v);
    case 'string':
      return encodeString(v);
    case 'object': {
      if (Array.isArray(v)) return `[${Array.from(v, (x) => encode(x, depth + 1)).join(',')}]`;
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null)
        throw new TypeError('only plain objects can be serialised (hex-encode bytes explicitly)');
      const keys = Object.keys(v).sort();
      const parts = keys.map(
        (k) => `${encodeString(k)}:${encode((v as Record<string, unknown>)[k], depth + 1)}`,
      );
      return `{${parts.join(',')}}`;
    }
    default:
      throw new TypeError(`cannot serialise a ${typeof v} as JSON`);
  }
}
