import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { RunEvent } from '../core/events.js';
import { redactor } from '../core/redact.js';
import type { Out } from './output.js';
import { applyEvent, liveModel, liveReporter, renderFrame } from './progress.js';
import type { LiveTerminal } from './progress.js';
import { displayWidth } from './text-width.js';
import { VtScreen } from './vt-screen.test-helper.js';

const STEPS = [
  '8.0.prereqs', '8.0.reserved-memory', '8.0.stage-and-verify', '8.0.image', '8.0.template', '8.1', '8.2', '8.3',
  'D-011.1', 'D-011.2', 'D-011.3', 'D-011.4', 'D-011.5', 'D-011.6', 'D-011.7', 'D-011.8', '8.5', 'EXIT-GATE',
].map((id, i) => ({
  id,
  title: `Step ${id}: ${'a title as long as the runbook makes it, '.repeat(2)}end`,
  kind: (i % 3 === 1 ? 'mutation' : 'read') as 'read' | 'mutation',
}));

function terminal(vt: VtScreen): LiveTerminal & { resize(columns: number, rows: number): void } {
  const listeners: (() => void)[] = [];
  return {
    size: () => ({ columns: vt.columns, rows: vt.rows }),
    onResize(l) {
      listeners.push(l);
      return () => { listeners.splice(listeners.indexOf(l), 1); };
    },
    resize(columns, rows) {
      vt.resize(columns, rows);
      for (const l of [...listeners]) l();
    },
  };
}

function outOn(vt: VtScreen, color = true): Out {
  return { isTTY: true, color, line: (t = '') => vt.write(`${t}\n`), err: (t) => vt.write(`${t}\n`), raw: (t) => vt.write(t) };
}

// A tree row: the status or state in 11 columns, the mutation mark, the step id.
const ROW = (id: string) => new RegExp(`^.{11} [M ] ${id.replace(/\./g, '\\.')}\\s`);
const count = (rows: string[], re: RegExp) => rows.filter((r) => re.test(r)).length;

/**
 * A whole run through the live view: every step starts, waits (for a few frames), ends with a
 * summary longer than any screen; warnings and a teardown on the way. `between` runs after each step.
 */
function wholeRun(t: TestContext, vt: VtScreen, term: LiveTerminal, between: (i: number, out: Out) => void = () => undefined): Out {
  let clock = 1_000_000;
  t.mock.timers.enable({ apis: ['setInterval'] });
  const out = outOn(vt);
  const r = liveReporter(out, STEPS, () => clock, term);
  const emit = (e: RunEvent) => r.onEvent(e);
  const frames = (n: number) => { for (let i = 0; i < n; i++) { clock += 100; t.mock.timers.tick(100); } };
  emit({ type: 'run-start', runId: '20261206-120000-abcd', site: 'site-a', at: clock, resumed: false, steps: STEPS.map((s) => s.id) });
  STEPS.forEach((s, i) => {
    emit({ type: 'step-start', stepId: s.id, title: s.title, kind: s.kind, at: clock });
    frames(2);
    for (let p = 1; p <= 3; p++) {
      emit({ type: 'wait-progress', at: clock, progress: { stepId: s.id, waiter: 'w', what: `cluster capi-test-1 to CREATE_COMPLETE (${'and its load balancer '.repeat(3)})`, state: 'CREATE_IN_PROGRESS', elapsedMs: p * 1000, deadlineMs: 1_200_000, polls: p } });
      frames(3);
    }
    if (i % 5 === 2) emit({ type: 'log', stepId: s.id, level: 'warn', message: `a warning\nover two lines from ${s.id}`, at: clock });
    emit({ type: 'step-end', stepId: s.id, status: i === 14 ? 'OUTSTANDING' : 'PASS', summary: `${s.id} summary: ${'what was observed, counted and compared; '.repeat(4)}end`, at: clock, durationMs: 1000, reused: false });
    frames(1);
    between(i, out);
  });
  emit({ type: 'teardown', name: 'D-011.4', ok: true, message: 'done', at: clock });
  emit({ type: 'run-end', runId: '20261206-120000-abcd', verdict: 'FUNCTIONALLY ACCEPTED', exitCode: 0, at: clock, interrupted: false });
  frames(2);
  r.stop();
  out.line('Verdict: FUNCTIONALLY ACCEPTED');
  return out;
}

/** The terminal after a run holds the frame once: one header, one row per step, nothing running, nothing wider than the screen. */
function assertOneFrame(rows: string[], columns: number): void {
  assert.equal(count(rows, /^capi-gate run 20261206-120000-abcd/), 1, `the header once:\n${rows.join('\n')}`);
  for (const s of STEPS) assert.equal(count(rows, ROW(s.id)), 1, `the row of ${s.id} once:\n${rows.join('\n')}`);
  assert.equal(count(rows, /^[|/\\-] running |^ +waiting for /), 0, 'no stale frame (the last one has nothing running)');
  assert.ok(rows.every((r) => displayWidth(r) < columns), 'no row fills the screen width');
  assert.equal(rows.at(-1), 'Verdict: FUNCTIONALLY ACCEPTED');
}

