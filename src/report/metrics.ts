// Prometheus metrics of a run (and of the canary that schedules runs), built with prom-client from
// the report model: the item results, the verdict, durations, each wait against its deadline, the
// cloud's own times (create, delete, Service LB, failover and its blackout), API calls by service
// and status class, and the site's history (last run, last success, failures in a row). The
// definitions below are the single source of the names: docs/metrics.md is rendered from them.

import { Counter, Gauge, Registry } from 'prom-client';
import { ITEM_STATUSES, VERDICTS } from '../core/results.js';
import { parseRequestKey } from './metric-keys.js';
import type { RunReport } from './model.js';

export type MetricType = 'gauge' | 'counter';

export interface MetricDef {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly labels: readonly string[];
  /** run: every run (`run --metrics-file/--pushgateway`, and the canary); canary: only the canary's /metrics. */
  readonly scope: 'run' | 'canary';
}

const def = (name: string, type: MetricType, labels: readonly string[], help: string, scope: MetricDef['scope'] = 'run'): MetricDef => ({ name, type, labels, help, scope });

/** Every metric capi-gate exposes (besides prom-client's process_* and nodejs_* on the canary). */
export const METRICS = [
  def('capi_gate_run_info', 'gauge', ['site', 'run_id', 'version'], 'The run these metrics are of (always 1).'),
  def('capi_gate_verdict', 'gauge', ['site', 'verdict'], 'The run\'s verdict: 1 for its verdict, 0 for the others (ACCEPTED, FUNCTIONALLY ACCEPTED, NOT ACCEPTED, PARTIAL); no series while the run has not finished.'),
  def('capi_gate_run_accepted', 'gauge', ['site'], '1 when the run ended ACCEPTED or FUNCTIONALLY ACCEPTED (only operator-attested items outstanding), else 0.'),
  def('capi_gate_run_exit_code', 'gauge', ['site'], 'The run\'s exit code (0 accepted, 1 a gate failed, 3 precondition, 4 could not evaluate, 5 partial, 130 interrupted).'),
  def('capi_gate_item_status', 'gauge', ['site', 'item', 'status'], 'One series per step and status (PASS, FAIL, ERROR, DEFERRED, OUTSTANDING, SKIPPED): 1 for the status the item ended with, 0 for the others. OUTSTANDING is an operator action pending (D-011.7 Snapshot 2 sign-off), not a failure.'),
  def('capi_gate_items_outstanding', 'gauge', ['site'], 'Items waiting for an operator sign-off (OUTSTANDING): reported, never counted as failures.'),
  def('capi_gate_run_duration_seconds', 'gauge', ['site'], 'How long the run ran (pauses between an interrupt and its resume left out).'),
  def('capi_gate_step_duration_seconds', 'gauge', ['site', 'step'], 'How long each step took, from its start to its result.'),
  def('capi_gate_wait_duration_seconds', 'gauge', ['site', 'step', 'wait', 'outcome'], 'How long each wait took, with how it ended (success, failure, timeout, stalled, forbidden, error, aborted).'),
  def('capi_gate_wait_deadline_seconds', 'gauge', ['site', 'step', 'wait'], 'The deadline each wait ran against (compare with capi_gate_wait_duration_seconds).'),
  def('capi_gate_wait_detection_lag_seconds', 'gauge', ['site', 'step', 'wait'], 'Upper bound of how late a wait saw its final state: the time between its last two answers.'),
  def('capi_gate_cluster_create_seconds', 'gauge', ['site'], '8.2: the cluster create, from the request to CREATE_COMPLETE.'),
  def('capi_gate_cluster_delete_seconds', 'gauge', ['site'], '8.5: the cluster delete, from the request until the cluster is gone.'),
  def('capi_gate_lb_create_seconds', 'gauge', ['site'], 'D-011.4: the round-robin Service type=LoadBalancer, from its creation to an EXTERNAL-IP with the pods Ready.'),
  def('capi_gate_failover_seconds', 'gauge', ['site'], 'D-011.4: the admin failover of the API load balancer, from the request to ACTIVE.'),
  def('capi_gate_failover_blackout_seconds', 'gauge', ['site'], 'D-011.4: how long the workload API (/version on api_address) did not answer during the failover (the runbook allows 100 s).'),
  def('capi_gate_api_requests_total', 'counter', ['site', 'service', 'status_class'], 'OpenStack API requests of the run by service and status class (2xx, 3xx, 4xx, 5xx; "error" when no answer arrived). On the canary each run counts afresh: increase() and rate() take that as a counter reset.'),
  def('capi_gate_last_run_timestamp_seconds', 'gauge', ['site'], 'When the site\'s newest finished run ended (Unix time).'),
  def('capi_gate_last_success_timestamp_seconds', 'gauge', ['site'], 'When the site\'s newest accepted run (ACCEPTED or FUNCTIONALLY ACCEPTED) ended (Unix time); no series before the first.'),
  def('capi_gate_consecutive_failures', 'gauge', ['site'], 'How many of the site\'s newest finished runs in a row did not pass (exit 1, 3, 4): 0 after a pass.'),
  def('capi_gate_canary_interval_seconds', 'gauge', ['site'], 'The canary\'s --every: the time between two scheduled runs.', 'canary'),
  def('capi_gate_canary_running', 'gauge', ['site'], '1 while the canary runs the acceptance, else 0.', 'canary'),
  def('capi_gate_canary_next_run_timestamp_seconds', 'gauge', ['site'], 'When the canary starts its next run (Unix time, jitter included).', 'canary'),
  def('capi_gate_canary_runs_total', 'counter', ['site', 'verdict'], 'Runs the canary finished, by verdict (UNFINISHED: interrupted or could not start).', 'canary'),
  def('capi_gate_canary_leftovers_found', 'gauge', ['site'], 'Clusters of earlier canary runs (crashed or killed) found by the cleanup before the last run.', 'canary'),
  def('capi_gate_canary_leftovers_found_total', 'counter', ['site'], 'Clusters of earlier canary runs found by the cleanup before a run.', 'canary'),
  def('capi_gate_canary_leftovers_cleaned_total', 'counter', ['site'], 'Leftover clusters the cleanup deleted with nothing left behind (its leak sweep clean).', 'canary'),
  def('capi_gate_canary_lease_held', 'gauge', ['site'], '1 while this canary holds the site\'s lease (the lock that keeps two canaries off one site).', 'canary'),
  def('capi_gate_canary_lease_waits_total', 'counter', ['site'], 'Times the canary found the site\'s lease held by another canary and waited.', 'canary'),
  def('capi_gate_canary_runs_pruned_total', 'counter', ['site'], 'Run directories of the site removed to keep the last --keep-runs.', 'canary'),
] as const satisfies readonly MetricDef[];

