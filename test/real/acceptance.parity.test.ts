// One full acceptance on the real control plane (issue 16): `capi-gate sim --openstack real`
// serves only the data plane, `capi-gate run` drives the real Keystone, Glance, Magnum, Nova,
// Neutron and Octavia (scripts/real-openstack.sh --profile full) and must end FUNCTIONALLY
// ACCEPTED (D-011.7 OUTSTANDING without Snapshot 2, D-011.8 DEFERRED). Afterwards the REAL
// openstack CLI must find no load balancer, floating IP, port, server, network or router the run
// made; the services' own logs hold the requests; the simulator served none.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from '../helpers.js';
import { controlPlaneAvailability, controlPlaneTestOptions, needControlPlane } from './control-plane.js';
import type { RealControlPlane } from './control-plane.js';

const availability = await controlPlaneAvailability();
const opts = controlPlaneTestOptions(availability);

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

const cliEnv = (cp: RealControlPlane): NodeJS.ProcessEnv => ({ PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: process.env['HOME'] ?? '/root', OS_CLIENT_CONFIG_FILE: cp.cloudsFile, no_proxy: '127.0.0.1', NO_PROXY: '127.0.0.1' });

/** What the real openstack CLI lists in the tenant project: type -> id -> name. */
async function inventory(cp: RealControlPlane): Promise<Record<string, Map<string, string>>> {
  const p = cp.tenant.projectId;
  const lists: Record<string, string[]> = {
    loadbalancer: ['loadbalancer', 'list', '--project', p, '-f', 'json', '-c', 'id', '-c', 'name'],
    'floating ip': ['floating', 'ip', 'list', '--project', p, '-f', 'json', '-c', 'ID', '-c', 'Floating IP Address'],
    port: ['port', 'list', '--project', p, '-f', 'json', '-c', 'ID', '-c', 'Name'],
    server: ['server', 'list', '--all-projects', '--project', p, '-f', 'json', '-c', 'ID', '-c', 'Name'],
    network: ['network', 'list', '--project', p, '-f', 'json', '-c', 'ID', '-c', 'Name'],
    router: ['router', 'list', '--project', p, '-f', 'json', '-c', 'ID', '-c', 'Name'],
  };
  const out: Record<string, Map<string, string>> = {};
  await Promise.all(Object.entries(lists).map(async ([type, args]) => {
    const r = await run('/usr/bin/openstack', ['--os-cloud', 'real-admin', ...args], cliEnv(cp), 120_000);
    assert.equal(r.code, 0, `openstack ${args.join(' ')}: ${r.err}`);
    const rows = JSON.parse(r.out || '[]') as Record<string, string>[];
    out[type] = new Map(rows.map((row) => [row['id'] ?? row['ID'] ?? '', row['name'] ?? row['Name'] ?? row['Floating IP Address'] ?? '']));
  }));
  return out;
}

function logSizes(dir: string): Map<string, number> {
  return new Map(readdirSync(dir).filter((f) => f.endsWith('.log')).map((f) => [f, statSync(join(dir, f)).size]));
}

/** What each service log gained since `before`. */
function logGrowth(dir: string, before: Map<string, number>): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.log'))) {
    const buf = readFileSync(join(dir, f));
    out.set(f, buf.subarray(Math.min(before.get(f) ?? 0, buf.length)).toString('utf8'));
  }
  return out;
}

