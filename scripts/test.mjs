#!/usr/bin/env node
// Runs every *.test.ts under packages/*/src (and e2e/ unless --unit) with node's test runner
// through tsx, prints the spec report, then one closing line: "tests: N passed, N failed".
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const filters = args.filter((a) => !a.startsWith('--'));

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const roots = ['packages', 'bench'].concat(unitOnly ? [] : ['e2e']);
let files = roots.flatMap((r) => {
  try {
    return walk(r, []);
  } catch {
    return [];
  }
});
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
files.sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const tap = join(mkdtempSync(join(tmpdir(), 'tkms-test-')), 'report.tap');
const res = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...files,
  ],
  { stdio: 'inherit', env: { ...process.env, TKMS_LOG: process.env.TKMS_LOG ?? 'silent' } },
);
let pass = 0;
let fail = 0;
try {
  const text = readFileSync(tap, 'utf8');
  pass = Number(/^# pass (\d+)/m.exec(text)?.[1] ?? 0);
  fail = Number(/^# fail (\d+)/m.exec(text)?.[1] ?? 0);
} catch {
  fail = Math.max(fail, 1);
}
if (res.status !== 0 && fail === 0) fail = 1;
console.log(`tests: ${pass} passed, ${fail} failed`);
process.exit(fail === 0 && res.status === 0 ? 0 : 1);
