/**
 * The `tkms` command line. Human-readable output by default, `--json` for scripts. The interface
 * of `key create`, `key list`, `key show` and `sign` is relied upon: extend it, do not change it.
 */
import { bytesToHex, derivePath, hexToBytes, isHex, isKeyType, KEY_TYPES, TkmsError } from '@tkms/core';
import { initNodeDir, startNode } from '@tkms/node';
import { Command, Option } from 'commander';
import { clientFrom } from './client-config.ts';
import { runDev } from './dev.ts';
import { emit, fail, table } from './output.ts';
import { registerPrivacyCommands } from './privacy-commands.ts';

const program = new Command('tkms')
  .description('tkms: threshold key management. Keys live only as shares on the nodes.')
  .showHelpAfterError();

program
  .command('dev')
  .description('run a local cluster (3 nodes, 2-of-3, embedded PGlite, data in .tkms/)')
  .option('--dir <dir>', 'data directory', '.tkms')
  .option('--nodes <n>', 'number of nodes', '3')
  .option('--base-port <port>', 'port of node-1; node-i listens on base+i-1', '7701')
  .action(async (o: { dir: string; nodes: string; basePort: string }) => {
    await runDev({ dir: o.dir, nodes: Number(o.nodes), basePort: Number(o.basePort) });
  });

const node = program.command('node').description('run and set up one node');
node
  .command('init')
  .description('create a node directory: identity key pair, sealing master key, config.json')
  .requiredOption('--id <id>', 'node id, e.g. node-1')
  .requiredOption('--dir <dir>', 'directory to create')
  .option('--port <port>', 'listen port', '7701')
  .option('--host <host>', 'listen address', '127.0.0.1')
  .option('--database <url>', 'postgres://… (default: embedded PGlite in <dir>/data)')
  .option('--json', 'JSON output')
  .action((o: { id: string; dir: string; port: string; host: string; database?: string; json?: boolean }) => {
    const out = { json: Boolean(o.json) };
    try {
      const r = initNodeDir({
        dir: o.dir,
        id: o.id,
        host: o.host,
        port: Number(o.port),
        ...(o.database ? { database: o.database } : {}),
      });
      emit(out, { id: o.id, config: r.configPath, url: r.config.url, ...r.publicIdentity }, () =>
        [
          `created ${r.configPath}`,
          'Pin this node at its peers (add to their "peers"):',
          JSON.stringify({ id: o.id, url: r.config.url, ...r.publicIdentity }, null, 2),
        ].join('\n'),
      );
    } catch (e) {
      fail(out, e);
    }
  });
node
  .command('start')
  .description('run a node in the foreground')
  .requiredOption('--config <file>', 'node config.json')
  .action(async (o: { config: string }) => {
    try {
      const n = await startNode(o.config);
      process.on('SIGINT', () => void n.close().then(() => process.exit(0)));
      process.on('SIGTERM', () => void n.close().then(() => process.exit(0)));
    } catch (e) {
      fail({ json: false }, e);
    }
  });

const configOpt = () =>
  new Option('--config <file>', 'client config (default $TKMS_CONFIG or .tkms/client.json)');
const key = program.command('key').description('create and inspect keys');
key
  .command('create')
  .description('generate a key by DKG on the nodes')
  .requiredOption('--type <type>', `key type: ${Object.keys(KEY_TYPES).join(', ')}`)
  .option('--threshold <m>', 'nodes needed to use the key', '2')
  .option('--nodes <ids>', 'comma-separated nodes to hold shares (default: all)')
  .option('--id <id>', 'key id (default: random)')
  .option('--json', 'JSON output')
  .addOption(configOpt())
  .action(
    async (o: {
      type: string;
      threshold: string;
      nodes?: string;
      id?: string;
      json?: boolean;
      config?: string;
    }) => {
      const out = { json: Boolean(o.json) };
      try {
        if (!isKeyType(o.type))
          throw new TkmsError('key.type_unknown', {
            details: `"${o.type}"; known: ${Object.keys(KEY_TYPES).join(', ')}`,
          });
        const threshold = Number(o.threshold);
        if (!Number.isInteger(threshold))
          throw new TkmsError('key.threshold_invalid', { details: `"${o.threshold}" is not an integer` });
        const client = clientFrom(o.config);
        const nodes = o.nodes?.split(',').map((s) => s.trim()) ?? client.nodes;
        if (threshold < 2 || threshold > nodes.length)
          throw new TkmsError('key.threshold_invalid', {
            details: `threshold ${threshold} with ${nodes.length} nodes (allowed 2..${nodes.length})`,
          });
        const t0 = performance.now();
        const k = await client.createKey({ type: o.type, threshold, nodes, ...(o.id ? { id: o.id } : {}) });
        const ms = performance.now() - t0;
        emit(
          out,
          {
            id: k.id,
            type: k.type,
            purpose: k.purpose,
            threshold: k.threshold,
            nodes: k.nodes,
            publicKey: k.publicKey,
          },
          () =>
            `created ${k.type} key ${k.id} (${k.threshold} of ${k.nodes.length}: ${k.nodes.join(', ')}) in ${ms.toFixed(0)} ms\npublic key ${k.publicKey}`,
        );
      } catch (e) {
        fail(out, e);
      }
    },
  );
