// The report model, built from a run's journal alone (so `capi-gate report <run-id>` works
// offline, long after the run). Every format (json, md, junit, html) renders this one model: the
// verdict, its line, the counts, the duration and the timeline are computed here and nowhere
// else. Versioned: consumers check `schema`.

import { formatDuration } from '../core/duration.js';
import { compactIds, exitGateOutcome, judge } from '../core/results.js';
import type { ItemStatus, Judgement, Verdict } from '../core/results.js';
import { redactor } from '../core/redact.js';
import type { JournalRecord, RunMeta } from '../engine/journal.js';
import type { Transition } from '../engine/waiter.js';

export const REPORT_SCHEMA = 'capi-gate/report@2';

export interface StepInfo {
  readonly id: string;
  readonly title: string;
  readonly kind: 'read' | 'mutation';
  readonly decisions: readonly string[];
  readonly item?: string;
  readonly counted?: boolean;
  readonly precondition?: boolean;
  /** Its result follows other steps'; an uncounted derived step (the exit gate) summarises the verdict. */
  readonly derived?: boolean;
}

export interface WaitSummary {
  readonly name: string;
  readonly what: string;
  readonly outcome: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly polls: number;
  readonly histogram: Readonly<Record<string, number>>;
  readonly timeline: readonly Transition[];
  /** The deadline the wait ran against (absent in journals written before it was recorded). */
  readonly deadlineMs?: number;
  /** Bounds how late the wait saw its final state: the time between its last two answers. */
  readonly detectionWindowMs?: number;
  /** API requests the wait made; a shaped poll's budget, expected end (ms from its start) and schedule; watch or poll. */
  readonly requests?: number;
  readonly budget?: number;
  readonly expectedMs?: number;
  readonly schedule?: string;
  readonly mode?: string;
}

export interface Signoff {
  readonly by: string;
  readonly note: string;
  readonly at: number;
  /** A later sign-off of the same item, given with --amend. */
  readonly amendment: boolean;
}

/** How an item counts in the totals every format shows (JUnit: passed, failure, error, skipped). */
export type Tally = 'passed' | 'failed' | 'error' | 'skipped';

export interface ReportItem {
  readonly id: string;
  readonly title: string;
  readonly kind: 'read' | 'mutation';
  readonly decisions: readonly string[];
  readonly counted: boolean;
  /** The status every view shows: after sign-offs, and for the exit gate derived from the other items. */
  readonly status: ItemStatus;
  /** The status the run itself measured (journaled), before any operator sign-off. */
  readonly measured: ItemStatus;
  readonly summary: string;
  /** The summary the run journaled, when the one shown differs (sign-off, derived gate). */
  readonly measuredSummary?: string;
  /** False: the step was selected but has not run (the run was interrupted before it). */
  readonly ran: boolean;
  readonly tally: Tally;
  readonly hint?: string;
  readonly playbook?: string;
  readonly code?: string;
  readonly startedAt?: number;
  readonly endedAt?: number;
  readonly attempts: number;
  readonly details?: Readonly<Record<string, unknown>>;
  readonly waits: readonly WaitSummary[];
  readonly signoffs: readonly Signoff[];
}

/** A step left out by --only/--skip: no result, and (when counted) no verdict on it. */
export interface LeftOutStep {
  readonly id: string;
  readonly title: string;
  readonly counted: boolean;
}

/** One stretch of the run's process: the first start, or a resume, to an end, an interrupt or a stop. */
export interface Session {
  readonly startedAt: number;
  readonly endedAt: number;
  /** finished; interrupted (Ctrl+C, SIGTERM); stopped (killed or crashed: no end recorded, and resumed later); open (no end recorded yet). */
  readonly how: 'finished' | 'interrupted' | 'stopped' | 'open';
}

export type TimelineKind = 'start' | 'interrupt' | 'stop' | 'resume' | 'end' | 'remediation' | 'signoff' | 'amendment';

export interface TimelineEvent {
  readonly at: number;
  readonly kind: TimelineKind;
  readonly text: string;
}

export interface Counts {
  /** Every step of the runbook: the selected ones and the ones left out. */
  readonly tests: number;
  readonly passed: number;
  readonly failed: number;
  /** ERROR, and SKIPPED or not-run counted items: not evaluated, so no acceptance. */
  readonly errors: number;
  /** DEFERRED, OUTSTANDING, and steps not selected in this run. */
  readonly skipped: number;
  readonly notSelected: number;
}

