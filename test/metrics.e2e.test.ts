// Metrics and the canary with the real components, against a simulated site: `run
// --metrics-file` read by node_exporter's textfile collector and checked by `promtool check
// metrics`; `run --pushgateway` read back from a real Pushgateway; `capi-gate canary` scraped by a
// real Prometheus for three short cycles (three clusters, never two at once, nothing left; the
// values Prometheus holds for a finished run equal its report); `kill -9` of a canary mid-run,
// then a restart that deletes the leftover first and says so in its metrics; two canaries on one
// site that never run together. Every daemon listens on 127.0.0.1 ports of its own (19090-19467),
// away from the simulator's (127.12.x.x and ephemeral ports) and the real control plane's.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { BIN, REPO_ROOT, tempDir } from './helpers.js';
import { cli, resourceCounts, simState, startSim, timeline } from './reliability/harness.js';
import type { SimProcess } from './sim-process.js';
import type { RunReport } from '../src/report/index.js';

const PROMETHEUS = '127.0.0.1:19090';
const PUSHGATEWAY = '127.0.0.1:19091';
const NODE_EXPORTER = '127.0.0.1:19100';

type Samples = Map<string, number>;

/** The samples of an exposition text: `name{sorted labels}` -> value (labels in `drop` left out). */
function samples(text: string, prefix = 'capi_gate_', drop: readonly string[] = []): Samples {
  const out: Samples = new Map();
  for (const line of text.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a sample line: ${line}`);
    const labels = [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].filter((l) => !drop.includes(l[1]!)).map((l) => `${l[1]}="${l[2]}"`).sort();
    out.set(`${m[1]}{${labels.join(',')}}`, Number(m[3]));
  }
  return out;
}

function daemon(cmd: string, args: string[], log: string): ChildProcess {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (d) => { text += String(d); });
  child.stderr!.on('data', (d) => { text += String(d); });
  child.once('exit', () => writeFileSync(log, text));
  return child;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 250): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

async function get(url: string): Promise<string> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return r.text();
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

/** The canary as a process; resolves its output when it exits. */
function canary(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...env, NO_COLOR: '1' }, cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => { out += String(d); });
  child.stderr!.on('data', (d) => { out += String(d); });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, done, output: () => out };
}

/** The most clusters that existed at once, from the simulator's timeline (created .. gone). */
function concurrency(entries: readonly { kind: string; id: string; to: string; from?: string | null }[]): { max: number; created: string[]; gone: string[] } {
  const alive = new Set<string>();
  const created: string[] = [];
  const gone: string[] = [];
  let max = 0;
  for (const e of entries) {
    if (e.kind !== 'magnum.cluster') continue;
    if (!alive.has(e.id) && e.to !== 'gone' && !created.includes(e.id)) {
      alive.add(e.id);
      created.push(e.id);
    }
    if (e.to === 'gone') {
      alive.delete(e.id);
      gone.push(e.id);
    }
    max = Math.max(max, alive.size);
  }
  return { max, created, gone };
}

let t: ReturnType<typeof tempDir>;
let sim: SimProcess;

before(async () => {
  for (const bin of ['prometheus', 'promtool', 'prometheus-pushgateway', 'prometheus-node-exporter']) {
    assert.equal(spawnSync('sh', ['-c', `command -v ${bin}`]).status, 0, `${bin} is not installed: scripts/setup.sh installs it (Debian packages prometheus, prometheus-pushgateway, prometheus-node-exporter)`);
  }
  t = tempDir('capi-gate-e2e-metrics-');
  sim = await startSim(join(t.dir, 'sim'), ['--time-scale', '0.01']);
});

after(async () => {
  await sim?.stop();
  t?.cleanup();
});

test('run --metrics-file: promtool check metrics passes, node_exporter\'s textfile collector serves it unchanged; run --pushgateway: the Pushgateway holds the same group', { timeout: 240_000 }, async () => {
  const textfiles = join(t.dir, 'textfile');
  mkdirSync(textfiles);
  const file = join(textfiles, 'capi-gate.prom');
  const gw = daemon('prometheus-pushgateway', [`--web.listen-address=${PUSHGATEWAY}`], join(t.dir, 'pushgateway.log'));
  const ne = daemon('prometheus-node-exporter', [`--web.listen-address=${NODE_EXPORTER}`, '--collector.disable-defaults', '--collector.textfile', `--collector.textfile.directory=${textfiles}`], join(t.dir, 'node-exporter.log'));
  try {
    // Bad destinations are usage errors before anything runs.
    const bad = await cli(['run', '--site', sim.site, '--runs-dir', join(t.dir, 'runs-bad'), '--metrics-file', join(t.dir, 'nowhere', 'x.prom')], { env: sim.env, timeoutMs: 60_000 });
    assert.equal(bad.code, 2, bad.stdout + bad.stderr);
    assert.match(bad.stderr, /^CAPI_GATE_USAGE: --metrics-file .*nowhere.*does not exist/m);
    assert.ok(!existsSync(join(t.dir, 'runs-bad')), 'nothing recorded');
    const badGw = await cli(['run', '--site', sim.site, '--runs-dir', join(t.dir, 'runs-bad'), '--pushgateway', 'ftp://127.0.0.1:1'], { env: sim.env, timeoutMs: 60_000 });
    assert.equal(badGw.code, 2, badGw.stdout + badGw.stderr);
    assert.match(badGw.stderr, /CAPI_GATE_USAGE: --pushgateway ftp:.*only http and https/);

    await until('pushgateway up', () => get(`http://${PUSHGATEWAY}/-/ready`).then(() => true));
    const runs = join(t.dir, 'runs-run');
    const r = await cli(['run', '--site', sim.site, '--runs-dir', runs, '--only', '8.0.prereqs,D-011.2,D-011.6', '--metrics-file', file, '--pushgateway', `http://${PUSHGATEWAY}`], { env: sim.env, timeoutMs: 120_000 });
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`Metrics: ${file}`));
    assert.match(r.stdout, /Metrics pushed to http:\/\/127\.0\.0\.1:19091 \(job capi-gate, site sim\)/);
    assert.deepEqual(readdirSync(textfiles), ['capi-gate.prom'], 'written atomically: no temporary file left');
    const text = readFileSync(file, 'utf8');
    const mine = samples(text);
    const report = JSON.parse(readFileSync(join(runs, readdirSync(runs).find((d) => d !== 'doctor')!, 'report.json'), 'utf8')) as RunReport;
    assert.equal(mine.get('capi_gate_verdict{site="sim",verdict="PARTIAL"}'), 1);
    assert.equal(mine.get('capi_gate_run_exit_code{site="sim"}'), 5);
    for (const i of report.items) assert.equal(mine.get(`capi_gate_item_status{item="${i.id}",site="sim",status="${i.status}"}`), 1, i.id);
    assert.ok([...mine.keys()].some((k) => k.startsWith('capi_gate_api_requests_total{service="keystone",site="sim",status_class="2xx"}')), 'API requests counted');

    const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(lint.status, 0, `promtool check metrics: ${lint.stdout}${lint.stderr}`);

    // node_exporter serves the file's samples unchanged (same names, labels, values).
    const served = await until('node_exporter serves the textfile', async () => {
      const body = await get(`http://${NODE_EXPORTER}/metrics`);
      return /capi_gate_run_info/.test(body) ? body : undefined;
    });
    assert.match(served, /^node_textfile_scrape_error 0$/m);
    assert.deepEqual(samples(served), mine);

    // The Pushgateway holds the same samples under job=capi-gate, site=sim.
    const pushed = await get(`http://${PUSHGATEWAY}/metrics`);
    const group = samples(pushed.split('\n').filter((l) => !l.startsWith('capi_gate_') || (l.includes('job="capi-gate"') && l.includes('site="sim"'))).join('\n'), 'capi_gate_', ['job', 'instance']);
    assert.deepEqual(group, mine);
  } finally {
    await stop(gw);
    await stop(ne);
  }
});

