// `npm run bench [-- --quick | --real]`: capi-gate against the simulated site. Four tables (overhead
// against the cloud's own time, side by side with the runbook's bash, detection latency, fleet)
// printed and written to bench/results/<quick|full>.json. Figures only: never a failing exit
// for a missed target (exit 2 only when the benchmark itself cannot run).
//
//   node dist/bench/run.js [--quick] [--time-scale F] [--core | --only IDS] [--fleet 1,10,50]
//                          [--no-runbook] [--runbook FILE] [--keep] [--out FILE] [--repeat N]
//                          [--cpu-prof DIR]
//   node dist/bench/run.js --real [--runbook FILE | --no-runbook]   table 2 + the OpenStack waits, real control plane
//   node dist/bench/run.js --real --fleet 1,2,5,10                  the fleet + the waits, real control plane
//   node dist/bench/run.js --real --waits 3                         3 runs of one site: the waits (runbook figures, then site history)
//
// --cpu-prof DIR starts every capi-gate run and the simulator as `node <the shebang's V8 flags>
// --cpu-prof --cpu-prof-dir DIR bin/capi-gate ...` (NODE_OPTIONS refuses --cpu-prof): one
// .cpuprofile per process, for Chrome DevTools or scripts/cpuprofile-top.mjs. The profiler costs
// CPU: figures of a profiled bench are not the bench's figures.

import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseDocument } from 'yaml';
import type { Detection, Report } from './lib/analysis.js';
import { criticalPath, detections, measuredSteps, median, percentile, requestsPerWait } from './lib/analysis.js';
import type { Measured } from './lib/proc.js';
import { haveGnuTime, measure } from './lib/proc.js';
import { runbookParts, runbookScript, stepTimes } from './lib/runbook.js';
import { BenchSim } from './lib/sim.js';
import type { AddonsReady } from './lib/addons.js';
import { watchAddons } from './lib/addons.js';
import { mb, pct, s1, s2, table, verdict, x } from './lib/table.js';
import { POOL_MAX, caKeyPair, caKeyPoolFile } from '../sim/keys.js';
import { realFleet, realTable2, realWaits } from './real.js';

const HERE = dirname(fileURLToPath(import.meta.url));
// dist/bench/run.js -> repo root
const REPO = resolve(HERE, existsSync(join(HERE, '..', 'package.json')) ? '..' : join('..', '..'));
const BIN = join(REPO, 'bin', 'capi-gate');
/** The fallback selection: the steps implemented end to end against the simulator before 8.3, D-011.4 and the host gates. */
const CORE_STEPS = '8.0.prereqs,8.0.image,8.0.template,8.1,8.2,8.5';
const RUNBOOK_CANDIDATES = [
  process.env.CAPI_GATE_RUNBOOK,
  join(REPO, 'runbook', 'phase-08-workload-cluster-acceptance.md'),
  join(REPO, '..', 'shared', 'runbook', 'phase-08-workload-cluster-acceptance.md'),
  '/work/shared/runbook/phase-08-workload-cluster-acceptance.md',
];

/**
 * The simulator runs ahead of the runs on the bench's shared CPUs (nice -10): it stands in for a
 * cloud on its own machines, whose progress does not wait for the jumphost's CPU. Without it a
 * fleet's start-up burst holds the simulated cloud's timers back, and every run waits for that.
 */
const DEFAULT_SIM_PRIORITY = -10;

interface Options {
  quick: boolean;
  timeScale: number;
  only: string | undefined;
  fleet: number[];
  runbook: boolean;
  runbookFile: string | undefined;
  keep: boolean;
  /** Where the JSON goes (default bench/results/<quick|full>.json). */
  out: string | undefined;
  /**
   * Single runs for table 1 (each on a fresh simulator). The ratio moves by about +-0.01 between
   * runs of one build (where each poll falls against the cloud's changes; a shared machine's
   * noise), so the table reports the median run and lists them all.
   */
  repeat: number;
  /** Table 2 on the real control plane (scripts/real-openstack.sh --profile full) instead of the simulator. */
  real: boolean;
  /** --fleet was given (with --real: the fleet on the real control plane instead of table 2). */
  fleetGiven: boolean;
  /** With --real: N capi-gate runs one after another on one site, for the OpenStack waits (0: not run). */
  waits: number;
  /** Where the runs' and the simulators' CPU profiles go (--cpu-prof DIR); undefined: no profiling. */
  cpuProf: string | undefined;
  /** The simulator's nice value (--sim-priority N, -20..19; 0 = the runs' own; default DEFAULT_SIM_PRIORITY). */
  simPriority: number;
}

function usage(msg: string): never {
  console.error(`bench: ${msg}\nusage: node dist/bench/run.js [--quick] [--time-scale F] [--core | --only IDS] [--fleet 1,10,50] [--no-runbook] [--runbook FILE] [--keep] [--out FILE] [--repeat N] [--cpu-prof DIR] [--sim-priority N] [--real [--fleet 1,2,5,10 | --waits N]]`);
  process.exit(2);
}

