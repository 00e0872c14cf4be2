// `capi-gate run`: 8.0 -> 8.5 with gates; verdict + reports; exit code. First Ctrl+C is graceful
// (running steps are interrupted, teardown runs, the journal stays resumable); the second exits now.

import { realClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import { CapiGateError, formatError, toCapiGateError } from '../core/errors.js';
import type { TraceEntry } from '../http/index.js';
import { RequestCounter, checkMetricsFile, checkPushgatewayUrl } from './metrics-out.js';
import { EventBus } from '../core/events.js';
import { Journal, newRunId, runSteps } from '../engine/index.js';
import type { FailureReview, JournalRecord, StepDef, StepFailure } from '../engine/index.js';
import { describePreflight, preflight } from '../openstack/index.js';
import type { OpenStack } from '../openstack/index.js';
import { CATALOG, openstackNeeds, selectSteps } from '../phase08/index.js';
import type { Phase08Services } from '../phase08/index.js';
import { buildReport, totalsText, writeReports } from '../report/index.js';
import type { RunReport } from '../report/index.js';
import { loadSite } from '../site/load.js';
import type { LoadedSite } from '../site/load.js';
import { buildServices, runsDir, version, withClusterName } from './context.js';
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
  /** Run with this cluster name instead of the site file's (the canary: one name per run). */
  readonly clusterName?: string;
  /** Write the run's metrics here (Prometheus text format, atomically). */
  readonly metricsFile?: string;
  /** Push the run's metrics to this Pushgateway (job capi-gate, grouped by site). */
  readonly pushgateway?: string;
  /** Observes every OpenStack API call (the canary counts them across runs). */
  readonly onCall?: (entry: TraceEntry) => void;
}

export interface RunCommandResult {
  readonly exitCode: number;
  readonly report: RunReport;
  readonly runDir: string;
  readonly files: Record<string, string>;
  /** OpenStack API calls of this run by service and status class. */
  readonly requests: ReadonlyMap<string, number>;
  /** The cluster name the run used. */
  readonly clusterName: string;
}

/**
 * Parses the value of --only/--skip. Absent: no ids. Present but naming no id (`''`, `,`): a
 * usage error, never "everything".
 */
export function parseList(v: string | undefined, flag = '--only/--skip'): string[] {
  if (v === undefined) return [];
  const ids = v.split(',').map((s) => s.trim()).filter(Boolean);
  if (ids.length === 0) {
    throw new CapiGateError('CAPI_GATE_USAGE', `${flag} was given no step id (${JSON.stringify(v)})`, {
      hint: `Name step ids or groups, e.g. ${flag === '--skip' ? '--skip D-011.7' : '--only 8.0,D-011'} (\`capi-gate plan --site FILE\` lists them); leave ${flag} out to run every step.`,
    });
  }
  return ids;
}

function selectionText(only: readonly string[], skip: readonly string[]): string {
  return [only.length ? `--only ${only.join(',')}` : '', skip.length ? `--skip ${skip.join(',')}` : ''].filter(Boolean).join(' ');
}

/**
 * The steps --only/--skip select. Unknown ids, and a selection in which no step checks anything
 * (none at all, or only steps that sum up others' results), are usage errors: a run of nothing
 * must not end in a verdict.
 */
export function resolveSelection(only: readonly string[], skip: readonly string[]): Set<string> {
  const { selected, unknown } = selectSteps(only, skip);
  if (unknown.length) {
    throw new CapiGateError('CAPI_GATE_USAGE', `unknown step id(s): ${unknown.join(', ')}`, { hint: `Known: ${CATALOG.map((s) => s.id).join(', ')} (a prefix such as 8.0 or D-011 selects a group).` });
  }
  const checking = CATALOG.filter((s) => selected.has(s.id) && !s.derived);
  if (checking.length === 0) {
    const what = selected.size === 0
      ? `${selectionText(only, skip)} selects no step`
      : `${selectionText(only, skip)} selects only ${[...selected].join(', ')}, which sum${selected.size === 1 ? 's' : ''} up other steps' results: nothing would be checked`;
    throw new CapiGateError('CAPI_GATE_USAGE', what, {
      hint: 'Select at least one step that checks the cloud; `capi-gate plan --site FILE --only ... --skip ...` shows what a selection runs.',
    });
  }
  return selected;
}

/**
 * The selected steps that create something only a later, unselected step deletes (8.1 without
 * 8.5): what they make stays on the cloud after the run.
 */
export function leftBehindBy(selected: ReadonlySet<string>): StepDef<Phase08Services>[] {
  const cleanup = CATALOG.find((s) => s.cleanup);
  if (!cleanup || selected.has(cleanup.id)) return [];
  return CATALOG.filter((s) => selected.has(s.id) && s.kind === 'mutation' && !s.teardown && !s.cleanup && (cleanup.after ?? []).includes(s.id));
}