export interface RunReport {
  readonly schema: typeof REPORT_SCHEMA;
  readonly runId: string;
  readonly site: string;
  readonly sitePath: string;
  readonly version: string;
  readonly startedAt: number;
  readonly endedAt: number | undefined;
  /** Time the run was running: the sessions added up, the pauses between an interrupt and its resume left out. */
  readonly durationMs: number;
  /** The time between an interrupt (or a stop) and the resume, not in durationMs. */
  readonly pausedMs: number;
  /** durationMs as every format says it, with the pauses it excludes. */
  readonly durationText: string;
  readonly sessions: readonly Session[];
  readonly finished: boolean;
  readonly interrupted: boolean;
  /** Counted steps were left out of the selection: no acceptance verdict (PARTIAL). */
  readonly partial: boolean;
  readonly selection: { only: string[]; skip: string[] };
  readonly steps: { readonly selected: number; readonly total: number };
  readonly leftOut: readonly LeftOutStep[];
  readonly verdict: Verdict;
  /** The verdict line: the verdict, and for a partial or unfinished run what it does not cover. */
  readonly verdictText: string;
  readonly exitCode: number;
  readonly counts: Counts;
  readonly items: readonly ReportItem[];
  readonly timeline: readonly TimelineEvent[];
  readonly captured: Readonly<Record<string, string>>;
  readonly remediations: readonly { playbook: string; action: string; ok: boolean; at: number; step?: string }[];
  readonly teardowns: readonly { step: string; ok: boolean; message: string; at: number }[];
}

const iso = (at: number): string => new Date(at).toISOString();

/** A sign-off turns OUTSTANDING (operator action pending) into PASS; on another status it is an attestation. */
function signedOff(measured: ItemStatus, summary: string, signoffs: readonly Signoff[]): { status: ItemStatus; summary: string } {
  const last = signoffs[signoffs.length - 1];
  if (!last) return { status: measured, summary };
  const amended = signoffs.length > 1 ? ` (amended ${signoffs.length - 1}x)` : '';
  const who = `by ${last.by} at ${iso(last.at)}${amended}: ${last.note}`;
  if (measured === 'OUTSTANDING') return { status: 'PASS', summary: `PASS by operator sign-off ${who}. The run measured OUTSTANDING: ${summary}` };
  return { status: measured, summary: `${summary}; operator sign-off ${who}` };
}

function tallyOf(status: ItemStatus, counted: boolean, ran: boolean): Tally {
  if (!ran) return 'error';
  switch (status) {
    case 'PASS': return 'passed';
    case 'FAIL': return 'failed';
    case 'ERROR': return 'error';
    // A counted item that was not evaluated keeps the run from acceptance.
    case 'SKIPPED': return counted ? 'error' : 'skipped';
    default: return 'skipped';
  }
}

/** The run's sessions and its timeline of starts, interrupts, stops, resumes, remediations and sign-offs. */
function sessionsOf(meta: RunMeta, records: readonly JournalRecord[]): { sessions: Session[]; events: TimelineEvent[] } {
  const sessions: Session[] = [];
  const events: TimelineEvent[] = [];
  let start = meta.createdAt;
  let lastAt = meta.createdAt;
  let open = true;
  let started = false;
  const resume = (at: number): void => {
    start = at;
    lastAt = at;
    open = true;
    events.push({ at, kind: 'resume', text: 'resumed (capi-gate run --resume): finished steps reused, the rest run' });
  };
  for (const r of records) {
    if (r.t === 'signoff') {
      events.push({ at: r.at, kind: r.amends ? 'amendment' : 'signoff', text: `${r.item} ${r.amends ? 'sign-off amended' : 'signed off'} by ${r.by}: ${r.note}` });
      continue;
    }
    if (r.t === 'run-start') {
      if (!started && !r.resumed && sessions.length === 0) {
        started = true;
        events.push({ at: r.at, kind: 'start', text: 'run started' });
        continue;
      }
      if (open) {
        sessions.push({ startedAt: start, endedAt: lastAt, how: 'stopped' });
        events.push({ at: lastAt, kind: 'stop', text: 'stopped: no end was recorded (the process was killed or crashed)' });
      }
      resume(r.at);
      continue;
    }
    // A journal written before runs recorded their start: the first record after an interrupt is the resume.
    if (!open) resume(r.at);
    if (!started) {
      started = true;
      events.push({ at: meta.createdAt, kind: 'start', text: 'run started' });
    }
    lastAt = Math.max(lastAt, r.at);
    if (r.t === 'remediation') events.push({ at: r.at, kind: 'remediation', text: `${r.playbook}${r.step ? ` (after ${r.step} failed)` : ''}: ${r.action} (${r.ok ? 'done' : 'FAILED'})` });
    if (r.t === 'run-end') {
      sessions.push({ startedAt: start, endedAt: r.at, how: r.interrupted ? 'interrupted' : 'finished' });
      events.push(r.interrupted
        ? { at: r.at, kind: 'interrupt', text: 'interrupted (Ctrl+C or SIGTERM): running steps stopped, teardown ran; resumable' }
        : { at: r.at, kind: 'end', text: 'run finished' });
      open = false;
    }
  }
  if (!started) events.push({ at: meta.createdAt, kind: 'start', text: 'run started' });
  if (open) sessions.push({ startedAt: start, endedAt: lastAt, how: 'open' });
  return { sessions, events: events.sort((a, b) => a.at - b.at) };
}