async function startRealSim(cp: RealControlPlane, dir: string, extra: string[] = []): Promise<{ child: ChildProcess; out: () => string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [BIN, 'sim', '--openstack', 'real', '--real-clouds', cp.cloudsFile, ...extra, '--out', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sim --openstack real not ready in 60 s: ${out}`)), 60_000);
    const check = () => {
      if (/^ready$/m.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sim --openstack real exited ${code}: ${out}`));
    });
  });
  return {
    child,
    out: () => out,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

test('capi-gate run on the real control plane with the simulated data plane: FUNCTIONALLY ACCEPTED, nothing left behind', { ...opts, timeout: 1_200_000 }, async () => {
  const cp = needControlPlane(availability);
  const dir = mkdtempSync(join(tmpdir(), 'capi-gate-real-accept-'));
  const before = await inventory(cp);
  const logsBefore = logSizes(cp.logs);
  const sim = await startRealSim(cp, dir);
  let report: { verdict: string; items: { id: string; status: string; summary: string }[]; captured: Record<string, string> };
  const t0 = Date.now();
  try {
    const r = await run(process.execPath, [BIN, '--runs-dir', join(dir, 'runs'), 'run', '--site', join(dir, 'site.yaml'), '--plain'], { ...process.env, NO_COLOR: '1' }, 1_000_000);
    const runDir = readdirSync(join(dir, 'runs')).map((d) => join(dir, 'runs', d)).find((d) => statSync(d).isDirectory() && readdirSync(d).includes('report.json'));
    assert.ok(runDir, `no report: exit ${r.code}\n${r.out.slice(-3000)}\n${r.err.slice(-2000)}`);
    report = JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')) as typeof report;
    const status = Object.fromEntries(report.items.map((i) => [i.id, i.status]));
    assert.equal(report.verdict, 'FUNCTIONALLY ACCEPTED', `${JSON.stringify(status)}\n${r.out.slice(-4000)}`);
    assert.equal(r.code, 0);
    assert.equal(status['D-011.7'], 'OUTSTANDING');
    assert.equal(status['D-011.8'], 'DEFERRED');
    for (const id of ['8.0.prereqs', '8.0.image', '8.0.template', '8.1', '8.2', '8.3', 'D-011.1', 'D-011.2', 'D-011.3', 'D-011.4', 'D-011.5', 'D-011.6', '8.5']) assert.equal(status[id], 'PASS', `${id}: ${report.items.find((i) => i.id === id)?.summary ?? ''}`);
    // The API address is the loopback mapping of the REAL floating IP of the REAL API LB.
    const fip = report.captured['api_fip'] ?? '';
    assert.match(fip, /^10\.12\.7\.\d+$/);
    assert.equal(report.captured['api_address'], `https://${fip.replace(/^10\./, '127.')}:6443`);
  } finally {
    await sim.stop();
  }
  const seconds = Math.round((Date.now() - t0) / 1000);
  process.stdout.write(`# the real-control-plane acceptance took ${seconds} s\n`);

  // The simulator served no OpenStack request; the real services' logs hold the run's.
  const served = JSON.parse(readFileSync(join(dir, 'requests.json'), 'utf8')) as { openstack: number; management: number; workload: Record<string, number>; outboundByService: Record<string, number> };
  assert.equal(served.openstack, 0);
  assert.ok(served.management > 0, 'the real Magnum driver wrote into the simulated management cluster');
  assert.ok(Object.values(served.workload).some((n) => n > 0), 'capi-gate talked to the simulated workload API');
  for (const s of ['network', 'compute', 'load-balancer']) assert.ok((served.outboundByService[s] ?? 0) > 0, `the simulated CAPO/CCM called the real ${s} service`);
  const grown = logGrowth(cp.logs, logsBefore);
  const has = (file: string, re: RegExp) => assert.match(grown.get(file) ?? '', re, `${file} shows ${re}`);
  has('magnum-api-uwsgi.log', /POST \/v1\/clusters/);
  has('magnum-api-uwsgi.log', /DELETE \/v1\/clusters\//);
  has('neutron-server.log', /"POST \/v2\.0\/floatingips HTTP\/1\.1" status: 201/);
  has('neutron-server.log', /"POST \/v2\.0\/routers HTTP\/1\.1" status: 201/);
  has('octavia-api-uwsgi.log', /POST \/v2\/lbaas\/loadbalancers =>.*HTTP\/1\.1 201/);
  has('octavia-api-uwsgi.log', /PUT \/v2(\.0)?\/lbaas\/loadbalancers\/[0-9a-f-]+\/failover/);
  has('nova-api-uwsgi.log', /POST \/v2\.1\/servers/);

  // No leftover of the cluster, by the real openstack CLI: every LB, FIP, port, server, network
  // and router of the project is one that was there before the run.
  const after = await inventory(cp);
  for (const [type, now] of Object.entries(after)) {
    const extra = [...now.entries()].filter(([id]) => !before[type]?.has(id));
    assert.deepEqual(extra, [], `${type} left behind in the real services`);
  }
  const stack = report.captured['capi_suffix'] ?? '';
  assert.ok(stack.length > 0);
  for (const [type, now] of Object.entries(after)) for (const name of now.values()) assert.ok(!name.includes(stack) && !name.startsWith('kube_service_'), `${type} ${name}`);
});

function journal(runs: string): { t: string; step?: string; outcome?: { status: string }; verdict?: string; exitCode?: number; interrupted?: boolean }[] {
  if (!existsSync(runs)) return [];
  const id = readdirSync(runs).filter((d) => existsSync(join(runs, d, 'journal.jsonl'))).sort().pop();
  if (!id) return [];
  return readFileSync(join(runs, id, 'journal.jsonl'), 'utf8').split('\n').filter((l) => l.trim()).flatMap((l) => {
    try {
      return [JSON.parse(l) as { t: string; step?: string; outcome?: { status: string }; verdict?: string; exitCode?: number; interrupted?: boolean }];
    } catch {
      return [];
    }
  });
}

test('kill -9 of capi-gate run during the real create, then --resume: one cluster in real Magnum, one API LB in real Octavia, the same verdict', { ...opts, timeout: 1_200_000 }, async () => {
  const cp = needControlPlane(availability);
  const dir = mkdtempSync(join(tmpdir(), 'capi-gate-real-kill-'));
  const runs = join(dir, 'runs');
  const before = await inventory(cp);
  const logsBefore = logSizes(cp.logs);
  const sim = await startRealSim(cp, dir);
  const args = ['--runs-dir', runs, 'run', '--site', join(dir, 'site.yaml'), '--plain'];
  try {
    // The first run is killed once 8.1 has sent the create and 8.2 watches it converge.
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    let killedAt = '';
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const ended8_1 = journal(runs).some((r) => r.t === 'step-end' && r.step === '8.1');
        if (ended8_1 && /8\.2 waiting for cluster/.test(out) && !killedAt) {
          killedAt = out.split('\n').filter(Boolean).pop() ?? '';
          child.kill('SIGKILL');
        }
      }, 50);
      child.once('exit', () => {
        clearInterval(timer);
        resolve();
      });
    });
    assert.ok(killedAt, `the run ended before it could be killed in the create:\n${out.slice(-2000)}`);
    assert.equal(journal(runs).some((r) => r.t === 'run-end' && !r.interrupted), false, 'the killed run has no end');

    const resumed = await run(process.execPath, [BIN, '--runs-dir', runs, 'run', '--resume', '--site', join(dir, 'site.yaml'), '--plain'], { ...process.env, NO_COLOR: '1' }, 1_000_000);
    const records = journal(runs);
    const end = records.filter((r) => r.t === 'run-end' && !r.interrupted).pop();
    const status: Record<string, string> = {};
    for (const r of records) if (r.t === 'step-end' && r.step && r.outcome) status[r.step] = r.outcome.status;
    assert.equal(end?.verdict, 'FUNCTIONALLY ACCEPTED', `${JSON.stringify(status)}\n${resumed.out.slice(-3000)}`);
    assert.equal(resumed.code, 0);
    for (const id of ['8.0.prereqs', '8.0.image', '8.0.template', '8.1', '8.2', '8.3', 'D-011.1', 'D-011.2', 'D-011.3', 'D-011.4', 'D-011.5', 'D-011.6', '8.5']) assert.equal(status[id], 'PASS', id);
    assert.equal(status['D-011.7'], 'OUTSTANDING');
    assert.equal(status['D-011.8'], 'DEFERRED');
  } finally {
    await sim.stop();
  }
  // Exactly one cluster create reached real Magnum (and its driver); exactly two load balancers
  // were made in real Octavia: the cluster's API LB and D-011.4's Service LB.
  const grown = logGrowth(cp.logs, logsBefore);
  const count = (file: string, re: RegExp) => (grown.get(file) ?? '').split('\n').filter((l) => re.test(l)).length;
  assert.equal(count('magnum-api-uwsgi.log', /POST \/v1\/clusters /), 1, 'one cluster create');
  assert.equal(count('magnum-driver-calls.log', /"call": "create_cluster"/), 1, 'one create_cluster in the driver');
  assert.equal(count('magnum-driver-calls.log', /"call": "capi_objects_written"/), 1, 'one set of CAPI objects');
  assert.equal(count('octavia-api-uwsgi.log', /POST \/v2\/lbaas\/loadbalancers =>.*HTTP\/1\.1 201/), 2, 'the API LB and the rr Service LB');
  const after = await inventory(cp);
  for (const [type, now] of Object.entries(after)) {
    const extra = [...now.entries()].filter(([id]) => !before[type]?.has(id));
    assert.deepEqual(extra, [], `${type} left behind in the real services`);
  }
});

