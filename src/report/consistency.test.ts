// One source of truth: a full, a partial, an interrupted, a resumed and a signed-off run (journals
// written here) rendered in all four formats; each format is read back on its own terms and must
// give the same verdict and the same totals, which must be the expected ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReport } from './model.js';
import { renderReport } from './write.js';
import type { ReportFormat } from './write.js';
import type { JournalRecord, RunMeta } from '../engine/journal.js';
import type { ItemStatus } from '../core/results.js';
import { CATALOG } from '../phase08/index.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const MIN = 60_000;
const meta = (selection: { only: string[]; skip: string[] } = { only: [], skip: [] }): RunMeta => ({ schema: 'capi-gate/run@1', runId: 'r-cons', site: 'roosevelt', sitePath: '/x/site.yaml', createdAt: T0, selection, version: '0.1.0' });

const STATUS = (id: string): ItemStatus => (id === 'D-011.7' ? 'OUTSTANDING' : id === 'D-011.8' ? 'DEFERRED' : 'PASS');
const GATE_JOURNALED = 'FUNCTIONALLY ACCEPTED; open: D-011.7 OUTSTANDING';

/** Step records for `ids`, one minute each from `at`; returns the records and the time after them. */
function steps(ids: readonly string[], at: number): { recs: JournalRecord[]; at: number } {
  const recs: JournalRecord[] = [];
  for (const id of ids) {
    recs.push({ t: 'step-start', step: id, at, attempt: 1 });
    const status = id === 'EXIT-GATE' ? 'PASS' : STATUS(id);
    recs.push({ t: 'step-end', step: id, at: at + MIN, startedAt: at, outcome: { status, summary: id === 'EXIT-GATE' ? GATE_JOURNALED : `${id} ${status}`, ...(id === 'D-011.7' ? { hint: 'take Snapshot 2, then sign off' } : {}) }, waits: [] });
    at += MIN;
  }
  return { recs, at };
}

const ALL = CATALOG.map((s) => s.id);
const FIRST = ALL.slice(0, 6); // 8.0.* and 8.1
const REST = ALL.slice(6);

function fullRun(): JournalRecord[] {
  const s = steps(ALL, T0);
  return [{ t: 'run-start', at: T0, resumed: false }, ...s.recs, { t: 'run-end', at: s.at, verdict: 'FUNCTIONALLY ACCEPTED', exitCode: 0, interrupted: false }];
}
function partialRun(): JournalRecord[] {
  const s = steps(ALL.filter((id) => id.startsWith('8.0.')), T0);
  return [{ t: 'run-start', at: T0, resumed: false }, ...s.recs, { t: 'run-end', at: s.at, verdict: 'ACCEPTED', exitCode: 0, interrupted: false }];
}
function interruptedRun(): JournalRecord[] {
  const s = steps(FIRST, T0);
  return [{ t: 'run-start', at: T0, resumed: false }, ...s.recs, { t: 'run-end', at: s.at, verdict: 'NOT ACCEPTED', exitCode: 130, interrupted: true }];
}
function resumedRun(): JournalRecord[] {
  const first = interruptedRun();
  const resumeAt = (first[first.length - 1]!.at) + 41 * MIN;
  const s = steps(REST, resumeAt);
  return [...first, { t: 'run-start', at: resumeAt, resumed: true },
    { t: 'remediation', playbook: 'A.3', action: 'restarted the stuck amphora', ok: true, at: resumeAt + 30_000, step: '8.2' },
    ...s.recs, { t: 'run-end', at: s.at, verdict: 'FUNCTIONALLY ACCEPTED', exitCode: 0, interrupted: false }];
}
function signedRun(): JournalRecord[] {
  const full = fullRun();
  const end = full[full.length - 1]!.at;
  return [...full, { t: 'signoff', item: 'D-011.7', by: 'Ada', note: 'Snapshot 2 taken on every domain', at: end + 5 * MIN }];
}

interface Seen { verdict: string; tests: number; failures: number; errors: number; skipped: number }

const num = (re: RegExp, text: string, what: string): number => {
  const m = re.exec(text);
  assert.ok(m, `${what}: ${re} not found`);
  return Number(m[1]);
};