function leftBehindBefore(loaded: LoadedSite, steps: readonly StepDef<Phase08Services>[]): string {
  const cleanup = CATALOG.find((s) => s.cleanup);
  return `note: this selection runs ${steps.map((s) => s.id).join(', ')} but not ${cleanup?.id ?? 'the delete'}: what it creates (cluster ${loaded.site.cluster.name}) stays on the cloud after the run. Remove it with: capi-gate cleanup --site ${loaded.path}`;
}

/** After the run: what the selection did leave on the cloud, from the journal; undefined when nothing. */
export function leftBehindAfter(loaded: LoadedSite, selected: ReadonlySet<string>, records: readonly JournalRecord[]): string | undefined {
  const steps = leftBehindBy(selected);
  if (!steps.length) return undefined;
  const name = loaded.site.cluster.name;
  const made = records.find((r): r is Extract<JournalRecord, { t: 'mutation-done' }> => r.t === 'mutation-done' && r.record['name'] === name);
  const cleanup = `capi-gate cleanup --site ${loaded.path}`;
  if (made) return `Left on the cloud: cluster ${name}${typeof made.record['uuid'] === 'string' ? ` (${made.record['uuid']})` : ''}, which this selection does not delete. Remove it with: ${cleanup}`;
  const ran = records.some((r) => r.t === 'step-start' && steps.some((s) => s.id === r.step));
  return ran ? `Maybe left on the cloud: cluster ${name} (${steps.map((s) => s.id).join(', ')} ran, its result was not journaled). Check, and remove it with: ${cleanup}` : undefined;
}

/**
 * The cloud pre-flight for the selected steps (nothing when they call no OpenStack API); prints
 * what it established and returns the connection for the run to use.
 */
async function preflightFor(out: Out, loaded: LoadedSite, selected: ReadonlySet<string>, opts: RunCommandOptions, clock: Clock): Promise<OpenStack | undefined> {
  const services = openstackNeeds(selected);
  if (!services.length) {
    out.line('pre-flight: the selected steps call no OpenStack API; cloud credentials not checked');
    return undefined;
  }
  const r = await preflight({ site: loaded.site, env: opts.env ?? process.env, clock, signal: opts.signal, services, ...(opts.onCall ? { onCall: opts.onCall } : {}) });
  out.line(describePreflight(r));
  return r.openstack;
}

const atUtc = (ms: number): string => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/**
 * `--resume` without a run id: the site's newest run, and only if it did not finish. An older
 * unfinished run is not taken behind a newer finished one (that one may have deleted what it
 * created); it is named, to be resumed by id on purpose.
 */
function runToResume(runsDir: string, site: string): string {
  const newest = Journal.newestRun(runsDir, site);
  if (!newest) {
    throw new CapiGateError('CAPI_GATE_JOURNAL', `no run of site ${site} under ${runsDir}: nothing to resume`, {
      hint: 'Start a new run without --resume, or pass --runs-dir where the run was written (see `capi-gate history`).',
    });
  }
  if (!newest.end) return newest.runId;
  const finished = `finished, ${newest.end.verdict} at ${atUtc(newest.end.at)}`;
  const older = Journal.latestUnfinished(runsDir, site);
  if (older) {
    throw new CapiGateError('CAPI_GATE_JOURNAL', `the newest run of site ${site} is ${newest.runId} (${finished}); the unfinished run ${older} is older and what it created may be gone since: not resuming it`, {
      hint: `Resume it by id if you mean it: capi-gate run --resume ${older}; or start a new run without --resume.`,
    });
  }
  throw new CapiGateError('CAPI_GATE_JOURNAL', `the newest run of site ${site} is ${newest.runId} (${finished}): nothing to resume`, {
    hint: `See its report: capi-gate report ${newest.runId}; start a new run without --resume.`,
  });
}

