// The scheduler: read-only steps run concurrently, mutations one at a time; a resumed run reuses
// every finished step from the journal; teardown is armed in the journal before a body runs and
// runs in `finally` with its own time budget, on success, failure and abort alike.

import type { Clock } from '../core/clock.js';
import { CapiGateError, isAbortError, toCapiGateError } from '../core/errors.js';
import type { ErrorCode } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import { judge } from '../core/results.js';
import type { ItemStatus, Verdict } from '../core/results.js';
import type { LoadedSite } from '../site/load.js';
import { EvidenceStore } from './evidence.js';
import type { Journal } from './journal.js';
import type { MutationResult, MutationSpec, StepContext, StepDef, StepOutcome, StepRecord } from './step.js';
import { DEFAULT_BACKOFF } from '../core/backoff.js';
import { WaitError, runWaiter } from './waiter.js';
import type { WaitResult, WaiterSpec } from './waiter.js';

export interface RunOptions<S> {
  readonly steps: readonly StepDef<S>[];
  readonly selected: ReadonlySet<string>;
  readonly journal: Journal;
  readonly site: LoadedSite;
  readonly services: S;
  readonly clock: Clock;
  readonly bus: EventBus;
  /** Graceful abort (first Ctrl+C): no new steps; running ones are interrupted; teardown runs. */
  readonly signal: AbortSignal;
  readonly teardownBudgetMs: number;
  readonly resumed: boolean;
  readonly random?: () => number;
  /** Upper bound on concurrent read-only steps. */
  readonly readConcurrency?: number;
  /**
   * Called when a step ends FAIL or ERROR (not when interrupted): diagnosis, and remediation
   * when the operator asked for it. `retry` runs the step again (at most `maxRetries` times).
   */
  readonly onFailure?: (failure: StepFailure) => Promise<FailureReview>;
  readonly maxRetries?: number;
  /** Leave what a failing step created in place (no teardown), and no clean-up step runs after a failure. */
  readonly keepOnFailure?: boolean;
}

export interface StepFailure {
  readonly stepId: string;
  readonly title: string;
  readonly outcome: StepOutcome;
  readonly attempt: number;
  readonly startedAt: number;
  readonly captured: (key: string) => string | undefined;
  readonly signal: AbortSignal;
}

export interface FailureReview {
  readonly retry: boolean;
  /** Folded into the outcome: what was diagnosed and done (for the reports). */
  readonly details?: Readonly<Record<string, unknown>>;
  /** Appended to the outcome's summary, e.g. "remediated by mgmt-oom". */
  readonly note?: string;
  /** A playbook the diagnosis named (when the step did not name one itself). */
  readonly playbook?: string;
  readonly hint?: string;
}

export interface RunResult {
  readonly runId: string;
  readonly runDir: string;
  readonly records: ReadonlyMap<string, StepRecord>;
  readonly captured: ReadonlyMap<string, string>;
  readonly verdict: Verdict;
  readonly exitCode: number;
  readonly interrupted: boolean;
}

/** How an error thrown by a body or a wait becomes an item result. */
export function outcomeFromError(e: unknown): StepOutcome {
  const err = toCapiGateError(e);
  const cloudVerdict: readonly ErrorCode[] = ['CAPI_GATE_TIMEOUT', 'CAPI_GATE_STALLED', 'CAPI_GATE_TERMINAL_STATE', 'CAPI_GATE_FORBIDDEN', 'CAPI_GATE_PRECONDITION'];
  const status: ItemStatus = cloudVerdict.includes(err.code) ? 'FAIL' : 'ERROR';
  const blocks = Object.keys(err.blocks).length ? { blocks: err.blocks } : {};
  return {
    status,
    summary: err.message,
    code: err.code,
    ...(err.hint ? { hint: err.hint } : {}),
    ...(err.playbook ? { playbook: err.playbook } : {}),
    ...(Object.keys(blocks).length ? { details: blocks } : {}),
  };
}

const isFailure = (s: ItemStatus): boolean => s === 'FAIL' || s === 'ERROR';

