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
import { mb, pct, s1, s2, table, verdict, x } from './lib/table.js';
import type { Report } from './lib/analysis.js';
import { median } from './lib/analysis.js';
import { DbObserver } from './lib/real-observer.js';
import { summarize, waitSamples } from './lib/real-waits.js';
import type { WaitSample } from './lib/real-waits.js';
import { innodbStatus, logFindings, logMarks, servicesCpu } from './lib/real-services.js';
import type { LogFindings } from './lib/real-services.js';
import { raiseQuotas } from './lib/real-quota.js';
import { parseDocument } from 'yaml';

export interface RealBenchOptions {
  readonly bin: string;
  readonly work: string;
  readonly runbookFile: string | undefined;
  readonly realDir: string;
  /** The repository root (scripts/real-openstack.sh status for the services' CPU). */
  readonly repo: string;
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
  let waits: { samples: WaitSample[]; unmatched: string[]; observer: ReturnType<DbObserver['stats']> } | undefined;
  const observer = await DbObserver.start(o.realDir);
  try {
    const before = sizes(o.realDir);
    o.log('capi-gate run (full acceptance) on the real control plane');
    const m = await measure(o.bin, ['run', '--site', join(cgDir, 'site.yaml'), '--runs-dir', join(cgDir, 'runs'), '--plain'], { timeoutMs: 1_200_000 });
    const logged = counted(o.realDir, before);
    const own = await sim.stop();
    const requests = minus(logged, own);
    const report = readReport(join(cgDir, 'runs'));
    cg = { m, requests, total: sum(requests), ...(report ? { verdict: report.verdict } : {}) };
    await observer.stop();
    if (report) waits = { ...waitSamples('table 2', report, clusterName(join(cgDir, 'site.yaml')), observer.changes), observer: observer.stats() };
  } finally {
    await sim.stop().catch(() => undefined);
    await observer.stop();
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
  const w = waits ? waitsTable(waits.samples, waits.unmatched, waits.observer, 'the capi-gate run of table 2 (real)', siteScale(join(cgDir, 'site.yaml'))) : undefined;
  return { text: w ? `${text}\n${w.text}` : text, json: { waits: w?.json ?? null, capiGate: { wallMs: cg.m.wallMs, cpuS: cg.m.cpuS, maxRssMb: cg.m.maxRssMb, requests: cg.requests, verdict: cg.verdict }, runbook: rb ? { wallMs: rb.m.wallMs, cpuS: rb.m.cpuS, maxRssMb: rb.m.maxRssMb, requests: rb.requests, stepMs: rb.stepMs, notRun: rb.notRun, exitCode: rb.m.code } : null } };
}

function readReport(runsDir: string): Report | undefined {
  if (!existsSync(runsDir)) return undefined;
  for (const d of readdirSync(runsDir)) {
    const p = join(runsDir, d, 'report.json');
    if (existsSync(p)) return JSON.parse(readFileSync(p, 'utf8')) as Report;
  }
  return undefined;
}

function clusterName(site: string): string {
  return (parse(readFileSync(site, 'utf8')) as { cluster: { name: string } }).cluster.name;
}

function siteScale(site: string): number {
  return (parse(readFileSync(site, 'utf8')) as { polling?: { intervalScale?: number } }).polling?.intervalScale ?? 1;
}

/** The Magnum waits that polled on the status sync's ticks, against those that did not. */
function ticksLines(samples: readonly WaitSample[]): string[] {
  const lines: string[] = [];
  for (const wait of ['cluster', 'cluster-delete'] as const) {
    const s = samples.filter((x) => x.wait === wait);
    const on = s.filter((x) => x.onTicks);
    if (!on.length) continue;
    const off = s.filter((x) => !x.onTicks);
    const part = (xs: readonly WaitSample[]) => `${xs.map((x) => x.run).join(', ')}: lag ${xs.map((x) => s1(x.lagMs)).join(', ')}, requests ${xs.map((x) => x.requests).join(', ')}`;
    lines.push(`${wait} on magnum-conductor's status-sync ticks (their phase from earlier runs) ${part(on)}${off.length ? `; not on them ${part(off)}` : ''}`);
  }
  return lines;
}

/** The runbook's fixed polls: `watch -n 15` / `sleep 30` loops. */
const FIXED_MS = [15_000, 30_000];

/**
 * Per OpenStack wait: capi-gate's shaped poll against fixed 15 s and 30 s polls over the same
 * change, and against the same fixed polls at the site's interval scale (the site of
 * `sim --openstack real` polls at 0.1 of a real site's intervals: its own floors and sparse
 * intervals are scaled so, and the runbook's bash on the pure simulator runs its sleeps scaled too).
 */
export function waitsTable(samples: readonly WaitSample[], unmatched: readonly string[], obs: { reads: number; meanPeriodMs: number; maxPeriodMs: number }, of: string, scale: number): { text: string; json: Record<string, unknown> } {
  const intervals = [...FIXED_MS, ...(scale !== 1 ? FIXED_MS.map((p) => p * scale) : [])];
  const sums = summarize(samples, intervals);
  const sec = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const fixedCell = (s: (typeof sums)[number], p: number) => {
    const f = s.fixed[String(p)]!;
    return `${f.requestsMedian} / ${s1(f.lagMsMedian)}`;
  };
  const rows = sums.map((s) => [
    s.wait, String(s.n), s1(s.elapsedMsMedian), s.expectedMs !== undefined ? s1(s.expectedMs) : '-',
    `${s.requestsMedian}${s.requestsMax !== s.requestsMedian ? ` (max ${s.requestsMax})` : ''}${s.budget !== undefined ? `/${s.budget}` : ''}`,
    `${s1(s.lagMsP50)} / ${s1(s.lagMsP95)}`, `${pct(s.lagFractionP95)} (<= ${pct(s.lagMaxFractionP95)})`,
    ...intervals.map((p) => fixedCell(s, p)),
    intervals.map((p) => String(s.moreThanFixed[String(p)] ?? 0)).join('/'),
  ]);
  const text = table(`3 (real). OpenStack waits on the REAL control plane: capi-gate's shaped polls against fixed polls over the same change (${of})`,
    ['wait', 'n', 'elapsed p50', 'expected', 'capi-gate requests (/budget)', 'lag p50 / p95', 'lag p95 % of the wait (bound)', ...intervals.map((p) => `fixed ${sec(p)}: req / lag`), `runs with more requests than fixed ${intervals.map(sec).join('/')}`],
    rows, [
      `truth: the moment the real service's row changed, seen by an independent observer reading Magnum's and Octavia's MariaDB rows every ${obs.meanPeriodMs.toFixed(0)} ms (max gap ${obs.maxPeriodMs.toFixed(0)} ms, ${obs.reads} reads): the APIs serve those rows, so no client could see the state sooner; lag from the observer's first sight of the new state (a lower bound), in brackets from its last sight of the old one (an upper bound)`,
      'capi-gate: its report\'s requests per wait (the create\'s poll asks Octavia on one poll in six: counted) and the moment it saw the state; fixed P: polls at 0, P, 2P, ... from the same start (one request each: the openstack CLI\'s own token request per call is not counted)',
      ...(scale !== 1 ? [`the site polls at intervalScale ${scale} (its floors and sparse intervals are ${scale} of a real site's; expected ends from the runbook are too, except the failover's, the site's deadline): the fixed polls at that scale (${FIXED_MS.map((p) => sec(p * scale)).join(', ')}) are the like-for-like comparison, the runbook's 15 s / 30 s as written the operator's`] : []),
      ...ticksLines(samples),
      ...(unmatched.length ? [`not compared: ${unmatched.join('; ')}`] : []),
    ]);
  return { text, json: { summaries: sums, samples, unmatched, observer: obs, intervalsMs: intervals, intervalScale: scale } };
}

export interface FleetRun {
  readonly site: string;
  readonly cluster: string;
  readonly verdict: string;
  readonly exitCode: number | null;
  readonly wallMs: number;
  readonly cpuS: number | null;
  readonly maxRssMb: number | null;
  /** Items not PASS, with their summary. */
  readonly notPass: string[];
}

export interface RealFleetResult {
  readonly n: number;
  readonly wallMs: number;
  readonly runs: FleetRun[];
  readonly servicesCpuS: Record<string, number>;
  readonly innodb: Record<string, number>;
  readonly logs: LogFindings;
  readonly loadAvg: number[];
  readonly leftovers: string;
  readonly templates: string;
  readonly samples: WaitSample[];
  readonly unmatched: string[];
  readonly observer: ReturnType<DbObserver['stats']>;
  readonly quotas: string;
}

function deltas(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(b)) out[k] = Math.round((v - (a[k] ?? 0)) * 10) / 10;
  return out;
}

