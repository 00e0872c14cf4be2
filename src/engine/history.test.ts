import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sightings, syncPhase, waitHistory } from './history.js';

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

test("the status sync's phase: the newest narrow sighting narrowed by the older ones that overlap it modulo the period; none from one sighting, from disagreeing ones, or wide ones", () => {
  const P = 10_000;
  // three runs saw a change at a tick near 3.2-3.4 s past the period, in different periods
  const at = (k: number, from: number, to: number) => ({ from: k * P + from, to: k * P + to });
  const p = syncPhase([at(90, 3_000, 3_400), at(42, 3_200, 3_700), at(7, 2_900, 3_350)], P);
  assert.ok(p);
  assert.equal(p.basis, 3);
  assert.equal(p.visibleAt % P, 3_350, 'a change at that tick is seen by the earliest of the sightings\' ends');
  assert.equal(p.widthMs, 150);
  assert.equal(syncPhase([at(90, 3_000, 3_400)], P), undefined, 'one sighting is no phase');
  assert.equal(syncPhase([at(90, 3_000, 3_400), at(42, 3_200, 3_700)], P), undefined, 'two agreeing are not enough (two random narrow arcs overlap often)');
  assert.equal(syncPhase([at(90, 3_000, 3_400), at(42, 7_000, 7_500), at(12, 3_200, 3_700)], P), undefined, 'two agree, one disagrees (another conductor, a restarted one)');
  assert.equal(syncPhase([at(90, 3_000, 3_400), at(42, 7_000, 7_500), at(41, 3_100, 3_300), at(30, 3_000, 3_600)], P)?.basis, 3, 'more agree than disagree');
  assert.equal(syncPhase([at(90, 3_000, 3_400), at(42, 7_000, 7_500), at(41, 3_100, 3_300), at(40, 6_900, 7_200), at(39, 3_000, 3_500), at(38, 6_000, 6_400)], P), undefined, 'as many disagree as agree');
  assert.equal(syncPhase([at(90, 0, 3_000), at(42, 1_000, 3_500), at(41, 500, 3_200)], P), undefined, 'sightings wider than a quarter of the period place no tick');
  assert.equal(syncPhase([at(90, 2_000, 4_400), at(42, 1_500, 4_000), at(41, 1_800, 4_300)], P), undefined, 'agreeing, but leaving more than an eighth of the period open');
  // across the period's wrap: 9.8-10.3 s, 9.9-10.2 s, 9.7-10.25 s
  const w = syncPhase([at(5, 9_800, 10_300), at(3, 9_900, 10_200), at(2, 9_700, 10_250)], P);
  assert.ok(w);
  assert.equal(((w.visibleAt % P) + P) % P, 200);
  assert.equal(w.widthMs, 300);
});

test('sync sightings: both Magnum waits of up to 20 earlier runs, newest first, as [answer before, answer that saw it] epoch ms', () => {
  const root = mkdtempSync(join(tmpdir(), 'capi-gate-history-'));
  try {
    for (let i = 1; i <= 3; i++) {
      run(root, `r${i}`, 'lab', i, []);
      writeFileSync(join(root, `r${i}`, 'journal.jsonl'), `${JSON.stringify({ t: 'step-end', step: '8.2', waits: [{ name: 'cluster', outcome: 'success', startedAt: i * 100_000, endedAt: i * 100_000 + 25_000, polls: 9, detectionWindowMs: 400 }, { name: 'api-lb-failover', outcome: 'success', startedAt: 0, endedAt: 9, polls: 3, detectionWindowMs: 2 }] })}\n${JSON.stringify({ t: 'step-end', step: '8.5', waits: [{ name: 'cluster-delete', outcome: 'success', startedAt: i * 100_000 + 50_000, endedAt: i * 100_000 + 60_000, polls: 9, detectionWindowMs: 300 }] })}\n`);
    }
    const mine = run(root, 'r9', 'lab', 9, []);
    assert.deepEqual(sightings(mine, 'lab', ['cluster', 'cluster-delete']).map((s) => [s.from, s.to]), [
      [359_700, 360_000], [324_600, 325_000], [259_700, 260_000], [224_600, 225_000], [159_700, 160_000], [124_600, 125_000],
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
