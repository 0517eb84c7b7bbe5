#!/usr/bin/env node
/** `tkms-node --config <file>`: run one node in the foreground until SIGINT/SIGTERM. */
import { parseArgs } from 'node:util';
import { TkmsError } from '@tkms/core';
import { startNode } from './node.ts';

const { values } = parseArgs({ options: { config: { type: 'string', short: 'c' } } });
const path = values.config ?? process.env.TKMS_NODE_CONFIG;
if (!path) {
  process.stderr.write('usage: tkms-node --config <node config.json>\n');
  process.exit(2);
}
try {
  const node = await startNode(path);
  const stop = async () => {
    await node.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (e) {
  process.stderr.write(
    `tkms-node: ${e instanceof TkmsError ? `(${e.code}) ` : ''}${e instanceof Error ? e.message : String(e)}\n`,
  );
  process.exit(1);
}