function options(argv: string[]): Options {
  const o: Options = { quick: false, timeScale: 0.05, only: undefined, fleet: [], runbook: true, runbookFile: undefined, keep: false, out: undefined, repeat: 3, real: false, fleetGiven: false, waits: 0, cpuProf: undefined, simPriority: DEFAULT_SIM_PRIORITY };
  let fleet: number[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => argv[++i] ?? usage(`${a ?? ''} needs a value`);
    if (a === '--quick') o.quick = true;
    else if (a === '--time-scale') o.timeScale = Number(val());
    else if (a === '--core') o.only = CORE_STEPS;
    else if (a === '--only') o.only = val();
    else if (a === '--fleet') fleet = val().split(',').map(Number);
    else if (a === '--no-runbook') o.runbook = false;
    else if (a === '--runbook') o.runbookFile = val();
    else if (a === '--keep') o.keep = true;
    else if (a === '--out') o.out = resolve(val());
    else if (a === '--repeat') o.repeat = Number(val());
    else if (a === '--real') o.real = true;
    else if (a === '--waits') o.waits = Number(val());
    else if (a === '--cpu-prof') o.cpuProf = resolve(val());
    else if (a === '--sim-priority') o.simPriority = Number(val());
    else usage(`unknown argument ${a ?? ''}`);
  }
  if (!(o.timeScale > 0 && o.timeScale <= 1)) usage('--time-scale must be in (0, 1]');
  if (!Number.isInteger(o.repeat) || o.repeat < 1 || o.repeat > 20) usage('--repeat takes 1..20');
  if (!Number.isInteger(o.waits) || o.waits < 0 || o.waits > 20) usage('--waits takes 1..20');
  if (o.waits && !o.real) usage('--waits needs --real');
  if (!Number.isInteger(o.simPriority) || o.simPriority < -20 || o.simPriority > 19) usage('--sim-priority takes a nice value -20..19');
  o.fleetGiven = fleet !== undefined;
  o.fleet = fleet ?? (o.quick ? [1, 10] : [1, 10, 50]);
  if (o.fleet.some((n) => !Number.isInteger(n) || n < 1 || n > 200)) usage('--fleet takes sizes 1..200');
  return o;
}

const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

function readReport(runsDir: string): Report | undefined {
  if (!existsSync(runsDir)) return undefined;
  for (const id of readdirSync(runsDir)) {
    const p = join(runsDir, id, 'report.json');
    if (existsSync(p)) return JSON.parse(readFileSync(p, 'utf8')) as Report;
  }
  return undefined;
}

function clusterOf(site: string): { cluster: string; coreVips: string[] } {
  const doc = parse(readFileSync(site, 'utf8')) as { cluster: { name: string }; coreVips?: { url: string }[] };
  return { cluster: doc.cluster.name, coreVips: (doc.coreVips ?? []).map((v) => v.url) };
}

function runArgs(o: Options, site: string, runsDir: string): string[] {
  // BIN itself, as an operator runs it: its shebang carries the V8 memory settings.
  return [BIN, 'run', '--site', site, '--runs-dir', runsDir, ...(o.only ? ['--only', o.only] : [])];
}

/** The V8 flags of BIN's shebang (`#!/usr/bin/env -S node FLAGS`). */
function shebangFlags(): string[] {
  const first = readFileSync(BIN, 'utf8').split('\n', 1)[0] ?? '';
  return first.replace(/^#!.*?\bnode\b/, '').trim().split(/\s+/).filter(Boolean);
}

/** node's arguments before BIN under --cpu-prof (the shebang's flags, then the profiler's); [] without it. */
function profArgs(o: Options): string[] {
  if (!o.cpuProf) return [];
  mkdirSync(o.cpuProf, { recursive: true });
  return [...shebangFlags(), '--cpu-prof', '--cpu-prof-dir', o.cpuProf];
}

/** The simulator's node arguments under --cpu-prof (the profiler's only: the sim is started with plain node either way). */
function simProfArgs(o: Options): string[] {
  return o.cpuProf ? profArgs(o).slice(shebangFlags().length) : [];
}

/** A capi-gate run, measured: BIN as an operator runs it, or node with the profiler under --cpu-prof. */
function measureRun(o: Options, site: string, runsDir: string, env: NodeJS.ProcessEnv): Promise<Measured> {
  const args = runArgs(o, site, runsDir);
  return o.cpuProf ? measure(process.execPath, [...profArgs(o), ...args], { env, timeoutMs: RUN_TIMEOUT_MS }) : measure(BIN, args.slice(1), { env, timeoutMs: RUN_TIMEOUT_MS });
}

function byService(reqs: readonly { service: string }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of reqs) out[r.service] = (out[r.service] ?? 0) + 1;
  return out;
}

