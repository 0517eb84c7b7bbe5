/**
 * Loading the node's master key (the sealing key of every share on this node). Sources: a file
 * (preferred: `openssl rand -hex 32 > master.key && chmod 600 master.key`) or an environment
 * variable. Either holds 64 hex digits; surrounding whitespace is ignored. A PKCS#11 token is the
 * later third source (DESIGN §6).
 *
 * A key file readable by group or others is refused rather than warned about: a warning scrolls
 * away, a refusal gets fixed. (Kubernetes: mount the Secret with `defaultMode: 0400`.)
 */
import { readFileSync, statSync } from 'node:fs';
import { hexToBytes, SecretBytes, TkmsError } from '@tkms/core';

export type LoadMasterKeyOptions = {
  /** Path of a file holding the key as hex; must not be readable by group or others. */
  file?: string;
  /** Name of an environment variable holding the key as hex (e.g. `TKMS_MASTER_KEY`). */
  env?: string;
  /** Environment to read `env` from (default `process.env`). */
  environment?: Readonly<Record<string, string | undefined>>;
};

const KEY_HEX = /^[0-9a-fA-F]{64}$/;

export function loadMasterKey(opts: LoadMasterKeyOptions): SecretBytes {
  if ((opts.file === undefined) === (opts.env === undefined))
    throw configError('give exactly one master key source: a file or an environment variable');
  let text: string;
  let source: string;
  if (opts.file !== undefined) {
    source = `master key file ${opts.file}`;
    checkFileMode(opts.file, source);
    try {
      text = readFileSync(opts.file, 'utf8');
    } catch (e) {
      throw configError(`cannot read ${source}: ${(e as { code?: string }).code ?? 'error'}`);
    }
  } else {
    const name = opts.env as string;
    source = `environment variable ${name}`;
    const value = (opts.environment ?? process.env)[name];
    if (value === undefined || value === '') throw configError(`${source} is not set`);
    text = value;
  }
  const hex = text.trim();
  // Report the shape of what was found, never any of its characters.
  if (!KEY_HEX.test(hex))
    throw configError(`${source} must hold 64 hex digits (32 bytes); found ${hex.length} characters`);
  const bytes = hexToBytes(hex.toLowerCase());
  if (bytes.every((b) => b === 0)) throw configError(`${source} holds an all-zero key`);
  const key = new SecretBytes(bytes);
  bytes.fill(0);
  return key;
}

function checkFileMode(path: string, source: string): void {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (e) {
    throw configError(`cannot read ${source}: ${(e as { code?: string }).code ?? 'error'}`);
  }
  if (!st.isFile()) throw configError(`${source} is not a regular file`);
  // POSIX permission bits only mean something off Windows.
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0)
    throw configError(
      `${source} is accessible by group or others (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it`,
    );
}

function configError(details: string): TkmsError {
  return new TkmsError('config.invalid', { details });
}