test('canary usage errors: a bad --every, a --listen address in use, an invalid site file: exit 2 with a hint, nothing created', { timeout: 60_000 }, async () => {
  const runs = join(t.dir, 'runs-usage');
  const every = await cli(['--runs-dir', runs, 'canary', '--site', sim.site, '--every', 'daily'], { env: sim.env, timeoutMs: 30_000 });
  assert.equal(every.code, 2, every.stderr);
  assert.match(every.stderr, /^CAPI_GATE_USAGE: --every "daily": not a duration\n {2}Hint: /m);
  const busy = daemon(process.execPath, ['-e', 'require("node:net").createServer().listen(19468, "127.0.0.1", () => console.log("up"))'], join(t.dir, 'busy.log'));
  try {
    await until('port taken', () => new Promise<true | undefined>((resolve) => {
      const sock = connect(19468, '127.0.0.1', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(undefined));
    }));
    const inUse = await cli(['--runs-dir', runs, 'canary', '--site', sim.site, '--every', '1h', '--listen', '127.0.0.1:19468'], { env: sim.env, timeoutMs: 30_000 });
    assert.equal(inUse.code, 2, inUse.stderr);
    assert.match(inUse.stderr, /^CAPI_GATE_USAGE: --listen 127\.0\.0\.1:19468: the address is in use\n {2}Hint: /m);
  } finally {
    await stop(busy);
  }
  writeFileSync(join(t.dir, 'bad-site.yaml'), 'site: Not Valid\n');
  const site = await cli(['--runs-dir', runs, 'canary', '--site', join(t.dir, 'bad-site.yaml'), '--every', '1h', '--listen', '127.0.0.1:19468'], { env: sim.env, timeoutMs: 30_000 });
  assert.equal(site.code, 2, site.stderr);
  assert.match(site.stderr, /^CAPI_GATE_SITE_INVALID: /m);
  assert.ok(!existsSync(runs), 'no runs directory was made');
});

