import { test } from 'node:test';
import assert from 'node:assert/strict';
import { realClock } from '../core/clock.js';
import type { JournalRecord, StepFailure } from '../engine/index.js';
import type { Phase08Services } from '../phase08/services.js';
import { exampleSite } from '../../test/helpers.js';
import { failureReviewer } from './on-failure.js';
import type { Diagnosis, Playbook } from './playbook.js';

/** A pattern that is present until remedied; counts detects and remedies. */
function pattern(id: string, opts: { rerunsStep: boolean; remedyFails?: boolean }) {
  const state = { present: true, detects: 0, remedies: 0 };
  const p: Playbook = {
    id, title: id, decisions: [], source: '', rerunsStep: opts.rerunsStep,
    detect: (): Promise<Diagnosis> => {
      state.detects++;
      return Promise.resolve(state.present ? { playbook: id, found: true, evidence: `${id} seen`, remedy: `fix ${id}`, plan: [`fix ${id}`] } : { playbook: id, found: false, evidence: 'fine' });
    },
    remediate: async () => {
      state.remedies++;
      await new Promise((r) => setTimeout(r, 20));
      if (opts.remedyFails) return [{ action: `could not fix ${id}`, ok: false }];
      state.present = false;
      return [{ action: `fixed ${id}`, ok: true }];
    },
  };
  return { p, state };
}

function failure(stepId: string, startedAt: number): StepFailure {
  return { stepId, title: stepId, outcome: { status: 'FAIL', summary: `${stepId} broke` }, attempt: 1, startedAt, captured: () => undefined, signal: new AbortController().signal };
}

function reviewer(playbooks: Playbook[], remediate: boolean) {
  const journal: JournalRecord[] = [];
  const said: string[] = [];
  const review = failureReviewer({
    playbooks, remediate, clock: realClock, reuseMs: 0,
    context: { site: exampleSite(), services: {} as Phase08Services, clock: realClock, say: () => undefined },
    append: (r) => journal.push(r), say: (s, m) => said.push(`${s}: ${m}`),
  });
  return { review, journal, said };
}

test('without --remediate: detect only, the diagnosis is journaled and named, nothing is changed, no rerun', async () => {
  const vm = pattern('mgmt-oom', { rerunsStep: true });
  const { review, journal } = reviewer([vm.p], false);
  const r = await review(failure('8.2', Date.now()));
  assert.equal(r.retry, false);
  assert.equal(r.playbook, 'mgmt-oom');
  assert.equal(r.hint, 'fix mgmt-oom');
  assert.match(r.note ?? '', /diagnosis: mgmt-oom; capi-gate run --remediate/);
  assert.equal(vm.state.remedies, 0);
  assert.deepEqual(journal.map((x) => x.t), ['diagnosis']);
});

test('with --remediate: the remedy is journaled action by action and the step reruns only for a remedy that restores its state', async () => {
  const lb = pattern('api-lb-error', { rerunsStep: true });
  const stuck = pattern('stuck-delete', { rerunsStep: false });
  const { review, journal, said } = reviewer([lb.p, stuck.p], true);
  const r = await review(failure('8.2', Date.now()));
  assert.equal(r.retry, true);
  assert.match(r.note ?? '', /^attempt 1 FAIL: 8.2 broke; remediated: api-lb-error ok, stuck-delete ok; ran again after api-lb-error$/);
  const rem = journal.filter((x): x is Extract<JournalRecord, { t: 'remediation' }> => x.t === 'remediation');
  assert.deepEqual(rem.map((x) => [x.step, x.playbook, x.action, x.ok]), [['8.2', 'api-lb-error', 'fixed api-lb-error', true], ['8.2', 'stuck-delete', 'fixed stuck-delete', true]]);
  assert.ok(said.some((m) => m === '8.2: api-lb-error: will fix api-lb-error'), 'announced before doing it');

  const only = pattern('stuck-delete', { rerunsStep: false });
  const second = reviewer([only.p], true);
  const r2 = await second.review(failure('8.5', Date.now()));
  assert.equal(r2.retry, false, 'stuck-delete cleans up but the item stays FAIL');
});

test('two steps failing at once over one cause: remedied once, both rerun; a failed remedy is not retried', async () => {
  const vm = pattern('mgmt-oom', { rerunsStep: true });
  const { review } = reviewer([vm.p], true);
  const t0 = Date.now();
  const [a, b] = await Promise.all([review(failure('D-011.3', t0)), review(failure('8.2', t0))]);
  assert.equal(vm.state.remedies, 1);
  assert.equal(a.retry, true);
  assert.equal(b.retry, true, 'the other step saw the remedy made since it began');

  const bad = pattern('api-lb-error', { rerunsStep: true, remedyFails: true });
  const other = reviewer([bad.p], true);
  const x = await other.review(failure('8.2', Date.now()));
  const y = await other.review(failure('D-011.4', Date.now()));
  assert.equal(bad.state.remedies, 1);
  assert.equal(x.retry || y.retry, false);
  assert.ok(other.said.some((m) => /its remedy already failed in this run/.test(m)));
});

test('"no appendix-A pattern found" is said once when several steps fail with nothing found', async () => {
  const none: Playbook = { id: 'quiet', title: 'quiet', decisions: [], source: '', detect: () => Promise.resolve({ playbook: 'quiet', found: false, evidence: 'fine' }) };
  const { review, journal, said } = reviewer([none], false);
  const t0 = Date.now();
  for (const step of ['8.0.image', '8.0.template', 'D-011.2']) await review(failure(step, t0));
  assert.deepEqual(said.filter((m) => /no appendix-A pattern found/.test(m)), ['8.0.image: diagnosis: no appendix-A pattern found']);
  assert.equal(journal.filter((r) => r.t === 'diagnosis').length, 3, 'every review is still journaled');
});
