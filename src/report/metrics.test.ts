import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReport } from './model.js';
import { CanaryMetrics, METRICS, cloudTimes, runRegistry, siteHistory } from './metrics.js';
import { requestKey } from './metric-keys.js';
import type { JournalRecord, RunMeta } from '../engine/journal.js';
import type { ItemStatus } from '../core/results.js';
import { CATALOG } from '../phase08/index.js';

const meta: RunMeta = { schema: 'capi-gate/run@1', runId: 'r-1', site: 'roosevelt', sitePath: '/x/site.yaml', createdAt: 0, selection: { only: [], skip: [] }, version: '0.1.0' };

function journal(statuses: Record<string, ItemStatus>, details: Record<string, Record<string, unknown>> = {}): JournalRecord[] {
  const recs: JournalRecord[] = [];
  let t = 1000;
  for (const [step, status] of Object.entries(statuses)) {
    recs.push({ t: 'step-start', step, at: t, attempt: 1 });
    const waits = step === 'D-011.4'
      ? [{ name: 'rr-external-ip', what: 'rr', outcome: 'success' as const, value: undefined, startedAt: t, endedAt: t + 6500, polls: 4, histogram: {}, timeline: [], deadlineMs: 600_000, detectionWindowMs: 1500 }]
      : [];
    recs.push({ t: 'step-end', step, at: (t += 10_000), startedAt: t - 10_000, outcome: { status, summary: `${step} ${status}`, ...(details[step] ? { details: details[step] } : {}) }, waits });
  }
  recs.push({ t: 'run-end', at: t + 1, verdict: 'x', exitCode: 0, interrupted: false });
  return recs;
}

const ALL: Record<string, ItemStatus> = Object.fromEntries(
  CATALOG.filter((s) => s.id !== 'EXIT-GATE').map((s) => [s.id, s.id === 'D-011.7' ? 'OUTSTANDING' : s.id === 'D-011.8' ? 'DEFERRED' : 'PASS']),
);

/** The value of one series in an exposition text (undefined: no such series). */
function value(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && line.split(' ')[0] !== name) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.split(' ').pop());
  }
  return undefined;
}

test('a run\'s metrics: verdict, item status per status, cloud times, waits against deadlines; HELP and TYPE on each', async () => {
  const report = buildReport(meta, journal(ALL, {
    '8.2': { createMs: 720_000 },
    '8.5': { deleteMs: 310_000 },
    'D-011.4': { failoverDurationMs: 95_000, blackout: { blackoutMs: 42_500 } },
  }), CATALOG);
  const requests = new Map([[requestKey('magnum', 200), 40], [requestKey('magnum', 404), 2], [requestKey('octavia', 0), 1]]);
  const text = await runRegistry({ report, history: siteHistory([{ endedAt: 5_000, exitCode: 1 }, { endedAt: 9_000, exitCode: 0 }]), requests }).metrics();
  assert.equal(report.verdict, 'FUNCTIONALLY ACCEPTED');
  assert.equal(value(text, 'capi_gate_verdict', { verdict: 'FUNCTIONALLY ACCEPTED' }), 1);
  assert.equal(value(text, 'capi_gate_verdict', { verdict: 'ACCEPTED' }), 0);
  assert.equal(value(text, 'capi_gate_run_accepted', {}), 1);
  // D-011.7 is operator-only: OUTSTANDING, counted as such, not as a failure.
  assert.equal(value(text, 'capi_gate_item_status', { item: 'D-011.7', status: 'OUTSTANDING' }), 1);
  assert.equal(value(text, 'capi_gate_item_status', { item: 'D-011.7', status: 'FAIL' }), 0);
  assert.equal(value(text, 'capi_gate_items_outstanding', {}), 1);
  assert.equal(value(text, 'capi_gate_item_status', { item: '8.2', status: 'PASS' }), 1);
  assert.equal(value(text, 'capi_gate_cluster_create_seconds', {}), 720);
  assert.equal(value(text, 'capi_gate_cluster_delete_seconds', {}), 310);
  assert.equal(value(text, 'capi_gate_failover_seconds', {}), 95);
  assert.equal(value(text, 'capi_gate_failover_blackout_seconds', {}), 42.5);
  assert.equal(value(text, 'capi_gate_lb_create_seconds', {}), 6.5);
  assert.equal(value(text, 'capi_gate_wait_deadline_seconds', { step: 'D-011.4', wait: 'rr-external-ip' }), 600);
  assert.equal(value(text, 'capi_gate_wait_detection_lag_seconds', { step: 'D-011.4', wait: 'rr-external-ip' }), 1.5);
  assert.equal(value(text, 'capi_gate_wait_duration_seconds', { step: 'D-011.4', wait: 'rr-external-ip', outcome: 'success' }), 6.5);
  assert.equal(value(text, 'capi_gate_step_duration_seconds', { step: '8.1' }), 10);
  assert.equal(value(text, 'capi_gate_api_requests_total', { service: 'magnum', status_class: '2xx' }), 40);
  assert.equal(value(text, 'capi_gate_api_requests_total', { service: 'magnum', status_class: '4xx' }), 2);
  assert.equal(value(text, 'capi_gate_api_requests_total', { service: 'octavia', status_class: 'error' }), 1);
  assert.equal(value(text, 'capi_gate_last_run_timestamp_seconds', {}), 9);
  assert.equal(value(text, 'capi_gate_last_success_timestamp_seconds', {}), 9);
  assert.equal(value(text, 'capi_gate_consecutive_failures', {}), 0);
  for (const m of METRICS.filter((x) => x.scope === 'run')) {
    assert.match(text, new RegExp(`^# HELP ${m.name} \\S`, 'm'), m.name);
    assert.match(text, new RegExp(`^# TYPE ${m.name} ${m.type}$`, 'm'), m.name);
  }
});

