// `capi-gate run`: 8.0 -> 8.5 with gates; verdict + reports; exit code. First Ctrl+C is graceful
// (running steps are interrupted, teardown runs, the journal stays resumable); the second exits now.

import { realClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import { CapiGateError } from '../core/errors.js';
import { EventBus } from '../core/events.js';
import { Journal, newRunId, runSteps } from '../engine/index.js';
import type { FailureReview, StepFailure } from '../engine/index.js';
import { CATALOG, selectSteps } from '../phase08/index.js';
import { buildReport, totalsText, writeReports } from '../report/index.js';
import type { RunReport } from '../report/index.js';
import { loadSite } from '../site/load.js';
import type { LoadedSite } from '../site/load.js';
import { buildServices, runsDir, version } from './context.js';
import type { BuiltServices } from './context.js';
import type { Out } from './output.js';
import { paint, statusColor } from './output.js';
import { liveReporter, plainReporter } from './progress.js';
import { lowerPriorityAfterCreate } from './priority.js';

export interface RunCommandOptions {
  readonly site?: string;
  readonly only: string[];
  readonly skip: string[];
  readonly resume?: string | true;
  /** Carry out the remedy of a pattern found after a failed step, then run the step again. */
  readonly remediate?: boolean;
  /** Leave what a failed run created in place (no teardown of the failing step, no 8.5). */
  readonly keepOnFailure?: boolean;
  /** Lower the process's CPU priority to this nice value once 8.1 has sent the create (0 or absent: leave it; the CLI's default is 5). */
  readonly niceAfterCreate?: number;
  readonly runsDir: string;
  readonly clock?: Clock;
  readonly services?: (site: LoadedSite) => BuiltServices;
  /** The environment credentials are read from (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Aborted by the caller (signals are wired by main). */
  readonly signal: AbortSignal;
}

export interface RunCommandResult {
  readonly exitCode: number;
  readonly report: RunReport;
  readonly runDir: string;
  readonly files: Record<string, string>;
}

export function parseList(v: string | undefined): string[] {
  return (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

export async function runCommand(out: Out, opts: RunCommandOptions): Promise<RunCommandResult> {
  const clock = opts.clock ?? realClock;
  let journal: Journal;
  let loaded: LoadedSite;
  let resumed = false;
  if (opts.resume !== undefined) {
    if (opts.only.length || opts.skip.length) {
      throw new CapiGateError('CAPI_GATE_USAGE', '--resume continues a run with its own selection; --only/--skip cannot be combined with it');
    }
    let runId: string;
    if (opts.resume === true) {
      if (!opts.site) throw new CapiGateError('CAPI_GATE_USAGE', '--resume without a RUN_ID needs --site to find the latest unfinished run of that site');
      const site = loadSite(opts.site);
      const latest = Journal.latestUnfinished(opts.runsDir, site.site.site);
      if (!latest) {
        throw new CapiGateError('CAPI_GATE_JOURNAL', `no unfinished run of site ${site.site.site} under ${opts.runsDir}`, {
          hint: 'Start a new run without --resume, or name the run: --resume RUN_ID (see `capi-gate history`).',
        });
      }
      runId = latest;
    } else {
      runId = opts.resume;
    }
    journal = Journal.open(opts.runsDir, runId);
    if (journal.ended()) {
      journal.close();
      throw new CapiGateError('CAPI_GATE_JOURNAL', `run ${runId} already finished; nothing to resume`, { hint: `See its report: capi-gate report ${runId}` });
    }
    loaded = loadSite(opts.site ?? journal.meta.sitePath);
    if (loaded.site.site !== journal.meta.site) {
      journal.close();
      throw new CapiGateError('CAPI_GATE_JOURNAL', `run ${runId} belongs to site ${journal.meta.site}, not ${loaded.site.site}`);
    }
    resumed = true;
  } else {
    if (!opts.site) throw new CapiGateError('CAPI_GATE_USAGE', 'run needs --site FILE (or --resume RUN_ID)', { hint: 'docs/site.example.yaml is a complete example; `capi-gate demo` runs against the simulated site.' });
    loaded = loadSite(opts.site);
  }
  const selection = resumed ? journal!.meta.selection : { only: opts.only, skip: opts.skip };
  const { selected, unknown } = selectSteps(selection.only, selection.skip);
  if (unknown.length) {
    throw new CapiGateError('CAPI_GATE_USAGE', `unknown step id(s): ${unknown.join(', ')}`, { hint: `Known: ${CATALOG.map((s) => s.id).join(', ')} (a prefix such as 8.0 or D-011 selects a group).` });
  }
  if (!resumed) {
    // The site's last run was stopped (kill, crash, Ctrl-C) and a new one starts instead of
    // continuing it: say so, since what it created is found again by name but its finished steps
    // are redone. (An unfinished run older than a finished one is history, not mentioned.)
    const unfinished = Journal.newestIfUnfinished(opts.runsDir, loaded.site.site);
    if (unfinished) out.err(`note: run ${unfinished} of site ${loaded.site.site} did not finish; this run starts afresh (\`capi-gate run --site ${opts.site ?? loaded.path} --resume\` continues it instead)`);
    journal = Journal.create(opts.runsDir, { runId: newRunId(clock.now()), site: loaded.site.site, sitePath: loaded.path, createdAt: clock.now(), selection, version: version() });
  }
  const j = journal!;

  const bus = new EventBus();
  const steps = CATALOG.filter((s) => selected.has(s.id));
  const reporter = out.isTTY ? liveReporter(out, steps) : plainReporter(out);
  const off = bus.on((e) => reporter.onEvent(e));
  const offNice = lowerPriorityAfterCreate(bus, opts.niceAfterCreate ?? 0, clock);
  if (!out.isTTY) out.line(`run directory: ${j.dir}`);
  const built = (opts.services ?? ((s) => buildServices(s, opts.env ?? process.env, clock)))(loaded);
  // After a failed step: the playbooks' detect (always), their remedies (with --remediate). Loaded
  // on the first failure: a run that passes never pays for the playbooks (and the kube client).
  let reviewer: Promise<(f: StepFailure) => Promise<FailureReview>> | undefined;
  const onFailure = async (f: StepFailure): Promise<FailureReview> => {
    reviewer ??= import('../playbooks/index.js').then(({ PLAYBOOKS, failureReviewer }) => failureReviewer({
      playbooks: PLAYBOOKS,
      context: { site: loaded, services: built.services, clock, say: () => undefined },
      clock,
      remediate: opts.remediate === true,
      append: (r) => j.append(r),
      say: (stepId, message) => bus.emit({ type: 'log', stepId, level: 'warn', message, at: clock.now() }),
    }));
    return (await reviewer)(f);
  };
  if (opts.remediate) out.line('--remediate: a failed step is diagnosed; a found pattern\'s remedy is announced, carried out, journaled, and the step runs again');
  let result;
  try {
    result = await runSteps({
      onFailure,
      ...(opts.keepOnFailure ? { keepOnFailure: true } : {}),
      steps: CATALOG,
      selected,
      journal: j,
      site: loaded,
      services: built.services,
      clock,
      bus,
      signal: opts.signal,
      teardownBudgetMs: loaded.deadlinesMs.teardown,
      resumed,
    });
    if (!result.interrupted && [1, 3, 4].includes(result.exitCode)) {
      // On failure: the diagnostics bundle (Magnum reasons, LB/amphora status, CAPI conditions, waits).
      const { diagnosticsSources } = await import('../playbooks/index.js');
      const { collectDiagnostics } = await import('../report/diagnostics.js');
      const r = result;
      // Its own budget: a cloud that is down must not hold the verdict back.
      const budget = AbortSignal.any([opts.signal, AbortSignal.timeout(60_000)]);
      const bundle = await collectDiagnostics(j.dir, j.all(), diagnosticsSources({
        site: loaded, services: built.services, clock, signal: budget,
        captured: (k) => r.captured.get(k), say: () => undefined,
      }), budget).catch(() => undefined);
      if (bundle) out.line(`Diagnostics: ${bundle.files[1] ?? bundle.files[0] ?? ''}`);
    }
  } finally {
    offNice();
    off();
    reporter.stop();
    j.close();
    await built.close().catch(() => undefined);
  }
  const report = buildReport(j.meta, Journal.open(opts.runsDir, j.meta.runId).all(), CATALOG);
  const files = writeReports(report, j.dir);
  out.line('');
  // The verdict line is the report's (every format says the same); a partial run's is not painted as a pass.
  out.line(paint(out, report.verdict === 'PARTIAL' ? 'yellow' : statusColor(report.verdict), `Verdict: ${report.verdictText}`));
  if (result.interrupted && opts.runsDir !== runsDir(undefined)) out.line(`Resume with: capi-gate run --resume ${j.meta.runId} --runs-dir ${opts.runsDir}`);
  out.line(`Took ${report.durationText}. ${totalsText(report)}.`);
  const open = report.items.filter((i) => i.status !== 'PASS' && i.status !== 'DEFERRED');
  for (const i of open.slice(0, 12)) {
    const shown = i.ran ? i.status : 'NOT RUN';
    out.line(`  ${paint(out, statusColor(shown), shown.padEnd(11))} ${i.id}: ${i.summary.split('\n')[0]}`);
    if (i.hint) out.line(`              Hint: ${i.hint}`);
  }
  if (open.length > 12) out.line(`  ... and ${open.length - 12} more (see the report)`);
  if (report.remediations.length) {
    out.line(`Remediations (journaled): ${report.remediations.length} action(s)`);
    for (const r of report.remediations.slice(0, 12)) out.line(`  ${r.ok ? 'done  ' : 'FAILED'} ${r.playbook}${r.step ? ` (after ${r.step})` : ''}: ${r.action}`);
  }
  if (opts.keepOnFailure && [1, 3, 4].includes(report.exitCode)) {
    out.line(`--keep-on-failure: what the run created is left in place for debugging. Remove it with: capi-gate cleanup --site ${loaded.path}`);
  }
  out.line(`Reports: ${files.md}`);
  out.line(`         ${files.json}`);
  out.line(`         ${files.junit}`);
  out.line(`         ${files.html}`);
  return { exitCode: report.exitCode, report, runDir: j.dir, files };
}
