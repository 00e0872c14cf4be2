import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixedPoll, summarize, waitSamples } from './real-waits.js';
import type { ObservedChange } from './real-observer.js';
import type { Report } from './analysis.js';

test('a fixed poll sees a change at the first multiple of its interval at or after it', () => {
  assert.deepEqual(fixedPoll(0, 15_000), { requests: 1, lagMs: 0 });
  assert.deepEqual(fixedPoll(1_000, 15_000), { requests: 2, lagMs: 14_000 });
  assert.deepEqual(fixedPoll(15_000, 15_000), { requests: 2, lagMs: 0 });
  assert.deepEqual(fixedPoll(119_000, 30_000), { requests: 5, lagMs: 1_000 });
  // a change before the wait started: seen by the first poll
  assert.deepEqual(fixedPoll(-500, 30_000), { requests: 1, lagMs: 0 });
});

const T0 = 1_000_000;
const change = (kind: ObservedChange['kind'], id: string, name: string, from: string | null, to: string, at: number, prevAt: number | null, stackId?: string): ObservedChange =>
  ({ kind, id, name, from, to, at, prevAt, ...(stackId ? { stackId } : {}) });

function report(waits: { name: string; startedAt: number; seenAt: number; polls: number; requests: number; outcome?: string; schedule?: string }[]): Report {
  return {
    startedAt: T0, endedAt: T0 + 1e6, verdict: 'FUNCTIONALLY ACCEPTED', exitCode: 0,
    items: [{ id: 'x', status: 'PASS', waits: waits.map((w) => ({ name: w.name, what: w.name, outcome: w.outcome ?? 'success', startedAt: w.startedAt, endedAt: w.seenAt + 1, polls: w.polls, requests: w.requests, ...(w.schedule ? { schedule: w.schedule } : {}), timeline: [{ at: w.startedAt, from: null, to: 'X' }, { at: w.seenAt, from: 'X', to: 'Y' }] })) }],
  };
}

test('each wait is matched to the observer\'s change of its own row, and the lag is measured from it', () => {
  const changes = [
    change('magnum.cluster', 'u1', 'capi-a', null, 'CREATE_IN_PROGRESS', T0 + 1_000, T0 + 800, 'stack1'),
    change('magnum.cluster', 'u2', 'capi-b', 'CREATE_IN_PROGRESS', 'CREATE_COMPLETE', T0 + 50_000, T0 + 49_800, 'stack2'),
    change('magnum.cluster', 'u1', 'capi-a', 'CREATE_IN_PROGRESS', 'CREATE_COMPLETE', T0 + 100_000, T0 + 99_800, 'stack1'),
    change('octavia.loadbalancer', 'lb1', 'k8s-clusterapi-cluster-magnum-p-stack1-kubeapi', null, 'PENDING_CREATE', T0 + 20_000, T0 + 19_800),
    change('octavia.loadbalancer', 'lb1', 'k8s-clusterapi-cluster-magnum-p-stack1-kubeapi', 'PENDING_CREATE', 'ACTIVE', T0 + 30_000, T0 + 29_800),
    change('octavia.loadbalancer', 'lb1', 'k8s-clusterapi-cluster-magnum-p-stack1-kubeapi', 'ACTIVE', 'PENDING_UPDATE', T0 + 200_500, T0 + 200_300),
    change('octavia.loadbalancer', 'lb1', 'k8s-clusterapi-cluster-magnum-p-stack1-kubeapi', 'PENDING_UPDATE', 'ACTIVE', T0 + 204_000, T0 + 203_800),
    change('magnum.cluster', 'u1', 'capi-a', 'CREATE_COMPLETE', 'DELETE_IN_PROGRESS', T0 + 300_500, T0 + 300_300, 'stack1'),
    change('magnum.cluster', 'u1', 'capi-a', 'DELETE_IN_PROGRESS', 'gone', T0 + 332_000, T0 + 329_800, 'stack1'), // the observer stalled 2.2 s: it saw 'gone' after capi-gate
  ];
  const r = report([
    { name: 'cluster', startedAt: T0 + 2_000, seenAt: T0 + 101_500, polls: 9, requests: 10 },
    { name: 'api-lb-failover', startedAt: T0 + 200_000, seenAt: T0 + 205_000, polls: 3, requests: 3 },
    { name: 'cluster-delete', startedAt: T0 + 300_000, seenAt: T0 + 330_100, polls: 7, requests: 7, schedule: 'every 1.0s until 9.0s, ...; each poll just after a tick of the 10s status sync (its phase from 3 earlier sightings, within 0.2s)' },
    { name: 'health', startedAt: T0 + 102_000, seenAt: T0 + 103_000, polls: 2, requests: 2 },
  ]);
  const { samples, unmatched } = waitSamples('run', r, 'capi-a', changes);
  assert.deepEqual(unmatched, []);
  assert.deepEqual(samples.map((s) => [s.wait, s.changeMs, s.lagMs, s.lagMaxMs, s.requests]), [
    ['cluster', 98_000, 1_500, 1_700, 10], // capi-b's CREATE_COMPLETE at +50 s is not this cluster's
    ['api-lb-failover', 4_000, 1_000, 1_200, 3], // the LB's first ACTIVE (before the wait) does not count
    ['cluster-delete', 30_100, 0, 300, 7],
  ]);
  assert.deepEqual(samples.map((s) => s.onTicks === true), [false, false, true], 'the delete polled on the status sync\'s ticks (its schedule says so)');
  const sum = summarize(samples, [15_000, 30_000]);
  const create = sum.find((s) => s.wait === 'cluster')!;
  assert.deepEqual(create.fixed['15000'], { requestsMedian: 8, lagMsMedian: 7_000, lagMsMax: 7_000 });
  assert.equal(create.moreThanFixed['15000'], 1);
  const fo = sum.find((s) => s.wait === 'api-lb-failover')!;
  assert.deepEqual(fo.fixed['30000'], { requestsMedian: 2, lagMsMedian: 26_000, lagMsMax: 26_000 });
  assert.equal(fo.moreThanFixed['30000'], 1);
});

test('a wait the observer saw no change for, or that failed, is listed as not compared', () => {
  const r = report([
    { name: 'cluster', startedAt: T0, seenAt: T0 + 10_000, polls: 3, requests: 3 },
    { name: 'cluster-delete', startedAt: T0 + 20_000, seenAt: T0 + 30_000, polls: 3, requests: 3, outcome: 'timeout' },
  ]);
  const { samples, unmatched } = waitSamples('run', r, 'capi-a', [change('magnum.cluster', 'u1', 'capi-a', null, 'CREATE_COMPLETE', T0 - 5_000, null)]);
  assert.equal(samples.length, 0);
  assert.deepEqual(unmatched, ['run cluster: no change of the row seen by the observer', 'run cluster-delete: timeout']);
});
