// signoff and history against run journals written here: what a sign-off is refused on, that it
// rewrites the reports on disk, and that history never shows a partial run as accepted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../core/clock.js';
import { isCapiGateError } from '../core/errors.js';
import type { ErrorCode } from '../core/errors.js';
import type { ItemStatus } from '../core/results.js';
import { Journal } from '../engine/journal.js';
import { CATALOG } from '../phase08/index.js';
import { historyCommand, signoffCommand } from './cmd-report.js';
import type { Out } from './output.js';

function capture(): Out & { text: () => string } {
  const lines: string[] = [];
  return { isTTY: false, color: false, line: (t = '') => lines.push(t), err: (t) => lines.push(t), raw: (t) => lines.push(t), text: () => lines.join('\n') };
}

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

/** A run journal: every selected step with the given status (default PASS, D-011.7 OUTSTANDING, D-011.8 DEFERRED). */
function writeRun(runs: string, runId: string, o: { only?: string[]; finished?: boolean; status?: Record<string, ItemStatus>; createdAt?: number } = {}): void {
  const createdAt = o.createdAt ?? T0;
  const j = Journal.create(runs, { runId, site: 'roosevelt', sitePath: '/x/site.yaml', createdAt, selection: { only: o.only ?? [], skip: [] }, version: 'test' });
  let at = createdAt;
  for (const s of CATALOG) {
    if (o.only && !o.only.some((x) => s.id === x || s.id.startsWith(x + '.'))) continue;
    const status = o.status?.[s.id] ?? (s.id === 'D-011.7' ? 'OUTSTANDING' : s.id === 'D-011.8' ? 'DEFERRED' : 'PASS');
    j.append({ t: 'step-start', step: s.id, at, attempt: 1 });
    j.append({ t: 'step-end', step: s.id, at: at + 1000, startedAt: at, outcome: { status, summary: `${s.id} ${status}` }, waits: [] });
    at += 1000;
  }
  if (o.finished !== false) j.append({ t: 'run-end', at, verdict: 'x', exitCode: 0, interrupted: false });
  j.close();
}

function refused(fn: () => unknown, code: ErrorCode, message: RegExp, hint: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isCapiGateError(e, code), `${String(e)} is ${code}`);
    assert.match(e.message, message);
    assert.match(e.hint ?? '', hint);
    assert.equal(e.exitCode, 2);
    return true;
  });
}

test('a sign-off recomputes every view and rewrites the reports on disk; a second one is refused unless --amend', () => {
  const runs = mkdtempSync(join(tmpdir(), 'signoff-'));
  try {
    writeRun(runs, 'r1');
    const clock = new VirtualClock(T0 + 3_600_000);
    const out = capture();
    assert.equal(signoffCommand(out, runs, 'r1', 'D-011.7', { by: 'Ada', note: 'Snapshot 2 taken' }, clock), 0);
    assert.match(out.text(), /Signed off D-011\.7 by Ada: now PASS\. Verdict: ACCEPTED\./);
    const json = JSON.parse(readFileSync(join(runs, 'r1', 'report.json'), 'utf8')) as { verdict: string; items: { id: string; status: string; summary: string }[] };
    assert.equal(json.verdict, 'ACCEPTED');
    assert.deepEqual(json.items.filter((i) => i.id === 'EXIT-GATE' || i.id === 'D-011.7').map((i) => [i.id, i.status]), [['D-011.7', 'PASS'], ['EXIT-GATE', 'PASS']]);
    assert.equal(json.items.find((i) => i.id === 'EXIT-GATE')?.summary, 'ACCEPTED');
    assert.match(readFileSync(join(runs, 'r1', 'report.md'), 'utf8'), /- EXIT-GATE: \*\*PASS\*\*: ACCEPTED/);
    assert.match(readFileSync(join(runs, 'r1', 'junit.xml'), 'utf8'), /<property name="verdict" value="ACCEPTED"\/>/);

    refused(() => signoffCommand(capture(), runs, 'r1', 'D-011.7', { by: 'Bob', note: 'again' }, clock), 'CAPI_GATE_USAGE', /D-011\.7 of run r1 is already signed off by Ada/, /--amend/);
    const amended = capture();
    assert.equal(signoffCommand(amended, runs, 'r1', 'D-011.7', { by: 'Bob', note: 'Snapshot 2 re-taken', amend: true }, clock), 0);
    assert.match(amended.text(), /Amended the sign-off of D-011\.7 by Bob/);
    const signs = Journal.open(runs, 'r1').all().filter((r) => r.t === 'signoff');
    assert.deepEqual(signs.map((r) => r.t === 'signoff' && [r.by, r.amends === true]), [['Ada', false], ['Bob', true]]);
    assert.match(readFileSync(join(runs, 'r1', 'report.md'), 'utf8'), /D-011\.7: sign-off amended by \*\*Bob\*\*/);
  } finally {
    rmSync(runs, { recursive: true, force: true });
  }
});