/** The outcome after diagnosis (and remediation): what was found and done goes with it. */
function foldReviews(outcome: StepOutcome, reviews: readonly FailureReview[]): StepOutcome {
  const notes = reviews.map((r) => r.note).filter((n): n is string => !!n);
  const details = Object.assign({}, ...reviews.map((r) => r.details ?? {})) as Record<string, unknown>;
  const named = reviews.find((r) => r.playbook);
  const hint = reviews.find((r) => r.hint)?.hint;
  const failed = isFailure(outcome.status);
  return {
    ...outcome,
    ...(notes.length ? { summary: `${outcome.summary} (${notes.join('; ')})` } : {}),
    ...(Object.keys(details).length ? { details: { ...outcome.details, ...details } } : {}),
    ...(failed && !outcome.playbook && named?.playbook ? { playbook: named.playbook } : {}),
    ...(failed && !outcome.hint && hint ? { hint } : {}),
  };
}

function timeoutSignal(clock: Clock, ms: number): { signal: AbortSignal; cancel: () => void } {
  const ac = new AbortController();
  const stop = new AbortController();
  clock.sleep(ms, stop.signal).then(
    () => ac.abort(new CapiGateError('CAPI_GATE_TIMEOUT', `teardown budget of ${ms}ms exhausted`)),
    () => undefined,
  );
  return { signal: ac.signal, cancel: () => stop.abort() };
}