function oscAdmin(realDir: string, args: string[]): string {
  const env = { ...process.env, OS_CLIENT_CONFIG_FILE: join(realDir, 'clouds.yaml'), no_proxy: '127.0.0.1', NO_PROXY: '127.0.0.1' };
  const r = spawnSync('openstack', ['--os-cloud', 'real-admin', ...args], { env, encoding: 'utf8', timeout: 120_000 });
  return r.status === 0 ? (r.stdout ?? '').trim() : `(failed: ${(r.stderr ?? '').trim().split('\n').pop() ?? ''})`;
}

/** What the tenant project holds now that a fleet's clusters should all be gone. */
function leftovers(realDir: string, project: string): string {
  const count = (args: string[], column = 'ID') => {
    const out = oscAdmin(realDir, [...args, '-f', 'value', '-c', column]);
    return out.startsWith('(failed') ? out : String(out.split('\n').filter((l) => l.trim()).length);
  };
  return [
    `clusters ${count(['coe', 'cluster', 'list'], 'uuid')}`,
    `servers ${count(['server', 'list', '--project', project])}`,
    `LBs ${count(['loadbalancer', 'list', '--project', project], 'id')}`,
    `routers ${count(['router', 'list', '--project', project])}`,
    `FIPs ${count(['floating', 'ip', 'list', '--project', project])}`,
  ].join(', ');
}