test('a sign-off is refused on an unfinished run, on an item not OUTSTANDING, on an item not in the run, and --amend with nothing to amend', () => {
  const runs = mkdtempSync(join(tmpdir(), 'signoff-'));
  const clock = new VirtualClock(T0 + 3_600_000);
  try {
    writeRun(runs, 'unfinished', { finished: false });
    assert.throws(() => signoffCommand(capture(), runs, 'unfinished', 'D-011.7', { by: 'Ada', note: 'x' }, clock), (e: unknown) => {
      assert.ok(isCapiGateError(e, 'CAPI_GATE_JOURNAL'));
      assert.match(e.message, /run unfinished has not finished/);
      assert.match(e.hint ?? '', /Resume it first: capi-gate run --resume unfinished/);
      assert.equal(e.exitCode, 2);
      return true;
    });
    assert.equal(Journal.open(runs, 'unfinished').all().filter((r) => r.t === 'signoff').length, 0, 'nothing journaled');

    writeRun(runs, 'passed', { status: { 'D-011.7': 'PASS' } });
    refused(() => signoffCommand(capture(), runs, 'passed', 'D-011.7', { by: 'Ada', note: 'x' }, clock), 'CAPI_GATE_USAGE', /D-011\.7 of run passed is PASS, not OUTSTANDING: D-011\.7 passed; there is nothing to sign off/, /capi-gate report passed/);
    writeRun(runs, 'failed', { status: { 'D-011.7': 'FAIL' } });
    refused(() => signoffCommand(capture(), runs, 'failed', 'D-011.7', { by: 'Ada', note: 'x' }, clock), 'CAPI_GATE_USAGE', /is FAIL, not OUTSTANDING: a sign-off closes an operator action; it cannot turn FAIL into a pass/, /Fix what D-011\.7 reports/);
    writeRun(runs, 'partial', { only: ['8.0'] });
    refused(() => signoffCommand(capture(), runs, 'partial', 'D-011.7', { by: 'Ada', note: 'x' }, clock), 'CAPI_GATE_USAGE', /D-011\.7 was not selected in run partial/, /a run that evaluated D-011\.7/);
    refused(() => signoffCommand(capture(), runs, 'failed', 'D-011.2', { by: 'Ada', note: 'x' }, clock), 'CAPI_GATE_USAGE', /D-011\.2 cannot be signed off/, /D-011\.6 .*D-011\.7/);
    writeRun(runs, 'open');
    refused(() => signoffCommand(capture(), runs, 'open', 'D-011.7', { by: 'Ada', note: 'x', amend: true }, clock), 'CAPI_GATE_USAGE', /has no sign-off to amend/, /without --amend/);
    // D-011.6 passes on the seal status; the re-unseal drill it cannot observe is attested on the PASS.
    const ok = capture();
    assert.equal(signoffCommand(ok, runs, 'open', 'D-011.6', { by: 'Ada', note: 're-unseal drilled' }, clock), 0);
    assert.match(ok.text(), /Signed off D-011\.6 by Ada: now PASS\. Verdict: FUNCTIONALLY ACCEPTED/);
  } finally {
    rmSync(runs, { recursive: true, force: true });
  }
});

test('history shows a partial run as PARTIAL and an unfinished one as UNFINISHED, never as accepted', () => {
  const runs = mkdtempSync(join(tmpdir(), 'history-'));
  try {
    writeRun(runs, 'a-full', { createdAt: T0 });
    writeRun(runs, 'b-partial', { only: ['8.0'], createdAt: T0 + 1000 });
    writeRun(runs, 'c-gate-only', { only: ['EXIT-GATE'], createdAt: T0 + 2000 });
    writeRun(runs, 'd-unfinished', { finished: false, createdAt: T0 + 3000 });
    const out = capture();
    historyCommand(out, runs, undefined);
    const text = out.text();
    assert.match(text, /a-full +roosevelt +FUNCTIONALLY ACCEPTED/);
    assert.match(text, /b-partial +roosevelt +PARTIAL /);
    assert.match(text, /c-gate-only +roosevelt +PARTIAL /);
    assert.match(text, /d-unfinished +roosevelt +UNFINISHED /);
    assert.match(text, /4 run\(s\): 1 FUNCTIONALLY ACCEPTED, 2 PARTIAL, 1 UNFINISHED\./);
    assert.doesNotMatch(text, /(b-partial|c-gate-only).*ACCEPTED/);
  } finally {
    rmSync(runs, { recursive: true, force: true });
  }
});
