/**
 * `tkms derive`, `tkms encrypt`, `tkms decrypt`: data keys, field-level encryption of JSON
 * documents (OPRF keys) and threshold decryption (ecies-p256 keys). Input comes on stdin, results
 * on stdout; what could not be opened is reported on stderr, each node's reason included.
 */
import { readFileSync } from 'node:fs';
import { bytesToHex, hexToBytes, isHex, type KeyInfo, TkmsError } from '@tkms/core';
import type { TkmsClient } from '@tkms/sdk';
import { type Command, Option } from 'commander';
import { clientFrom } from './client-config.ts';
import { emit, fail } from './output.ts';

const configOpt = () =>
  new Option('--config <file>', 'client config (default $TKMS_CONFIG or .tkms/client.json)');

function readStdin(): Buffer {
  try {
    return readFileSync(0);
  } catch {
    return Buffer.alloc(0);
  }
}

function readJsonStdin(what: string): unknown {
  const text = readStdin().toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new TkmsError('request.invalid', { details: `stdin is not JSON (expected ${what})` });
  }
}

async function keyOf(client: TkmsClient, id: string): Promise<KeyInfo> {
  return client.getKey(id);
}

export function registerPrivacyCommands(program: Command): void {
  program
    .command('derive')
    .description('derive per-object data keys with an OPRF key (each node checks its own policy)')
    .requiredOption('--key <id>', 'key id (type oprf-ristretto255 or oprf-p256)')
    .option(
      '--object <path>',
      'object path, e.g. contracts/4711/fields/ssn (repeat for a batch)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--objects-file <file>', 'object paths, one per line (a batch)')
    .option('--oblivious', 'blind the objects so nodes never learn them (needs a whole-key grant)')
    .option('--json', 'JSON output')
    .addOption(configOpt())
    .action(
      async (o: {
        key: string;
        object: string[];
        objectsFile?: string;
        oblivious?: boolean;
        json?: boolean;
        config?: string;
      }) => {
        const out = { json: Boolean(o.json) };
        try {
          const objects = [
            ...o.object,
            ...(o.objectsFile
              ? readFileSync(o.objectsFile, 'utf8')
                  .split('\n')
                  .map((s) => s.trim())
                  .filter(Boolean)
              : []),
          ];
          if (objects.length === 0)
            throw new TkmsError('request.invalid', { details: 'give --object <path> or --objects-file' });
          const client = clientFrom(o.config);
          const t0 = performance.now();
          const results = await client.deriveDataKeys({
            keyId: o.key,
            objects,
            ...(o.oblivious ? { oblivious: true } : {}),
            // Large batches go out 1000 at a time: show progress on stderr (stdout stays clean).
            ...(objects.length > 1000 && process.stderr.isTTY
              ? {
                  onProgress: (done: number, total: number) =>
                    process.stderr.write(`\r${done} / ${total} data keys${done === total ? '\n' : ''}`),
                }
              : {}),
          });
          const ms = performance.now() - t0;
          const view = results.map((r) =>
            'dataKey' in r
              ? { keyId: o.key, object: r.object, version: r.version, dataKey: bytesToHex(r.dataKey) }
              : { keyId: o.key, object: r.object, error: { code: r.code, message: r.reason } },
          );
          const refused = results.filter((r) => !('dataKey' in r));
          if (objects.length === 1 && refused.length === 1) {
            const r = refused[0] as { code: string; reason: string };
            throw new TkmsError('access.refused', { details: r.reason });
          }
          emit(out, objects.length === 1 ? view[0] : view, () =>
            [
              ...view.map((v) =>
                'dataKey' in v
                  ? `${v.object}  v${v.version}  ${v.dataKey}`
                  : `${v.object}  REFUSED: ${v.error.message}`,
              ),
              `${results.length - refused.length} of ${results.length} data keys in ${ms.toFixed(0)} ms`,
            ].join('\n'),
          );
          if (refused.length) process.exitCode = 1;
        } catch (e) {
          fail(out, e);
        }
      },
    );

  program
    .command('encrypt')
    .description(
      'OPRF key: seal the --fields of the JSON document on stdin; ecies-p256 key: encrypt stdin to the key',
    )
    .requiredOption('--key <id>', 'key id')
    .option('--object <path>', 'OPRF keys: the document object path, e.g. contracts/4711')
    .option('--fields <list>', 'OPRF keys: comma-separated fields to seal (dotted paths for nested ones)')
    .option('--label <path>', 'ecies-p256 keys: label (an object path) the ciphertext is bound to')
    .option('--json', 'JSON output')
    .addOption(configOpt())
    .action(
      async (o: {
        key: string;
        object?: string;
        fields?: string;
        label?: string;
        json?: boolean;
        config?: string;
      }) => {
        const out = { json: Boolean(o.json) };
        try {
          const client = clientFrom(o.config);
          const key = await keyOf(client, o.key);
          if (key.purpose === 'derive') {
            if (!o.object || !o.fields)
              throw new TkmsError('request.invalid', {
                details: 'an OPRF key seals fields: give --object <path> and --fields a,b',
              });
            const doc = readJsonStdin('a JSON document');
            if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
              throw new TkmsError('fields.invalid', { details: 'the document must be a JSON object' });
            const fields = o.fields
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean);
            const sealed = await client.encryptFields(doc as Parameters<TkmsClient['encryptFields']>[0], {
              keyId: key.id,
              object: o.object,
              fields,
            });
            // A sealed document is JSON either way.
            process.stdout.write(`${JSON.stringify(sealed, null, o.json ? 2 : 0)}\n`);
            return;
          }
          if (key.purpose === 'decrypt') {
            const r = await client.encrypt({ keyId: key.id, plaintext: readStdin(), label: o.label ?? '' });
            emit(out, { keyId: r.keyId, label: r.label, ciphertext: bytesToHex(r.ciphertext) }, () =>
              JSON.stringify({ keyId: r.keyId, label: r.label, ciphertext: bytesToHex(r.ciphertext) }),
            );
            return;
          }
          throw new TkmsError('key.wrong_purpose', { details: `${key.id} is a ${key.type} key; it signs` });
        } catch (e) {
          fail(out, e);
        }
      },
    );

  program
    .command('decrypt')
    .description(
      'OPRF key: open the sealed JSON document on stdin (fields you may read); ecies-p256 key: decrypt the {ciphertext} on stdin',
    )
    .requiredOption('--key <id>', 'key id')
    .option('--json', 'JSON output')
    .addOption(configOpt())
    .action(async (o: { key: string; json?: boolean; config?: string }) => {
      const out = { json: Boolean(o.json) };
      try {
        const client = clientFrom(o.config);
        const key = await keyOf(client, o.key);
        if (key.purpose === 'derive') {
          const r = await client.decryptFields(readJsonStdin('a sealed document'), { keyId: key.id });
          process.stdout.write(`${JSON.stringify(r.document, null, o.json ? 2 : 0)}\n`);
          for (const f of r.refused)
            process.stderr.write(`not opened: ${f.field} (${f.code}): ${f.reason}\n`);
          if (r.refused.length) process.exitCode = 3;
          return;
        }
        if (key.purpose === 'decrypt') {
          const input = readJsonStdin('{"ciphertext": "<hex>"}') as { ciphertext?: unknown };
          const hex = typeof input?.ciphertext === 'string' ? input.ciphertext.toLowerCase() : '';
          if (!isHex(hex) || hex.length === 0)
            throw new TkmsError('request.bad_hex', { details: 'stdin must be {"ciphertext": "<hex>"}' });
          const r = await client.decrypt({ keyId: key.id, ciphertext: hexToBytes(hex) });
          if (o.json)
            emit(
              out,
              { keyId: key.id, label: r.label, plaintext: bytesToHex(r.plaintext), nodes: r.used },
              () => '',
            );
          else process.stdout.write(r.plaintext);
          return;
        }
        throw new TkmsError('key.wrong_purpose', { details: `${key.id} is a ${key.type} key; it signs` });
      } catch (e) {
        fail(out, e);
      }
    });
}
