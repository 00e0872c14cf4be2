// JUnit XML, one test case per item, for CI dashboards.

import type { RunReport } from './model.js';

// XML 1.0 forbids most control characters; they are dropped.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(CONTROL, '');
}

export function renderJunit(report: RunReport): string {
  const cases = report.items.map((i) => {
    const secs = i.startedAt !== undefined && i.endedAt !== undefined ? ((i.endedAt - i.startedAt) / 1000).toFixed(3) : '0';
    const head = `  <testcase classname="phase08.${esc(report.site)}" name="${esc(`${i.id} ${i.title}`)}" time="${secs}">`;
    const msg = esc(i.summary);
    const body = [i.summary, i.hint ? `Hint: ${i.hint}` : '', i.playbook ? `Playbook: ${i.playbook}` : ''].filter(Boolean).join('\n');
    switch (i.status) {
      case 'PASS': return `${head}</testcase>`;
      case 'FAIL': return `${head}\n    <failure message="${msg}" type="FAIL">${esc(body)}</failure>\n  </testcase>`;
      case 'ERROR': return `${head}\n    <error message="${msg}" type="${esc(i.code ?? 'ERROR')}">${esc(body)}</error>\n  </testcase>`;
      default: return `${head}\n    <skipped message="${esc(`${i.status}: ${i.summary}`)}"/>\n  </testcase>`;
    }
  });
  const count = (s: string) => report.items.filter((i) => i.status === s).length;
  const skipped = report.items.filter((i) => !['PASS', 'FAIL', 'ERROR'].includes(i.status)).length;
  const total = report.endedAt ? ((report.endedAt - report.startedAt) / 1000).toFixed(3) : '0';
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="capi-gate" tests="${report.items.length}" failures="${count('FAIL')}" errors="${count('ERROR')}" skipped="${skipped}" time="${total}">`,
    `<testsuite name="phase-08 ${esc(report.site)} ${esc(report.runId)}" tests="${report.items.length}" failures="${count('FAIL')}" errors="${count('ERROR')}" skipped="${skipped}" time="${total}" timestamp="${new Date(report.startedAt).toISOString()}">`,
    `  <properties><property name="verdict" value="${esc(report.verdict)}"/><property name="exitCode" value="${report.exitCode}"/></properties>`,
    ...cases,
    '</testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
