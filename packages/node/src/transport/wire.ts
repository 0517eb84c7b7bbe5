/**
 * The peer envelope on the wire, and the canonical bytes that are signed and authenticated.
 *
 *   wire JSON  { header, epk, ct, sig }
 *   header     { v: 1, protocol, ssid, from, to, round, kind, ts, mid }      (clear text, routable)
 *   epk        hex, 32-byte ephemeral X25519 public key
 *   ct         base64, ChaCha20-Poly1305 ciphertext || 16-byte tag of the payload
 *   sig        hex, Ed25519 over encodeFields(["tkms/peer/v1/sig", headerBytes, epk, ct])
 *   headerBytes = encodeFields(["tkms/peer/v1/header", u32 v, protocol, ssid, from, to, u32 round,
 *                               kind, u64 ts, mid])            (also the AEAD associated data)
 *
 * Signed bytes are never JSON: they are rebuilt from the parsed fields with length prefixes, so one
 * header has exactly one encoding. The parser is strict (exact field sets, canonical hex and
 * base64, visible-ASCII names) because anything it lets through unsigned would be attacker-chosen.
 */
import { type Bytes, encodeFields, isHex, TkmsError, u32be, utf8 } from '@tkms/core';

export const WIRE_VERSION = 1;
/** Default upper bound on one payload; DKLs23's largest round message is well below it. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;
export const AEAD_TAG_BYTES = 16;
const MAX_NAME_CHARS = 128;
const MAX_U32 = 0xffffffff;

export type PeerHeader = {
  readonly v: typeof WIRE_VERSION;
  readonly protocol: string;
  /** Hex of the 32-byte session id. */
  readonly ssid: string;
  readonly from: string;
  readonly to: string;
  readonly round: number;
  readonly kind: 'msg' | 'echo';
  /** Sender's clock, ms since the epoch. */
  readonly ts: number;
  /** Random 16-byte message id, hex; the receiver's replay cache keys on (from, mid). */
  readonly mid: string;
};

export type WireEnvelope = {
  readonly header: PeerHeader;
  readonly epk: string;
  readonly ct: string;
  readonly sig: string;
};

/** A wire envelope that passed the schema: header plus decoded bytes, nothing verified yet. */
export type ParsedWire = {
  readonly header: PeerHeader;
  readonly headerBytes: Bytes;
  readonly epk: Bytes;
  readonly ct: Bytes;
  readonly sig: Bytes;
};

const HEADER_DOMAIN = utf8('tkms/peer/v1/header');
const SIG_DOMAIN = utf8('tkms/peer/v1/sig');
const WIRE_FIELDS = ['header', 'epk', 'ct', 'sig'] as const;
const HEADER_FIELDS = ['v', 'protocol', 'ssid', 'from', 'to', 'round', 'kind', 'ts', 'mid'] as const;
// Visible ASCII only: utf8() maps every lone surrogate to U+FFFD, so arbitrary strings would give
// two different JSON values the same signed bytes.
const NAME_RE = new RegExp(`^[\\x21-\\x7e]{1,${MAX_NAME_CHARS}}$`);

export function malformed(details: string): TkmsError {
  return new TkmsError('peer.malformed', { details });
}

/** Checks the header fields a sender controls; returns a problem or `undefined`. */
export function headerProblem(h: Omit<PeerHeader, 'v' | 'ts' | 'mid'>): string | undefined {
  if (!isName(h.protocol)) return 'protocol must be 1-128 visible ASCII characters';
  if (!isHex(h.ssid, 32)) return 'ssid must be 32 bytes of lower-case hex';
  if (!isName(h.from)) return 'from must be 1-128 visible ASCII characters';
  if (!isName(h.to)) return 'to must be 1-128 visible ASCII characters';
  if (!Number.isSafeInteger(h.round) || h.round < 0 || h.round > MAX_U32) return 'round must be a u32';
  if (h.kind !== 'msg' && h.kind !== 'echo') return 'kind must be "msg" or "echo"';
  return undefined;
}

export function encodeHeader(h: PeerHeader): Bytes {
  return encodeFields([
    HEADER_DOMAIN,
    u32be(h.v),
    utf8(h.protocol),
    Buffer.from(h.ssid, 'hex'),
    utf8(h.from),
    utf8(h.to),
    u32be(h.round),
    utf8(h.kind),
    u64be(h.ts),
    Buffer.from(h.mid, 'hex'),
  ]);
}

export function signedBytes(headerBytes: Bytes, epk: Bytes, ct: Bytes): Bytes {
  return encodeFields([SIG_DOMAIN, headerBytes, epk, ct]);
}

/** Schema and size checks only. Throws `peer.malformed`; verifies nothing cryptographic. */
export function parseWireEnvelope(value: unknown, maxPayloadBytes: number): ParsedWire {
  const wire = exactRecord(value, 'envelope', WIRE_FIELDS);
  const h = exactRecord(wire.header, 'header', HEADER_FIELDS);
  if (h.v !== WIRE_VERSION) throw malformed(`unsupported envelope version (expected v = ${WIRE_VERSION})`);
  const header = h as PeerHeader;
  const problem = headerProblem(header);
  if (problem) throw malformed(problem);
  if (!Number.isSafeInteger(header.ts) || header.ts < 0) throw malformed('ts must be a non-negative integer');
  if (!isHex(header.mid, 16)) throw malformed('mid must be 16 bytes of lower-case hex');
  if (!isHex(wire.epk, 32)) throw malformed('epk must be 32 bytes of lower-case hex');
  if (!isHex(wire.sig, 64)) throw malformed('sig must be 64 bytes of lower-case hex');
  const ct = decodeBase64(wire.ct, maxPayloadBytes + AEAD_TAG_BYTES);
  if (ct.length < AEAD_TAG_BYTES) throw malformed('ct is shorter than the AEAD tag');
  return {
    header: {
      v: WIRE_VERSION,
      protocol: header.protocol,
      ssid: header.ssid,
      from: header.from,
      to: header.to,
      round: header.round,
      kind: header.kind,
      ts: header.ts,
      mid: header.mid,
    },
    headerBytes: encodeHeader(header),
    epk: Buffer.from(wire.epk, 'hex'),
    ct,
    sig: Buffer.from(wire.sig, 'hex'),
  };
}

function isName(s: unknown): s is string {
  return typeof s === 'string' && NAME_RE.test(s);
}

function exactRecord(value: unknown, where: string, fields: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw malformed(`${where} must be an object`);
  const keys = Object.keys(value);
  for (const k of keys) if (!fields.includes(k)) throw malformed(`${where} has an unknown field`);
  if (keys.length !== fields.length) throw malformed(`${where} is missing a field`);
  return value as Record<string, unknown>;
}

/** Canonical padded base64 only (what `Buffer#toString('base64')` writes), at most `maxBytes`. */
function decodeBase64(s: unknown, maxBytes: number): Bytes {
  if (typeof s !== 'string' || s.length % 4 !== 0) throw malformed('ct must be base64');
  if (s.length > 4 * Math.ceil(maxBytes / 3))
    throw malformed(`payload exceeds ${maxBytes - AEAD_TAG_BYTES} bytes`);
  const b = Buffer.from(s, 'base64');
  if (b.length > maxBytes) throw malformed(`payload exceeds ${maxBytes - AEAD_TAG_BYTES} bytes`);
  // Buffer's decoder skips what it does not understand; re-encoding catches every such input.
  if (b.toString('base64') !== s) throw malformed('ct must be canonical base64');
  return b;
}

function u64be(n: number): Bytes {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}
