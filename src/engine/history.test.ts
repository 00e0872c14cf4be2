import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitHistory } from './history.js';

function run(root: string, id: string, site: string, createdAt: number, waits: { name: string; outcome: string; ms: number }[]): string {
  const dir = join(root, id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ schema: 'capi-gate/run@1', runId: id, site, createdAt }));
  writeFileSync(join(dir, 'journal.jsonl'), `${JSON.stringify({ t: 'run-start', at: createdAt })}\n${JSON.stringify({ t: 'step-end', step: '8.2', at: createdAt + 1, startedAt: createdAt, outcome: {}, waits: waits.map((w) => ({ name: w.name, outcome: w.outcome, startedAt: 1000, endedAt: 1000 + w.ms, polls: w.ms > 5_000 ? 7 : 1 })) })}\n{"t":"step-end", torn`);
  return dir;
}

test('site history: the median of the successful waits of that name in earlier runs of the same site, never this run', () => {
  const root = mkdtempSync(join(tmpdir(), 'capi-gate-history-'));
  try {
    run(root, 'r1', 'lab', 1, [{ name: 'cluster', outcome: 'success', ms: 30_000 }]);
    run(root, 'r2', 'lab', 2, [{ name: 'cluster', outcome: 'success', ms: 32_000 }, { name: 'cluster-delete', outcome: 'success', ms: 9_000 }]);
    run(root, 'r3', 'lab', 3, [{ name: 'cluster', outcome: 'timeout', ms: 99_000 }]);
    run(root, 'r3b', 'lab', 3, [{ name: 'cluster', outcome: 'success', ms: 100 }]); // found complete on its first poll
    run(root, 'r4', 'other', 4, [{ name: 'cluster', outcome: 'success', ms: 1_000 }]);
    const mine = run(root, 'r5', 'lab', 5, [{ name: 'cluster', outcome: 'success', ms: 50_000 }]);
    const h = waitHistory(mine, 'lab', 'cluster');
    assert.deepEqual(h.durationsMs, [32_000, 30_000]);
    assert.equal(h.medianMs, 31_000, 'two durations: the mean of the two');
    assert.equal(waitHistory(mine, 'lab', 'cluster-delete').medianMs, 9_000);
    // a wait that recorded an offset (its process began before it) counts from the process's start
    run(root, 'r6', 'lab', 6, []);
    writeFileSync(join(root, 'r6', 'journal.jsonl'), `${JSON.stringify({ t: 'step-end', step: '8.5', waits: [{ name: 'api-lb-failover', outcome: 'success', startedAt: 0, endedAt: 60_000, polls: 9, offsetMs: 40_000 }] })}\n`);
    assert.equal(waitHistory(mine, 'lab', 'api-lb-failover').medianMs, 100_000);
    // the change happened within the last poll interval (detectionWindowMs): counted to its middle,
    // so a run that saw the end a sparse interval late does not push the next run's dense phase out
    run(root, 'r7', 'lab', 7, []);
    writeFileSync(join(root, 'r7', 'journal.jsonl'), `${JSON.stringify({ t: 'step-end', step: '8.5', waits: [{ name: 'cluster-delete', outcome: 'success', startedAt: 0, endedAt: 12_600, polls: 3, detectionWindowMs: 6_100 }] })}\n`);
    assert.deepEqual(waitHistory(mine, 'lab', 'cluster-delete').durationsMs, [9_550, 9_000]);
    // a window as long as the wait (or none) is no information: the end stands
    run(root, 'r8', 'lab', 8, []);
    writeFileSync(join(root, 'r8', 'journal.jsonl'), `${JSON.stringify({ t: 'step-end', step: '8.5', waits: [{ name: 'cluster-delete', outcome: 'success', startedAt: 0, endedAt: 5_000, polls: 2, detectionWindowMs: 5_000 }] })}\n`);
    assert.deepEqual(waitHistory(mine, 'lab', 'cluster-delete').durationsMs, [5_000, 9_550, 9_000]);
    assert.equal(waitHistory(mine, 'lab', 'cluster-delete').medianMs, 9_000, 'none precise: the median of all');
    assert.equal(waitHistory(join(root, 'missing', 'x'), 'lab', 'cluster').medianMs, undefined);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('site history: sightings by a dense poll outweigh sparse ones (a sparse sighting places the change anywhere in its interval)', () => {
  const root = mkdtempSync(join(tmpdir(), 'capi-gate-history-'));
  const write = (id: string, at: number, w: Record<string, number>) => {
    run(root, id, 'lab', at, []);
    writeFileSync(join(root, id, 'journal.jsonl'), `${JSON.stringify({ t: 'step-end', step: '8.2', waits: [{ name: 'cluster', outcome: 'success', startedAt: 0, ...w }] })}\n`);
  };
  try {
    // The real control plane's case: a sparse sighting (12.1 s window) of a change at ~23 s
    // counts as 19.2 s; then two dense sightings (0.5 s windows) at 24.3 and 26.3 s.
    write('r1', 1, { endedAt: 25_250, polls: 5, detectionWindowMs: 12_100 });
    const mine = join(root, 'r9');
    assert.equal(waitHistory(mine, 'lab', 'cluster').medianMs, 19_200, 'one sparse sighting: it is all there is');
    write('r2', 2, { endedAt: 24_550, polls: 12, detectionWindowMs: 500 });
    const two = waitHistory(mine, 'lab', 'cluster');
    assert.equal(two.medianMs, 24_300, 'the dense sighting alone, not the mean with the sparse one');
    assert.equal(two.basis, 1);
    write('r3', 3, { endedAt: 26_550, polls: 12, detectionWindowMs: 500 });
    const three = waitHistory(mine, 'lab', 'cluster');
    assert.deepEqual(three.durationsMs, [26_300, 24_300, 19_200]);
    assert.equal(three.medianMs, 25_300);
    assert.equal(three.basis, 2);
    // 5 % of the wait is the line: a 1.3 s window on a 26 s wait is precise, a 1.4 s one is not
    write('r4', 4, { endedAt: 26_650, polls: 12, detectionWindowMs: 1_300 });
    assert.equal(waitHistory(mine, 'lab', 'cluster').basis, 3);
    write('r5', 5, { endedAt: 26_700, polls: 12, detectionWindowMs: 1_400 });
    assert.equal(waitHistory(mine, 'lab', 'cluster').basis, 3);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