test('what a run did not measure has no series (never a 0 that means unknown)', async () => {
  const only: Record<string, ItemStatus> = { '8.0.prereqs': 'PASS', 'D-011.2': 'FAIL' };
  const report = buildReport({ ...meta, selection: { only: ['8.0.prereqs', 'D-011.2'], skip: [] } }, journal(only), CATALOG);
  const text = await runRegistry({ report, history: siteHistory([]), requests: new Map() }).metrics();
  assert.deepEqual(cloudTimes(report), {});
  for (const name of ['capi_gate_cluster_create_seconds', 'capi_gate_failover_blackout_seconds', 'capi_gate_last_success_timestamp_seconds']) {
    assert.equal(value(text, name, {}), undefined, name);
  }
  assert.equal(value(text, 'capi_gate_item_status', { item: 'D-011.2', status: 'FAIL' }), 1);
  assert.equal(value(text, 'capi_gate_item_status', { item: '8.1' }), undefined, 'a step not selected has no status series');
  assert.equal(value(text, 'capi_gate_run_accepted', {}), 0);
});

test('site history: failures in a row end at a pass; a partial pass (exit 5) breaks the streak but is no success', () => {
  assert.deepEqual(siteHistory([]), { consecutiveFailures: 0 });
  const h = siteHistory([{ endedAt: 1, exitCode: 0 }, { endedAt: 2, exitCode: 1 }, { endedAt: 3, exitCode: 4 }]);
  assert.deepEqual(h, { lastRunAt: 3, lastSuccessAt: 1, consecutiveFailures: 2 });
  assert.equal(siteHistory([{ endedAt: 1, exitCode: 1 }, { endedAt: 2, exitCode: 5 }, { endedAt: 3, exitCode: 1 }]).consecutiveFailures, 1);
  assert.equal(siteHistory([{ endedAt: 2, exitCode: 5 }]).lastSuccessAt, undefined);
});

test('the canary\'s metrics start at 0 with HELP and TYPE', async () => {
  const c = new CanaryMetrics('roosevelt', 6 * 3_600_000);
  const text = await c.registry.metrics();
  assert.equal(value(text, 'capi_gate_canary_interval_seconds', { site: 'roosevelt' }), 21_600);
  assert.equal(value(text, 'capi_gate_canary_leftovers_found_total', { site: 'roosevelt' }), 0);
  for (const m of METRICS.filter((x) => x.scope === 'canary')) assert.match(text, new RegExp(`^# TYPE ${m.name} ${m.type}$`, 'm'), m.name);
});
