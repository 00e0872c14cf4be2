// What `capi-gate run` does when a step fails: every playbook's detect runs (read-only, with its
// own time budget) and the findings go into the journal and the step's outcome; with --remediate,
// each found pattern's plan is announced, carried out and journaled action by action, and the
// step runs again when a remedy that restores what it checks (Playbook.rerunsStep) succeeded.
// Reviews are serialised: two steps failing at once over one cause (the mgmt VM SHUTOFF breaks
// the SSH probe and stalls the create) remediate it once; the second sees it fixed and reruns.

import type { Clock } from '../core/clock.js';
import type { FailureReview, JournalRecord, StepFailure } from '../engine/index.js';
import { applyRemedy, runDoctor } from './doctor.js';
import type { Diagnosis, Playbook, PlaybookContext, RemediationAction } from './playbook.js';

export interface FailureReviewerOptions {
  readonly playbooks: readonly Playbook[];
  /** The playbook context without the per-review parts. */
  readonly context: Omit<PlaybookContext, 'captured' | 'signal'>;
  readonly clock: Clock;
  readonly remediate: boolean;
  /** Journal sink (diagnosis and remediation records). */
  append(record: JournalRecord): void;
  /** Progress for the operator. */
  say(stepId: string, message: string): void;
  /** Real-time budget for the read-only detection of one review (default 60 s). */
  readonly detectBudgetMs?: number;
  /** A detection less than this old (real ms, default 10 s) with no remedy since is reused. */
  readonly reuseMs?: number;
}

interface Remedied {
  readonly playbook: string;
  /** Run clock (compared with the step's start). */
  readonly at: number;
  /** Real clock (compared with the cached detection). */
  readonly real: number;
  readonly rerun: boolean;
}

export function failureReviewer(o: FailureReviewerOptions): (f: StepFailure) => Promise<FailureReview> {
  let queue: Promise<unknown> = Promise.resolve();
  const remedied: Remedied[] = [];
  const gaveUp = new Set<string>();
  // "Nothing found" is said once: steps failing together over one cause (a cloud that is down)
  // would each repeat it. It is said again only after something was found in between.
  let saidNothing = false;

  // Steps failing together over one cause (a cloud that is down) share one detection.
  let last: { diagnoses: readonly Diagnosis[]; at: number } | undefined;
  const reuseMs = o.reuseMs ?? 10_000;

  const review = async (f: StepFailure): Promise<FailureReview> => {
    const say = (m: string) => o.say(f.stepId, m);
    const fresh = last && Date.now() - last.at < reuseMs && !remedied.some((r) => r.real >= last!.at);
    let diagnoses: readonly Diagnosis[];
    if (fresh && last) {
      diagnoses = last.diagnoses;
    } else {
      const detectSignal = AbortSignal.any([f.signal, AbortSignal.timeout(o.detectBudgetMs ?? 60_000)]);
      diagnoses = (await runDoctor(o.playbooks, { ...o.context, captured: f.captured, signal: detectSignal, say }, false)).diagnoses;
      last = { diagnoses, at: Date.now() };
    }
    for (const d of diagnoses) {
      o.append({ t: 'diagnosis', step: f.stepId, playbook: d.playbook, found: d.found, evidence: d.evidence, ...(d.error ? { error: d.error } : {}), at: o.clock.now() });
    }
    const found = diagnoses.filter((d) => d.found);
    if (found.length) {
      say(`diagnosis: ${found.map((d) => `${d.playbook} (${d.evidence})`).join('; ')}`);
      saidNothing = false;
    } else if (!saidNothing) {
      const unchecked = diagnoses.filter((d) => d.error).length;
      say(`diagnosis: no appendix-A pattern found${unchecked ? ` (${unchecked} could not be checked)` : ''}`);
      saidNothing = true;
    }

    const done: { playbook: string; actions: RemediationAction[] }[] = [];
    if (o.remediate) {
      for (const d of found) {
        const p = o.playbooks.find((x) => x.id === d.playbook);
        if (!p?.remediate || !d.plan) continue;
        if (gaveUp.has(p.id)) {
          say(`${p.id}: its remedy already failed in this run; not trying again (see the journal)`);
          continue;
        }
        const actions = await applyRemedy(p, d, { ...o.context, captured: f.captured, signal: f.signal, say });
        for (const a of actions) {
          o.append({ t: 'remediation', step: f.stepId, playbook: p.id, action: a.action, ok: a.ok, at: o.clock.now() });
          say(`${a.ok ? 'done' : 'FAILED'}: ${a.action}`);
        }
        done.push({ playbook: p.id, actions });
        if (!actions.length || actions.some((a) => !a.ok)) gaveUp.add(p.id);
        if (actions.length && actions.every((a) => a.ok)) remedied.push({ playbook: p.id, at: o.clock.now(), real: Date.now(), rerun: p.rerunsStep === true });
      }
    }
    // Rerun when a remedy that restores the checked state succeeded since this step began (here,
    // or while reviewing another step's failure).
    const since = remedied.filter((r) => r.at >= f.startedAt);
    const rerunBy = since.filter((r) => r.rerun).map((r) => r.playbook);
    return summarise(f, found, done, since.map((r) => r.playbook), rerunBy, o.remediate);
  };

  return (f) => {
    const next = queue.then(() => review(f));
    queue = next.catch(() => undefined);
    return next;
  };
}

function summarise(f: StepFailure, found: readonly Diagnosis[], done: readonly { playbook: string; actions: RemediationAction[] }[], remediedSince: readonly string[], rerunBy: readonly string[], remediate: boolean): FailureReview {
  const details: Record<string, unknown> = {};
  if (found.length) details['diagnosis'] = found.map((d) => ({ playbook: d.playbook, evidence: d.evidence, ...(d.remedy ? { remedy: d.remedy } : {}) }));
  if (done.length) details['remediation'] = done.map((r) => ({ playbook: r.playbook, actions: r.actions.map((a) => `${a.ok ? 'done' : 'FAILED'}: ${a.action}`) }));
  const first = found[0];
  const rerun = rerunBy.length > 0;
  // The failure is the outcome's own summary unless the step runs again and may pass.
  const notes: string[] = rerun ? [`attempt ${f.attempt} ${f.outcome.status}: ${f.outcome.summary.split('\n')[0] ?? ''}`] : [];
  if (done.length) notes.push(`remediated: ${done.map((r) => `${r.playbook} ${r.actions.every((a) => a.ok) ? 'ok' : 'FAILED'}`).join(', ')}`);
  else if (found.length) notes.push(`diagnosis: ${found.map((d) => d.playbook).join(', ')}${remediate ? '' : '; capi-gate run --remediate (or doctor --remediate) would fix what has a plan'}`);
  const workaround = done.filter((r) => r.actions.every((a) => a.ok) && !rerunBy.includes(r.playbook)).map((r) => r.playbook);
  if (!rerun && workaround.length) notes.push(`${workaround.join(', ')} cleaned up after it; the item stays ${f.outcome.status}: the cloud's own path did not work`);
  if (!rerun && remediedSince.length && !done.length) notes.push(`already remediated during this run: ${remediedSince.join(', ')}`);
  if (rerun) notes.push(`ran again after ${rerunBy.join(', ')}`);
  return {
    retry: rerun,
    ...(Object.keys(details).length ? { details } : {}),
    ...(notes.length ? { note: notes.join('; ') } : {}),
    ...(first ? { playbook: first.playbook } : {}),
    ...(first?.remedy ? { hint: first.remedy } : {}),
  };
}
