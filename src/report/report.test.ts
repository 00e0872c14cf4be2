import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReport } from './model.js';
import { renderMarkdown } from './markdown.js';
import { renderJunit } from './junit.js';
import type { JournalRecord, RunMeta } from '../engine/journal.js';
import type { ItemStatus } from '../core/results.js';
import { CATALOG } from '../phase08/index.js';

const meta: RunMeta = { schema: 'capi-gate/run@1', runId: 'r-1', site: 'roosevelt', sitePath: '/x/site.yaml', createdAt: 0, selection: { only: [], skip: [] }, version: '0.1.0' };

function journalWith(statuses: Record<string, ItemStatus>, extra: JournalRecord[] = []): JournalRecord[] {
  const recs: JournalRecord[] = [];
  let t = 1000;
  for (const [step, status] of Object.entries(statuses)) {
    recs.push({ t: 'step-start', step, at: t, attempt: 1 });
    recs.push({ t: 'step-end', step, at: (t += 1000), startedAt: t - 1000, outcome: { status, summary: `${step} ${status}` }, waits: [] });
  }
  recs.push(...extra);
  recs.push({ t: 'run-end', at: t + 1, verdict: 'x', exitCode: 0, interrupted: false });
  return recs;
}

const RUNBOOK_RUN: Record<string, ItemStatus> = Object.fromEntries(
  CATALOG.filter((s) => s.id !== 'EXIT-GATE').map((s) => [s.id, s.id === 'D-011.7' ? 'OUTSTANDING' : s.id === 'D-011.8' ? 'DEFERRED' : 'PASS']),
);

test('the Markdown report reproduces the runbook ACCEPTANCE SUMMARY line and the verdict', () => {
  const report = buildReport(meta, journalWith(RUNBOOK_RUN, [
    { t: 'capture', key: 'cluster_uuid', value: '6de15cf4-8805-4ac2-b413-8de2c48d92cf', at: 1 },
    { t: 'capture', key: 'api_lb_id', value: '0f968008-8429-4ac3-8b82-452e126982cf', at: 1 },
    { t: 'capture', key: 'api_address', value: 'https://10.12.7.180:6443', at: 1 },
  ]), CATALOG);
  assert.equal(report.verdict, 'FUNCTIONALLY ACCEPTED');
  assert.equal(report.exitCode, 0);
  const md = renderMarkdown(report);
  assert.ok(md.includes(
    'ACCEPTANCE SUMMARY (this run): .1 charms PASS; .2 core VIPs PASS; .3 tenant->VIP PASS; .4 Octavia round-robin + admin-scope failover PASS; .5 E2E CAPI create PASS; .6 vault manual unseal PASS; .7 snapshot OUTSTANDING (operator); .8 Designate DEFERRED (D-019). => v1 is FUNCTIONALLY ACCEPTED',
  ), md);
  assert.match(md, /\*\*Verdict: FUNCTIONALLY ACCEPTED\*\*/);
  assert.match(md, /## EXIT GATE \(phase-08 \/ v1 acceptance\)/);
  for (let i = 1; i <= 8; i++) assert.match(md, new RegExp(`\\| D-011\\.${i} \\|`));
  assert.match(md, /## As-built record/);
  assert.match(md, /- API LB id: 0f968008-8429-4ac3-8b82-452e126982cf/);
  assert.match(md, /- endpoint \(api_address\): https:\/\/10\.12\.7\.180:6443/);
});

test('a sign-off turns OUTSTANDING into PASS and the verdict is recomputed', () => {
  const report = buildReport(meta, journalWith(RUNBOOK_RUN, [{ t: 'signoff', item: 'D-011.7', by: 'Ada', note: 'Snapshot 2 taken after tenant setup', at: 5 }]), CATALOG);
  assert.equal(report.verdict, 'ACCEPTED');
  const item = report.items.find((i) => i.id === 'D-011.7')!;
  assert.equal(item.status, 'PASS');
  assert.equal(item.measured, 'OUTSTANDING');
  const md = renderMarkdown(report);
  assert.match(md, /\.7 snapshot PASS \(signed off\)/);
  assert.match(md, /signed off by \*\*Ada\*\*.*Snapshot 2 taken after tenant setup/);
});

test('one FAIL makes it NOT ACCEPTED with exit 1; JUnit has one case per item', () => {
  const report = buildReport(meta, journalWith({ ...RUNBOOK_RUN, 'D-011.6': 'FAIL' }), CATALOG);
  assert.equal(report.verdict, 'NOT ACCEPTED');
  assert.equal(report.exitCode, 1);
  const xml = renderJunit(report);
  assert.equal((xml.match(/<testcase /g) ?? []).length, report.items.length);
  assert.match(xml, /<failure message="D-011.6 FAIL"/);
  assert.match(xml, /failures="1"/);
  assert.match(xml, /<skipped message="DEFERRED/);
});

test('a run with no run-end record is reported unfinished with exit 130', () => {
  const recs = journalWith({ '8.0.prereqs': 'PASS' }).filter((r) => r.t !== 'run-end');
  const report = buildReport(meta, recs, CATALOG);
  assert.equal(report.finished, false);
  assert.equal(report.exitCode, 130);
  assert.match(renderMarkdown(report), /\*\*Verdict: NOT ACCEPTED; the run did not finish: 17 of its 18 selected steps have not run, so there is no acceptance yet; resume it: capi-gate run --resume r-1\*\*; exit code 130\./);
});
