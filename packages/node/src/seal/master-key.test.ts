import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { bytesToHex, TkmsError } from '@tkms/core';
import { loadMasterKey } from './master-key.ts';

const dir = mkdtempSync(join(tmpdir(), 'tkms-mk-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const HEX = 'a1'.repeat(32);

function keyFile(name: string, content: string, mode = 0o600): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  chmodSync(p, mode);
  return p;
}

function fails(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TkmsError);
    assert.match(e.message, re);
    return true;
  });
}

describe('loadMasterKey', () => {
  it('reads 64 hex digits from a 0600 or 0400 file (trailing newline, either case)', () => {
    assert.equal(bytesToHex(loadMasterKey({ file: keyFile('a', `${HEX}\n`) }).expose()), HEX);
    assert.equal(bytesToHex(loadMasterKey({ file: keyFile('b', HEX.toUpperCase(), 0o400) }).expose()), HEX);
  });

  it('refuses a file readable by group or others, without reading it', () => {
    if (process.platform === 'win32') return;
    fails(() => loadMasterKey({ file: keyFile('c', HEX, 0o644) }), /group or others.*644/);
    fails(() => loadMasterKey({ file: keyFile('d', HEX, 0o640) }), /chmod 600/);
  });

  it('reads an environment variable', () => {
    const k = loadMasterKey({ env: 'TKMS_MASTER_KEY', environment: { TKMS_MASTER_KEY: HEX } });
    assert.equal(bytesToHex(k.expose()), HEX);
    assert.equal(JSON.stringify({ k }), '{"k":"[secret]"}');
    fails(() => loadMasterKey({ env: 'TKMS_MASTER_KEY', environment: {} }), /not set/);
  });

  it('describes a malformed key by its shape only, never its characters', () => {
    const secretish = 'f00d'.repeat(15); // 60 digits: wrong length
    assert.throws(
      () => loadMasterKey({ env: 'K', environment: { K: secretish } }),
      (e: unknown) =>
        e instanceof TkmsError && /found 60 characters/.test(e.message) && !e.message.includes('f00d'),
    );
    fails(() => loadMasterKey({ file: keyFile('e', 'zz'.repeat(32)) }), /64 hex digits/);
    fails(() => loadMasterKey({ file: keyFile('f', '00'.repeat(32)) }), /all-zero/);
  });

  it('needs exactly one source, and a readable regular file', () => {
    fails(() => loadMasterKey({}), /exactly one/);
    fails(() => loadMasterKey({ file: 'x', env: 'y' }), /exactly one/);
    fails(() => loadMasterKey({ file: join(dir, 'missing') }), /ENOENT/);
    fails(() => loadMasterKey({ file: dir }), /not a regular file/);
  });
});