test('canary: three short cycles scraped by a real Prometheus; three clusters, never two at once, nothing left; Prometheus holds the report\'s values', { timeout: 300_000 }, async () => {
  const runs = join(t.dir, 'runs-canary');
  const tsdb = join(t.dir, 'tsdb');
  writeFileSync(join(t.dir, 'prometheus.yml'), `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: capi-gate-canary\n    static_configs:\n      - targets: ['127.0.0.1:19464']\n`);
  const prom = daemon('prometheus', [`--config.file=${join(t.dir, 'prometheus.yml')}`, `--storage.tsdb.path=${tsdb}`, `--web.listen-address=${PROMETHEUS}`], join(t.dir, 'prometheus.log'));
  const before = resourceCounts(await simState(sim.control));
  const seq0 = (await timeline(sim.control)).at(-1)?.seq ?? 0;
  try {
    await until('prometheus ready', () => get(`http://${PROMETHEUS}/-/ready`).then(() => true));
    const c = canary(['--runs-dir', runs, 'canary', '--site', sim.site, '--every', '4s', '--jitter', '500ms', '--listen', '127.0.0.1:19464', '--max-runs', '3', '--keep-runs', '2'], sim.env);
    const health = await until('canary /healthz', async () => JSON.parse(await get('http://127.0.0.1:19464/healthz')) as { status: string; site: string });
    assert.equal(health.status, 'ok');
    assert.equal(health.site, 'sim');
    const end = await Promise.race([c.done, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`canary not done: ${c.output()}`)), 240_000))]);
    assert.equal(end.code, 0, c.output());
    const out = c.output();
    assert.equal((out.match(/canary sim: run \S+: FUNCTIONALLY ACCEPTED \(exit 0\); operator-only, not failures: D-011.7 OUTSTANDING/g) ?? []).length, 3, out);

    // Three clusters, one per run, each a name of its own; never two at once; nothing left.
    const tl = (await timeline(sim.control)).filter((e) => e.seq > seq0);
    const conc = concurrency(tl);
    assert.equal(conc.created.length, 3, JSON.stringify(conc));
    assert.equal(conc.max, 1, 'never two clusters at once');
    assert.deepEqual([...conc.gone].sort(), [...conc.created].sort(), 'every cluster gone');
    const names = new Set(tl.filter((e) => e.kind === 'magnum.cluster').map((e) => e.name));
    assert.equal(names.size, 3);
    for (const n of names) assert.match(n ?? '', /^sim-canary-[0-9a-f]{6}$/);
    const state = await simState(sim.control);
    assert.deepEqual(state.magnum.clusters, []);
    assert.deepEqual(resourceCounts(state), before, 'nothing left behind');
    // Pruned to the newest 2.
    const kept = readdirSync(runs).filter((d) => existsSync(join(runs, d, 'run.json')));
    assert.equal(kept.length, 2, kept.join(', '));
    assert.match(out, /pruned 1 run directory \(keeping the newest 2\)/);

    // Prometheus scraped the canary while it ran: the values of a finished run equal its report.
    const q = async (query: string, time?: number) => {
      const body = JSON.parse(await get(`http://${PROMETHEUS}/api/v1/query?query=${encodeURIComponent(query)}${time ? `&time=${time}` : ''}`)) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
      return body.data.result;
    };
    const seen = await q('last_over_time(capi_gate_run_info[10m])');
    const keptSeen = seen.map((s) => s.metric['run_id']!).filter((id) => kept.includes(id));
    assert.ok(keptSeen.length > 0, `Prometheus saw a kept run: ${JSON.stringify(seen.map((s) => s.metric))} / ${kept.join(', ')}`);
    const runId = keptSeen.sort()[0]!;
    const report = JSON.parse(readFileSync(join(runs, runId, 'report.json'), 'utf8')) as RunReport;
    // A moment at which this run was the newest the canary served.
    const range = JSON.parse(await get(`http://${PROMETHEUS}/api/v1/query_range?query=${encodeURIComponent(`capi_gate_run_info{run_id="${runId}"}`)}&start=${Math.floor(Date.now() / 1000) - 600}&end=${Math.ceil(Date.now() / 1000)}&step=1`)) as { data: { result: { values: [number, string][] }[] } };
    const at = range.data.result[0]?.values.at(-1)?.[0];
    assert.ok(at, 'a sample of the run');
    const verdict = await q('capi_gate_verdict == 1', at);
    assert.deepEqual(verdict.map((v) => v.metric['verdict']), [report.verdict]);
    const items = await q('capi_gate_item_status == 1', at);
    assert.deepEqual(
      Object.fromEntries(items.map((i) => [i.metric['item'], i.metric['status']]).sort()),
      Object.fromEntries(report.items.filter((i) => i.ran).map((i) => [i.id, i.status]).sort()),
    );
    const blackout = await q('capi_gate_failover_blackout_seconds', at);
    const d4 = report.items.find((i) => i.id === 'D-011.4')!.details as { blackout: { blackoutMs: number } };
    assert.equal(Number(blackout[0]?.value[1]), d4.blackout.blackoutMs / 1000);
    const create = await q('capi_gate_cluster_create_seconds', at);
    assert.equal(Number(create[0]?.value[1]), (report.items.find((i) => i.id === '8.2')!.details as { createMs: number }).createMs / 1000);
    const runsTotal = await q('max_over_time(capi_gate_canary_runs_total{verdict="FUNCTIONALLY ACCEPTED"}[10m])');
    assert.ok(Number(runsTotal[0]?.value[1]) >= 2, JSON.stringify(runsTotal));
  } finally {
    await stop(prom);
  }
});