/** Request counts by service, method and path with ids folded, most frequent first. */
function byPath(reqs: readonly { service: string; method: string; path: string }[]): [string, number][] {
  const out = new Map<string, number>();
  for (const r of reqs) {
    const path = r.path.split('?')[0]!.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}/g, '{id}').replace(/\/capi-[\w-]+/g, '/{name}');
    const key = `${r.service} ${r.method} ${path}`;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return [...out].sort((a, b) => b[1] - a[1]);
}

const RUN_TIMEOUT_MS = 20 * 60_000;

interface Single {
  m: Measured;
  report: Report | undefined;
  cluster: string;
  coreVips: string[];
  requests: number;
  requestsByService: Record<string, number>;
  requestsByPath: [string, number][];
  simPeakMb: number;
  /** CPU seconds the simulator used during the run. */
  simCpuS: number;
  critical: ReturnType<typeof criticalPath>;
  addons: AddonsReady | undefined;
  detection: { samples: Detection[]; unmatched: string[] };
}

async function single(o: Options, work: string, name = 'single'): Promise<Single> {
  const sim = await BenchSim.start(BIN, join(work, name, 'sim'), o.timeScale, undefined, undefined, log, simProfArgs(o));
  try {
    const { cluster, coreVips } = clusterOf(sim.site);
    await sim.collect();
    const before = sim.lastRequestSeq;
    log(`capi-gate run (${o.only ? `--only ${o.only}` : 'full run'}) at time scale ${o.timeScale}`);
    const stopWatch = new AbortController();
    const addons = watchAddons(join(work, name, 'runs'), stopWatch.signal);
    const simCpu0 = sim.cpuS();
    const m = await measureRun(o, sim.site, join(work, name, 'runs'), sim.env());
    const simCpuS = sim.cpuS() - simCpu0;
    stopWatch.abort();
    const ready = await addons;
    await sim.collect();
    const toReal = await sim.clockMap();
    const report = readReport(join(work, name, 'runs'));
    const reqs = sim.clientRequests(before);
    return {
      m, report, cluster, coreVips,
      requests: reqs.length,
      requestsByService: byService(reqs),
      requestsByPath: byPath(reqs),
      simPeakMb: sim.memory().peakMb,
      simCpuS,
      critical: criticalPath(sim.timeline, cluster, o.timeScale, ready?.readyAt),
      addons: ready,
      detection: report ? detections(report, sim.timeline, cluster, toReal, ready?.readyAt) : { samples: [], unmatched: [] },
    };
  } finally {
    await sim.stop();
  }
}

interface RunbookSide {
  m: Measured;
  requests: number;
  requestsByService: Record<string, number>;
  requestsByPath: [string, number][];
  parts: { step: string; source: string }[];
  notRun: string[];
  stepMs: Record<string, number>;
  errors: string[];
}

async function runbookSide(o: Options, work: string, file: string, steps: Set<string>): Promise<RunbookSide> {
  const sim = await BenchSim.start(BIN, join(work, 'runbook', 'sim'), o.timeScale, undefined, undefined, log, simProfArgs(o));
  try {
    const { cluster, coreVips } = clusterOf(sim.site);
    const home = join(work, 'runbook', 'home');
    mkdirSync(home, { recursive: true });
    copyFileSync(join(sim.dir, 'openrc-admin'), join(home, 'admin-openrc'));
    if (existsSync(join(sim.dir, 'capi-mgmt-net.env'))) copyFileSync(join(sim.dir, 'capi-mgmt-net.env'), join(home, 'capi-mgmt-net.env'));
    const { parts, notRun } = runbookParts(file, steps, coreVips, cluster);
    const script = join(work, 'runbook', 'runbook.sh');
    writeFileSync(script, runbookScript(parts, o.timeScale), { mode: 0o755 });
    await sim.collect();
    const before = sim.lastRequestSeq;
    log(`runbook bash (${parts.length} parts: ${[...new Set(parts.map((p) => p.step))].join(', ')}) with the openstack CLI at time scale ${o.timeScale}`);
    // The runbook's commands authenticate from the openrc files, not clouds.yaml.
    const env = sim.env({ HOME: home, OS_CLIENT_CONFIG_FILE: join(home, 'no-clouds.yaml') });
    const m = await measure('bash', [script], { env, cwd: home, timeoutMs: RUN_TIMEOUT_MS });
    await sim.collect();
    const reqs = sim.clientRequests(before);
    const errors = m.stderr.split('\n').filter((l) => /error|not found|failed|denied/i.test(l)).slice(0, 12);
    return { m, requests: reqs.length, requestsByService: byService(reqs), requestsByPath: byPath(reqs), parts: parts.map((p) => ({ step: p.step, source: p.source })), notRun, stepMs: Object.fromEntries(stepTimes(m.stdout)), errors };
  } finally {
    await sim.stop();
  }
}

