/**
 * Object paths name what a data key or a decryption protects (`contracts/4711/fields/ssn`), and
 * grant patterns name sets of them (`contracts/*\/fields/ssn`). Nodes check policy on exactly
 * these strings, so there is one syntax, checked the same way by the SDK, the CLI and every node.
 *
 * Path: 1–512 bytes of UTF-8, segments separated by `/`, each segment non-empty, not `.` or `..`,
 * without control characters and without `*` (reserved for patterns).
 * Pattern: like a path, but a segment may be `*` (exactly one segment) and the last segment may be
 * `**` (any number of segments, zero included); `**` alone matches every object of a key.
 */
import { TkmsError } from '../errors/tkms-error.ts';

export const MAX_OBJECT_PATH_BYTES = 512;

/** The pattern that grants a whole key (every object, and the oblivious mode). */
export const WHOLE_KEY_PATTERN = '**';

const encoder = new TextEncoder();
/** C0 controls, DEL, C1 controls, or a lone surrogate (not well-formed UTF-16). */
function hasForbidden(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return true;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return true;
  }
  return false;
}

function segmentsOf(s: unknown, what: 'object path' | 'pattern'): string[] {
  if (typeof s !== 'string' || s.length === 0)
    throw new TkmsError('object.invalid', { details: `${what} must be a non-empty string` });
  if (encoder.encode(s).length > MAX_OBJECT_PATH_BYTES)
    throw new TkmsError('object.invalid', { details: `${what} longer than ${MAX_OBJECT_PATH_BYTES} bytes` });
  if (hasForbidden(s))
    throw new TkmsError('object.invalid', { details: `${what} contains a control character` });
  const segs = s.split('/');
  for (const seg of segs) {
    if (seg === '')
      throw new TkmsError('object.invalid', {
        details: `${what} "${s}" has an empty segment (leading, trailing or double "/")`,
      });
    if (seg === '.' || seg === '..')
      throw new TkmsError('object.invalid', { details: `${what} "${s}" has a "${seg}" segment` });
  }
  return segs;
}

/**
 * Returns the path if it is valid.
 * @throws TkmsError `object.invalid`
 */
export function validateObjectPath(path: unknown): string {
  const segs = segmentsOf(path, 'object path');
  if (segs.some((seg) => seg.includes('*')))
    throw new TkmsError('object.invalid', { details: `object path "${String(path)}" contains "*"` });
  return path as string;
}

/**
 * Returns the pattern if it is valid.
 * @throws TkmsError `object.invalid`
 */
export function validateObjectPattern(pattern: unknown): string {
  const segs = segmentsOf(pattern, 'pattern');
  segs.forEach((seg, i) => {
    if (seg === '*') return;
    if (seg === '**') {
      if (i !== segs.length - 1)
        throw new TkmsError('object.invalid', {
          details: `pattern "${String(pattern)}": "**" may only be the last segment`,
        });
      return;
    }
    if (seg.includes('*'))
      throw new TkmsError('object.invalid', {
        details: `pattern "${String(pattern)}": "*" must be a whole segment`,
      });
  });
  return pattern as string;
}

/**
 * Whether `path` is in the set `pattern` names. Both must be valid (callers validate once, at
 * configuration load and request decode); invalid input never matches.
 *
 * @example
 * matchObjectPattern('contracts/*\/fields/ssn', 'contracts/4711/fields/ssn') // true
 * matchObjectPattern('contracts/**', 'contracts/4711/fields/ssn')           // true
 */
export function matchObjectPattern(pattern: string, path: string): boolean {
  const p = pattern.split('/');
  const o = path.split('/');
  for (let i = 0; i < p.length; i++) {
    const seg = p[i] as string;
    if (seg === '**' && i === p.length - 1) return true;
    if (i >= o.length) return false;
    if (seg !== '*' && seg !== o[i]) return false;
  }
  return p.length === o.length;
}

/** Field-path segments are joined with `.`; these characters are percent-encoded inside a segment. */
const FIELD_ESCAPE = /[%./*]/g;

/**
 * The object path of one field of a document: `<document>/fields/<segment>.<segment>…`, each field
 * name percent-encoding `%`, `.`, `/` and `*`, array indices written in decimal. So
 * `{ address: { zip } }` in `contracts/4711` is `contracts/4711/fields/address.zip`, and a grant on
 * `contracts/*\/fields/ssn` covers the `ssn` field of every contract.
 *
 * @throws TkmsError `object.invalid`
 */
export function fieldObjectPath(document: string, field: readonly (string | number)[]): string {
  validateObjectPath(document);
  if (field.length === 0) throw new TkmsError('object.invalid', { details: 'empty field path' });
  const encoded = field.map((seg) => {
    if (typeof seg === 'number') {
      if (!Number.isSafeInteger(seg) || seg < 0)
        throw new TkmsError('object.invalid', { details: `array index ${seg}` });
      return String(seg);
    }
    if (typeof seg !== 'string' || seg === '')
      throw new TkmsError('object.invalid', { details: 'field names must be non-empty strings' });
    return seg.replace(
      FIELD_ESCAPE,
      (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
    );
  });
  return validateObjectPath(`${document}/fields/${encoded.join('.')}`);
}
