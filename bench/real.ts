// `npm run bench -- --real`: table 2 on the REAL control plane (issue 16, item 5). capi-gate and
// the runbook's own bash with the real openstack CLI, each against the real services of
// scripts/real-openstack.sh --profile full with the simulated data plane of
// `capi-gate sim --openstack real` (a fresh one per side): wall time, client CPU (GNU time, whole
// process tree), and the API requests the real services logged while the side ran, minus the
// simulator's own calls (its CAPO/CCM and the mgmt-VM watch, from its requests.json). The
// services' calls to each other (Magnum's conductor to Keystone/Nova/Glance/Neutron, Nova to
// Neutron) are in both sides' counts alike. Figures only: never a failing exit for a target.

import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { measure } from './lib/proc.js';
import type { Measured } from './lib/proc.js';
import { runbookParts, runbookScript, stepTimes } from './lib/runbook.js';
import { mb, s1, s2, table, verdict, x } from './lib/table.js';

export interface RealBenchOptions {
  readonly bin: string;
  readonly work: string;
  readonly runbookFile: string | undefined;
  readonly realDir: string;
  log(msg: string): void;
}

/** Request lines per service log of the full profile (uwsgi access lines; neutron's wsgi lines). */
const LOGS: Record<string, { file: string; line: RegExp }> = {
  identity: { file: 'keystone-uwsgi.log', line: /=> generated/ },
  compute: { file: 'full/log/nova-api-uwsgi.log', line: /=> generated/ },
  placement: { file: 'full/log/placement-api-uwsgi.log', line: /=> generated/ },
  'container-infra': { file: 'full/log/magnum-api-uwsgi.log', line: /=> generated/ },
  'load-balancer': { file: 'full/log/octavia-api-uwsgi.log', line: /=> generated/ },
  network: { file: 'full/log/neutron-server.log', line: /neutron\.wsgi .*"(GET|POST|PUT|DELETE|PATCH|HEAD) / },
};

function sizes(realDir: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [s, l] of Object.entries(LOGS)) {
    const p = join(realDir, l.file);
    out[s] = existsSync(p) ? statSync(p).size : 0;
  }
  return out;
}

function counted(realDir: string, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [s, l] of Object.entries(LOGS)) {
    const p = join(realDir, l.file);
    if (!existsSync(p)) continue;
    const buf = readFileSync(p);
    out[s] = buf.subarray(Math.min(before[s] ?? 0, buf.length)).toString('utf8').split('\n').filter((x) => l.line.test(x)).length;
  }
  return out;
}

interface RealSim {
  readonly dir: string;
  readonly child: ChildProcess;
  stop(): Promise<Record<string, number>>;
}

async function startRealSim(bin: string, dir: string, realDir: string): Promise<RealSim> {
  mkdirSync(dir, { recursive: true });
  const child = spawn(bin, ['sim', '--openstack', 'real', '--real-clouds', join(realDir, 'clouds.yaml'), '--out', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sim --openstack real not ready in 60 s: ${out}`)), 60_000);
    child.stdout!.on('data', () => {
      if (/^ready$/m.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sim --openstack real exited ${code}: ${out}`));
    });
  });
  return {
    dir, child,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      const r = JSON.parse(readFileSync(join(dir, 'requests.json'), 'utf8')) as { outboundByService: Record<string, number> };
      return r.outboundByService;
    },
  };
}

interface Side {
  readonly m: Measured;
  readonly requests: Record<string, number>;
  readonly total: number;
  readonly verdict?: string;
  readonly stepMs?: Record<string, number>;
  readonly notRun?: string[];
}

function minus(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(a)) out[k] = Math.max(0, v - (b[k] ?? 0));
  return out;
}

/**
 * Both sides start without the cluster template, as a first acceptance does: the runbook's 8.0
 * creates it unconditionally (its operator runs that block only when absent), and a second one
 * of the same name makes every later `--cluster-template NAME` a 409 (Magnum: multiple
 * ClusterTemplates exist with same name).
 */
function dropTemplates(realDir: string, name: string, log: (m: string) => void): void {
  const env = { ...process.env, OS_CLIENT_CONFIG_FILE: join(realDir, 'clouds.yaml'), no_proxy: '127.0.0.1', NO_PROXY: '127.0.0.1' };
  const list = spawnSync('openstack', ['--os-cloud', 'real-admin', 'coe', 'cluster', 'template', 'list', '-f', 'value', '-c', 'uuid', '-c', 'name'], { env, encoding: 'utf8', timeout: 120_000 });
  for (const line of (list.stdout ?? '').split('\n')) {
    const [uuid, n] = line.trim().split(/\s+/);
    if (!uuid || n !== name) continue;
    const r = spawnSync('openstack', ['--os-cloud', 'real-admin', 'coe', 'cluster', 'template', 'delete', uuid], { env, encoding: 'utf8', timeout: 120_000 });
    log(`cluster template ${name} ${uuid} deleted before the side (exit ${String(r.status)})`);
  }
}

const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