function durationTextOf(sessions: readonly Session[], durationMs: number, pausedMs: number, finished: boolean): string {
  const took = `${formatDuration(durationMs)}${finished ? '' : ' so far'}`;
  if (pausedMs <= 0) return took;
  const pauses = sessions.slice(0, -1);
  if (pauses.length === 1) return `${took}, excluding ${formatDuration(pausedMs)} between the ${pauses[0]!.how === 'interrupted' ? 'interrupt' : 'stop'} and the resume`;
  return `${took}, excluding ${formatDuration(pausedMs)} in ${pauses.length} pauses between an interrupt or stop and its resume`;
}

function verdictTextOf(j: Judgement, o: { selected: number; total: number; leftOutText: string; finished: boolean; notRun: number; runId: string }): string {
  const parts: string[] = [j.verdict];
  if (j.verdict === 'PARTIAL') {
    const bad = j.open.filter((x) => !/ (OUTSTANDING|DEFERRED)$/.test(x));
    parts[0] = `PARTIAL: ${o.selected} of ${o.total} steps${bad.length ? ` (${bad.join(', ')})` : ''}; no verdict on ${o.leftOutText} (not selected)`;
  }
  if (!o.finished) parts.push(`the run did not finish: ${o.notRun} of its ${o.selected} selected steps have not run, so there is no acceptance yet; resume it: capi-gate run --resume ${o.runId}`);
  return parts.join('; ');
}

