/**
 * Decoders from driver rows to plain typed values. node-postgres and PGlite disagree on details
 * (Buffer vs Uint8Array for bytea, string vs number for int8), so every column read goes through
 * here and a surprise fails loudly as `storage.failed` instead of travelling on as the wrong type.
 */
import { TkmsError } from '@tkms/core';
import type { JsonValue } from './canonical-json.ts';
import type { Row } from './db.ts';

function bad(col: string, want: string): TkmsError {
  return new TkmsError('storage.failed', { details: `column ${col} is not ${want}` });
}

export function str(row: Row, col: string): string {
  const v = row[col];
  if (typeof v !== 'string') throw bad(col, 'text');
  return v;
}

export function optStr(row: Row, col: string): string | null {
  return row[col] === null || row[col] === undefined ? null : str(row, col);
}

export function int(row: Row, col: string): number {
  const v = row[col];
  const n =
    typeof v === 'number' ? v : typeof v === 'bigint' || typeof v === 'string' ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw bad(col, 'a safe integer');
  return n;
}

export function bool(row: Row, col: string): boolean {
  const v = row[col];
  if (typeof v !== 'boolean') throw bad(col, 'boolean');
  return v;
}

/** A fresh, plain `Uint8Array` (never a Buffer, never a view into a driver buffer). */
export function bytes(row: Row, col: string): Uint8Array {
  const v = row[col];
  if (!(v instanceof Uint8Array)) throw bad(col, 'bytea');
  return new Uint8Array(v);
}

export function optBytes(row: Row, col: string): Uint8Array | null {
  return row[col] === null || row[col] === undefined ? null : bytes(row, col);
}

export function date(row: Row, col: string): Date {
  const v = row[col];
  const d = v instanceof Date ? new Date(v.getTime()) : typeof v === 'string' ? new Date(v) : null;
  if (!d || Number.isNaN(d.getTime())) throw bad(col, 'a timestamp');
  return d;
}

export function optDate(row: Row, col: string): Date | null {
  return row[col] === null || row[col] === undefined ? null : date(row, col);
}

/** jsonb arrives parsed from both drivers; accept text too in case a driver is configured otherwise. */
export function json(row: Row, col: string): JsonValue {
  const v = row[col];
  if (typeof v === 'string') {
    try {
      return JSON.parse(v) as JsonValue;
    } catch {
      throw bad(col, 'JSON');
    }
  }
  if (v === undefined) throw bad(col, 'JSON');
  return v as JsonValue;
}

export function jsonObject(row: Row, col: string): { [k: string]: JsonValue } {
  const v = json(row, col);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(col, 'a JSON object');
  return v;
}

export function stringArray(row: Row, col: string): string[] {
  const v = json(row, col);
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw bad(col, 'a JSON array of strings');
  return v as string[];
}

export function stringMap(row: Row, col: string): Record<string, string> {
  const v = jsonObject(row, col);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string') throw bad(col, 'a JSON object of strings');
    out[k] = x;
  }
  return out;
}
