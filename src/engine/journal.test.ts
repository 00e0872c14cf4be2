import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCapiGateError } from '../core/errors.js';
import { Journal, ensureDir } from './journal.js';

function temp(): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'capi-gate-journal-'));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('ensureDir makes every missing level, and refuses a file in the way or a place where nothing can be made, at once', () => {
  const t = temp();
  try {
    const deep = join(t.dir, 'a', 'b', 'c');
    assert.equal(ensureDir(deep), deep);
    assert.ok(statSync(deep).isDirectory());
    assert.equal(ensureDir(deep), deep, 'an existing directory is fine');
    const file = join(t.dir, 'f');
    writeFileSync(file, 'x');
    for (const bad of [file, join(file, 'x', 'y'), ...(existsSync('/proc/1') ? ['/proc/1/capi-gate-x/y', '/proc/capi-gate-x'] : [])]) {
      const started = Date.now();
      assert.throws(() => ensureDir(bad), (e: unknown) => isCapiGateError(e, 'CAPI_GATE_USAGE') && e.message.startsWith(`the runs directory ${bad} cannot be used: `) && /--runs-dir/.test(e.hint ?? ''), bad);
      assert.ok(Date.now() - started < 2_000, `${bad}: ${Date.now() - started} ms`);
    }
  } finally {
    t.done();
  }
});

test('checkRunsDir tests that a run directory can be made and leaves nothing behind', () => {
  const t = temp();
  try {
    const runs = join(t.dir, 'runs', 'deeper');
    Journal.checkRunsDir(runs);
    assert.deepEqual(readdirSync(t.dir), [], 'nothing made by the check');
    writeFileSync(join(t.dir, 'runs'), 'x');
    assert.throws(() => Journal.checkRunsDir(runs), (e: unknown) => isCapiGateError(e, 'CAPI_GATE_USAGE') && /a file is in the way/.test(e.message));
    if (existsSync('/proc/1')) assert.throws(() => Journal.checkRunsDir('/proc/1/capi-gate-runs'), (e: unknown) => isCapiGateError(e, 'CAPI_GATE_USAGE'));
  } finally {
    t.done();
  }
});

test('newestRun: the site\'s newest run by creation time, with its end when it finished', () => {
  const t = temp();
  try {
    assert.equal(Journal.newestRun(t.dir, 's'), undefined);
    const make = (runId: string, createdAt: number, site: string, end?: string) => {
      const j = Journal.create(t.dir, { runId, site, sitePath: '/x', createdAt, selection: { only: [], skip: [] }, version: '0' });
      if (end) j.append({ t: 'run-end', at: createdAt + 1, verdict: end, exitCode: 0, interrupted: false });
      j.close();
    };
    make('r-old', 1_000, 's');
    make('r-new', 2_000, 's', 'NOT ACCEPTED');
    make('r-other', 3_000, 'other');
    const n = Journal.newestRun(t.dir, 's');
    assert.equal(n?.runId, 'r-new');
    assert.equal(n?.end?.verdict, 'NOT ACCEPTED');
    assert.equal(Journal.latestUnfinished(t.dir, 's'), 'r-old');
    assert.throws(() => Journal.open(t.dir, '..'), (e: unknown) => isCapiGateError(e, 'CAPI_GATE_USAGE') && Boolean(e.hint));
  } finally {
    t.done();
  }
});
