// `capi-gate report RUN_ID`, `capi-gate signoff`, `capi-gate history`: everything read from the journal.

import { formatDuration } from '../core/duration.js';
import { CapiGateError } from '../core/errors.js';
import { Journal, listRuns } from '../engine/index.js';
import { ACCEPTANCE_ITEMS, CATALOG } from '../phase08/index.js';
import { buildReport, renderReport, writeReports } from '../report/index.js';
import type { ReportFormat, RunReport } from '../report/index.js';
import type { Clock } from '../core/clock.js';
import type { Out } from './output.js';

export function reportFor(runsDir: string, runId: string): { report: RunReport; dir: string } {
  const j = Journal.open(runsDir, runId);
  try {
    return { report: buildReport(j.meta, j.all(), CATALOG), dir: j.dir };
  } finally {
    j.close();
  }
}

export function reportCommand(out: Out, runsDir: string, runId: string, format: string): number {
  if (!['md', 'json', 'junit', 'html'].includes(format)) throw new CapiGateError('CAPI_GATE_USAGE', `unknown report format ${JSON.stringify(format)}`, { hint: 'Use --format md, json, junit or html.' });
  const { report, dir } = reportFor(runsDir, runId);
  writeReports(report, dir);
  out.raw(renderReport(report, format as ReportFormat));
  return 0;
}

/** Items only an operator can attest take a sign-off; the verdict is recomputed from the journal. */
export const SIGNABLE = ['D-011.6', 'D-011.7'] as const;

export function signoffCommand(out: Out, runsDir: string, runId: string, item: string, by: string, note: string, clock: Clock): number {
  if (!(SIGNABLE as readonly string[]).includes(item)) {
    throw new CapiGateError('CAPI_GATE_USAGE', `${item} cannot be signed off`, { hint: `Only operator-attested items take a sign-off: ${SIGNABLE.join(', ')} (Snapshot 2 after tenant setup; the manual re-unseal drill).` });
  }
  if (!by.trim() || !note.trim()) throw new CapiGateError('CAPI_GATE_USAGE', 'a sign-off needs --by NAME and --note TEXT');
  const j = Journal.open(runsDir, runId);
  try {
    j.append({ t: 'signoff', item, by: by.trim(), note: note.trim(), at: clock.now() });
    const report = buildReport(j.meta, j.all(), CATALOG);
    writeReports(report, j.dir);
    const it = report.items.find((i) => i.id === item);
    out.line(`Signed off ${item} by ${by.trim()}: now ${it?.status ?? 'not in this run'}. Verdict: ${report.verdict}.`);
    return 0;
  } finally {
    j.close();
  }
}

export function historyCommand(out: Out, runsDir: string, site: string | undefined): number {
  const runs = listRuns(runsDir).filter((r) => !site || r.meta.site === site);
  if (runs.length === 0) {
    out.line(`no runs under ${runsDir}${site ? ` for site ${site}` : ''}`);
    return 0;
  }
  const short = ACCEPTANCE_ITEMS.map((i) => i.slice(5));
  out.line(`${'RUN'.padEnd(22)} ${'SITE'.padEnd(14)} ${'VERDICT'.padEnd(22)} ${'TOOK'.padEnd(8)} ${short.map((s) => s.padEnd(4)).join(' ')}`);
  for (const r of runs) {
    const rep = buildReport(r.meta, r.records, CATALOG);
    const took = rep.endedAt ? formatDuration(rep.endedAt - rep.startedAt) : '-';
    const cells = ACCEPTANCE_ITEMS.map((id) => (rep.items.find((i) => i.id === id)?.status ?? '-').slice(0, 4).padEnd(4));
    const verdict = rep.finished ? rep.verdict + (rep.partial ? '*' : '') : 'UNFINISHED';
    out.line(`${r.meta.runId.padEnd(22)} ${r.meta.site.padEnd(14)} ${verdict.padEnd(22)} ${took.padEnd(8)} ${cells.join(' ')}`);
  }
  out.line('* partial run (--only/--skip). Item columns: first letters of PASS/FAIL/ERROR/DEFERRED/OUTSTANDING/SKIPPED.');
  return 0;
}