interface Outcome {
  readonly verdict: string;
  readonly status: Record<string, string>;
  /** step: playbook, for every remediation carried out */
  readonly remedies: string[];
  readonly out: string;
}

function reportOf(runs: string, out: string): Outcome {
  const runDir = readdirSync(runs).map((d) => join(runs, d)).find((d) => statSync(d).isDirectory() && existsSync(join(d, 'report.json')));
  assert.ok(runDir, `no report in ${runs}:\n${out.slice(-3000)}`);
  const r = JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')) as { verdict: string; items: { id: string; status: string }[]; remediations: { playbook: string; step: string; ok: boolean }[] };
  return {
    verdict: r.verdict, out,
    status: Object.fromEntries(r.items.map((i) => [i.id, i.status])),
    remedies: [...new Set(r.remediations.filter((x) => x.ok).map((x) => `${x.step}: ${x.playbook}`))].sort(),
  };
}

/** The same scenario on the pure simulator (`capi-gate demo`), the reference for the real one. */
async function pureSim(scenario: string, dir: string): Promise<Outcome> {
  const runs = join(dir, `pure-${scenario}`);
  const r = await run(process.execPath, [BIN, '--runs-dir', runs, 'demo', '--scenario', scenario, '--remediate', '--plain'], { ...process.env, NO_COLOR: '1' }, 600_000);
  return reportOf(runs, r.out + r.err);
}

