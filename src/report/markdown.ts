// Markdown in the shape of the runbook's EXIT GATE and ACCEPTANCE SUMMARY, followed by an
// as-built record like the runbook's "As-built reference".

import { formatDuration } from '../core/duration.js';
import type { ItemStatus } from '../core/results.js';
import { CAPTURED } from './captured-keys.js';
import type { ReportItem, RunReport } from './model.js';

/** The runbook's short labels for the ACCEPTANCE SUMMARY line. */
export const ITEM_LABELS: Readonly<Record<string, string>> = {
  'D-011.1': 'charms',
  'D-011.2': 'core VIPs',
  'D-011.3': 'tenant->VIP',
  'D-011.4': 'Octavia round-robin + admin-scope failover',
  'D-011.5': 'E2E CAPI create',
  'D-011.6': 'vault manual unseal',
  'D-011.7': 'snapshot',
  'D-011.8': 'Designate',
};

function statusText(item: ReportItem | undefined): string {
  if (!item) return 'NOT SELECTED';
  if (!item.ran) return 'NOT RUN';
  const s = item.status;
  if (s === 'DEFERRED' && item.decisions.includes('D-019')) return 'DEFERRED (D-019)';
  if (s === 'OUTSTANDING') return 'OUTSTANDING (operator)';
  if (item.signoffs.length && item.measured !== item.status) return `${s} (signed off)`;
  return s;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function itemsOf(report: RunReport, ids: readonly string[]): (ReportItem | undefined)[] {
  return ids.map((id) => report.items.find((i) => i.id === id));
}

function allPass(items: (ReportItem | undefined)[]): ItemStatus | 'NOT SELECTED' | 'NOT RUN' {
  if (items.some((i) => !i)) return 'NOT SELECTED';
  if (items.some((i) => !i!.ran)) return 'NOT RUN';
  const bad = items.find((i) => i!.status !== 'PASS');
  return bad ? bad.status : 'PASS';
}

/** The totals every format gives (JUnit's tests, failures, errors, skipped). */
export function totalsText(report: RunReport): string {
  const c = report.counts;
  return `${c.tests} steps, ${report.steps.selected} selected: ${c.passed} passed, ${c.failed} failed, ${c.errors} errors, ${c.skipped} skipped (${c.notSelected} not selected)`;
}

export function renderMarkdown(report: RunReport): string {
  const c = report.captured;
  const by = (id: string) => report.items.find((i) => i.id === id);
  const out: string[] = [];
  const when = new Date(report.startedAt).toISOString();
  out.push(`# Phase-08 acceptance: site \`${report.site}\`, run \`${report.runId}\``, '');
  out.push(`**Verdict: ${report.verdictText}**; exit code ${report.exitCode}.`, '');
  out.push(`Started ${when}, took ${report.durationText}. capi-gate ${report.version}. Site file \`${report.sitePath}\`.`, '');
  out.push(`${totalsText(report)}.`, '');
  out.push('## EXIT GATE (phase-08 / v1 acceptance)', '');
  const create = itemsOf(report, ['8.1', '8.2', '8.3']);
  const cluster = c[CAPTURED.clusterUuid] ? `cluster ${c[CAPTURED.clusterUuid]}` : 'cluster';
  out.push(`- 8.1-8.3 passed: ${cluster} CREATE_COMPLETE, Ready nodes, Calico, CCM/CSI/CoreDNS, API LB ACTIVE/ONLINE: **${allPass(create)}**`);
  const core = itemsOf(report, ['D-011.1', 'D-011.2', 'D-011.3', 'D-011.4', 'D-011.5', 'D-011.6']);
  out.push(`- D-011 items 1-6 PASS: **${allPass(core)}**; item 7 (KVM snapshot baseline): **${statusText(by('D-011.7'))}**; item 8: **${statusText(by('D-011.8'))}**`);
  out.push(`- health_status HEALTHY: **${c[CAPTURED.healthStatus] ?? 'not captured'}**${c[CAPTURED.healthStatusReason] ? ` (${c[CAPTURED.healthStatusReason]})` : ''}`);
  const summary = Object.entries(ITEM_LABELS)
    .map(([id, label]) => `${id.slice(5)} ${label} ${statusText(by(id))}`)
    .join('; ');
  out.push(`- ACCEPTANCE SUMMARY (this run): ${summary}. => ${report.verdict === 'PARTIAL' ? 'no verdict on v1 (partial run)' : `v1 is ${report.verdict}`}${report.verdict === 'FUNCTIONALLY ACCEPTED' ? '; the OUTSTANDING items are left to formally close the gate' : ''}.`);
  const gate = report.items.find((i) => i.id === 'EXIT-GATE');
  out.push(`- EXIT-GATE: **${statusText(gate)}**${gate ? `: ${gate.summary}` : ''}`, '');

  out.push('## ACCEPTANCE SUMMARY', '');
  out.push('| item | what | status | result |', '|---|---|---|---|');
  for (const id of Object.keys(ITEM_LABELS)) {
    const i = by(id);
    out.push(`| ${id} | ${cell(i?.title ?? ITEM_LABELS[id] ?? '')} | ${statusText(i)} | ${cell(i?.summary ?? 'not selected in this run')} |`);
  }
  out.push('');

  out.push('## Steps', '');
  out.push('| step | kind | status | took | decisions | result |', '|---|---|---|---|---|---|');
  for (const i of report.items) {
    const took = i.startedAt !== undefined && i.endedAt !== undefined ? formatDuration(i.endedAt - i.startedAt) : '-';
    out.push(`| ${i.id} | ${i.kind === 'mutation' ? 'MUTATION' : 'read'} | ${statusText(i)} | ${took} | ${i.decisions.join(', ')} | ${cell(i.summary)} |`);
  }
  out.push('');
  if (report.leftOut.length) out.push(`Not selected in this run (--only/--skip), so no result: ${report.leftOut.map((s) => s.id).join(', ')}.`, '');

  out.push('## Timeline', '');
  for (const e of report.timeline) out.push(`- ${new Date(e.at).toISOString()} **${e.kind}**: ${e.text}`);
  out.push('', `Duration: ${report.durationText}.`, '');

  const problems = report.items.filter((i) => i.ran && i.status !== 'PASS' && i.status !== 'DEFERRED');
  const notRun = report.items.filter((i) => !i.ran);
  if (problems.length || notRun.length) {
    out.push('## What needs attention', '');
    if (notRun.length) out.push(`Not run yet${report.finished ? '' : ` (the run did not finish; \`capi-gate run --resume ${report.runId}\` runs them)`}: ${notRun.map((i) => i.id).join(', ')}.`, '');
    for (const i of problems) {
      out.push(`### ${i.id}: ${statusText(i)}`, '', i.summary, '');
      if (i.hint) out.push(`- Hint: ${i.hint}`);
      if (i.playbook) out.push(`- Playbook: ${i.playbook}`);
      if (i.code) out.push(`- Code: \`${i.code}\``);
      for (const w of i.waits) {
        out.push(`- Waited for ${w.what}: ${w.outcome} after ${formatDuration(w.endedAt - w.startedAt)}, ${w.polls} polls; seen: ${Object.entries(w.histogram).map(([k, v]) => `${k} x${v}`).join(', ')}`);
        const how = waitHow(w);
        if (how) out.push(`  - ${how}`);
      }
      out.push('');
    }
  }

  const signed = report.items.filter((i) => i.signoffs.length);
  if (signed.length) {
    out.push('## Operator sign-offs', '');
    for (const i of signed) for (const s of i.signoffs) out.push(`- ${i.id}: ${s.amendment ? 'sign-off amended' : 'signed off'} by **${s.by}** at ${new Date(s.at).toISOString()}: ${s.note}`);
    out.push('');
  }

  out.push('## As-built record', '');
  const line = (label: string, key: string) => out.push(`- ${label}: ${c[key] ?? 'not captured in this run'}`);
  line('cluster uuid', CAPTURED.clusterUuid);
  line('CAPI suffix', CAPTURED.capiSuffix);
  line('nodes', CAPTURED.nodes);
  line('kube_version', CAPTURED.kubeVersion);
  line('API LB id', CAPTURED.apiLbId);
  line('API LB VIP', CAPTURED.apiLbVip);
  line('API FIP', CAPTURED.apiFip);
  line('endpoint (api_address)', CAPTURED.apiAddress);
  line('amphora topology', CAPTURED.amphoraTopology);
  line('failover duration', CAPTURED.failoverDuration);
  line('health_status', CAPTURED.healthStatus);
  if (report.remediations.length) {
    out.push('- incidents met and how they were recovered:');
    for (const r of report.remediations) out.push(`  - ${r.playbook}${r.step ? ` (after ${r.step} failed)` : ''}: ${r.action} (${r.ok ? 'done' : 'FAILED'}, ${new Date(r.at).toISOString()})`);
  } else {
    out.push('- incidents met: none recorded');
  }
  if (report.teardowns.length) {
    out.push('- teardown:');
    for (const t of report.teardowns) out.push(`  - ${t.step}: ${t.ok ? 'ok' : 'FAILED'}: ${t.message}`);
  }
  out.push('');
  return out.join('\n');
}

/** Requests, budget, expected end and schedule of a wait (issue 20), one line; '' when none is known. */
export function waitHow(w: { requests?: number; budget?: number; expectedMs?: number; schedule?: string; mode?: string }): string {
  const parts: string[] = [];
  if (w.requests !== undefined) parts.push(`${w.requests} API requests${w.budget !== undefined ? ` (budget ${w.budget})` : ''}`);
  if (w.mode) parts.push(`by ${w.mode}`);
  if (w.schedule) parts.push(`poll schedule: ${w.schedule}`);
  return parts.join('; ');
}