/** What each format says, read from its own text. */
function read(format: ReportFormat, text: string): Seen {
  switch (format) {
    case 'json': {
      const j = JSON.parse(text) as { verdict: string; counts: { tests: number; failed: number; errors: number; skipped: number } };
      assert.ok(j.counts, 'json has counts');
      return { verdict: j.verdict, tests: j.counts.tests, failures: j.counts.failed, errors: j.counts.errors, skipped: j.counts.skipped };
    }
    case 'junit': {
      const suite = /<testsuites [^>]*>/.exec(text)?.[0] ?? '';
      return {
        verdict: /<property name="verdict" value="([^"]+)"/.exec(text)?.[1] ?? '',
        tests: num(/tests="(\d+)"/, suite, 'junit tests'),
        failures: num(/failures="(\d+)"/, suite, 'junit failures'),
        errors: num(/errors="(\d+)"/, suite, 'junit errors'),
        skipped: num(/skipped="(\d+)"/, suite, 'junit skipped'),
      };
    }
    case 'md':
    case 'html': {
      const verdict = format === 'md' ? /\*\*Verdict: ([A-Z ]+?)(?::|;|\*\*)/.exec(text)?.[1] ?? '' : />([A-Z ]+)<\/div>/.exec(/<div class="verdict"[^]*?<\/div>/.exec(text)?.[0] ?? '')?.[1] ?? '';
      return {
        verdict,
        tests: num(/(\d+) steps, \d+ selected/, text, `${format} tests`),
        failures: num(/(\d+) failed/, text, `${format} failed`),
        errors: num(/(\d+) errors/, text, `${format} errors`),
        skipped: num(/(\d+) skipped/, text, `${format} skipped`),
      };
    }
  }
}

// JUnit first: on a run it disagreed with the verdict (an interrupted run had 0 failures and 0 errors).
const FORMATS: readonly ReportFormat[] = ['junit', 'json', 'md', 'html'];

const CASES: { name: string; records: () => JournalRecord[]; selection?: { only: string[]; skip: string[] }; want: Seen & { exit: number } }[] = [
  { name: 'full', records: fullRun, want: { verdict: 'FUNCTIONALLY ACCEPTED', exit: 0, tests: 18, failures: 0, errors: 0, skipped: 2 } },
  { name: 'partial', records: partialRun, selection: { only: ['8.0'], skip: [] }, want: { verdict: 'PARTIAL', exit: 5, tests: 18, failures: 0, errors: 0, skipped: 13 } },
  // 6 steps ran; the 12 not run yet are errors (the run was stopped before them), not passes.
  { name: 'interrupted', records: interruptedRun, want: { verdict: 'NOT ACCEPTED', exit: 130, tests: 18, failures: 0, errors: 12, skipped: 0 } },
  { name: 'resumed', records: resumedRun, want: { verdict: 'FUNCTIONALLY ACCEPTED', exit: 0, tests: 18, failures: 0, errors: 0, skipped: 2 } },
  { name: 'signed off', records: signedRun, want: { verdict: 'ACCEPTED', exit: 0, tests: 18, failures: 0, errors: 0, skipped: 1 } },
];

for (const c of CASES) {
  test(`every format gives the same verdict and totals: ${c.name} run`, () => {
    const report = buildReport(meta(c.selection), c.records(), CATALOG);
    assert.equal(report.verdict, c.want.verdict);
    assert.equal(report.exitCode, c.want.exit);
    const { exit: _exit, ...want } = c.want;
    for (const f of FORMATS) assert.deepEqual(read(f, renderReport(report, f)), want, `${f} of the ${c.name} run`);
    const junit = renderReport(report, 'junit');
    assert.equal((junit.match(/<testcase /g) ?? []).length, 18, 'one test case per runbook step');
    assert.match(junit, new RegExp(`<property name="exitCode" value="${c.want.exit}"/>`));
  });
}

test('a partial run names what it has no verdict on, in the verdict line of every format', () => {
  const report = buildReport(meta({ only: ['8.0'], skip: [] }), partialRun(), CATALOG);
  const line = 'PARTIAL: 5 of 18 steps; no verdict on 8.1, 8.2, 8.3, D-011, 8.5 (not selected)';
  for (const f of FORMATS) assert.ok(renderReport(report, f).includes(line), `${f}: ${line}`);
  assert.match(renderReport(report, 'junit'), /<skipped message="NOT SELECTED: left out by --only\/--skip; no verdict on it in this run"\/>/);
});

test('--only EXIT-GATE is PARTIAL, exit 5: the gate does not render ACCEPTED from nothing', () => {
  const s = steps(['EXIT-GATE'], T0);
  const recs: JournalRecord[] = [...s.recs, { t: 'run-end', at: s.at, verdict: 'ACCEPTED', exitCode: 0, interrupted: false }];
  const report = buildReport(meta({ only: ['EXIT-GATE'], skip: [] }), recs, CATALOG);
  assert.equal(report.verdict, 'PARTIAL');
  assert.equal(report.exitCode, 5);
  const gate = report.items.find((i) => i.id === 'EXIT-GATE')!;
  assert.equal(gate.status, 'SKIPPED');
  assert.match(gate.summary, /no verdict: the gate needs every item; not run here: 8\.0, 8\.1, 8\.2, 8\.3, D-011, 8\.5/);
  assert.doesNotMatch(renderReport(report, 'md'), /Verdict: ACCEPTED/);
});