export type MetricName = (typeof METRICS)[number]['name'];

/** The site's history as the metrics need it (from the runs directory). */
export interface SiteHistory {
  readonly lastRunAt?: number;
  readonly lastSuccessAt?: number;
  readonly consecutiveFailures: number;
}

/** A finished run's place in the history: when it ended and its exit code. */
export interface FinishedRun {
  readonly endedAt: number;
  readonly exitCode: number;
}

const FAILED = new Set([1, 3, 4]);

/** Last run, last success and failures in a row, from the site's finished runs (any order). */
export function siteHistory(runs: readonly FinishedRun[]): SiteHistory {
  const newestFirst = [...runs].sort((a, b) => b.endedAt - a.endedAt);
  let consecutiveFailures = 0;
  for (const r of newestFirst) {
    if (!FAILED.has(r.exitCode)) break;
    consecutiveFailures++;
  }
  const lastRunAt = newestFirst[0]?.endedAt;
  const lastSuccessAt = newestFirst.find((r) => r.exitCode === 0)?.endedAt;
  return { ...(lastRunAt !== undefined ? { lastRunAt } : {}), ...(lastSuccessAt !== undefined ? { lastSuccessAt } : {}), consecutiveFailures };
}

/** Requests counted per service and status class while a run ran (keys: metric-keys.ts). */
export type RequestCounts = ReadonlyMap<string, number>;