export function buildReport(meta: RunMeta, records: readonly JournalRecord[], steps: readonly StepInfo[]): RunReport {
  const ends = new Map<string, Extract<JournalRecord, { t: 'step-end' }>>();
  const attempts = new Map<string, number>();
  const captured: Record<string, string> = {};
  const signoffs = new Map<string, Signoff[]>();
  const remediations: RunReport['remediations'][number][] = [];
  const teardowns: RunReport['teardowns'][number][] = [];
  let runEnd: Extract<JournalRecord, { t: 'run-end' }> | undefined;
  let lastInterrupted = false;
  for (const r of records) {
    switch (r.t) {
      case 'step-end': ends.set(r.step, r); break;
      case 'step-start': attempts.set(r.step, (attempts.get(r.step) ?? 0) + 1); break;
      case 'capture': captured[r.key] = r.value; break;
      case 'signoff': signoffs.set(r.item, [...(signoffs.get(r.item) ?? []), { by: r.by, note: r.note, at: r.at, amendment: r.amends === true }]); break;
      case 'remediation': remediations.push({ playbook: r.playbook, action: r.action, ok: r.ok, at: r.at, ...(r.step ? { step: r.step } : {}) }); break;
      case 'teardown-done': teardowns.push({ step: r.step, ok: r.ok, message: r.message, at: r.at }); break;
      case 'run-end': if (r.interrupted) lastInterrupted = true; else { runEnd = r; lastInterrupted = false; } break;
      default: break;
    }
  }
  const finished = runEnd !== undefined;
  const isSelected = (id: string): boolean => {
    const { only, skip } = meta.selection;
    const m = (sel: string) => id === sel || id.startsWith(sel + '.');
    return (only.length === 0 || only.some(m)) && !skip.some(m);
  };
  const counted = (s: StepInfo): boolean => s.counted !== false;
  const items: ReportItem[] = steps.filter((s) => isSelected(s.id)).map((s) => {
    const end = ends.get(s.id);
    const so = signoffs.get(s.id) ?? [];
    const measured: ItemStatus = end?.outcome.status ?? 'SKIPPED';
    const o = end?.outcome;
    const journaled = o?.summary ?? (finished ? 'not run' : 'not run yet: the run was interrupted before this step (it runs on --resume)');
    const shown = signedOff(measured, journaled, so);
    const changed = shown.status !== measured;
    return {
      id: s.id,
      title: s.title,
      kind: s.kind,
      decisions: s.decisions,
      counted: counted(s),
      status: shown.status,
      measured,
      summary: shown.summary,
      ...(shown.summary !== journaled ? { measuredSummary: journaled } : {}),
      ran: end !== undefined,
      tally: tallyOf(shown.status, counted(s), end !== undefined),
      // The hint of an OUTSTANDING item says how to close it: once signed off it no longer applies.
      ...(o?.hint && !changed ? { hint: o.hint } : {}),
      ...(o?.playbook ? { playbook: o.playbook } : {}),
      ...(o?.code ? { code: o.code } : {}),
      ...(end ? { startedAt: end.startedAt, endedAt: end.at } : {}),
      attempts: attempts.get(s.id) ?? 0,
      ...(o?.details ? { details: o.details } : {}),
      waits: (end?.waits ?? []).map((w) => ({ name: w.name, what: w.what, outcome: w.outcome, startedAt: w.startedAt, endedAt: w.endedAt, polls: w.polls, histogram: w.histogram, timeline: w.timeline,
        ...(w.deadlineMs !== undefined ? { deadlineMs: w.deadlineMs } : {}), ...(w.detectionWindowMs !== undefined ? { detectionWindowMs: w.detectionWindowMs } : {}), ...(w.requests !== undefined ? { requests: w.requests } : {}), ...(w.budget !== undefined ? { budget: w.budget } : {}), ...(w.expectedMs !== undefined ? { expectedMs: w.expectedMs } : {}), ...(w.schedule ? { schedule: w.schedule } : {}), ...(w.mode ? { mode: w.mode } : {}) })),
      signoffs: so,
    };
  });
  const byId = new Map(items.map((i) => [i.id, i]));
  const anyCreated = records.some((r) => r.t === 'mutation-done' && r.created);
  const countedSteps = steps.filter(counted);
  const judgement = judge(countedSteps.map((s) => ({
    id: s.id,
    status: byId.get(s.id)?.status,
    ...(s.precondition ? { precondition: true } : {}),
  })), anyCreated);
  const leftOutText = compactIds(judgement.leftOut, countedSteps.map((s) => s.id)).join(', ');

  // The exit gate summarises the other items: derived again here, so a sign-off after the run
  // changes it like every other view.
  const shownItems = items.map((i): ReportItem => {
    const s = steps.find((x) => x.id === i.id);
    if (!s || counted(s) || !s.derived || !i.ran) return i;
    const g = exitGateOutcome(judgement, leftOutText);
    const journaled = i.measuredSummary ?? i.summary;
    return { ...i, status: g.status, summary: g.summary, ...(g.summary !== journaled ? { measuredSummary: journaled } : {}), tally: tallyOf(g.status, false, true) };
  });

  const { sessions, events } = sessionsOf(meta, records);
  const durationMs = sessions.reduce((a, s) => a + Math.max(0, s.endedAt - s.startedAt), 0);
  const pausedMs = sessions.slice(1).reduce((a, s, k) => a + Math.max(0, s.startedAt - sessions[k]!.endedAt), 0);
  const leftOut: LeftOutStep[] = steps.filter((s) => !isSelected(s.id)).map((s) => ({ id: s.id, title: s.title, counted: counted(s) }));
  const tallies = shownItems.map((i) => i.tally);
  const n = (t: Tally) => tallies.filter((x) => x === t).length;
  const report: RunReport = {
    schema: REPORT_SCHEMA,
    runId: meta.runId,
    site: meta.site,
    sitePath: meta.sitePath,
    version: meta.version,
    startedAt: meta.createdAt,
    endedAt: runEnd?.at,
    durationMs,
    pausedMs,
    durationText: durationTextOf(sessions, durationMs, pausedMs, finished),
    sessions,
    finished,
    interrupted: !finished && (lastInterrupted || records.length > 0),
    partial: judgement.leftOut.length > 0,
    selection: meta.selection,
    steps: { selected: shownItems.length, total: steps.length },
    leftOut,
    verdict: judgement.verdict,
    verdictText: verdictTextOf(judgement, { selected: shownItems.length, total: steps.length, leftOutText, finished, notRun: shownItems.filter((i) => !i.ran).length, runId: meta.runId }),
    exitCode: finished ? judgement.exitCode : 130,
    counts: { tests: steps.length, passed: n('passed'), failed: n('failed'), errors: n('error'), skipped: n('skipped') + leftOut.length, notSelected: leftOut.length },
    items: shownItems,
    timeline: events,
    captured,
    remediations,
    teardowns,
  };
  return redactor.redactValue(report);
}