interface FleetResult {
  n: number;
  wallMs: number;
  runWallMsMedian: number;
  runWallMsMax: number;
  peakRssMbMax: number;
  peakRssMbMedian: number;
  cpuSPerRun: number;
  requestsPerCluster: number;
  simPeakMb: number;
  sameVerdict: number;
  verdicts: Record<string, number>;
  fromSingleRun: boolean;
  detection: Detection[];
  /** Cluster templates the runs created (more than one: duplicates from the check-then-create race). */
  templatesCreated: number;
  /** Per item, how many runs ended in each status (what a verdict other than the single run's comes from). */
  itemStatuses: Record<string, Record<string, number>>;
  /** CPU seconds the simulator used while the runs ran. */
  simCpuS: number;
  reports?: (Report | undefined)[];
  /**
   * The wall time no fleet can beat on this machine: all the CPU it used (every run's process
   * tree and the simulator) spread over every core.
   */
  cpuFloorMs: number;
}

function itemStatuses(reports: readonly (Report | undefined)[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const r of reports) {
    for (const i of r?.items ?? []) {
      const by = (out[i.id] ??= {});
      by[i.status] = (by[i.status] ?? 0) + 1;
    }
  }
  return out;
}

/** "8.2 FAIL x3, D-011.4 ERROR x1": the items some run did not PASS (DEFERRED / OUTSTANDING / SKIPPED as in a single run are listed too). */
function notPassing(statuses: Record<string, Record<string, number>>): string {
  const parts: string[] = [];
  for (const [id, by] of Object.entries(statuses)) {
    for (const [status, count] of Object.entries(by)) if (status !== 'PASS') parts.push(`${id} ${status} x${count}`);
  }
  return parts.join(', ') || 'none';
}

async function fleet(o: Options, work: string, n: number): Promise<FleetResult> {
  const dir = join(work, `fleet-${n}`);
  const sim = await BenchSim.start(BIN, join(dir, 'sim'), o.timeScale, undefined, undefined, log, simProfArgs(o));
  try {
    const width = String(n).length < 2 ? 2 : String(n).length;
    const sites: { site: string; runs: string; cluster: string }[] = [];
    for (let i = 1; i <= n; i++) {
      const id = String(i).padStart(width, '0');
      const doc = parseDocument(readFileSync(sim.site, 'utf8'));
      doc.set('site', `sim-f${id}`);
      doc.setIn(['cluster', 'name'], `capi-f${id}`);
      const site = join(sim.dir, `site-f${id}.yaml`);
      writeFileSync(site, doc.toString());
      sites.push({ site, runs: join(dir, `runs-f${id}`), cluster: `capi-f${id}` });
    }
    // No template beforehand: the runs race 8.0.template's check-then-create on a fresh cloud, as
    // a fleet of first acceptances would (every run settles on the oldest template of the name).
    await sim.collect();
    const before = sim.lastRequestSeq;
    log(`fleet of ${n}: ${n} capi-gate runs at once against one simulator`);
    const simCpu0 = sim.cpuS();
    const t0 = Date.now();
    const ms = await Promise.all(sites.map((s) => measureRun(o, s.site, s.runs, sim.env())));
    const wallMs = Date.now() - t0;
    const simCpuS = sim.cpuS() - simCpu0;
    await sim.collect();
    const reqs = sim.clientRequests(before);
    const toReal = await sim.clockMap();
    const verdicts: Record<string, number> = {};
    const detection: Detection[] = [];
    const reports = sites.map((s) => readReport(s.runs));
    for (const [k, s] of sites.entries()) {
      const r = reports[k];
      if (r) detection.push(...detections(r, sim.timeline, s.cluster, toReal).samples);
      const key = r ? `${r.verdict} (exit ${r.exitCode})` : 'no report';
      verdicts[key] = (verdicts[key] ?? 0) + 1;
    }
    const rss = ms.map((m) => m.maxRssMb ?? NaN);
    return {
      n, wallMs,
      runWallMsMedian: median(ms.map((m) => m.wallMs)),
      runWallMsMax: Math.max(...ms.map((m) => m.wallMs)),
      peakRssMbMax: Math.max(...rss),
      peakRssMbMedian: median(rss),
      cpuSPerRun: ms.reduce((a, m) => a + (m.cpuS ?? NaN), 0) / n,
      requestsPerCluster: reqs.length / n,
      simPeakMb: sim.memory().peakMb,
      sameVerdict: 0,
      verdicts,
      fromSingleRun: false,
      detection,
      templatesCreated: sim.timeline.filter((e) => e.kind === 'magnum.clustertemplate' && e.to === 'created').length,
      itemStatuses: itemStatuses(reports),
      simCpuS,
      reports,
      cpuFloorMs: ((ms.reduce((a, m) => a + (m.cpuS ?? NaN), 0) + simCpuS) / cpus().length) * 1000,
    };
  } finally {
    await sim.stop();
  }
}

