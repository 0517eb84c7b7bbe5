/**
 * Secret material wrapper. It redacts itself in `JSON.stringify`, `String()`, template strings and
 * `util.inspect`, so a secret that strays into a log line, an error or an audit record shows as
 * `[secret]`. Read the bytes only with `expose()`, at the point of use; `wipe()` zeroes them.
 */
import { type Bytes, wipe } from './bytes.ts';

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

export class SecretBytes {
  readonly #bytes: Bytes;

  constructor(bytes: Bytes) {
    this.#bytes = Uint8Array.from(bytes);
  }

  /** The raw secret. Do not store the result anywhere longer-lived than the SecretBytes. */
  expose(): Bytes {
    return this.#bytes;
  }

  get length(): number {
    return this.#bytes.length;
  }

  wipe(): void {
    wipe(this.#bytes);
  }

  toJSON(): string {
    return '[secret]';
  }

  toString(): string {
    return '[secret]';
  }

  [INSPECT](): string {
    return 'SecretBytes([secret])';
  }
}