type Metric = Gauge | Counter;

/** A registry holding the metrics of the given scope, each made from its definition. */
function makeMetrics(registry: Registry, scope: MetricDef['scope']): Map<MetricName, Metric> {
  const made = new Map<MetricName, Metric>();
  for (const m of METRICS) {
    if (m.scope !== scope) continue;
    const cfg = { name: m.name, help: m.help, labelNames: [...m.labels], registers: [registry] };
    made.set(m.name, m.type === 'counter' ? new Counter(cfg) : new Gauge(cfg));
  }
  return made;
}

const seconds = (ms: number): number => ms / 1000;

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** The cloud's own times from the items' details and waits; absent when the step did not measure them. */
export function cloudTimes(report: RunReport): Partial<Record<'create' | 'delete' | 'lbCreate' | 'failover' | 'blackout', number>> {
  const item = (id: string) => report.items.find((i) => i.id === id && i.ran);
  const d = (id: string, key: string): unknown => item(id)?.details?.[key];
  const rr = item('D-011.4')?.waits.find((w) => w.name === 'rr-external-ip' && w.outcome === 'success');
  const blackout = d('D-011.4', 'blackout');
  const out: Partial<Record<'create' | 'delete' | 'lbCreate' | 'failover' | 'blackout', number>> = {};
  const set = (k: keyof typeof out, v: number | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('create', num(d('8.2', 'createMs')));
  set('delete', num(d('8.5', 'deleteMs')));
  set('lbCreate', rr ? rr.endedAt - rr.startedAt : undefined);
  set('failover', num(d('D-011.4', 'failoverDurationMs')));
  set('blackout', num((blackout as { blackoutMs?: unknown } | null | undefined)?.blackoutMs));
  return out;
}

export interface RunMetricsInput {
  readonly report: RunReport;
  readonly history: SiteHistory;
  readonly requests: RequestCounts;
}

/** The metrics of one run, in a registry of their own (what --metrics-file writes and --pushgateway pushes). */
export function runRegistry(input: RunMetricsInput): Registry {
  const { report, history, requests } = input;
  const registry = new Registry();
  const m = makeMetrics(registry, 'run');
  const g = (name: MetricName) => m.get(name) as Gauge;
  const site = report.site;
  g('capi_gate_run_info').set({ site, run_id: report.runId, version: report.version }, 1);
  if (report.finished) {
    for (const v of VERDICTS) g('capi_gate_verdict').set({ site, verdict: v }, v === report.verdict ? 1 : 0);
  }
  g('capi_gate_run_accepted').set({ site }, report.finished && report.exitCode === 0 ? 1 : 0);
  g('capi_gate_run_exit_code').set({ site }, report.exitCode);
  for (const i of report.items) {
    if (!i.ran) continue;
    for (const s of ITEM_STATUSES) g('capi_gate_item_status').set({ site, item: i.id, status: s }, s === i.status ? 1 : 0);
    if (i.startedAt !== undefined && i.endedAt !== undefined) g('capi_gate_step_duration_seconds').set({ site, step: i.id }, seconds(i.endedAt - i.startedAt));
    for (const w of i.waits) {
      g('capi_gate_wait_duration_seconds').set({ site, step: i.id, wait: w.name, outcome: w.outcome }, seconds(w.endedAt - w.startedAt));
      if (w.deadlineMs !== undefined) g('capi_gate_wait_deadline_seconds').set({ site, step: i.id, wait: w.name }, seconds(w.deadlineMs));
      if (w.detectionWindowMs !== undefined) g('capi_gate_wait_detection_lag_seconds').set({ site, step: i.id, wait: w.name }, seconds(w.detectionWindowMs));
    }
  }
  g('capi_gate_items_outstanding').set({ site }, report.items.filter((i) => i.ran && i.status === 'OUTSTANDING').length);
  g('capi_gate_run_duration_seconds').set({ site }, seconds(report.durationMs));
  const t = cloudTimes(report);
  const times: [MetricName, number | undefined][] = [
    ['capi_gate_cluster_create_seconds', t.create], ['capi_gate_cluster_delete_seconds', t.delete], ['capi_gate_lb_create_seconds', t.lbCreate],
    ['capi_gate_failover_seconds', t.failover], ['capi_gate_failover_blackout_seconds', t.blackout],
  ];
  for (const [name, ms] of times) if (ms !== undefined) g(name).set({ site }, seconds(ms));
  const c = m.get('capi_gate_api_requests_total') as Counter;
  for (const [key, n] of requests) {
    const k = parseRequestKey(key);
    c.inc({ site, service: k.service, status_class: k.statusClass }, n);
  }
  if (history.lastRunAt !== undefined) g('capi_gate_last_run_timestamp_seconds').set({ site }, seconds(history.lastRunAt));
  if (history.lastSuccessAt !== undefined) g('capi_gate_last_success_timestamp_seconds').set({ site }, seconds(history.lastSuccessAt));
  g('capi_gate_consecutive_failures').set({ site }, history.consecutiveFailures);
  return registry;
}

/** The canary's own metrics: a registry that lives as long as the canary. */
export class CanaryMetrics {
  readonly registry = new Registry();
  private readonly m: Map<MetricName, Metric>;

  constructor(readonly site: string, intervalMs: number) {
    this.m = makeMetrics(this.registry, 'canary');
    this.gauge('capi_gate_canary_interval_seconds').set({ site }, seconds(intervalMs));
    this.gauge('capi_gate_canary_running').set({ site }, 0);
    this.gauge('capi_gate_canary_lease_held').set({ site }, 0);
    this.gauge('capi_gate_canary_leftovers_found').set({ site }, 0);
    for (const name of ['capi_gate_canary_leftovers_found_total', 'capi_gate_canary_leftovers_cleaned_total', 'capi_gate_canary_lease_waits_total', 'capi_gate_canary_runs_pruned_total'] as const) {
      this.counter(name).inc({ site }, 0);
    }
  }

  gauge(name: MetricName): Gauge {
    return this.m.get(name) as Gauge;
  }

  counter(name: MetricName): Counter {
    return this.m.get(name) as Counter;
  }
}

/** docs/metrics.md, from the definitions above. */
export function renderMetricsDoc(alerts: readonly { name: string; expr: string; summary: string }[]): string {
  const row = (m: MetricDef) => `| \`${m.name}\` | ${m.type} | ${m.labels.map((l) => `\`${l}\``).join(', ')} | ${m.help.replace(/\|/g, '\\|')} |`;
  const table = (scope: MetricDef['scope']) => ['| metric | type | labels | meaning |', '|---|---|---|---|', ...METRICS.filter((m) => m.scope === scope).map(row)].join('\n');
  return `<!-- Generated by \`npm run docs\` from src/report/metrics.ts and deploy/prometheusrule.yaml; do not edit. -->
# Metrics

Every run can write its metrics in the Prometheus text format: \`capi-gate run --metrics-file PATH\`
(written atomically: a temporary file in the same directory, then renamed, as node_exporter's
textfile collector wants) and \`--pushgateway URL\` (pushed to a Pushgateway under the job
\`capi-gate\`, grouped by \`site\`). \`capi-gate canary\` serves the same metrics of its newest run,
and its own, on \`/metrics\`. The exposition is prom-client's. A value that a run did not measure
(a step not selected, a run that stopped before it) has no series: never a 0 that means
"unknown".

## Metrics of a run

${table('run')}

## Metrics of the canary

Besides the metrics of its newest run, \`capi-gate canary\` serves these, and prom-client's default
\`process_*\` and \`nodejs_*\` metrics:

${table('canary')}

## Alerts

\`deploy/prometheusrule.yaml\` (tested with \`promtool test rules\` in CI):

| alert | fires when | summary |
|---|---|---|
${alerts.map((a) => `| \`${a.name}\` | \`${a.expr.replace(/\s+/g, ' ').trim().replace(/\|/g, '\\|')}\` | ${a.summary.replace(/\|/g, '\\|')} |`).join('\n')}
`;
}