test('canary: kill -9 mid-run, then a restart deletes the leftover cluster before its run, and its metrics say so', { timeout: 300_000 }, async () => {
  const runs = join(t.dir, 'runs-kill');
  const seq0 = (await timeline(sim.control)).at(-1)?.seq ?? 0;
  const first = canary(['--runs-dir', runs, 'canary', '--site', sim.site, '--every', '1h', '--listen', '127.0.0.1:19465', '--lease-ttl', '5m'], sim.env);
  const leftover = await until('the first canary\'s cluster', async () => (await simState(sim.control)).magnum.clusters.find((c) => /^sim-canary-/.test(c.name) && c.status === 'CREATE_COMPLETE'), 120_000);
  first.child.kill('SIGKILL');
  await first.done;
  assert.ok(existsSync(join(runs, '.canary-lease-sim.json')), 'the killed canary\'s lease is left');

  const second = canary(['--runs-dir', runs, 'canary', '--site', sim.site, '--every', '1h', '--listen', '127.0.0.1:19465', '--max-runs', '1'], sim.env);
  const metrics = await until('the restarted canary reports the leftover', async () => {
    const m = samples(await get('http://127.0.0.1:19465/metrics'));
    return m.get('capi_gate_canary_leftovers_cleaned_total{site="sim"}') === 1 ? m : undefined;
  }, 120_000, 200);
  assert.equal(metrics.get('capi_gate_canary_leftovers_found{site="sim"}'), 1);
  assert.equal(metrics.get('capi_gate_canary_leftovers_found_total{site="sim"}'), 1);
  const end = await second.done;
  assert.equal(end.code, 0, second.output());
  const out = second.output();
  // The lease of the killed canary (5 minutes left) is taken over at once: its process is gone.
  assert.match(out, /took the site's lease over from canary \S+ \(pid \d+ on .*\): its process \d+ on .* is gone/);
  assert.match(out, new RegExp(`1 leftover canary cluster\\(s\\) of earlier runs: ${leftover.name}; deleting them first`));
  assert.match(out, new RegExp(`leftover ${leftover.name}: deleted, nothing left`));
  // The leftover was gone before the new run's cluster was created; nothing is left now.
  const tl = (await timeline(sim.control)).filter((e) => e.seq > seq0 && e.kind === 'magnum.cluster');
  const goneAt = tl.find((e) => e.id === leftover.uuid && e.to === 'gone')?.seq;
  const nextCreated = tl.find((e) => e.id !== leftover.uuid)?.seq;
  assert.ok(goneAt !== undefined && nextCreated !== undefined && goneAt < nextCreated, JSON.stringify(tl));
  assert.equal(concurrency(tl).max, 1);
  assert.deepEqual((await simState(sim.control)).magnum.clusters, []);
});

test('canary: two canaries on one site never run together (the second waits for the lease and says so); SIGTERM mid-run tears down and deletes the run\'s cluster before the canary exits', { timeout: 300_000 }, async () => {
  const runs = join(t.dir, 'runs-two');
  const seq0 = (await timeline(sim.control)).at(-1)?.seq ?? 0;
  const a = canary(['--runs-dir', runs, 'canary', '--site', sim.site, '--every', '1h', '--listen', '127.0.0.1:19466', '--max-runs', '1', '--stop-timeout', '2m'], sim.env);
  await until('the first canary runs', async () => (/run with cluster/.test(a.output()) ? true : undefined), 60_000);
  const b = canary(['--runs-dir', runs, 'canary', '--site', sim.site, '--every', '1h', '--listen', '127.0.0.1:19467', '--max-runs', '1'], sim.env);
  const waits = await until('the second canary waits', async () => {
    const m = samples(await get('http://127.0.0.1:19467/metrics'));
    return m.get('capi_gate_canary_lease_waits_total{site="sim"}') === 1 ? m : undefined;
  }, 60_000);
  assert.equal(waits.get('capi_gate_canary_lease_held{site="sim"}'), 0);
  assert.equal(waits.get('capi_gate_canary_running{site="sim"}'), 0);
  assert.match(b.output(), /waiting: another canary holds the site's lease/);

  // SIGTERM to the first while its cluster exists: the run stops, its cluster is deleted, it exits.
  const first = await until('the first canary\'s cluster', async () => (await simState(sim.control)).magnum.clusters.find((c) => /^sim-canary-/.test(c.name) && c.status === 'CREATE_COMPLETE'), 120_000);
  a.child.kill('SIGTERM');
  const ea = await a.done;
  assert.equal(ea.code, 0, a.output());
  assert.match(a.output(), new RegExp(`the run was interrupted: deleting its cluster ${first.name} \\(at most 2m`));
  assert.match(a.output(), new RegExp(`cluster ${first.name} deleted, nothing left`));
  assert.match(a.output(), /canary sim: stopped/);

  const eb = await b.done;
  assert.equal(eb.code, 0, b.output());
  assert.match(b.output(), /the site's lease is free: this canary runs now/);
  assert.match(b.output(), /no leftover canary clusters/, 'the stopped canary left nothing');
  const tl = (await timeline(sim.control)).filter((e) => e.seq > seq0);
  const conc = concurrency(tl);
  assert.equal(conc.created.length, 2);
  assert.equal(conc.max, 1, 'never two at once');
  const goneAt = tl.find((e) => e.kind === 'magnum.cluster' && e.id === first.uuid && e.to === 'gone')?.seq ?? Infinity;
  assert.ok(tl.filter((e) => e.kind === 'magnum.cluster' && e.id !== first.uuid).every((e) => e.seq > goneAt), 'the second canary\'s cluster came after the first one was gone');
  assert.deepEqual((await simState(sim.control)).magnum.clusters, []);
});