test('a resumed run: the pause between the interrupt and the resume is left out of the duration and said, in every format; the timeline shows interrupt, resume and remediation', () => {
  const report = buildReport(meta(), resumedRun(), CATALOG);
  assert.equal(report.durationMs, 18 * MIN, 'the 18 one-minute steps, not the 41-minute pause');
  assert.equal(report.pausedMs, 41 * MIN);
  const said = 'took 18m00s, excluding 41m00s between the interrupt and the resume';
  assert.equal(`took ${report.durationText}`, said);
  assert.deepEqual(report.timeline.map((e) => e.kind), ['start', 'interrupt', 'resume', 'remediation', 'end']);
  for (const f of FORMATS) {
    const text = renderReport(report, f);
    assert.ok(text.includes('18m00s, excluding 41m00s between the interrupt and the resume'), `${f} says the duration and what it excludes`);
    for (const kind of ['interrupt', 'resume', 'remediation']) assert.ok(new RegExp(`\\b${kind}\\b`).test(text), `${f} shows the ${kind}`);
  }
  assert.match(renderReport(report, 'junit'), /time="1080\.000"/, 'JUnit time excludes the pause');
  assert.match(renderReport(report, 'html'), /<g class="event interrupt">/);
});

test('a run killed (no end recorded) and resumed: the stop and the resume are on the timeline, the pause excluded', () => {
  const first = steps(FIRST, T0);
  const resumeAt = first.at + 10 * MIN;
  const rest = steps(REST, resumeAt);
  const recs: JournalRecord[] = [{ t: 'run-start', at: T0, resumed: false }, ...first.recs, { t: 'run-start', at: resumeAt, resumed: true }, ...rest.recs, { t: 'run-end', at: rest.at, verdict: 'x', exitCode: 0, interrupted: false }];
  const report = buildReport(meta(), recs, CATALOG);
  assert.deepEqual(report.timeline.map((e) => e.kind), ['start', 'stop', 'resume', 'end']);
  assert.equal(report.durationText, '18m00s, excluding 10m00s between the stop and the resume');
});

test('after a sign-off every view agrees: headline, EXIT-GATE and the item say ACCEPTED/PASS, and the sign-off is on the timeline', () => {
  const report = buildReport(meta(), signedRun(), CATALOG);
  assert.equal(report.verdict, 'ACCEPTED');
  const gate = report.items.find((i) => i.id === 'EXIT-GATE')!;
  assert.equal(gate.status, 'PASS');
  assert.equal(gate.summary, 'ACCEPTED');
  assert.equal(gate.measuredSummary, GATE_JOURNALED);
  const item = report.items.find((i) => i.id === 'D-011.7')!;
  assert.equal(item.status, 'PASS');
  assert.equal(item.measured, 'OUTSTANDING');
  assert.equal(item.hint, undefined, 'the hint to sign off no longer applies');
  assert.match(item.summary, /^PASS by operator sign-off by Ada at .*: Snapshot 2 taken on every domain\. The run measured OUTSTANDING: D-011\.7 OUTSTANDING$/);
  const md = renderReport(report, 'md');
  assert.match(md, /- EXIT-GATE: \*\*PASS\*\*: ACCEPTED/);
  assert.match(md, /\| EXIT-GATE \| read \| PASS \| .* \| ACCEPTED \|/);
  assert.doesNotMatch(md, /OUTSTANDING \(operator\)/);
  const html = renderReport(report, 'html');
  assert.match(html, /EXIT-GATE: ACCEPTED<\/p>/);
  assert.doesNotMatch(html, />OUTSTANDING</);
  assert.ok(report.timeline.some((e) => e.kind === 'signoff' && /D-011\.7 signed off by Ada/.test(e.text)));
  for (const f of FORMATS) assert.match(renderReport(report, f), /D-011\.7 signed off by Ada/, `${f} shows the sign-off on the timeline`);
});

test('an amended sign-off is shown as an amendment in every format', () => {
  const recs = [...signedRun(), { t: 'signoff' as const, item: 'D-011.7', by: 'Grace', note: 'Snapshot 2 re-taken after the fix', at: T0 + 60 * MIN, amends: true }];
  const report = buildReport(meta(), recs, CATALOG);
  const item = report.items.find((i) => i.id === 'D-011.7')!;
  assert.deepEqual(item.signoffs.map((s) => [s.by, s.amendment]), [['Ada', false], ['Grace', true]]);
  assert.match(item.summary, /by Grace .*\(amended 1x\)/);
  for (const f of FORMATS) assert.match(renderReport(report, f), /sign-off amended by Grace/, f);
});

test('a journal written before runs recorded their start: the first record after an interrupt is the resume, and the pause is still left out', () => {
  const recs = resumedRun().filter((r) => r.t !== 'run-start' && r.t !== 'remediation');
  const report = buildReport(meta(), recs, CATALOG);
  assert.deepEqual(report.timeline.map((e) => e.kind), ['start', 'interrupt', 'resume', 'end']);
  assert.equal(report.durationMs, 18 * MIN);
  assert.equal(report.pausedMs, 41 * MIN);
});
