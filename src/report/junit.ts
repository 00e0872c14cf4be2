// JUnit XML for CI dashboards: one test case per runbook step (a step left out by --only/--skip
// is a skipped case that says so), with the totals, verdict, duration and timeline of the one
// report model, so a dashboard's red/green agrees with the verdict and the exit code.

import type { ReportItem, RunReport } from './model.js';

// XML 1.0 forbids most control characters; they are dropped.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(CONTROL, '');
}

function testcase(report: RunReport, i: ReportItem): string {
  const secs = i.startedAt !== undefined && i.endedAt !== undefined ? ((i.endedAt - i.startedAt) / 1000).toFixed(3) : '0';
  const head = `  <testcase classname="phase08.${esc(report.site)}" name="${esc(`${i.id} ${i.title}`)}" time="${secs}">`;
  const body = [i.summary, i.hint ? `Hint: ${i.hint}` : '', i.playbook ? `Playbook: ${i.playbook}` : ''].filter(Boolean).join('\n');
  const out = i.signoffs.length
    ? `\n    <system-out>${esc(i.signoffs.map((s) => `${s.amendment ? 'sign-off amended' : 'signed off'} by ${s.by} at ${new Date(s.at).toISOString()}: ${s.note}`).join('\n'))}</system-out>`
    : '';
  // A failure or error says what it is in its type; an item that did not run (or was skipped) in its message.
  const labelled = `${i.ran ? i.status : 'NOT RUN'}: ${i.summary}`;
  const message = i.ran && (i.status === 'FAIL' || i.status === 'ERROR') ? i.summary : labelled;
  switch (i.tally) {
    case 'passed': return `${head}${out}${out ? '\n  ' : ''}</testcase>`;
    case 'failed': return `${head}\n    <failure message="${esc(message)}" type="FAIL">${esc(body)}</failure>${out}\n  </testcase>`;
    case 'error': return `${head}\n    <error message="${esc(message)}" type="${esc(i.code ?? (i.ran ? i.status : 'NOT RUN'))}">${esc(body)}</error>${out}\n  </testcase>`;
    default: return `${head}\n    <skipped message="${esc(labelled)}"/>${out}\n  </testcase>`;
  }
}

export function renderJunit(report: RunReport): string {
  const cases = [
    ...report.items.map((i) => testcase(report, i)),
    ...report.leftOut.map((s) => `  <testcase classname="phase08.${esc(report.site)}" name="${esc(`${s.id} ${s.title}`)}" time="0">\n    <skipped message="${esc(`NOT SELECTED: left out by --only/--skip; ${s.counted ? 'no verdict on it in this run' : 'not counted in the verdict'}`)}"/>\n  </testcase>`),
  ];
  const c = report.counts;
  const totals = `tests="${c.tests}" failures="${c.failed}" errors="${c.errors}" skipped="${c.skipped}" time="${(report.durationMs / 1000).toFixed(3)}"`;
  const prop = (name: string, value: string | number | boolean) => `<property name="${esc(name)}" value="${esc(String(value))}"/>`;
  const props = [
    prop('verdict', report.verdict),
    prop('verdictText', report.verdictText),
    prop('exitCode', report.exitCode),
    prop('finished', report.finished),
    prop('interrupted', report.interrupted),
    prop('partial', report.partial),
    prop('duration', report.durationText),
    prop('pausedMs', report.pausedMs),
    ...report.timeline.map((e, k) => prop(`timeline.${k + 1}.${e.kind}`, `${new Date(e.at).toISOString()} ${e.text}`)),
  ];
  const timeline = report.timeline.map((e) => `${new Date(e.at).toISOString()} ${e.kind}: ${e.text}`).join('\n');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="capi-gate" ${totals}>`,
    `<testsuite name="phase-08 ${esc(report.site)} ${esc(report.runId)}" ${totals} timestamp="${new Date(report.startedAt).toISOString()}">`,
    `  <properties>${props.join('')}</properties>`,
    ...cases,
    `  <system-out>${esc(`Verdict: ${report.verdictText}\nDuration: ${report.durationText}\nTimeline:\n${timeline}`)}</system-out>`,
    '</testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