key
  .command('list')
  .description('list keys')
  .option('--json', 'JSON output')
  .addOption(configOpt())
  .action(async (o: { json?: boolean; config?: string }) => {
    const out = { json: Boolean(o.json) };
    try {
      const keys = await clientFrom(o.config).listKeys();
      const view = keys.map((k) => ({
        id: k.id,
        type: k.type,
        threshold: k.threshold,
        nodes: k.nodes,
        publicKey: k.publicKey,
        status: k.status,
        createdAt: k.createdAt,
      }));
      emit(out, view, () =>
        view.length === 0
          ? 'no keys yet: tkms key create --type eddsa-ed25519 --threshold 2'
          : table([
              ['ID', 'TYPE', 'M/N', 'STATUS', 'PUBLIC KEY'],
              ...view.map((k) => [k.id, k.type, `${k.threshold}/${k.nodes.length}`, k.status, k.publicKey]),
            ]),
      );
    } catch (e) {
      fail(out, e);
    }
  });
key
  .command('show <id>')
  .description('public information about a key (checked for agreement across nodes)')
  .option('--json', 'JSON output')
  .addOption(configOpt())
  .action(async (id: string, o: { json?: boolean; config?: string }) => {
    const out = { json: Boolean(o.json) };
    try {
      const k = await clientFrom(o.config).getKey(id);
      const { node: _answeredBy, ...view } = k;
      emit(out, view, () =>
        [
          `key        ${k.id}`,
          `type       ${k.type} (${k.purpose}, version ${k.version})`,
          `threshold  ${k.threshold} of ${k.nodes.length} (${k.nodes.join(', ')})`,
          `status     ${k.status}`,
          `public key ${k.publicKey}`,
          `created    ${k.createdAt}`,
        ].join('\n'),
      );
    } catch (e) {
      fail(out, e);
    }
  });

program
  .command('sign')
  .description(
    'sign with a key (any threshold of its nodes); ECDSA keys sign SHA-256 of the message, or a digest',
  )
  .requiredOption('--key <id>', 'key id')
  .option('--message-hex <hex>', 'message bytes as hex')
  .option('--digest-hex <hex>', 'ECDSA: a 32-byte prehashed digest (e.g. keccak256 for Ethereum)')
  .option('--path <path>', 'ECDSA: sign with the non-hardened BIP32 child key at this path (m/44/60/0/0/7)')
  .option('--nodes <ids>', 'comma-separated signing set (default: first nodes that answer)')
  .option(
    '--taproot [merkle-root-hex]',
    'schnorr-secp256k1: sign under the BIP341 output key (optional 32-byte merkle root)',
  )
  .option('--json', 'JSON output')
  .addOption(configOpt())
  .action(
    async (o: {
      key: string;
      messageHex?: string;
      digestHex?: string;
      path?: string;
      nodes?: string;
      taproot?: string | boolean;
      json?: boolean;
      config?: string;
    }) => {
      const out = { json: Boolean(o.json) };
      try {
        if ((o.messageHex === undefined) === (o.digestHex === undefined))
          throw new TkmsError('request.invalid', { details: 'give --message-hex or --digest-hex' });
        const hexArg = (v: string, what: string, bytes?: number) => {
          const hex = v.toLowerCase().replace(/^0x/, '');
          if (!isHex(hex) || (bytes !== undefined && hex.length !== 2 * bytes))
            throw new TkmsError('request.bad_hex', {
              details: `${what} must be ${bytes !== undefined ? `${bytes} bytes of ` : ''}hex of even length`,
            });
          return hexToBytes(hex);
        };
        let taproot: { merkleRoot: Uint8Array } | undefined;
        if (o.taproot !== undefined && o.taproot !== false) {
          const root = o.taproot === true ? '' : o.taproot.toLowerCase();
          if (!isHex(root) || (root.length !== 0 && root.length !== 64))
            throw new TkmsError('request.bad_hex', {
              details: '--taproot merkle root must be 32 bytes of hex',
            });
          taproot = { merkleRoot: hexToBytes(root) };
        }
        const client = clientFrom(o.config);
        const t0 = performance.now();
        const r = await client.sign({
          keyId: o.key,
          ...(o.messageHex !== undefined ? { message: hexArg(o.messageHex, '--message-hex') } : {}),
          ...(o.digestHex !== undefined ? { digest: hexArg(o.digestHex, '--digest-hex', 32) } : {}),
          ...(o.path !== undefined ? { path: o.path } : {}),
          ...(o.nodes ? { signers: o.nodes.split(',').map((s) => s.trim()) } : {}),
          ...(taproot ? { taproot } : {}),
        });
        const ms = performance.now() - t0;
        const view = {
          keyId: r.keyId,
          signature: bytesToHex(r.signature),
          ...(r.der ? { der: bytesToHex(r.der), recoveryId: r.recoveryId, publicKey: r.publicKey } : {}),
          ...(o.path !== undefined ? { path: o.path } : {}),
          signers: r.signers,
        };
        emit(
          out,
          view,
          () =>
            `signature ${view.signature}${r.der ? `\nder       ${bytesToHex(r.der)}\nrecovery  ${r.recoveryId}\nkey       ${r.publicKey}` : ''}\nsigners   ${r.signers.join(', ')} (${ms.toFixed(0)} ms, verified)`,
        );
      } catch (e) {
        fail(out, e);
      }
    },
  );

