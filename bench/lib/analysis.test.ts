import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Report } from './analysis.js';
import { detections } from './analysis.js';
import type { TimelineEntry } from './sim.js';

// The simulated clock runs at real time here (toReal is the identity).
const T0 = 1_000_000;
const timeline: TimelineEntry[] = [
  { seq: 1, at: T0 - 60_000, kind: 'magnum.cluster', id: 'u1', name: 'capi-a', from: null, to: 'CREATE_IN_PROGRESS' },
  { seq: 2, at: T0 - 1_000, kind: 'magnum.cluster', id: 'u1', name: 'capi-a', from: 'CREATE_IN_PROGRESS', to: 'CREATE_COMPLETE' },
  // The delete: the conductor sets DELETE_IN_PROGRESS 25 ms after the 204, the row goes 9 s later.
  { seq: 3, at: T0 + 25, kind: 'magnum.cluster', id: 'u1', name: 'capi-a', from: 'CREATE_COMPLETE', to: 'DELETE_IN_PROGRESS' },
  { seq: 4, at: T0 + 9_000, kind: 'magnum.cluster', id: 'u1', name: 'capi-a', from: 'DELETE_IN_PROGRESS', to: 'gone' },
];

function report(waitTimeline: { at: number; from: string | null; to: string }[]): Report {
  return {
    startedAt: T0 - 70_000, endedAt: T0 + 10_000, verdict: 'FUNCTIONALLY ACCEPTED', exitCode: 0,
    items: [{ id: '8.5', status: 'PASS', waits: [{ name: 'cluster-delete', what: 'cluster', outcome: 'success', startedAt: T0, endedAt: T0 + 9_100, polls: 4, timeline: waitTimeline }] }],
  };
}

test('detection: the lag of a wait is measured at the change that ended it, not at a state it passed through', () => {
  // The sparse early poll first saw DELETE_IN_PROGRESS 3 s after it was set, and gone 100 ms after.
  const { samples, unmatched } = detections(report([
    { at: T0 + 10, from: null, to: 'CREATE_COMPLETE' },
    { at: T0 + 3_000, from: 'CREATE_COMPLETE', to: 'DELETE_IN_PROGRESS' },
    { at: T0 + 9_100, from: 'DELETE_IN_PROGRESS', to: 'gone' },
  ]), timeline, 'capi-a', (ms) => ms);
  assert.deepEqual(unmatched, []);
  assert.equal(samples.length, 1);
  assert.equal(samples[0]?.state, 'gone');
  assert.equal(samples[0]?.latencyMs, 100);
  assert.equal(samples[0]?.waitMs, 9_100);
});

test('detection: a wait whose end is late counts late, and one whose only sighting was its start counts nothing', () => {
  const late = detections(report([
    { at: T0 + 10, from: null, to: 'DELETE_IN_PROGRESS' },
    { at: T0 + 9_900, from: 'DELETE_IN_PROGRESS', to: 'gone' },
  ]), timeline, 'capi-a', (ms) => ms);
  assert.equal(late.samples[0]?.latencyMs, 900);
  const none = detections(report([{ at: T0 + 10, from: null, to: 'gone' }]), timeline, 'capi-a', (ms) => ms);
  assert.deepEqual(none.samples, []);
});

test("detection: the add-ons' moment (a Kubernetes timestamp, whole simulated seconds) is taken at the middle of its second", () => {
  const r: Report = {
    startedAt: T0 - 70_000, endedAt: T0 + 10_000, verdict: 'FUNCTIONALLY ACCEPTED', exitCode: 0,
    items: [{ id: '8.3', status: 'PASS', waits: [{ name: 'nodes-and-addons', what: 'x', outcome: 'success', startedAt: T0, endedAt: T0 + 2_540, polls: 4, timeline: [] }] }],
  };
  // lastTransitionTime says T0 + 40 s: the pods went Ready in [T0 + 40 s, T0 + 41 s) of simulated
  // time; at time scale 0.05 (toReal: simulated ms x 0.05 from T0) that is [T0 + 2000, T0 + 2050) real ms.
  const toReal = (simMs: number) => T0 + (simMs - T0) * 0.05;
  const { samples } = detections(r, timeline, 'capi-a', toReal, T0 + 2_000 * 20);
  assert.equal(samples.length, 1);
  assert.equal(samples[0]?.latencyMs, 2_540 - 2_000 - 25, 'the middle of the second: 25 ms after its start');
});