export async function realTable2(o: RealBenchOptions): Promise<{ text: string; json: Record<string, unknown> }> {
  if (!existsSync(join(o.realDir, 'full', 'magnum'))) throw new Error(`no full profile in ${o.realDir}: bash scripts/real-openstack.sh up --profile full`);
  const templateName = (parse(readFileSync(join(o.realDir, 'site.yaml'), 'utf8')) as { template?: { name?: string } }).template?.name ?? 'capi-k8s-v1-34';
  // capi-gate
  dropTemplates(o.realDir, templateName, o.log);
  const cgDir = join(o.work, 'real-capi-gate');
  const sim = await startRealSim(o.bin, cgDir, o.realDir);
  let cg: Side;
  try {
    const before = sizes(o.realDir);
    o.log('capi-gate run (full acceptance) on the real control plane');
    const m = await measure(o.bin, ['run', '--site', join(cgDir, 'site.yaml'), '--runs-dir', join(cgDir, 'runs'), '--plain'], { timeoutMs: 1_200_000 });
    const logged = counted(o.realDir, before);
    const own = await sim.stop();
    const requests = minus(logged, own);
    const report = readdirSync(join(cgDir, 'runs')).map((d) => join(cgDir, 'runs', d, 'report.json')).find((p) => existsSync(p));
    cg = { m, requests, total: sum(requests), ...(report ? { verdict: (JSON.parse(readFileSync(report, 'utf8')) as { verdict: string }).verdict } : {}) };
  } finally {
    await sim.stop().catch(() => undefined);
  }

  // the runbook's bash with the real openstack CLI
  let rb: Side | undefined;
  let rbNote = 'skipped: runbook file not found (--runbook FILE or CAPI_GATE_RUNBOOK)';
  if (o.runbookFile) {
    dropTemplates(o.realDir, templateName, o.log);
    const rbDir = join(o.work, 'real-runbook');
    const sim2 = await startRealSim(o.bin, rbDir, o.realDir);
    try {
      const site = parse(readFileSync(join(rbDir, 'site.yaml'), 'utf8')) as { cluster: { name: string }; coreVips?: { url: string }[] };
      const home = join(rbDir, 'home');
      mkdirSync(home, { recursive: true });
      copyFileSync(join(o.realDir, 'openrc-admin'), join(home, 'admin-openrc'));
      copyFileSync(join(rbDir, 'capi-mgmt-net.env'), join(home, 'capi-mgmt-net.env'));
      const steps = new Set(['8.0', '8.1', '8.2', '8.3', 'D-011.1', 'D-011.2', 'D-011.3', 'D-011.4', 'D-011.5', 'D-011.6', 'D-011.7', 'D-011.8', '8.5']);
      const { parts, notRun } = runbookParts(o.runbookFile, steps, (site.coreVips ?? []).map((v) => v.url), site.cluster.name);
      const script = join(rbDir, 'runbook.sh');
      // The real services run in real time: the runbook's sleeps stay as written.
      writeFileSync(script, runbookScript(parts, 1), { mode: 0o755 });
      const env: NodeJS.ProcessEnv = { PATH: `${join(rbDir, 'bin')}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`, HOME: home, OS_CLIENT_CONFIG_FILE: join(home, 'no-clouds.yaml'), no_proxy: '127.0.0.1', NO_PROXY: '127.0.0.1' };
      const before = sizes(o.realDir);
      o.log(`runbook bash (${parts.length} parts) with the real openstack CLI on the real control plane`);
      const m = await measure('bash', [script], { env, cwd: home, timeoutMs: 1_800_000 });
      const logged = counted(o.realDir, before);
      const own = await sim2.stop();
      const requests = minus(logged, own);
      rb = { m, requests, total: sum(requests), stepMs: Object.fromEntries(stepTimes(m.stdout)), notRun };
      rbNote = `runbook bash exit ${String(m.code)}; not run on the bash side: ${notRun.join('; ') || 'none'}`;
    } finally {
      await sim2.stop().catch(() => undefined);
    }
  }

  const rows = rb ? [
    ['wall time', s1(rb.m.wallMs), s1(cg.m.wallMs), x(rb.m.wallMs / cg.m.wallMs), 'capi-gate sooner', verdict(cg.m.wallMs < rb.m.wallMs)],
    ['client CPU (user+sys, whole process tree)', s2(rb.m.cpuS), s2(cg.m.cpuS), x((rb.m.cpuS ?? NaN) / (cg.m.cpuS ?? NaN)), '>= 5x less', verdict((rb.m.cpuS ?? 0) / (cg.m.cpuS ?? Infinity) >= 5)],
    ['API requests (real services\' logs)', String(rb.total), String(cg.total), x(rb.total / cg.total), 'fewer', verdict(cg.total < rb.total)],
    ['peak RSS (largest process)', mb(rb.m.maxRssMb), mb(cg.m.maxRssMb), '', '', ''],
  ] : [
    ['wall time', '', s1(cg.m.wallMs), '', '', ''],
    ['client CPU (user+sys, whole process tree)', '', s2(cg.m.cpuS), '', '', ''],
    ['API requests (real services\' logs)', '', String(cg.total), '', '', ''],
  ];
  const text = table('2 (real). Side by side with the runbook\'s bash, both on the REAL control plane (scripts/real-openstack.sh --profile full) with the simulated data plane', ['', 'runbook bash', 'capi-gate', 'bash/capi-gate', 'target', ''], rows, [
    `capi-gate verdict ${cg.verdict ?? 'no report'} (exit ${String(cg.m.code)}); ${rbNote}`,
    'requests: lines the real APIs logged while the side ran (Glance logs none: not counted), minus the simulator\'s own calls; the services\' calls to each other are in both',
    `requests by service: bash ${JSON.stringify(rb?.requests ?? {})}; capi-gate ${JSON.stringify(cg.requests)}`,
    ...(rb?.stepMs ? [`runbook wall per step: ${Object.entries(rb.stepMs).map(([k, v]) => `${k} ${s1(v)}`).join(', ')}`] : []),
  ]);
  return { text, json: { capiGate: { wallMs: cg.m.wallMs, cpuS: cg.m.cpuS, maxRssMb: cg.m.maxRssMb, requests: cg.requests, verdict: cg.verdict }, runbook: rb ? { wallMs: rb.m.wallMs, cpuS: rb.m.cpuS, maxRssMb: rb.m.maxRssMb, requests: rb.requests, stepMs: rb.stepMs, notRun: rb.notRun, exitCode: rb.m.code } : null } };
}