export async function runCommand(out: Out, opts: RunCommandOptions): Promise<RunCommandResult> {
  const clock = opts.clock ?? realClock;
  // Where the metrics go is checked before anything runs: a typo is a usage error, not a finding at the end.
  const metricsFile = opts.metricsFile !== undefined ? checkMetricsFile(opts.metricsFile) : undefined;
  const pushgateway = opts.pushgateway !== undefined ? checkPushgatewayUrl(opts.pushgateway) : undefined;
  const counter = new RequestCounter();
  const onCall = (e: TraceEntry): void => {
    counter.onCall(e);
    opts.onCall?.(e);
  };
  let journal: Journal | undefined;
  let loaded: LoadedSite;
  let resumed = false;
  if (opts.resume !== undefined) {
    if (opts.only.length || opts.skip.length) {
      throw new CapiGateError('CAPI_GATE_USAGE', '--resume continues a run with its own selection; --only/--skip cannot be combined with it', {
        hint: 'Drop --only/--skip to continue the run as it was started, or start a new run with the selection (without --resume).',
      });
    }
    let runId: string;
    if (opts.resume === true) {
      if (!opts.site) {
        throw new CapiGateError('CAPI_GATE_USAGE', '--resume without a RUN_ID needs --site to find the newest run of that site', {
          hint: 'capi-gate run --site FILE --resume, or name the run: capi-gate run --resume RUN_ID (see `capi-gate history`).',
        });
      }
      runId = runToResume(opts.runsDir, loadSite(opts.site).site.site);
    } else {
      runId = opts.resume;
    }
    journal = Journal.open(opts.runsDir, runId);
    if (journal.ended()) {
      journal.close();
      throw new CapiGateError('CAPI_GATE_JOURNAL', `run ${runId} already finished; nothing to resume`, { hint: `See its report: capi-gate report ${runId}` });
    }
    try {
      loaded = loadSite(opts.site ?? journal.meta.sitePath);
    } catch (e) {
      journal.close();
      throw e;
    }
    if (loaded.site.site !== journal.meta.site) {
      journal.close();
      throw new CapiGateError('CAPI_GATE_JOURNAL', `run ${runId} belongs to site ${journal.meta.site}, not ${loaded.site.site}`);
    }
    resumed = true;
  } else {
    if (!opts.site) throw new CapiGateError('CAPI_GATE_USAGE', 'run needs --site FILE (or --resume RUN_ID)', { hint: 'docs/site.example.yaml is a complete example; `capi-gate demo` runs against the simulated site.' });
    loaded = loadSite(opts.site);
    if (opts.clusterName) loaded = withClusterName(loaded, opts.clusterName);
  }
  const selection = journal ? journal.meta.selection : { only: opts.only, skip: opts.skip };
  let selected: Set<string>;
  let connected: OpenStack | undefined;
  try {
    selected = resolveSelection(selection.only, selection.skip);
    // Nothing is recorded before the runs directory is known to work and the cloud to answer:
    // a run directory, a journal and a history entry only for a run that could start.
    Journal.checkRunsDir(opts.runsDir);
    if (!opts.services) connected = await preflightFor(out, loaded, selected, { ...opts, onCall }, clock);
  } catch (e) {
    journal?.close();
    throw e;
  }
  const left = leftBehindBy(selected);
  if (left.length && !resumed) out.line(leftBehindBefore(loaded, left));
  if (!journal) {
    // The site's last run was stopped (kill, crash, Ctrl-C) and a new one starts instead of
    // continuing it: say so, since what it created is found again by name but its finished steps
    // are redone. (An unfinished run older than a finished one is history, not mentioned.)
    const unfinished = Journal.newestIfUnfinished(opts.runsDir, loaded.site.site);
    if (unfinished) out.err(`note: run ${unfinished} of site ${loaded.site.site} did not finish; this run starts afresh (\`capi-gate run --site ${opts.site ?? loaded.path} --resume\` continues it instead)`);
    try {
      journal = Journal.create(opts.runsDir, { runId: newRunId(clock.now()), site: loaded.site.site, sitePath: loaded.path, createdAt: clock.now(), selection, version: version() });
    } catch (e) {
      await connected?.close().catch(() => undefined);
      throw e;
    }
  }
  const j = journal;

  const bus = new EventBus();
  const steps = CATALOG.filter((s) => selected.has(s.id));
  const reporter = out.isTTY ? liveReporter(out, steps) : plainReporter(out);
  const off = bus.on((e) => reporter.onEvent(e));
  const offNice = lowerPriorityAfterCreate(bus, opts.niceAfterCreate ?? 0, clock, () => j.all());
  if (!out.isTTY) out.line(`run directory: ${j.dir}`);
  const built = (opts.services ?? ((s) => buildServices(s, opts.env ?? process.env, clock, connected, onCall)))(loaded);
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
  const leftNote = leftBehindAfter(loaded, selected, j.all());
  if (leftNote && !result.interrupted) out.line(leftNote);
  out.line(`Reports: ${files.md}`);
  out.line(`         ${files.json}`);
  out.line(`         ${files.junit}`);
  out.line(`         ${files.html}`);
  if (metricsFile || pushgateway) {
    const { PUSH_JOB, pushMetrics, registryOf, writeMetricsFile } = await import('./metrics-push.js');
    const registry = registryOf(report, opts.runsDir, counter.counts);
    if (metricsFile) {
      await writeMetricsFile(metricsFile, registry);
      out.line(`Metrics: ${metricsFile}`);
    }
    if (pushgateway) {
      try {
        await pushMetrics(pushgateway, registry, report.site);
        out.line(`Metrics pushed to ${pushgateway} (job ${PUSH_JOB}, site ${report.site})`);
      } catch (e) {
        // The verdict stands (it is in the reports and the history); the push failure is said.
        out.err(formatError(toCapiGateError(e)));
      }
    }
  }
  return { exitCode: report.exitCode, report, runDir: j.dir, files, requests: counter.counts, clusterName: loaded.site.cluster.name };
}