function templateCount(realDir: string, name: string): number {
  return oscAdmin(realDir, ['coe', 'cluster', 'template', 'list', '-f', 'value', '-c', 'name']).split('\n').filter((l) => l.trim() === name).length;
}

/**
 * N acceptances at once against the real control plane, with ONE `sim --openstack real` (one
 * data plane per control plane: Magnum's driver follows one management cluster), each with its
 * own site file (site and cluster.name differ), after raising the tenant's quotas.
 */
async function realFleetOf(o: RealBenchOptions, n: number, templateName: string): Promise<RealFleetResult> {
  const dir = join(o.work, `real-fleet-${n}`);
  const site = parse(readFileSync(join(o.realDir, 'site.yaml'), 'utf8')) as { project: { name: string; domain: string } };
  const quotas = raiseQuotas(o.realDir, site.project.name, site.project.domain, n);
  o.log(`fleet of ${n}: quotas of ${site.project.name} raised (${Object.entries(quotas.set).map(([k, v]) => `${k} ${v}`).join(' ') || 'already enough'})`);
  let restored = '';
  try {
    const sim = await startRealSim(o.bin, join(dir, 'sim'), o.realDir);
    const observer = await DbObserver.start(o.realDir);
    try {
      const width = Math.max(2, String(n).length);
      const sites: { site: string; runs: string; cluster: string }[] = [];
      for (let i = 1; i <= n; i++) {
        const id = String(i).padStart(width, '0');
        const doc = parseDocument(readFileSync(join(dir, 'sim', 'site.yaml'), 'utf8'));
        doc.set('site', `real-zed-f${id}`);
        doc.setIn(['cluster', 'name'], `capi-rf${id}`);
        const file = join(dir, 'sim', `site-f${id}.yaml`);
        writeFileSync(file, doc.toString());
        sites.push({ site: file, runs: join(dir, `runs-f${id}`), cluster: `capi-rf${id}` });
      }
      const templatesBefore = templateCount(o.realDir, templateName);
      const cpu0 = servicesCpu(o.repo, o.realDir);
      const db0 = innodbStatus(o.realDir);
      const marks = logMarks(o.realDir);
      o.log(`fleet of ${n}: ${n} capi-gate runs at once on the real control plane`);
      const t0 = Date.now();
      let peakLoad = 0;
      const loadTimer = setInterval(() => {
        const l = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
        if (l > peakLoad) peakLoad = l;
      }, 5000);
      let ms: Measured[];
      try {
        ms = await Promise.all(sites.map((s) => measure(o.bin, ['run', '--site', s.site, '--runs-dir', s.runs, '--plain'], { timeoutMs: 1_800_000 })));
      } finally {
        clearInterval(loadTimer);
      }
      const wallMs = Date.now() - t0;
      const cpu1 = servicesCpu(o.repo, o.realDir);
      const db1 = innodbStatus(o.realDir);
      const logs = logFindings(marks);
      await observer.stop();
      await sim.stop();
      const runs: FleetRun[] = [];
      const samples: WaitSample[] = [];
      const unmatched: string[] = [];
      for (const [k, s] of sites.entries()) {
        const r = readReport(s.runs);
        const m = ms[k]!;
        runs.push({
          site: s.site, cluster: s.cluster, verdict: r?.verdict ?? 'no report', exitCode: m.code, wallMs: m.wallMs, cpuS: m.cpuS, maxRssMb: m.maxRssMb,
          notPass: (r?.items ?? []).filter((i) => !['PASS', 'DEFERRED', 'OUTSTANDING'].includes(i.status)).map((i) => `${i.id} ${i.status}: ${(i.summary ?? '').split('\n')[0]!.slice(0, 200)}`),
        });
        if (r) {
          const w = waitSamples(`N=${n} ${s.cluster}`, r, s.cluster, observer.changes);
          samples.push(...w.samples);
          unmatched.push(...w.unmatched);
        }
      }
      const left = leftovers(o.realDir, quotas.project);
      const templatesAfter = templateCount(o.realDir, templateName);
      return {
        n, wallMs, runs, servicesCpuS: deltas(cpu0, cpu1), innodb: deltas(db0, db1), logs, loadAvg: [peakLoad],
        leftovers: left, templates: `${templatesBefore} before, ${templatesAfter} after`, samples, unmatched, observer: observer.stats(),
        quotas: `raised ${JSON.stringify(quotas.set)} from ${JSON.stringify(quotas.before)}`,
      };
    } finally {
      await observer.stop();
      await sim.stop().catch(() => undefined);
    }
  } finally {
    restored = quotas.restore();
    o.log(`fleet of ${n}: quotas restored (${restored})`);
  }
}

