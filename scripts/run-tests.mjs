#!/usr/bin/env node
// Runs the compiled tests (dist/**/*.test.js) with node's test runner and ends with the line
// "N passed, N failed, N skipped". Usage: node scripts/run-tests.mjs [tier...] [--filter SUBSTR]
// Tiers: unit, integ, e2e, fidelity, parity, reliability (default: all but parity and reliability).
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
const args = process.argv.slice(2);
let filter;
const tiers = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--filter') filter = args[++i];
  else tiers.push(args[i]);
}
const wanted = tiers.length ? tiers : ['unit', 'integ', 'e2e', 'fidelity'];

function tierOf(file) {
  for (const t of ['integ', 'e2e', 'fidelity', 'parity', 'reliability']) if (file.endsWith(`.${t}.test.js`)) return t;
  return 'unit';
}

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const files = walk(dist)
  .filter((f) => wanted.includes(tierOf(f)))
  .filter((f) => !filter || relative(dist, f).includes(filter))
  .sort();
if (files.length === 0) {
  console.log('no test files matched');
  console.log('0 passed, 1 failed');
  process.exit(1);
}

// Unit tests run two at a time; the tiers that start simulated sites run one file at a time,
// because a simulated site binds fixed loopback addresses (127.12.4.50:5000 ...).
const groups = [
  { files: files.filter((f) => tierOf(f) === 'unit'), concurrency: 2 },
  { files: files.filter((f) => tierOf(f) !== 'unit'), concurrency: 1 },
].filter((g) => g.files.length > 0);

function runGroup(g) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--test', '--test-reporter=spec', '--test-reporter-destination=stdout', `--test-concurrency=${g.concurrency}`, ...g.files], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, CAPI_GATE_TEST: '1' },
    });
    // The summary ("ℹ pass N" ...) is followed by the failing tests' details, which can be long:
    // read every line as it streams and keep the last value of each counter.
    const counts = {};
    let partial = '';
    child.stdout.on('data', (d) => {
      process.stdout.write(d);
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^\S*\s*(tests|pass|fail|cancelled|skipped|todo) (\d+)$/.exec(line);
        if (m) counts[m[1]] = Number(m[2]);
      }
    });
    child.on('close', (code) => {
      const num = (label) => counts[label] ?? 0;
      const fail = num('fail') + num('cancelled');
      resolve({ code: code ?? 1, pass: num('pass'), fail: fail === 0 && code !== 0 ? 1 : fail, skipped: num('skipped') + num('todo') });
    });
  });
}

let pass = 0;
let fail = 0;
let skipped = 0;
let exitCode = 0;
for (const g of groups) {
  const r = await runGroup(g);
  pass += r.pass;
  fail += r.fail;
  skipped += r.skipped;
  if (r.code !== 0) exitCode = r.code;
}
console.log(`${pass} passed, ${fail} failed, ${skipped} skipped`);
process.exit(exitCode);
