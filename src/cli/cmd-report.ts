// `capi-gate report <run-id>`, `capi-gate signoff`, `capi-gate history`: everything read from the journal.

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

/**
 * Items only an operator can attest, and the measured statuses a sign-off applies to: OUTSTANDING
 * (operator action pending; the sign-off makes it PASS), and for D-011.6 also PASS (the manual
 * re-unseal drill the runbook asks for, which the run cannot observe; the status stays PASS).
 */
export const SIGNABLE: Readonly<Record<string, { what: string; on: readonly string[] }>> = {
  'D-011.6': { what: 'the manual re-unseal drill', on: ['OUTSTANDING', 'PASS'] },
  'D-011.7': { what: 'Snapshot 2 after tenant setup', on: ['OUTSTANDING'] },
};

export interface SignoffOptions {
  readonly by: string;
  readonly note: string;
  /** Records a further sign-off of an item already signed off, as an amendment. */
  readonly amend?: boolean;
}

export function signoffCommand(out: Out, runsDir: string, runId: string, item: string, o: SignoffOptions, clock: Clock): number {
  const rule = SIGNABLE[item];
  if (!rule) {
    throw new CapiGateError('CAPI_GATE_USAGE', `${item} cannot be signed off`, { hint: `Only operator-attested items take a sign-off: ${Object.entries(SIGNABLE).map(([id, r]) => `${id} (${r.what})`).join(', ')}.` });
  }
  const by = o.by.trim();
  const note = o.note.trim();
  if (!by || !note) throw new CapiGateError('CAPI_GATE_USAGE', 'a sign-off needs --by NAME and --note TEXT');
  const j = Journal.open(runsDir, runId);
  try {
    const before = buildReport(j.meta, j.all(), CATALOG);
    if (!before.finished) {
      throw new CapiGateError('CAPI_GATE_JOURNAL', `run ${runId} has not finished; a sign-off applies to a finished run's result`, {
        hint: `Resume it first: capi-gate run --resume ${runId} (then sign off).`,
      });
    }
    const it = before.items.find((i) => i.id === item);
    if (!it) {
      throw new CapiGateError('CAPI_GATE_USAGE', `${item} was not selected in run ${runId}, so it has no result to sign off`, {
        hint: `Sign off on a run that evaluated ${item} (see \`capi-gate history\`).`,
      });
    }
    if (!rule.on.includes(it.measured)) {
      const why = it.measured === 'PASS' ? `${item} passed; there is nothing to sign off` : `a sign-off closes an operator action; it cannot turn ${it.measured} into a pass`;
      throw new CapiGateError('CAPI_GATE_USAGE', `${item} of run ${runId} is ${it.measured}, not OUTSTANDING: ${why}`, {
        hint: it.measured === 'PASS' ? `See the report: capi-gate report ${runId}` : `Fix what ${item} reports (capi-gate report ${runId}), then run it again.`,
      });
    }
    const earlier = it.signoffs[it.signoffs.length - 1];
    if (earlier && !o.amend) {
      throw new CapiGateError('CAPI_GATE_USAGE', `${item} of run ${runId} is already signed off by ${earlier.by} at ${new Date(earlier.at).toISOString()}`, {
        hint: `To correct or add to it, run the same command with --amend: it is recorded as an amendment, shown in the reports.`,
      });
    }
    if (!earlier && o.amend) {
      throw new CapiGateError('CAPI_GATE_USAGE', `${item} of run ${runId} has no sign-off to amend`, { hint: 'Sign off without --amend.' });
    }
    j.append({ t: 'signoff', item, by, note, at: clock.now(), ...(earlier ? { amends: true } : {}) });
    const report = buildReport(j.meta, j.all(), CATALOG);
    writeReports(report, j.dir);
    const now = report.items.find((i) => i.id === item);
    out.line(`${earlier ? 'Amended the sign-off of' : 'Signed off'} ${item} by ${by}: now ${now?.status ?? 'not in this run'}. Verdict: ${report.verdictText}. Reports rewritten in ${j.dir}.`);
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
  const tally = new Map<string, number>();
  for (const r of runs) {
    const rep = buildReport(r.meta, r.records, CATALOG);
    const took = rep.sessions.length ? formatDuration(rep.durationMs) + (rep.pausedMs > 0 ? '+' : '') : '-';
    const cells = ACCEPTANCE_ITEMS.map((id) => {
      const i = rep.items.find((x) => x.id === id);
      return (!i ? '-' : i.ran ? i.status : 'N/R').slice(0, 4).padEnd(4);
    });
    const verdict = rep.finished ? rep.verdict : 'UNFINISHED';
    tally.set(verdict, (tally.get(verdict) ?? 0) + 1);
    out.line(`${r.meta.runId.padEnd(22)} ${r.meta.site.padEnd(14)} ${verdict.padEnd(22)} ${took.padEnd(8)} ${cells.join(' ')}`);
  }
  const order = ['ACCEPTED', 'FUNCTIONALLY ACCEPTED', 'NOT ACCEPTED', 'PARTIAL', 'UNFINISHED'];
  out.line(`${runs.length} run(s): ${order.filter((v) => tally.get(v)).map((v) => `${tally.get(v)} ${v}`).join(', ')}. PARTIAL: --only/--skip left acceptance items out, so no verdict (never counted as accepted).`);
  out.line('Item columns: first letters of PASS/FAIL/ERROR/DEFERRED/OUTSTANDING/SKIPPED; - not selected; N/R not run yet. TOOK+: excludes a pause between an interrupt and the resume.');
  return 0;
}