for (const [columns, rows] of [[80, 24], [160, 40], [200, 50]] as const) {
  test(`a whole run on a ${columns}x${rows} terminal leaves one frame; every frame fits the screen`, (t) => {
    const vt = new VtScreen(columns, rows);
    vt.write('$ capi-gate run --site site.yaml\n');
    wholeRun(t, vt, terminal(vt), () => {
      const screen = vt.screen().filter(Boolean);
      assert.ok(screen.every((r) => displayWidth(r) < columns), `no row fills the width (none wraps):\n${screen.join('\n')}`);
      assert.ok(screen.length <= rows - 1, `the frame fits:\n${screen.join('\n')}`);
      assert.equal(count(screen, /^capi-gate run /), 1, `the header on the screen once:\n${screen.join('\n')}`);
    });
    const all = vt.everything();
    assertOneFrame(all, columns);
    assert.equal(all[0], '$ capi-gate run --site site.yaml', 'what was there before is kept');
    assert.ok(all.length <= 1 + 1 + STEPS.length + 4 + 1, `${all.length} rows`);
  });
}

test('a tree taller than the screen folds: finished and pending steps are counted on one line each; the running step and its wait stay', (t) => {
  const vt = new VtScreen(80, 12);
  wholeRun(t, vt, terminal(vt), (i) => {
    if (i !== 8) return;
    // D-011.1 has ended; the next one has not started: the frame shows the folded groups.
    assert.deepEqual(vt.scrollback(), [], 'nothing pushed off the screen');
    const screen = vt.screen().filter(Boolean);
    assert.ok(screen.length <= 11);
    assert.match(screen.join('\n'), /^done\s+\d+ steps\s+\d+ PASS/m);
    assert.match(screen.join('\n'), /pending\s+\d+ more steps\s+/);
  });
  const frame = renderFrame(modelOf(STEPS.slice(0, 9), '8.5'), { columns: 80, rows: 8 }, style());
  assert.ok(frame.length <= 7, frame.join('\n'));
  assert.match(frame.join('\n'), /running\s+M 8\.5\s+Step 8\.5: a title .*… \(3\.0s\)/);
  assert.match(frame.join('\n'), /^ {4}waiting for cluster capi-test\S*: DELETE_IN_PROGRESS {2}3\.0s \/ 12m00s {2}poll 4$/m);
});

function style() {
  return { paint: (_: string, text: string) => text, now: 10_000, tick: 0, ellipsis: '…' };
}

function modelOf(done: readonly { id: string }[], running: string) {
  const m = liveModel(STEPS);
  applyEvent(m, { type: 'run-start', runId: 'r', site: 's', at: 0, resumed: false, steps: [] }, 0);
  for (const s of done) applyEvent(m, { type: 'step-end', stepId: s.id, status: 'PASS', summary: 'ok', at: 0, durationMs: 1, reused: false }, 0);
  applyEvent(m, { type: 'step-start', stepId: running, title: 'Clean delete verification', kind: 'mutation', at: 0 }, 7000);
  applyEvent(m, { type: 'wait-progress', at: 0, progress: { stepId: running, waiter: 'w', what: 'cluster capi-test-1 to be gone', state: 'DELETE_IN_PROGRESS', elapsedMs: 3000, deadlineMs: 720_000, polls: 4 } }, 0);
  return m;
}

test('at 80 columns the wait line keeps its state, elapsed time, deadline and poll count; what is awaited is cut first', () => {
  const m = liveModel(STEPS);
  applyEvent(m, { type: 'step-start', stepId: '8.2', title: STEPS[6]!.title, kind: 'read', at: 0 }, 0);
  applyEvent(m, { type: 'wait-progress', at: 0, progress: { stepId: '8.2', waiter: 'w', what: `cluster capi-test-1 to CREATE_COMPLETE ${'x'.repeat(80)}`, state: 'CREATE_IN_PROGRESS', elapsedMs: 65_000, deadlineMs: 2_700_000, polls: 12 } }, 0);
  const lines = renderFrame(m, { columns: 80, rows: 24 }, style());
  const wait = lines.find((l) => l.includes('waiting for'));
  assert.match(wait ?? '', /^ {4}waiting for cluster capi-\S*…: CREATE_IN_PROGRESS {2}1m05s \/ 45m00s {2}poll 12$/);
  assert.equal(displayWidth(wait ?? ''), 79);
  assert.match(lines.find((l) => /running/.test(l)) ?? '', /… \(10s\)$/, 'the running step keeps its elapsed time');
});