const top = (r: Record<string, number>, k: number) => Object.entries(r).sort((a, b) => b[1] - a[1]).slice(0, k).map(([s, v]) => `${s} ${v.toFixed(0)}`).join(', ');

export async function realFleet(o: RealBenchOptions, sizes: readonly number[]): Promise<{ text: string; json: Record<string, unknown> }> {
  if (!existsSync(join(o.realDir, 'full', 'magnum'))) throw new Error(`no full profile in ${o.realDir}: bash scripts/real-openstack.sh up --profile full`);
  const templateName = (parse(readFileSync(join(o.realDir, 'site.yaml'), 'utf8')) as { template?: { name?: string } }).template?.name ?? 'capi-k8s-v1-34';
  const results: RealFleetResult[] = [];
  for (const n of sizes) {
    const r = await realFleetOf(o, n, templateName);
    results.push(r);
    o.log(`fleet of ${n}: ${s1(r.wallMs)}; ${Object.entries(countBy(r.runs.map((x) => x.verdict))).map(([k, v]) => `${v}x ${k}`).join(', ')}`);
  }
  const base = results.find((r) => r.n === 1)?.wallMs;
  const rows = results.map((r) => {
    const svc = Object.values(r.servicesCpuS).reduce((a, b) => a + b, 0);
    const api = r.logs.api;
    const p95 = (s: string) => (api[s] ? `${(api[s].p95Ms / 1000).toFixed(1)}` : '-');
    const e5 = Object.values(api).reduce((a, b) => a + b.errors5xx, 0);
    const trouble = (kind: string) => Object.values(r.logs.trouble).reduce((a, t) => a + (t[kind] ?? 0), 0);
    return [
      String(r.n), s1(r.wallMs), base ? x(r.wallMs / base) : '-', s1(median(r.runs.map((x) => x.wallMs))), s1(Math.max(...r.runs.map((x) => x.wallMs))),
      Object.entries(countBy(r.runs.map((x) => x.verdict === 'FUNCTIONALLY ACCEPTED' ? 'FA' : x.verdict))).map(([k, v]) => `${v} ${k}`).join(', '),
      s2(r.runs.reduce((a, x) => a + (x.cpuS ?? NaN), 0) / r.n), `${svc.toFixed(0)} s (${(svc / (r.wallMs / 1000)).toFixed(2)} cores)`,
      `${p95('identity')}/${p95('network')}/${p95('compute')}/${p95('container-infra')}/${p95('load-balancer')}`,
      String(e5), `${r.innodb['Innodb_deadlocks'] ?? '?'} / ${trouble('deadlock')}`, `${r.innodb['Innodb_row_lock_waits'] ?? '?'} / ${trouble('lockTimeout')}`, String(trouble('rabbit')), (r.loadAvg[0] ?? NaN).toFixed(1),
    ];
  });
  const notes: string[] = [
    'one `sim --openstack real` per N (one data plane per control plane), N site files (site and cluster.name differ); the tenant\'s Nova/Neutron quotas raised for the fleet and set back after it',
    'services CPU: scripts/real-openstack.sh status (each service\'s process tree) before and after; API p95: the services\' own access logs (keystone/neutron/nova/magnum/octavia, seconds)',
    'deadlocks: MariaDB Innodb_deadlocks / log lines naming a deadlock; lock waits: Innodb_row_lock_waits / "Lock wait timeout" lines; rabbit: oslo.messaging/AMQP trouble lines in the logs',
  ];
  for (const r of results) {
    notes.push(`N=${r.n}: services CPU by service (s): ${top(r.servicesCpuS, 6)}; InnoDB row lock time ${r.innodb['Innodb_row_lock_time'] ?? '?'} ms (max ${r.innodb['Innodb_row_lock_time_max'] ?? '?'} ms total), max connections ${r.innodb['Max_used_connections'] ?? '?'}`);
    const bad = r.runs.filter((x) => x.notPass.length);
    for (const b of bad) notes.push(`N=${r.n} ${b.cluster} ${b.verdict} (exit ${String(b.exitCode)}): ${b.notPass.join(' | ')}`);
    const t = Object.entries(r.logs.trouble).filter(([, k]) => Object.keys(k).some((x) => x !== 'error' && x !== 'traceback')).map(([f, k]) => `${f} ${JSON.stringify(k)}`);
    if (t.length) notes.push(`N=${r.n} log trouble: ${t.join('; ')}`);
    const errs = Object.entries(r.logs.trouble).filter(([, k]) => (k['error'] ?? 0) > 0).map(([f, k]) => `${f} ${k['error']}`);
    if (errs.length) notes.push(`N=${r.n} ERROR lines: ${errs.join(', ')}`);
    notes.push(`N=${r.n} after: ${r.leftovers}; templates ${r.templates}`);
  }
  const text = table('4 (real). Fleet: N acceptances at once on the REAL control plane (scripts/real-openstack.sh --profile full), simulated data plane',
    ['N', 'wall', 'vs N=1', 'run wall p50', 'max', 'verdicts', 'CPU/run', 'services CPU', 'API p95 s (ks/neu/nova/mag/oct)', '5xx', 'deadlocks', 'lock waits', 'rabbit', 'load peak'], rows, notes);
  const all = results.flatMap((r) => r.samples);
  const obs = results.at(-1)!.observer;
  const scale = siteScale(join(o.work, `real-fleet-${results[0]!.n}`, 'sim', 'site.yaml'));
  const w1 = results.find((r) => r.n === 1);
  const waits1 = w1 ? waitsTable(w1.samples, w1.unmatched, w1.observer, 'fleet N=1', scale) : undefined;
  const wAll = waitsTable(all, results.flatMap((r) => r.unmatched), obs, `every run of the fleets ${sizes.join(', ')}`, scale);
  return { text: [text, waits1?.text, wAll.text].filter(Boolean).join('\n'), json: { fleets: results.map((r) => ({ ...r, samples: undefined })), waitsN1: waits1?.json ?? null, waitsAll: wAll.json } };
}

