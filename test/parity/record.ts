// Records the inventory of OpenStack operations capi-gate sends (test/parity/operations.json):
// starts the simulated site, runs capi-gate against it as an operator would -- a whole run, and
// the runs, doctor and cleanup of the scenarios whose playbooks reach other APIs (stuck-delete,
// mgmt-vm-oom, api-lb-error) -- with record-preload.js loaded into each capi-gate process, and
// reduces what was sent to operation shapes. The simulator's request log names the service of
// each origin. Run it (built) under the simulator lock:
//   flock /tmp/capi-gate-sim.lock node dist/test/parity/record.js [--only default,stuck-delete,...]

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, REPO_ROOT } from '../helpers.js';
import { startSimProcess } from '../sim-process.js';
import type { SimProcess } from '../sim-process.js';
import { mergeShapes, operationKey, pathShape, queryKeys } from './shapes.js';
import type { Shape } from './shapes.js';
import { OPERATIONS_FILE } from './inventory.js';
import type { Inventory, Operation } from './inventory.js';

interface Recorded {
  readonly method: string;
  readonly origin: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: Shape;
}

interface Run {
  readonly name: string;
  readonly scenario?: string;
  /** capi-gate argument lists, run one after the other ({site} and {runs} substituted). */
  readonly commands: readonly (readonly string[])[];
}

const RUNS: readonly Run[] = [
  { name: 'default', commands: [['run', '--site', '{site}', '--runs-dir', '{runs}']] },
  { name: 'fresh-deploy', scenario: 'fresh-deploy', commands: [['run', '--site', '{site}', '--runs-dir', '{runs}', '--only', '8.0.prereqs,8.0.stage-and-verify,8.0.image,8.0.template']] },
  { name: 'image-no-props', scenario: 'image-no-props', commands: [['doctor', '--site', '{site}']] },
  { name: 'small-pages', scenario: 'small-pages', commands: [['run', '--site', '{site}', '--runs-dir', '{runs}']] },
  {
    name: 'stuck-delete',
    scenario: 'stuck-delete',
    commands: [
      ['run', '--site', '{site}', '--runs-dir', '{runs}', '--only', '8.0.prereqs,8.0.image,8.0.template,8.1,8.2'],
      ['doctor', '--site', '{site}'],
      ['cleanup', '--site', '{site}', '--yes'],
      ['cleanup', '--site', '{site}', '--yes', '--remediate'],
    ],
  },
  { name: 'mgmt-vm-oom', scenario: 'mgmt-vm-oom', commands: [['run', '--site', '{site}', '--runs-dir', '{runs}', '--remediate']] },
  { name: 'api-lb-error', scenario: 'api-lb-error', commands: [['run', '--site', '{site}', '--runs-dir', '{runs}', '--remediate']] },
];