async function realScenario(cp: RealControlPlane, scenario: string, dir: string): Promise<Outcome> {
  const simDir = join(dir, `real-${scenario}`);
  const sim = await startRealSim(cp, simDir, ['--scenario', scenario]);
  try {
    const r = await run(process.execPath, [BIN, '--runs-dir', join(simDir, 'runs'), 'run', '--site', join(simDir, 'site.yaml'), '--remediate', '--plain'], { ...process.env, NO_COLOR: '1' }, 1_000_000);
    assert.match(sim.out(), /made in the real services/);
    return reportOf(join(simDir, 'runs'), r.out + r.err);
  } finally {
    await sim.stop();
    // A run that did not remedy mgmt-vm-oom leaves the shared mgmt VM stopped: start it again.
    const vm = await run('/usr/bin/openstack', ['--os-cloud', 'real-tenant', 'server', 'show', cp.seed.mgmtVm.id, '-f', 'value', '-c', 'status'], cliEnv(cp), 60_000);
    if (vm.out.trim() === 'SHUTOFF') await run('/usr/bin/openstack', ['--os-cloud', 'real-tenant', 'server', 'start', cp.seed.mgmtVm.id], cliEnv(cp), 60_000);
  }
}

for (const scenario of ['api-lb-error', 'mgmt-vm-oom']) {
  test(`real fault ${scenario}, made in the real services: --remediate recovers it with the items and diagnoses of the pure simulator`, { ...opts, timeout: 1_500_000 }, async () => {
    const cp = needControlPlane(availability);
    const dir = mkdtempSync(join(tmpdir(), `capi-gate-real-${scenario}-`));
    const before = await inventory(cp);
    const want = await pureSim(scenario, dir);
    assert.equal(want.verdict, 'FUNCTIONALLY ACCEPTED', want.out.slice(-2000));
    assert.ok(want.remedies.length > 0, 'the pure simulator remedied something');
    const got = await realScenario(cp, scenario, dir);
    assert.equal(got.verdict, want.verdict, got.out.slice(-3000));
    assert.deepEqual(got.status, want.status);
    assert.deepEqual(got.remedies, want.remedies);
    const after = await inventory(cp);
    for (const [type, now] of Object.entries(after)) {
      const extra = [...now.entries()].filter(([id]) => !before[type]?.has(id));
      assert.deepEqual(extra, [], `${type} left behind in the real services`);
    }
  });
}
