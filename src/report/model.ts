// The report model, built from a run's journal alone (so `capi-gate report RUN_ID` works
// offline, long after the run). Versioned: consumers check `schema`.

import { computeVerdict, exitCodeFor } from '../core/results.js';
import type { ItemStatus, Verdict } from '../core/results.js';
import { redactor } from '../core/redact.js';
import type { JournalRecord, RunMeta } from '../engine/journal.js';
import type { Transition } from '../engine/waiter.js';

export const REPORT_SCHEMA = 'capi-gate/report@1';

export interface StepInfo {
  readonly id: string;
  readonly title: string;
  readonly kind: 'read' | 'mutation';
  readonly decisions: readonly string[];
  readonly item?: string;
  readonly counted?: boolean;
  readonly precondition?: boolean;
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
}

export interface ReportItem {
  readonly id: string;
  readonly title: string;
  readonly kind: 'read' | 'mutation';
  readonly decisions: readonly string[];
  readonly status: ItemStatus;
  /** The status the run itself measured, before any operator sign-off. */
  readonly measured: ItemStatus;
  readonly summary: string;
  readonly hint?: string;
  readonly playbook?: string;
  readonly code?: string;
  readonly startedAt?: number;
  readonly endedAt?: number;
  readonly attempts: number;
  readonly details?: Readonly<Record<string, unknown>>;
  readonly waits: readonly WaitSummary[];
  readonly signoffs: readonly { by: string; note: string; at: number }[];
}

export interface RunReport {
  readonly schema: typeof REPORT_SCHEMA;
  readonly runId: string;
  readonly site: string;
  readonly sitePath: string;
  readonly version: string;
  readonly startedAt: number;
  readonly endedAt: number | undefined;
  readonly finished: boolean;
  readonly interrupted: boolean;
  readonly partial: boolean;
  readonly selection: { only: string[]; skip: string[] };
  readonly verdict: Verdict;
  readonly exitCode: number;
  readonly items: readonly ReportItem[];
  readonly captured: Readonly<Record<string, string>>;
  readonly remediations: readonly { playbook: string; action: string; ok: boolean; at: number; step?: string }[];
  readonly teardowns: readonly { step: string; ok: boolean; message: string; at: number }[];
}

/** Operator sign-offs turn OUTSTANDING (operator action pending) into PASS, recorded as such. */
function applySignoffs(status: ItemStatus, signoffs: readonly unknown[]): ItemStatus {
  return status === 'OUTSTANDING' && signoffs.length > 0 ? 'PASS' : status;
}

export function buildReport(meta: RunMeta, records: readonly JournalRecord[], steps: readonly StepInfo[]): RunReport {
  const ends = new Map<string, Extract<JournalRecord, { t: 'step-end' }>>();
  const attempts = new Map<string, number>();
  const captured: Record<string, string> = {};
  const signoffs = new Map<string, { by: string; note: string; at: number }[]>();
  const remediations: RunReport['remediations'][number][] = [];
  const teardowns: RunReport['teardowns'][number][] = [];
  let runEnd: Extract<JournalRecord, { t: 'run-end' }> | undefined;
  let lastInterrupted = false;
  for (const r of records) {
    switch (r.t) {
      case 'step-end': ends.set(r.step, r); break;
      case 'step-start': attempts.set(r.step, (attempts.get(r.step) ?? 0) + 1); break;
      case 'capture': captured[r.key] = r.value; break;
      case 'signoff': signoffs.set(r.item, [...(signoffs.get(r.item) ?? []), { by: r.by, note: r.note, at: r.at }]); break;
      case 'remediation': remediations.push({ playbook: r.playbook, action: r.action, ok: r.ok, at: r.at, ...(r.step ? { step: r.step } : {}) }); break;
      case 'teardown-done': teardowns.push({ step: r.step, ok: r.ok, message: r.message, at: r.at }); break;
      case 'run-end': if (r.interrupted) lastInterrupted = true; else { runEnd = r; lastInterrupted = false; } break;
      default: break;
    }
  }
  const selected = (id: string): boolean => {
    const { only, skip } = meta.selection;
    const m = (sel: string) => id === sel || id.startsWith(sel + '.');
    return (only.length === 0 || only.some(m)) && !skip.some(m);
  };
  const items: ReportItem[] = steps.filter((s) => selected(s.id)).map((s) => {
    const end = ends.get(s.id);
    const so = signoffs.get(s.id) ?? [];
    const measured: ItemStatus = end?.outcome.status ?? 'SKIPPED';
    const o = end?.outcome;
    return {
      id: s.id,
      title: s.title,
      kind: s.kind,
      decisions: s.decisions,
      status: applySignoffs(measured, so),
      measured,
      summary: o?.summary ?? (runEnd ? 'not run' : 'not run yet (the run is unfinished or was interrupted)'),
      ...(o?.hint ? { hint: o.hint } : {}),
      ...(o?.playbook ? { playbook: o.playbook } : {}),
      ...(o?.code ? { code: o.code } : {}),
      ...(end ? { startedAt: end.startedAt, endedAt: end.at } : {}),
      attempts: attempts.get(s.id) ?? 0,
      ...(o?.details ? { details: o.details } : {}),
      waits: (end?.waits ?? []).map((w) => ({ name: w.name, what: w.what, outcome: w.outcome, startedAt: w.startedAt, endedAt: w.endedAt, polls: w.polls, histogram: w.histogram, timeline: w.timeline })),
      signoffs: so,
    };
  });
  const countedItems = items.filter((i) => steps.find((s) => s.id === i.id)?.counted !== false);
  const statuses = countedItems.map((i) => i.status);
  const verdict = computeVerdict(statuses);
  const anyCreated = records.some((r) => r.t === 'mutation-done' && r.created);
  const failing = countedItems.filter((i) => i.status === 'FAIL');
  const preconditionOnly = failing.length > 0 && failing.every((i) => steps.find((s) => s.id === i.id)?.precondition) && !anyCreated;
  const interrupted = !runEnd && (lastInterrupted || records.length > 0);
  const report: RunReport = {
    schema: REPORT_SCHEMA,
    runId: meta.runId,
    site: meta.site,
    sitePath: meta.sitePath,
    version: meta.version,
    startedAt: meta.createdAt,
    endedAt: runEnd?.at,
    finished: runEnd !== undefined,
    interrupted: runEnd === undefined && interrupted,
    partial: meta.selection.only.length > 0 || meta.selection.skip.length > 0,
    selection: meta.selection,
    verdict,
    exitCode: runEnd === undefined ? 130 : exitCodeFor(statuses, preconditionOnly),
    items,
    captured,
    remediations,
    teardowns,
  };
  return redactor.redactValue(report);
}
