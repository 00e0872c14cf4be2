// The runbook's fixed poll each OpenStack wait carries into its shaped poll, at the site's scale.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXPECT, RUNBOOK_POLL_MS, shapeFor } from './expectations.js';

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