export async function runSteps<S>(opts: RunOptions<S>): Promise<RunResult> {
  const { journal, clock, bus, steps, selected } = opts;
  const runId = journal.meta.runId;
  const byId = new Map(steps.map((s) => [s.id, s]));
  const order = steps.filter((s) => selected.has(s.id));
  const records = new Map<string, StepRecord>();
  const captured = new Map(journal.captures());
  const readLimit = opts.readConcurrency ?? 16;

  journal.append({ t: 'run-start', at: clock.now(), resumed: opts.resumed });
  bus.emit({ type: 'run-start', runId, site: opts.site.site.site, at: clock.now(), resumed: opts.resumed, steps: order.map((s) => s.id) });

  // Reuse what an earlier attempt finished.
  for (const [id, rec] of journal.finishedSteps()) {
    if (!selected.has(id)) continue;
    const r: StepRecord = { ...rec.outcome, stepId: id, startedAt: rec.startedAt, endedAt: rec.at, reused: true, waits: rec.waits };
    records.set(id, r);
    bus.emit({ type: 'step-end', stepId: id, status: r.status, summary: r.summary, at: clock.now(), durationMs: r.endedAt - r.startedAt, reused: true });
  }

  const makeCtx = (step: StepDef<S>, signal: AbortSignal, waits: WaitResult<unknown>[]): StepContext<S> => ({
    stepId: step.id,
    runId,
    runDir: journal.dir,
    site: opts.site,
    clock,
    signal,
    services: opts.services,
    evidence: new EvidenceStore(journal.dir, step.id),
    deadlineMs: (name) => opts.site.deadlinesMs[name],
    log: (message, level = 'info') => bus.emit({ type: 'log', stepId: step.id, level, message, at: clock.now() }),
    captured: (key) => captured.get(key),
    capture: (key, value) => {
      captured.set(key, value);
      journal.append({ t: 'capture', key, value, at: clock.now() });
    },
    result: (id) => records.get(id),
    wait: async <T>(given: WaiterSpec<T>): Promise<WaitResult<T>> => {
      let spec = given;
      const scale = opts.site.site.polling.intervalScale;
      if (scale !== 1) {
        const b = spec.backoff ?? DEFAULT_BACKOFF;
        spec = { ...spec, backoff: { ...b, initialMs: Math.max(20, b.initialMs * scale), maxMs: Math.max(50, b.maxMs * scale) } };
        // A shape's expected end is in the run's time already (the site's figures or its history).
        if (spec.shape) spec = { ...spec, shape: { ...spec.shape, floorMs: Math.max(20, spec.shape.floorMs * scale), sparseMs: Math.max(50, spec.shape.sparseMs * scale), ...(spec.shape.fixedEveryMs ? { fixedEveryMs: spec.shape.fixedEveryMs * scale } : {}) } };
      }
      try {
        const r = await runWaiter(spec, {
          clock,
          ...(opts.random ? { random: opts.random } : {}),
          onProgress: (p) => bus.emit({ type: 'wait-progress', at: clock.now(), progress: { ...p, stepId: step.id } }),
          onTransition: (t, waiter) => bus.emit({ type: 'wait-transition', stepId: step.id, waiter, from: t.from, to: t.to, at: t.at }),
        }, signal);
        waits.push(r as WaitResult<unknown>);
        return r;
      } catch (e) {
        if (e instanceof WaitError) waits.push(e.result);
        throw e;
      }
    },
    mutate: async <T>(spec: MutationSpec<T>): Promise<MutationResult<T>> => {
      const done = journal.mutation(spec.key);
      let found = await spec.lookup(signal);
      const pending = found === undefined && !done && spec.settleMs ? journal.pendingMutation(spec.key) : undefined;
      if (pending && spec.settleMs) {
        // An attempt stopped between sending the create and journaling its result: what it sent
        // may not be visible yet. Creating now could make a second one.
        const until = pending.at + spec.settleMs;
        if (clock.now() < until) {
          bus.emit({ type: 'log', stepId: step.id, level: 'warn', message: `an earlier attempt may have sent this create (its result was never journaled): looking for the ${spec.key} until ${new Date(until).toISOString()} before creating it`, at: clock.now() });
        }
        const every = Math.max(500, 2_000 * opts.site.site.polling.intervalScale);
        while (found === undefined && clock.now() < until) {
          await clock.sleep(Math.min(every, until - clock.now()), signal);
          found = await spec.lookup(signal);
        }
      }
      if (found !== undefined) {
        if (!done) journal.append({ t: 'mutation-done', key: spec.key, record: spec.record(found), created: false, at: clock.now() });
        return { value: found, created: false };
      }
      if (done) {
        throw new CapiGateError('CAPI_GATE_PRECONDITION', `${spec.key} was created earlier in this run (${JSON.stringify(done.record)}) but is no longer found; not creating it again`, {
          hint: 'Something deleted it outside this run. Start a new run (without --resume) to create it afresh.',
        });
      }
      journal.append({ t: 'mutation-intent', key: spec.key, at: clock.now() });
      const value = await spec.create(signal);
      journal.append({ t: 'mutation-done', key: spec.key, record: spec.record(value), created: true, at: clock.now() });
      return { value, created: true };
    },
  });

  const runTeardown = async (step: StepDef<S>): Promise<void> => {
    if (!step.teardown) return;
    const budget = timeoutSignal(clock, opts.teardownBudgetMs);
    let ok = true;
    let message = 'done';
    try {
      await step.teardown(makeCtx(step, budget.signal, []));
    } catch (e) {
      ok = false;
      message = toCapiGateError(e).message;
    } finally {
      budget.cancel();
    }
    journal.append({ t: 'teardown-done', step: step.id, ok, message, at: clock.now() });
    bus.emit({ type: 'teardown', name: step.id, ok, message, at: clock.now() });
  };

  // Teardowns an earlier, killed attempt armed but never finished run first.
  for (const id of journal.pendingTeardowns()) {
    const step = byId.get(id);
    if (step && !records.has(id)) await runTeardown(step);
  }

  const finish = (step: StepDef<S>, outcome: StepOutcome, startedAt: number, waits: WaitResult<unknown>[]): void => {
    const endedAt = clock.now();
    journal.append({ t: 'step-end', step: step.id, at: endedAt, startedAt, outcome, waits });
    records.set(step.id, { ...outcome, stepId: step.id, startedAt, endedAt, reused: false, waits });
    bus.emit({ type: 'step-end', stepId: step.id, status: outcome.status, summary: outcome.summary, at: endedAt, durationMs: endedAt - startedAt, reused: false });
  };

  let interrupted = false;
  const execute = async (step: StepDef<S>): Promise<void> => {
    const startedAt = clock.now();
    const waits: WaitResult<unknown>[] = [];
    journal.append({ t: 'step-start', step: step.id, at: startedAt, attempt: journal.attempts(step.id) + 1 });
    bus.emit({ type: 'step-start', stepId: step.id, title: step.title, kind: step.kind, at: startedAt });
    if (step.teardown) journal.append({ t: 'teardown-armed', step: step.id, at: startedAt });
    const ctx = makeCtx(step, opts.signal, waits);
    let outcome: StepOutcome = { status: 'ERROR', summary: 'not run' };
    const reviews: FailureReview[] = [];
    for (let attempt = 1; ; attempt++) {
      try {
        const observed = await step.body(ctx);
        outcome = step.gate(observed, ctx);
      } catch (e) {
        outcome = outcomeFromError(e);
        if (opts.signal.aborted && (isAbortError(e) || outcome.code === 'CAPI_GATE_ABORTED' || outcome.status === 'ERROR')) {
          interrupted = true;
          await runTeardown(step);
          bus.emit({ type: 'log', stepId: step.id, level: 'warn', message: `interrupted: ${step.id} will run again on --resume`, at: clock.now() });
          return; // no step-end: --resume runs it again
        }
      }
      if (!isFailure(outcome.status) || !opts.onFailure || step.derived || opts.signal.aborted) break;
      const review = await opts.onFailure({ stepId: step.id, title: step.title, outcome, attempt, startedAt, captured: (k) => captured.get(k), signal: opts.signal }).catch(
        (e: unknown): FailureReview => ({ retry: false, note: `diagnosis failed: ${toCapiGateError(e).message}` }),
      );
      reviews.push(review);
      if (!review.retry || attempt > (opts.maxRetries ?? 1) || opts.signal.aborted) break;
      bus.emit({ type: 'log', stepId: step.id, level: 'warn', message: `${outcome.status}: ${outcome.summary.split('\n')[0] ?? ''}; running ${step.id} again after the remediation`, at: clock.now() });
      journal.append({ t: 'step-start', step: step.id, at: clock.now(), attempt: journal.attempts(step.id) + 1 });
    }
    if (reviews.length) outcome = foldReviews(outcome, reviews);
    if (opts.keepOnFailure && isFailure(outcome.status) && step.teardown) {
      bus.emit({ type: 'log', stepId: step.id, level: 'warn', message: `--keep-on-failure: what ${step.id} created is left in place for debugging (not torn down)`, at: clock.now() });
      outcome = { ...outcome, details: { ...outcome.details, keptOnFailure: true } };
    } else {
      await runTeardown(step);
    }
    finish(step, outcome, startedAt, waits);
  };

  const running = new Map<string, Promise<void>>();
  let mutationBusy = false;
  for (;;) {
    if (opts.signal.aborted) interrupted = true;
    if (!interrupted) {
      for (const step of order) {
        if (records.has(step.id) || running.has(step.id)) continue;
        const needs = step.needs.filter((n) => selected.has(n));
        const after = (step.after ?? []).filter((n) => selected.has(n) && n !== step.id);
        if (![...needs, ...after].every((n) => records.has(n))) continue;
        const failed = needs.filter((n) => records.get(n)?.status !== 'PASS');
        if (opts.keepOnFailure && step.cleanup) {
          const bad = [...records.values()].filter((r) => isFailure(r.status) && byId.get(r.stepId)?.counted !== false);
          if (bad.length) {
            finish(step, {
              status: 'SKIPPED',
              summary: `kept for debugging (--keep-on-failure): ${bad.map((r) => `${r.stepId} ${r.status}`).join(', ')}; what the run created is left in place`,
              hint: `Delete it when done: capi-gate cleanup --site ${opts.site.path} (add --remediate if the delete wedges).`,
            }, clock.now(), []);
            continue;
          }
        }
        if (failed.length > 0) {
          const why = failed.map((n) => `${n} ${records.get(n)?.status ?? '?'}`).join(', ');
          finish(step, { status: 'SKIPPED', summary: `not run: it needs ${why}` }, clock.now(), []);
          continue;
        }
        if (step.kind === 'mutation') {
          if (mutationBusy) continue;
          mutationBusy = true;
        } else if ([...running.keys()].filter((id) => byId.get(id)?.kind === 'read').length >= readLimit) {
          continue;
        }
        const p = execute(step).finally(() => {
          running.delete(step.id);
          if (step.kind === 'mutation') mutationBusy = false;
        });
        running.set(step.id, p);
      }
    }
    if (running.size === 0) {
      // SKIPPED cascades may have made more steps ready without anything running.
      const more = !interrupted && order.some((s) => !records.has(s.id) && [...s.needs, ...(s.after ?? [])].filter((n) => selected.has(n)).every((n) => records.has(n)));
      if (more) continue;
      break;
    }
    await Promise.race(running.values());
  }

  // Counted steps not selected have no status: the verdict is then PARTIAL.
  const anyCreated = journal.all().some((r) => r.t === 'mutation-done' && r.created);
  const judged = judge(steps.filter((s) => s.counted !== false).map((s) => ({
    id: s.id,
    status: selected.has(s.id) ? records.get(s.id)?.status ?? 'SKIPPED' : undefined,
    ...(s.precondition ? { precondition: true } : {}),
  })), anyCreated);
  const verdict = judged.verdict;
  const exitCode = interrupted ? 130 : judged.exitCode;
  journal.append({ t: 'run-end', at: clock.now(), verdict, exitCode, interrupted });
  bus.emit({ type: 'run-end', runId, verdict, exitCode, at: clock.now(), interrupted });
  return { runId, runDir: journal.dir, records, captured, verdict, exitCode, interrupted };
}
