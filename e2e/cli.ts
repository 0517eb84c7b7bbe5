/**
 * Runs the installed `tkms` bin (what `npx tkms` runs), so the README's command path is what the
 * end-to-end tests exercise, against a cluster's client config.
 */
import { spawnSync } from 'node:child_process';

const cliPath = new URL('../node_modules/.bin/tkms', import.meta.url).pathname;

export type CliResult = { status: number; stdout: string; stderr: string; json: unknown };

export function runCli(clientPath: string, args: string[], input?: string): CliResult {
  const r = spawnSync(process.execPath, [cliPath, ...args], {
    env: { ...process.env, TKMS_CONFIG: clientPath },
    encoding: 'utf8',
    timeout: 120_000,
    ...(input !== undefined ? { input } : {}),
  });
  let json: unknown;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    json = undefined;
  }
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, json };
}