key
  .command('derive')
  .description('ECDSA keys: the public key of a non-hardened BIP32 child (nothing is stored)')
  .requiredOption('--key <id>', 'key id')
  .requiredOption('--path <path>', 'BIP32 path, e.g. m/44/60/0/0/7')
  .option('--json', 'JSON output')
  .addOption(configOpt())
  .action(async (o: { key: string; path: string; json?: boolean; config?: string }) => {
    const out = { json: Boolean(o.json) };
    try {
      const k = await clientFrom(o.config).getKey(o.key);
      if (!k.chainCode)
        throw new TkmsError('key.wrong_purpose', {
          details: `${k.id} is a ${k.type} key without a chain code`,
        });
      const curve = KEY_TYPES[k.type].suite === 'p256' ? 'p256' : 'secp256k1';
      const child = derivePath(hexToBytes(k.groupKey), hexToBytes(k.chainCode), o.path, curve);
      const view = { keyId: k.id, path: o.path, publicKey: bytesToHex(child.publicKey) };
      emit(out, view, () => `${view.path}  ${view.publicKey}`);
    } catch (e) {
      fail(out, e);
    }
  });

key
  .command('pair-setup')
  .description(
    'ECDSA keys: fresh base OTs between two nodes, replacing their 2P-MUL states (after sign.pair_needs_setup)',
  )
  .requiredOption('--key <id>', 'key id')
  .requiredOption('--nodes <a,b>', 'the two nodes, e.g. node-1,node-3')
  .option('--json', 'JSON output')
  .addOption(configOpt())
  .action(async (o: { key: string; nodes: string; json?: boolean; config?: string }) => {
    const out = { json: Boolean(o.json) };
    try {
      const nodes = o.nodes.split(',').map((x) => x.trim());
      if (nodes.length !== 2 || !nodes[0] || !nodes[1])
        throw new TkmsError('request.invalid', {
          details: '--nodes takes exactly two node ids, e.g. node-1,node-3',
        });
      if (!out.json) process.stderr.write(`running fresh base OTs between ${nodes.join(' and ')}…\n`);
      const t0 = performance.now();
      const r = await clientFrom(o.config).setupPair({ keyId: o.key, nodes: [nodes[0], nodes[1]] });
      const view = { ...r, ms: Math.round(performance.now() - t0) };
      emit(
        out,
        view,
        () => `${r.nodes.join(' ↔ ')}: 2P-MUL states replaced (${view.ms} ms); the pair can sign again`,
      );
    } catch (e) {
      fail(out, e);
    }
  });

registerPrivacyCommands(program);

program
  .command('status')
  .description('health of every configured node')
  .option('--json', 'JSON output')
  .addOption(configOpt())
  .action(async (o: { json?: boolean; config?: string }) => {
    const out = { json: Boolean(o.json) };
    try {
      const h = await clientFrom(o.config).health();
      emit(out, h, () =>
        table([
          ['NODE', 'STATE', 'MS'],
          ...h.map((x) => [x.id, x.ok ? 'up' : `down (${x.error})`, x.ms.toFixed(1)]),
        ]),
      );
    } catch (e) {
      fail(out, e);
    }
  });

await program.parseAsync(process.argv);