function capiGate(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

interface SimLogEntry {
  readonly service: string;
  readonly method: string;
  readonly path: string;
}

async function simLog(sim: SimProcess): Promise<SimLogEntry[]> {
  const r = (await (await fetch(`${sim.control}/_sim/requests`)).json()) as { requests: SimLogEntry[] };
  return r.requests;
}

/** The service behind each origin, from the simulator's own log of what it answered. */
function servicesByOrigin(recorded: readonly Recorded[], log: readonly SimLogEntry[]): Map<string, string> {
  const byRequest = new Map<string, string>();
  for (const e of log) byRequest.set(`${e.method} ${e.path}`, e.service);
  const out = new Map<string, string>();
  for (const r of recorded) {
    const s = byRequest.get(`${r.method} ${decodeURIComponent(r.path)}`) ?? byRequest.get(`${r.method} ${r.path}`);
    if (s && !out.has(r.origin)) out.set(r.origin, s);
  }
  return out;
}

const OPENSTACK = new Set(['keystone', 'glance', 'magnum', 'octavia', 'nova', 'neutron']);

async function record(run: Run, work: string, timeScale: string): Promise<{ recorded: Recorded[]; services: Map<string, string> }> {
  const file = join(work, `${run.name}.jsonl`);
  const sim = await startSimProcess(join(work, `${run.name}-sim`), ['--time-scale', timeScale, ...(run.scenario ? ['--scenario', run.scenario] : [])]);
  try {
    const env = { ...sim.env, CAPI_GATE_PARITY_RECORD: file, NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} --import ${join(REPO_ROOT, 'dist', 'test', 'parity', 'record-preload.js')}`.trim() };
    for (const args of run.commands) {
      const a = args.map((x) => x.replace('{site}', sim.site).replace('{runs}', join(work, `${run.name}-runs`)));
      const t0 = Date.now();
      const r = await capiGate(a, env, 600_000);
      process.stderr.write(`${run.name}: capi-gate ${a.slice(0, 1).join(' ')} ${a.includes('--remediate') ? '--remediate ' : ''}exit ${r.code} in ${((Date.now() - t0) / 1000).toFixed(0)} s${/^Verdict: .*/m.exec(r.out)?.[0] ? ` (${/^Verdict: .*/m.exec(r.out)?.[0]})` : ''}\n`);
      // A usage error or a kill sent nothing worth recording: the inventory would silently shrink.
      if (r.code === null || r.code === 2) throw new Error(`${run.name}: capi-gate ${a.join(' ')} ended ${r.code === null ? 'killed' : 'with a usage error (exit 2)'}; the recording is not kept:\n${r.out}`);
    }
    const recorded = existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Recorded) : [];
    return { recorded, services: servicesByOrigin(recorded, await simLog(sim)) };
  } finally {
    await sim.stop();
  }
}

function addTo(ops: Map<string, Operation>, service: string, r: Recorded, run: string): void {
  const key = operationKey(service, r.method, r.path);
  const old = ops.get(key);
  const headers = Object.fromEntries(Object.entries(r.headers).filter(([k]) => k !== 'x-auth-token'));
  const op: Operation = {
    key,
    service,
    method: r.method,
    path: pathShape(r.path),
    query: queryKeys(r.path),
    headers: { ...old?.headers, ...headers },
    token: r.headers['x-auth-token'] !== undefined,
    ...(r.body !== undefined || old?.body !== undefined ? { body: old?.body !== undefined && r.body !== undefined ? mergeShapes(old.body, r.body) : (r.body ?? old?.body) as Shape } : {}),
    seenIn: [...new Set([...(old?.seenIn ?? []), run])].sort(),
  };
  if (old) op.query.splice(0, op.query.length, ...new Set([...old.query, ...op.query].sort()));
  ops.set(key, op);
}

async function main(): Promise<void> {
  const only = (() => {
    const i = process.argv.indexOf('--only');
    return i > 0 ? new Set((process.argv[i + 1] ?? '').split(',')) : undefined;
  })();
  const timeScale = process.env['CAPI_GATE_PARITY_TIME_SCALE'] ?? '0.01';
  const work = mkdtempSync(join(tmpdir(), 'capi-gate-parity-record-'));
  const old: Inventory | undefined = existsSync(OPERATIONS_FILE) ? (JSON.parse(readFileSync(OPERATIONS_FILE, 'utf8')) as Inventory) : undefined;
  const ops = new Map<string, Operation>();
  // A partial recording (--only) keeps what the other runs found last time.
  if (old && only) {
    for (const o of old.operations) {
      const seenIn = o.seenIn.filter((r) => !only.has(r));
      if (seenIn.length) ops.set(o.key, { ...o, query: [...o.query], seenIn });
    }
  }
  try {
    for (const run of RUNS) {
      if (only && !only.has(run.name)) continue;
      const { recorded, services } = await record(run, work, timeScale);
      for (const r of recorded) {
        const service = services.get(r.origin);
        if (!service || !OPENSTACK.has(service)) continue;
        addTo(ops, service, r, run.name);
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const operations = [...ops.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const inv: Inventory = {
    generatedBy: 'node dist/test/parity/record.js (under flock /tmp/capi-gate-sim.lock)',
    runs: RUNS.map((r) => ({ name: r.name, ...(r.scenario ? { scenario: r.scenario } : {}), commands: r.commands.map((c) => `capi-gate ${c.join(' ')}`) })),
    operations,
  };
  writeFileSync(OPERATIONS_FILE, `${JSON.stringify(inv, null, 2)}\n`);
  process.stderr.write(`${operations.length} operations written to ${OPERATIONS_FILE}\n`);
}

await main();