function findRunbook(o: Options): string | undefined {
  if (o.runbookFile) return o.runbookFile;
  return RUNBOOK_CANDIDATES.find((p): p is string => !!p && existsSync(p));
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  BenchSim.priority = o.simPriority;
  if (!existsSync(join(REPO, 'dist', 'src', 'cli', 'main.js'))) usage('build first: npm run build');
  // bin/capi-gate runs dist/src unbundled when the bundle is older than it (a bare tsc): that is
  // not what an operator runs, and it costs ~1 CPU-s a run more.
  const built = join(REPO, 'dist', 'bundle', 'cli', 'BUILT');
  if (!existsSync(built) || statSync(built).mtimeMs < statSync(join(REPO, 'dist', 'src', 'cli', 'main.js')).mtimeMs) usage('the CLI bundle is missing or older than dist/src (bin/capi-gate would run unbundled): npm run build');
  const work = mkdtempSync(join(tmpdir(), 'capi-gate-bench-'));
  const started = Date.now();
  log(`${o.quick ? 'quick' : 'full'} benchmark; scratch ${work}${haveGnuTime() ? '' : ' (no /usr/bin/time: CPU and RSS per process unavailable)'}`);
  const out: string[] = [];
  const json: Record<string, unknown> = {
    schema: 'capi-gate/bench@1',
    mode: o.quick ? 'quick' : 'full',
    date: new Date().toISOString(),
    host: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', memMb: Math.round(totalmem() / 2 ** 20), node: process.version },
    simPriority: o.simPriority,
    timeScale: o.timeScale,
    selection: o.only ? `--only ${o.only}` : 'full run',
  };
  if (o.real) {
    // Table 2 on the real control plane only: the other tables need the simulator's timeline.
    const realDir = process.env['REAL_OPENSTACK_DIR'] ?? '/tmp/capi-gate-real-openstack';
    try {
      // --fleet: N acceptances at once on the real services (table 4 and the waits of every run);
      // otherwise table 2 against the runbook's bash (and the waits of its capi-gate run).
      const bo = { bin: BIN, work, runbookFile: o.runbook ? findRunbook(o) : undefined, realDir, repo: REPO, log };
      const mode = o.fleetGiven ? 'real-fleet' : o.waits ? 'real-waits' : 'real';
      const r = o.fleetGiven ? await realFleet(bo, o.fleet) : o.waits ? await realWaits(bo, o.waits) : await realTable2(bo);
      console.log(`\n${r.text}`);
      const dest = o.out ?? join(REPO, 'bench', 'results', `${mode}.json`);
      mkdirSync(dirname(dest), { recursive: true });
      writeFileSync(dest, JSON.stringify({ ...json, mode, realDir, [o.fleetGiven ? 'fleet' : o.waits ? 'waits' : 'table2']: r.json, tables: r.text, benchWallMs: Date.now() - started }, null, 2) + '\n');
      log(`done in ${s1(Date.now() - started)}; results ${dest}`);
    } finally {
      if (!o.keep) rmSync(work, { recursive: true, force: true });
      else log(`kept ${work}`);
    }
    return;
  }
  try {
    // The simulated Magnum makes an RSA-2048 CA key per cluster (~0.15 CPU-s each): the cloud's
    // cost, not the client's. Simulators draw them from a pool on disk (sim/keys.ts); it is filled
    // here, before anything is measured, so every table sees the same simulator whatever ran before.
    const pool = caKeyPoolFile();
    if (pool) {
      const t = Date.now();
      for (let i = 0; i < Math.min(POOL_MAX, Math.max(...o.fleet, 1) + 2); i++) await caKeyPair();
      log(`simulator CA key pool ready (${pool}; ${s1(Date.now() - t)})`);
    }
    // bin/capi-gate keeps a V8 code cache per command, made by the first process of a fresh build
    // (an operator's first run). One unmeasured run makes it here, so that no table measures the
    // one start without it.
    const warmStarted = Date.now();
    const warm = await single({ ...o, timeScale: Math.min(o.timeScale, 0.01) }, work, 'warm-up');
    log(`code cache warm-up run: exit ${String(warm.m.code)} (${s1(Date.now() - warmStarted)}, not measured)`);
    // 1 + 3 (+ fleet N=1): single runs, each against a fresh simulator; the median one stands for all.
    const singles: Single[] = [];
    for (let i = 1; i <= o.repeat; i++) {
      if (o.repeat > 1) log(`single run ${i} of ${o.repeat}`);
      singles.push(await single(o, work, `single-${i}`));
    }
    const ratioOf = (r: Single) => r.m.wallMs / r.critical.realMs;
    const byRatio = [...singles].sort((a, b) => ratioOf(a) - ratioOf(b));
    const one = byRatio[Math.floor((byRatio.length - 1) / 2)]!;
    const steps = one.report ? measuredSteps(one.report) : { measured: [], other: [] };
    json['steps'] = steps;
    const cp = one.critical;
    const ratio = one.m.wallMs / cp.realMs;
    const lagOnPath = one.detection.samples.reduce((a, s) => a + s.latencyMs, 0);
    out.push(table(`1. Overhead: wall time of one run vs the cloud's critical path (time scale ${o.timeScale})`, ['', 'value'], [
      ['capi-gate run, wall (process start to exit)', s1(one.m.wallMs)],
      ...cp.segments.map((s) => [`  cloud: ${s.name}`, s1(s.realMs)]),
      ['cloud critical path (union of the above)', s1(cp.realMs)],
      [o.repeat > 1 ? `ratio wall / critical path (median of ${o.repeat} runs)` : 'ratio wall / critical path', ratio.toFixed(3) + 'x'],
      ...(o.repeat > 1 ? [['  every run', singles.map((r) => ratioOf(r).toFixed(3) + 'x').join(' ')]] : []),
      ['time over the critical path', s1(one.m.wallMs - cp.realMs)],
      ['  of which detection lag (sum over observed changes)', s1(lagOnPath)],
      [`target <= 1.05 at time scale 0.05`, o.timeScale === 0.05 ? verdict(ratio <= 1.05) : 'n/a (other scale)'],
    ], [
      ...(o.repeat > 1 ? [`the rows above are the median run's; tables 2, 3 and 4 (N=1) use it too`] : []),
      `verdict ${one.report?.verdict ?? 'no report'} (exit ${String(one.m.code)}); steps measured (evaluated): ${steps.measured.join(' ') || 'none'}`,
      `not evaluated here: ${steps.other.join(', ') || 'none'}`,
    ]));
    json['overhead'] = { runs: singles.map((r) => ({ ratio: ratioOf(r), wallMs: r.m.wallMs, criticalPathMs: r.critical.realMs, detectionLagMs: r.detection.samples.reduce((a, d) => a + d.latencyMs, 0), cpuS: r.m.cpuS, maxRssMb: r.m.maxRssMb, verdict: r.report?.verdict })), wallMs: one.m.wallMs, criticalPathMs: cp.realMs, segments: cp.segments, ratio, overMs: one.m.wallMs - cp.realMs, detectionLagMs: lagOnPath, target: 1.05, met: o.timeScale === 0.05 ? ratio <= 1.05 : null, verdict: one.report?.verdict, exitCode: one.m.code };

    // 2: the runbook's bash with the real openstack CLI.
    const file = findRunbook(o);
    if (o.runbook && file) {
      const rb = await runbookSide(o, work, file, new Set(steps.measured));
      const cpuRatio = (rb.m.cpuS ?? NaN) / (one.m.cpuS ?? NaN);
      const rows = [
        ['wall time', s1(rb.m.wallMs), s1(one.m.wallMs), x(rb.m.wallMs / one.m.wallMs), 'capi-gate sooner', verdict(one.m.wallMs < rb.m.wallMs)],
        ['client CPU (user+sys, whole process tree)', s2(rb.m.cpuS), s2(one.m.cpuS), x(cpuRatio), '>= 5x less', verdict(cpuRatio >= 5)],
        ['API requests (sim request log)', String(rb.requests), String(one.requests), x(rb.requests / one.requests), 'fewer', verdict(one.requests < rb.requests)],
        ['peak RSS (largest process)', mb(rb.m.maxRssMb), mb(one.m.maxRssMb), '', '', ''],
      ];
      const perStep = Object.entries(rb.stepMs).map(([k, v]) => `${k} ${s1(v)}`).join(', ');
      out.push(table(`2. Side by side with the runbook's bash (openstack CLI ${'6.0.0'} / python3-*client), same simulator build, time scale ${o.timeScale}`, ['', 'runbook bash', 'capi-gate', 'bash/capi-gate', 'target', ''], rows, [
        `runbook parts run: ${rb.parts.map((p) => `${p.step}${p.source === 'runbook block' ? '' : '*'}`).join(' ')} (* the runbook's prose command spelled out as a loop); sleeps x${o.timeScale}`,
        `runbook wall per step: ${perStep}`,
        `not run on the bash side: ${rb.notRun.join('; ') || 'none'}; bash exit ${String(rb.m.code)}`,
        `requests by service: bash ${JSON.stringify(rb.requestsByService)}; capi-gate ${JSON.stringify(one.requestsByService)}`,
      ]));
      json['runbook'] = { file, wallMs: rb.m.wallMs, cpuS: rb.m.cpuS, maxRssMb: rb.m.maxRssMb, requests: rb.requests, requestsByService: rb.requestsByService, requestsByPath: rb.requestsByPath, stepMs: rb.stepMs, parts: rb.parts, notRun: rb.notRun, exitCode: rb.m.code, stderrSample: rb.errors,
        capiGate: { wallMs: one.m.wallMs, cpuS: one.m.cpuS, maxRssMb: one.m.maxRssMb, requests: one.requests, requestsByService: one.requestsByService, requestsByPath: one.requestsByPath },
        ratios: { wall: rb.m.wallMs / one.m.wallMs, cpu: cpuRatio, requests: rb.requests / one.requests },
        met: { sooner: one.m.wallMs < rb.m.wallMs, cpu5x: cpuRatio >= 5, fewerRequests: one.requests < rb.requests } };
    } else {
      out.push(table('2. Side by side with the runbook', [''], [], [o.runbook ? 'skipped: runbook file not found (--runbook FILE or CAPI_GATE_RUNBOOK)' : 'skipped (--no-runbook)']));
      json['runbook'] = null;
    }

    // 4: fleet.
    const fleets: FleetResult[] = [];
    for (const n of o.fleet) {
      if (n === 1) {
        fleets.push({ n: 1, wallMs: one.m.wallMs, runWallMsMedian: one.m.wallMs, runWallMsMax: one.m.wallMs, peakRssMbMax: one.m.maxRssMb ?? NaN, peakRssMbMedian: one.m.maxRssMb ?? NaN, cpuSPerRun: one.m.cpuS ?? NaN, requestsPerCluster: one.requests, simPeakMb: one.simPeakMb, sameVerdict: 1, verdicts: { [`${one.report?.verdict ?? 'no report'} (exit ${String(one.m.code)})`]: 1 }, fromSingleRun: true, detection: one.detection.samples, templatesCreated: NaN,
          itemStatuses: itemStatuses([one.report]), simCpuS: one.simCpuS, cpuFloorMs: (((one.m.cpuS ?? NaN) + one.simCpuS) / cpus().length) * 1000 });
      } else fleets.push(await fleet(o, work, n));
    }
    const base = fleets.find((f) => f.n === 1)?.wallMs ?? one.m.wallMs;
    const peakRss = Math.max(...fleets.map((f) => f.peakRssMbMax), ...singles.map((r) => r.m.maxRssMb ?? NaN));
    const largest = fleets.at(-1);
    out.push(table(`4. Fleet: N acceptances at once against one simulator (time scale ${o.timeScale})`, ['N', 'wall', 'vs N=1', 'CPU floor', 'run wall p50', 'peak RSS/run max', 'CPU/run', 'sim CPU', 'requests/cluster', 'sim peak RSS', 'templates', 'verdicts'], fleets.map((f) => [
      String(f.n), s1(f.wallMs), x(f.wallMs / base), s1(f.cpuFloorMs), s1(f.runWallMsMedian), mb(f.peakRssMbMax), s2(f.cpuSPerRun), s2(f.simCpuS), f.requestsPerCluster.toFixed(0), mb(f.simPeakMb), Number.isNaN(f.templatesCreated) ? '' : String(f.templatesCreated), Object.entries(f.verdicts).map(([k, v]) => `${v}x ${k}`).join(', '),
    ]), [
      'N=1 is the overhead run above (its own fresh simulator); each N > 1 runs against a fresh simulator (no template yet: the runs race to create it);',
      'site files differ in site and cluster.name; peak RSS from GNU time (largest process of each run); sim peak RSS is its VmHWM',
      `CPU floor: every run's CPU (process tree) plus the simulator's, over this machine's ${cpus().length} CPUs: no fleet finishes sooner here`,
      `simulator priority: ${o.simPriority === 0 || BenchSim.priorityRefused ? `as the runs (nice 0${BenchSim.priorityRefused ? ': setpriority refused, not root' : ''})` : `nice ${o.simPriority} (--sim-priority; the simulated cloud's own progress ahead of the runs on these shared CPUs, as a cloud on its own machines)`}`,
      ...fleets.map((f) => `N=${f.n}: items not PASS in some run: ${notPassing(f.itemStatuses)}`),
      `targets: 50 at once <= 1.3x the wall of one: ${fleets.some((f) => f.n === 50) ? verdict(fleets.find((f) => f.n === 50)!.wallMs / base <= 1.3) : `not measured (largest N=${largest?.n ?? 0}: ${x((largest?.wallMs ?? NaN) / base)})`}`,
      `         one run <= 150 MB peak RSS: ${verdict(peakRss <= 150)} (max ${mb(peakRss)} over every single and fleet run)`,
      `         simulator holding 50 clusters <= 400 MB: ${fleets.some((f) => f.n === 50) ? verdict(fleets.find((f) => f.n === 50)!.simPeakMb <= 400) : `not measured (N=${largest?.n ?? 0}: ${mb(largest?.simPeakMb ?? NaN)})`}`,
    ]));
    json['simPriorityApplied'] = o.simPriority !== 0 && !BenchSim.priorityRefused;
    json['fleet'] = fleets.map(({ reports: _reports, ...f }) => f);
    // 3: detection latency.
    const d = one.detection.samples;
    const lat = d.map((s) => s.latencyMs);
    const fr = d.map((s) => s.fraction);
    const many = fleets.filter((f) => f.n > 1 && f.detection.length);
    const row = (label: string, ds: readonly Detection[]) => {
      const l = ds.map((s) => s.latencyMs);
      const f = ds.map((s) => s.fraction);
      return [label, s1(percentile(l, 50)), s1(percentile(l, 95)), pct(percentile(f, 50)), pct(percentile(f, 95)), String(ds.length)];
    };
    const perWait = requestsPerWait([one.report]);
    const fleetPerWait = many.length ? requestsPerWait(many.at(-1)!.reports ?? []) : undefined;
    const waitRows = [...perWait].map(([name, e]) => {
      const ds = d.filter((s) => s.wait === name);
      const fd = many.at(-1)?.detection.filter((s) => s.wait === name) ?? [];
      const fr = fleetPerWait?.get(name);
      return [`  ${name} (${e.mode ?? 'poll'})`, ds.length ? s1(percentile(ds.map((s) => s.latencyMs), 50)) : '-', ds.length ? s1(percentile(ds.map((s) => s.latencyMs), 95)) : '-', ds.length ? pct(percentile(ds.map((s) => s.fraction), 50)) : '-', ds.length ? pct(percentile(ds.map((s) => s.fraction), 95)) : 'unmeasured', String(ds.length),
        `${median(e.requests)}${e.budget !== undefined ? `/${e.budget}` : ''}`, fr ? `${median(fr.requests)} (p95 ${percentile(fr.requests, 95)}); lag p95 ${fd.length ? pct(percentile(fd.map((s) => s.fraction), 95)) : '-'}` : ''];
    });
    const reqTotal = [...perWait.values()].reduce((a, e) => a + e.requests.reduce((x, y) => x + y, 0), 0);
    out.push(table('3. Detection latency: simulated state change -> capi-gate observes it (fraction: of the elapsed wait), and API requests per wait', ['', 'latency p50', 'latency p95', 'fraction p50', 'fraction p95', 'n', 'requests (/budget)', `fleet N=${many.at(-1)?.n ?? '-'}: requests median, lag`], [
      [...row('one run', d), String(reqTotal), ''],
      ...many.map((f) => [...row(`fleet N=${f.n} (every run)`, f.detection), '', '']),
      ...waitRows,
    ], [
      'per wait: one run (the median single run); Kubernetes waits (nodes-and-addons, rr-external-ip, rr-teardown) by their end against the simulated moment their condition held (the add-ons\' from Kubernetes\' whole-second lastTransitionTime: the middle of that simulated second, +-half of it)',
      'requests: what the wait itself sent (a watch: its lists and watch connections; a poll: its GETs), from the report; /budget: a shaped poll\'s request budget',
      ...d.map((s) => `${s.item} ${s.wait} -> ${s.state}: ${s.latencyMs.toFixed(0)} ms late of a ${s1(s.waitMs)} wait (${pct(s.fraction)})`),
      ...(one.detection.unmatched.length ? [`no counterpart in the sim timeline: ${one.detection.unmatched.join('; ')}`] : []),
    ]));
    json['requestsPerWait'] = Object.fromEntries([...perWait].map(([k, v]) => [k, { ...v, fleet: fleetPerWait?.get(k)?.requests ?? null }]));
    json['detection'] = { fleet: many.map((f) => ({ n: f.n, p50Ms: percentile(f.detection.map((x) => x.latencyMs), 50), p95Ms: percentile(f.detection.map((x) => x.latencyMs), 95), p50Fraction: percentile(f.detection.map((x) => x.fraction), 50), p95Fraction: percentile(f.detection.map((x) => x.fraction), 95), samples: f.detection.length })), p50Ms: percentile(lat, 50), p95Ms: percentile(lat, 95), p50Fraction: percentile(fr, 50), p95Fraction: percentile(fr, 95), samples: d, unmatched: one.detection.unmatched };

  } finally {
    if (!o.keep) rmSync(work, { recursive: true, force: true });
    else log(`kept ${work}`);
  }
  out.sort((a, b) => a.localeCompare(b));
  console.log(`\n${out.join('\n')}`);
  json['benchWallMs'] = Date.now() - started;
  json['tables'] = out.join('\n');
  const dest = o.out ?? join(REPO, 'bench', 'results', `${o.quick ? 'quick' : 'full'}.json`);
  mkdirSync(dirname(dest), { recursive: true });
  writeFileSync(dest, JSON.stringify(json, null, 2) + '\n');
  log(`done in ${s1(Date.now() - started)}; results ${dest}`);
}

main().catch((err: unknown) => {
  console.error(`bench: could not run: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  process.exit(2);
});