function countBy(xs: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of xs) out[k] = (out[k] ?? 0) + 1;
  return out;
}


/**
 * `--real --waits N`: N capi-gate runs one after another on ONE site and runs directory, each
 * observed: the first shapes its polls from the runbook's figures, the later ones from this
 * site's own history (the earlier runs' journals), as an operator's repeated acceptances would.
 */
export async function realWaits(o: RealBenchOptions, runs: number): Promise<{ text: string; json: Record<string, unknown> }> {
  if (!existsSync(join(o.realDir, 'full', 'magnum'))) throw new Error(`no full profile in ${o.realDir}: bash scripts/real-openstack.sh up --profile full`);
  const dir = join(o.work, 'real-waits');
  const sim = await startRealSim(o.bin, join(dir, 'sim'), o.realDir);
  const first: WaitSample[] = [];
  const later: WaitSample[] = [];
  const unmatched: string[] = [];
  const verdicts: string[] = [];
  let stats: ReturnType<DbObserver['stats']> | undefined;
  try {
    const site = join(dir, 'sim', 'site.yaml');
    const cluster = clusterName(site);
    for (let i = 1; i <= runs; i++) {
      const observer = await DbObserver.start(o.realDir);
      const runsDir = join(dir, 'runs');
      const before = existsSync(runsDir) ? new Set(readdirSync(runsDir)) : new Set<string>();
      o.log(`waits: capi-gate run ${i} of ${runs} on one site (${i === 1 ? 'the runbook\'s figures' : `this site's history of ${i - 1} run${i > 2 ? 's' : ''}`})`);
      let m: Measured;
      try {
        m = await measure(o.bin, ['run', '--site', site, '--runs-dir', runsDir, '--plain'], { timeoutMs: 1_200_000 });
      } finally {
        await observer.stop();
      }
      const id = readdirSync(runsDir).find((d) => !before.has(d) && existsSync(join(runsDir, d, 'report.json')));
      const report = id ? (JSON.parse(readFileSync(join(runsDir, id, 'report.json'), 'utf8')) as Report) : undefined;
      verdicts.push(`run ${i}: ${report?.verdict ?? 'no report'} (exit ${String(m.code)}, ${s1(m.wallMs)})`);
      if (report) {
        const w = waitSamples(`run ${i}`, report, cluster, observer.changes);
        (i === 1 ? first : later).push(...w.samples);
        unmatched.push(...w.unmatched);
      }
      stats = observer.stats();
    }
  } finally {
    await sim.stop().catch(() => undefined);
  }
  const scale = siteScale(join(dir, 'sim', 'site.yaml'));
  const t1 = waitsTable(first, unmatched.filter((u) => u.startsWith('run 1 ')), stats!, 'run 1 of one site: expected ends from the runbook\'s figures', scale);
  const t2 = later.length ? waitsTable(later, unmatched.filter((u) => !u.startsWith('run 1 ')), stats!, `runs 2-${runs} of the same site: expected ends from its own history`, scale) : undefined;
  const text = [t1.text, t2?.text, `verdicts: ${verdicts.join('; ')}\n`].filter(Boolean).join('\n');
  return { text, json: { runs, verdicts, runbookFigures: t1.json, siteHistory: t2?.json ?? null } };
}
