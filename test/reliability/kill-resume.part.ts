// kill -9 of `capi-gate run` at many points across a full run (issue 6, reliability), each
// followed by `run --resume` until the run finishes. Against ONE simulator process, with a
// distinct cluster name per attempt (a site file variant beside the simulator's own, so its
// relative paths still resolve). After each attempt: exactly one cluster was ever created for
// it and one template exists, nothing it created is left (LBs, FIPs, networks, routers, security
// groups named after its CAPI stack id), and the verdict and every item's status equal those of
// an uninterrupted run.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers.js';
import type { SimProcess } from '../sim-process.js';
import { cli, hasStackTrace, mapLimit, resourceCounts, simState, siteVariantText, timeline, writeTally, startSim } from './harness.js';

const TIME_SCALE = '0.004';
const KILL_POINTS = 20;

interface RunOutcome {
  readonly exitCode: number | undefined;
  readonly verdict: string | undefined;
  readonly statuses: Record<string, string>;
  readonly records: number;
  readonly captures: Record<string, string>;
}

function siteVariant(sim: SimProcess, cluster: string): string {
  const text = readFileSync(sim.site, 'utf8');
  const file = join(sim.dir, `site-${cluster}.yaml`);
  writeFileSync(file, siteVariantText(text, cluster));
  return file;
}

function journalLines(runs: string): string[] {
  if (!existsSync(runs)) return [];
  const id = readdirSync(runs).filter((d) => d !== 'doctor' && existsSync(join(runs, d, 'journal.jsonl'))).sort().pop();
  if (!id) return [];
  const p = join(runs, id, 'journal.jsonl');
  return existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter((l) => l.trim()) : [];
}

function outcome(runs: string): RunOutcome {
  const records = journalLines(runs).flatMap((l) => {
    try {
      return [JSON.parse(l) as { t: string; step?: string; outcome?: { status: string }; verdict?: string; exitCode?: number; interrupted?: boolean; key?: string; value?: string }];
    } catch {
      return [];
    }
  });
  const end = records.filter((r) => r.t === 'run-end' && !r.interrupted).pop();
  const statuses: Record<string, string> = {};
  for (const r of records) if (r.t === 'step-end' && r.step && r.outcome) statuses[r.step] = r.outcome.status;
  const captures: Record<string, string> = {};
  for (const r of records) if (r.t === 'capture' && r.key && r.value !== undefined) captures[r.key] = r.value;
  return { exitCode: end?.exitCode, verdict: end?.verdict, statuses, records: records.length, captures };
}

type KillPoint = { readonly kind: 'records'; readonly n: number } | { readonly kind: 'time'; readonly ms: number };

async function attempt(sim: SimProcess, dir: string, name: string, point: KillPoint): Promise<{ runs: string; resumes: number; killed: boolean; output: string }> {
  const site = siteVariant(sim, name);
  const runs = join(dir, `runs-${name}`);
  let killed = false;
  let timer: NodeJS.Timeout | undefined;
  const first = await cli(['run', '--site', site, '--runs-dir', runs], {
    env: sim.env,
    timeoutMs: 240_000,
    onSpawn: (child) => {
      const started = Date.now();
      timer = setInterval(() => {
        const hit = point.kind === 'time' ? Date.now() - started >= point.ms : journalLines(runs).length >= point.n;
        if (hit && child.exitCode === null && !killed) {
          killed = true;
          child.kill('SIGKILL');
        }
      }, 10);
    },
  });
  clearInterval(timer);
  let output = first.stdout + first.stderr;
  let resumes = 0;
  while (outcome(runs).verdict === undefined && resumes < 3) {
    resumes++;
    // Killed before the run directory held a record: there is nothing to resume, and the
    // operator starts the run again (which must still create exactly one cluster).
    const fresh = journalLines(runs).length === 0;
    const r = await cli(fresh ? ['run', '--site', site, '--runs-dir', runs] : ['run', '--resume', '--site', site, '--runs-dir', runs], { env: sim.env, timeoutMs: 240_000 });
    output += r.stdout + r.stderr;
  }
  return { runs, resumes, killed, output };
}

