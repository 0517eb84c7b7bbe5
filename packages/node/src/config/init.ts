/**
 * `tkms node init`: a new node directory with its identity, sealing master key and config file.
 * Secrets are written with mode 0600 and never printed; what is printed is the public identity
 * that other nodes pin.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bytesToHex, TkmsError } from '@tkms/core';
import { generateIdentity, identityToJson, type PublicIdentity, publicIdentity } from '../identity/index.ts';
import { DEFAULT_OPRF_BURST, DEFAULT_OPRF_ELEMENTS_PER_SECOND } from '../policy/rate-limit.ts';
import { DEFAULT_MAX_PRESIGNATURES, type NodeConfig } from './schema.ts';

export type InitNodeOptions = {
  dir: string;
  id: string;
  host?: string;
  port: number;
  /** Default: embedded PGlite in `<dir>/data`. */
  database?: string;
  log?: NodeConfig['log'];
};

export type InitNodeResult = { configPath: string; config: NodeConfig; publicIdentity: PublicIdentity };

export function initNodeDir(o: InitNodeOptions): InitNodeResult {
  const dir = resolve(o.dir);
  const configPath = join(dir, 'config.json');
  if (existsSync(configPath))
    throw new TkmsError('config.invalid', {
      details: `${configPath} already exists; refusing to overwrite a node`,
    });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const identity = generateIdentity();
  writeSecretFile(join(dir, 'identity.json'), `${JSON.stringify(identityToJson(identity), null, 2)}\n`);
  writeSecretFile(join(dir, 'master.key'), `${bytesToHex(randomBytes(32))}\n`);
  const host = o.host ?? '127.0.0.1';
  const config: NodeConfig = {
    id: o.id,
    listen: { host, port: o.port },
    url: `http://${host}:${o.port}`,
    identityFile: 'identity.json',
    masterKey: { file: 'master.key' },
    database: o.database ?? 'pglite:data',
    peers: [],
    apiKeys: [],
    limits: {
      maxMessageBytes: 65_536,
      maxBodyBytes: 262_144,
      oprfElementsPerSecond: DEFAULT_OPRF_ELEMENTS_PER_SECOND,
      oprfBurst: DEFAULT_OPRF_BURST,
      maxPresignatures: DEFAULT_MAX_PRESIGNATURES,
    },
    // Deny by default: the operator grants access (docs/policy.md).
    policy: { grants: [], denies: [] },
    sessionTimeoutMs: 10_000,
    peerTimeoutMs: 3_000,
    log: o.log ?? 'info',
  };
  writeConfig(configPath, config);
  return { configPath, config, publicIdentity: publicIdentity(identity) };
}

export function writeConfig(path: string, config: NodeConfig): void {
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
}

function writeSecretFile(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
}
