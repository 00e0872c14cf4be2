// The runbook's fixed poll each OpenStack wait carries into its shaped poll, at the site's scale.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXPECT, RUNBOOK_POLL_MS, healthShape, shapeFor } from './expectations.js';
import { pollBudget, shapedDelay, shapedDelayOnTicks } from '../engine/schedule.js';

function ctxAt(intervalScale: number) {
  const root = mkdtempSync(join(tmpdir(), 'capi-gate-expect-'));
  const ctx = { runDir: join(root, 'run-1'), site: { site: { site: 'lab', polling: { intervalScale } } } } as never;
  return { ctx, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

test('the create polls against 8.2\'s `sleep 30`, the delete against 15 s (before the runner scales them with the site)', () => {
  const { ctx, cleanup } = ctxAt(1);
  try {
    assert.equal(shapeFor(ctx, 'cluster', EXPECT.cluster).fixedEveryMs, RUNBOOK_POLL_MS.cluster);
    assert.equal(shapeFor(ctx, 'cluster-delete', EXPECT['cluster-delete']).fixedEveryMs, 15_000);
  } finally {
    cleanup();
  }
});

test('a site whose figure is its own (the failover\'s deadline): F keeps the runbook\'s ratio, 15 s to 100 s', () => {
  const failover = (ms: number) => ({ ms, siteScaled: true, from: 'site', floorMs: 1_000, sparseMs: 30_000, fixedEveryMs: 15_000, runbookMs: 100_000 });
  const real = ctxAt(1);
  const fast = ctxAt(0.05);
  const compressed = ctxAt(0.02);
  try {
    assert.equal(shapeFor(real.ctx, 'api-lb-failover', failover(100_000)).fixedEveryMs, 15_000, 'a real site: 15 s');
    // the bench at time scale 0.05: a 5 s failover, polls x 0.05: 15 s before the runner's scaling (0.75 s)
    assert.equal(shapeFor(fast.ctx, 'api-lb-failover', failover(5_000)).fixedEveryMs, 15_000);
    // figures compressed 500x but polls only 50x: F follows the figure (30 ms of run time, 1.5 s before scaling)
    assert.equal(shapeFor(compressed.ctx, 'api-lb-failover', failover(200)).fixedEveryMs, 1_500);
    assert.equal(shapeFor(real.ctx, 'no-cap', { ms: 1000, from: 'x', floorMs: 1, sparseMs: 1 }).fixedEveryMs, undefined);
  } finally {
    real.cleanup();
    fast.cleanup();
    compressed.cleanup();
  }
});

test("Magnum's waits poll on the status sync's ticks once three earlier sightings agree on their phase closer than the lag target; not the failover; polling.magnumStatusSync sets the period", () => {
  const root = mkdtempSync(join(tmpdir(), 'capi-gate-expect-'));
  try {
    const past = (id: string, createdAt: number, waits: object[]) => {
      mkdirSync(join(root, id));
      writeFileSync(join(root, id, 'run.json'), JSON.stringify({ site: 'lab', createdAt }));
      writeFileSync(join(root, id, 'journal.jsonl'), `${JSON.stringify({ t: 'step-end', step: 'x', waits })}\n`);
    };
    // two creates and a delete of earlier runs, each seen by a dense poll 200-400 ms after the last miss,
    // at 3.2-3.5 s past a 10-s tick: Magnum's sync on a site whose polls are scaled 0.1 but not its Magnum
    past('r1', 1, [{ name: 'cluster', outcome: 'success', startedAt: 1_000_000, endedAt: 1_023_500, polls: 9, detectionWindowMs: 400 }]);
    past('r2', 2, [{ name: 'cluster-delete', outcome: 'success', startedAt: 2_000_000, endedAt: 2_013_400, polls: 9, detectionWindowMs: 200 }]);
    past('r3', 3, [{ name: 'cluster', outcome: 'success', startedAt: 3_000_000, endedAt: 3_023_450, polls: 9, detectionWindowMs: 350 }]);
    const ctx = (magnumStatusSync?: string) => ({ runDir: join(root, 'run-3'), site: { site: { site: 'lab', polling: { intervalScale: 0.1, ...(magnumStatusSync ? { magnumStatusSync } : {}) } } } }) as never;
    const create = shapeFor(ctx('10s'), 'cluster', EXPECT.cluster);
    assert.deepEqual(create.sync && { period: create.sync.periodMs, at: create.sync.visibleAt % 10_000, width: create.sync.widthMs, basis: create.sync.basis }, { period: 10_000, at: 3_400, width: 200, basis: 3 });
    assert.ok(shapeFor(ctx('10s'), 'cluster-delete', EXPECT['cluster-delete']).sync);
    assert.equal(shapeFor(ctx('10s'), 'api-lb-failover', { ms: 1_500, siteScaled: true, from: 'x', floorMs: 1_000, sparseMs: 30_000 }).sync, undefined, "Octavia's failover is no periodic task's");
    // without the setting the period is Magnum's 10 s at the site's scale, 1 s: sightings of 0.2-0.4 s place no tick in it
    assert.equal(shapeFor(ctx(), 'cluster', EXPECT.cluster).sync, undefined);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("8.2's health wait polls once a status-sync period over one health interval (Magnum's health sync comes only on those ticks), on the ticks when earlier runs place them", () => {
  const { ctx, cleanup } = ctxAt(0.05); // a simulated site: Magnum's 10 s is 0.5 s of its time
  try {
    const h = healthShape(ctx);
    assert.equal(h.expectedMs, 3_000, 'six status syncs: the 60 s of health_polling_interval');
    assert.equal(h.sync, undefined, 'no earlier runs');
    // as the runner scales a shape's floor and sparse interval (x intervalScale)
    const run = { ...h, floorMs: h.floorMs * 0.05, sparseMs: h.sparseMs * 0.05 };
    for (let t = 0; t < 2_500; t += 500) assert.equal(shapedDelay(run, t, t / 500 + 1, pollBudget(run)), 500, `a poll at ${t} ms: the next one period later`);
    assert.equal(shapedDelay(run, 2_800, 7, pollBudget(run)), 375, 'never closer than three quarters of a period');
    assert.ok(pollBudget(run) <= 12, `a budget of about one health interval of polls (${pollBudget(run)})`);
    // with the ticks placed (seen by ...000, polled 2 % of the period after), a poll answered 30 ms after a tick's poll goes just after the next tick
    const sync = { periodMs: 500, visibleAt: 1_000_000, widthMs: 20, basis: 3 };
    assert.equal(shapedDelayOnTicks({ ...run, sync }, 1_000, 3, pollBudget(run), 30, 3, 1_000_010 + 30), 470);
    assert.equal(shapedDelayOnTicks({ ...run, sync }, 2_800, 7, pollBudget(run), 30, 7, 1_000_010 + 30), 470, 'in the dense phase too');
  } finally {
    cleanup();
  }
});