test('every frame line is one redacted screen row: secrets, line breaks and escape sequences from a summary do not get through', () => {
  redactor.add('s3cr3t-app-cred-value');
  const m = liveModel(STEPS);
  applyEvent(m, { type: 'step-end', stepId: '8.1', status: 'PASS', summary: 'made with s3cr3t-app-cred-value\nsecond line \u001b[2J', at: 0, durationMs: 1, reused: false }, 0);
  applyEvent(m, { type: 'log', stepId: '8.1', level: 'warn', message: 'warned\tabout\nthis', at: 0 }, 0);
  const lines = renderFrame(m, { columns: 200, rows: 50 }, style());
  const text = lines.join('\n');
  assert.ok(!text.includes('s3cr3t-app-cred-value'));
  assert.match(text, /made with \[REDACTED\] second line \[2J/);
  assert.match(text, /warned about this/);
  assert.ok(!text.includes('\u001b'));
});

test('wide characters and emoji in a summary are measured as the terminal draws them: no row wraps', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const vt = new VtScreen(60, 20);
  const r = liveReporter(outOn(vt), STEPS.slice(0, 3), () => 0, terminal(vt));
  r.onEvent({ type: 'run-start', runId: 'r', site: 's', at: 0, resumed: false, steps: [] });
  r.onEvent({ type: 'step-end', stepId: STEPS[0]!.id, status: 'PASS', summary: '集群已创建 👍🏽 '.repeat(6), at: 0, durationMs: 1, reused: false });
  r.onEvent({ type: 'step-start', stepId: STEPS[1]!.id, title: 'クラスタ作成 ✔️ '.repeat(6), kind: 'read', at: 0 });
  for (let i = 0; i < 5; i++) t.mock.timers.tick(100);
  r.stop();
  const rows = vt.everything();
  assert.equal(rows.length, 4, rows.join('\n'));
  assert.ok(rows.every((l) => displayWidth(l) <= 59));
  assert.match(rows[1] ?? '', /集群已创建 👍🏽.*…$/);
});

test('a resize takes effect at the next frame; taller, wider, shorter, and narrower with the frame still fitting leave no stale rows', (t) => {
  const vt = new VtScreen(200, 30);
  const term = terminal(vt);
  wholeRun(t, vt, term, (i) => {
    if (i === 3) term.resize(200, 50);
    if (i === 6) term.resize(260, 50);
    if (i === 9) term.resize(260, 26);
    if (i === 12) term.resize(240, 26);
  });
  assertOneFrame(vt.everything(), 240);
});

test('a narrowing that re-wraps the frame taller than the screen: the screen stays clean, and what the terminal pushed into its scrollback is there once', (t) => {
  const vt = new VtScreen(160, 40);
  const term = terminal(vt);
  let oldFrame = 0;
  wholeRun(t, vt, term, (i) => {
    if (i !== 6) return;
    oldFrame = vt.screen().filter(Boolean).length;
    term.resize(80, 24);
    const screen = vt.screen().filter(Boolean);
    assert.equal(count(screen, /^capi-gate run /), 1, `one frame on the screen:\n${screen.join('\n')}`);
    assert.ok(screen.every((r) => displayWidth(r) < 80));
  });
  const rows = vt.everything();
  const last = rows.findLastIndex((r) => r.startsWith('capi-gate run '));
  assertOneFrame(rows.slice(last), 80);
  assert.ok(last <= 2 * oldFrame - 23, `at most the rows of the old frame that no longer fit on the screen (${last})`);
});

test('lines written while the view is on go above the frame, which is drawn again below them', (t) => {
  const vt = new VtScreen(80, 24);
  wholeRun(t, vt, terminal(vt), (i, out) => {
    if (i === 5) out.line('Diagnostics: /runs/x/diagnostics.md');
    if (i === 10) out.err('SIGINT: stopping; teardown is running');
  });
  const rows = vt.everything();
  assertOneFrame(rows, 80);
  assert.equal(count(rows, /^Diagnostics: /), 1);
  assert.equal(count(rows, /^SIGINT: /), 1);
  assert.ok(rows.indexOf('Diagnostics: /runs/x/diagnostics.md') < rows.findIndex((r) => r.startsWith('capi-gate run ')), 'above the frame');
});

test('a step still running when the view stops (an interrupted run) is shown stopped in the last frame, not running', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const vt = new VtScreen(80, 24);
  const r = liveReporter(outOn(vt), STEPS.slice(0, 3), () => 0, terminal(vt));
  r.onEvent({ type: 'run-start', runId: 'r', site: 's', at: 0, resumed: false, steps: [] });
  r.onEvent({ type: 'step-end', stepId: STEPS[0]!.id, status: 'PASS', summary: 'ok', at: 0, durationMs: 1, reused: false });
  r.onEvent({ type: 'step-start', stepId: STEPS[1]!.id, title: 'Create the workload cluster', kind: 'mutation', at: 0 });
  r.onEvent({ type: 'wait-progress', at: 0, progress: { stepId: STEPS[1]!.id, waiter: 'w', what: 'cluster', state: 'CREATE_IN_PROGRESS', elapsedMs: 1, deadlineMs: 2, polls: 1 } });
  for (let i = 0; i < 3; i++) t.mock.timers.tick(100);
  assert.match(vt.screen().join('\n'), /running/);
  r.stop();
  const rows = vt.everything();
  assert.equal(count(rows, /running|waiting for/), 0, rows.join('\n'));
  assert.equal(count(rows, ROW(STEPS[1]!.id)), 1);
  assert.match(rows.join('\n'), /^stopped {5}M 8\.0\.reserved-memory +Step 8\.0\.reserved-memory/m);
});