test('kill -9 at >= 20 points across a full run, each resumed: one cluster, one template, nothing leaked, the same verdict', { timeout: 600_000 }, async (t) => {
  const tmp = tempDir('capi-gate-rel-kill-');
  const sim = await startSim(join(tmp.dir, 'sim'), ['--time-scale', TIME_SCALE]);
  const problems: string[] = [];
  let survived = 0;
  try {
    const start = resourceCounts(await simState(sim.control));
    // The uninterrupted run every attempt is compared with.
    const started = Date.now();
    const baseRuns = join(tmp.dir, 'runs-base');
    const base = await cli(['run', '--site', siteVariant(sim, 'kp-base'), '--runs-dir', baseRuns], { env: sim.env, timeoutMs: 240_000 });
    const baseMs = Date.now() - started;
    const want = outcome(baseRuns);
    assert.ok(want.verdict, `the baseline run did not finish: ${base.stdout}${base.stderr}`);
    assert.equal(hasStackTrace(base.stdout + base.stderr), false);
    t.diagnostic(`baseline: ${want.verdict} exit ${want.exitCode} in ${baseMs} ms, ${want.records} journal records`);

    const points: KillPoint[] = [];
    const byRecords = Math.ceil(KILL_POINTS / 2);
    for (let i = 0; i < byRecords; i++) points.push({ kind: 'records', n: 1 + Math.round((i * (want.records - 2)) / (byRecords - 1)) });
    for (let i = 0; i < KILL_POINTS - byRecords; i++) points.push({ kind: 'time', ms: Math.round(((i + 0.5) / (KILL_POINTS - byRecords)) * baseMs * 0.8) });

    const templateName = (/^template:\n\s+name:\s*(\S+)/m.exec(readFileSync(sim.site, 'utf8')) ?? [])[1] ?? 'capi-k8s-v1-34';
    const results = await mapLimit(points, 2, async (point0, i) => {
      let point = point0;
      let name = `kp-${i}`;
      let a = await attempt(sim, tmp.dir, name, point);
      if (!a.killed && point0.kind === 'time') {
        // The run finished before a time point measured against the baseline: this machine was
        // quicker now than then (two test lanes share it). The same point earlier in the run, once,
        // on a fresh name: every kill point still kills a run. (The finished run deleted its cluster.)
        const ms = Math.round(point0.ms * 0.6);
        point = { kind: 'time', ms };
        name = `kp-${i}-again`;
        t.diagnostic(`kill point ${i}: the run ended before ${point0.ms} ms; again at ${ms} ms`);
        a = await attempt(sim, tmp.dir, name, point);
      }
      const got = outcome(a.runs);
      const mine: string[] = [];
      const where = point.kind === 'time' ? `${point.ms} ms` : `${point.n} records`;
      if (!a.killed) mine.push('the run ended before the kill point');
      if (hasStackTrace(a.output)) mine.push('stack trace in the output');
      if (got.verdict !== want.verdict) mine.push(`verdict ${got.verdict ?? '(unfinished)'} (uninterrupted: ${want.verdict})`);
      if (got.exitCode !== want.exitCode) mine.push(`exit ${got.exitCode} (uninterrupted: ${want.exitCode})`);
      for (const [step, status] of Object.entries(want.statuses)) {
        if (got.statuses[step] !== status) mine.push(`${step} ${got.statuses[step] ?? 'missing'} (uninterrupted: ${status})`);
      }
      const created = new Set((await timeline(sim.control, 'magnum.cluster')).filter((e) => e.name === name).map((e) => e.id));
      if (created.size !== 1) mine.push(`${created.size} clusters created`);
      const state = await simState(sim.control);
      const templates = state.magnum.clustertemplates.filter((x) => x.name === templateName);
      if (templates.length !== 1) mine.push(`${templates.length} templates named ${templateName}`);
      const left = state.magnum.clusters.filter((c) => c.name === name);
      if (left.length) mine.push(`cluster left: ${left.map((c) => c.status).join(', ')}`);
      const stack = got.captures['capi_suffix'];
      if (stack) {
        const named = [
          ...state.octavia.loadbalancers.filter((x) => x.name.includes(stack) && x.provisioning_status !== 'DELETED').map((x) => `LB ${x.name}`),
          ...state.neutron.networks.filter((x) => x.name.includes(stack)).map((x) => `network ${x.name}`),
          ...state.neutron.routers.filter((x) => x.name.includes(stack)).map((x) => `router ${x.name}`),
          ...state.neutron.securityGroups.filter((x) => x.name.includes(stack)).map((x) => `security group ${x.name}`),
          ...state.nova.servers.filter((x) => x.name.includes(stack)).map((x) => `server ${x.name}`),
        ];
        if (named.length) mine.push(`leaked: ${named.join(', ')}`);
      }
      const rr = state.octavia.loadbalancers.filter((x) => x.name.startsWith(`kube_service_${name}_`) && x.provisioning_status !== 'DELETED');
      if (rr.length) mine.push(`Service LB leaked: ${rr.map((x) => x.name).join(', ')}`);
      t.diagnostic(`kill point ${i} (${where}): ${mine.length ? 'FAILED' : 'survived'} after ${a.resumes} resume(s)`);
      return mine.length ? `kill point ${i} (${where}, ${a.resumes} resumes): ${mine.join('; ')}` : undefined;
    });
    // Floating IP addresses are reused across clusters, so FIPs and ports are compared in total:
    // every attempt deletes its cluster in 8.5, so the site ends as it began.
    const end = resourceCounts(await simState(sim.control));
    for (const [k, v] of Object.entries(start)) if (end[k] !== v) problems.push(`${k}: ${v} before the attempts, ${end[k]} after`);
    for (const r of results) {
      if (r) problems.push(r);
      else survived++;
    }
    writeTally({ part: 'kill-resume', killPointsTried: points.length, killPointsSurvived: survived });
    assert.ok(points.length >= 20);
    assert.deepEqual(problems, []);
  } finally {
    await sim.stop();
    tmp.cleanup();
  }
});
