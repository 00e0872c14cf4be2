#!/usr/bin/env node
// Runs the compiled tests (dist/**/*.test.js) with node's test runner and ends with the line
// "N passed, N failed, N skipped". Usage: node scripts/run-tests.mjs [tier...] [--filter SUBSTR]
// Tiers: unit, integ, e2e, fidelity, reliability, parity (default: all but reliability and parity;
// parity needs the real control plane: bash scripts/real-openstack.sh up --profile full).
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
  for (const t of ['integ', 'e2e', 'fidelity', 'reliability', 'parity']) if (file.endsWith(`.${t}.test.js`)) return t;
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

// Unit tests run two at a time. The other tiers run one file at a time in two lanes side by side:
// the files that drive the real control plane (scripts/real-openstack.sh; mostly waiting on its
// services), and the rest (simulated sites only). A simulated site moves to the next free loopback
// net when its addresses are taken (sim/loopback.ts); the simulated lane starts at net 1
// (CAPI_GATE_SIM_FIRST_NET) because the real data plane (capi-gate sim --openstack real) must
// have net 0, where real Neutron's floating IPs map. CAPI_GATE_TEST_LANES=1 runs one lane.
// The real lane's output is printed as a whole when it ends, so the two do not interleave.
const REAL_LANE = (f) => tierOf(f) === 'parity' || relative(dist, f).startsWith('test/real/') || relative(dist, f) === 'test/keystone-contract.fidelity.test.js';
const rest = files.filter((f) => tierOf(f) !== 'unit');
const simLane = rest.filter((f) => !REAL_LANE(f));
const realLane = rest.filter(REAL_LANE);
const lanes =
  process.env.CAPI_GATE_TEST_LANES === '1' || simLane.length === 0 || realLane.length === 0
    ? [{ files: rest, concurrency: 1, needsReal: realLane.length > 0 }]
    : [
        { files: simLane, concurrency: 1, env: { CAPI_GATE_SIM_FIRST_NET: '1' } },
        { files: realLane, concurrency: 1, needsReal: true, buffered: true, label: 'real control plane lane' },
      ];
// Steps run one after the other; the groups of a step side by side.
const groups = [[{ files: files.filter((f) => tierOf(f) === 'unit'), concurrency: 2 }], lanes].map((step) => step.filter((g) => g.files.length > 0)).filter((step) => step.length > 0);

// scripts/test.sh started the real control plane in the background (CAPI_GATE_REAL_ENSURE=full):
// the real lane waits for it (the script's own lock makes this ensure wait for that one, then
// find it healthy). A failure is said here; the real lane's tests then fail with their reasons.
function ensureReal() {
  const profile = process.env.CAPI_GATE_REAL_ENSURE;
  if (!profile) return Promise.resolve();
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn('bash', [join(root, 'scripts', 'real-openstack.sh'), 'ensure', '--profile', profile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err = (err + d.toString()).slice(-4000)));
    child.on('close', (code) => {
      const s = Math.round((Date.now() - t0) / 1000);
      if (code === 0) console.log(`# the real control plane (${profile}) is up; the real lane waited ${s} s for it`);
      else console.log(`# the real control plane (${profile}) did not come up (exit ${code}; log: ${process.env.CAPI_GATE_REAL_ENSURE_LOG ?? 'above'}):\n${err.split('\n').slice(-15).join('\n')}`);
      resolve();
    });
  });
}

async function runGroup(g) {
  if (g.needsReal) await ensureReal();
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, ['--test', '--test-reporter=spec', '--test-reporter-destination=stdout', `--test-concurrency=${g.concurrency}`, ...g.files], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, CAPI_GATE_TEST: '1', ...(g.env ?? {}) },
    });
    // The summary ("ℹ pass N" ...) is followed by the failing tests' details, which can be long:
    // read every line as it streams and keep the last value of each counter.
    const counts = {};
    let partial = '';
    const held = [];
    child.stdout.on('data', (d) => {
      if (g.buffered) held.push(d);
      else process.stdout.write(d);
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
      resolve({ code: code ?? 1, pass: num('pass'), fail: fail === 0 && code !== 0 ? 1 : fail, skipped: num('skipped') + num('todo'), held, label: g.label, seconds: Math.round((Date.now() - t0) / 1000) });
    });
  });
}

let pass = 0;
let fail = 0;
let skipped = 0;
let exitCode = 0;
for (const step of groups) {
  const results = await Promise.all(step.map(runGroup));
  for (const r of results) {
    if (r.held.length) {
      console.log(`\n# ${r.label}: ${r.pass} passed, ${r.fail} failed in ${r.seconds} s (its output, held until it ended)`);
      for (const d of r.held) process.stdout.write(d);
    }
    if (step.length > 1) console.log(`# lane${r.label ? ` ${r.label}` : ''}: ${r.seconds} s`);
    pass += r.pass;
    fail += r.fail;
    skipped += r.skipped;
    if (r.code !== 0) exitCode = r.code;
  }
}
console.log(`${pass} passed, ${fail} failed, ${skipped} skipped`);
process.exit(exitCode);
