#!/usr/bin/env node
// Enforces the import arrows of docs/ARCHITECTURE.md: core <- node, sdk <- cli (and later portal,
// connectors). core must stay pure: no node:* modules, no timers, Date, Math.random or console.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';

const allowed = {
  core: [],
  node: ['core'],
  sdk: ['core'],
  cli: ['core', 'sdk', 'node'],
};
const CORE_FORBIDDEN = [
  [/from\s+['"]node:/, 'imports a node: module'],
  [/\brequire\(/, 'uses require'],
  [/\b(setTimeout|setInterval|setImmediate)\s*\(/, 'uses a timer'],
  [/\bDate\b/, 'reads the clock (Date)'],
  [/\bperformance\.now\b/, 'reads the clock (performance.now)'],
  [/Math\.random/, 'uses Math.random'],
  [/\bconsole\./, 'uses console'],
  [/\bprocess\./, 'uses process'],
];
const problems = [];
function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.ts') || name.endsWith('.tsx')) out.push(p);
  }
  return out;
}
for (const [pkg, deps] of Object.entries(allowed)) {
  let files = [];
  try {
    files = walk(join('packages', pkg, 'src'), []);
  } catch {
    continue;
  }
  for (const f of files) {
    const src = readFileSync(f, 'utf8');
    const isTest = /\.test\.ts$/.test(f) || f.includes('/testing/');
    for (const m of src.matchAll(/from\s+['"]@tkms\/([a-z-]+)/g)) {
      const target = m[1];
      if (target !== pkg && !deps.includes(target))
        problems.push(`${f}: @tkms/${pkg} may not import @tkms/${target}`);
    }
    for (const m of src.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = resolve(dirname(f), m[1]);
      if (!target.startsWith(resolve('packages', pkg) + sep))
        problems.push(`${f}: relative import leaves @tkms/${pkg} (${m[1]})`);
    }
    if (pkg === 'core' && !isTest) {
      const code = src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
      for (const [re, what] of CORE_FORBIDDEN) if (re.test(code)) problems.push(`${f}: core ${what}`);
    }
  }
}
if (problems.length) {
  console.error(`import-direction check failed:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('import-direction check: ok');
